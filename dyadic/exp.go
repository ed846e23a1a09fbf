package dyadic

import "math"

// Constants of the exp / reciprocal approximations. Each is the Q format of a
// mathematical constant, rounded to nearest; the tests recompute every one
// of them from math.

const (
	// expMinusOneEighthQ0 is exp(-1/8) in Q0.31: the value of exp at the
	// centre of the Taylor expansion used on [-1/4, 0).
	expMinusOneEighthQ0 int32 = 1895147668
	// oneThirdQ0 is 1/3 in Q0.31.
	oneThirdQ0 int32 = 715827883
	// oneEighthQ0 is 1/8 in Q0.31 (exact: 2^28).
	oneEighthQ0 int32 = 1 << 28
	// fortyEightSeventeenthsQ2 is 48/17 in Q2.29 and
	// minusThirtyTwoSeventeenthsQ2 is -32/17 in Q2.29: the optimal linear
	// initial estimate 48/17 - 32/17·d of 1/d for d in [1/2, 1] in
	// Newton-Raphson division.
	fortyEightSeventeenthsQ2     int32 = 1515870810
	minusThirtyTwoSeventeenthsQ2 int32 = -1010580540
	// oneQ2 is 1 in Q2.29.
	oneQ2 int32 = 1 << 29
	// oneHalfQ0 is 1/2 in Q0.31.
	oneHalfQ0 int32 = 1 << 30
)

// expBarrelQ0[i] is exp(-2^(i-2)) in Q0.31 for i = 0..6, i.e. exp(-1/4),
// exp(-1/2), exp(-1), exp(-2), exp(-4), exp(-8), exp(-16): the factors
// exp_on_negative_values multiplies in for each set bit of |a| at or above
// 1/4.
var expBarrelQ0 = [7]int32{1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242}

// MaxExpIntegerBits is the largest number of input integer bits
// ExpOnNegativeValues (and so Logistic) accepts: the input format must still
// represent 1/4 exactly and the barrel shifter's bits must lie inside the
// 31-bit magnitude. Tanh accepts one less.
const MaxExpIntegerBits = 29

// ExpOnIntervalBetweenNegativeOneQuarterAnd0Excl returns exp(a) for a in
// [-1/4, 0), input and result in Q0.31 (gemmlowp's
// exp_on_interval_between_negative_one_quarter_and_0_excl): a fourth-order
// Taylor expansion around -1/8,
//
//	exp(-1/8) · (1 + x + x²/2 + x³/6 + x⁴/24), x = a + 1/8,
//
// evaluated with SaturatingRoundingDoublingHighMul products and rounding
// halvings exactly as gemmlowp orders them (x⁴/24 + x³/6 + x²/2 is formed as
// ((x⁴/4 + x³)·(1/3) + x²)/2). Additions wrap like gemmlowp's int32 adds; no
// input in the stated interval overflows. Absolute error < 3e-7 (tested).
func ExpOnIntervalBetweenNegativeOneQuarterAnd0Excl(a int32) int32 {
	x := a + oneEighthQ0
	x2 := SaturatingRoundingDoublingHighMul(x, x)
	x3 := SaturatingRoundingDoublingHighMul(x2, x)
	x4 := SaturatingRoundingDoublingHighMul(x2, x2)
	x4Over4 := RoundingDivideByPOT(x4, 2)
	poly := RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x4Over4+x3, oneThirdQ0)+x2, 1)
	return expMinusOneEighthQ0 + SaturatingRoundingDoublingHighMul(expMinusOneEighthQ0, x+poly)
}

// ExpOnNegativeValues returns exp(a) for a ≤ 0 given in Q(integerBits), the
// result in Q0.31 (gemmlowp's exp_on_negative_values; TFLite's int8 SOFTMAX
// uses integerBits = 5, LOGISTIC with 4 input integer bits uses 4 and TANH
// uses 5). Write a = -k/4 + r with r in [-1/4, 0): exp(r) comes from
// ExpOnIntervalBetweenNegativeOneQuarterAnd0Excl, then each set bit 2^j
// (j = -2..4, only those the format can hold) of the remaining magnitude
// multiplies in exp(-2^j). For integerBits > 5, inputs below -32 give 0. a = 0
// gives math.MaxInt32 (1 saturated). Positive a is outside the domain and
// gives whatever gemmlowp's wrapping arithmetic gives.
//
// integerBits must be in [0, MaxExpIntegerBits]; it panics otherwise.
// Absolute error < 3e-7 against exp (tested).
func ExpOnNegativeValues(a int32, integerBits int) int32 {
	checkIntegerBits("ExpOnNegativeValues", integerBits, MaxExpIntegerBits)
	fracBits := uint(31 - integerBits)
	quarter := int32(1) << (fracBits - 2)
	// a mod 1/4, moved into [-1/4, 0).
	r := a&(quarter-1) - quarter
	result := ExpOnIntervalBetweenNegativeOneQuarterAnd0Excl(Rescale(r, integerBits, 0))
	// remainder = r - a = -(a - r) ≥ 0: the multiple of 1/4 still to apply.
	remainder := r - a
	for i, mult := range expBarrelQ0 {
		j := i - 2 // this factor is exp(-2^j)
		if integerBits <= j {
			break
		}
		if remainder&(int32(1)<<uint(int(fracBits)+j)) != 0 {
			result = SaturatingRoundingDoublingHighMul(result, mult)
		}
	}
	if integerBits > 5 {
		// -32 in Q(integerBits): exp below it is taken as 0.
		if a < -(int32(1) << uint(36-integerBits)) {
			result = 0
		}
	}
	if a == 0 {
		result = math.MaxInt32
	}
	return result
}

