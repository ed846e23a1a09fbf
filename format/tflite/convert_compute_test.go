package tflite

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/ops"
)

// computeSource builds a one-op source model: graph inputs ins, graph
// output out, the op reading opInputs; buffers[0] is the empty sentinel.
func computeSource(code BuiltinOperator, opts any, tensors []Tensor, buffers []Buffer, ins, opInputs []int32, out int32) *Model {
	return &Model{
		Version:       3,
		OperatorCodes: []OperatorCode{{BuiltinCode: code, Version: 1}},
		Subgraphs: []Subgraph{{
			Tensors:   tensors,
			Inputs:    ins,
			Outputs:   []int32{out},
			Operators: []Operator{{OpcodeIndex: 0, Inputs: opInputs, Outputs: []int32{out}, Options: opts}},
		}},
		Buffers: append([]Buffer{{}}, buffers...),
	}
}

// pairSource: two int8 graph inputs (tensors 0, 1) and output tensor 2.
func pairSource(code BuiltinOperator, opts any, s1 float32, z1 int64, s2 float32, z2 int64, out Tensor) *Model {
	return computeSource(code, opts, []Tensor{
		poolgrpTensor("a", []int32{2, 3}, s1, z1),
		poolgrpTensor("b", []int32{2, 3}, s2, z2),
		out,
	}, nil, []int32{0, 1}, []int32{0, 1}, 2)
}

func TestConvertComparisonTables(t *testing.T) {
	out := Tensor{Name: "out", Type: TypeBool, Shape: []int32{2, 3}}
	op := poolgrpConvert(t, pairSource(OpLess, nil, 0.05, 7, 0.2, -3, out))
	p := op.Params.(*format.ScaledPairParams)
	for i, c := range []struct {
		table []int32
		s     float64
		z     int32
	}{{p.Table1, 0.05, 7}, {p.Table2, 0.2, -3}} {
		for x := int32(-128); x <= 127; x++ {
			// TFLite's rescaled value is (x - zp)·2^8·scale, to within one.
			want := float64(x-c.z) * 256 * c.s
			if got := float64(c.table[x+128]); math.Abs(got-want) > 1 {
				t.Fatalf("table %d at %d: %v, want about %v", i+1, x, got, want)
			}
		}
	}
	// A scale of 1 or more has no QuantizeMultiplierSmallerThanOneExp.
	_, err := Convert(pairSource(OpGreater, nil, 1.5, 0, 0.2, 0, out))
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "below 1")
	// The output must be bool.
	_, err = Convert(pairSource(OpEqual, nil, 0.5, 0, 0.2, 0, poolgrpTensor("out", []int32{2, 3}, 1, 0)))
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "want bool")
}

func TestConvertDivActivationAndMultiplier(t *testing.T) {
	out := poolgrpTensor("out", []int32{2, 3}, 0.1, 5)
	op := poolgrpConvert(t, pairSource(OpDiv, &DivOptions{FusedActivation: ActRelu}, 0.02, 1, 0.04, -2, out))
	p := op.Params.(*format.ArithParams)
	if p.ActMin != 5 || p.ActMax != 127 || p.Input1Offset != -1 || p.Input2Offset != 2 || p.OutputOffset != 5 {
		t.Errorf("params %+v: want RELU clamp [5, 127] and offsets -1, 2, 5", *p)
	}
	real := float64(p.OutputMultiplier) * math.Ldexp(1, int(p.OutputShift)-31)
	if want := 0.02 / (0.04 * 0.1); math.Abs(real/want-1) > 1e-6 {
		t.Errorf("multiplier %v, want %v", real, want)
	}
	_, err := Convert(pairSource(OpDiv, &AddOptions{}, 0.02, 1, 0.04, -2, out))
	poolgrpWantErr(t, err, format.ErrMalformedModel, "options")
}

