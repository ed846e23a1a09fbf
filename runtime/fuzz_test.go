package runtime_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/internal/fuzzextra"
	"github.com/edgerun/edgerun/runtime"
)

// fuzzModel is a loaded model with two interpreters, kept across fuzz
// iterations (interpreters are reusable, and threads are created once).
type fuzzModel struct {
	name     string
	m        *runtime.Model
	one, two *runtime.Interpreter // 1 and 2 threads
}

// fuzzModels loads the built-in examples and, when ../shared exists, the
// conformance models (visible set and real networks) up to maxSize bytes.
func fuzzModels(t testing.TB, maxSize int64) []*fuzzModel {
	var out []*fuzzModel
	add := func(name string, data []byte) {
		m, err := runtime.Load(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fm := &fuzzModel{name: name, m: m}
		if fm.one, err = runtime.NewInterpreter(m, &runtime.Options{Threads: 1}); err != nil {
			t.Fatal(err)
		}
		if fm.two, err = runtime.NewInterpreter(m, &runtime.Options{Threads: 2, SplitMinMACs: -1}); err != nil {
			t.Fatal(err)
		}
		out = append(out, fm)
	}
	for _, name := range examples.Names() {
		data, err := examples.Bytes(name)
		if err != nil {
			t.Fatal(err)
		}
		add(name, data)
	}
	for _, set := range []string{"visible", "models"} {
		files, _ := filepath.Glob(filepath.Join("../../shared/conformance", set, "models", "*.tflite"))
		for _, f := range files {
			if st, err := os.Stat(f); err != nil || st.Size() > maxSize {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			add(filepath.Base(f), data)
		}
	}
	return out
}

// setInputs fills every input of it from data: raw bytes (data repeated),
// or, for a float input when data[0] is odd, float32 values read from data
// (NaN, infinities and subnormals included) through SetInputFloat32. invert
// flips every raw byte.
func setInputs(t *testing.T, it *runtime.Interpreter, data []byte, invert bool) {
	m := it.Model()
	for i, info := range m.Inputs() {
		if info.Float && len(data) >= 5 && data[0]&1 == 1 {
			vals := make([]float32, info.Bytes)
			for j := range vals {
				k := (4*j + 1) % (len(data) - 4)
				vals[j] = math.Float32frombits(binary.LittleEndian.Uint32(data[1+k:]))
			}
			if err := it.SetInputFloat32(i, vals); err != nil {
				t.Fatalf("SetInputFloat32: %v", err)
			}
			continue
		}
		b := make([]byte, info.Bytes)
		for j := range b {
			if len(data) > 0 {
				b[j] = data[(j+i)%len(data)]
			}
			if invert {
				b[j] ^= 0xff
			}
		}
		if err := it.SetInput(i, b); err != nil {
			t.Fatalf("SetInput: %v", err)
		}
	}
}

func invokeOutputs(t *testing.T, it *runtime.Interpreter) [][]byte {
	if err := it.Invoke(); err != nil {
		t.Fatalf("Invoke: %v", err)
	}
	outs := outputsOf(it)
	for i, info := range it.Model().Outputs() {
		if info.Float {
			if _, err := it.OutputFloat32(i, nil); err != nil {
				t.Fatalf("OutputFloat32: %v", err)
			}
		}
	}
	return outs
}

// FuzzInvoke runs a model chosen by the fuzzer on inputs from the fuzz
// bytes: Invoke never panics or fails, and the outputs are deterministic:
// a second interpreter of the same model, running with two threads and
// just used on other inputs, gives the same bytes.
func FuzzInvoke(f *testing.F) {
	models := fuzzModels(f, 512<<10)
	for i := range models {
		f.Add(uint16(i), []byte{})
		f.Add(uint16(i), []byte{0x80, 0x7f, 0, 1, 0xff})
	}
	f.Add(uint16(0), []byte{1, 0, 0, 0xc0, 0x7f, 0, 0, 0x80, 0xff, 0, 0, 0x80, 0x7f}) // NaN, -Inf, +Inf floats
	fuzzextra.Add(f)
	f.Fuzz(func(t *testing.T, which uint16, data []byte) {
		fm := models[int(which)%len(models)]
		setInputs(t, fm.one, data, false)
		want := invokeOutputs(t, fm.one)
		setInputs(t, fm.two, data, true)
		invokeOutputs(t, fm.two)
		setInputs(t, fm.two, data, false)
		got := invokeOutputs(t, fm.two)
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("%s: output %d differs between two interpreters on the same input", fm.name, i)
			}
		}
	})
}

// FuzzLoad: runtime.Load on arbitrary bytes (edgerun files above all: the
// .tflite path is FuzzConvert's) never panics and fails only with typed
// errors; a model it accepts runs on two interpreters with equal outputs
// when it is small enough for the fuzzer. Seeds: the built-in examples and
// the conformance models converted to .erm (up to 64 KiB).
func FuzzLoad(f *testing.F) {
	for _, name := range examples.Names() {
		data, err := examples.Bytes(name)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) <= 64<<10 {
			f.Add(data)
		}
	}
	for _, fm := range fuzzModels(f, 64<<10) {
		if data, err := format.Encode(fm.m.Graph()); err == nil && len(data) <= 64<<10 {
			f.Add(data)
		}
	}
	fuzzextra.Add(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := runtime.Load(data)
		if err != nil {
			if !typedLoadError(err) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if m.ArenaBytes() > 4<<20 || m.MACs() > 50<<20 {
			return
		}
		var outs [2][][]byte
		for k, threads := range []int{1, 2} {
			it, err := runtime.NewInterpreter(m, &runtime.Options{Threads: threads, SplitMinMACs: -1})
			if err != nil {
				t.Fatalf("NewInterpreter: %v", err)
			}
			setInputs(t, it, data, false)
			outs[k] = invokeOutputs(t, it)
			it.Close()
		}
		for i := range outs[0] {
			if !bytes.Equal(outs[0][i], outs[1][i]) {
				t.Fatalf("output %d differs between one and two threads", i)
			}
		}
	})
}
