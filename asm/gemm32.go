package asm

// The int32-output GEMM: the exact matrix product, without an epilogue,
// for the ops whose outputs are not int8 (LSTM gates and SVDF features
// requantize to int16 in Go after it). It runs on the matrices PackMatrix
// packs for the int8 GEMM, so one packed matrix serves both.

// gemm32Impl is an implementation's int32-output GEMM (see GemmInt32).
// Every gemmImpl of this package implements it.
type gemm32Impl interface {
	// gemm32 computes rows [0, m) of the product; m >= 1, K >= 1,
	// bounds checked.
	gemm32(a []int8, lda, m int, w *PackedMatrix, out []int32, ldo int)
}

// GemmInt32 computes, for every row r < m and column c < w.N,
//
//	out[r·ldo + c] = Σ_k a[r·lda + k] · W[c][k]
//
// in wrapping int32 arithmetic (what TFLite's int32 accumulators give).
// w must have been packed by the same Impl (PackMatrix); a needs m rows of
// w.K values at stride lda, out m rows of w.N at stride ldo. Nothing else
// of out is written. It does not allocate.
func (impl *Impl) GemmInt32(a []int8, lda, m int, w *PackedMatrix, out []int32, ldo int) {
	if w.impl != impl {
		panic("asm: matrix packed by " + w.impl.Name + ", used with " + impl.Name)
	}
	if m == 0 || w.N == 0 {
		return
	}
	_ = out[(m-1)*ldo+w.N-1]
	if w.K == 0 {
		for r := 0; r < m; r++ {
			clear(out[r*ldo:][:w.N])
		}
		return
	}
	_ = a[(m-1)*lda+w.K-1]
	impl.gemm32.gemm32(a, lda, m, w, out, ldo)
}

// gemm32Ref is GemmInt32's definition on a plain row-major N×K matrix.
func gemm32Ref(a []int8, lda, m int, w []int8, n, k int, out []int32, ldo int) {
	for r := 0; r < m; r++ {
		row := a[r*lda:][:k]
		for c := 0; c < n; c++ {
			var acc int32
			for i, x := range row {
				acc += int32(x) * int32(w[c*k+i])
			}
			out[r*ldo+c] = acc
		}
	}
}
