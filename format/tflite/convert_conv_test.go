package tflite

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/ops"
)

// cvSrc builds a one-op source model for the conv tests: tensor 0 the
// graph input, tensor 1 the graph output, then the filter, then the bias.
type cvSrc struct {
	m  *Model
	op *Operator
}

type cvQ struct {
	typ    TensorType
	scales []float32
	zps    []int64
	qdim   int32
}

func cvQuant(typ TensorType, scale float32, zp int64) cvQ {
	return cvQ{typ: typ, scales: []float32{scale}, zps: []int64{zp}}
}

func (q cvQ) tensor(name string, shape []int32, buffer uint32) Tensor {
	t := Tensor{Name: name, Type: q.typ, Shape: shape, Buffer: buffer}
	if len(q.scales) > 0 {
		t.Quantization = &Quantization{Scale: q.scales, ZeroPoint: q.zps, QuantizedDimension: q.qdim}
	}
	return t
}

func cvNumel(shape []int32) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}

// newCvSrc makes the model. filter holds one byte per element (int8 or
// uint8 weights); bias nil means no bias input.
func newCvSrc(code BuiltinOperator, opts any, in cvQ, inShape []int32, f cvQ, fShape []int32, filter []byte,
	bias []int32, out cvQ, outShape []int32) *cvSrc {
	m := &Model{
		Version:       3,
		OperatorCodes: []OperatorCode{{BuiltinCode: code, Version: 3}},
		Buffers:       []Buffer{{}, {Data: filter}},
	}
	tensors := []Tensor{in.tensor("input", inShape, 0), out.tensor("output", outShape, 0), f.tensor("filter", fShape, 1)}
	inputs := []int32{0, 2}
	if bias != nil {
		b := make([]byte, 4*len(bias))
		for i, v := range bias {
			binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
		}
		m.Buffers = append(m.Buffers, Buffer{Data: b})
		tensors = append(tensors, Tensor{Name: "bias", Type: TypeInt32, Shape: []int32{int32(len(bias))}, Buffer: 2})
		inputs = append(inputs, 3)
	}
	m.Subgraphs = []Subgraph{{
		Tensors: tensors, Inputs: []int32{0}, Outputs: []int32{1},
		Operators: []Operator{{OpcodeIndex: 0, Inputs: inputs, Outputs: []int32{1}, Options: opts}},
	}}
	return &cvSrc{m: m, op: &m.Subgraphs[0].Operators[0]}
}

func (s *cvSrc) tensor(i int) *Tensor { return &s.m.Subgraphs[0].Tensors[i] }

// convert converts and prepares the kernel, returning the model.
func (s *cvSrc) convert(t *testing.T) *format.Model {
	t.Helper()
	m, err := Convert(s.m)
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
	return m
}

