package tflite

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// arithSrc builds a one-operator source model in memory (no flatbuffer):
// tensors are added with arithSrc.tensor, the operator with arithSrc.op,
// which also makes every non-constant input a graph input and the outputs
// graph outputs.
type arithSrc struct{ m *Model }

func newArithSrc() *arithSrc {
	return &arithSrc{m: &Model{Version: 3, Buffers: []Buffer{{}}, Subgraphs: []Subgraph{{}}}}
}

// tensor adds a tensor; scale 0 means no quantization, data != nil a
// constant.
func (b *arithSrc) tensor(typ TensorType, shape []int32, scale float32, zp int64, data []byte) int32 {
	sg := &b.m.Subgraphs[0]
	t := Tensor{Name: "t", Type: typ, Shape: shape}
	if scale != 0 {
		t.Quantization = &Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}
	}
	if data != nil {
		t.Buffer = uint32(len(b.m.Buffers))
		b.m.Buffers = append(b.m.Buffers, Buffer{Data: data})
	}
	sg.Tensors = append(sg.Tensors, t)
	return int32(len(sg.Tensors) - 1)
}

func (b *arithSrc) int8s(shape []int32, scale float32, zp int64) int32 {
	return b.tensor(TypeInt8, shape, scale, zp, nil)
}

func (b *arithSrc) op(code BuiltinOperator, opts any, ins, outs []int32) {
	sg := &b.m.Subgraphs[0]
	b.m.OperatorCodes = append(b.m.OperatorCodes, OperatorCode{BuiltinCode: code, Version: 1})
	sg.Operators = append(sg.Operators, Operator{OpcodeIndex: uint32(len(b.m.OperatorCodes) - 1), Inputs: ins, Outputs: outs, Options: opts})
	for _, t := range ins {
		if t >= 0 && b.m.Buffers[sg.Tensors[t].Buffer].Data == nil {
			sg.Inputs = append(sg.Inputs, t)
		}
	}
	sg.Outputs = append(sg.Outputs, outs...)
}

func (b *arithSrc) convert(t *testing.T) *format.Model {
	t.Helper()
	m, err := Convert(b.m)
	if err != nil {
		t.Fatalf("convert: %v", err)
	}
	m = stripShifts(t, m)
	if len(m.Ops) != 1 {
		t.Fatalf("converted to %d ops, want 1", len(m.Ops))
	}
	return m
}

func (b *arithSrc) wantErr(t *testing.T, target error, what string) {
	t.Helper()
	_, err := Convert(b.m)
	if !errors.Is(err, target) {
		t.Errorf("%s: got %v, want %v", what, err, target)
	}
}

func int32Bytes(v ...int32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, uint32(x))
	}
	return b
}

func int64Bytes(v ...int64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint64(b, uint64(x))
	}
	return b
}

// binarySrc is in1 ⊕ in2 → out with the given scales and zero points.
func binarySrc(code BuiltinOperator, opts any, s [3]float32, z [3]int64) *arithSrc {
	b := newArithSrc()
	a := b.int8s([]int32{2, 3}, s[0], z[0])
	c := b.int8s([]int32{3}, s[1], z[1])
	o := b.int8s([]int32{2, 3}, s[2], z[2])
	b.op(code, opts, []int32{a, c}, []int32{o})
	return b
}

// TestConvertAddParams uses power-of-two scales so every real multiplier is
// exact: twice the larger input scale is 1, so input 1 gets 0.5 = 2^30·2^-31
// (shift 0), input 2 0.25 (shift -1), and the output 1/(2^20 · 2^-4) =
// 2^-16 = 2^30·2^(-15-31).
func TestConvertAddParams(t *testing.T) {
	b := binarySrc(OpAdd, &AddOptions{FusedActivation: ActRelu}, [3]float32{0.5, 0.25, 1.0 / 16}, [3]int64{3, -7, -10})
	m := b.convert(t)
	op := m.Ops[0]
	want := format.ArithParams{Input1Offset: -3, Input2Offset: 7, OutputOffset: -10, LeftShift: 20,
		Input1Multiplier: 1 << 30, Input1Shift: 0, Input2Multiplier: 1 << 30, Input2Shift: -1,
		OutputMultiplier: 1 << 30, OutputShift: -15, ActMin: -10, ActMax: 127}
	if op.Code != format.OpAdd || *op.Params.(*format.ArithParams) != want {
		t.Errorf("got %s %+v, want ADD %+v", op.Code, op.Params, want)
	}
	if len(op.Inputs) != 2 || len(op.Outputs) != 1 || !slices.Equal(m.Tensors[op.Inputs[1]].Shape, []int32{3}) {
		t.Errorf("operands %v → %v", op.Inputs, op.Outputs)
	}
}

