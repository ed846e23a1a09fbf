package tflite

import (
	"fmt"
	"math"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// Table ops: LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, RELU, RELU6,
// RELU_N1_TO_1 and integer QUANTIZE. Each maps one int8 input value to one
// int8 output value, so the conversion runs TensorFlow Lite Micro's integer
// reference computation (with the parameters its prepare functions derive,
// float rounding included) on all 256 inputs and stores the results in a
// format.TableParams. The kernel then only indexes the table, which is
// bit-exact by construction.
//
// Where TFLM's computation is undefined behaviour in C++ for a parameter
// (a shift by a negative or too large count, an out-of-range float to int
// conversion), the result differs between compilers and targets, so these
// conversions refuse the model with an UnsupportedOpError rather than
// guess. All such cases need absurd scales (below 2^-28 or above 2^30 or
// so). Plain int32 overflow in a multiplication is taken to wrap, as it does
// in every build TFLM ships.

// tableIO is a validated one-input, one-output table op: source tensor
// indices and per-tensor quantization (scales kept as the float32 the file
// stores, since TFLM's prepare code mixes float32 and double arithmetic).
type tableIO struct {
	in, out           int32
	inScale, outScale float32
	// inZP and outZP are the zero points in the int8 domain (a uint8
	// tensor's zero point already shifted by -128, see converter.tensor).
	inZP, outZP     int32
	inType, outType TensorType
}

// tableOperands checks that op has exactly one input and one output, both
// per-tensor quantized 8-bit tensors, and returns them. Source uint8 tensors
// are allowed only where allowUint8 is set (QUANTIZE): TFLM's other table
// kernels have no uint8 path.
func (c *converter) tableOperands(idx int, op *Operator, allowUint8 bool) (tableIO, error) {
	path := c.opPath(idx)
	code := c.src.OperatorCodes[op.OpcodeIndex]
	if len(op.Inputs) != 1 || len(op.Outputs) != 1 {
		return tableIO{}, format.Malformed(path, "has %d inputs and %d outputs, want 1 and 1", len(op.Inputs), len(op.Outputs))
	}
	if op.Inputs[0] < 0 {
		return tableIO{}, format.Malformed(path+" / input 0", "required input is absent")
	}
	t := tableIO{in: op.Inputs[0], out: op.Outputs[0]}
	for _, side := range []struct {
		what  string
		idx   int32
		typ   *TensorType
		scale *float32
		zp    *int32
	}{
		{"input 0", t.in, &t.inType, &t.inScale, &t.inZP},
		{"output 0", t.out, &t.outType, &t.outScale, &t.outZP},
	} {
		if side.idx < 0 || int(side.idx) >= len(c.sg.Tensors) {
			return tableIO{}, format.Malformed(path+" / "+side.what, "tensor index %d out of range", side.idx)
		}
		*side.typ = c.sg.Tensors[side.idx].Type
		switch *side.typ {
		case TypeInt8:
		case TypeUInt8:
			if !allowUint8 {
				return tableIO{}, &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: idx,
					Reason: fmt.Sprintf("%s is uint8; TFLite Micro's %s kernel takes int8 only", side.what, code.Name())}
			}
		default:
			return tableIO{}, &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: idx,
				Reason: fmt.Sprintf("%s is %s; edgerun runs this op on int8 tensors", side.what, *side.typ)}
		}
		ft, _, zp, err := c.quantized(side.idx)
		if err != nil {
			return tableIO{}, c.atOperand(idx, side.what, err)
		}
		if len(ft.Scale) != 1 {
			return tableIO{}, &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: idx,
				Reason: fmt.Sprintf("%s has %d scales; this op needs per-tensor quantization", side.what, len(ft.Scale))}
		}
		*side.scale, *side.zp = ft.Scale[0], zp
	}
	return t, nil
}

// buildTable runs f on every int8 input and wraps the results as a table op.
func buildTable(code format.OpCode, t tableIO, f func(x int32) int8) format.Op {
	table := make([]int8, 256)
	for x := int32(-128); x <= 127; x++ {
		table[x+128] = f(x)
	}
	return format.Op{Code: code, Inputs: []int32{t.in}, Outputs: []int32{t.out},
		Params: &format.TableParams{Table: table}}
}

// tableClamp saturates v to the int8 range.
func tableClamp(v int32) int8 { return int8(min(max(v, math.MinInt8), math.MaxInt8)) }

