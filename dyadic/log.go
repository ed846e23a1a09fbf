package dyadic

import (
	"math"
	"math/bits"
)

// Fixed-point constants of TFLite's log_x_for_x_greater_than_or_equal_to_1
// (Q0.31 raw values, as TFLite spells them).
const (
	logTwoQ0          int32 = 1488522236 // log(2)
	sqrtSqrtHalfQ0    int32 = 1805811301 // sqrt(sqrt(1/2))
	sqrtHalfQ0        int32 = 1518500250 // sqrt(1/2)
	oneQuarterQ0      int32 = 536870912  // 1/4
	logAlphaNQ0       int32 = 117049297  // 11/240 · 2^(1/4)
	logAlphaDQ0       int32 = 127690142  // 1/20 · 2^(1/4)
	logAlphaIQ0       int32 = 1057819769 // 2/2^(1/4) - 2^(1/4)
	logAlphaFQ0       int32 = 638450708  // 1/4 · 2^(1/4)
	maxLogIntegerBits       = 30
)

// saturatingAdd and saturatingSub are TFLite's SaturatingAddNonGemmlowp
// and SaturatingSub on int32.
func saturatingAdd(a, b int32) int32 {
	return int32(min(max(int64(a)+int64(b), math.MinInt32), math.MaxInt32))
}

func saturatingSub(a, b int32) int32 {
	return int32(min(max(int64(a)-int64(b), math.MinInt32), math.MaxInt32))
}

// LogXForXGreaterThanOrEqualTo1 is TFLite's
// log_x_for_x_greater_than_or_equal_to_1<outputIntegerBits,
// inputIntegerBits>: the natural logarithm of x ≥ 1 given in
// Q(inputIntegerBits), returned in Q(outputIntegerBits). It follows
// TFLite's fixed-point steps exactly: the exponent of two from the
// leading zeros (of x and of x·sqrt(1/2), whichever leaves the mantissa
// r nearer 1), then a rational approximation of log(r) around 2^-1/4 with
// one gemmlowp reciprocal, accumulated with one extra integer bit. Both
// bit counts must be in [0, 30] with outputIntegerBits < 31; x ≤ 0 is
// outside the domain (the result is then meaningless but deterministic).
func LogXForXGreaterThanOrEqualTo1(x int32, inputIntegerBits, outputIntegerBits int) int32 {
	checkIntegerBits("LogXForXGreaterThanOrEqualTo1", inputIntegerBits, maxLogIntegerBits)
	checkIntegerBits("LogXForXGreaterThanOrEqualTo1", outputIntegerBits, maxLogIntegerBits)
	accBits := outputIntegerBits + 1
	mul := SaturatingRoundingDoublingHighMul
	shiftedQuarter := Rescale(oneQuarterQ0, 0, accBits)

	za := x // reread as Q0.31
	zaHeadroomPlus1 := bits.LeadingZeros32(uint32(za))
	raTmp := SaturatingRoundingMultiplyByPOT(za, zaHeadroomPlus1-1)
	ra := SaturatingRoundingMultiplyByPOT(mul(raTmp, sqrtHalfQ0), 1)
	zaPow2Adj := saturatingAdd(SaturatingRoundingMultiplyByPOT(int32(inputIntegerBits-zaHeadroomPlus1), 31-accBits), shiftedQuarter)

	zb := mul(za, sqrtHalfQ0)
	zbHeadroom := bits.LeadingZeros32(uint32(zb)) - 1
	rb := SaturatingRoundingMultiplyByPOT(za, zbHeadroom)
	zbPow2Adj := saturatingSub(SaturatingRoundingMultiplyByPOT(int32(inputIntegerBits-zbHeadroom), 31-accBits), shiftedQuarter)

	r := min(ra, rb)
	zPow2Adj := max(zaPow2Adj, zbPow2Adj)

	p := RoundingHalfSum(r, sqrtSqrtHalfQ0)
	q := r - sqrtSqrtHalfQ0
	q += q
	commonSq := mul(q, q)
	num := mul(q, r) + mul(mul(q, commonSq), logAlphaNQ0)
	denomMinusOne := mul(p, logAlphaIQ0+q+mul(logAlphaDQ0, commonSq)) + mul(logAlphaFQ0, q)
	recipDenom := OneOverOnePlusXForXIn01(denomMinusOne)

	numScaled := Rescale(num, 0, accBits)
	return Rescale(mul(zPow2Adj, logTwoQ0)+mul(numScaled, recipDenom), accBits, outputIntegerBits)
}

// PreprocessLogSoftmaxScalingExp is TFLite's
// PreprocessLogSoftmaxScalingExp: PreprocessSoftmaxScaling's input
// multiplier and left shift, plus the reverse scaling
// 2^(31-leftShift)/multiplier quantized with
// QuantizeMultiplierSmallerThanOneExp (reverseShift ≤ 0). Conversion time
// only.
func PreprocessLogSoftmaxScalingExp(beta, inputScale float64, inputIntegerBits int) (multiplier, leftShift, reverseMultiplier, reverseShift int32, err error) {
	multiplier, leftShift, err = PreprocessSoftmaxScaling(beta, inputScale, inputIntegerBits)
	if err != nil {
		return 0, 0, 0, 0, err
	}
	real := float64(int64(1)<<uint(31-leftShift)) / float64(multiplier)
	reverseMultiplier, reverseShift, err = QuantizeMultiplierSmallerThanOneExp(real)
	return multiplier, leftShift, reverseMultiplier, reverseShift, err
}
