package tflite

import (
	"fmt"
	"math"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// Arithmetic, comparison and reduction operators (issue 16): MINIMUM,
// MAXIMUM, ARG_MAX, ARG_MIN, CAST, PRELU, DIV, the six comparisons,
// SELECT_V2, ABS, ELU, RSQRT, SQUARED_DIFFERENCE, REDUCE_MAX, REDUCE_MIN
// and SUM. Each derives TFLite Micro's prepare-time parameters (float math
// here, once) and leaves integer-only work to the kernels.

func init() {
	for code, conv := range map[BuiltinOperator]opConverter{
		OpMinimum:           convertMinMax(format.OpMinimum),
		OpMaximum:           convertMinMax(format.OpMaximum),
		OpArgMax:            convertArg(format.OpArgMax),
		OpArgMin:            convertArg(format.OpArgMin),
		OpCast:              convertCast,
		OpPRelu:             convertPRelu,
		OpDiv:               convertDiv,
		OpEqual:             convertComparison(format.OpEqual),
		OpNotEqual:          convertComparison(format.OpNotEqual),
		OpLess:              convertComparison(format.OpLess),
		OpLessEqual:         convertComparison(format.OpLessEqual),
		OpGreater:           convertComparison(format.OpGreater),
		OpGreaterEqual:      convertComparison(format.OpGreaterEqual),
		OpSquaredDifference: convertSquaredDifference,
		OpSelectV2:          convertSelectV2,
		OpAbs:               convertAbs,
		OpElu:               convertElu,
		OpRsqrt:             convertRsqrt,
		OpReduceMax:         convertReduceMinMax(format.OpReduceMax),
		OpReduceMin:         convertReduceMinMax(format.OpReduceMin),
		OpSum:               convertSum,
		OpAddN:              convertAddN,
		OpL2Normalization:   convertL2Norm,
		OpCumSum:            convertCumSum,
		OpResizeBilinear:    convertResizeBilinear,
		OpLogSoftmax:        convertLogSoftmax,
		OpBatchMatMul:       convertBatchMatMul,
	} {
		converters[code] = conv
	}
}

// operands checks op's operand counts and that every listed operand is
// present and converts (any integer dtype); it returns the converted
// tensors, inputs first.
func (c *converter) operands(idx int, op *Operator, nIn, nOut int) ([]*format.Tensor, error) {
	path := c.opPath(idx)
	if len(op.Inputs) != nIn || len(op.Outputs) != nOut {
		return nil, format.Malformed(path, "has %d inputs and %d outputs, want %d and %d", len(op.Inputs), len(op.Outputs), nIn, nOut)
	}
	var ts []*format.Tensor
	for i, t := range append(append([]int32(nil), op.Inputs...), op.Outputs...) {
		if t < 0 {
			return nil, format.Malformed(path, "operand %d is absent", i)
		}
		ft, err := c.tensor(t)
		if err != nil {
			return nil, err
		}
		ts = append(ts, ft)
	}
	return ts, nil
}

func (c *converter) unsupported(idx int, format_ string, args ...any) error {
	code := c.src.OperatorCodes[c.sg.Operators[idx].OpcodeIndex]
	return &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: idx, Reason: fmt.Sprintf(format_, args...)}
}

// noOptions rejects options on an operator that has none.
func (c *converter) noOptions(idx int, op *Operator) error {
	if op.Options == nil {
		return nil
	}
	return format.Malformed(c.opPath(idx)+" / options", "options of type %T", op.Options)
}

// convertMinMax: TFLite Micro's MAXIMUM / MINIMUM compare the stored int8
// (or int16) values without rescaling, so the op carries no parameters;
// inputs and output share one dtype.
func convertMinMax(code format.OpCode) opConverter {
	return func(c *converter, idx int, op *Operator) (format.Op, error) {
		ts, err := c.operands(idx, op, 2, 1)
		if err != nil {
			return format.Op{}, err
		}
		dt := ts[0].DType
		if (dt != format.DTypeInt8 && dt != format.DTypeInt16) || ts[1].DType != dt || ts[2].DType != dt {
			return format.Op{}, c.unsupported(idx, "operands %s, %s -> %s; edgerun runs int8 or int16", ts[0].DType, ts[1].DType, ts[2].DType)
		}
		return format.Op{Code: code, Inputs: []int32{op.Inputs[0], op.Inputs[1]}, Outputs: []int32{op.Outputs[0]}}, nil
	}
}

// constAxes reads a constant int32/int64 axis tensor and resolves negative
// axes against rank (duplicates removed, order kept).
func (c *converter) constAxes(idx int, t int32, rank int) ([]int32, error) {
	path := c.opPath(idx) + " / axes"
	if !c.isConstant(t) {
		if c.hasNoData(t) {
			return nil, nil
		}
		return nil, c.unsupported(idx, "the axes are not a constant tensor")
	}
	raw, err := c.constInts(t)
	if err != nil {
		return nil, err
	}
	seen := make([]bool, rank)
	var axes []int32
	for i, a := range raw {
		if a < -int64(rank) || a >= int64(rank) {
			return nil, format.Malformed(path, "axis %d is %d, outside [%d, %d)", i, a, -rank, rank)
		}
		if a < 0 {
			a += int64(rank)
		}
		if !seen[a] {
			seen[a] = true
			axes = append(axes, int32(a))
		}
	}
	return axes, nil
}

