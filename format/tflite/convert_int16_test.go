package tflite

import (
	"math"
	"testing"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// int16 ("16x8") conversions: the parameters TFLite Micro's int16 paths
// derive, restated here from their definitions.

func TestConvertAddSub16(t *testing.T) {
	s1, s2, so := float32(0.0005), float32(0.0008), float32(0.001)
	for _, code := range []BuiltinOperator{OpAdd, OpSub} {
		b := newArithSrc()
		a := b.tensor(TypeInt16, []int32{1, 4}, s1, 0, nil)
		c := b.tensor(TypeInt16, []int32{1, 4}, s2, 0, nil)
		o := b.tensor(TypeInt16, []int32{1, 4}, so, 0, nil)
		b.op(code, nil, []int32{a, c}, []int32{o})
		p := b.convert(t).Ops[0].Params.(*format.ArithParams)
		if p.LeftShift != 15 {
			t.Errorf("%v: left shift %d, want 15 (int16)", code, p.LeftShift)
		}
		twice := 2 * float64(s2)
		wantOut := twice / (float64(1<<15) * float64(so))
		if code == OpSub { // SUB's reals are float32
			wantOut = float64(float32(float32(2*s2) / float32(float32(1<<15)*so)))
		}
		m, sh, _ := dyadic.QuantizeMultiplierSmallerThanOneExp(wantOut)
		if p.OutputMultiplier != m || p.OutputShift != sh {
			t.Errorf("%v: output rescale (%d, %d), want (%d, %d)", code, p.OutputMultiplier, p.OutputShift, m, sh)
		}
		if p.ActMin != math.MinInt16 || p.ActMax != math.MaxInt16 || p.Input1Offset != 0 || p.OutputOffset != 0 {
			t.Errorf("%v: clamp [%d, %d], offsets %d/%d, want the int16 range and 0", code, p.ActMin, p.ActMax, p.Input1Offset, p.OutputOffset)
		}
	}
}

func TestConvertInt16Rejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		zp   int64
		t2   TensorType
	}{
		{"nonzero zero point", 5, TypeInt16},
		{"mixed int16 and int8", 0, TypeInt8},
	} {
		b := newArithSrc()
		a := b.tensor(TypeInt16, []int32{4}, 0.01, tc.zp, nil)
		c := b.tensor(tc.t2, []int32{4}, 0.01, 0, nil)
		o := b.tensor(TypeInt16, []int32{4}, 0.02, 0, nil)
		b.op(OpAdd, nil, []int32{a, c}, []int32{o})
		b.wantErr(t, format.ErrUnsupportedOp, tc.name)
	}
}

func TestActivationRange16(t *testing.T) {
	b := newArithSrc()
	a := b.tensor(TypeInt16, []int32{4}, 0.001, 0, nil)
	c := b.tensor(TypeInt16, []int32{4}, 0.001, 0, nil)
	o := b.tensor(TypeInt16, []int32{4}, 0.0001, 0, nil)
	b.op(OpAdd, &AddOptions{FusedActivation: ActRelu6}, []int32{a, c}, []int32{o})
	p := b.convert(t).Ops[0].Params.(*format.ArithParams)
	// 6 / 0.0001 = 60000, beyond int16: the clamp stays at 32767.
	if p.ActMin != 0 || p.ActMax != math.MaxInt16 {
		t.Errorf("RELU6 range [%d, %d], want [0, 32767]", p.ActMin, p.ActMax)
	}
}

