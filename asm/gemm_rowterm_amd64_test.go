//go:build !purego

package asm

import (
	"math/rand/v2"
	"testing"
)

// rowTermBounded gives c row terms of offset f (withRowTerms) and an
// epilogue from epi whose biases leave room for them: the bounded
// epilogues' limit 2^30 − 1 − 128·(Σ|w| + ⌈bound/128⌉).
func rowTermBounded(r *rand.Rand, c *gemmCase, f int32, epi func(r *rand.Rand, w []int8, n, k int) *Epilogue) *gemmCase {
	c.e = epi(r, c.w, c.n, c.k)
	withRowTerms(r, c, f, r.IntN(2) == 0)
	extra := 128 * c.e.rowTermAbs()
	for col := range c.e.bias {
		limit := int64(1<<30-1) - 128*c.e.absSum(c.w, c.k, col) - extra
		c.e.bias[col] = int32(max(-limit, min(limit, int64(c.e.bias[col]))))
	}
	return c
}

// absSum is Σ_k |w[col][k]|.
func (e *Epilogue) absSum(w []int8, k, col int) int64 {
	var s int64
	for _, v := range w[col*k:][:k] {
		s += max(int64(v), -int64(v))
	}
	return s
}

// TestGemmRowTermBounded: the bounded epilogues (avx2's gemmAVX2B,
// avxvnni's gemmAVXVNNIB, the VNNI Bounded kernels) with row terms, their bound part of the proof:
// random shapes, then |acc + bias + rowTerm| driven to exactly 2^30 − 1
// (rows and weights at the extremes, biases at the limit, the terms at
// their bound in the same direction), and one unit of bias more taking
// the general path.
func TestGemmRowTermBounded(t *testing.T) {
	for _, name := range []string{"avx2", "avxvnni", "avx512vnni"} {
		t.Run(name, func(t *testing.T) {
			impl := implNamed(t, name)
			epi := gemmBoundedEpilogue
			if name == "avx512vnni" {
				epi = vnniBoundedEpilogue
			}
			r := rand.New(rand.NewPCG(47, 48))
			ms := []int{1, 2, 5, 6, 7, 12, 13, 37}
			ks := []int{1, 2, 3, 7, 16, 17, 33, 64, 255, 1024}
			for i := 0; i < 200; i++ {
				n := 16 * (1 + r.IntN(6))
				if name == "avx512vnni" {
					n = 1 + r.IntN(150)
				}
				c := newGemmCase(r, ms[r.IntN(len(ms))], n, ks[r.IntN(len(ks))])
				runPrepared(t, impl, rowTermBounded(r, c, filterOffsets[r.IntN(len(filterOffsets))], epi), true)
				if t.Failed() {
					return
				}
			}
			for _, k := range []int{1, 7, 64, 1000} {
				for _, rowVal := range []int8{-128, 127} {
					for _, f := range []int32{-127, 128} {
						c := limitGemmCase(r, 13, 32, k, rowVal)
						for col := 0; col < c.n; col++ {
							c.e.shift[col] = []int32{-1, -31, -30, -2}[col%4]
						}
						c.e.BoundRowTerms(int64(max(f, -f)) * 128 * int64(k))
						extra := 128 * c.e.rowTermAbs()
						// Each row's term pushes like the bias of the
						// even channels; the odd ones get it the other
						// way, so their bias keeps the limit's room.
						c.rt = make([]int32, c.m)
						sign := int32(1)
						if c.e.bias[0] < 0 {
							sign = -1
						}
						for i := range c.rt {
							c.rt[i] = sign * int32(extra)
						}
						for col := range c.e.bias {
							if c.e.bias[col] > 0 {
								c.e.bias[col] -= int32(extra)
							} else {
								c.e.bias[col] += int32(extra)
							}
						}
						runPrepared(t, impl, c, true)
						runPrepared(t, impl, withBad(c, biasPastLimit5), false)
					}
				}
			}
		})
	}
}