func TestConvertSquaredDifferenceRejectsInt16Output(t *testing.T) {
	out := Tensor{Name: "out", Type: TypeInt16, Shape: []int32{2, 3}, Quantization: &Quantization{Scale: []float32{0.1}, ZeroPoint: []int64{0}}}
	_, err := Convert(pairSource(OpSquaredDifference, nil, 0.02, 1, 0.04, -2, out))
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "int16")
}

// argSource: ARG_MAX / ARG_MIN of a [2, 3, 4] int8 input over a constant
// axis tensor.
func argSource(code BuiltinOperator, axis []int32, outShape []int32) *Model {
	return computeSource(code, nil, []Tensor{
		poolgrpTensor("in", []int32{2, 3, 4}, 0.1, 0),
		{Name: "out", Type: TypeInt32, Shape: outShape},
		{Name: "axis", Type: TypeInt32, Shape: []int32{int32(len(axis))}, Buffer: 1},
	}, []Buffer{{Data: poolgrpInt32s(axis...)}}, []int32{0}, []int32{0, 2}, 1)
}

func TestConvertArgAxis(t *testing.T) {
	op := poolgrpConvert(t, argSource(OpArgMax, []int32{-2}, []int32{2, 4}))
	if a := op.Params.(*format.ReduceParams).Axes; len(a) != 1 || a[0] != 1 {
		t.Errorf("axes %v, want [1]", a)
	}
	_, err := Convert(argSource(OpArgMin, []int32{3}, []int32{2, 3}))
	poolgrpWantErr(t, err, format.ErrMalformedModel, "axis 0 is 3")
	_, err = Convert(argSource(OpArgMin, []int32{0, 1}, []int32{4}))
	poolgrpWantErr(t, err, format.ErrMalformedModel, "want 1")
	s := argSource(OpArgMax, []int32{1}, []int32{2, 4})
	s.Buffers[1].Data = nil
	s.Subgraphs[0].Inputs = []int32{0, 2}
	_, err = Convert(s)
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "constant")
}

func TestConvertReduceMaxNeedsEqualQuantization(t *testing.T) {
	src := func(outScale float32) *Model {
		return computeSource(OpReduceMax, &ReducerOptions{KeepDims: true}, []Tensor{
			poolgrpTensor("in", []int32{2, 3}, 0.1, 4),
			poolgrpTensor("out", []int32{2, 1}, outScale, 4),
			{Name: "axis", Type: TypeInt32, Shape: []int32{1}, Buffer: 1},
		}, []Buffer{{Data: poolgrpInt32s(1)}}, []int32{0}, []int32{0, 2}, 1)
	}
	op := poolgrpConvert(t, src(0.1))
	if p := op.Params.(*format.ReduceParams); !p.KeepDims || len(p.Axes) != 1 || p.Axes[0] != 1 {
		t.Errorf("params %+v", *p)
	}
	_, err := Convert(src(0.2))
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "quantization differ")
}

// TestConvertAbsParams: equal scales give the identity multiplier (TFLite
// skips the rescale), different ones input/output scale; unquantized
// int16 is marked by ActMax 32768.
func TestConvertAbsParams(t *testing.T) {
	src := func(typ TensorType, inQ, outQ *Quantization) *Model {
		return computeSource(OpAbs, nil, []Tensor{
			{Name: "in", Type: typ, Shape: []int32{5}, Quantization: inQ},
			{Name: "out", Type: typ, Shape: []int32{5}, Quantization: outQ},
		}, nil, []int32{0}, []int32{0}, 1)
	}
	q := func(s float32, z int64) *Quantization {
		return &Quantization{Scale: []float32{s}, ZeroPoint: []int64{z}}
	}
	p := poolgrpConvert(t, src(TypeInt8, q(0.1, -20), q(0.1, -100))).Params.(*format.ArithParams)
	if p.OutputMultiplier != absIdentityMultiplier || p.OutputShift != absIdentityShift || p.Input1Offset != 20 || p.OutputOffset != -100 || p.ActMax != 127 {
		t.Errorf("equal scales: %+v", *p)
	}
	p = poolgrpConvert(t, src(TypeInt8, q(0.1, -20), q(0.2, -100))).Params.(*format.ArithParams)
	if real := float64(p.OutputMultiplier) * math.Ldexp(1, int(p.OutputShift)-31); math.Abs(real-0.5) > 1e-9 {
		t.Errorf("rescale %v, want 0.5", real)
	}
	p = poolgrpConvert(t, src(TypeInt16, nil, nil)).Params.(*format.ArithParams)
	if p.ActMin != -32768 || p.ActMax != 32768 || p.OutputMultiplier != absIdentityMultiplier {
		t.Errorf("unquantized int16: %+v", *p)
	}
	_, err := Convert(src(TypeInt16, q(0.1, 3), q(0.1, 0)))
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "zero points")
	_, err = Convert(src(TypeInt16, nil, q(0.1, 0)))
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "unquantized")
}

