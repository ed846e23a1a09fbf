package dyadic

import "math"

// 16-bit fixed-point helpers used by TFLite's int8 HARD_SWISH reference
// kernel, which works on Q0.15 values held in int16.

// SaturatingRoundingDoublingHighMulInt16 returns a·b / 2^15 rounded to
// nearest with ties toward +infinity, saturating the single overflow case
// a = b = math.MinInt16 to math.MaxInt16 (gemmlowp's int16
// SaturatingRoundingDoublingHighMul, ARM SQRDMULH on halfwords). As Q
// formats: Qm.(15-m) times Qn.(15-n) gives Q(m+n).(15-m-n).
func SaturatingRoundingDoublingHighMulInt16(a, b int16) int16 {
	if a == math.MinInt16 && b == math.MinInt16 {
		return math.MaxInt16
	}
	ab := int32(a) * int32(b)
	nudge := int32(1 << 14)
	if ab < 0 {
		nudge = 1 - 1<<14
	}
	return int16((ab + nudge) / (1 << 15)) // Go division truncates, as C++ does
}

// SaturatingDoublingHighMulInt16 returns a·b / 2^15 truncated toward zero,
// saturating a = b = math.MinInt16 to math.MaxInt16 (TFLite's
// SaturatingDoublingHighMul in reference/hard_swish.h, ARM SQDMULH on
// halfwords: no rounding).
func SaturatingDoublingHighMulInt16(a, b int16) int16 {
	if a == math.MinInt16 && b == math.MinInt16 {
		return math.MaxInt16
	}
	return int16(int32(a) * int32(b) / (1 << 15))
}

// SaturatingLeftShiftInt16 returns v · 2^amount clamped to the int16 range
// (TFLite's SaturatingLeftShift in reference/hard_swish.h). amount must be
// ≥ 0; TFLite's int shift is undefined from 31 on, here any amount ≥ 31
// saturates every non-zero v.
func SaturatingLeftShiftInt16(v int16, amount int) int16 {
	if v == 0 {
		return 0
	}
	if amount >= 16 {
		if v > 0 {
			return math.MaxInt16
		}
		return math.MinInt16
	}
	r := int32(v) << uint(amount)
	if r > math.MaxInt16 {
		return math.MaxInt16
	}
	if r < math.MinInt16 {
		return math.MinInt16
	}
	return int16(r)
}

// RoundingDivideByPOTInt16 is gemmlowp's RoundingDivideByPOT on int16:
// x / 2^exponent rounded to nearest, ties away from zero, for exponent in
// [0, 15]. gemmlowp accepts exponents up to 31 and, because its mask
// (2^exponent - 1) is truncated to int16, exponents 16..31 give 1 for x ≥ 0
// and -1 for x < 0; this function reproduces that. Other exponents give
// unspecified results.
func RoundingDivideByPOTInt16(x int16, exponent int) int16 {
	mask := int16(int64(1)<<uint(exponent) - 1)
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
