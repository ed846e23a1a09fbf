package runtime_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/runtime"
)

// testdata is the repository's folder of shared test models.
const testdata = "../testdata"

// TestTFLiteFileMatchesERM: LoadFile of testdata's .tflite MLP (identifier
// detection, reader, converter) runs the same network as the built-in
// .erm, byte for byte.
func TestTFLiteFileMatchesERM(t *testing.T) {
	fromFile, err := runtime.LoadFile(filepath.Join(testdata, "mlp_64_10.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	builtin := loadMLP(t)
	for seed := uint32(1); seed <= 4; seed++ {
		itA, itB := newReadyInterpreter(t, fromFile, seed), newReadyInterpreter(t, builtin, seed)
		if err := itA.Invoke(); err != nil {
			t.Fatal(err)
		}
		if err := itB.Invoke(); err != nil {
			t.Fatal(err)
		}
		a, b := outputsOf(itA), outputsOf(itB)
		if seed == 1 && bytes.Equal(a[0], make([]byte, len(a[0]))) {
			t.Fatalf("all-zero outputs: nothing ran")
		}
		itA.Close()
		itB.Close()
		if len(a) != 1 || !bytes.Equal(a[0], b[0]) {
			t.Errorf("seed %d: .tflite outputs %v, .erm %v", seed, a, b)
		}
	}
}

// TestErrorsQuoteNames: errors that name a tensor quote the name, so a
// hostile file's ESC sequences and invalid UTF-8 reach no terminal raw.
func TestErrorsQuoteNames(t *testing.T) {
	m, err := runtime.LoadFile(filepath.Join(testdata, "hostile_names.erm"))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Inputs()[0].Name; got != examples.HostileInputName {
		t.Fatalf("input named %q, want %q", got, examples.HostileInputName)
	}
	it, err := runtime.NewInterpreter(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	errs := []error{it.Invoke(), it.SetInput(0, []byte{1})}
	_, err = it.OutputFloat32(0, make([]float32, 1))
	errs = append(errs, err)
	_, err = m.InputIndex("in\x1b")
	errs = append(errs, err)
	for i, err := range errs[:2] {
		if err == nil || !strings.Contains(err.Error(), strconv.Quote(examples.HostileInputName)) {
			t.Errorf("error %d: %v does not quote the input's name", i, err)
		}
	}
	if !errors.Is(errs[0], runtime.ErrInputNotSet) || !errors.Is(errs[1], runtime.ErrShapeMismatch) {
		t.Errorf("errors %v", errs)
	}
	for i, err := range errs {
		if err != nil && strings.ContainsAny(err.Error(), "\x1b\x07\xff\xfe") {
			t.Errorf("error %d: %q holds a raw control character or invalid UTF-8", i, err.Error())
		}
	}
}
