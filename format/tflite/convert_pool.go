package tflite

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// Conversions of AVERAGE_POOL_2D, MAX_POOL_2D, MEAN and SOFTMAX. Every
// parameter is derived here exactly as TFLite's prepare code derives it
// (padding offsets, activation clamps, softmax multipliers, the mean's
// requantization), so the kernels stay integer-only.

func convertAveragePool2D(c *converter, idx int, op *Operator) (format.Op, error) {
	return convertPool(c, idx, op, format.OpAveragePool2D)
}

func convertMaxPool2D(c *converter, idx int, op *Operator) (format.Op, error) {
	return convertPool(c, idx, op, format.OpMaxPool2D)
}

// convertPool follows TFLite's pooling prepare: output size and padding from
// ComputePaddingHeightWidth (dilation 1), the fused activation's clamp on the
// output, and the requirement that input and output share quantization
// (scales within 1e-6, equal zero points), since the int8 kernels copy
// quantized values without rescaling.
func convertPool(c *converter, idx int, op *Operator, code format.OpCode) (format.Op, error) {
	path := c.opPath(idx)
	opts, ok := op.Options.(*Pool2DOptions)
	if !ok || opts == nil {
		return format.Op{}, format.Malformed(path, "missing Pool2DOptions")
	}
	if len(op.Inputs) != 1 || len(op.Outputs) != 1 || op.Inputs[0] < 0 {
		return format.Op{}, format.Malformed(path, "has %d inputs and %d outputs, want 1 and 1", len(op.Inputs), len(op.Outputs))
	}
	in, inScale, inZP, err := c.quantizedAny(op.Inputs[0])
	if err != nil {
		return format.Op{}, err
	}
	out, outScale, outZP, err := c.quantizedAny(op.Outputs[0])
	if err != nil {
		return format.Op{}, err
	}
	if in.DType != out.DType {
		return format.Op{}, format.Malformed(path, "input is %s, output %s", in.DType, out.DType)
	}
	if len(in.Shape) != 4 || len(out.Shape) != 4 {
		return format.Op{}, format.Malformed(path, "input shape %v and output shape %v must both be NHWC (rank 4)", in.Shape, out.Shape)
	}
	if math.Abs(inScale-outScale) > 1e-6 || inZP != outZP {
		return format.Op{}, c.poolUnsupported(idx, fmt.Sprintf("output quantization (scale %v, zero point %d) differs from the input's (scale %v, zero point %d)", outScale, outZP, inScale, inZP))
	}
	if opts.StrideH < 1 || opts.StrideW < 1 || opts.FilterHeight < 1 || opts.FilterWidth < 1 {
		return format.Op{}, format.Malformed(path, "stride %dx%d and filter %dx%d must be positive", opts.StrideH, opts.StrideW, opts.FilterHeight, opts.FilterWidth)
	}
	outH, padTop, err := poolGeometry(opts.Padding, in.Shape[1], opts.FilterHeight, opts.StrideH)
	if err != nil {
		return format.Op{}, format.Malformed(path, "height: %v", err)
	}
	outW, padLeft, err := poolGeometry(opts.Padding, in.Shape[2], opts.FilterWidth, opts.StrideW)
	if err != nil {
		return format.Op{}, format.Malformed(path, "width: %v", err)
	}
	want := []int32{in.Shape[0], outH, outW, in.Shape[3]}
	if !poolShapeEqual(out.Shape, want) {
		return format.Op{}, format.Malformed(path, "output shape %v, want %v for input %v", out.Shape, want, in.Shape)
	}
	lo, hi, err := c.activationRange(opts.FusedActivation, op.Outputs[0])
	if err != nil {
		return format.Op{}, err
	}
	return format.Op{
		Code:    code,
		Inputs:  []int32{op.Inputs[0]},
		Outputs: []int32{op.Outputs[0]},
		Params: &format.PoolParams{
			StrideH: opts.StrideH, StrideW: opts.StrideW,
			FilterH: opts.FilterHeight, FilterW: opts.FilterWidth,
			PadTop: padTop, PadLeft: padLeft,
			ActMin: lo, ActMax: hi,
		},
	}, nil
}