// convertArg: ARG_MAX / ARG_MIN over one constant axis of an int8 tensor;
// the output dtype (int32 or int64) comes from the output tensor.
func convertArg(code format.OpCode) opConverter {
	return func(c *converter, idx int, op *Operator) (format.Op, error) {
		ts, err := c.operands(idx, op, 2, 1)
		if err != nil {
			return format.Op{}, err
		}
		if ts[0].DType != format.DTypeInt8 || (ts[2].DType != format.DTypeInt32 && ts[2].DType != format.DTypeInt64) {
			return format.Op{}, c.unsupported(idx, "input %s, output %s; edgerun runs int8 in, int32 or int64 out", ts[0].DType, ts[2].DType)
		}
		if ts[1].NumElements() != 1 {
			return format.Op{}, format.Malformed(c.opPath(idx)+" / axis", "has %d elements, want 1", ts[1].NumElements())
		}
		axes, err := c.constAxes(idx, op.Inputs[1], len(ts[0].Shape))
		if err != nil {
			return format.Op{}, err
		}
		if err := c.keptElements(idx, ts[0], axes, ts[2]); err != nil {
			return format.Op{}, err
		}
		return format.Op{Code: code, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]},
			Params: &format.ReduceParams{Axes: axes}}, nil
	}
}

// convertCast: CAST between int8, int16, int32 and bool is a raw element
// conversion (the kernel's). Quantization is ignored, as TFLite's does.
func convertCast(c *converter, idx int, op *Operator) (format.Op, error) {
	if len(op.Inputs) != 1 || len(op.Outputs) != 1 || op.Inputs[0] < 0 {
		return format.Op{}, format.Malformed(c.opPath(idx), "has %d inputs and %d outputs, want 1 and 1", len(op.Inputs), len(op.Outputs))
	}
	if err := c.noUint8(idx, op, "CAST converts stored values"); err != nil {
		return format.Op{}, err
	}
	ts, err := c.operands(idx, op, 1, 1)
	if err != nil {
		return format.Op{}, err
	}
	if ts[0].NumElements() != ts[1].NumElements() {
		return format.Op{}, format.Malformed(c.opPath(idx), "input shape %v, output shape %v", ts[0].Shape, ts[1].Shape)
	}
	for _, t := range ts {
		if t.DType == format.DTypeInt64 {
			return format.Op{}, c.unsupported(idx, "int64 operand")
		}
	}
	return format.Op{Code: format.OpCast, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]}}, nil
}

// convertPRelu follows TFLite Micro's PreluPrepare for int8: multiplier 1 =
// input/output scale, multiplier 2 = input·alpha/output scale (double),
// both QuantizeMultiplier; stored in ArithParams as Input1Multiplier/Shift
// and Input2Multiplier/Shift (see ops.preluKernel).
func convertPRelu(c *converter, idx int, op *Operator) (format.Op, error) {
	if err := c.noOptions(idx, op); err != nil {
		return format.Op{}, err
	}
	ts, err := c.operands(idx, op, 2, 1)
	if err != nil {
		return format.Op{}, err
	}
	wide := ts[0].DType == format.DTypeInt16
	var s [3]float64
	var z [3]int32
	if wide { // int16 input and output, int8 alpha, zero points 0
		if ts[1].DType != format.DTypeInt8 || ts[2].DType != format.DTypeInt16 {
			return format.Op{}, c.unsupported(idx, "operands %s, %s -> %s; int16 PRELU takes an int8 alpha", ts[0].DType, ts[1].DType, ts[2].DType)
		}
		for i, t := range ts {
			if len(t.Scale) != 1 || len(t.ZeroPoint) != 1 {
				return format.Op{}, c.unsupported(idx, "operand %d needs per-tensor quantization", i)
			}
			s[i], z[i] = float64(t.Scale[0]), t.ZeroPoint[0]
		}
		if z[0] != 0 || z[2] != 0 {
			return format.Op{}, c.unsupported(idx, "int16 zero points %d, %d (TFLite requires 0)", z[0], z[2])
		}
	} else if s, z, err = arithOperands(c, idx, op); err != nil {
		return format.Op{}, err
	}
	m1, sh1 := dyadic.QuantizeMultiplier(s[0] / s[2])
	m2, sh2 := dyadic.QuantizeMultiplier(s[0] * s[1] / s[2])
	lim1, lim2, lo, hi := int32(14), int32(14), int32(math.MinInt8), int32(math.MaxInt8)
	if wide {
		lim1, lim2, lo, hi = 15, 7, math.MinInt16, math.MaxInt16
	}
	if sh1 > lim1 || sh2 > lim2 {
		return format.Op{}, c.unsupported(idx, "rescale needs a left shift of %d / %d (TFLite's product would overflow int32)", sh1, sh2)
	}
	return format.Op{Code: format.OpPRelu, Inputs: []int32{op.Inputs[0], op.Inputs[1]}, Outputs: []int32{op.Outputs[0]},
		Params: &format.ArithParams{
			Input1Offset: -z[0], Input2Offset: -z[1], OutputOffset: z[2],
			Input1Multiplier: m1, Input1Shift: sh1, Input2Multiplier: m2, Input2Shift: sh2,
			ActMin: lo, ActMax: hi,
		}}, nil
}

// convertDiv follows TFLite Micro's DIV prepare for int8: one multiplier
// input1_scale / (input2_scale · output_scale), computed in float32 and
// widened, QuantizeMultiplier; the fused activation's clamp.
func convertDiv(c *converter, idx int, op *Operator) (format.Op, error) {
	act := ActNone
	switch o := op.Options.(type) {
	case nil:
	case *DivOptions:
		act = o.FusedActivation
	default:
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "options of type %T", op.Options)
	}
	s, z, err := arithOperands(c, idx, op)
	if err != nil {
		return format.Op{}, err
	}
	r := float64(float32(s[0]) / (float32(s[1]) * float32(s[2])))
	if math.IsInf(r, 0) || math.IsNaN(r) || r == 0 {
		return format.Op{}, c.unsupported(idx, "output rescale %v", r)
	}
	m, sh := dyadic.QuantizeMultiplier(r)
	if sh > 22 {
		return format.Op{}, c.unsupported(idx, "output rescale %v needs a left shift of %d", r, sh)
	}
	lo, hi, err := c.activationRange(act, op.Outputs[0])
	if err != nil {
		return format.Op{}, err
	}
	return format.Op{Code: format.OpDiv, Inputs: []int32{op.Inputs[0], op.Inputs[1]}, Outputs: []int32{op.Outputs[0]},
		Params: &format.ArithParams{
			Input1Offset: -z[0], Input2Offset: -z[1], OutputOffset: z[2],
			OutputMultiplier: m, OutputShift: sh, ActMin: lo, ActMax: hi,
		}}, nil
}