// tableUnsupported builds the UnsupportedOpError of op idx.
func (c *converter) tableUnsupported(idx int, op *Operator, reason string, args ...any) error {
	code := c.src.OperatorCodes[op.OpcodeIndex]
	return &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: idx, Reason: fmt.Sprintf(reason, args...)}
}

// tableMultiplier is dyadic.QuantizeMultiplier for a real multiplier
// that TFLM applies with MultiplyByQuantizedMultiplier. It refuses a
// non-finite real (TFLM's frexp/round are undefined there) and a left shift
// above 31 (TFLM computes 1 << shift in int, undefined from 32 on).
func (c *converter) tableMultiplier(idx int, op *Operator, what string, real float64) (int32, int32, error) {
	if math.IsNaN(real) || math.IsInf(real, 0) {
		return 0, 0, c.tableUnsupported(idx, op, "%s multiplier is %v", what, real)
	}
	m, shift := dyadic.QuantizeMultiplier(real)
	if shift > 31 {
		return 0, 0, c.tableUnsupported(idx, op, "%s multiplier %g needs a left shift of %d (TFLite's 1 << shift is undefined beyond 31)", what, real, shift)
	}
	return m, shift, nil
}

// ---- LOGISTIC and TANH -----------------------------------------------------

// sigmoidParams are TFLM's int8 LOGISTIC / TANH prepare results: the input
// difference (x - zp) is mapped to gemmlowp Q4.27 by a multiplier with
// 4 integer bits, and differences at or beyond ±radius saturate the output
// without evaluating the function.
type sigmoidParams struct {
	zp, radius, mult, shift int32
}

// sigmoidInputIntegerBits is kInputIntegerBits of TFLM's int8 LOGISTIC and
// TANH.
const sigmoidInputIntegerBits = 4

// newSigmoidParams derives the parameters as TFLM's
// CalculateArithmeticOpDataLogistic and tanh.cc's CalculateArithmeticOpData
// do: real = scale · 2^27 in double, frexp, mantissa·2^31 rounded half away
// from zero, radius = CalculateInputRadius(4, shift, 31). TFLM does not
// apply QuantizeMultiplier's mantissa-overflow fix-up or its flush to zero,
// but for a float32 scale real has a 24-bit mantissa, so the rounding is
// exact (the mantissa can never round up to 2^31) and, for the shifts
// accepted here, dyadic.QuantizeMultiplier gives the same pair. A negative
// shift (scale < 2^-28) makes TFLM shift by a negative count in
// CalculateInputRadius, and a shift ≥ 63 (scale ≥ 2^36) overflows its
// 1LL << shift: both are refused.
func (c *converter) newSigmoidParams(idx int, op *Operator, scale float32, zp int32) (sigmoidParams, error) {
	real := float64(scale) * (1 << (31 - sigmoidInputIntegerBits))
	mult, shift := dyadic.QuantizeMultiplier(real)
	if real < 0.5 || shift < 0 {
		return sigmoidParams{}, c.tableUnsupported(idx, op, "input scale %g is below 2^-28: TFLite's input radius computation shifts by a negative count (undefined)", scale)
	}
	if shift >= 63 {
		return sigmoidParams{}, c.tableUnsupported(idx, op, "input scale %g is 2^36 or more: TFLite's input radius computation overflows", scale)
	}
	return sigmoidParams{zp: zp, mult: mult, shift: shift,
		radius: dyadic.CalculateInputRadius(sigmoidInputIntegerBits, shift, 31)}, nil
}

// inputQ4 returns, for input x, whether the difference saturates low (-1) or
// high (+1), or 0 and the difference rescaled to Q4.27.
func (p sigmoidParams) inputQ4(x int32) (sat int, q4 int32) {
	d := x - p.zp
	if d <= -p.radius { // checked first: with radius 0, d = 0 saturates low, as in TFLM
		return -1, 0
	}
	if d >= p.radius {
		return 1, 0
	}
	return 0, dyadic.MultiplyByQuantizedMultiplier(d, p.mult, p.shift)
}

