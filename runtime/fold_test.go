package runtime_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/format/tflite"
	"github.com/edgerun/edgerun/internal/corrupt"
	"github.com/edgerun/edgerun/runtime"
)

// foldSource is y = x + (c1 + c2) as two int8 ADDs with different
// quantizations; with constC1 false, c1 is a graph input instead of a
// constant, so nothing can be folded.
func foldSource(c1, c2 []byte, constC1 bool) []byte {
	q := func(s float32, zp int64) *tflite.Quantization {
		return &tflite.Quantization{Scale: []float32{s}, ZeroPoint: []int64{zp}}
	}
	shape := []int32{1, 8}
	m := &tflite.Model{
		Version:       3,
		OperatorCodes: []tflite.OperatorCode{{BuiltinCode: tflite.OpAdd, Version: 1}},
		Buffers:       []tflite.Buffer{{}, {Data: c1}, {Data: c2}},
		Subgraphs: []tflite.Subgraph{{
			Tensors: []tflite.Tensor{
				{Name: "x", Type: tflite.TypeInt8, Shape: shape, Quantization: q(0.05, 3)},
				{Name: "c1", Type: tflite.TypeInt8, Shape: shape, Buffer: 1, Quantization: q(0.02, -5)},
				{Name: "c2", Type: tflite.TypeInt8, Shape: shape, Buffer: 2, Quantization: q(0.03, 7)},
				{Name: "t", Type: tflite.TypeInt8, Shape: shape, Quantization: q(0.04, -1)},
				{Name: "y", Type: tflite.TypeInt8, Shape: shape, Quantization: q(0.07, 2)},
			},
			Operators: []tflite.Operator{
				{OpcodeIndex: 0, Inputs: []int32{1, 2}, Outputs: []int32{3}, Options: &tflite.AddOptions{}},
				{OpcodeIndex: 0, Inputs: []int32{0, 3}, Outputs: []int32{4}, Options: &tflite.AddOptions{}},
			},
			Inputs:  []int32{0},
			Outputs: []int32{4},
		}},
	}
	if !constC1 {
		m.Buffers[1].Data = nil
		m.Subgraphs[0].Inputs = []int32{0, 1}
	}
	return corrupt.EncodeTFLite(m)
}

// TestConstantFolding: an op whose inputs are all constants runs at
// conversion (the model keeps one op), and the model gives, for every
// input, the bytes the unfolded model computes at Invoke with the same
// kernels.
func TestConstantFolding(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	c1, c2 := make([]byte, 8), make([]byte, 8)
	for i := range c1 {
		c1[i], c2[i] = byte(r.Uint32()), byte(r.Uint32())
	}
	folded, err := runtime.Load(foldSource(c1, c2, true))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := runtime.Load(foldSource(c1, c2, false))
	if err != nil {
		t.Fatal(err)
	}
	if folded.NumOps() != 1 || plain.NumOps() != 2 {
		t.Fatalf("ops: folded %d, unfolded %d; want 1 and 2", folded.NumOps(), plain.NumOps())
	}
	a, err := runtime.NewInterpreter(folded, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := runtime.NewInterpreter(plain, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	x := make([]byte, 8)
	for iter := 0; iter < 50; iter++ {
		for i := range x {
			x[i] = byte(r.Uint32())
		}
		if err := a.SetInput(0, x); err != nil {
			t.Fatal(err)
		}
		if err := b.SetInput(0, x); err != nil {
			t.Fatal(err)
		}
		if err := b.SetInput(1, c1); err != nil {
			t.Fatal(err)
		}
		if err := a.Invoke(); err != nil {
			t.Fatal(err)
		}
		if err := b.Invoke(); err != nil {
			t.Fatal(err)
		}
		if got, want := a.OutputBytes(0), b.OutputBytes(0); !bytes.Equal(got, want) {
			t.Fatalf("input %v: folded %v, unfolded %v", x, got, want)
		}
	}
}