// scaledTable returns TFLite's rescaled value of every int8 input x:
// MultiplyByQuantizedMultiplierSmallerThanOneExp((x - zp) << left, m, shift).
func scaledTable(zp int32, left uint, m, shift int32) []int32 {
	t := make([]int32, 256)
	for x := int32(-128); x <= 127; x++ {
		t[x+128] = dyadic.MultiplyByQuantizedMultiplierSmallerThanOneExp((x-zp)<<left, m, shift)
	}
	return t
}

// pairInputs returns the int8 scales and zero points of op's two inputs.
func (c *converter) pairInputs(idx int, op *Operator, outType format.DType) (s [2]float64, z [2]int32, err error) {
	ts, err := c.operands(idx, op, 2, 1)
	if err != nil {
		return s, z, err
	}
	if ts[2].DType != outType {
		return s, z, c.unsupported(idx, "output %s, want %s", ts[2].DType, outType)
	}
	for i := range 2 {
		_, s[i], z[i], err = c.quantized(op.Inputs[i])
		if err != nil {
			return s, z, err
		}
	}
	return s, z, nil
}

// convertComparison follows TFLite Micro's ComparisonsPrepare for int8:
// each input is offset, shifted left by 8 and multiplied by its own scale
// (QuantizeMultiplierSmallerThanOneExp), then the two are compared. The
// rescaling of each input becomes a 256-entry table.
func convertComparison(code format.OpCode) opConverter {
	return func(c *converter, idx int, op *Operator) (format.Op, error) {
		s, z, err := c.pairInputs(idx, op, format.DTypeBool)
		if err != nil {
			return format.Op{}, err
		}
		p := &format.ScaledPairParams{ActMin: -128, ActMax: 127}
		for i, t := range []*[]int32{&p.Table1, &p.Table2} {
			m, sh, err := dyadic.QuantizeMultiplierSmallerThanOneExp(s[i])
			if err != nil {
				return format.Op{}, c.unsupported(idx, "input %d scale %v: %v (TFLite requires a scale below 1)", i, s[i], err)
			}
			*t = scaledTable(z[i], 8, m, sh)
		}
		return format.Op{Code: code, Inputs: []int32{op.Inputs[0], op.Inputs[1]}, Outputs: []int32{op.Outputs[0]}, Params: p}, nil
	}
}

// convertSquaredDifference follows TFLite Micro's int8 PrepareQuantized:
// inputs shifted left by 7 and brought to twice the larger scale, the
// squared difference rescaled by (2·max)² / (2^14 · output scale).
func convertSquaredDifference(c *converter, idx int, op *Operator) (format.Op, error) {
	if len(op.Inputs) == 2 && op.Inputs[0] >= 0 && int(op.Inputs[0]) < len(c.sg.Tensors) && c.sg.Tensors[op.Inputs[0]].Type == TypeInt16 {
		return c.squaredDifference16(idx, op)
	}
	s, z, err := c.pairInputs(idx, op, format.DTypeInt8)
	if err != nil {
		return format.Op{}, err
	}
	_, so, zo, err := c.quantized(op.Outputs[0])
	if err != nil {
		return format.Op{}, err
	}
	twiceMax := 2 * math.Max(s[0], s[1])
	p := &format.ScaledPairParams{OutputOffset: zo, ActMin: -128, ActMax: 127}
	for i, t := range []*[]int32{&p.Table1, &p.Table2} {
		m, sh, err := dyadic.QuantizeMultiplierSmallerThanOneExp(s[i] / twiceMax)
		if err != nil {
			return format.Op{}, c.unsupported(idx, "input %d rescale: %v", i, err)
		}
		*t = scaledTable(z[i], 7, m, sh)
	}
	r := twiceMax * twiceMax / float64(float32(1<<14)*float32(so))
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return format.Op{}, c.unsupported(idx, "output rescale %v", r)
	}
	p.OutputMultiplier, p.OutputShift = dyadic.QuantizeMultiplier(r)
	if p.OutputShift > 30 {
		return format.Op{}, c.unsupported(idx, "output rescale %v needs a left shift of %d", r, p.OutputShift)
	}
	return format.Op{Code: format.OpSquaredDifference, Inputs: []int32{op.Inputs[0], op.Inputs[1]}, Outputs: []int32{op.Outputs[0]}, Params: p}, nil
}

// convertSelectV2: a raw select (bool condition; x, y and the output share
// one dtype, int8 or int16), no parameters.
func convertSelectV2(c *converter, idx int, op *Operator) (format.Op, error) {
	ts, err := c.operands(idx, op, 3, 1)
	if err != nil {
		return format.Op{}, err
	}
	dt := ts[1].DType
	if ts[0].DType != format.DTypeBool || (dt != format.DTypeInt8 && dt != format.DTypeInt16) || ts[2].DType != dt || ts[3].DType != dt {
		return format.Op{}, c.unsupported(idx, "operands %s, %s, %s -> %s; edgerun runs a bool condition and int8 or int16 values", ts[0].DType, ts[1].DType, ts[2].DType, ts[3].DType)
	}
	return format.Op{Code: format.OpSelectV2, Inputs: append([]int32(nil), op.Inputs...), Outputs: []int32{op.Outputs[0]}}, nil
}

