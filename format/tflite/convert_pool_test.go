package tflite

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/ops"
)

// poolgrpTensor is an int8 activation tensor with per-tensor quantization.
func poolgrpTensor(name string, shape []int32, scale float32, zp int64) Tensor {
	return Tensor{Name: name, Type: TypeInt8, Shape: shape,
		Quantization: &Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}}
}

// poolgrpSource builds a one-op source model: tensor 0 is the graph input,
// tensor 1 the graph output, further tensors (constants) follow; buffers[0]
// is the empty sentinel.
func poolgrpSource(code BuiltinOperator, opts any, tensors []Tensor, buffers []Buffer, opInputs []int32) *Model {
	return &Model{
		Version:       3,
		OperatorCodes: []OperatorCode{{BuiltinCode: code, Version: 1}},
		Subgraphs: []Subgraph{{
			Tensors:   tensors,
			Inputs:    []int32{0},
			Outputs:   []int32{1},
			Operators: []Operator{{OpcodeIndex: 0, Inputs: opInputs, Outputs: []int32{1}, Options: opts}},
		}},
		Buffers: append([]Buffer{{}}, buffers...),
	}
}

// poolgrpConvert converts src and checks that the kernel accepts the
// converted op.
func poolgrpConvert(t *testing.T, src *Model) *format.Op {
	t.Helper()
	m, err := Convert(src)
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	m = stripShifts(t, m)
	if len(m.Ops) != 1 {
		t.Fatalf("%d ops, want 1", len(m.Ops))
	}
	if _, err := ops.Prepare(m, 0); err != nil {
		t.Fatalf("kernel rejects the converted op: %v", err)
	}
	return &m.Ops[0]
}

func poolgrpWantErr(t *testing.T, err error, kind error, fragment string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error %v, want %v", err, kind)
	}
	if !strings.Contains(err.Error(), fragment) {
		t.Errorf("error %q does not mention %q", err, fragment)
	}
}

func TestPoolGeometry(t *testing.T) {
	// Expected values worked out by hand from TFLite's ComputeOutSize and
	// ComputePaddingWithOffset (dilation 1).
	cases := []struct {
		p                  Padding
		in, filter, stride int32
		wantOut, wantPad   int32
	}{
		{PaddingSame, 7, 4, 2, 4, 1},   // total (4-1)·2+4-7 = 3
		{PaddingSame, 8, 3, 2, 4, 0},   // total 3·2+3-8 = 1
		{PaddingSame, 8, 4, 2, 4, 1},   // total 2
		{PaddingSame, 1, 4, 1, 1, 1},   // total 3
		{PaddingSame, 10, 5, 1, 10, 2}, // total 4
		{PaddingSame, 5, 1, 3, 2, 0},   // total -1 → 0
		{PaddingValid, 7, 3, 2, 3, 0},  // (7+2-3)/2 = 3
		{PaddingValid, 25, 25, 25, 1, 0},
		{PaddingValid, 3, 3, 2, 1, 0},
		{PaddingValid, 9, 5, 2, 3, 0},
	}
	for _, tc := range cases {
		out, pad, err := poolGeometry(tc.p, tc.in, tc.filter, tc.stride)
		if err != nil || out != tc.wantOut || pad != tc.wantPad {
			t.Errorf("%s in %d filter %d stride %d: out %d pad %d err %v, want %d %d",
				poolPaddingName(tc.p), tc.in, tc.filter, tc.stride, out, pad, err, tc.wantOut, tc.wantPad)
		}
	}
	if _, _, err := poolGeometry(PaddingValid, 2, 5, 1); err == nil {
		t.Error("VALID with a filter larger than the input: no error")
	}
	if _, _, err := poolGeometry(Padding(7), 2, 1, 1); err == nil {
		t.Error("unknown padding: no error")
	}
}

