package asm

// The generic implementation's int32-output GEMM: gemm_generic.go's
// kernel (pairs of rows packed into one int64, see the top of that file)
// without the epilogue. Bit-exact with gemm32Ref.

func (genericGemm) gemm32(a []int8, lda, m int, w *PackedMatrix, out []int32, ldo int) {
	n, k := w.N, w.K
	r := 0
	if k < maxPairedDepth && m >= 2 {
		var s gemmScratch
		for ; r+2 <= m; r += 2 {
			gemm32Pair(&s, a[r*lda:][:k], a[(r+1)*lda:][:k], w.Data, n, out[r*ldo:][:n], out[(r+1)*ldo:][:n])
		}
	}
	for ; r < m; r++ {
		DotRows(a[r*lda:][:k], w.Data, out[r*ldo:][:n])
	}
}

// gemm32Pair computes two rows of the product into out0 and out1.
func gemm32Pair(s *gemmScratch, a0, a1, w []int8, n int, out0, out1 []int32) {
	k := len(a0)
	oneBlock := k <= genericKBlock
	if oneBlock {
		packPair(s.packed[:k], a0, a1)
	}
	for n0 := 0; n0 < n; n0 += genericNBlock {
		nb := min(genericNBlock, n-n0)
		sums := s.sums[:nb]
		clear(sums)
		for k0 := 0; k0 < k; k0 += genericKBlock {
			kb := min(genericKBlock, k-k0)
			p := s.packed[:kb]
			if !oneBlock {
				packPair(p, a0[k0:][:kb], a1[k0:][:kb])
			}
			pairRows(p, w[n0*k+k0:], k, sums)
		}
		lo, hi := out0[n0:][:nb], out1[n0:][:nb]
		for j, t := range sums {
			lo[j], hi[j] = unpair(t)
		}
	}
}

// Every gemmImpl has the int32-output GEMM (GemmInt32 asserts it).
var _ gemm32Impl = genericGemm{}