// logisticValue is reference_integer_ops::Logistic for one int8 value:
// gemmlowp's logistic on Q4.27 gives Q0.31, which is rounded to 2^-8 units
// (RoundingDivideByPOT by 23) and offset by the fixed output zero point
// -128. The output scale is assumed to be 1/256; TFLM does not check it.
func logisticValue(p sigmoidParams, x int32) int8 {
	sat, q4 := p.inputQ4(x)
	switch sat {
	case -1:
		return math.MinInt8
	case 1:
		return math.MaxInt8
	}
	q0 := dyadic.Logistic(q4, sigmoidInputIntegerBits)
	return tableClamp(dyadic.RoundingDivideByPOT(q0, 31-8) - 128)
}

// tanhValue is reference_integer_ops::Tanh for one int8 value: gemmlowp's
// tanh on Q4.27 gives Q0.31, rounded to 2^-7 units (RoundingDivideByPOT by
// 24) with no output offset. The output quantization is assumed to be scale
// 1/128, zero point 0; TFLM checks neither.
func tanhValue(p sigmoidParams, x int32) int8 {
	sat, q4 := p.inputQ4(x)
	switch sat {
	case -1:
		return math.MinInt8
	case 1:
		return math.MaxInt8
	}
	q0 := dyadic.Tanh(q4, sigmoidInputIntegerBits)
	return tableClamp(dyadic.RoundingDivideByPOT(q0, 31-7))
}

// convertLogistic: TFLM requires the output zero point to be -128 (its
// prepare fails otherwise) and ignores the output scale.
func convertLogistic(c *converter, idx int, op *Operator) (format.Op, error) {
	if c.usesInt16(op) {
		return convertLogistic16(c, idx, op)
	}
	t, err := c.tableOperands(idx, op, false)
	if err != nil {
		return format.Op{}, err
	}
	if t.outZP != -128 {
		return format.Op{}, c.tableUnsupported(idx, op, "output zero point %d; TFLite Micro's int8 LOGISTIC requires -128", t.outZP)
	}
	p, err := c.newSigmoidParams(idx, op, t.inScale, t.inZP)
	if err != nil {
		return format.Op{}, err
	}
	return buildTable(format.OpLogistic, t, func(x int32) int8 { return logisticValue(p, x) }), nil
}

// convertTanh: TFLM ignores the output quantization (see tanhValue).
func convertTanh(c *converter, idx int, op *Operator) (format.Op, error) {
	if c.usesInt16(op) {
		return convertTanh16(c, idx, op)
	}
	t, err := c.tableOperands(idx, op, false)
	if err != nil {
		return format.Op{}, err
	}
	p, err := c.newSigmoidParams(idx, op, t.inScale, t.inZP)
	if err != nil {
		return format.Op{}, err
	}
	return buildTable(format.OpTanh, t, func(x int32) int8 { return tanhValue(p, x) }), nil
}

// ---- HARD_SWISH ----------------------------------------------------------

// hardSwishParams are TFLite's HardSwishParams for int8: Q0.15 multipliers
// with power-of-two exponents for the output rescale and for the "reluish"
// rescale that maps the input range [-3, 3] onto int16 [-32768, 32767].
type hardSwishParams struct {
	inZP, outZP         int32
	outMult, reluMult   int16
	outShift, reluShift int32
}

// newHardSwishParams mirrors TFLM's HardSwishPrepare: everything in float32
// (hires input scale = input scale / 128, reluish scale = 3 / 32768, both
// ratios divided in float32) before widening to double for
// QuantizeMultiplier, whose Q0.31 result is rounded to Q0.15 by
// DownScaleInt32ToInt16Multiplier. TFLM rejects a positive output exponent.
// A reluish exponent above 31 would make TFLM's SaturatingLeftShift compute
// 1 << 31 or more in int (undefined) and is refused.
func (c *converter) newHardSwishParams(idx int, op *Operator, t tableIO) (hardSwishParams, error) {
	hiresInputScale := float32(1.0/128.0) * t.inScale
	reluishScale := float32(3.0) / float32(32768.0)
	outReal := float64(hiresInputScale / t.outScale)
	reluReal := float64(hiresInputScale / reluishScale)
	if math.IsInf(outReal, 0) || math.IsInf(reluReal, 0) || math.IsNaN(outReal) || math.IsNaN(reluReal) {
		return hardSwishParams{}, c.tableUnsupported(idx, op, "scales give non-finite multipliers (%v, %v)", outReal, reluReal)
	}
	om, oe := dyadic.QuantizeMultiplier(outReal)
	if oe > 0 {
		return hardSwishParams{}, c.tableUnsupported(idx, op,
			"output multiplier %g (input scale / 128 / output scale) has exponent %d; TFLite Micro's HARD_SWISH requires ≤ 0", outReal, oe)
	}
	rm, re := dyadic.QuantizeMultiplier(reluReal)
	if re > 31 {
		return hardSwishParams{}, c.tableUnsupported(idx, op, "input scale %g too large: reluish exponent %d overflows TFLite's int shift", t.inScale, re)
	}
	return hardSwishParams{
		inZP: t.inZP, outZP: t.outZP,
		outMult: dyadic.DownScaleInt32ToInt16Multiplier(om), outShift: oe,
		reluMult: dyadic.DownScaleInt32ToInt16Multiplier(rm), reluShift: re,
	}, nil
}

