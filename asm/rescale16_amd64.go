//go:build !purego

package asm

// rescaleInt16Args is one call of the amd64 RescaleInt16 kernels
// (_gen/rescale32.go): n values (a multiple of 8) of in, out16 or out8.
type rescaleInt16Args struct {
	in       *int16
	out16    *int16
	out8     *int8
	n        int
	bias     int32
	pos, neg *rescale32Vec
}

// rescaleInt16AVX2 is Impl.rescaleInt16 on amd64: whole vectors of 8.
func rescaleInt16AVX2(in []int16, bias int32, pos, neg *Rescale32, out16 []int16, out8 []int8) int {
	n := len(in) &^ 7
	a := rescaleInt16Args{in: &in[0], n: n, bias: bias, pos: pos.vec, neg: neg.vec}
	sel := neg != pos && (neg.m != pos.m || neg.shift != pos.shift)
	switch {
	case out8 != nil && sel:
		a.out8 = &out8[:n][0]
		rescaleInt16To8SelAVX2Kernel(&a)
	case out8 != nil:
		a.out8 = &out8[:n][0]
		rescaleInt16To8AVX2Kernel(&a)
	case sel:
		a.out16 = &out16[:n][0]
		rescaleInt16To16SelAVX2Kernel(&a)
	default:
		a.out16 = &out16[:n][0]
		rescaleInt16To16AVX2Kernel(&a)
	}
	return n
}