func TestConvertRescale16(t *testing.T) {
	// LEAKY_RELU int16: alpha and identity multipliers from float32
	// ratios, the int16 clamp.
	b := newArithSrc()
	in := b.tensor(TypeInt16, []int32{4}, 0.002, 0, nil)
	out := b.tensor(TypeInt16, []int32{4}, 0.001, 0, nil)
	b.op(OpLeakyRelu, &LeakyReluOptions{Alpha: 0.25}, []int32{in}, []int32{out})
	p := b.convert(t).Ops[0].Params.(*format.RescaleParams)
	am, as := dyadic.QuantizeMultiplier(float64(float32(0.002) * 0.25 / 0.001))
	im, is := dyadic.QuantizeMultiplier(float64(float32(0.002) / 0.001))
	want := format.RescaleParams{Multiplier: im, Shift: is, NegMultiplier: am, NegShift: as, ActMin: math.MinInt16, ActMax: math.MaxInt16}
	if *p != want {
		t.Errorf("LEAKY_RELU: %+v, want %+v", *p, want)
	}
	// QUANTIZE int16 → int8 keeps the zero points and clamps to int8.
	b = newArithSrc()
	in = b.tensor(TypeInt16, []int32{4}, 0.001, 0, nil)
	out = b.tensor(TypeInt8, []int32{4}, 0.1, -7, nil)
	b.op(OpQuantize, nil, []int32{in}, []int32{out})
	p = b.convert(t).Ops[0].Params.(*format.RescaleParams)
	qm, qs := dyadic.QuantizeMultiplier(float64(float32(0.001)) / float64(float32(0.1)))
	want = format.RescaleParams{OutputZeroPoint: -7, Multiplier: qm, Shift: qs, NegMultiplier: qm, NegShift: qs, ActMin: -128, ActMax: 127}
	if *p != want {
		t.Errorf("QUANTIZE: %+v, want %+v", *p, want)
	}
	// int16 LEAKY_RELU with a non-zero zero point is refused.
	b = newArithSrc()
	in = b.tensor(TypeInt16, []int32{4}, 0.002, 4, nil)
	out = b.tensor(TypeInt16, []int32{4}, 0.001, 0, nil)
	b.op(OpLeakyRelu, nil, []int32{in}, []int32{out})
	b.wantErr(t, format.ErrUnsupportedOp, "LEAKY_RELU zero point 4")
}

func TestConvertTransposeConv(t *testing.T) {
	build := func(shapeData []byte) *arithSrc {
		b := newArithSrc()
		shape := b.tensor(TypeInt32, []int32{4}, 0, 0, shapeData)
		w := b.tensor(TypeInt8, []int32{3, 3, 3, 2}, 0.5, 0, make([]byte, 54))
		in := b.tensor(TypeInt16, []int32{1, 4, 4, 2}, 0.01, 0, nil)
		bias := b.tensor(TypeInt64, []int32{3}, 0.005, 0, make([]byte, 24))
		out := b.tensor(TypeInt16, []int32{1, 8, 8, 3}, 0.02, 0, nil)
		b.op(OpTransposeConv, &TransposeConvOptions{Padding: PaddingSame, StrideH: 2, StrideW: 2}, []int32{shape, w, in, bias}, []int32{out})
		return b
	}
	m := build(int32Bytes(1, 8, 8, 3)).convert(t)
	op := m.Ops[0]
	p := op.Params.(*format.ConvParams)
	// SAME over the output's 8: ComputeOutSize(8, 3, 2) = 4, total padding
	// (4-1)·2 + 3 - 8 = 1, so 0 before.
	mult, shift := dyadic.QuantizeMultiplier(float64(float32(0.01)) * 0.5 / float64(float32(0.02)))
	want := format.ConvParams{StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, DepthMultiplier: 1,
		Requant: format.Requant{Multiplier: []int32{mult}, Shift: []int32{shift}}, ActMin: math.MinInt16, ActMax: math.MaxInt16}
	if op.Code != format.OpTransposeConv || len(op.Inputs) != 3 || p.PadTop != 0 || p.PadLeft != 0 || p.StrideH != 2 ||
		p.Requant.Multiplier[0] != mult || p.Requant.Shift[0] != shift || p.ActMin != want.ActMin || p.ActMax != want.ActMax {
		t.Errorf("got %s %v %+v, want TRANSPOSE_CONV (input, filter, bias) %+v", op.Code, op.Inputs, *p, want)
	}
	if m.Tensors[op.Inputs[0]].DType != format.DTypeInt16 || m.Tensors[op.Inputs[1]].DType != format.DTypeInt8 || m.Tensors[op.Inputs[2]].DType != format.DTypeInt64 {
		t.Errorf("inputs %v are not (input, filter, bias)", op.Inputs)
	}
	build(int32Bytes(1, 8, 9, 3)).wantErr(t, format.ErrMalformedModel, "output shape constant disagrees")
	b := build(int32Bytes(1, 8, 8, 3))
	b.m.Subgraphs[0].Tensors[0].Type = TypeInt64
	b.m.Buffers[b.m.Subgraphs[0].Tensors[0].Buffer].Data = make([]byte, 32)
	b.wantErr(t, format.ErrMalformedModel, "int64 output shape")
	b = build(int32Bytes(1, 8, 8, 3))
	b.m.Subgraphs[0].Tensors[3].Type = TypeInt32
	b.m.Buffers[b.m.Subgraphs[0].Tensors[3].Buffer].Data = make([]byte, 12)
	b.wantErr(t, format.ErrUnsupportedOp, "16x8 TRANSPOSE_CONV with an int32 bias")
	// A bias-less 16x8 TRANSPOSE_CONV converts (the bias is optional).
	b = build(int32Bytes(1, 8, 8, 3))
	ins := &b.m.Subgraphs[0].Operators[0].Inputs
	*ins = (*ins)[:3]
	if op := b.convert(t).Ops[0]; op.Inputs[2] != -1 {
		t.Errorf("bias-less inputs %v, want the bias -1", op.Inputs)
	}
}