// hardSwishValue is reference_ops::HardSwish (the quantized template) for
// one int8 value, keeping every intermediate in int16 as TFLite does (Go's
// int16 arithmetic wraps exactly like C++'s conversion back to int16_t):
//
//	hires    = (x - inZP) · 2^7                       (fits: |x - zp| ≤ 255)
//	preshift = SRDHM16(hires, outMult)                 (≈ x on the output scale)
//	reluish  = hires rescaled by reluMult·2^reluShift, saturating, in [-1, 1)
//	reluish  = (reluish + 2^15) >> 1                   (now in [0, 1))
//	out      = RoundingDivideByPOT16(SDHM16(reluish, preshift), -outShift) + outZP
//
// where the left shift of the reluish rescale is split as in TFLite: all but
// one bit before the multiply (saturating, never affecting the result) and
// the last bit after it (where saturation takes effect).
func hardSwishValue(p hardSwishParams, x int32) int8 {
	inputValue := int16(x - p.inZP)
	hires := inputValue * (1 << 7)
	preshiftOutput := dyadic.SaturatingRoundingDoublingHighMulInt16(hires, p.outMult)
	reluish := hires
	if p.reluShift > 0 {
		reluish = dyadic.SaturatingLeftShiftInt16(reluish, int(p.reluShift-1))
	}
	reluish = dyadic.SaturatingRoundingDoublingHighMulInt16(reluish, p.reluMult)
	if p.reluShift > 0 {
		reluish = dyadic.SaturatingLeftShiftInt16(reluish, 1)
	}
	if p.reluShift < 0 {
		reluish = dyadic.RoundingDivideByPOTInt16(reluish, int(-p.reluShift))
	}
	reluish = int16((int32(reluish) + 1<<15) >> 1)
	preshift := dyadic.SaturatingDoublingHighMulInt16(reluish, preshiftOutput)
	out := dyadic.RoundingDivideByPOTInt16(preshift, int(-p.outShift))
	out = int16(int32(out) + p.outZP) // int16_t += int32: wraps like C++
	return int8(min(max(out, math.MinInt8), math.MaxInt8))
}

func convertHardSwish(c *converter, idx int, op *Operator) (format.Op, error) {
	t, err := c.tableOperands(idx, op, false)
	if err != nil {
		return format.Op{}, err
	}
	p, err := c.newHardSwishParams(idx, op, t)
	if err != nil {
		return format.Op{}, err
	}
	return buildTable(format.OpHardSwish, t, func(x int32) int8 { return hardSwishValue(p, x) }), nil
}

// ---- LEAKY_RELU ----------------------------------------------------------

// leakyReluParams are TFLM's LeakyReluOpData for int8.
type leakyReluParams struct {
	inZP, outZP                 int32
	alphaMult, alphaShift       int32
	identityMult, identityShift int32
}

// leakyReluValue is reference_ops::QuantizeLeakyRelu for one value: the
// difference x - inZP goes through the identity multiplier when ≥ 0 and the
// alpha multiplier when < 0 (MultiplyByQuantizedMultiplier, double
// rounding), then the output zero point is added and the result clamped.
func leakyReluValue(p leakyReluParams, x int32) int8 {
	d := x - p.inZP
	var v int32
	if d >= 0 {
		v = dyadic.MultiplyByQuantizedMultiplier(d, p.identityMult, p.identityShift)
	} else {
		v = dyadic.MultiplyByQuantizedMultiplier(d, p.alphaMult, p.alphaShift)
	}
	return tableClamp(p.outZP + v)
}