func TestConvertPool(t *testing.T) {
	opts := &Pool2DOptions{Padding: PaddingSame, StrideW: 2, StrideH: 2, FilterWidth: 4, FilterHeight: 4, FusedActivation: ActRelu6}
	src := func() *Model {
		return poolgrpSource(OpAveragePool2D, opts, []Tensor{
			poolgrpTensor("in", []int32{1, 7, 7, 3}, 0.1, -10),
			poolgrpTensor("out", []int32{1, 4, 4, 3}, 0.1, -10),
		}, nil, []int32{0})
	}
	op := poolgrpConvert(t, src())
	p, ok := op.Params.(*format.PoolParams)
	if !ok || op.Code != format.OpAveragePool2D {
		t.Fatalf("op %v params %T", op.Code, op.Params)
	}
	// RELU6 on scale 0.1, zero point -10: [-10 + 0/0.1, -10 + 6/0.1].
	want := format.PoolParams{StrideH: 2, StrideW: 2, FilterH: 4, FilterW: 4, PadTop: 1, PadLeft: 1, ActMin: -10, ActMax: 50}
	if *p != want {
		t.Errorf("params %+v, want %+v", *p, want)
	}

	s := src()
	s.OperatorCodes[0].BuiltinCode = OpMaxPool2D
	if op := poolgrpConvert(t, s); op.Code != format.OpMaxPool2D {
		t.Errorf("code %v, want MAX_POOL_2D", op.Code)
	}

	// uint8 models are shifted to int8: zero point 118 becomes -10.
	s = src()
	for i := range s.Subgraphs[0].Tensors {
		s.Subgraphs[0].Tensors[i].Type = TypeUInt8
		s.Subgraphs[0].Tensors[i].Quantization.ZeroPoint[0] = 118
	}
	if p := poolgrpConvert(t, s).Params.(*format.PoolParams); p.ActMin != -10 || p.ActMax != 50 {
		t.Errorf("uint8 clamp [%d, %d], want [-10, 50]", p.ActMin, p.ActMax)
	}

	s = src()
	s.Subgraphs[0].Tensors[1].Quantization.ZeroPoint[0] = -9
	_, err := Convert(s)
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "differs from the input")

	s = src()
	s.Subgraphs[0].Tensors[1].Quantization.Scale[0] = 0.1001
	_, err = Convert(s)
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "differs from the input")

	s = src()
	s.Subgraphs[0].Tensors[1].Shape = []int32{1, 3, 4, 3}
	_, err = Convert(s)
	poolgrpWantErr(t, err, format.ErrMalformedModel, "want [1 4 4 3]")

	s = src()
	s.Subgraphs[0].Operators[0].Options = nil
	_, err = Convert(s)
	poolgrpWantErr(t, err, format.ErrMalformedModel, "Pool2DOptions")

	s = src()
	s.Subgraphs[0].Operators[0].Options = &Pool2DOptions{Padding: PaddingValid, StrideW: 1, StrideH: 1, FilterWidth: 8, FilterHeight: 1}
	_, err = Convert(s)
	poolgrpWantErr(t, err, format.ErrMalformedModel, "width")

	s = src()
	s.Subgraphs[0].Operators[0].Options = &Pool2DOptions{Padding: PaddingSame, StrideW: 0, StrideH: 1, FilterWidth: 1, FilterHeight: 1}
	_, err = Convert(s)
	poolgrpWantErr(t, err, format.ErrMalformedModel, "must be positive")

	s = src()
	s.Subgraphs[0].Operators[0].Options = &Pool2DOptions{Padding: PaddingSame, StrideW: 2, StrideH: 2, FilterWidth: 4, FilterHeight: 4, FusedActivation: ActTanh}
	_, err = Convert(s)
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "activation")
}

func TestConvertSoftmax(t *testing.T) {
	src := func(beta, inScale float32) *Model {
		return poolgrpSource(OpSoftmax, &SoftmaxOptions{Beta: beta}, []Tensor{
			poolgrpTensor("in", []int32{2, 10}, inScale, 3),
			poolgrpTensor("out", []int32{2, 10}, 1.0/256, -128),
		}, nil, []int32{0})
	}
	// beta·scale·2^26 = 2^frexp·mantissa, by hand:
	// 1·0.125·2^26 = 2^23 = 0.5·2^24 → (2^30, 24), radius floor(31·2^26/2^24) = 124;
	// 1.5·0.25·2^26 = 0.75·2^25 → (0.75·2^31, 25), radius 62;
	// 1·100·2^26 > 2^31-1, capped: (2^31-1, 31), radius 0.
	cases := []struct {
		beta, scale float32
		want        format.SoftmaxParams
	}{
		{1, 0.125, format.SoftmaxParams{InputBetaMultiplier: 1 << 30, InputBetaLeftShift: 24, DiffMin: -124}},
		{1.5, 0.25, format.SoftmaxParams{InputBetaMultiplier: 1610612736, InputBetaLeftShift: 25, DiffMin: -62}},
		{1, 100, format.SoftmaxParams{InputBetaMultiplier: math.MaxInt32, InputBetaLeftShift: 31, DiffMin: 0}},
	}
	for _, tc := range cases {
		op := poolgrpConvert(t, src(tc.beta, tc.scale))
		if p := op.Params.(*format.SoftmaxParams); *p != tc.want {
			t.Errorf("beta %v scale %v: %+v, want %+v", tc.beta, tc.scale, *p, tc.want)
		}
	}

	_, err := Convert(src(1, 1e-9)) // beta·scale·2^26 < 1
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "beta")

	s := src(1, 0.1)
	s.Subgraphs[0].Tensors[1].Quantization.ZeroPoint[0] = 0
	_, err = Convert(s)
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "1/256")

	s = src(1, 0.1)
	s.Subgraphs[0].Tensors[1].Shape = []int32{10, 2}
	_, err = Convert(s)
	poolgrpWantErr(t, err, format.ErrMalformedModel, "differs")

	s = src(1, 0.1)
	s.Subgraphs[0].Operators[0].Options = nil
	_, err = Convert(s)
	poolgrpWantErr(t, err, format.ErrMalformedModel, "SoftmaxOptions")
}