// convertAbs follows TFLite Micro's AbsEvalQuantized for int8 and
// quantized int16: |x - input_zp|, rescaled by input/output scale
// (QuantizeMultiplier, double) only when the float32 scales differ (else
// the identity multiplier), plus the output zero point, clamped to the
// type. Unquantized int16 is std::abs with its int16 cast (ActMax 32768,
// see ops/abs.go). Params: format.ArithParams.
func convertAbs(c *converter, idx int, op *Operator) (format.Op, error) {
	if err := c.noOptions(idx, op); err != nil {
		return format.Op{}, err
	}
	if err := c.noUint8(idx, op, "TFLite Micro's ABS takes int8 or int16"); err != nil {
		return format.Op{}, err
	}
	ts, err := c.operands(idx, op, 1, 1)
	if err != nil {
		return format.Op{}, err
	}
	in, out := ts[0], ts[1]
	if in.DType != out.DType || (in.DType != format.DTypeInt8 && in.DType != format.DTypeInt16) {
		return format.Op{}, c.unsupported(idx, "%s -> %s; edgerun runs int8 or int16 ABS", in.DType, out.DType)
	}
	p := &format.ArithParams{OutputMultiplier: absIdentityMultiplier, OutputShift: absIdentityShift, ActMin: math.MinInt8, ActMax: math.MaxInt8}
	if in.DType == format.DTypeInt16 {
		p.ActMin, p.ActMax = math.MinInt16, math.MaxInt16
		if len(in.Scale) == 0 {
			if len(out.Scale) != 0 {
				return format.Op{}, c.unsupported(idx, "unquantized input with a quantized output")
			}
			p.ActMax = math.MaxInt16 + 1 // std::abs, then the int16 cast
			return format.Op{Code: format.OpAbs, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]}, Params: p}, nil
		}
	}
	if len(in.Scale) != 1 || len(out.Scale) != 1 {
		return format.Op{}, c.unsupported(idx, "input and output need per-tensor quantization")
	}
	zi, zo := in.ZeroPoint[0], out.ZeroPoint[0]
	if in.DType == format.DTypeInt16 && (zi != 0 || zo != 0) {
		return format.Op{}, c.unsupported(idx, "int16 zero points %d, %d (TFLite requires 0)", zi, zo)
	}
	p.Input1Offset, p.OutputOffset = -zi, zo
	if in.Scale[0] != out.Scale[0] {
		if p.OutputMultiplier, p.OutputShift, err = c.tableMultiplier(idx, op, "output", float64(in.Scale[0])/float64(out.Scale[0])); err != nil {
			return format.Op{}, err
		}
		if p.OutputShift > 14 {
			return format.Op{}, c.unsupported(idx, "output rescale needs a left shift of %d (TFLite's product would overflow int32)", p.OutputShift)
		}
	}
	return format.Op{Code: format.OpAbs, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]}, Params: p}, nil
}

// absIdentityMultiplier and absIdentityShift: MultiplyByQuantizedMultiplier
// by (2^30, 1) is the identity on |x| < 2^16 (ops/abs.go).
const (
	absIdentityMultiplier = 1 << 30
	absIdentityShift      = 1
)

// rsqrtShift is kShift of TFLite Micro's RsqrtEvalQuantized.
const rsqrtShift = 20

// convertRsqrt follows TFLite Micro's RsqrtEvalQuantized for int8: for
// v = x - input_zp > 0, 1/sqrt(v) from GetInvSqrtQuantizedMultiplierExp,
// brought to an int32 with 20 fractional bits, rescaled by
// 1/(sqrt(input_scale)·output_scale); v = 0 gives 127. TFLite fails the
// Invoke for v < 0; edgerun's table gives 127 there too.
func convertRsqrt(c *converter, idx int, op *Operator) (format.Op, error) {
	t, err := c.tableOperands(idx, op, false)
	if err != nil {
		return format.Op{}, err
	}
	m, sh, err := c.tableMultiplier(idx, op, "output", 1/(math.Sqrt(float64(t.inScale))*float64(t.outScale)))
	if err != nil {
		return format.Op{}, err
	}
	if sh-rsqrtShift < -31 {
		return format.Op{}, c.tableUnsupported(idx, op, "output rescale shift %d is beyond TFLite's rounding shift range", sh-rsqrtShift)
	}
	return buildTable(format.OpRsqrt, t, func(x int32) int8 {
		v := x - t.inZP
		if v <= 0 {
			return math.MaxInt8
		}
		im, is := dyadic.GetInvSqrtQuantizedMultiplierExp(v, -1)
		data := dyadic.MultiplyByQuantizedMultiplier(1, im, is+rsqrtShift)
		return tableClamp(dyadic.MultiplyByQuantizedMultiplier(data, m, sh-rsqrtShift) + t.outZP)
	}), nil
}

// convertElu follows TFLite's ELU lookup table for int8, computed in
// float32: dequantize, exp(v) - 1 for v < 0, multiply by 1/output_scale,
// round half away from zero, add the output zero point, clamp.
func convertElu(c *converter, idx int, op *Operator) (format.Op, error) {
	t, err := c.tableOperands(idx, op, false)
	if err != nil {
		return format.Op{}, err
	}
	inv := 1 / t.outScale
	return buildTable(format.OpElu, t, func(x int32) int8 {
		v := t.inScale * float32(x-t.inZP)
		if v < 0 {
			v = float32(math.Expm1(float64(v)))
		}
		r := float32(math.Round(float64(v * inv)))
		return tableClamp(int32(r + float32(t.outZP)))
	}), nil
}