func (s *cvSrc) wantErr(t *testing.T, kind error, fragments ...string) {
	t.Helper()
	_, err := Convert(s.m)
	if err == nil {
		t.Fatalf("Convert succeeded, want an error mentioning %q", fragments)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %v, want %v", err, kind)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
}

// cvMultiplier is QuantizeMultiplier restated: the (m, shift) with
// real = m·2^(shift-31), m in [2^30, 2^31) rounded half away from zero,
// found by scaling with exact powers of two; flushed to (0, 0) below 2^-32.
func cvMultiplier(real float64) (int32, int32) {
	shift := int32(0)
	for math.Ldexp(real, int(31-shift)) >= 1<<31 {
		shift++
	}
	for math.Ldexp(real, int(31-shift)) < 1<<30 {
		shift--
	}
	m := math.Round(math.Ldexp(real, int(31-shift)))
	if m == 1<<31 {
		m /= 2
		shift++
	}
	if shift < -31 {
		return 0, 0
	}
	return int32(m), shift
}

func cvWantRequant(t *testing.T, got format.Requant, reals ...float64) {
	t.Helper()
	if len(got.Multiplier) != len(reals) || len(got.Shift) != len(reals) {
		t.Fatalf("requant has %d multipliers, %d shifts, want %d", len(got.Multiplier), len(got.Shift), len(reals))
	}
	for i, r := range reals {
		m, s := cvMultiplier(r)
		if got.Multiplier[i] != m || got.Shift[i] != s {
			t.Errorf("requant %d = (%d, %d), want (%d, %d) for %.17g", i, got.Multiplier[i], got.Shift[i], m, s, r)
		}
	}
}

func TestOutSizeAndPadding(t *testing.T) {
	// Worked out by hand from TFLite's ComputeOutSize and
	// ComputePaddingWithOffset: effective filter (k-1)·d+1, total padding
	// (out-1)·s + eff - in, top/left half of it rounded down.
	cases := []struct {
		p                       Padding
		in, k, s, d, out, padLo int64
	}{
		{PaddingSame, 7, 3, 2, 1, 4, 1},  // total 2
		{PaddingSame, 7, 3, 2, 2, 4, 2},  // eff 5, total 4
		{PaddingSame, 6, 4, 1, 1, 6, 1},  // total 3: 1 before, 2 after
		{PaddingSame, 1, 5, 1, 1, 1, 2},  // total 4
		{PaddingSame, 9, 1, 3, 1, 3, 0},  // total -2 → 0
		{PaddingSame, 10, 3, 3, 3, 4, 3}, // eff 7, total 9+7-10 = 6
		{PaddingValid, 7, 3, 2, 2, 2, 0}, // eff 5: (7+2-5)/2 = 2
		{PaddingValid, 7, 3, 1, 1, 5, 0},
		{PaddingValid, 8, 3, 3, 1, 2, 0},
		{PaddingValid, 4, 5, 1, 1, 0, 0}, // no output
	}
	for _, c := range cases {
		out, pad := outSizeAndPadding(c.p, c.in, c.k, c.s, c.d)
		if out != c.out || (c.out > 0 && pad != c.padLo) {
			t.Errorf("padding %d in %d k %d s %d d %d: out %d pad %d, want %d, %d", c.p, c.in, c.k, c.s, c.d, out, pad, c.out, c.padLo)
		}
	}
}

func cvBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestConvertConv2D(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	in := cvQuant(TypeInt8, 0.0173, -7)
	out := cvQuant(TypeInt8, 0.0291, 11)
	fs := []float32{0.0021, 0.0007, 0.0133, 0.00051}
	// A non-zero weights zero point: ConvPerChannel ignores it.
	f := cvQ{typ: TypeInt8, scales: fs, zps: []int64{3, 3, 3, 3}, qdim: 0}
	opts := &Conv2DOptions{Padding: PaddingSame, StrideH: 2, StrideW: 1, DilationHFactor: 2, DilationWFactor: 1, FusedActivation: ActRelu6}
	// in 7×9, filter 3×2: H: eff 5, out 4, total 6+5-7 = 4 → top 2;
	// W: out 9, total 8+2-9 = 1 → left 0.
	s := newCvSrc(OpConv2D, opts, in, []int32{1, 7, 9, 5}, f, []int32{4, 3, 2, 5}, cvBytes(r, 4*3*2*5),
		[]int32{100, -200, 300, 0}, out, []int32{1, 4, 9, 4})
	m := s.convert(t)
	p := m.Ops[0].Params.(*format.ConvParams)
	if p.StrideH != 2 || p.StrideW != 1 || p.DilationH != 2 || p.DilationW != 1 || p.PadTop != 2 || p.PadLeft != 0 {
		t.Errorf("geometry %+v", p)
	}
	if p.InputOffset != 7 || p.OutputOffset != 11 || p.FilterOffset != 0 || p.DepthMultiplier != 1 {
		t.Errorf("offsets input %d output %d filter %d (want 7, 11, 0), depth multiplier %d", p.InputOffset, p.OutputOffset, p.FilterOffset, p.DepthMultiplier)
	}
	// RELU6: [max(-128, 11 + round(0/s)), min(127, 11 + round(6/0.0291))] = [11, 11+206].
	if p.ActMin != 11 || p.ActMax != 127 {
		t.Errorf("clamp [%d, %d], want [11, 127]", p.ActMin, p.ActMax)
	}
	reals := make([]float64, len(fs))
	for i, v := range fs {
		reals[i] = float64(float32(0.0173)) * float64(v) / float64(float32(0.0291))
	}
	cvWantRequant(t, p.Requant, reals...)
	if got := m.Ops[0].Inputs; len(got) != 3 || got[2] < 0 {
		t.Errorf("inputs %v, want input, filter, bias", got)
	}

	// Per-tensor weights: one multiplier, still the double product.
	s = newCvSrc(OpConv2D, &Conv2DOptions{Padding: PaddingValid, StrideH: 1, StrideW: 1, DilationHFactor: 1, DilationWFactor: 1},
		in, []int32{1, 4, 4, 6}, cvQuant(TypeInt8, 0.0021, 0), []int32{2, 3, 3, 3}, cvBytes(r, 2*3*3*3), nil, out, []int32{1, 2, 2, 2})
	m = s.convert(t)
	p = m.Ops[0].Params.(*format.ConvParams)
	cvWantRequant(t, p.Requant, float64(float32(0.0173))*float64(float32(0.0021))/float64(float32(0.0291)))
	if got := m.Ops[0].Inputs; len(got) != 3 || got[2] != -1 {
		t.Errorf("inputs %v, want the bias absent (-1)", got)
	}
}

// cvDivergentScales finds per-tensor scales for which rounding the product
// input·filter to float32 (GetQuantizedConvolutionMultipler) changes the
// multiplier computed in double (PopulateConvolutionQuantizationParams).
func cvDivergentScales(t *testing.T) (in, f, out float32) {
	r := rand.New(rand.NewPCG(9, 9))
	for i := 0; i < 1000000; i++ {
		in, f, out = float32(r.Float64()*0.1+1e-3), float32(r.Float64()*0.01+1e-4), float32(r.Float64()*0.1+1e-3)
		m1, s1 := cvMultiplier(float64(in) * float64(f) / float64(out))
		m2, s2 := cvMultiplier(float64(in*f) / float64(out))
		if m1 != m2 || s1 != s2 {
			return in, f, out
		}
	}
	t.Fatal("no divergent scales found")
	return
}

func TestConvertFullyConnected(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	si, sf, so := cvDivergentScales(t)
	in, out := cvQuant(TypeInt8, si, 5), cvQuant(TypeInt8, so, -3)

	// Per-tensor weights: float32 product, weights zero point applied.
	s := newCvSrc(OpFullyConnected, &FullyConnectedOptions{FusedActivation: ActRelu}, in, []int32{1, 2, 1, 27},
		cvQuant(TypeInt8, sf, -4), []int32{39, 54}, cvBytes(r, 39*54), make([]int32, 39), out, []int32{1, 39})
	m := s.convert(t)
	p := m.Ops[0].Params.(*format.FullyConnectedParams)
	cvWantRequant(t, p.Requant, float64(si*sf)/float64(so))
	if p.InputOffset != -5 || p.OutputOffset != -3 || p.FilterOffset != 4 {
		t.Errorf("offsets input %d output %d filter %d, want -5, -3, 4", p.InputOffset, p.OutputOffset, p.FilterOffset)
	}
	if p.ActMin != -3 || p.ActMax != 127 {
		t.Errorf("clamp [%d, %d], want [-3, 127]", p.ActMin, p.ActMax)
	}

	// Per-channel weights: double products, weights zero point ignored;
	// keep_num_dims output [3, 2, 4].
	fs := []float32{sf, sf * 3, sf / 7, sf}
	s = newCvSrc(OpFullyConnected, &FullyConnectedOptions{KeepNumDims: true}, in, []int32{3, 2, 10},
		cvQ{typ: TypeInt8, scales: fs, zps: []int64{1, 1, 1, 1}}, []int32{4, 10}, cvBytes(r, 40), nil, out, []int32{3, 2, 4})
	m = s.convert(t)
	p = m.Ops[0].Params.(*format.FullyConnectedParams)
	if p.FilterOffset != 0 {
		t.Errorf("per-channel filter offset %d, want 0", p.FilterOffset)
	}
	reals := make([]float64, len(fs))
	for i, v := range fs {
		reals[i] = float64(si) * float64(v) / float64(so)
	}
	cvWantRequant(t, p.Requant, reals...)
}

func TestConvertConvUsesDoubleProduct(t *testing.T) {
	si, sf, so := cvDivergentScales(t)
	in, out := cvQuant(TypeInt8, si, 0), cvQuant(TypeInt8, so, 0)
	s := newCvSrc(OpConv2D, &Conv2DOptions{Padding: PaddingValid, StrideH: 1, StrideW: 1, DilationHFactor: 1, DilationWFactor: 1},
		in, []int32{1, 1, 1, 2}, cvQuant(TypeInt8, sf, 0), []int32{1, 1, 1, 2}, []byte{1, 2}, nil, out, []int32{1, 1, 1, 1})
	p := s.convert(t).Ops[0].Params.(*format.ConvParams)
	cvWantRequant(t, p.Requant, float64(si)*float64(sf)/float64(so))
	if m, sh := cvMultiplier(float64(si*sf) / float64(so)); p.Requant.Multiplier[0] == m && p.Requant.Shift[0] == sh {
		t.Errorf("conv multiplier equals the float32-product one")
	}
}

func TestConvertDepthwise(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	in, out := cvQuant(TypeInt8, 0.05, 127), cvQuant(TypeInt8, 0.02, -128)
	fs := []float32{0.001, 0.002, 0.003, 0.004, 0.005, 0.006}
	f := cvQ{typ: TypeInt8, scales: fs, zps: make([]int64, 6), qdim: 3}
	opts := &DepthwiseConv2DOptions{Padding: PaddingSame, StrideH: 1, StrideW: 2, DepthMultiplier: 3, DilationHFactor: 1, DilationWFactor: 1, FusedActivation: ActReluN1To1}
	s := newCvSrc(OpDepthwiseConv2D, opts, in, []int32{1, 5, 5, 2}, f, []int32{1, 3, 3, 6}, cvBytes(r, 54), make([]int32, 6), out, []int32{1, 5, 3, 6})
	m := s.convert(t)
	p := m.Ops[0].Params.(*format.ConvParams)
	// W: out 3, total 2·2+3-5 = 2 → 1; H: total 2 → 1.
	if p.DepthMultiplier != 3 || p.PadTop != 1 || p.PadLeft != 1 || p.InputOffset != -127 || p.OutputOffset != -128 {
		t.Errorf("params %+v", p)
	}
	// RELU_N1_TO_1: [-128 + round(-1/0.02), -128 + round(1/0.02)] = [-178, -78] → [-128, -78].
	if p.ActMin != -128 || p.ActMax != -78 {
		t.Errorf("clamp [%d, %d], want [-128, -78]", p.ActMin, p.ActMax)
	}
	reals := make([]float64, len(fs))
	for i, v := range fs {
		reals[i] = float64(float32(0.05)) * float64(v) / float64(float32(0.02))
	}
	cvWantRequant(t, p.Requant, reals...)

	// Wrong depth multiplier, wrong per-channel axis.
	opts.DepthMultiplier = 2
	s.wantErr(t, format.ErrMalformedModel, "depth_multiplier 2")
	opts.DepthMultiplier = 3
	s.tensor(2).Quantization.QuantizedDimension = 0
	s.wantErr(t, format.ErrMalformedModel, "quantized_dimension 0")
}

// TestConvertLegacyUint8Conv runs a uint8 model end to end: the converter
// shifts everything by 128 and must keep the weights offset and the
// float32-product multiplier of TFLite's uint8 kernels. The expected output
// is computed on the uint8 values with the uint8 reference formula.
func TestConvertLegacyUint8Conv(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	const inZP, fZP, outZP = 140, 121, 90
	si, sf, so := float32(0.031), float32(0.0047), float32(0.052)
	in, out := cvQuant(TypeUInt8, si, inZP), cvQuant(TypeUInt8, so, outZP)
	inShape, fShape, outShape := []int32{1, 6, 5, 3}, []int32{4, 3, 3, 3}, []int32{1, 3, 3, 4}
	filter := cvBytes(r, cvNumel(fShape))
	bias := []int32{-900, 15, 4000, 77}
	opts := &Conv2DOptions{Padding: PaddingSame, StrideH: 2, StrideW: 2, DilationHFactor: 1, DilationWFactor: 1, FusedActivation: ActRelu}
	s := newCvSrc(OpConv2D, opts, in, inShape, cvQuant(TypeUInt8, sf, fZP), fShape, filter, bias, out, outShape)
	m := s.convert(t)
	p := m.Ops[0].Params.(*format.ConvParams)
	if p.InputOffset != -(inZP-128) || p.FilterOffset != -(fZP-128) || p.OutputOffset != outZP-128 {
		t.Errorf("offsets input %d filter %d output %d", p.InputOffset, p.FilterOffset, p.OutputOffset)
	}
	if p.PadTop != 0 || p.PadLeft != 1 {
		t.Errorf("padding top %d left %d, want 0, 1", p.PadTop, p.PadLeft)
	}
	mult, shift := cvMultiplier(float64(si*sf) / float64(so))
	cvWantRequant(t, p.Requant, float64(si*sf)/float64(so))

	input := cvBytes(r, cvNumel(inShape))
	// uint8 reference: SAME, stride 2 on 6×5 with 3×3: out 3×3; total
	// padding 2·2+3-6 = 1 rows (top 0) and 2·2+3-5 = 2 columns (left 1).
	want := make([]int8, cvNumel(outShape))
	for oy := 0; oy < 3; oy++ {
		for ox := 0; ox < 3; ox++ {
			for oc := 0; oc < 4; oc++ {
				var acc int32
				for ky := 0; ky < 3; ky++ {
					for kx := 0; kx < 3; kx++ {
						iy, ix := oy*2+ky, ox*2-1+kx
						if iy < 0 || iy >= 6 || ix < 0 || ix >= 5 {
							continue
						}
						for ci := 0; ci < 3; ci++ {
							x := int32(input[(iy*5+ix)*3+ci])
							w := int32(filter[((oc*3+ky)*3+kx)*3+ci])
							acc += (w - fZP) * (x - inZP)
						}
					}
				}
				acc += bias[oc]
				v := dyadic.MultiplyByQuantizedMultiplier(acc, mult, shift) + outZP
				v = min(max(v, outZP), 255) // RELU on uint8: [zp, 255]
				want[(oy*3+ox)*4+oc] = int8(v - 128)
			}
		}
	}
	k, err := ops.Prepare(m, 0)
	if err != nil {
		t.Fatal(err)
	}
	op := &m.Ops[0]
	env := &ops.Env{Tensors: make([][]int8, len(m.Tensors))}
	for i := range m.Tensors {
		if m.Tensors[i].IsConstant() {
			env.Tensors[i] = ops.Int8s(m.Tensors[i].Data)
		}
	}
	shifted := make([]int8, len(input))
	for i, v := range input {
		shifted[i] = int8(int32(v) - 128)
	}
	env.Tensors[op.Inputs[0]] = shifted
	env.Tensors[op.Outputs[0]] = make([]int8, len(want))
	if su, ok := k.(ops.ScratchUser); ok {
		env.Scratch = make([]byte, su.ScratchBytes())
	}
	k.Eval(env)
	for i := range want {
		if env.Tensors[op.Outputs[0]][i] != want[i] {
			t.Fatalf("output %d = %d, want %d", i, env.Tensors[op.Outputs[0]][i], want[i])
		}
	}
}

func TestConvertConvErrors(t *testing.T) {
	in, out := cvQuant(TypeInt8, 0.1, 0), cvQuant(TypeInt8, 0.1, 0)
	valid := func() *cvSrc {
		return newCvSrc(OpConv2D, &Conv2DOptions{Padding: PaddingValid, StrideH: 1, StrideW: 1, DilationHFactor: 1, DilationWFactor: 1},
			in, []int32{1, 4, 4, 4}, cvQ{typ: TypeInt8, scales: []float32{0.1, 0.2}, zps: []int64{0, 0}}, []int32{2, 3, 3, 4},
			make([]byte, 2*3*3*4), []int32{1, 2}, out, []int32{1, 2, 2, 2})
	}
	valid().convert(t)
	unsupported := []struct {
		name string
		edit func(s *cvSrc)
		frag string
	}{
		{"float", func(s *cvSrc) {
			s.tensor(0).Type, s.tensor(1).Type, s.tensor(2).Type = TypeFloat32, TypeFloat32, TypeFloat32
			s.m.Buffers[1].Data = make([]byte, 4*2*3*3*4)
		}, "float32 operator"},
		{"hybrid", func(s *cvSrc) { s.tensor(0).Type, s.tensor(1).Type = TypeFloat32, TypeFloat32 }, "hybrid"},
		{"int16 weights", func(s *cvSrc) { s.tensor(0).Type, s.tensor(1).Type, s.tensor(2).Type = TypeInt16, TypeInt16, TypeInt16 }, "weights"},
		{"16x8 input zero point", func(s *cvSrc) {
			s.tensor(0).Type, s.tensor(1).Type = TypeInt16, TypeInt16
			s.tensor(0).Quantization.ZeroPoint = []int64{3}
		}, "zero point 3"},
		{"int4", func(s *cvSrc) { s.tensor(2).Type = TypeInt4 }, "INT4"},
		{"int64 bias", func(s *cvSrc) { s.tensor(3).Type = TypeInt64 }, "int64 bias"},
		{"variable filter", func(s *cvSrc) { s.tensor(2).Buffer = 0 }, "non-constant filter"},
	}
	for _, u := range unsupported {
		s := valid()
		u.edit(s)
		t.Run(u.name, func(t *testing.T) { s.wantErr(t, format.ErrUnsupportedOp, u.frag) })
	}
	malformed := []struct {
		name string
		edit func(s *cvSrc)
		frag string
	}{
		{"scale count", func(s *cvSrc) {
			s.tensor(2).Quantization = &Quantization{Scale: []float32{1, 1, 1}, ZeroPoint: []int64{0, 0, 0}}
		}, "3 scales for 2 output channels"},
		{"quantized dimension", func(s *cvSrc) { s.tensor(2).Quantization.QuantizedDimension = 3 }, "quantized_dimension 3"},
		{"output shape", func(s *cvSrc) { s.tensor(1).Shape = []int32{1, 3, 2, 2} }, "output 0"},
		{"output channels", func(s *cvSrc) { s.tensor(1).Shape = []int32{1, 2, 2, 3} }, "output channels"},
		{"filter depth", func(s *cvSrc) {
			s.tensor(2).Shape = []int32{2, 3, 3, 3}
			s.m.Buffers[1].Data = make([]byte, 2*3*3*3)
		}, "does not fit input"},
		{"stride", func(s *cvSrc) { s.op.Options.(*Conv2DOptions).StrideW = 0 }, "stride"},
		{"dilation", func(s *cvSrc) { s.op.Options.(*Conv2DOptions).DilationHFactor = 0 }, "dilation"},
		{"options type", func(s *cvSrc) { s.op.Options = &Pool2DOptions{} }, "Conv2DOptions"},
		{"missing options", func(s *cvSrc) { s.op.Options = nil }, "stride 0x0"},
		{"bias size", func(s *cvSrc) {
			s.tensor(3).Shape = []int32{1}
			s.m.Buffers[2].Data = s.m.Buffers[2].Data[:4]
		}, "bias"},
		{"bias type", func(s *cvSrc) { s.tensor(3).Type = TypeInt8 }, "bias"},
		{"output type", func(s *cvSrc) { s.tensor(1).Type = TypeUInt8 }, "output 0"},
		{"inputs", func(s *cvSrc) { s.op.Inputs = s.op.Inputs[:1] }, "2 or 3 inputs"},
		{"valid too small", func(s *cvSrc) {
			s.tensor(0).Shape = []int32{1, 2, 4, 4}
		}, "leaves no output"},
	}
	for _, c := range malformed {
		s := valid()
		c.edit(s)
		t.Run(c.name, func(t *testing.T) { s.wantErr(t, format.ErrMalformedModel, c.frag) })
	}
}

func TestConvertFullyConnectedErrors(t *testing.T) {
	in, out := cvQuant(TypeInt8, 0.1, 0), cvQuant(TypeInt8, 0.1, 0)
	valid := func() *cvSrc {
		return newCvSrc(OpFullyConnected, &FullyConnectedOptions{}, in, []int32{2, 6}, cvQuant(TypeInt8, 0.1, 0), []int32{3, 6},
			make([]byte, 18), nil, out, []int32{2, 3})
	}
	valid().convert(t)
	s := valid()
	s.op.Options.(*FullyConnectedOptions).WeightsFormat = 1
	s.wantErr(t, format.ErrUnsupportedOp, "shuffled")
	s = valid()
	s.tensor(1).Shape = []int32{2, 4}
	s.wantErr(t, format.ErrMalformedModel, "last dimension 3")
	s = valid()
	s.tensor(0).Shape = []int32{3, 6}
	s.wantErr(t, format.ErrMalformedModel, "2 rows of 6")
	s = valid()
	s.tensor(2).Shape = []int32{3, 2, 3}
	s.wantErr(t, format.ErrMalformedModel, "rank 2")
	s = valid()
	s.tensor(2).Type, s.tensor(0).Type, s.tensor(1).Type = TypeUInt8, TypeUInt8, TypeUInt8
	s.tensor(2).Quantization = &Quantization{Scale: []float32{1, 1, 1}, ZeroPoint: []int64{128, 128, 128}}
	s.wantErr(t, format.ErrUnsupportedOp, "per-channel uint8")
}
