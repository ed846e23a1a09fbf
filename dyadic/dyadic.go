// Package dyadic is TFLite's fixed-point arithmetic, reimplemented bit for
// bit: real multipliers as (int32 multiplier, shift) pairs, the saturating
// rounding doubling high multiply, rounding division by powers of two, and
// the gemmlowp fixed-point helpers used by softmax, logistic and tanh.
//
// QuantizeMultiplier uses floating point and belongs to conversion time;
// everything else is integer-only and may run inside Invoke.
package dyadic

import "math"

// QuantizeMultiplier returns (m, shift) with real ≈ m · 2^(shift-31),
// exactly as TFLite's QuantizeMultiplier in its default (double-rounding)
// build: frexp, then round-half-away-from-zero of the mantissa times 2^31; a
// mantissa that rounds up to +2^31 is halved and the shift incremented;
// shifts below -31 (|real| < 2^-32 after rounding) flush to zero (m = 0,
// shift = 0). For real > 0, m is in [2^30, 2^31); for real < 0, m is in
// [-2^31, -2^30] (a mantissa rounding to -2^31 is kept, as in TFLite).
// |m·2^(shift-31) - real| ≤ 2^(shift-32) unless flushed to zero.
//
// real must be finite. The TFLITE_SINGLE_ROUNDING clamp of shifts above 30
// is not applied, matching the reference kernels edgerun is bit-exact with.
func QuantizeMultiplier(real float64) (m int32, shift int32) {
	if real == 0 {
		return 0, 0
	}
	q, e := math.Frexp(real)
	qFixed := int64(math.Round(q * (1 << 31)))
	if qFixed == 1<<31 {
		qFixed /= 2
		e++
	}
	if e < -31 {
		return 0, 0
	}
	return int32(qFixed), int32(e)
}

// SaturatingRoundingDoublingHighMul returns 2·a·b / 2^32 = a·b / 2^31
// rounded to nearest with ties rounded toward +infinity (so -0.5 becomes 0
// and -1.5 becomes -1, not away from zero), saturating the single overflow
// case a = b = math.MinInt32 to math.MaxInt32. This is gemmlowp's scalar
// SaturatingRoundingDoublingHighMul and ARM's SQRDMULH/VQRDMULH.
//
// Read as Q formats it is the fixed-point product: a in Qm.(31-m) times b in
// Qn.(31-n) gives the product in Q(m+n).(31-m-n).
func SaturatingRoundingDoublingHighMul(a, b int32) int32 {
	if a == b && a == math.MinInt32 {
		return math.MaxInt32
	}
	ab := int64(a) * int64(b)
	nudge := int64(1 << 30)
	if ab < 0 {
		nudge = 1 - (1 << 30)
	}
	// C++ integer division truncates toward zero, like Go's.
	return int32((ab + nudge) / (1 << 31))
}

// RoundingDivideByPOT returns x / 2^exponent rounded to nearest, ties away
// from zero (gemmlowp semantics, a rounding arithmetic right shift).
// exponent must be in [0, 31]; other values give unspecified results.
func RoundingDivideByPOT(x int32, exponent int32) int32 {
	mask := int32((int64(1) << uint(exponent)) - 1)
	remainder := x & mask
	threshold := mask >> 1
	if x < 0 {
		threshold++
	}
	r := x >> uint(exponent)
	if remainder > threshold {
		r++
	}
	return r
}

// MultiplyByQuantizedMultiplier returns x · m · 2^(shift-31) with TFLite's
// default double rounding: a left shift (wrapping, as int32 arithmetic does
// on every target TFLite runs on) for positive shifts, the saturating
// rounding doubling high multiply, then a rounding right shift.
func MultiplyByQuantizedMultiplier(x int32, m int32, shift int32) int32 {
	left, right := int32(0), int32(0)
	if shift > 0 {
		left = shift
	} else {
		right = -shift
	}
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x*(1<<uint(left)), m), right)
}
