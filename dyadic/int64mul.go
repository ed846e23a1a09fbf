package dyadic

// MultiplyByQuantizedMultiplier64 is TFLite's MultiplyByQuantizedMultiplier
// for an int64 accumulator (the 16x8 convolutions' output stage). Unlike
// the int32 form it rounds once: the multiplier is first reduced to 16
// bits, (m + 2^15) >> 16, or 0x7FFF when m >= 0x7FFF0000 (so the reduced
// value never reaches 2^15), then
//
//	result = (x · reduced + 2^(14-shift)) >> (15 - shift)
//
// an arithmetic (floor) shift, truncated to int32. m must be >= 0 and
// shift <= 14 (TFLite asserts shift in [-31, 7]; the converter rejects
// shifts the reference cannot shift by). The product wraps in int64 as the
// C++ one does on every target, which can only happen for |x| beyond the
// reference's assumed 2^47.
func MultiplyByQuantizedMultiplier64(x int64, m int32, shift int32) int32 {
	reduced := int64(0x7FFF)
	if m < 0x7FFF0000 {
		reduced = (int64(m) + 1<<15) >> 16
	}
	total := uint(15 - shift)
	return int32((x*reduced + int64(1)<<(total-1)) >> total)
}
