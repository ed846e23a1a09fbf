//go:build !purego

package asm

// rescale32Neon (rescale32_arm64.s, written by gen_arm64.go) sets out =
// clamp(MBQM(acc + bias) + zp, lo, hi) for n values, a multiple of 4.
//
//go:noescape
func rescale32Neon(acc *int32, bias *int32, out *int32, n int, r *Rescale32)

// rescale32NeonGo is Impl.rescale32 on arm64: whole vectors of 4.
func rescale32NeonGo(acc, bias []int32, r *Rescale32, out []int32) int {
	n := len(acc) &^ 3
	if n > 0 {
		_, _ = bias[n-1], out[n-1]
		rescale32Neon(&acc[0], &bias[0], &out[0], n, r)
	}
	return n
}
