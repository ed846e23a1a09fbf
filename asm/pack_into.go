package asm

import "fmt"

// Packing into caller memory, for weight matrices that change on every
// call (BATCH_MATMUL with an activation as its right-hand side): the same
// layouts as PackMatrix, written into a buffer the caller owns (an arena's
// scratch), so that nothing is allocated per call. The layouts are each
// implementation's (gemm_*.go); TestPackIntoMatchesPackMatrix holds them
// equal to PackMatrix's for every implementation.

// PackedBytes returns the buffer length PackInto needs for an n×k matrix.
func (impl *Impl) PackedBytes(n, k int) int {
	if b, ok := packedBytesArch(impl.gemm, n, k); ok {
		return b
	}
	return n * k // generic: row-major
}

// PackInto packs the n×k matrix whose element (c, x) is w[c·cs + x·ks]
// (strides >= 0, so a transposed operand needs no copy first) into buf
// (at least PackedBytes(n, k) bytes) and points dst at it: dst is then a
// matrix for Gemm with this impl, valid while buf and rowSums are not
// reused. rowSums (len >= n) receives Σ_x w(c, x) per row, which the
// callers fold into their bias (and some implementations' kernels read).
// dst cannot be given to PrepareEpilogue. It does not allocate.
func (impl *Impl) PackInto(dst *PackedMatrix, buf []int8, rowSums []int32, w []int8, cs, ks, n, k int) {
	need := impl.PackedBytes(n, k)
	if n < 1 || k < 1 || cs < 0 || ks < 0 || len(buf) < need || len(rowSums) < n || (n-1)*cs+(k-1)*ks >= len(w) {
		panic(fmt.Sprintf("asm: PackInto of %dx%d (strides %d, %d) from %d bytes into %d bytes and %d sums",
			n, k, cs, ks, len(w), len(buf), len(rowSums)))
	}
	buf = buf[:need]
	sums := rowSums[:n]
	switch {
	case ks == 1: // rows contiguous
		for c := range sums {
			var s int32
			for _, v := range w[c*cs:][:k] {
				s += int32(v)
			}
			sums[c] = s
		}
	case cs == 1: // columns contiguous (a [k][n] operand)
		clear(sums)
		for x := 0; x < k; x++ {
			for c, v := range w[x*ks:][:n] {
				sums[c] += int32(v)
			}
		}
	default:
		for c := range sums {
			var s int32
			for x := 0; x < k; x++ {
				s += int32(w[c*cs+x*ks])
			}
			sums[c] = s
		}
	}
	if !packIntoArch(impl.gemm, buf, w, cs, ks, n, k) {
		for c := 0; c < n; c++ {
			row := buf[c*k:][:k]
			for x := range row {
				row[x] = w[c*cs+x*ks]
			}
		}
	}
	*dst = PackedMatrix{N: n, K: k, Data: buf, RowSums: sums, impl: impl}
}

// NewEpilogueVariableBias is NewEpilogue for matrices packed per call
// (PackInto), whose folded bias changes with every matrix: the caller may
// rewrite bias's values between Gemm calls (not during one), since the
// checks NewEpilogue caches depend on mult and shift only. mult and shift
// must not change. It must not be given to PrepareEpilogue, whose
// constants depend on the bias.
func NewEpilogueVariableBias(bias, mult, shift []int32, outOffset, lo, hi int32) *Epilogue {
	return NewEpilogue(bias, mult, shift, outOffset, lo, hi)
}