// convertReduceMinMax: REDUCE_MAX / REDUCE_MIN on int8 compare raw values;
// TFLite Micro requires equal input and output quantization.
func convertReduceMinMax(code format.OpCode) opConverter {
	return func(c *converter, idx int, op *Operator) (format.Op, error) {
		keep, err := c.reducerKeepDims(idx, op)
		if err != nil {
			return format.Op{}, err
		}
		ts, err := c.operands(idx, op, 2, 1)
		if err != nil {
			return format.Op{}, err
		}
		in, _, _, err := c.quantized(op.Inputs[0])
		if err != nil {
			return format.Op{}, err
		}
		out, _, _, err := c.quantized(op.Outputs[0])
		if err != nil {
			return format.Op{}, err
		}
		if !sameQuantization(in, out) {
			return format.Op{}, c.unsupported(idx, "input and output quantization differ (TFLite Micro requires them equal)")
		}
		axes, err := c.constAxes(idx, op.Inputs[1], len(ts[0].Shape))
		if err != nil {
			return format.Op{}, err
		}
		if err := c.keptElements(idx, ts[0], axes, ts[2]); err != nil {
			return format.Op{}, err
		}
		return format.Op{Code: code, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]},
			Params: &format.ReduceParams{Axes: axes, KeepDims: keep}}, nil
	}
}

func (c *converter) reducerKeepDims(idx int, op *Operator) (bool, error) {
	switch o := op.Options.(type) {
	case nil:
		return false, nil
	case *ReducerOptions:
		return o.KeepDims, nil
	}
	return false, format.Malformed(c.opPath(idx)+" / options", "options of type %T, want ReducerOptions", op.Options)
}

// convertAddN follows TFLite Micro's int8 ADD_N prepare: every input must
// share input 0's quantization; ADD's arithmetic with left shift 20, the
// inputs brought to twice their scale, the sum to the output scale
// (QuantizeMultiplierSmallerThanOneExp, double). The kernel starts its sum
// from the rescaled input offset, as TFLite's does.
func convertAddN(c *converter, idx int, op *Operator) (format.Op, error) {
	if len(op.Inputs) < 1 || len(op.Outputs) != 1 {
		return format.Op{}, format.Malformed(c.opPath(idx), "has %d inputs and %d outputs, want at least 1 and 1", len(op.Inputs), len(op.Outputs))
	}
	ts, err := c.operands(idx, op, len(op.Inputs), 1)
	if err != nil {
		return format.Op{}, err
	}
	in0, s, z, err := c.quantized(op.Inputs[0])
	if err != nil {
		return format.Op{}, err
	}
	for i := range op.Inputs {
		in, _, _, err := c.quantized(op.Inputs[i])
		if err != nil {
			return format.Op{}, err
		}
		if !sameQuantization(in, in0) || !poolShapeEqual(in.Shape, ts[len(ts)-1].Shape) {
			return format.Op{}, c.unsupported(idx, "input %d differs from input 0 or the output in quantization or shape", i)
		}
	}
	if len(op.Inputs) > 7 {
		return format.Op{}, c.unsupported(idx, "%d inputs (edgerun sums at most 7 in int32)", len(op.Inputs))
	}
	_, so, zo, err := c.quantized(op.Outputs[0])
	if err != nil {
		return format.Op{}, err
	}
	twice := 2 * s
	mi, si, err := dyadic.QuantizeMultiplierSmallerThanOneExp(s / twice)
	if err != nil {
		return format.Op{}, c.unsupported(idx, "input rescale: %v", err)
	}
	mo, sho, err := dyadic.QuantizeMultiplierSmallerThanOneExp(twice / (float64(int64(1)<<addLeftShift) * so))
	if err != nil {
		return format.Op{}, c.unsupported(idx, "output rescale: %v", err)
	}
	return format.Op{Code: format.OpAddN, Inputs: append([]int32(nil), op.Inputs...), Outputs: []int32{op.Outputs[0]},
		Params: &format.ArithParams{
			Input1Offset: -z, Input2Offset: -z, OutputOffset: zo, LeftShift: addLeftShift,
			Input1Multiplier: mi, Input1Shift: si, OutputMultiplier: mo, OutputShift: sho,
			ActMin: -128, ActMax: 127,
		}}, nil
}

// convertL2Norm: TFLite Micro's int8 L2_NORMALIZATION requires the output
// quantization 1/128 with zero point 0 and no fused activation; the
// kernel reads the input zero point from the input tensor.
func convertL2Norm(c *converter, idx int, op *Operator) (format.Op, error) {
	switch o := op.Options.(type) {
	case nil:
	case *L2NormOptions:
		if o.FusedActivation != ActNone {
			return format.Op{}, c.unsupported(idx, "fused activation %d (TFLite Micro requires none)", o.FusedActivation)
		}
	default:
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "options of type %T", op.Options)
	}
	if _, err := c.operands(idx, op, 1, 1); err != nil {
		return format.Op{}, err
	}
	in, _, _, err := c.quantized(op.Inputs[0])
	if err != nil {
		return format.Op{}, err
	}
	out, _, zo, err := c.quantized(op.Outputs[0])
	if err != nil {
		return format.Op{}, err
	}
	if out.Scale[0] != 1.0/128 || zo != 0 {
		return format.Op{}, c.unsupported(idx, "int8 output needs scale 1/128 and zero point 0, has %v and %d", out.Scale[0], zo)
	}
	if !poolShapeEqual(in.Shape, out.Shape) || len(in.Shape) < 1 {
		return format.Op{}, format.Malformed(c.opPath(idx), "input shape %v, output shape %v", in.Shape, out.Shape)
	}
	return format.Op{Code: format.OpL2Normalization, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]}}, nil
}

