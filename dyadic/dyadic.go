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
	// gemmlowp adds 2^30 (ab >= 0) or 1 - 2^30 (ab < 0) and divides by
	// 2^31 truncating toward zero. Both are floor((ab + 2^30) / 2^31): for
	// ab < 0, with n = ab + 2^30, truncating (n + 1 - 2^31) / 2^31, a
	// negative value, is ceil((n + 1) / 2^31) - 1 = floor(n / 2^31). One
	// arithmetic shift, no branch on the data's sign.
	return int32((int64(a)*int64(b) + 1<<30) >> 31)
}

// RoundingDivideByPOT returns x / 2^exponent rounded to nearest, ties away
// from zero (gemmlowp semantics, a rounding arithmetic right shift).
// exponent must be in [0, 31]; other values give unspecified results.
func RoundingDivideByPOT(x int32, exponent int32) int32 {
	// gemmlowp: r = x >> e, plus one when the remainder x mod 2^e exceeds
	// h - 1 + [x < 0], h = 2^(e-1). That is (x + h - [x < 0]) >> e for
	// e >= 1 (with x = q·2^e + r the sum carries into q exactly then; in
	// int64, so x + h cannot overflow), and x for e = 0 (h = 0, and the
	// [x < 0] term is masked off). No branch on the data.
	e := uint(exponent)
	h := int64(1) << e >> 1
	neg := int64(x>>31) & (-h >> 63) // -1 when x < 0 and e >= 1
	return int32((int64(x) + h + neg) >> e)
}

// MultiplyByQuantizedMultiplier returns x · m · 2^(shift-31) with TFLite's
// default double rounding: a left shift (wrapping, as int32 arithmetic does
// on every target TFLite runs on) for positive shifts, the saturating
// rounding doubling high multiply, then a rounding right shift.
func MultiplyByQuantizedMultiplier(x int32, m int32, shift int32) int32 {
	left := max(shift, 0) // the right shift is then left - shift = max(-shift, 0)
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x<<uint(left), m), left-shift)
}