func TestConvertFixedOutputQuantizations(t *testing.T) {
	for _, c := range []struct {
		code     BuiltinOperator
		scale    float32
		zp       int64
		fragment string
	}{
		{OpLogSoftmax, 1.0 / 256, 127, "16/256"},
		{OpLogSoftmax, 16.0 / 256, 0, "16/256"},
		{OpL2Normalization, 1.0 / 128, 5, "1/128"},
		{OpL2Normalization, 1.0 / 256, 0, "1/128"},
	} {
		src := computeSource(c.code, nil, []Tensor{
			poolgrpTensor("in", []int32{2, 8}, 0.1, 3),
			poolgrpTensor("out", []int32{2, 8}, c.scale, c.zp),
		}, nil, []int32{0}, []int32{0}, 1)
		_, err := Convert(src)
		poolgrpWantErr(t, err, format.ErrUnsupportedOp, c.fragment)
	}
	ok := computeSource(OpLogSoftmax, nil, []Tensor{
		poolgrpTensor("in", []int32{2, 8}, 0.1, 3),
		poolgrpTensor("out", []int32{2, 8}, 16.0/256, 127),
	}, nil, []int32{0}, []int32{0}, 1)
	p := poolgrpConvert(t, ok).Params.(*format.LogSoftmaxParams)
	if p.DiffMin >= 0 || p.ReverseShift > 0 {
		t.Errorf("params %+v", *p)
	}
}

func TestConvertResizeBilinearSize(t *testing.T) {
	src := func(size []int32, opts any) *Model {
		return computeSource(OpResizeBilinear, opts, []Tensor{
			poolgrpTensor("in", []int32{1, 2, 3, 4}, 0.1, 3),
			poolgrpTensor("out", []int32{1, 4, 6, 4}, 0.1, 3),
			{Name: "size", Type: TypeInt32, Shape: []int32{int32(len(size))}, Buffer: 1},
		}, []Buffer{{Data: poolgrpInt32s(size...)}}, []int32{0}, []int32{0, 2}, 1)
	}
	p := poolgrpConvert(t, src([]int32{4, 6}, &ResizeBilinearOptions{HalfPixelCenters: true})).Params.(*format.ResizeBilinearParams)
	if !p.HalfPixelCenters || p.AlignCorners {
		t.Errorf("params %+v", *p)
	}
	_, err := Convert(src([]int32{4, 5}, nil))
	poolgrpWantErr(t, err, format.ErrMalformedModel, "size")
	_, err = Convert(src([]int32{4, 6}, &ResizeBilinearOptions{HalfPixelCenters: true, AlignCorners: true}))
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "align_corners")
}

func TestConvertCumSumOptions(t *testing.T) {
	src := computeSource(OpCumSum, &CumsumOptions{Exclusive: true, Reverse: true}, []Tensor{
		poolgrpTensor("in", []int32{2, 3}, 0.1, 3),
		poolgrpTensor("out", []int32{2, 3}, 0.3, -1),
		{Name: "axis", Type: TypeInt32, Shape: []int32{}, Buffer: 1},
	}, []Buffer{{Data: poolgrpInt32s(-1)}}, []int32{0}, []int32{0, 2}, 1)
	p := poolgrpConvert(t, src).Params.(*format.CumSumParams)
	if !p.Exclusive || !p.Reverse || p.Axis != 1 || p.InputOffset != -3 || p.OutputOffset != -1 || p.LeftShift != 20 {
		t.Errorf("params %+v", *p)
	}
}

