//go:build !purego

package asm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestGemmSegments: GemmSegments equals the reference GEMM of the rows
// gathered from their segments, for every implementation with the kernel,
// on row blocks and their tails (1..7 rows and more), every panel width,
// segments that overlap (as a convolution's rows do) or lie apart, with
// the general epilogue and (where it qualifies) the bounded one.
func TestGemmSegments(t *testing.T) {
	if impl := implNamed(t, "avx512vnni"); !impl.HasGemmSegments() {
		t.Error("avx512vnni has no segmented GEMM")
	}

	forEachImpl(t, func(t *testing.T, impl *Impl) {
		if !impl.HasGemmSegments() {
			t.Skip("no segmented GEMM")
		}

		r := rand.New(rand.NewPCG(31, 32))
		bound := 0
		for i := 0; i < 500; i++ {
			segs, segK := 1+r.IntN(5), 4*(1+r.IntN(40))
			k, n, m := segs*segK, 1+r.IntN(150), 1+r.IntN(20)
			lda, segStride := r.IntN(2*segK), r.IntN(3*segK)
			a := make([]int8, (m-1)*lda+(segs-1)*segStride+segK) // exactly what the rows read
			w := make([]int8, n*k)
			fillInt8(r, a, r.IntN(5))
			fillInt8(r, w, r.IntN(5))
			rows := make([]int8, m*k)
			for row := range m {
				for s := range segs {
					copy(rows[row*k+s*segK:][:segK], a[row*lda+s*segStride:])
				}
			}
			e := randEpilogue(r, n)
			if r.IntN(2) == 0 {
				e = vnniBoundedEpilogue(r, w, n, k)
			}
			want := make([]int8, m*n)
			gemmRef(rows, k, m, w, n, k, e, want, n, nil)
			p := impl.PackMatrix(w, n, k)
			what := fmt.Sprintf("m=%d n=%d segs=%d segK=%d lda=%d segStride=%d", m, n, segs, segK, lda, segStride)
			const g = 64
			all, out := guarded(m*n, g)
			impl.GemmSegments(a, lda, m, segs, segStride, p, e, out, n)
			checkOut(t, what, all, want, g, m, n, n)
			impl.PrepareEpilogue(p, e)
			if e.vnniBounded != nil {
				bound++
			}
			all, out = guarded(m*n, g)
			impl.GemmSegments(a, lda, m, segs, segStride, p, e, out, n)
			checkOut(t, what+" prepared", all, want, g, m, n, n)
			if t.Failed() {
				return
			}
		}
		if bound < 100 {
			t.Errorf("bounded epilogue in %d of 500 cases", bound)
		}
	})
}
