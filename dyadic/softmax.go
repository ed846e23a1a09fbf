package dyadic

import (
	"fmt"
	"math"
	"math/bits"
)

// CountLeadingZeros returns the number of leading zero bits of x, 32 for
// x = 0 (TFLite's CountLeadingZeros<uint32_t>).
func CountLeadingZeros(x uint32) int {
	return bits.LeadingZeros32(x)
}

// GetReciprocal is TFLite's GetReciprocal as used by int8 SOFTMAX: for x > 0
// read in Q(xIntegerBits) (softmax passes its Q12.19 sum of exps), write
// x = 2^numBitsOverUnit · (1 + f) with f in [0, 1) and return
// reciprocal = 1/(1 + f) in Q0.31 (via OneOverOnePlusXForXIn01 on f in Q0.31),
// so that 1/x = reciprocal · 2^-numBitsOverUnit. numBitsOverUnit is
// xIntegerBits minus the leading zeros of x; it is 0 for x in [1, 2).
// x ≤ 0 is outside the domain (TFLite shifts by 32 there, which is undefined
// in C++; here it gives a deterministic but meaningless value).
func GetReciprocal(x int32, xIntegerBits int) (reciprocal int32, numBitsOverUnit int) {
	headroomPlusOne := bits.LeadingZeros32(uint32(x))
	numBitsOverUnit = xIntegerBits - headroomPlusOne
	// Move the leading one to bit 31 and drop it: f in Q0.31.
	f := int32(uint32(x)<<uint(headroomPlusOne) - 1<<31)
	return OneOverOnePlusXForXIn01(f), numBitsOverUnit
}

// CalculateInputRadius is TFLite's CalculateInputRadius: the largest input
// magnitude (in input quantized units) whose rescaling by a multiplier with
// left shift inputLeftShift still fits Q(inputIntegerBits) within
// totalSignedBits, namely
//
//	floor((2^inputIntegerBits - 1) · 2^(totalSignedBits - inputIntegerBits) / 2^inputLeftShift).
//
// TFLite evaluates it in double; every intermediate is exact there, so this
// integer evaluation gives the same value. TFLite's callers pass
// totalSignedBits = 31: SOFTMAX (diff_min = -radius, inputIntegerBits 5) and
// int8 LOGISTIC/TANH (inputIntegerBits 4).
//
// Requires 0 ≤ inputIntegerBits ≤ totalSignedBits ≤ 31 and
// inputIntegerBits ≤ 30 (it panics otherwise). A negative inputLeftShift
// (undefined in TFLite) multiplies by 2^-inputLeftShift, saturating at
// math.MaxInt32.
func CalculateInputRadius(inputIntegerBits int, inputLeftShift int32, totalSignedBits int) int32 {
	if totalSignedBits < 0 || totalSignedBits > 31 {
		panic(fmt.Sprintf("dyadic: CalculateInputRadius total signed bits %d outside [0, 31]", totalSignedBits))
	}
	checkIntegerBits("CalculateInputRadius", inputIntegerBits, min(totalSignedBits, 30))
	v := (int64(1)<<uint(inputIntegerBits) - 1) << uint(totalSignedBits-inputIntegerBits)
	switch {
	case inputLeftShift >= 63:
		return 0
	case inputLeftShift >= 0:
		return int32(v >> uint(inputLeftShift))
	case v == 0:
		return 0
	case -inputLeftShift >= 31 || v > math.MaxInt32>>uint(-inputLeftShift):
		return math.MaxInt32
	default:
		return int32(v << uint(-inputLeftShift))
	}
}

// PreprocessSoftmaxScaling is TFLite's PreprocessSoftmaxScaling (default,
// double-rounding build): the real multiplier
//
//	min(beta · inputScale · 2^(31 - inputIntegerBits), 2^31 - 1)
//
// that maps an input difference (in input quantized units) to
// Q(inputIntegerBits), quantized with QuantizeMultiplierGreaterThanOne. Its
// results feed MultiplyByQuantizedMultiplierGreaterThanOne and
// CalculateInputRadius(inputIntegerBits, leftShift, 31). TFLite's int8
// SOFTMAX passes float32 beta and scale widened to float64 and
// inputIntegerBits = 5. Conversion time only (uses float64).
//
// A real multiplier ≤ 1 (or NaN) is an error wrapping ErrMultiplierRange
// (TFLite aborts there). inputIntegerBits must be in [0, 31] (it panics
// otherwise); TFLite's int shift makes 0 undefined there, here it means 2^31.
func PreprocessSoftmaxScaling(beta, inputScale float64, inputIntegerBits int) (multiplier int32, leftShift int32, err error) {
	checkIntegerBits("PreprocessSoftmaxScaling", inputIntegerBits, 31)
	const maxRealMultiplier = float64(1<<31 - 1)
	real := beta * inputScale * math.Ldexp(1, 31-inputIntegerBits)
	if real > maxRealMultiplier {
		real = maxRealMultiplier
	}
	return QuantizeMultiplierGreaterThanOne(real)
}
