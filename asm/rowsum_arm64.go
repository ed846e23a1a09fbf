//go:build !purego

package asm

// rowSumNeon sets out[r] = f·Σ a[r·lda : r·lda+k] for r < n (n >= 1,
// k >= 8; rowsum_arm64.s, written by gen_arm64.go).
//
//go:noescape
func rowSumNeon(a *int8, lda int, n int, k int, f int32, out *int32)

// rowSumsNeon is Impl.rowSums on arm64 (bounds checked).
func rowSumsNeon(a []int8, lda, n, k int, f int32, rt []int32) {
	rowSumNeon(&a[0], lda, n, k, f, &rt[0])
}
