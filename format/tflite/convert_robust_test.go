package tflite

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edgerun/edgerun/format"
)

// convertWithin runs Convert with a deadline, so that a conversion that
// loops fails the test instead of hanging it.
func convertWithin(t *testing.T, m *Model) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Convert(m)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Convert did not return within 10 s")
		return nil
	}
}

// TestConvertReshapeCycles: RESHAPEs whose views would form a cycle (an
// output that is its own input, or two RESHAPEs writing each other's
// inputs) are malformed. Convert used to loop forever resolving such a
// view to its root.
func TestConvertReshapeCycles(t *testing.T) {
	build := func(ops [][2]int32) *Model {
		b := newArithSrc()
		a := b.int8s([]int32{1, 4}, 0.5, 0)
		c := b.int8s([]int32{4, 1}, 0.5, 0)
		_ = c
		sg := &b.m.Subgraphs[0]
		b.m.OperatorCodes = []OperatorCode{{BuiltinCode: OpReshape, Version: 1}}
		for _, io := range ops {
			sg.Operators = append(sg.Operators, Operator{Inputs: []int32{io[0]}, Outputs: []int32{io[1]}, Options: &ReshapeOptions{}})
		}
		sg.Inputs, sg.Outputs = []int32{a}, []int32{a}
		return b.m
	}
	for name, ops := range map[string][][2]int32{
		"self":              {{0, 0}},
		"two-cycle":         {{0, 1}, {1, 0}},
		"written twice":     {{0, 1}, {0, 1}},
		"later self":        {{0, 1}, {1, 1}},
		"back to the input": {{1, 0}, {0, 1}},
	} {
		err := convertWithin(t, build(ops))
		if !errors.Is(err, format.ErrMalformedModel) {
			t.Errorf("%s: %v, want ErrMalformedModel", name, err)
		}
	}
}

// TestConvertRejectsBadModels covers the converter's load-time checks
// added for issue 3: zero points inside the tensor type's range,
// per-tensor activations, boundary QUANTIZE/DEQUANTIZE of one shape,
// RESHAPE's operand count, a finite softmax beta, and a dataflow in which
// every tensor is written before it is read.
func TestConvertRejectsBadModels(t *testing.T) {
	relu := func(inType TensorType, inZP int64) *arithSrc {
		b := newArithSrc()
		in := b.tensor(inType, []int32{1, 4}, 0.5, inZP, nil)
		out := b.tensor(inType, []int32{1, 4}, 0.5, 0, nil)
		b.op(OpQuantize, nil, []int32{in}, []int32{out})
		return b
	}
	cases := []struct {
		name   string
		src    *arithSrc
		target error
		want   string
	}{
		{"int8 zero point 128", relu(TypeInt8, 128), format.ErrMalformedModel, "outside the INT8 range"},
		{"error path through the op", relu(TypeInt8, 128), format.ErrMalformedModel, `malformed model: subgraph 0 / op 0 QUANTIZE / input 0 / tensor 0 "t" / quantization: zero point 0 is 128`},
		{"int8 zero point -129", relu(TypeInt8, -129), format.ErrMalformedModel, "outside the INT8 range"},
		{"uint8 zero point 256", relu(TypeUInt8, 256), format.ErrMalformedModel, "outside the UINT8 range"},
		{"uint8 zero point -1", relu(TypeUInt8, -1), format.ErrMalformedModel, "outside the UINT8 range"},
		{"per-channel activation", func() *arithSrc {
			b := relu(TypeInt8, 0)
			b.m.Subgraphs[0].Tensors[0].Quantization = &Quantization{Scale: []float32{1, 1, 1, 1}, ZeroPoint: []int64{0, 0, 0, 0}, QuantizedDimension: 1}
			return b
		}(), format.ErrUnsupportedOp, "per-tensor"},
		{"quantize boundary of two shapes", func() *arithSrc {
			b := newArithSrc()
			in := b.tensor(TypeFloat32, []int32{1, 8}, 0, 0, nil)
			out := b.int8s([]int32{1, 4}, 0.5, 0)
			b.op(OpQuantize, nil, []int32{in}, []int32{out})
			return b
		}(), format.ErrMalformedModel, "shape"},
		{"dequantize boundary of two shapes", func() *arithSrc {
			b := newArithSrc()
			in := b.int8s([]int32{1, 4}, 0.5, 0)
			out := b.tensor(TypeFloat32, []int32{4, 1, 1 << 30}, 0, 0, nil)
			b.op(OpDequantize, nil, []int32{in}, []int32{out})
			return b
		}(), format.ErrMalformedModel, "shape"},
		{"reshape with five inputs", func() *arithSrc {
			b := newArithSrc()
			in := b.int8s([]int32{1, 4}, 0.5, 0)
			out := b.int8s([]int32{4, 1}, 0.5, 0)
			b.op(OpReshape, &ReshapeOptions{}, []int32{in, in, in, in, in}, []int32{out})
			return b
		}(), format.ErrMalformedModel, "5 inputs"},
		{"graph output nothing writes", func() *arithSrc {
			b := relu(TypeInt8, 0)
			orphan := b.int8s([]int32{1, 4}, 0.5, 0)
			b.m.Subgraphs[0].Outputs = []int32{orphan}
			return b
		}(), format.ErrMalformedModel, "output 0"},
		{"op reads a tensor written later", func() *arithSrc {
			b := relu(TypeInt8, 0)
			sg := &b.m.Subgraphs[0]
			mid := b.int8s([]int32{1, 4}, 0.5, 0)
			last := b.int8s([]int32{1, 4}, 0.5, 0)
			sg.Operators[0].Inputs = []int32{mid} // written by the next op
			sg.Operators = append(sg.Operators, Operator{OpcodeIndex: 0, Inputs: []int32{0}, Outputs: []int32{mid}})
			sg.Outputs = []int32{1, last}
			return b
		}(), format.ErrMalformedModel, "read before"},
		{"op writes a graph input", func() *arithSrc {
			b := relu(TypeInt8, 0)
			sg := &b.m.Subgraphs[0]
			sg.Operators[0].Outputs = []int32{0}
			return b
		}(), format.ErrMalformedModel, "already written"},
	}
	for _, beta := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		b := newArithSrc()
		in := b.int8s([]int32{1, 4}, 0.5, 0)
		out := b.int8s([]int32{1, 4}, 1.0/256, -128)
		b.op(OpSoftmax, &SoftmaxOptions{Beta: beta}, []int32{in}, []int32{out})
		cases = append(cases, struct {
			name   string
			src    *arithSrc
			target error
			want   string
		}{fmt.Sprintf("softmax beta %v", beta), b, format.ErrMalformedModel, "beta"})
	}
	for _, tc := range cases {
		err := convertWithin(t, tc.src.m)
		if !errors.Is(err, tc.target) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %v mentioning %q", tc.name, err, tc.target, tc.want)
		}
	}
}

