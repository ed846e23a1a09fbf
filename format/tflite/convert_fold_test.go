package tflite

import (
	"testing"
)

// TestFoldBudget: folding stops once the folded outputs reach
// maxFoldTotal, so a file of many cheap constant ops cannot make the
// converter allocate without bound; the ops past the budget stay as ops.
func TestFoldBudget(t *testing.T) {
	const n = maxFoldTotal/maxFoldBytes + 1 // one op past the budget
	shape := []int32{1, maxFoldBytes}
	q := &Quantization{Scale: []float32{0.1}, ZeroPoint: []int64{0}}
	tensor := func(name string, buf uint32) Tensor {
		return Tensor{Name: name, Type: TypeInt8, Shape: shape, Buffer: buf, Quantization: q}
	}
	sg := Subgraph{Tensors: []Tensor{tensor("x", 0), tensor("c1", 1), tensor("c2", 2), tensor("y", 0)}}
	for i := 0; i < n; i++ {
		sg.Tensors = append(sg.Tensors, tensor("t", 0))
		sg.Operators = append(sg.Operators, Operator{Inputs: []int32{1, 2}, Outputs: []int32{int32(len(sg.Tensors) - 1)}, Options: &AddOptions{}})
	}
	sg.Operators = append(sg.Operators, Operator{Inputs: []int32{0, int32(len(sg.Tensors) - 1)}, Outputs: []int32{3}, Options: &AddOptions{}})
	sg.Inputs, sg.Outputs = []int32{0}, []int32{3}
	data := make([]byte, maxFoldBytes)
	m := &Model{Version: 3, OperatorCodes: []OperatorCode{{BuiltinCode: OpAdd, Version: 1}},
		Buffers: []Buffer{{}, {Data: data}, {Data: data}}, Subgraphs: []Subgraph{sg}}
	g, err := Convert(m)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Ops) != 2 {
		t.Fatalf("%d ops after folding, want 2 (the op past the budget and the last)", len(g.Ops))
	}
}
