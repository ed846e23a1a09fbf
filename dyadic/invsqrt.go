package dyadic

import (
	"math"
	"math/bits"
)

const (
	// threeHalvesQ3 is 3/2 in Q3.28 (exact).
	threeHalvesQ3 int32 = 1<<28 + 1<<27
	// halfSqrtTwoQ0 is sqrt(2)/2 in Q0.31, rounded to nearest.
	halfSqrtTwoQ0 int32 = 1518500250
)

// GetInvSqrtQuantizedMultiplierExp is TFLite's
// GetInvSqrtQuantizedMultiplierExp, used by int8 L2_NORMALIZATION: for a
// sum of squares input > 1 it returns (multiplier, shift) with
//
//	1/sqrt(input) ≈ multiplier · 2^(-s - 31), shift = s · reverseShift,
//
// so with TFLite's reverseShift = -1 (kReverseShift) 1/sqrt(input) ≈
// multiplier · 2^(shift - 31), the convention of
// MultiplyByQuantizedMultiplier, and with reverseShift = 1 shift is a right
// shift. s ≥ 0 always. The input is normalised by an even power of
// two into [2^27, 2^29), five Newton-Raphson iterations for 1/sqrt run in
// Q3.28 from the estimate 1, and the result is scaled by sqrt(2)/2; a
// negative internal shift is folded into the multiplier by a left shift
// (wrapping as TFLite's int32 shift does; it does not overflow for any
// input). Inputs ≤ 1 (0 is invalid, 1 rare) give (math.MaxInt32, 0) as in
// TFLite.
func GetInvSqrtQuantizedMultiplierExp(input int32, reverseShift int32) (multiplier int32, shift int32) {
	if input <= 1 {
		return math.MaxInt32, 0
	}
	shift = 11
	for input >= 1<<29 {
		input /= 4
		shift++
	}
	// Shift left by as many bit pairs as possible while keeping input below
	// 2^29 (one pair less than the headroom allows).
	pairs := (bits.LeadingZeros32(uint32(input))-1)/2 - 1
	shift -= int32(pairs)
	input <<= uint(2 * pairs)
	in := input >> 1 // Q3.28, value in [1/2, 2)
	halfIn := SaturatingRoundingMultiplyByPOT(in, -1)
	x := oneQ(3)
	for i := 0; i < 5; i++ {
		// x³: Q3·Q3 = Q6, ·Q3 = Q9, back to Q3.
		x3 := Rescale(SaturatingRoundingDoublingHighMul(SaturatingRoundingDoublingHighMul(x, x), x), 9, 3)
		// x ← 3/2·x - in/2·x³, formed in Q6 and rescaled to Q3.
		x = Rescale(SaturatingRoundingDoublingHighMul(threeHalvesQ3, x)-SaturatingRoundingDoublingHighMul(halfIn, x3), 6, 3)
	}
	multiplier = SaturatingRoundingDoublingHighMul(x, halfSqrtTwoQ0) // Q3
	if shift < 0 {
		multiplier = int32(uint32(multiplier) << uint(-shift))
		shift = 0
	}
	return multiplier, shift * reverseShift
}