// convertCumSum follows TFLite Micro's int8 CUMSUM prepare: left shift 20,
// the input brought to twice its scale, the sums to the output scale
// (QuantizeMultiplierSmallerThanOneExp, double); the axis is a constant
// int32 scalar.
func convertCumSum(c *converter, idx int, op *Operator) (format.Op, error) {
	var opts CumsumOptions
	switch o := op.Options.(type) {
	case nil:
	case *CumsumOptions:
		opts = *o
	default:
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "options of type %T", op.Options)
	}
	ts, err := c.operands(idx, op, 2, 1)
	if err != nil {
		return format.Op{}, err
	}
	in, s, z, err := c.quantized(op.Inputs[0])
	if err != nil {
		return format.Op{}, err
	}
	out, so, zo, err := c.quantized(op.Outputs[0])
	if err != nil {
		return format.Op{}, err
	}
	if !poolShapeEqual(in.Shape, out.Shape) || len(in.Shape) < 1 {
		return format.Op{}, format.Malformed(c.opPath(idx), "input shape %v, output shape %v", in.Shape, out.Shape)
	}
	if ts[1].DType != format.DTypeInt32 || ts[1].NumElements() != 1 {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / axis", "want one int32, have %s %v", ts[1].DType, ts[1].Shape)
	}
	axes, err := c.constAxes(idx, op.Inputs[1], len(in.Shape))
	if err != nil {
		return format.Op{}, err
	}
	twice := 2 * s
	mi, si, err := dyadic.QuantizeMultiplierSmallerThanOneExp(s / twice)
	if err != nil {
		return format.Op{}, c.unsupported(idx, "input rescale: %v", err)
	}
	mo, sho, err := dyadic.QuantizeMultiplierSmallerThanOneExp(twice / (float64(int64(1)<<addLeftShift) * so))
	if err != nil {
		return format.Op{}, c.unsupported(idx, "output rescale: %v", err)
	}
	return format.Op{Code: format.OpCumSum, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]},
		Params: &format.CumSumParams{
			Axis: axes[0], Exclusive: opts.Exclusive, Reverse: opts.Reverse,
			InputOffset: -z, OutputOffset: zo, LeftShift: addLeftShift,
			InputMultiplier: mi, InputShift: si, OutputMultiplier: mo, OutputShift: sho,
			ActMin: -128, ActMax: 127,
		}}, nil
}

// convertResizeBilinear: int8 RESIZE_BILINEAR interpolates raw stored
// values (TFLite Micro does not rescale); the size operand must be a
// constant int32 [2] equal to the output's height and width.
func convertResizeBilinear(c *converter, idx int, op *Operator) (format.Op, error) {
	var opts ResizeBilinearOptions
	switch o := op.Options.(type) {
	case nil:
	case *ResizeBilinearOptions:
		opts = *o
	default:
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "options of type %T", op.Options)
	}
	if err := c.noUint8(idx, op, "the interpolation's rounding is not invariant under edgerun's uint8 shift"); err != nil {
		return format.Op{}, err
	}
	ts, err := c.operands(idx, op, 2, 1)
	if err != nil {
		return format.Op{}, err
	}
	if ts[0].DType != format.DTypeInt8 || ts[2].DType != format.DTypeInt8 {
		return format.Op{}, c.unsupported(idx, "input %s, output %s; edgerun runs int8", ts[0].DType, ts[2].DType)
	}
	if opts.AlignCorners && opts.HalfPixelCenters {
		return format.Op{}, c.unsupported(idx, "align_corners with half_pixel_centers")
	}
	out := ts[2]
	if len(out.Shape) != 4 || len(ts[0].Shape) != 4 {
		return format.Op{}, format.Malformed(c.opPath(idx), "input shape %v, output shape %v: want 4-D", ts[0].Shape, out.Shape)
	}
	if !c.isConstant(op.Inputs[1]) {
		return format.Op{}, c.unsupported(idx, "the size is not a constant")
	}
	size, err := c.constInts(op.Inputs[1])
	if err != nil {
		return format.Op{}, err
	}
	if len(size) != 2 || size[0] != int64(out.Shape[1]) || size[1] != int64(out.Shape[2]) {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / size", "%v differs from the output shape %v", size, out.Shape)
	}
	return format.Op{Code: format.OpResizeBilinear, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]},
		Params: &format.ResizeBilinearParams{AlignCorners: opts.AlignCorners, HalfPixelCenters: opts.HalfPixelCenters}}, nil
}

// logSoftmaxDiffBits is kScaledDiffIntegerBits of TFLite Micro's int8
// LOG_SOFTMAX.
const logSoftmaxDiffBits = 5

// convertLogSoftmax follows TFLite Micro's int8 LOG_SOFTMAX prepare: the
// output must be scale 16/256, zero point 127; beta 1;
// PreprocessLogSoftmaxScalingExp with 5 integer bits; diff_min from
// CalculateInputRadius.
func convertLogSoftmax(c *converter, idx int, op *Operator) (format.Op, error) {
	if _, err := c.operands(idx, op, 1, 1); err != nil {
		return format.Op{}, err
	}
	in, s, _, err := c.quantized(op.Inputs[0])
	if err != nil {
		return format.Op{}, err
	}
	out, _, zo, err := c.quantized(op.Outputs[0])
	if err != nil {
		return format.Op{}, err
	}
	if out.Scale[0] != 16.0/256 || zo != 127 {
		return format.Op{}, c.unsupported(idx, "int8 output needs scale 16/256 and zero point 127, has %v and %d", out.Scale[0], zo)
	}
	if !poolShapeEqual(in.Shape, out.Shape) || len(in.Shape) < 1 {
		return format.Op{}, format.Malformed(c.opPath(idx), "input shape %v, output shape %v", in.Shape, out.Shape)
	}
	m, sh, rm, rs, err := dyadic.PreprocessLogSoftmaxScalingExp(1, s, logSoftmaxDiffBits)
	if err != nil {
		return format.Op{}, c.unsupported(idx, "input scale %v: %v", s, err)
	}
	if sh > 31 {
		return format.Op{}, c.unsupported(idx, "input scale %v needs a left shift of %d", s, sh)
	}
	return format.Op{Code: format.OpLogSoftmax, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]},
		Params: &format.LogSoftmaxParams{
			InputMultiplier: m, InputLeftShift: sh, ReverseMultiplier: rm, ReverseShift: rs,
			DiffMin: -dyadic.CalculateInputRadius(logSoftmaxDiffBits, sh, 31),
		}}, nil
}