// convertLeakyRelu mirrors TFLM's CalculateOpDataLeakyRelu: both real
// multipliers are computed in float32 (input scale · alpha / output scale
// and input scale / output scale) and widened to double for
// QuantizeMultiplier. A negative alpha gives a negative multiplier, which
// the arithmetic handles; absent options mean alpha = 0 as in TFLM.
func convertLeakyRelu(c *converter, idx int, op *Operator) (format.Op, error) {
	if c.usesInt16(op) {
		return convertLeakyRelu16(c, idx, op)
	}
	t, err := c.tableOperands(idx, op, false)
	if err != nil {
		return format.Op{}, err
	}
	var alpha float32
	switch o := op.Options.(type) {
	case nil:
	case *LeakyReluOptions:
		alpha = o.Alpha
	default:
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "are %T, want LeakyReluOptions", op.Options)
	}
	if math.IsNaN(float64(alpha)) || math.IsInf(float64(alpha), 0) {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options / alpha", "is %v, want a finite number", alpha)
	}
	p := leakyReluParams{inZP: t.inZP, outZP: t.outZP}
	if p.alphaMult, p.alphaShift, err = c.tableMultiplier(idx, op, "alpha", float64(t.inScale*alpha/t.outScale)); err != nil {
		return format.Op{}, err
	}
	if p.identityMult, p.identityShift, err = c.tableMultiplier(idx, op, "identity", float64(t.inScale/t.outScale)); err != nil {
		return format.Op{}, err
	}
	return buildTable(format.OpLeakyRelu, t, func(x int32) int8 { return leakyReluValue(p, x) }), nil
}

// ---- RELU, RELU_N1_TO_1, RELU6 -----------------------------------------

// reluParams are TFLite's ReluParams: a requantization from the input to the
// output quantization followed by a clamp to [lo, hi] (the activation
// bounds quantized on the output scale, within int8).
type reluParams struct {
	inZP, outZP int32
	mult, shift int32
	lo, hi      int32
}

// reluValue is ReluQuantized / reference_ops::ReluX for one value.
func reluValue(p reluParams, x int32) int8 {
	v := p.outZP + dyadic.MultiplyByQuantizedMultiplier(x-p.inZP, p.mult, p.shift)
	return int8(min(max(v, p.lo), p.hi))
}

// convertRelu mirrors TFLM's CalculateReluOpData: the multiplier is
// input scale / output scale divided in double (TFLite's own kernel divides
// in float32; TFLM is the reference here), the lower bound is
// max(-128, output zero point) and there is no upper bound below 127.
func convertRelu(c *converter, idx int, op *Operator) (format.Op, error) {
	if c.usesInt16(op) {
		return convertRelu16(c, idx, op)
	}
	t, err := c.tableOperands(idx, op, false)
	if err != nil {
		return format.Op{}, err
	}
	p := reluParams{inZP: t.inZP, outZP: t.outZP, lo: max(math.MinInt8, t.outZP), hi: math.MaxInt8}
	if p.mult, p.shift, err = c.tableMultiplier(idx, op, "requantization", float64(t.inScale)/float64(t.outScale)); err != nil {
		return format.Op{}, err
	}
	return buildTable(format.OpRelu, t, func(x int32) int8 { return reluValue(p, x) }), nil
}

// convertReluN1To1: TFLite Micro has no RELU_N1_TO_1 kernel, so this follows
// TFLite's (kernels/activations.cc): ReluPrepare's multiplier from the
// float32 ratio input scale / output scale, and QuantizedReluX(-1, 1), whose
// bounds zp + roundf(±1 / output scale), clamped to int8, are the fused
// activation range the converter already computes.
func convertReluN1To1(c *converter, idx int, op *Operator) (format.Op, error) {
	t, err := c.tableOperands(idx, op, false)
	if err != nil {
		return format.Op{}, err
	}
	for _, bound := range []float32{-1, 1} {
		if q := float64(bound / t.outScale); math.Abs(q) >= 1<<31 {
			return format.Op{}, c.tableUnsupported(idx, op, "output scale %g: ±1 / scale does not fit int32 (TFLite's conversion is undefined)", t.outScale)
		}
	}
	p := reluParams{inZP: t.inZP, outZP: t.outZP}
	if p.lo, p.hi, err = c.activationRange(ActReluN1To1, t.out); err != nil {
		return format.Op{}, err
	}
	if p.mult, p.shift, err = c.tableMultiplier(idx, op, "requantization", float64(t.inScale/t.outScale)); err != nil {
		return format.Op{}, err
	}
	return buildTable(format.OpReluN1To1, t, func(x int32) int8 { return reluValue(p, x) }), nil
}

