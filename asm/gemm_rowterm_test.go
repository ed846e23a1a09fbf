package asm

import (
	"math/rand/v2"
	"testing"
)

// Row terms (GemmRowTerm): how the ops run a filter offset f on the
// kernels, Σ_k a·(w + f) = Σ_k a·w + f·Σ_k a. The expectations come from
// gemmRef with the same terms, and TestGemmRowTermIsFilterOffset checks
// that definition against the product with the offset weights themselves.

// filterOffsets are the legacy uint8 models' offsets after the converter's
// shift to int8 (128 − zero point: [−127, 128]), extremes first.
var filterOffsets = []int32{-127, 128, 1, -1, 5, -100}

// withRowTerms gives c the row terms of filter offset f (f·Σ_k a[r][k],
// as the ops compute them; rowTermSums) or, when random, arbitrary terms
// within the bound |f|·128·K (at the bound with probability 1/4), and
// declares that bound to its epilogue.
func withRowTerms(r *rand.Rand, c *gemmCase, f int32, random bool) *gemmCase {
	bound := int64(max(f, -f)) * 128 * int64(c.k)
	c.e.BoundRowTerms(bound)
	c.rt = make([]int32, c.m)
	for i := range c.rt {
		if !random {
			var s int32
			for _, v := range c.a[i*c.lda:][:c.k] {
				s += int32(v)
			}
			c.rt[i] = f * s
			continue
		}
		switch r.IntN(4) {
		case 0:
			c.rt[i] = int32([]int64{bound, -bound}[r.IntN(2)])
		default:
			c.rt[i] = int32(r.Int64N(2*bound+1) - bound)
		}
	}
	return c
}

func TestGemmRowTermAllImplementations(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(41, 42))
		for m := 1; m <= 13; m++ {
			for _, n := range []int{1, 3, 4, 15, 16, 17, 32, 33, 47, 48, 49, 64, 97} {
				for _, k := range []int{1, 2, 3, 4, 5, 15, 16, 17, 31, 33, 64, 65} {
					f := filterOffsets[r.IntN(len(filterOffsets))]
					runGemmCase(t, impl, withRowTerms(r, newGemmCase(r, m, n, k), f, r.IntN(3) == 0))
				}
			}
			if t.Failed() {
				return
			}
		}
		iters := 200
		if testing.Short() {
			iters = 40
		}
		for i := 0; i < iters; i++ {
			m := gemmSizes[r.IntN(len(gemmSizes))]
			n := gemmSizes[r.IntN(len(gemmSizes))]
			k := gemmSizes[r.IntN(len(gemmSizes))] + r.IntN(3)*r.IntN(300)
			f := filterOffsets[r.IntN(len(filterOffsets))]
			runGemmCase(t, impl, withRowTerms(r, newGemmCase(r, m, n, k), f, r.IntN(3) == 0))
			if t.Failed() {
				return
			}
		}
		// The generic kernel's block edges, and the extremes: rows of
		// −128 or 127 with the largest offsets.
		for _, k := range []int{511, 512, 513, 1025, 2048, 2049} {
			for _, m := range []int{1, 2, 5, 6, 7} {
				c := newGemmCase(r, m, 65, k)
				fillInt8(r, c.a, []int{1, 2, 3}[r.IntN(3)])
				runGemmCase(t, impl, withRowTerms(r, c, filterOffsets[r.IntN(2)], false))
			}
		}
	})
}

// TestGemmRowTermIsFilterOffset: the row terms of offset f give the
// product with the weights w + f (as int32), which is what the ops mean
// by them: computed directly, in wrapping int32, without gemmRef.
func TestGemmRowTermIsFilterOffset(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(43, 44))
		for i := 0; i < 40; i++ {
			m, n, k := 1+r.IntN(20), 1+r.IntN(70), 1+r.IntN(300)
			f := filterOffsets[r.IntN(len(filterOffsets))]
			c := withRowTerms(r, newGemmCase(r, m, n, k), f, false)
			want := make([]int8, (m-1)*c.ldo+n)
			for row := 0; row < m; row++ {
				for col := 0; col < n; col++ {
					var acc int32
					for j := 0; j < k; j++ {
						acc += int32(c.a[row*c.lda+j]) * (int32(c.w[col*k+j]) + f)
					}
					want[row*c.ldo+col] = requantize(acc, col, c.e)
				}
			}
			p := impl.PackMatrix(c.w, n, k)
			impl.PrepareEpilogue(p, c.e)
			out := make([]int8, len(want))
			impl.GemmRowTerm(c.a, c.lda, m, p, c.e, out, c.ldo, c.rt)
			for row := 0; row < m; row++ {
				for col := 0; col < n; col++ {
					if got, w := out[row*c.ldo+col], want[row*c.ldo+col]; got != w {
						t.Fatalf("%v f=%d: out[%d][%d] = %d, want %d", c, f, row, col, got, w)
					}
				}
			}
		}
	})
}

func TestGemmRowTermNeedsBound(t *testing.T) {
	impl := All()[0]
	p := impl.PackMatrix(make([]int8, 4), 2, 2)
	e := NewEpilogue(make([]int32, 2), make([]int32, 2), make([]int32, 2), 0, -128, 127)
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	impl.GemmRowTerm(make([]int8, 2), 2, 1, p, e, make([]int8, 2), 2, make([]int32, 1))
}

func TestGemmRowTermAllocatesNothing(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(45, 46))
		c := withRowTerms(r, newGemmCase(r, 7, 45, 77), 128, false)
		p := impl.PackMatrix(c.w, c.n, c.k)
		impl.PrepareEpilogue(p, c.e)
		out := make([]int8, (c.m-1)*c.ldo+c.n)
		if n := testing.AllocsPerRun(10, func() { impl.GemmRowTerm(c.a, c.lda, c.m, p, c.e, out, c.ldo, c.rt) }); n != 0 {
			t.Errorf("GemmRowTerm allocates %v times", n)
		}
	})
}