// convertBatchMatMul follows TFLite Micro's BATCH_MATMUL prepare for int8
// and int16: one multiplier lhs_scale·rhs_scale/output_scale (double,
// QuantizeMultiplier), the operands' zero points as offsets (int16: all
// zero), no activation (the type's full range).
func convertBatchMatMul(c *converter, idx int, op *Operator) (format.Op, error) {
	var opts BatchMatMulOptions
	switch o := op.Options.(type) {
	case nil:
	case *BatchMatMulOptions:
		opts = *o
	default:
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "options of type %T", op.Options)
	}
	ts, err := c.operands(idx, op, 2, 1)
	if err != nil {
		return format.Op{}, err
	}
	dt := ts[0].DType
	if (dt != format.DTypeInt8 && dt != format.DTypeInt16) || ts[1].DType != dt || ts[2].DType != dt {
		return format.Op{}, c.unsupported(idx, "operands %s, %s -> %s; edgerun runs int8 or int16", ts[0].DType, ts[1].DType, ts[2].DType)
	}
	var s [3]float64
	var z [3]int32
	for i, t := range ts {
		if len(t.Scale) != 1 || len(t.ZeroPoint) != 1 {
			return format.Op{}, c.unsupported(idx, "operand %d needs per-tensor quantization", i)
		}
		s[i], z[i] = float64(t.Scale[0]), t.ZeroPoint[0]
		if dt == format.DTypeInt16 && z[i] != 0 {
			return format.Op{}, c.unsupported(idx, "int16 operand %d has zero point %d (TFLite requires 0)", i, z[i])
		}
	}
	r := s[0] * s[1] / s[2]
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return format.Op{}, c.unsupported(idx, "output rescale %v", r)
	}
	m, sh := dyadic.QuantizeMultiplier(r)
	lo, hi := int32(math.MinInt8), int32(math.MaxInt8)
	maxShift := int32(30)
	if dt == format.DTypeInt16 {
		lo, hi, maxShift = math.MinInt16, math.MaxInt16, 7
	}
	if sh > maxShift {
		return format.Op{}, c.unsupported(idx, "output rescale %v needs a left shift of %d", r, sh)
	}
	return format.Op{Code: format.OpBatchMatMul, Inputs: []int32{op.Inputs[0], op.Inputs[1]}, Outputs: []int32{op.Outputs[0]},
		Params: &format.BatchMatMulParams{
			AdjX: opts.AdjX, AdjY: opts.AdjY,
			LhsOffset: -z[0], RhsOffset: -z[1], OutputOffset: z[2],
			OutputMultiplier: m, OutputShift: sh, ActMin: lo, ActMax: hi,
		}}, nil
}

// floatCastInput admits the float32 input of a CAST to int8, int16 or
// int32 when it is a graph input: it stays a float32 tensor (its bytes are
// set by the caller, Interpreter.SetInputFloat32 copies them) and the CAST
// kernel truncates toward zero as TFLite's static_cast does, on the IEEE
// bits with integer arithmetic only. A float32 tensor anywhere else is
// unsupported, as before.
func (c *converter) floatCastInput(idx int, in int32, outType TensorType, inputs []format.IO) error {
	if outType != TypeInt8 && outType != TypeInt16 && outType != TypeInt32 {
		return c.unsupported(idx, "CAST from float32 to %s (edgerun casts float32 graph inputs to int8, int16 or int32)", outType)
	}
	// A graph input still (not already replaced by a QUANTIZE boundary).
	isInput := false
	for _, io := range inputs {
		isInput = isInput || io.Tensor == in
	}
	if !isInput {
		return c.unsupported(idx, "CAST from a float32 tensor that is not a graph input (edgerun's graph is integer)")
	}
	if !c.ok[in] {
		st := &c.sg.Tensors[in]
		if len(c.src.Buffers[st.Buffer].Data) > 0 {
			return c.unsupported(idx, "CAST from a float32 constant")
		}
		c.tensors[in] = format.Tensor{Name: st.Name, DType: format.DTypeFloat32, Shape: append([]int32(nil), st.Shape...), ArenaOffset: -1}
		c.ok[in] = true
	}
	return nil
}

// castBoundary turns a CAST from an unquantized int8 (or int16) tensor to
// a float32 graph output into a Float output: the tensor gets scale 1 and
// zero point 0, so the runtime's float32 helper returns float32(x) exactly as
// TFLite's static_cast does. Other CASTs are not boundaries (done false);
// a CAST from a float32 graph input stays an op (floatCastInput).
func (c *converter) castBoundary(idx int, op *Operator, inputs, outputs []format.IO) (done bool, err error) {
	if len(op.Inputs) != 1 || len(op.Outputs) != 1 || op.Inputs[0] < 0 || op.Outputs[0] < 0 ||
		int(op.Inputs[0]) >= len(c.sg.Tensors) || int(op.Outputs[0]) >= len(c.sg.Tensors) {
		return false, nil // convertCast reports it
	}
	in, out := op.Inputs[0], op.Outputs[0]
	inType, outType := c.sg.Tensors[in].Type, c.sg.Tensors[out].Type
	if inType == TypeFloat32 {
		return false, c.floatCastInput(idx, in, outType, inputs)
	}
	if outType != TypeFloat32 {
		return false, nil
	}
	if !poolShapeEqual(c.sg.Tensors[in].Shape, c.sg.Tensors[out].Shape) {
		return false, format.Malformed(c.opPath(idx), "input shape %v and output shape %v differ", c.sg.Tensors[in].Shape, c.sg.Tensors[out].Shape)
	}
	ft, err := c.tensor(in)
	if err != nil {
		return false, err
	}
	if (ft.DType != format.DTypeInt8 && ft.DType != format.DTypeInt16) || len(ft.Scale) != 0 {
		return false, c.unsupported(idx, "CAST to float32 from %s (quantized: %v); edgerun casts unquantized int8 or int16 at a graph output", ft.DType, len(ft.Scale) != 0)
	}
	for i := range outputs {
		if outputs[i].Tensor == out {
			ft.Scale, ft.ZeroPoint = []float32{1}, []int32{0}
			outputs[i] = format.IO{Tensor: in, Float: true}
			return true, nil
		}
	}
	return false, c.unsupported(idx, "float32 output inside the graph (only a graph output may be float)")
}

