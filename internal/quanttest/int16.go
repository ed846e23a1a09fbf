package quanttest

// MultiplyByQuantizedMultiplier64 is TFLite's 64-bit-input
// MultiplyByQuantizedMultiplier (the 16x8 output stage), restated: m
// rounded to its upper 16 bits (half up, capped at 2^15-1), then
// x·that/2^(15-shift) rounded half up (toward +infinity on ties), the
// result's low 32 bits. shift in [-31, 14], m >= 0.
func MultiplyByQuantizedMultiplier64(x int64, m, shift int32) int32 {
	red := int64(m)/65536 + int64(m)%65536/32768 // round half up of m/2^16 (m >= 0)
	if red > 32767 {
		red = 32767
	}
	d := int64(1) << uint(15-shift)
	p := x * red
	q := p / d // truncates toward zero
	rem := p - q*d
	// Half up: floor(p/d + 1/2).
	if rem < 0 {
		rem += d
		q--
	}
	if 2*rem >= d {
		q++
	}
	return int32(q)
}

// Requantize16 is the 16x8 conv family's output stage: an int64
// accumulator (bias added), MultiplyByQuantizedMultiplier64, the clamp to
// [lo, hi] (within int16; the output zero point is 0).
func Requantize16(acc int64, m, shift, lo, hi int32) int16 {
	return int16(min(max(MultiplyByQuantizedMultiplier64(acc, m, shift), lo), hi))
}

// Requantize16Int32 is the output stage of a 16x8 conv whose bias is int32
// or absent: TFLite accumulates in wrapping int32 then and uses the int32
// MultiplyByQuantizedMultiplier.
func Requantize16Int32(acc, m, shift, lo, hi int32) int16 {
	return int16(min(max(MultiplyByQuantizedMultiplier(acc, m, shift), lo), hi))
}