// TestMeanCheckBudget: the exhaustive monotonicity check of MEAN costs
// 255·n + 1 evaluations per op, so a small file of many large MEANs used
// to take minutes to convert (100 MEANs over 16,000 values: 12 KB, 15 s).
// Past meanWorkBudget the converter relies on the no-wrap check alone; the
// thresholds are the same.
func TestMeanCheckBudget(t *testing.T) {
	const ops, n = 12, 16000 // 12 · 4,080,001 sums > meanWorkBudget
	b := newArithSrc()
	in := b.int8s([]int32{1, n}, 0.5, 3)
	axes := b.tensor(TypeInt32, []int32{1}, 0, 0, int32Bytes(1))
	sg := &b.m.Subgraphs[0]
	b.m.OperatorCodes = []OperatorCode{{BuiltinCode: OpMean, Version: 1}}
	sg.Inputs = []int32{in}
	for i := 0; i < ops; i++ {
		out := b.int8s([]int32{1, 1}, 0.5+float32(i)/64, int64(i))
		sg.Operators = append(sg.Operators, Operator{Inputs: []int32{in, axes}, Outputs: []int32{out}, Options: &ReducerOptions{KeepDims: true}})
		sg.Outputs = append(sg.Outputs, out)
	}
	done := make(chan struct{})
	var m *format.Model
	var err error
	go func() { m, err = Convert(b.m); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("Convert did not return within 60 s")
	}
	if err != nil {
		t.Fatal(err)
	}
	for i, op := range m.Ops {
		want, err := meanThresholds(0.5, 3, float64(0.5+float32(i)/64), int32(i), n)
		if err != nil {
			t.Fatal(err)
		}
		if got := op.Params.(*format.MeanParams).Thresholds; !slices.Equal(got, want) {
			t.Errorf("op %d: thresholds differ from the exhaustively checked ones", i)
		}
	}
}