func TestConvertSigmoid16(t *testing.T) {
	for _, tc := range []struct {
		code        BuiltinOperator
		inScale     float32
		mult, shift int32
	}{
		{OpLogistic, 1.0 / 4096, 3, 0},      // power of two, shift 0: 3 << 0
		{OpTanh, 1.0 / 2048, 6, 0},          // TANH's power-of-two shift 1: 3 << 1
		{OpLogistic, 1.0 / 2048, 24576, 12}, // LOGISTIC takes 2^-11 the general way: 6·2^12
		{OpTanh, 0.001, 0, 0},               // general: computed below
	} {
		b := newArithSrc()
		in := b.tensor(TypeInt16, []int32{4}, tc.inScale, 0, nil)
		out := b.tensor(TypeInt16, []int32{4}, 1.0/32768, 0, nil)
		b.op(tc.code, nil, []int32{in}, []int32{out})
		p := b.convert(t).Ops[0].Params.(*format.Sigmoid16Params)
		// The general multiplier: scale·3·4096 doubled while <= 32767/2.
		if tc.inScale == 0.001 {
			m, s := float64(float32(0.001))*3*4096, int32(0)
			for m <= 32767.0/2 {
				m, s = 2*m, s+1
			}
			tc.mult, tc.shift = int32(m), s
		}
		if p.InputMultiplier != tc.mult || p.InputLeftShift != tc.shift {
			t.Errorf("%v scale %g: (%d, %d), want (%d, %d)", tc.code, tc.inScale, p.InputMultiplier, p.InputLeftShift, tc.mult, tc.shift)
		}
	}
	b := newArithSrc()
	in := b.tensor(TypeInt16, []int32{4}, 1.0/4096, 0, nil)
	out := b.tensor(TypeInt16, []int32{4}, 1.0/256, 0, nil)
	b.op(OpLogistic, nil, []int32{in}, []int32{out})
	b.wantErr(t, format.ErrUnsupportedOp, "LOGISTIC int16 output scale 1/256")
}