// poolGeometry is TFLite's ComputeOutSize and ComputePaddingWithOffset for
// one spatial axis with dilation 1: SAME gives ceil(in/stride) outputs,
// VALID gives (in - filter + stride)/stride (C division); the leading
// padding is half the total padding (max(0, (out-1)·stride + filter - in)),
// rounded down. Only the leading padding matters to pooling: the trailing
// side is clipped by the input bounds.
func poolGeometry(p Padding, in, filter, stride int32) (out, pad int32, err error) {
	var o int64
	switch p {
	case PaddingSame:
		o = (int64(in) + int64(stride) - 1) / int64(stride)
	case PaddingValid:
		o = (int64(in) + int64(stride) - int64(filter)) / int64(stride)
	default:
		return 0, 0, fmt.Errorf("unknown padding %d", p)
	}
	if o < 1 {
		return 0, 0, fmt.Errorf("filter %d does not fit input %d with %s padding", filter, in, poolPaddingName(p))
	}
	total := max((o-1)*int64(stride)+int64(filter)-int64(in), 0)
	if o > math.MaxInt32 || total/2 > math.MaxInt32 {
		return 0, 0, fmt.Errorf("output size %d or padding %d out of range", o, total/2)
	}
	return int32(o), int32(total / 2), nil
}

func poolPaddingName(p Padding) string {
	if p == PaddingSame {
		return "SAME"
	}
	return "VALID"
}

func poolShapeEqual(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// poolUnsupported reports op idx as a configuration edgerun (like TFLite's
// kernel) cannot run.
func (c *converter) poolUnsupported(idx int, reason string) error {
	code := c.src.OperatorCodes[c.sg.Operators[idx].OpcodeIndex]
	return &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: idx, Reason: reason}
}

// softmaxScaledDiffIntegerBits is kScaledDiffIntegerBits of TFLite's int8
// softmax: input differences are scaled into Q5.26.
const softmaxScaledDiffIntegerBits = 5

// convertSoftmax follows TFLite's int8 softmax prepare: the output must be
// int8 with zero point -128 and scale exactly 1/256; the beta·scale
// multiplier comes from PreprocessSoftmaxScaling with 5 integer bits and
// diff_min is -CalculateInputRadius(5, left shift).
func convertSoftmax(c *converter, idx int, op *Operator) (format.Op, error) {
	if len(op.Inputs) > 0 && op.Inputs[0] >= 0 && int(op.Inputs[0]) < len(c.sg.Tensors) && c.sg.Tensors[op.Inputs[0]].Type == TypeInt16 {
		return convertSoftmax16(c, idx, op)
	}
	path := c.opPath(idx)
	opts, ok := op.Options.(*SoftmaxOptions)
	if !ok || opts == nil {
		return format.Op{}, format.Malformed(path, "missing SoftmaxOptions")
	}
	if len(op.Inputs) != 1 || len(op.Outputs) != 1 || op.Inputs[0] < 0 {
		return format.Op{}, format.Malformed(path, "has %d inputs and %d outputs, want 1 and 1", len(op.Inputs), len(op.Outputs))
	}
	in, inScale, _, err := c.quantized(op.Inputs[0])
	if err != nil {
		return format.Op{}, err
	}
	out, err := c.softmaxOutput(idx, op)
	if err != nil {
		return format.Op{}, err
	}
	if len(in.Shape) < 1 {
		return format.Op{}, format.Malformed(path, "input must have at least one dimension")
	}
	if !poolShapeEqual(in.Shape, out.Shape) {
		return format.Op{}, format.Malformed(path, "output shape %v differs from input shape %v", out.Shape, in.Shape)
	}
	if math.IsNaN(float64(opts.Beta)) || math.IsInf(float64(opts.Beta), 0) {
		return format.Op{}, format.Malformed(path+" / options / beta", "is %v, want a finite number", opts.Beta)
	}
	mult, shift, err := dyadic.PreprocessSoftmaxScaling(float64(opts.Beta), inScale, softmaxScaledDiffIntegerBits)
	if err != nil {
		return format.Op{}, c.poolUnsupported(idx, fmt.Sprintf("beta %v with input scale %v: %v", opts.Beta, inScale, err))
	}
	return format.Op{
		Code:    format.OpSoftmax,
		Inputs:  []int32{op.Inputs[0]},
		Outputs: []int32{op.Outputs[0]},
		Params: &format.SoftmaxParams{
			InputBetaMultiplier: mult,
			InputBetaLeftShift:  shift,
			DiffMin:             -dyadic.CalculateInputRadius(softmaxScaledDiffIntegerBits, shift, 31),
		},
	}, nil
}