// squaredDifference16 follows TFLite Micro's int16 SQUARED_DIFFERENCE
// prepare: zero points 0, left shift 0, the inputs brought to twice the
// larger scale (QuantizeMultiplierSmallerThanOneExp), the square rescaled
// by (2·max)²/output scale (QuantizeMultiplier), clamped to int16.
func (c *converter) squaredDifference16(idx int, op *Operator) (format.Op, error) {
	ts, err := c.operands(idx, op, 2, 1)
	if err != nil {
		return format.Op{}, err
	}
	var s [3]float64
	for i, t := range ts {
		if t.DType != format.DTypeInt16 {
			return format.Op{}, c.unsupported(idx, "operand %d is %s; int16 SQUARED_DIFFERENCE takes int16 throughout", i, t.DType)
		}
		if len(t.Scale) != 1 || t.ZeroPoint[0] != 0 {
			return format.Op{}, c.unsupported(idx, "operand %d needs per-tensor quantization with zero point 0", i)
		}
		s[i] = float64(t.Scale[0])
	}
	twiceMax := 2 * math.Max(s[0], s[1])
	p := &format.ScaledPairParams{ActMin: math.MinInt16, ActMax: math.MaxInt16}
	var err1, err2 error
	p.Input1Multiplier, p.Input1Shift, err1 = dyadic.QuantizeMultiplierSmallerThanOneExp(s[0] / twiceMax)
	p.Input2Multiplier, p.Input2Shift, err2 = dyadic.QuantizeMultiplierSmallerThanOneExp(s[1] / twiceMax)
	if err1 != nil || err2 != nil {
		return format.Op{}, c.unsupported(idx, "input rescale: %v %v", err1, err2)
	}
	r := twiceMax * twiceMax / float64(float32(1)*float32(s[2]))
	p.OutputMultiplier, p.OutputShift = dyadic.QuantizeMultiplier(r)
	if math.IsInf(r, 0) || math.IsNaN(r) || p.OutputShift > 0 {
		return format.Op{}, c.unsupported(idx, "output rescale %v (left shift %d) would overflow the int32 square", r, p.OutputShift)
	}
	return format.Op{Code: format.OpSquaredDifference, Inputs: []int32{op.Inputs[0], op.Inputs[1]}, Outputs: []int32{op.Outputs[0]}, Params: p}, nil
}

// keptElements checks that out has as many elements as in keeps after
// reducing axes (the kernels write them in row-major order, whatever out's
// declared shape).
func (c *converter) keptElements(idx int, in *format.Tensor, axes []int32, out *format.Tensor) error {
	kept := int64(1)
	for d, s := range in.Shape {
		reduced := false
		for _, a := range axes {
			reduced = reduced || int(a) == d
		}
		if !reduced {
			kept *= int64(s)
		}
	}
	if kept != out.NumElements() {
		return format.Malformed(c.opPath(idx), "output shape %v has %d elements, reducing %v over axes %v keeps %d", out.Shape, out.NumElements(), in.Shape, axes, kept)
	}
	return nil
}

// noUint8 refuses an op with a uint8 operand where edgerun's lossless
// uint8 → int8 shift would change the result (why says how).
func (c *converter) noUint8(idx int, op *Operator, why string) error {
	for _, t := range append(append([]int32(nil), op.Inputs...), op.Outputs...) {
		if t >= 0 && int(t) < len(c.sg.Tensors) && c.sg.Tensors[t].Type == TypeUInt8 {
			return c.unsupported(idx, "uint8 operand (%s)", why)
		}
	}
	return nil
}

// sumInt16 follows TFLite Micro's int16 SUM: zero points 0, the int32 sum
// of each group rescaled by input/output scale (QuantizeMultiplier,
// double), clamped to int16. The axes are a constant int32 tensor.
func (c *converter) sumInt16(idx int, op *Operator) (format.Op, error) {
	keep, err := c.reducerKeepDims(idx, op)
	if err != nil {
		return format.Op{}, err
	}
	ts, err := c.operands(idx, op, 2, 1)
	if err != nil {
		return format.Op{}, err
	}
	in, out := ts[0], ts[2]
	if out.DType != format.DTypeInt16 || ts[1].DType != format.DTypeInt32 {
		return format.Op{}, c.unsupported(idx, "int16 SUM with a %s output and %s axes", out.DType, ts[1].DType)
	}
	for i, t := range []*format.Tensor{in, out} {
		if len(t.Scale) != 1 || t.ZeroPoint[0] != 0 {
			return format.Op{}, c.unsupported(idx, "operand %d needs per-tensor quantization with zero point 0", i)
		}
	}
	axes, err := c.constAxes(idx, op.Inputs[1], len(in.Shape))
	if err != nil {
		return format.Op{}, err
	}
	if err := c.keptElements(idx, in, axes, out); err != nil {
		return format.Op{}, err
	}
	m, sh := dyadic.QuantizeMultiplier(float64(in.Scale[0]) / float64(out.Scale[0]))
	if sh > 30 {
		return format.Op{}, c.unsupported(idx, "sum rescale needs a left shift of %d (TFLite's 1 << shift overflows)", sh)
	}
	return format.Op{Code: format.OpSum, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]},
		Params: &format.ReduceParams{Axes: axes, KeepDims: keep, Multiplier: m, Shift: sh}}, nil
}
