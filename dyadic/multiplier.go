package dyadic

import (
	"errors"
	"fmt"
	"math"
)

// ErrMultiplierRange is matched (errors.Is) by every error this package
// returns for a real multiplier outside the range a conversion-time helper
// accepts (where TFLite would fail a TFLITE_CHECK and abort).
var ErrMultiplierRange = errors.New("dyadic: real multiplier out of range")

// QuantizeMultiplierGreaterThanOne is TFLite's QuantizeMultiplierGreaterThanOne:
// QuantizeMultiplier restricted to real > 1, so that the returned shift is a
// left shift (leftShift ≥ 0) and real ≈ m · 2^(leftShift-31). It reports
// ErrMultiplierRange where TFLite's checks would abort (real ≤ 1 or NaN).
// Conversion time only (uses float64).
func QuantizeMultiplierGreaterThanOne(real float64) (m int32, leftShift int32, err error) {
	if !(real > 1) {
		return 0, 0, fmt.Errorf("%w: %v is not greater than one", ErrMultiplierRange, real)
	}
	m, leftShift = QuantizeMultiplier(real)
	if leftShift < 0 { // cannot happen for real > 1; kept as TFLite's check
		return 0, 0, fmt.Errorf("%w: %v gives negative left shift %d", ErrMultiplierRange, real, leftShift)
	}
	return m, leftShift, nil
}

// QuantizeMultiplierSmallerThanOneExp is TFLite's
// QuantizeMultiplierSmallerThanOneExp: QuantizeMultiplier restricted to
// 0 < real < 1, returning a non-positive exponent (leftShift ≤ 0) with
// real ≈ m · 2^(leftShift-31). A real within 2^-32 of 1 rounds its mantissa up
// to 2^31 and would need leftShift = 1: TFLite aborts there, this reports
// ErrMultiplierRange. Reals below 2^-32 flush to (0, 0) as in
// QuantizeMultiplier. Conversion time only (uses float64).
func QuantizeMultiplierSmallerThanOneExp(real float64) (m int32, leftShift int32, err error) {
	if !(real < 1) || !(real > 0) {
		return 0, 0, fmt.Errorf("%w: %v is not in (0, 1)", ErrMultiplierRange, real)
	}
	m, leftShift = QuantizeMultiplier(real)
	if leftShift > 0 {
		return 0, 0, fmt.Errorf("%w: %v rounds up to 1", ErrMultiplierRange, real)
	}
	return m, leftShift, nil
}

// MultiplyByQuantizedMultiplierSmallerThanOneExp returns x · m · 2^(leftShift-31)
// for leftShift ≤ 0 as TFLite's double-rounding
// MultiplyByQuantizedMultiplierSmallerThanOneExp (used by int8 ADD/SUB):
// SaturatingRoundingDoublingHighMul(x, m), then RoundingDivideByPOT by
// -leftShift. leftShift must be in [-31, 0].
func MultiplyByQuantizedMultiplierSmallerThanOneExp(x, m, leftShift int32) int32 {
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x, m), -leftShift)
}

// MultiplyByQuantizedMultiplierGreaterThanOne returns x · m · 2^(leftShift-31)
// for leftShift ≥ 0 as TFLite's double-rounding
// MultiplyByQuantizedMultiplierGreaterThanOne (used by int8 SOFTMAX): x is
// shifted left with int32 wrap-around (TFLite multiplies by 1<<leftShift and
// relies on two's-complement wrapping), then
// SaturatingRoundingDoublingHighMul. leftShift must be in [0, 31].
func MultiplyByQuantizedMultiplierGreaterThanOne(x, m, leftShift int32) int32 {
	return SaturatingRoundingDoublingHighMul(int32(uint32(x)<<uint(leftShift)), m)
}

// MultiplyByQuantizedMultiplierInt64 is TFLite's double-rounding-build
// MultiplyByQuantizedMultiplier for an int64 x (the int16-activation kernels'
// accumulator path): the multiplier is first reduced to 16 bits,
// r = (m + 2^15) >> 16 (or 0x7FFF when m ≥ 0x7FFF0000), then the result is
// (x·r + 2^(14-shift)) >> (15-shift), a single round-half-up rounding,
// truncated to int32. TFLite assumes m ≥ 0, shift in [-31, 7] and
// |x| < 2^47; within those bounds nothing overflows.
func MultiplyByQuantizedMultiplierInt64(x int64, m int32, shift int32) int32 {
	var reduced int64
	if m < 0x7FFF0000 {
		reduced = int64((m + 1<<15) >> 16)
	} else {
		reduced = 0x7FFF
	}
	totalShift := uint(15 - shift)
	return int32((x*reduced + int64(1)<<(totalShift-1)) >> totalShift)
}

// DownScaleInt32ToInt16Multiplier converts a Q0.31 multiplier (as produced
// by QuantizeMultiplier, m ≥ 0) to Q0.15 with rounding, as TFLite's
// DownScaleInt32ToInt16Multiplier used by the int8 HARD_SWISH prepare:
// (m + 2^15) >> 16, saturated to math.MaxInt16 when m ≥ MaxInt32 - 2^15.
func DownScaleInt32ToInt16Multiplier(m int32) int16 {
	const roundingOffset = 1 << 15
	if m >= math.MaxInt32-roundingOffset {
		return math.MaxInt16
	}
	return int16((m + roundingOffset) >> 16)
}