// maxMeanGroup bounds the number of elements one mean reduces: their int32
// sum (of values in [-128, 127]) must not overflow.
const maxMeanGroup = 1 << 24

// convertMean converts int8 MEAN. The axes must be a constant int32 tensor
// (TFLite's kernel reads them as int32); they are resolved like TFLite's
// ResolveAxis (negative axes counted from the end, duplicates ignored).
// The requantization of each group's sum becomes 255 thresholds (see
// meanThresholds).
func convertMean(c *converter, idx int, op *Operator) (format.Op, error) {
	return meanOrSum(c, idx, op, false)
}

// convertSum converts int8 SUM as MEAN, with SUM's requantization (see
// meanRequant), into format.ReduceParams (the kernel is MEAN's); int16 SUM
// is sumInt16's.
func convertSum(c *converter, idx int, op *Operator) (format.Op, error) {
	if len(op.Inputs) > 0 && op.Inputs[0] >= 0 && int(op.Inputs[0]) < len(c.sg.Tensors) && c.sg.Tensors[op.Inputs[0]].Type == TypeInt16 {
		return c.sumInt16(idx, op)
	}
	fop, err := meanOrSum(c, idx, op, true)
	if err != nil {
		return fop, err
	}
	mp := fop.Params.(*format.MeanParams)
	fop.Params = &format.ReduceParams{Axes: mp.Axes, KeepDims: mp.KeepDims, Thresholds: mp.Thresholds}
	return fop, nil
}

func meanOrSum(c *converter, idx int, op *Operator, sum bool) (format.Op, error) {
	path := c.opPath(idx)
	keepDims := false
	if opts, ok := op.Options.(*ReducerOptions); ok && opts != nil {
		keepDims = opts.KeepDims
	} else if op.Options != nil {
		return format.Op{}, format.Malformed(path, "options of type %T, want ReducerOptions", op.Options)
	}
	if len(op.Inputs) != 2 || len(op.Outputs) != 1 || op.Inputs[0] < 0 || op.Inputs[1] < 0 {
		return format.Op{}, format.Malformed(path, "has %d inputs and %d outputs, want 2 (input, axes) and 1", len(op.Inputs), len(op.Outputs))
	}
	in, inScale, inZP, err := c.quantizedAny(op.Inputs[0])
	if err != nil {
		return format.Op{}, err
	}
	out, outScale, outZP, err := c.quantizedAny(op.Outputs[0])
	if err != nil {
		return format.Op{}, err
	}
	if in.DType != out.DType {
		return format.Op{}, format.Malformed(path, "input is %s, output %s", in.DType, out.DType)
	}
	axesPath := fmt.Sprintf("%s / input 1", path)
	at := &c.sg.Tensors[op.Inputs[1]]
	if at.Type != TypeInt32 {
		return format.Op{}, c.poolUnsupported(idx, fmt.Sprintf("axes tensor of type %s, want INT32", at.Type))
	}
	count := int64(1)
	for _, d := range at.Shape {
		count *= int64(d)
	}
	var raw []int64
	if count != 0 {
		if len(c.src.Buffers[at.Buffer].Data) == 0 {
			return format.Op{}, c.poolUnsupported(idx, "axes must be a constant tensor")
		}
		if raw, err = c.constInts(op.Inputs[1]); err != nil {
			return format.Op{}, err
		}
	}
	rank := int64(len(in.Shape))
	reduced := make([]bool, rank)
	var axes []int32
	for i, a := range raw {
		if a < -rank || a >= rank {
			return format.Op{}, format.Malformed(axesPath, "axis %d is %d, outside [%d, %d) for input shape %v", i, a, -rank, rank, in.Shape)
		}
		if a < 0 {
			a += rank
		}
		if !reduced[a] {
			reduced[a] = true
			axes = append(axes, int32(a))
		}
	}
	n, kept := int64(1), int64(1)
	for d, size := range in.Shape {
		if reduced[d] {
			n *= int64(size)
		} else {
			kept *= int64(size)
		}
	}
	if out.NumElements() != kept {
		return format.Op{}, format.Malformed(path, "output shape %v has %d elements, reducing %v over axes %v leaves %d", out.Shape, out.NumElements(), in.Shape, raw, kept)
	}
	if n > maxMeanGroup {
		return format.Op{}, c.poolUnsupported(idx, fmt.Sprintf("%d elements per mean overflow the int32 sum (at most %d)", n, maxMeanGroup))
	}
	if in.DType == format.DTypeInt16 {
		return c.mean16Op(idx, op, axes, keepDims, inScale, inZP, outScale, outZP, n)
	}
	sums := 255*n + 1
	exhaustive := sums <= meanExhaustiveLimit && sums <= c.meanWork
	if exhaustive {
		c.meanWork -= sums
	}
	thresholds, err := meanThresholdsChecked(inScale, inZP, outScale, outZP, n, exhaustive, sum)
	if err != nil {
		return format.Op{}, c.poolUnsupported(idx, err.Error())
	}
	code := format.OpMean
	if sum {
		code = format.OpSum
	}
	return format.Op{
		Code:    code,
		Inputs:  []int32{op.Inputs[0]},
		Outputs: []int32{op.Outputs[0]},
		Params:  &format.MeanParams{Axes: axes, KeepDims: keepDims, Thresholds: thresholds},
	}, nil
}