// TestConvertSubUsesFloat32 pins SUB's float32 prepare arithmetic
// (TFLite Micro's CalculateOpDataSub): for these scales the double
// computation ADD uses would give input 1 multiplier 1635364912 and output
// multiplier 1177652711. The expected values were computed separately with
// float32-rounded division.
func TestConvertSubUsesFloat32(t *testing.T) {
	b := binarySrc(OpSub, nil, [3]float32{0.0350286, 0.09199579, 0.08387849}, [3]int64{0, 0, 0})
	p := b.convert(t).Ops[0].Params.(*format.ArithParams)
	if p.Input1Multiplier != 1635364864 || p.Input1Shift != -2 ||
		p.Input2Multiplier != 1<<30 || p.Input2Shift != 0 ||
		p.OutputMultiplier != 1177652736 || p.OutputShift != -18 || p.LeftShift != 20 {
		t.Errorf("got %+v", *p)
	}
}

func TestConvertMulParams(t *testing.T) {
	// 0.5 · 0.25 / 0.125 = 1 = 2^30 · 2^(1-31); RELU6 at scale 1/8, zero
	// point 0 clamps to [0, 48].
	b := binarySrc(OpMul, &MulOptions{FusedActivation: ActRelu6}, [3]float32{0.5, 0.25, 0.125}, [3]int64{-128, 127, 0})
	op := b.convert(t).Ops[0]
	want := format.ArithParams{Input1Offset: 128, Input2Offset: -127, OutputOffset: 0,
		OutputMultiplier: 1 << 30, OutputShift: 1, ActMin: 0, ActMax: 48}
	if op.Code != format.OpMul || *op.Params.(*format.ArithParams) != want {
		t.Errorf("got %s %+v, want MUL %+v", op.Code, op.Params, want)
	}
}

func TestConvertArithUnsupported(t *testing.T) {
	// MUL rescale 1e18 needs a left shift far beyond int32.
	binarySrc(OpMul, nil, [3]float32{1e6, 1e6, 1e-6}, [3]int64{}).wantErr(t, format.ErrUnsupportedOp, "huge MUL multiplier")
	// ADD output rescale 2/(2^20·1e-9) ≥ 1: TFLite aborts.
	binarySrc(OpAdd, nil, [3]float32{1, 1, 1e-9}, [3]int64{}).wantErr(t, format.ErrUnsupportedOp, "ADD output multiplier above one")
	// int16 operands with a non-zero zero point (TFLite's int16 kernels
	// take zero point 0).
	b := newArithSrc()
	x := b.tensor(TypeInt16, []int32{4}, 1, 3, nil)
	b.op(OpAdd, nil, []int32{x, x}, []int32{b.tensor(TypeInt16, []int32{4}, 1, 0, nil)})
	b.wantErr(t, format.ErrUnsupportedOp, "int16 ADD with zero point 3")
	// Per-channel quantized operand.
	b = binarySrc(OpAdd, nil, [3]float32{1, 1, 1}, [3]int64{})
	b.m.Subgraphs[0].Tensors[0].Quantization = &Quantization{Scale: []float32{1, 2}, ZeroPoint: []int64{0, 0}, QuantizedDimension: 0}
	b.wantErr(t, format.ErrUnsupportedOp, "per-channel ADD input")
	// Wrong options type.
	binarySrc(OpAdd, &MulOptions{}, [3]float32{1, 1, 1}, [3]int64{}).wantErr(t, format.ErrMalformedModel, "MUL options on ADD")
}

func concatSrc(axis int32, act Activation, zp2 int64) *arithSrc {
	b := newArithSrc()
	x := b.int8s([]int32{2, 3, 1}, 0.5, 4)
	y := b.int8s([]int32{2, 3, 2}, 0.5, zp2)
	o := b.int8s([]int32{2, 3, 3}, 0.5, 4)
	b.op(OpConcatenation, &ConcatenationOptions{Axis: axis, FusedActivation: act}, []int32{x, y}, []int32{o})
	return b
}

func TestConvertConcatenation(t *testing.T) {
	op := concatSrc(-1, ActNone, 4).convert(t).Ops[0]
	if op.Code != format.OpConcatenation || op.Params.(*format.ConcatenationParams).Axis != 2 || len(op.Inputs) != 2 {
		t.Errorf("got %s %+v inputs %v, want axis 2", op.Code, op.Params, op.Inputs)
	}
	concatSrc(2, ActNone, 5).wantErr(t, format.ErrUnsupportedOp, "input quantization differs")
	concatSrc(2, ActRelu, 4).wantErr(t, format.ErrUnsupportedOp, "fused activation")
	concatSrc(3, ActNone, 4).wantErr(t, format.ErrMalformedModel, "axis out of range")
	concatSrc(-4, ActNone, 4).wantErr(t, format.ErrMalformedModel, "negative axis out of range")
}

// padSrc pads a [2,3] input by paddings (stored as int64 when wide) into
// an output of shape out; value, if non-nil, makes it a PADV2 with that
// constant.
func padSrc(typ TensorType, zp int64, pads []int64, wide bool, out []int32, value []byte, valueZP int64) *arithSrc {
	b := newArithSrc()
	in := b.tensor(typ, []int32{2, 3}, 0.25, zp, nil)
	var pd []byte
	ptype := TypeInt32
	if wide {
		pd, ptype = int64Bytes(pads...), TypeInt64
	} else {
		for _, p := range pads {
			pd = append(pd, int32Bytes(int32(p))...)
		}
	}
	pt := b.tensor(ptype, []int32{int32(len(pads) / 2), 2}, 0, 0, pd)
	o := b.tensor(typ, out, 0.25, zp, nil)
	if value == nil {
		b.op(OpPad, nil, []int32{in, pt}, []int32{o})
	} else {
		v := b.tensor(typ, []int32{}, 0.25, valueZP, value)
		b.op(OpPadV2, nil, []int32{in, pt, v}, []int32{o})
	}
	return b
}

