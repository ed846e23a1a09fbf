package ops

import (
	"math"
	"unsafe"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// Fixed-point formats of TFLite's int8 softmax (reference_ops::Softmax):
// the scaled input differences are Q5.26 and the sum of exponentials is
// accumulated in Q12.19.
const (
	softmaxDiffIntegerBits  = 5
	softmaxAccumIntegerBits = 12
)

// softmaxKernel is TFLite's int8 → int8 SOFTMAX over the last dimension
// (reference_ops::Softmax with the gemmlowp fixed-point exp), output scale
// 1/256 and zero point -128.
//
// Per row, TFLite computes for every input x with d = x - max(row) ≥
// diff_min the exponential e(d) = exp_on_negative_values(d · beta · scale
// in Q5.26) in Q0.31, sums Rescale<12>(e(d)) into a Q12.19 accumulator, takes
// its reciprocal with GetReciprocal, and outputs
// RoundingDivideByPOT(reciprocal · e(d), num_bits_over_unit + 23) - 128,
// clamped to int8; inputs with d < diff_min output -128. d only takes the
// 256 values -255..0, so prepare tabulates e(d) and its Q12.19 rescaling
// once (zero where d < diff_min, which yields exactly -128), and Eval is
// table lookups, one reciprocal per row and one multiply per element.
type softmaxKernel struct {
	in, out     int32
	rows, depth int
	// exp[i] is e(-i) in Q0.31 and acc[i] its Q12.19 rescaling, both 0 when
	// -i < diff_min.
	exp, acc [256]int32
	// outBits is the output's width: 8 (output - 128 in int8) or 16
	// (int16 output, - 32768).
	outBits int
	// impl runs the row reductions (asm.MinMaxInt8, asm.SumTable on sx,
	// acc prepared) and, for int8 rows with more elements than distinct
	// values, the output as a Lookup8 of a per-row table built in the
	// scratch memory (an asm.Table8): one multiply and shift per distinct
	// max - x rather than per element.
	impl *asm.Impl
	sx   *asm.SoftmaxExp
	// ox is exp prepared for asm.SoftmaxTable8 and asm.SoftmaxRows8.
	ox *asm.SoftmaxOutExp
	// short is set for int8 rows of at most asm.SoftmaxRowsMaxDepth
	// values: asm.SoftmaxRows8 takes them sixteen at a time where the
	// implementation has that kernel.
	short *asm.SoftmaxRows8
}

// ScratchBytes is the per-row output table of int8 outputs.
func (k *softmaxKernel) ScratchBytes() int {
	if k.outBits == 8 {
		return asm.Table8Bytes
	}
	return 0
}

func prepareSoftmax(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if inputIs(m, op, 0, format.DTypeInt16) {
		return prepareSoftmax16(m, op, path)
	}
	if err := wantCounts(op, path, 1, 1, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.SoftmaxParams](op, path)
	if err != nil {
		return nil, err
	}
	in, err := operand(m, op.Inputs, 0, "input", path, format.DTypeInt8)
	if err != nil {
		return nil, err
	}
	// The output is int8, or int16 (TFLM's int8 → int16 softmax, issue 13).
	outBits := 8
	outType := format.DTypeInt8
	if k := op.Outputs[0]; k >= 0 && int(k) < len(m.Tensors) && m.Tensors[k].DType == format.DTypeInt16 {
		outBits, outType = 16, format.DTypeInt16
	}
	out, err := operand(m, op.Outputs, 0, "output", path, outType)
	if err != nil {
		return nil, err
	}
	if len(in.Shape) < 1 {
		return nil, format.Malformed(path+" / input 0", "softmax needs at least one dimension")
	}
	if !sameShape(in.Shape, out.Shape) {
		return nil, format.Malformed(path, "input shape %v differs from output shape %v", in.Shape, out.Shape)
	}
	pp := path + " / params"
	// PreprocessSoftmaxScaling produces a QuantizeMultiplierGreaterThanOne
	// result: multiplier in [2^30, 2^31), left shift in [0, 31].
	if p.InputBetaMultiplier < 1<<30 {
		return nil, format.Malformed(pp, "input beta multiplier %d not in [2^30, 2^31)", p.InputBetaMultiplier)
	}
	if p.InputBetaLeftShift < 0 || p.InputBetaLeftShift > 31 {
		return nil, format.Malformed(pp, "input beta left shift %d not in [0, 31]", p.InputBetaLeftShift)
	}
	// diff_min = -CalculateInputRadius keeps d << left_shift inside int32;
	// anything below it would overflow, anything above 0 would exclude the
	// row maximum and leave an empty sum.
	radius := dyadic.CalculateInputRadius(softmaxDiffIntegerBits, p.InputBetaLeftShift, 31)
	if p.DiffMin > 0 || p.DiffMin < -radius {
		return nil, format.Malformed(pp, "diff_min %d not in [%d, 0]", p.DiffMin, -radius)
	}
	k := &softmaxKernel{in: op.Inputs[0], out: op.Outputs[0], outBits: outBits}
	k.depth = int(in.Shape[len(in.Shape)-1])
	if k.depth < 0 {
		return nil, format.Malformed(path+" / input 0", "negative dimension in shape %v", in.Shape)
	}
	if k.depth > 0 {
		k.rows = int(in.NumElements()) / k.depth
	}
	for i := range k.exp {
		d := int32(-i)
		if d < p.DiffMin {
			continue // exp and acc stay 0: output -128, nothing summed
		}
		scaled := dyadic.MultiplyByQuantizedMultiplierGreaterThanOne(d, p.InputBetaMultiplier, p.InputBetaLeftShift)
		e := dyadic.ExpOnNegativeValues(scaled, softmaxDiffIntegerBits)
		k.exp[i] = e
		k.acc[i] = dyadic.Rescale(e, 0, softmaxAccumIntegerBits)
	}
	if k.sx, err = asm.NewSoftmaxExp(&k.acc); err != nil {
		return nil, format.Malformed(pp, "%v", err) // cannot happen: acc <= 2^19
	}
	if k.ox, err = asm.NewSoftmaxOutExp(&k.exp); err != nil {
		return nil, format.Malformed(pp, "%v", err) // cannot happen: exp >= 0
	}
	k.impl = asm.Selected()
	if outBits == 8 && k.depth >= 1 && k.depth <= asm.SoftmaxRowsMaxDepth {
		k.short = asm.NewSoftmaxRows8(k.depth)
	}
	return k, nil
}

func (k *softmaxKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	depth := k.depth
	if depth == 0 {
		return
	}
	first := 0
	if k.short != nil {
		first = k.impl.SoftmaxRows8(out, in, k.rows, k.short, k.ox)
	}
	for r := first; r < k.rows; r++ {
		row := in[r*depth : (r+1)*depth]
		dst := out[r*depth : (r+1)*depth]
		lo, mx := k.impl.MinMaxInt8(row)
		top := int(mx)
		// The maximum contributes exp(0) = 2^19 in Q12.19, so sum > 0. TFLite
		// sums in int32; sums that would wrap (≥ 4096) are far past the
		// ones its kernel accepts (see softmaxScale), so clamping instead
		// changes no result TFLite produces.
		sum := k.impl.SumTable(row, mx, k.sx)
		recip, exponent := softmaxScale(int32(min(sum, math.MaxInt32)))
		if k.outBits == 16 {
			// TFLite's Softmax<int8_t, int16_t>: 16 output bits, offset
			// -32768.
			dst16 := Int16s(out)[r*depth : (r+1)*depth]
			for c, v := range row {
				prod := dyadic.SaturatingRoundingDoublingHighMul(recip, k.exp[top-int(v)])
				dst16[c] = int16(min(roundingShiftNonNegative(prod, exponent-8)-32768, 32767))
			}
			continue
		}
		if distinct := top - int(lo) + 1; depth <= distinct {
			for c, v := range row {
				dst[c] = asm.SoftmaxOut8(recip, k.exp[top-int(v)], exponent)
			}
			continue
		}
		// Each output byte depends only on max - x: tabulate the values
		// present ([lo, max]) and map the row through the table.
		lut := (*asm.Table8)(unsafe.Pointer(&env.Scratch[0]))
		k.impl.SoftmaxTable8(lut, k.ox, lo, mx, recip, exponent)
		k.impl.Lookup8(dst, row, lut)
	}
}

// softmaxScale returns TFLite's reciprocal of the Q12.19 sum (in Q0.31) and
// the right shift that turns reciprocal · exp into the Q0.8 output:
// num_bits_over_unit + 31 - 8. For sum ≥ 512 the shift exceeds 31, where
// TFLite's TFLITE_CHECK aborts; edgerun then keeps computing the exact
// rounded shift (giving 0, so output -128) rather than failing Invoke.
func softmaxScale(sum int32) (recip int32, exponent int) {
	recip, bitsOverUnit := dyadic.GetReciprocal(sum, softmaxAccumIntegerBits)
	return recip, bitsOverUnit + 31 - 8
}

// roundingShiftNonNegative is RoundingDivideByPOT for x ≥ 0 and any
// exponent in [0, 63]: x / 2^exponent rounded half up.
func roundingShiftNonNegative(x int32, exponent int) int32 {
	if exponent <= 31 {
		return dyadic.RoundingDivideByPOT(x, int32(exponent))
	}
	return int32((int64(x) + int64(1)<<(exponent-1)) >> exponent)
}