// meanRequant returns TFLite's requantization of a group sum for int8 MEAN
// (reference_ops::QuantizedMeanOrSum with compute_sum = false, the path
// TFLite's reference kernel takes for every int8 mean; the golden outputs
// confirm it, including for equal input and output quantization):
//
//	multiplier, shift = QuantizeMultiplier(input_scale / output_scale)
//	fold = min(floor(log2 n), 32, 31 + shift)
//	multiplier = (multiplier << fold) / n;  shift -= fold
//	out = clamp(MultiplyByQuantizedMultiplier(sum - input_zp·n, multiplier, shift) + output_zp)
//
// All integer; only the first line uses floating point (float32 scales
// widened to double, as TFLite's prepare does). n = 0 (an empty reduction)
// gives 0, as TFLite leaves the output zeroed.
//
// SUM (sum true) is the same without folding 1/n into the multiplier.
func meanRequant(inScale float64, inZP int32, outScale float64, outZP int32, n int64, sum bool) (func(sum int32) int32, error) {
	if n == 0 {
		return func(int32) int32 { return 0 }, nil
	}
	mult, shift, err := meanMultiplier(inScale, outScale, n, sum)
	if err != nil {
		return nil, err
	}
	offset := int64(inZP) * n
	return func(sum int32) int32 {
		// TFLite narrows the int64 difference to int32 (wrapping); the
		// monotonicity check rejects parameters where that matters.
		x := int32(int64(sum) - offset)
		v := dyadic.MultiplyByQuantizedMultiplier(x, mult, shift) + outZP
		return min(max(v, -128), 127)
	}, nil
}

// meanMultiplier is the multiplier and shift of meanRequant: input/output
// scale ratio quantized, with 1/n folded in (n ≥ 1).
func meanMultiplier(inScale, outScale float64, n int64, sum bool) (mult, shift int32, err error) {
	mult, shift = dyadic.QuantizeMultiplier(inScale / outScale)
	if sum {
		n = 1
	}
	fold := min(63-bits.LeadingZeros64(uint64(n)), 32, 31+int(shift))
	if fold < 0 {
		return 0, 0, fmt.Errorf("mean multiplier shift %d out of range", shift)
	}
	mult = int32((int64(mult) << uint(fold)) / n)
	shift -= int32(fold)
	if shift > 30 {
		return 0, 0, fmt.Errorf("input/output scale ratio %v too large (left shift %d)", inScale/outScale, shift)
	}
	return mult, shift, nil
}

