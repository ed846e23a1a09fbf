package dyadic

import (
	"fmt"
	"math"
)

// Q formats
//
// The helpers below work on raw int32 values read as gemmlowp fixed-point
// numbers. A raw value r with n integer bits (gemmlowp's
// FixedPoint<int32_t, n>, written Qn.(31-n) here: n integer bits, 31-n
// fractional bits, plus the sign bit) represents the real r · 2^(n-31); its
// range is [-2^n, 2^n). Q0.31 therefore covers [-1, 1), and "one" in Q0.31
// is saturated to math.MaxInt32.
//
// gemmlowp's operators map onto plain Go as follows, and edgerun code writes
// them directly:
//
//   - a + b and a - b on the same Q format are plain int32 addition and
//     subtraction. gemmlowp does not saturate them; they wrap in two's
//     complement exactly like Go's int32 arithmetic.
//   - -a is plain negation (math.MinInt32 stays math.MinInt32).
//   - a * b for Qm times Qn is SaturatingRoundingDoublingHighMul(a, b),
//     giving Q(m+n).
//   - ExactMulByPot (multiplying by 2^k by relabelling the integer bits) keeps
//     the raw value unchanged; only the caller's notion of n changes.
//   - Rescale and SaturatingRoundingMultiplyByPOT are below.

// SaturatingRoundingMultiplyByPOT returns a · 2^exponent keeping a's Q
// format, as gemmlowp's SaturatingRoundingMultiplyByPOT<exponent>:
//
//   - exponent > 0: an arithmetic left shift that saturates to
//     math.MaxInt32 / math.MinInt32 when the result does not fit;
//   - exponent < 0: RoundingDivideByPOT(a, -exponent) (round to nearest,
//     ties away from zero);
//   - exponent = 0: a.
//
// exponent must be in [-31, 31]; it panics otherwise.
func SaturatingRoundingMultiplyByPOT(a int32, exponent int) int32 {
	switch {
	case exponent == 0:
		return a
	case exponent > 0 && exponent <= 31:
		// Largest magnitude that can be shifted without overflow; gemmlowp
		// uses the symmetric bound, so -2^(31-exponent) saturates too (to
		// math.MinInt32, which is also its exact value).
		limit := int32(1)<<uint(31-exponent) - 1
		if a > limit {
			return math.MaxInt32
		}
		if a < -limit {
			return math.MinInt32
		}
		return a << uint(exponent)
	case exponent < 0 && exponent >= -31:
		return RoundingDivideByPOT(a, int32(-exponent))
	}
	panic(fmt.Sprintf("dyadic: SaturatingRoundingMultiplyByPOT exponent %d outside [-31, 31]", exponent))
}

// Rescale converts a from Q(srcIntegerBits) to Q(dstIntegerBits), as
// gemmlowp's Rescale<dst>: SaturatingRoundingMultiplyByPOT by
// srcIntegerBits - dstIntegerBits (saturating when gaining fractional bits
// overflows, rounding half away from zero when losing them). Both integer bit
// counts must be in [0, 31].
func Rescale(a int32, srcIntegerBits, dstIntegerBits int) int32 {
	checkIntegerBits("Rescale", srcIntegerBits, 31)
	checkIntegerBits("Rescale", dstIntegerBits, 31)
	return SaturatingRoundingMultiplyByPOT(a, srcIntegerBits-dstIntegerBits)
}

// RoundingHalfSum returns (a + b) / 2 rounded to nearest, ties away from
// zero, computed without overflow (gemmlowp's RoundingHalfSum on int32, ARM
// VRHADD-like). a and b share a Q format and so does the result.
func RoundingHalfSum(a, b int32) int32 {
	s := int64(a) + int64(b)
	if s >= 0 {
		return int32((s + 1) >> 1)
	}
	return int32(-((-s + 1) >> 1))
}

// oneQ returns gemmlowp's FixedPoint<int32, n>::One(): 2^(31-n) for n > 0
// and the saturated math.MaxInt32 for n = 0.
func oneQ(integerBits int) int32 {
	if integerBits == 0 {
		return math.MaxInt32
	}
	return int32(1) << uint(31-integerBits)
}

func checkIntegerBits(fn string, n, max int) {
	if n < 0 || n > max {
		panic(fmt.Sprintf("dyadic: %s integer bits %d outside [0, %d]", fn, n, max))
	}
}
