// Package quanttest is the test oracle of TFLite's fixed-point output
// stage, shared by the tests of every package (asm, ops, bench, the
// converter): the requantization restated from its definition with exact
// int64 arithmetic and floor shifts, independently of the dyadic package
// (gemmlowp's formulation) that the kernels use. Tests only.
package quanttest

import "math"

// HighMul is TFLite's SaturatingRoundingDoublingHighMul: a·b/2^31
// rounded to nearest, ties toward +infinity (gemmlowp's nudge and
// truncate), with the one overflowing case, a = b = MinInt32, saturated.
func HighMul(a, b int32) int32 {
	if a == math.MinInt32 && b == math.MinInt32 {
		return math.MaxInt32
	}
	return int32((int64(a)*int64(b) + 1<<30) >> 31) // >> floors
}

// DivPOT is TFLite's RoundingDivideByPOT: x/2^e rounded to nearest, ties
// away from zero, for e in [0, 31].
func DivPOT(x int32, e int) int32 {
	if e == 0 {
		return x
	}
	half := int64(1) << (e - 1)
	if x >= 0 {
		return int32((int64(x) + half) >> e)
	}
	return int32(-((-int64(x) + half) >> e))
}

// MultiplyByQuantizedMultiplier is TFLite's function of that name (double
// rounding): a left shift for shift > 0 (a wrapping int32 multiplication
// by 2^shift, as in TFLite's C++), HighMul by m, then DivPOT by -shift
// for shift < 0. shift is in [-31, 30].
func MultiplyByQuantizedMultiplier(x, m, shift int32) int32 {
	left, right := int32(0), int32(0)
	if shift > 0 {
		left = shift
	} else {
		right = -shift
	}
	return DivPOT(HighMul(int32(uint32(x)<<uint(left)), m), int(right))
}

// Requantize is the conv family's output stage for one wrapped int32
// accumulator (bias already added): MultiplyByQuantizedMultiplier, the
// output offset, the clamp to [lo, hi].
func Requantize(acc, m, shift, outOffset, lo, hi int32) int8 {
	return Clamp(MultiplyByQuantizedMultiplier(acc, m, shift)+outOffset, lo, hi)
}

// Clamp returns v clamped to [lo, hi] as an int8 (lo and hi within int8).
func Clamp(v, lo, hi int32) int8 { return int8(min(max(v, lo), hi)) }
