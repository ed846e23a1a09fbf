package runtime_test

import (
	"errors"
	"testing"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/runtime"
)

// int32Identity is a graph whose input and output are one int32 tensor (no
// ops): a model whose boundary is not int8.
func int32Identity(t *testing.T) *runtime.Model {
	t.Helper()
	m, err := runtime.FromGraph(&format.Model{
		Tensors:    []format.Tensor{{Name: "x", DType: format.DTypeInt32, Shape: []int32{4}, ArenaOffset: 0}},
		Inputs:     []format.IO{{Tensor: 0}},
		Outputs:    []format.IO{{Tensor: 0}},
		ArenaBytes: 16,
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestInputDTypes: int8 and float32 helpers refuse tensors of another
// dtype even when the byte counts agree (SetInputInt8 used to copy 16 int8
// values into a 4-element int32 input), and OutputInt8 does not hand out
// an int32 output as bytes.
func TestInputDTypes(t *testing.T) {
	m := int32Identity(t)
	it, err := runtime.NewInterpreter(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := it.SetInputInt8(0, make([]int8, 16)); !errors.Is(err, runtime.ErrShapeMismatch) {
		t.Errorf("SetInputInt8 on int32: %v, want ErrShapeMismatch", err)
	}
	if err := it.SetInputFloat32(0, make([]float32, 4)); !errors.Is(err, runtime.ErrShapeMismatch) {
		t.Errorf("SetInputFloat32 on int32: %v, want ErrShapeMismatch", err)
	}
	if err := it.Invoke(); !errors.Is(err, runtime.ErrInputNotSet) {
		t.Errorf("Invoke after refused inputs: %v, want ErrInputNotSet", err)
	}
	if err := it.SetInput(0, make([]byte, 16)); err != nil {
		t.Fatal(err)
	}
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	if it.OutputInt8(0) != nil {
		t.Error("OutputInt8 returns an int32 output")
	}
	if len(it.OutputBytes(0)) != 16 {
		t.Error("OutputBytes of the int32 output is not 16 bytes")
	}
	if _, err := it.OutputFloat32(0, nil); !errors.Is(err, runtime.ErrShapeMismatch) {
		t.Errorf("OutputFloat32 on int32: %v, want ErrShapeMismatch", err)
	}
	if err := it.SetInputInt8(5, nil); err == nil {
		t.Error("SetInputInt8 on input 5 of a one-input model accepted")
	}
	it.Close()
	if err := it.SetInputInt8(0, make([]int8, 16)); !errors.Is(err, runtime.ErrClosed) {
		t.Errorf("SetInputInt8 after Close: %v, want ErrClosed", err)
	}
}