func TestConvertSoftmax16(t *testing.T) {
	b := newArithSrc()
	in := b.tensor(TypeInt16, []int32{2, 5}, 0.001, 0, nil)
	out := b.tensor(TypeInt16, []int32{2, 5}, 1.0/32768, 0, nil)
	b.op(OpSoftmax, &SoftmaxOptions{Beta: 1.5}, []int32{in}, []int32{out})
	p := b.convert(t).Ops[0].Params.(*format.SoftmaxParams)
	m, s := dyadic.QuantizeMultiplier(float64(float32(0.001)) * 1.5 / (10.0 / 65535.0))
	if p.InputBetaMultiplier != m || p.InputBetaLeftShift != s {
		t.Errorf("int16 softmax: (%d, %d), want (%d, %d)", p.InputBetaMultiplier, p.InputBetaLeftShift, m, s)
	}
	// int8 → int16 needs zero point -32768 and scale 1/65536.
	for _, zp := range []int64{-32768, 0} {
		b = newArithSrc()
		in = b.tensor(TypeInt8, []int32{5}, 0.05, 3, nil)
		out = b.tensor(TypeInt16, []int32{5}, 1.0/65536, zp, nil)
		b.op(OpSoftmax, &SoftmaxOptions{Beta: 1}, []int32{in}, []int32{out})
		if zp == 0 {
			b.wantErr(t, format.ErrUnsupportedOp, "int8 → int16 softmax with zero point 0")
		} else if op := b.convert(t).Ops[0]; op.Params.(*format.SoftmaxParams).InputBetaMultiplier < 1<<30 {
			t.Errorf("int8 → int16 softmax: %+v", op.Params)
		}
	}
}

func TestConvertMean16(t *testing.T) {
	b := newArithSrc()
	in := b.tensor(TypeInt16, []int32{1, 4, 4, 3}, 0.002, 0, nil)
	axes := b.tensor(TypeInt32, []int32{2}, 0, 0, int32Bytes(1, 2))
	out := b.tensor(TypeInt16, []int32{1, 1, 1, 3}, 0.001, 0, nil)
	b.op(OpMean, &ReducerOptions{KeepDims: true}, []int32{in, axes}, []int32{out})
	p := b.convert(t).Ops[0].Params.(*format.Mean16Params)
	m, s, err := meanMultiplier(float64(float32(0.002)), float64(float32(0.001)), 16, false)
	if err != nil {
		t.Fatal(err)
	}
	if p.Multiplier != m || p.Shift != s || !p.KeepDims || len(p.Axes) != 2 {
		t.Errorf("got %+v, want multiplier %d shift %d, axes [1 2], keep dims", *p, m, s)
	}
}

func TestConvertSoftmax16RejectsNonPositiveBeta(t *testing.T) {
	b := newArithSrc()
	in := b.tensor(TypeInt16, []int32{5}, 0.001, 0, nil)
	out := b.tensor(TypeInt16, []int32{5}, 1.0/32768, 0, nil)
	b.op(OpSoftmax, &SoftmaxOptions{Beta: 0}, []int32{in}, []int32{out})
	b.wantErr(t, format.ErrUnsupportedOp, "int16 softmax with beta 0")
}

func TestConvertDepthwise16NeedsInt64Bias(t *testing.T) {
	b := newArithSrc()
	in := b.tensor(TypeInt16, []int32{1, 3, 3, 2}, 0.01, 0, nil)
	w := b.tensor(TypeInt8, []int32{1, 1, 1, 2}, 0.5, 0, []byte{1, 2})
	bias := b.tensor(TypeInt32, []int32{2}, 0.005, 0, make([]byte, 8))
	out := b.tensor(TypeInt16, []int32{1, 3, 3, 2}, 0.02, 0, nil)
	b.op(OpDepthwiseConv2D, &DepthwiseConv2DOptions{Padding: PaddingValid, StrideW: 1, StrideH: 1, DepthMultiplier: 1, DilationWFactor: 1, DilationHFactor: 1},
		[]int32{in, w, bias}, []int32{out})
	b.wantErr(t, format.ErrUnsupportedOp, "int16 depthwise with an int32 bias")
	b.m.Subgraphs[0].Tensors[bias].Type = TypeInt64
	b.m.Buffers[b.m.Subgraphs[0].Tensors[bias].Buffer].Data = make([]byte, 16)
	if op := b.convert(t).Ops[0]; op.Code != format.OpDepthwiseConv2D {
		t.Errorf("got %s", op.Code)
	}
}
