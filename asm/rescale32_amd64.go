//go:build !purego

package asm

// rescale32Args is one call of rescale32AVX2Kernel (_gen/rescale32.go):
// n values (a multiple of 8, >= 8) of acc + bias rescaled into out.
type rescale32Args struct {
	acc, bias, out *int32
	n              int
	v              *rescale32Vec
}

// rescale32AVX2 is Impl.rescale32 on amd64: whole vectors of 8.
func rescale32AVX2(acc, bias []int32, r *Rescale32, out []int32) int {
	n := len(acc) &^ 7
	if n > 0 {
		_, _ = bias[n-1], out[n-1]
		rescale32AVX2Kernel(&rescale32Args{acc: &acc[0], bias: &bias[0], out: &out[0], n: n, v: r.vec})
	}
	return n
}