func TestConvertPad(t *testing.T) {
	check := func(b *arithSrc, code format.OpCode, before, after []int32, value int32) {
		t.Helper()
		m := b.convert(t)
		op := m.Ops[0]
		p, ok := op.Params.(*format.PadParams)
		if op.Code != code || !ok || !slices.Equal(p.Before, before) || !slices.Equal(p.After, after) || p.Value != value {
			t.Errorf("got %s %+v, want %s %v %v value %d", op.Code, op.Params, code, before, after, value)
		}
		// The paddings (and PADV2's value) are folded into the params.
		if len(op.Inputs) != 1 || !slices.Equal(m.Tensors[op.Inputs[0]].Shape, []int32{2, 3}) {
			t.Errorf("inputs %v, want just the data input", op.Inputs)
		}
	}
	check(padSrc(TypeInt8, -5, []int64{1, 0, 0, 2}, false, []int32{3, 5}, nil, 0), format.OpPad, []int32{1, 0}, []int32{0, 2}, -5)
	check(padSrc(TypeInt8, 7, []int64{0, 1, 2, 0}, true, []int32{3, 5}, nil, 0), format.OpPad, []int32{0, 2}, []int32{1, 0}, 7)
	// uint8: zero point 128 is int8 0 after the shift.
	check(padSrc(TypeUInt8, 128, []int64{0, 0, 1, 1}, false, []int32{2, 5}, nil, 0), format.OpPad, []int32{0, 1}, []int32{0, 1}, 0)
	// PADV2 takes its constant; a uint8 constant is shifted like the data.
	check(padSrc(TypeInt8, 3, []int64{0, 0, 1, 1}, false, []int32{2, 5}, []byte{0xcf}, 3), format.OpPadV2, []int32{0, 1}, []int32{0, 1}, -49)
	check(padSrc(TypeUInt8, 130, []int64{0, 0, 1, 1}, false, []int32{2, 5}, []byte{200}, 130), format.OpPadV2, []int32{0, 1}, []int32{0, 1}, 72)

	padSrc(TypeInt8, 3, []int64{0, 0, 1, 1}, false, []int32{2, 5}, []byte{1}, 4).wantErr(t, format.ErrUnsupportedOp, "PADV2 value quantization differs")
	padSrc(TypeInt8, 0, []int64{0, 0, 1, 1}, false, []int32{2, 6}, nil, 0).wantErr(t, format.ErrMalformedModel, "output shape mismatch")
	padSrc(TypeInt8, 0, []int64{0, 0, -1, 2}, false, []int32{2, 4}, nil, 0).wantErr(t, format.ErrMalformedModel, "negative padding")
	padSrc(TypeInt8, 0, []int64{0, 0, 1, 1, 0, 0}, false, []int32{2, 5}, nil, 0).wantErr(t, format.ErrMalformedModel, "paddings for 3 dimensions")
	b := padSrc(TypeInt8, 0, []int64{0, 0, 1, 1}, false, []int32{2, 5}, nil, 0)
	b.m.Buffers[1].Data = nil // paddings no longer constant
	b.wantErr(t, format.ErrMalformedModel, "non-constant paddings")
}

func transposeSrc(perm []int32, out []int32) *arithSrc {
	b := newArithSrc()
	in := b.int8s([]int32{2, 3, 4}, 0.1, 1)
	p := b.tensor(TypeInt32, []int32{int32(len(perm))}, 0, 0, int32Bytes(perm...))
	o := b.int8s(out, 0.1, 1)
	b.op(OpTranspose, nil, []int32{in, p}, []int32{o})
	return b
}

func TestConvertTranspose(t *testing.T) {
	op := transposeSrc([]int32{2, 0, 1}, []int32{4, 2, 3}).convert(t).Ops[0]
	if p, ok := op.Params.(*format.TransposeParams); op.Code != format.OpTranspose || !ok || !slices.Equal(p.Perm, []int32{2, 0, 1}) || len(op.Inputs) != 1 {
		t.Errorf("got %s %+v inputs %v", op.Code, op.Params, op.Inputs)
	}
	transposeSrc([]int32{2, 0, 0}, []int32{4, 2, 2}).wantErr(t, format.ErrMalformedModel, "repeated entry")
	transposeSrc([]int32{0, 1}, []int32{2, 3, 4}).wantErr(t, format.ErrMalformedModel, "short permutation")
	transposeSrc([]int32{3, 0, 1}, []int32{4, 2, 3}).wantErr(t, format.ErrMalformedModel, "entry out of range")
	transposeSrc([]int32{2, 0, 1}, []int32{2, 3, 4}).wantErr(t, format.ErrMalformedModel, "output not permuted")
}