func poolgrpInt32s(v ...int32) []byte {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, uint32(x))
	}
	return b
}

func TestConvertMean(t *testing.T) {
	src := func(axes []int32, keep bool, outShape []int32) *Model {
		return poolgrpSource(OpMean, &ReducerOptions{KeepDims: keep}, []Tensor{
			poolgrpTensor("in", []int32{2, 3, 4, 5}, 0.05, 7),
			poolgrpTensor("out", outShape, 0.04, -3),
			{Name: "axes", Type: TypeInt32, Shape: []int32{int32(len(axes))}, Buffer: 1},
		}, []Buffer{{Data: poolgrpInt32s(axes...)}}, []int32{0, 2})
	}
	op := poolgrpConvert(t, src([]int32{-1, 1, 3}, false, []int32{2, 4}))
	p := op.Params.(*format.MeanParams)
	if len(op.Inputs) != 1 || p.KeepDims || len(p.Axes) != 2 || p.Axes[0] != 3 || p.Axes[1] != 1 {
		t.Errorf("inputs %v params axes %v keep %v, want one input, axes [3 1], keep false", op.Inputs, p.Axes, p.KeepDims)
	}
	f, err := meanRequant(0.05, 7, 0.04, -3, 15, false)
	if err != nil {
		t.Fatal(err)
	}
	for s := int32(-128 * 15); s <= 127*15; s++ {
		n := 0
		for _, th := range p.Thresholds {
			if th <= s {
				n++
			}
		}
		if int32(n-128) != f(s) {
			t.Fatalf("sum %d: thresholds give %d, requantization %d", s, n-128, f(s))
		}
	}
	if op := poolgrpConvert(t, src([]int32{1, 2}, true, []int32{2, 1, 1, 5})); !op.Params.(*format.MeanParams).KeepDims {
		t.Error("keep_dims lost")
	}

	_, err = Convert(src([]int32{4}, false, []int32{2, 3, 4, 5}))
	poolgrpWantErr(t, err, format.ErrMalformedModel, "axis 0 is 4")
	_, err = Convert(src([]int32{1}, false, []int32{2, 3, 5}))
	poolgrpWantErr(t, err, format.ErrMalformedModel, "leaves 40")

	s := src([]int32{1}, false, []int32{2, 4, 5})
	s.Subgraphs[0].Tensors[2].Type = TypeInt64
	s.Buffers[1].Data = make([]byte, 8)
	_, err = Convert(s)
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "INT32")

	s = src([]int32{1}, false, []int32{2, 4, 5})
	s.Buffers[1].Data = nil
	_, err = Convert(s)
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "constant")
}

