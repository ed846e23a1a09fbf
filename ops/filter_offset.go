package ops

import (
	"unsafe"

	"github.com/edgerun/edgerun/asm"
)

// Legacy uint8 models (per-tensor asymmetric weights, shifted to int8 by
// the converter) keep a filter offset f in CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED. On the GEMM kernels it is a row term (gemmlowp's
// approach): Σ_k a·(w + f) = Σ_k a·w + f·Σ_k a, the second term computed
// once per row (output pixel, batch row) and shared by every output
// channel; the constant parts (input_offset·Σw, K·f·input_offset) are
// folded into the bias at prepare as before.

// offsetChunk is how many rows' terms a GEMM with a filter offset computes
// at a time when its rows are not already blocked (pointwise convolutions,
// fully connected): 4·offsetChunk bytes of scratch.
const offsetChunk = 96

// rowTermBound returns the bound |f|·128·k on a row term f·Σ a of k int8
// values and whether it is below 2^31 (asm's BoundRowTerms range; it is
// for every k < 2^17).
func rowTermBound(f int32, k int) (int64, bool) {
	b := int64(max(f, -f)) * 128 * int64(k)
	return b, b > 0 && b < 1<<31
}

// gemmFilterOffset computes m rows of the GEMM of a by w with filter
// offset f, the rows' terms computed len(rt) rows at a time in rt.
func gemmFilterOffset(impl *asm.Impl, a []int8, lda, m int, w *asm.PackedMatrix, e *asm.Epilogue, out []int8, ldo int, f int32, rt []int32) {
	for r := 0; r < m; r += len(rt) {
		n := min(len(rt), m-r)
		ra := a[r*lda:]
		impl.RowTermSums(ra, lda, n, w.K, f, rt[:n])
		impl.GemmRowTerm(ra, lda, n, w, e, out[r*ldo:], ldo, rt[:n])
	}
}

// bytesOf views a as []byte without copying.
func bytesOf(a []int8) []byte {
	if len(a) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), len(a))
}