func TestConvertBatchMatMulInt16NeedsZeroPoints(t *testing.T) {
	q := func(zp int64) *Quantization { return &Quantization{Scale: []float32{0.01}, ZeroPoint: []int64{zp}} }
	src := computeSource(OpBatchMatMul, &BatchMatMulOptions{AdjY: true}, []Tensor{
		{Name: "a", Type: TypeInt16, Shape: []int32{2, 3}, Quantization: q(0)},
		{Name: "b", Type: TypeInt16, Shape: []int32{4, 3}, Quantization: q(1)},
		{Name: "out", Type: TypeInt16, Shape: []int32{2, 4}, Quantization: q(0)},
	}, nil, []int32{0, 1}, []int32{0, 1}, 2)
	_, err := Convert(src)
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "zero point 1")
	src.Subgraphs[0].Tensors[1].Quantization = q(0)
	if p := poolgrpConvert(t, src).Params.(*format.BatchMatMulParams); !p.AdjY || p.ActMin != -32768 || p.ActMax != 32767 {
		t.Errorf("params %+v", *p)
	}
}

func TestConvertCastBoundaries(t *testing.T) {
	src := func(in, out TensorType, quantized bool) *Model {
		ti := Tensor{Name: "in", Type: in, Shape: []int32{4}}
		if quantized {
			ti.Quantization = &Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{1}}
		}
		return computeSource(OpCast, nil, []Tensor{ti, {Name: "out", Type: out, Shape: []int32{4}}}, nil, []int32{0}, []int32{0}, 1)
	}
	m, err := Convert(src(TypeInt8, TypeFloat32, false))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Ops) != 0 || !m.Outputs[0].Float {
		t.Fatalf("ops %v outputs %+v: want the CAST removed and a float output", m.Ops, m.Outputs)
	}
	if o := &m.Tensors[m.Outputs[0].Tensor]; len(o.Scale) != 1 || o.Scale[0] != 1 || o.ZeroPoint[0] != 0 {
		t.Errorf("output scale %v zero point %v, want 1 and 0", o.Scale, o.ZeroPoint)
	}
	_, err = Convert(src(TypeInt8, TypeFloat32, true))
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "quantized: true")
	// Integer casts stay ops.
	m, err = Convert(src(TypeInt8, TypeInt32, false))
	if err != nil || len(m.Ops) != 1 || m.Ops[0].Code != format.OpCast {
		t.Fatalf("int8 -> int32: %v, %v", err, m)
	}
}

