package asm

import "github.com/edgerun/edgerun/dyadic"

// RescaleInt16 is the int16 elementwise rescale (QUANTIZE from int16,
// int16 RELU, RELU6 and LEAKY_RELU: ops/rescale.go) on whole tensors:
//
//	x      = in[i] + bias
//	out[i] = clamp(MultiplyByQuantizedMultiplier(x, m, shift) + zp, lo, hi)
//
// with pos's multiplier, shift, zp and clamp, or neg's multiplier and
// shift where x < 0 (neg nil: pos for every x; neg's zp and clamp are
// pos's). The output is int16 (out16) or int8 (out8, the other nil). The
// kernels widen 8 values at a time, run Rescale32's arithmetic (both
// rescales when neg is set, then a select by the sign of x), and narrow
// with saturation, exact as the values are already clamped inside the
// output type. rescaleInt16Ref is the definition.
//
// It panics unless len(out) >= len(in), pos and neg (when set) have
// multipliers >= 0 (the kernels' form: NewRescale32 with m >= 0), neg's
// zp and clamp equal pos's, and the clamp lies inside the output type.
func (impl *Impl) RescaleInt16(in []int16, bias int32, pos, neg *Rescale32, out16 []int16, out8 []int8) {
	n := len(in)
	lo, hi := int32(-1<<15), int32(1<<15-1)
	if out8 != nil {
		lo, hi = -128, 127
		_ = out8[:n]
	} else {
		_ = out16[:n]
	}
	if pos.vec == nil || pos.lo < lo || pos.hi > hi || neg != nil && (neg.vec == nil || neg.zp != pos.zp || neg.lo != pos.lo || neg.hi != pos.hi) {
		panic("asm: RescaleInt16 parameters outside the kernels' form")
	}
	if neg == nil {
		neg = pos
	}
	done := 0
	if impl.rescaleInt16 != nil && n >= 8 {
		done = impl.rescaleInt16(in, bias, pos, neg, out16, out8)
	}
	for i := done; i < n; i++ {
		v := rescaleInt16One(in[i], bias, pos, neg)
		if out8 != nil {
			out8[i] = int8(v)
		} else {
			out16[i] = int16(v)
		}
	}
}

// rescaleInt16One is one value of RescaleInt16, without a branch on its
// sign.
func rescaleInt16One(v int16, bias int32, pos, neg *Rescale32) int32 {
	x := int32(v) + bias
	sel := x >> 31 // all ones where x < 0
	m := pos.m&^sel | neg.m&sel
	s := pos.shift&^sel | neg.shift&sel
	return min(max(dyadic.MultiplyByQuantizedMultiplier(x, m, s)+pos.zp, pos.lo), pos.hi)
}

// rescaleInt16Ref is the definition.
func rescaleInt16Ref(in []int16, bias int32, pos, neg *Rescale32, out []int32) {
	if neg == nil {
		neg = pos
	}
	for i, v := range in {
		x := int32(v) + bias
		r := pos
		if x < 0 {
			r = neg
		}
		out[i] = min(max(dyadic.MultiplyByQuantizedMultiplier(x, r.m, r.shift)+r.zp, r.lo), r.hi)
	}
}
