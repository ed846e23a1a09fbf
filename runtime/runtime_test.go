package runtime_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/tflite"
	"github.com/edgerun/edgerun/runtime"
)

const sharedModels = "../../shared/conformance/models/models"

// testModels returns the built-in examples plus, when present, the shared
// real models.
func testModels(t *testing.T) map[string]*runtime.Model {
	t.Helper()
	models := map[string]*runtime.Model{}
	for _, name := range examples.Names() {
		data, err := examples.Bytes(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := runtime.Load(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		models[name] = m
	}
	paths, _ := filepath.Glob(filepath.Join(sharedModels, "*.tflite"))
	for _, p := range paths {
		m, err := runtime.LoadFile(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		models[filepath.Base(p)] = m
	}
	return models
}

// fill writes deterministic pseudo-random bytes.
func fill(b []byte, seed uint32) {
	x := seed | 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
}

func newReadyInterpreter(t testing.TB, m *runtime.Model, seed uint32) *runtime.Interpreter {
	it, err := runtime.NewInterpreter(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.Inputs() {
		fill(it.InputBytes(i), seed+uint32(i))
	}
	return it
}

// TestInvokeAllocatesNothing is the zero-allocation invariant of Invoke.
func TestInvokeAllocatesNothing(t *testing.T) {
	for name, m := range testModels(t) {
		for _, threads := range []int{1, 3} {
			it, err := runtime.NewInterpreter(m, &runtime.Options{Threads: threads, SplitMinMACs: -1})
			if err != nil {
				t.Fatal(err)
			}
			for i := range m.Inputs() {
				fill(it.InputBytes(i), 7+uint32(i))
			}
			runs := 20
			if m.Graph().ArenaBytes > 1<<20 {
				runs = 2 // large models: still proves it, faster
			}
			if allocs := testing.AllocsPerRun(runs, func() {
				if err := it.Invoke(); err != nil {
					t.Fatal(err)
				}
			}); allocs != 0 {
				t.Errorf("%s, %d threads: Invoke allocates %.1f times per run", name, threads, allocs)
			}
			it.Close()
		}
	}
}

func outputsOf(it *runtime.Interpreter) [][]byte {
	var outs [][]byte
	for i := range it.Model().Outputs() {
		outs = append(outs, bytes.Clone(it.OutputBytes(i)))
	}
	return outs
}

// TestConcurrentInterpreters runs interpreters over one shared Model on
// several goroutines (meant for -race) and checks every output against
// the single-threaded result for the same input.
func TestConcurrentInterpreters(t *testing.T) {
	models := testModels(t)
	for _, name := range []string{examples.DefaultName, "mlp_64_10", "tflm_person_detect.tflite", "tiny_kws_ref_model.tflite"} {
		m, ok := models[name]
		if !ok {
			continue
		}
		const workers, seeds = 8, 3
		want := make([][][]byte, seeds)
		for s := range want {
			it := newReadyInterpreter(t, m, uint32(100+s))
			if err := it.Invoke(); err != nil {
				t.Fatal(err)
			}
			want[s] = outputsOf(it)
		}
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				for round := 0; round < 6; round++ {
					s := (w + round) % seeds
					it := newReadyInterpreter(t, m, uint32(100+s))
					if err := it.Invoke(); err != nil {
						errs <- err
						return
					}
					for k, out := range outputsOf(it) {
						if !bytes.Equal(out, want[s][k]) {
							errs <- errors.New(name + ": concurrent output differs from single-threaded output")
							return
						}
					}
				}
			}(w)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}

func TestRunTimeErrors(t *testing.T) {
	m := loadMLP(t)
	it, err := runtime.NewInterpreter(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := it.Invoke(); !errors.Is(err, runtime.ErrInputNotSet) {
		t.Errorf("Invoke before SetInput: %v, want ErrInputNotSet", err)
	}
	if p := runtime.NewProfile(m); !errors.Is(it.InvokeProfiled(p), runtime.ErrInputNotSet) || p.Invokes != 0 {
		t.Errorf("InvokeProfiled before SetInput: %v, %d invocations counted; want ErrInputNotSet, 0", it.InvokeProfiled(p), p.Invokes)
	}
	if err := it.SetInput(0, make([]byte, 63)); !errors.Is(err, runtime.ErrShapeMismatch) {
		t.Errorf("short input: %v, want ErrShapeMismatch", err)
	}
	if err := it.SetInput(1, make([]byte, 64)); err == nil {
		t.Error("input index 1 of a one-input model accepted")
	}
	if err := it.SetInput(0, make([]byte, 64)); err != nil {
		t.Fatal(err)
	}
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	if _, err := it.OutputFloat32(0, nil); err != nil {
		t.Errorf("OutputFloat32: %v", err)
	}
	it.Close()
	if err := it.Invoke(); !errors.Is(err, runtime.ErrClosed) {
		t.Errorf("Invoke after Close: %v, want ErrClosed", err)
	}
	if it.OutputBytes(0) != nil || it.InputBytes(0) != nil {
		t.Error("closed interpreter still hands out memory")
	}
	if err := it.SetInput(0, make([]byte, 64)); !errors.Is(err, runtime.ErrClosed) {
		t.Errorf("SetInput after Close: %v, want ErrClosed", err)
	}
}

func TestLoadErrors(t *testing.T) {
	if _, err := runtime.Load([]byte("definitely not a model")); !errors.Is(err, runtime.ErrUnknownFormat) {
		t.Errorf("garbage: %v, want ErrUnknownFormat", err)
	}
	data, err := examples.Bytes("mlp_64_10")
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{9, len(data) / 3, len(data) - 1} {
		if _, err := runtime.Load(data[:cut]); !errors.Is(err, runtime.ErrMalformedModel) {
			t.Errorf("edgerun file cut at %d: %v, want ErrMalformedModel", cut, err)
		}
	}
	paths, _ := filepath.Glob(filepath.Join(sharedModels, "tflm_hello_world_int8.tflite"))
	for _, p := range paths {
		tf, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, cut := range []int{9, len(tf) / 2, len(tf) - 1} {
			if _, err := runtime.Load(tf[:cut]); !errors.Is(err, runtime.ErrMalformedModel) {
				t.Errorf("tflite cut at %d: %v, want ErrMalformedModel", cut, err)
			}
		}
	}
}

// TestUnsupportedOp: an operator edgerun does not implement is reported by
// name and version as ErrUnsupportedOp, at load.
func TestUnsupportedOp(t *testing.T) {
	q := &tflite.Quantization{Scale: []float32{0.1}, ZeroPoint: []int64{0}}
	src := &tflite.Model{
		Version:       3,
		OperatorCodes: []tflite.OperatorCode{{BuiltinCode: 15, Version: 2}}, // LSH_PROJECTION (schema value 15)
		Buffers:       []tflite.Buffer{{}},
		Subgraphs: []tflite.Subgraph{{
			Tensors: []tflite.Tensor{
				{Name: "in", Type: tflite.TypeInt8, Shape: []int32{1, 4}, Quantization: q},
				{Name: "out", Type: tflite.TypeInt8, Shape: []int32{1, 4}, Quantization: q},
			},
			Inputs: []int32{0}, Outputs: []int32{1},
			Operators: []tflite.Operator{{OpcodeIndex: 0, Inputs: []int32{0}, Outputs: []int32{1}}},
		}},
	}
	_, err := tflite.Convert(src)
	var uerr *format.UnsupportedOpError
	if !errors.Is(err, runtime.ErrUnsupportedOp) || !errors.As(err, &uerr) {
		t.Fatalf("got %v, want an UnsupportedOpError", err)
	}
	if uerr.Op != "LSH_PROJECTION" || uerr.Version != 2 {
		t.Errorf("error names %s version %d, want LSH_PROJECTION version 2", uerr.Op, uerr.Version)
	}
}

// TestFloatBoundaryHelpers checks TFLite's QUANTIZE / DEQUANTIZE rules on
// hand-computed values: round half away from zero, clamp, zero point.
func TestFloatBoundaryHelpers(t *testing.T) {
	in := []float32{1.25, -1.25, 0.74, 1000, -1000, float32(math.NaN()), 0}
	want := []int8{3 + 3, -3 + 3, 1 + 3, 127, -128, 3, 3} // scale 0.5, zero point 3
	got := make([]int8, len(in))
	runtime.QuantizeFloat32(got, in, 0.5, 3)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("quantize(%v) = %d, want %d", in[i], got[i], want[i])
		}
	}
	deq := make([]float32, 3)
	runtime.DequantizeInt8(deq, []int8{-128, 3, 127}, 0.5, 3)
	for i, w := range []float32{-65.5, 0, 62} {
		if deq[i] != w {
			t.Errorf("dequantize[%d] = %v, want %v", i, deq[i], w)
		}
	}
}

// TestResourceLimits: each limit refuses a model that exceeds it, with
// ErrResourceLimit, and accepts it when large enough.
func TestResourceLimits(t *testing.T) {
	data, err := examples.Bytes(examples.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	m, err := runtime.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	arena := m.ArenaBytes()
	var biggest int64
	for i := range m.Graph().Tensors {
		biggest = max(biggest, m.Graph().Tensors[i].NumElements())
	}
	refused := []runtime.LoadOptions{
		{MaxModelBytes: int64(len(data)) - 1},
		{MaxArenaBytes: m.Graph().ArenaBytes - 1},
		{MaxArenaBytes: m.ArenaBytes() - 1}, // activations fit, scratch does not
		{MaxTensorElements: biggest - 1},
	}
	for _, opts := range refused {
		if _, err := runtime.LoadWithOptions(data, &opts); !errors.Is(err, runtime.ErrResourceLimit) && !errors.Is(err, runtime.ErrMalformedModel) {
			t.Errorf("%+v: %v, want a limit error", opts, err)
		}
	}
	ok := runtime.LoadOptions{MaxModelBytes: int64(len(data)), MaxArenaBytes: m.ArenaBytes(), MaxTensorElements: biggest}
	if _, err := runtime.LoadWithOptions(data, &ok); err != nil {
		t.Errorf("exact limits refused: %v", err)
	}
	if _, err := runtime.NewInterpreter(m, &runtime.Options{Threads: 1, MaxArenaBytes: arena - 1}); !errors.Is(err, runtime.ErrResourceLimit) {
		t.Errorf("arena over Options.MaxArenaBytes: %v, want ErrResourceLimit", err)
	}
	it, err := runtime.NewInterpreter(m, &runtime.Options{Threads: 1, MaxArenaBytes: arena})
	if err != nil {
		t.Fatalf("arena at the limit refused: %v", err)
	}
	if it.ArenaBytes() != arena || it.Threads() != 1 {
		t.Errorf("one thread: arena %d, threads %d; want %d, 1", it.ArenaBytes(), it.Threads(), arena)
	}
	it.Close()
	// Each extra thread brings its own scratch, and the limit counts it.
	it3, err := runtime.NewInterpreter(m, &runtime.Options{Threads: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer it3.Close()
	scratch := m.ArenaLayout().ScratchPerThread
	if scratch <= 0 {
		t.Fatalf("ScratchPerThread %d: the test model needs scratch", scratch)
	}
	// Its activations are planned again, each kept one op longer.
	threaded := m.ArenaLayout().Threaded
	if want := threaded + 2*scratch; it3.Threads() != 3 || it3.ArenaBytes() != want {
		t.Errorf("three threads: arena %d, threads %d; want %d, 3", it3.ArenaBytes(), it3.Threads(), want)
	}
	if _, err := runtime.NewInterpreter(m, &runtime.Options{Threads: 3, MaxArenaBytes: it3.ArenaBytes() - 1}); !errors.Is(err, runtime.ErrResourceLimit) {
		t.Errorf("three-thread arena over the limit: %v, want ErrResourceLimit", err)
	}
}