// TestConvertComputeHostile: random operands (types, shapes, quantization,
// constants, absent or repeated indices) and random options for every
// compute operator: Convert returns a model or an error, never panics, and
// the kernels prepare what it converts or reject it with a typed error.
func TestConvertComputeHostile(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 98))
	codes := []BuiltinOperator{OpMinimum, OpMaximum, OpArgMax, OpArgMin, OpCast, OpPRelu, OpDiv, OpEqual, OpNotEqual,
		OpLess, OpLessEqual, OpGreater, OpGreaterEqual, OpSquaredDifference, OpSelectV2, OpAbs, OpElu, OpRsqrt,
		OpReduceMax, OpReduceMin, OpSum, OpAddN, OpCumSum, OpL2Normalization, OpResizeBilinear, OpLogSoftmax, OpBatchMatMul}
	types := []TensorType{TypeInt8, TypeInt8, TypeInt8, TypeUInt8, TypeInt16, TypeInt32, TypeInt64, TypeBool, TypeFloat32}
	scales := []float32{0.1, 1.0 / 128, 16.0 / 256, 1, 3, 1e-9, 1e9}
	options := func() any {
		switch r.IntN(9) {
		case 0:
			return &DivOptions{FusedActivation: Activation(r.IntN(4))}
		case 1:
			return &CumsumOptions{Exclusive: r.IntN(2) == 0, Reverse: r.IntN(2) == 0}
		case 2:
			return &ResizeBilinearOptions{AlignCorners: r.IntN(2) == 0, HalfPixelCenters: r.IntN(2) == 0}
		case 3:
			return &BatchMatMulOptions{AdjX: r.IntN(2) == 0, AdjY: r.IntN(2) == 0}
		case 4:
			return &ReducerOptions{KeepDims: r.IntN(2) == 0}
		case 5:
			return &L2NormOptions{FusedActivation: Activation(r.IntN(2))}
		case 6:
			return &AddOptions{}
		}
		return nil
	}
	converted := 0
	for iter := range 20000 {
		code := codes[r.IntN(len(codes))]
		n := 1 + r.IntN(5)
		var tensors []Tensor
		var buffers []Buffer
		base := []int32{int32(r.IntN(3) + 1), int32(r.IntN(4) + 1)}
		for k := range n {
			typ := types[r.IntN(len(types))]
			shape := append([]int32(nil), base...)
			switch r.IntN(4) {
			case 0:
				shape = shape[:r.IntN(3)]
			case 1:
				shape = append(shape, int32(r.IntN(3)))
			}
			tt := Tensor{Name: "t", Type: typ, Shape: shape}
			if r.IntN(4) != 0 {
				q := &Quantization{Scale: []float32{scales[r.IntN(len(scales))]}, ZeroPoint: []int64{int64(r.IntN(5) - 2)}}
				if r.IntN(10) == 0 {
					q.Scale, q.ZeroPoint = append(q.Scale, 0.5), append(q.ZeroPoint, 0)
				}
				tt.Quantization = q
			}
			if k > 0 && k < n-1 && r.IntN(2) == 0 && typ.elemBits() > 0 {
				elems := 1
				for _, d := range shape {
					elems *= int(d)
				}
				data := make([]byte, elems*int(typ.elemBits()/8))
				for i := range data {
					data[i] = byte(r.IntN(4))
				}
				if len(data) > 0 {
					buffers = append(buffers, Buffer{Data: data})
					tt.Buffer = uint32(len(buffers))
				}
			}
			tensors = append(tensors, tt)
		}
		var ins, opIns []int32
		for k := range n - 1 {
			opIns = append(opIns, int32(k))
			if tensors[k].Buffer == 0 {
				ins = append(ins, int32(k))
			}
		}
		if r.IntN(10) == 0 && len(opIns) > 0 {
			opIns[r.IntN(len(opIns))] = -1
		}
		if r.IntN(2) == 0 {
			tensors, buffers, ins, opIns = plausibleCompute(r, code)
			n = len(tensors)
		}
		src := computeSource(code, options(), tensors, buffers, ins, opIns, int32(n-1))
		func() {
			defer func() {
				if e := recover(); e != nil {
					t.Fatalf("#%d %v: panic %v", iter, code, e)
				}
			}()
			m, err := Convert(src)
			if err != nil {
				return
			}
			converted++
			// Shapes that do not broadcast are left to the kernel (as for
			// ADD), which must reject them with an error, not a panic.
			for i := range m.Ops {
				if _, err := ops.Prepare(m, i); err != nil && !errors.Is(err, format.ErrMalformedModel) && !errors.Is(err, format.ErrUnsupportedOp) {
					t.Fatalf("#%d %v: converted op %d: %v", iter, code, i, err)
				}
			}
		}()
	}
	t.Logf("%d of 20000 random models converted", converted)
	if converted < 200 {
		t.Errorf("only %d random models converted: the test explores too little", converted)
	}
}