// TestMeanRequantByHand pins meanRequant on a case worked out by hand from
// TFLite's integer QuantizedMeanOrSum: equal scales, zero points 0, n = 4.
// QuantizeMultiplier(1) = (2^30, 1); fold = 2 gives (2^30, -1), so
// f(s) = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(s, 2^30), 1):
// s/2 rounded with ties up, then halved with ties away from zero. The
// double rounding makes f(1) = 1 although 1/4 rounds to 0.
func TestMeanRequantByHand(t *testing.T) {
	f, err := meanRequant(1, 0, 1, 0, 4, false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int32]int32{-6: -2, -5: -1, -3: -1, -2: -1, -1: 0, 0: 0, 1: 1, 2: 1, 3: 1, 4: 1, 5: 2, 6: 2, 508: 127, -512: -128}
	for s, w := range want {
		if got := f(s); got != w {
			t.Errorf("f(%d) = %d, want %d", s, got, w)
		}
	}
	th, err := meanThresholds(1, 0, 1, 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	// Smallest sums reaching -1, 0, 1, 2 (outputs -1..2 are k = 126..129).
	if th[126] != -5 || th[127] != -1 || th[128] != 1 || th[129] != 5 {
		t.Errorf("thresholds 126..129 = %v, want [-5 -1 1 5]", th[126:130])
	}
}

// TestMeanThresholdsApproximateMean checks, for random quantizations, that
// every reachable sum maps within one step of the real-valued mean
// requantized: clamp(round((s/n - zp_in)·scale_in/scale_out) + zp_out).
func TestMeanThresholdsApproximateMean(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for iter := 0; iter < 60; iter++ {
		n := int64(1 + rng.IntN(300))
		inScale := float64(float32(math.Exp(rng.Float64()*4 - 7)))
		outScale := float64(float32(inScale * math.Exp(rng.Float64()*2-1)))
		inZP, outZP := int32(rng.IntN(256)-128), int32(rng.IntN(256)-128)
		th, err := meanThresholds(inScale, inZP, outScale, outZP, n)
		if err != nil {
			t.Fatalf("n %d scales %v %v: %v", n, inScale, outScale, err)
		}
		k := 0
		for s := -128 * n; s <= 127*n; s++ {
			for k < 255 && int64(th[k]) <= s {
				k++
			}
			real := (float64(s)/float64(n)-float64(inZP))*inScale/outScale + float64(outZP)
			want := math.Max(-128, math.Min(127, math.Round(real)))
			if math.Abs(float64(k-128)-want) > 1 {
				t.Fatalf("n %d scales %v/%v zps %d/%d sum %d: %d, real mean %.3f", n, inScale, outScale, inZP, outZP, s, k-128, real)
			}
		}
	}
}

// TestMeanThresholdsRejectWrapping: where TFLite's int32 arithmetic wraps,
// the requantization is not monotone and cannot become thresholds.
func TestMeanThresholdsRejectWrapping(t *testing.T) {
	// Ratio 2^25 with n = 2 leaves a left shift of 25: sums of ±255 wrap.
	if _, err := meanThresholds(1, 0, 1.0/(1<<25), 0, 2); err == nil || !strings.Contains(err.Error(), "not monotone") {
		t.Errorf("wrapping left shift: %v, want a monotonicity error", err)
	}
	// Large groups take the analytic check: zero point 127 over 2^24
	// elements pushes sum - 127·n down to -255·2^24 < -2^31.
	if _, err := meanThresholds(1, 127, 1, 0, 1<<24); err == nil || !strings.Contains(err.Error(), "overflows int32") {
		t.Errorf("wrapping offset: %v, want an overflow error", err)
	}
	th, err := meanThresholds(1, 0, 1, 0, 1<<23)
	if err != nil {
		t.Fatalf("2^23 elements, zero point 0: %v", err)
	}
	// The analytic path skipped the sum-by-sum check: sample it instead.
	f, _ := meanRequant(1, 0, 1, 0, 1<<23, false)
	rng := rand.New(rand.NewPCG(6, 6))
	for i := 0; i < 200000; i++ {
		s := int32(rng.Int64N(255<<23+1) - 128<<23)
		if i%2 == 1 { // near a threshold
			s = th[rng.IntN(255)] + int32(rng.IntN(5)) - 2
		}
		k := 0
		for k < 255 && th[k] <= s {
			k++
		}
		if int32(k-128) != f(s) && s >= -128<<23 && s <= 127<<23 {
			t.Fatalf("2^23 elements, sum %d: thresholds give %d, requantization %d", s, k-128, f(s))
		}
	}
	// Mean of 2^23 values: output 1 needs a mean of about 1/2, output 0
	// about -1/2 (up to the double rounding's off-by-one-or-two).
	if d1, d0 := th[128]-1<<22, th[127]+1<<22; d1 < -2 || d1 > 2 || d0 < -2 || d0 > 2 {
		t.Errorf("thresholds around 0: %d %d, want about ±2^22", th[127], th[128])
	}
	// n = 0 (an empty reduction) outputs 0 whatever the sum (always 0).
	if th, err := meanThresholds(1, 5, 1, 5, 0); err != nil || th[127] > 0 || th[128] <= 0 {
		t.Errorf("n = 0: thresholds %d %d err %v, want output 0 at sum 0", th[127], th[128], err)
	}
}