// newtonReciprocalHalfDenominator runs gemmlowp's three Newton-Raphson steps
// for 1/d with d = RoundingHalfSum(a, 1) = (1 + a)/2 in Q0.31, a in [0, 1),
// and returns the estimate x ≈ 1/d = 2/(1 + a) in Q2.29.
func newtonReciprocalHalfDenominator(a int32) int32 {
	d := RoundingHalfSum(a, math.MaxInt32)
	x := fortyEightSeventeenthsQ2 + SaturatingRoundingDoublingHighMul(d, minusThirtyTwoSeventeenthsQ2)
	for i := 0; i < 3; i++ {
		dx := SaturatingRoundingDoublingHighMul(d, x) // Q2.29
		e := oneQ2 - dx                               // Q2.29, wraps like gemmlowp
		// x·e is Q4.27; back to Q2.29, saturating.
		x += SaturatingRoundingMultiplyByPOT(SaturatingRoundingDoublingHighMul(x, e), 2)
	}
	return x
}

// OneOverOnePlusXForXIn01 returns 1/(1 + a) for a in [0, 1), input and result
// in Q0.31 (gemmlowp's one_over_one_plus_x_for_x_in_0_1, used by logistic and
// by TFLite's GetReciprocal). It runs three Newton-Raphson iterations for
// 1/d, d = (1 + a)/2, from the linear estimate 48/17 - 32/17·d in Q2.29, then
// halves the estimate into Q0.31 (saturating; a = 0 gives 1 saturated).
// Negative a is outside the domain.
func OneOverOnePlusXForXIn01(a int32) int32 {
	x := newtonReciprocalHalfDenominator(a)
	// x/2 is exactly x's raw value read as Q1.30; rescale Q1 → Q0.
	return SaturatingRoundingMultiplyByPOT(x, 1)
}

// OneMinusXOverOnePlusXForXIn01 returns (1 - a)/(1 + a) for a in [0, 1),
// input and result in Q0.31 (gemmlowp's
// one_minus_x_over_one_plus_x_for_x_in_0_1, used by tanh): the same
// Newton-Raphson estimate x ≈ 2/(1 + a) as OneOverOnePlusXForXIn01, then
// x - 1 rescaled from Q2.29 to Q0.31, saturating.
func OneMinusXOverOnePlusXForXIn01(a int32) int32 {
	x := newtonReciprocalHalfDenominator(a)
	return SaturatingRoundingMultiplyByPOT(x-oneQ2, 2)
}

// Logistic returns 1/(1 + exp(-a)) for a in Q(integerBits), the result in
// Q0.31 (gemmlowp's logistic on FixedPoint<int32, integerBits>; TFLite's int8
// LOGISTIC calls it with 4 integer bits, then RoundingDivideByPOT by 23 gives
// the output in 1/256 steps before adding the -128 zero point). For a > 0 it is OneOverOnePlusXForXIn01(ExpOnNegativeValues(-a));
// for a < 0 it is 1 saturated (math.MaxInt32) minus the value at |a| (with
// |math.MinInt32| wrapping to itself as in gemmlowp); a = 0 gives exactly
// 1/2. integerBits must be in [0, MaxExpIntegerBits]; it panics otherwise.
func Logistic(a int32, integerBits int) int32 {
	checkIntegerBits("Logistic", integerBits, MaxExpIntegerBits)
	if a == 0 {
		return oneHalfQ0
	}
	abs := a
	if a < 0 {
		abs = -a // math.MinInt32 stays math.MinInt32, as in gemmlowp
	}
	positive := OneOverOnePlusXForXIn01(ExpOnNegativeValues(-abs, integerBits))
	if a > 0 {
		return positive
	}
	return math.MaxInt32 - positive
}

// Tanh returns tanh(a) for a in Q(integerBits), the result in Q0.31
// (gemmlowp's tanh on FixedPoint<int32, integerBits>; TFLite's int8 TANH
// calls it with 4 integer bits, then RoundingDivideByPOT by 24 gives 1/128
// steps). With n = -|a| it evaluates
// t = (1 - exp(2n))/(1 + exp(2n)) = tanh(|a|) through
// OneMinusXOverOnePlusXForXIn01(ExpOnNegativeValues(n read as
// Q(integerBits+1))) — reading the raw value with one more integer bit is
// gemmlowp's exact doubling — and returns t or -t. a = 0 gives 0.
// integerBits must be in [0, MaxExpIntegerBits-1]; it panics otherwise.
func Tanh(a int32, integerBits int) int32 {
	checkIntegerBits("Tanh", integerBits, MaxExpIntegerBits-1)
	if a == 0 {
		return 0
	}
	n := a
	if a > 0 {
		n = -a
	}
	t := OneMinusXOverOnePlusXForXIn01(ExpOnNegativeValues(n, integerBits+1))
	if a < 0 {
		return -t
	}
	return t
}