// plausibleCompute returns the operands code takes (int8, quantized, the
// shape [2, 3]; axes and sizes as constants), perhaps with one detail off.
func plausibleCompute(r *rand.Rand, code BuiltinOperator) (tensors []Tensor, buffers []Buffer, ins, opIns []int32) {
	q8 := func(s float32, z int64) Tensor {
		return Tensor{Name: "x", Type: TypeInt8, Shape: []int32{2, 3}, Quantization: &Quantization{Scale: []float32{s}, ZeroPoint: []int64{z}}}
	}
	constI32 := func(v ...int32) Tensor {
		buffers = append(buffers, Buffer{Data: poolgrpInt32s(v...)})
		return Tensor{Name: "c", Type: TypeInt32, Shape: []int32{int32(len(v))}, Buffer: uint32(len(buffers))}
	}
	x := q8(0.1, int64(r.IntN(5)-2))
	switch code {
	case OpArgMax, OpArgMin:
		tensors = []Tensor{x, constI32(int32(r.IntN(3) - 1)), {Name: "o", Type: TypeInt32, Shape: []int32{2}}}
	case OpCast:
		tensors = []Tensor{{Name: "i", Type: TypeInt8, Shape: []int32{2, 3}}, {Name: "o", Type: []TensorType{TypeInt32, TypeInt16, TypeFloat32, TypeBool}[r.IntN(4)], Shape: []int32{2, 3}}}
	case OpEqual, OpNotEqual, OpLess, OpLessEqual, OpGreater, OpGreaterEqual:
		tensors = []Tensor{x, q8(0.2, 1), {Name: "o", Type: TypeBool, Shape: []int32{2, 3}}}
	case OpSelectV2:
		tensors = []Tensor{{Name: "c", Type: TypeBool, Shape: []int32{2, 3}}, x, x, x}
	case OpAbs, OpElu, OpRsqrt, OpLogSoftmax, OpL2Normalization:
		out := q8(0.05, 0)
		switch code {
		case OpLogSoftmax:
			out = q8(16.0/256, 127)
		case OpL2Normalization:
			out = q8(1.0/128, 0)
		}
		tensors = []Tensor{x, out}
	case OpReduceMax, OpReduceMin, OpSum:
		out := x
		out.Shape = []int32{2, 1}
		tensors = []Tensor{x, constI32(1), out}
	case OpCumSum:
		axis := constI32(int32(r.IntN(4) - 2))
		axis.Shape = nil
		tensors = []Tensor{x, axis, q8(0.3, 4)}
	case OpResizeBilinear:
		x.Shape = []int32{1, 2, 3, 1}
		out := x
		out.Shape = []int32{1, 4, 5, 1}
		tensors = []Tensor{x, constI32(4, 5), out}
	case OpBatchMatMul:
		y := x
		y.Shape = []int32{3, 4}
		out := x
		out.Shape = []int32{2, 4}
		tensors = []Tensor{x, y, out}
	case OpAddN:
		tensors = []Tensor{x, x, x, q8(0.3, 2)}
	default: // MINIMUM, MAXIMUM, PRELU, DIV, SQUARED_DIFFERENCE
		tensors = []Tensor{x, q8(0.02, 3), q8(0.3, -5)}
	}
	if r.IntN(3) == 0 { // one detail off
		k := r.IntN(len(tensors))
		switch r.IntN(3) {
		case 0:
			tensors[k].Shape = append(append([]int32(nil), tensors[k].Shape...), 2)
		case 1:
			tensors[k].Quantization = nil
		default:
			if tensors[k].Buffer == 0 {
				tensors[k].Type = TypeInt16
			}
		}
	}
	for k := range len(tensors) - 1 {
		opIns = append(opIns, int32(k))
		if tensors[k].Buffer == 0 {
			ins = append(ins, int32(k))
		}
	}
	return tensors, buffers, ins, opIns
}