// meanExhaustiveLimit bounds the sums meanThresholds checks one by one.
const meanExhaustiveLimit = 1 << 22

// meanThresholds computes format.MeanParams.Thresholds: for each output
// value v in -127..127, the smallest possible sum s (the sum of n int8
// values lies in [-128·n, 127·n]) with f(s) ≥ v, found by binary search, or
// 127·n + 1 if there is none. Then output = -128 + #{k : s ≥ T[k]} equals
// f(s) for every reachable s exactly when f is non-decreasing there, which
// is verified: sum by sum when the range is small, otherwise by checking
// that no int32 narrowing or left shift inside f wraps (the only way its
// otherwise monotone integer steps could decrease). A non-monotone f is an
// error (the caller reports it as unsupported).
func meanThresholds(inScale float64, inZP int32, outScale float64, outZP int32, n int64) ([]int32, error) {
	return meanThresholdsChecked(inScale, inZP, outScale, outZP, n, true, false)
}

// meanWorkBudget bounds the sums the exhaustive monotonicity checks of one
// conversion evaluate (each MEAN of n elements costs 255·n + 1): about a
// second of work, enough for any real model, while a small hostile file of
// thousands of MEANs cannot take minutes to load. MEANs past the budget
// use the no-wrap check alone.
const meanWorkBudget = 1 << 25

// meanThresholdsChecked is meanThresholds; exhaustive false skips the sum
// by sum check and relies on meanNoWrap (sufficient for monotonicity: it
// may refuse parameters the exhaustive check would accept, never the
// reverse).
func meanThresholdsChecked(inScale float64, inZP int32, outScale float64, outZP int32, n int64, exhaustive, sum bool) ([]int32, error) {
	f, err := meanRequant(inScale, inZP, outScale, outZP, n, sum)
	if err != nil {
		return nil, err
	}
	lo, hi := -128*n, 127*n
	t := make([]int32, 255)
	for k := range t {
		v := int32(k - 127)
		// Smallest s in [lo, hi+1) with f(s) ≥ v, assuming monotone f.
		a, b := lo, hi+1
		for a < b {
			mid := a + (b-a)/2
			if f(int32(mid)) >= v {
				b = mid
			} else {
				a = mid + 1
			}
		}
		t[k] = int32(a)
	}
	if exhaustive && hi-lo+1 <= meanExhaustiveLimit {
		k := 0
		for s := lo; s <= hi; s++ {
			for k < len(t) && int64(t[k]) <= s {
				k++
			}
			if got := f(int32(s)); got != int32(k-128) {
				return nil, fmt.Errorf("mean requantization is not monotone (sum %d gives %d, thresholds give %d)", s, got, k-128)
			}
		}
		return t, nil
	}
	if err := meanNoWrap(inScale, inZP, outScale, n, sum); err != nil {
		return nil, err
	}
	return t, nil
}

// meanNoWrap checks, for large reductions, that meanRequant's int32
// arithmetic cannot wrap over the whole sum range: the difference
// sum - input_zp·n must fit int32, and so must it times 2^left_shift with
// room for adding the output zero point. Without wrapping, f is a chain of
// non-decreasing steps (subtraction, the rounding doubling high multiply by
// a non-negative multiplier, rounding right shift, clamp).
func meanNoWrap(inScale float64, inZP int32, outScale float64, n int64, sum bool) error {
	_, shift, err := meanMultiplier(inScale, outScale, n, sum)
	if err != nil {
		return err
	}
	left := max(shift, 0)
	for _, s := range []int64{-128 * n, 127 * n} {
		x := s - int64(inZP)*n
		if x < math.MinInt32 || x > math.MaxInt32 {
			return fmt.Errorf("mean sum offset %d overflows int32 (TFLite wraps it)", x)
		}
		if y := x << uint(left); y < math.MinInt32+256 || y > math.MaxInt32-256 {
			return fmt.Errorf("mean sum %d shifted left by %d overflows int32 (TFLite wraps it)", x, left)
		}
	}
	return nil
}