// relu6Value is TFLM's Relu6Quantized: a clamp of the raw input to
// [zero, six] with no requantization.
func relu6Value(zero, six, x int32) int8 {
	switch {
	case x > six:
		return int8(six)
	case x < zero:
		return int8(zero)
	}
	return int8(x)
}

// convertRelu6 mirrors TFLM's Relu6Prepare, which works in the input's
// quantization alone: zero = input zero point, six =
// FloatToQuantizedType<int8>(6, input scale, input zero point) =
// clamp(round(6.0f / scale) + zp) with the division in float32 and rounding
// half away from zero. TFLM never reads the output quantization (TFLite's
// own kernel requantizes to it instead); converters emit RELU6 with equal
// input and output quantization, where the two agree. A quotient beyond the
// int32 range (scale < 2.8e-9) is an undefined conversion in TFLM and is
// refused.
func convertRelu6(c *converter, idx int, op *Operator) (format.Op, error) {
	if c.usesInt16(op) {
		return convertRelu616(c, idx, op)
	}
	t, err := c.tableOperands(idx, op, false)
	if err != nil {
		return format.Op{}, err
	}
	q := math.Round(float64(float32(6) / t.inScale))
	if q >= 1<<31 {
		return format.Op{}, c.tableUnsupported(idx, op, "input scale %g: 6 / scale does not fit int32 (TFLite Micro's conversion is undefined)", t.inScale)
	}
	zero, six := t.inZP, int32(min(max(q+float64(t.inZP), math.MinInt8), math.MaxInt8))
	return buildTable(format.OpRelu6, t, func(x int32) int8 { return relu6Value(zero, six, x) }), nil
}

// ---- QUANTIZE (integer requantization) ---------------------------------

// requantValue is reference_ops::Requantize for one value, in the int8
// domain (see convertQuantize).
func requantValue(mult, shift, inZP, outZP, x int32) int8 {
	return tableClamp(dyadic.MultiplyByQuantizedMultiplier(x-inZP, mult, shift) + outZP)
}

// convertQuantize handles QUANTIZE between 8-bit integer types (float32
// QUANTIZE at a graph input is a boundary, handled by Convert): int8→int8,
// uint8→int8 and int8→uint8, as TFLM's PrepareQuantizeReference and
// reference_ops::Requantize do it: effective scale = input scale / output
// scale in double, QuantizeMultiplier, then per value
// clamp(MultiplyByQuantizedMultiplier(x - inZP) + outZP) over the output
// type's range.
//
// uint8 tensors are stored shifted by -128 (value and zero point). The shift
// commutes with Requantize: x - inZP is the same difference in either
// domain, and clamp(v + outZP_u8, 0, 255) - 128 = clamp(v + outZP_u8 - 128,
// -128, 127), so computing in the int8 domain with the shifted zero points
// gives exactly the shifted uint8 result. Requantize's fast path for an
// exact unit scale with zero points 128 apart (x ^ 0x80) is the same value:
// the unit multiplier (2^30, shift 1) is exact. uint8→uint8 is not
// supported by TFLM.
func convertQuantize(c *converter, idx int, op *Operator) (format.Op, error) {
	if c.usesInt16(op) {
		return convertQuantize16(c, idx, op)
	}
	if fop, ok, err := c.convertQuantizeInt32(idx, op); ok {
		return fop, err
	}
	t, err := c.tableOperands(idx, op, true)
	if err != nil {
		return format.Op{}, err
	}
	if t.inType == TypeUInt8 && t.outType == TypeUInt8 {
		return format.Op{}, c.tableUnsupported(idx, op, "uint8 → uint8 (TFLite Micro requantizes int8↔int8, uint8→int8 and int8→uint8 only)")
	}
	mult, shift, err := c.tableMultiplier(idx, op, "effective", float64(t.inScale)/float64(t.outScale))
	if err != nil {
		return format.Op{}, err
	}
	return buildTable(format.OpQuantize, t, func(x int32) int8 { return requantValue(mult, shift, t.inZP, t.outZP, x) }), nil
}