// TestSumRequantByHand: SUM's requantization is MEAN's without the 1/n
// fold: with equal scales it is the offset sum itself, clamped
// (QuantizeMultiplier(1) = (2^30, 1) reproduces its input exactly).
func TestSumRequantByHand(t *testing.T) {
	f, err := meanRequant(0.5, 3, 0.5, -7, 4, true)
	if err != nil {
		t.Fatal(err)
	}
	for s := int32(-512); s <= 508; s++ {
		want := min(max(s-3*4-7, -128), 127)
		if got := f(s); got != want {
			t.Fatalf("sum %d: got %d, want %d", s, got, want)
		}
	}
	// Halving scales: the sum halved and rounded (to within one half).
	f, err = meanRequant(0.5, 0, 1, 0, 4, true)
	if err != nil {
		t.Fatal(err)
	}
	for s := int32(-255); s <= 255; s++ {
		if got, exact := f(s), float64(s)/2; math.Abs(float64(got)-exact) > 0.5 {
			t.Fatalf("sum %d: got %d, want %v rounded", s, got, exact)
		}
	}
}

func TestConvertRejectsUint8WhereTheShiftMatters(t *testing.T) {
	cast := computeSource(OpCast, nil, []Tensor{
		{Name: "in", Type: TypeUInt8, Shape: []int32{4}},
		{Name: "out", Type: TypeInt32, Shape: []int32{4}},
	}, nil, []int32{0}, []int32{0}, 1)
	_, err := Convert(cast)
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "uint8")
	q := &Quantization{Scale: []float32{0.1}, ZeroPoint: []int64{128}}
	resize := computeSource(OpResizeBilinear, nil, []Tensor{
		{Name: "in", Type: TypeUInt8, Shape: []int32{1, 2, 2, 1}, Quantization: q},
		{Name: "out", Type: TypeUInt8, Shape: []int32{1, 3, 3, 1}, Quantization: q},
		{Name: "size", Type: TypeInt32, Shape: []int32{2}, Buffer: 1},
	}, []Buffer{{Data: poolgrpInt32s(3, 3)}}, []int32{0}, []int32{0, 2}, 1)
	_, err = Convert(resize)
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "uint8")
}

func TestConvertCastFromFloat32Input(t *testing.T) {
	src := func(out TensorType) *Model {
		return computeSource(OpCast, nil, []Tensor{
			{Name: "in", Type: TypeFloat32, Shape: []int32{4}},
			{Name: "out", Type: out, Shape: []int32{4}},
		}, nil, []int32{0}, []int32{0}, 1)
	}
	op := poolgrpConvert(t, src(TypeInt8))
	if op.Code != format.OpCast {
		t.Fatalf("op %v, want CAST", op.Code)
	}
	_, err := Convert(src(TypeBool))
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "BOOL")
	// A float32 tensor that is not a graph input stays unsupported.
	s := src(TypeInt8)
	s.Subgraphs[0].Tensors[0].Buffer = 1
	s.Buffers = append(s.Buffers, Buffer{Data: make([]byte, 16)})
	s.Subgraphs[0].Inputs = nil
	_, err = Convert(s)
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "not a graph input")
}

// TestConvertCastFromQuantizedFloatInput: a float32 graph input that a
// QUANTIZE boundary already took is no longer a graph input for a CAST.
func TestConvertCastFromQuantizedFloatInput(t *testing.T) {
	src := &Model{
		Version:       3,
		OperatorCodes: []OperatorCode{{BuiltinCode: OpQuantize, Version: 1}, {BuiltinCode: OpCast, Version: 1}},
		Subgraphs: []Subgraph{{
			Tensors: []Tensor{
				{Name: "f", Type: TypeFloat32, Shape: []int32{4}},
				poolgrpTensor("q", []int32{4}, 0.1, 0),
				{Name: "c", Type: TypeInt32, Shape: []int32{4}},
			},
			Inputs:  []int32{0},
			Outputs: []int32{1, 2},
			Operators: []Operator{
				{OpcodeIndex: 0, Inputs: []int32{0}, Outputs: []int32{1}},
				{OpcodeIndex: 1, Inputs: []int32{0}, Outputs: []int32{2}},
			},
		}},
		Buffers: []Buffer{{}},
	}
	_, err := Convert(src)
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "not a graph input")
}
