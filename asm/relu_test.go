package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// tieEpilogue returns an epilogue of n channels whose sums of small
// values land on the rounding shift's ties (multipliers of one half and
// about one, right shifts minShift..3, small biases), the output offset
// off and the clamp [lo, 127].
func tieEpilogue(r *rand.Rand, n int, off, lo int32, minShift int) *Epilogue {
	e := &Epilogue{bias: make([]int32, n), mult: make([]int32, n), shift: make([]int32, n), outOffset: off, lo: lo, hi: 127}
	for c := range n {
		e.bias[c] = int32(r.IntN(41) - 20)
		e.mult[c] = []int32{1 << 30, math.MaxInt32, 3 << 29, 0, 1}[r.IntN(5)]
		e.shift[c] = -int32(minShift + r.IntN(4-minShift))
	}
	return e
}

// TestReluEpilogues: with the clamp at the output offset or above it
// (clampsNegatives: the kernels' Relu forms, arm64's gemmArgs.relu and
// the AVX-512 bounded kernels' Relu variants, drop the rounding shift's
// sign correction) every implementation gives the reference's bytes, and
// so it does just below it (lo = outOff − 1, where a negative tie rounds
// to outOff − 1 and a Relu form would give outOff). The sums are small,
// so negative sums and ties are common. On avx512vnni the cases must take
// the bounded kernels.
func TestReluEpilogues(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(41, 42))
		iters := 400
		if testing.Short() {
			iters = 100
		}
		for i := 0; i < iters; i++ {
			off := int32(r.IntN(11) - 5)
			lo := off + []int32{-1, 0, 1, 3}[i%4]
			if got, want := clampsNegatives(&Epilogue{outOffset: off, lo: lo}), lo >= off; got != want {
				t.Fatalf("clampsNegatives(lo %d, outOff %d) = %v", lo, off, got)
			}
			// GEMM: rows around the row blocks, partial and whole panels.
			c := newGemmCase(r, 1+r.IntN(14), 1+r.IntN(100), 1+r.IntN(40))
			fillInt8(r, c.a, 4)
			fillInt8(r, c.w, 4)
			// Every other case without a zero shift: avx2's and avxvnni's
			// bounded GEMM takes right shifts of 1 or more only (and a last
			// partial panel only when a multiple of 4 wide).
			minShift := i / 4 % 2
			if minShift == 1 {
				c.n = 16*r.IntN(4) + 4*r.IntN(4) + 4
				c.ldo = c.n
				c.w = make([]int8, c.n*c.k)
				fillInt8(r, c.w, 4)
			}
			c.e = tieEpilogue(r, c.n, off, lo, minShift)
			p := impl.PackMatrix(c.w, c.n, c.k)
			impl.PrepareEpilogue(p, c.e)
			switch {
			case impl.Name == "avx512vnni" && c.e.vnniBounded == nil,
				(impl.Name == "avx2" || impl.Name == "avxvnni") && minShift == 1 && c.e.avx2Bounded == nil:
				t.Fatalf("%v: not bounded", c)
			}
			c.e.vnniBounded, c.e.avx2Bounded = nil, nil
			runGemmCase(t, impl, c) // raw, as built (simple), prepared
			if t.Failed() {
				t.Fatalf("gemm %v: lo %d, outOff %d", c, lo, off)
			}

			// Depthwise: 3x3 and 5x5 filters, channel counts with pixel
			// groups (1, 2, 4, 8), a full and a partial block.
			kw := []int{3, 5}[r.IntN(2)]
			ch := []int{1, 2, 4, 8, 16, 23}[r.IntN(6)]
			d := newDwCase(r, kw, kw, ch, 1+r.IntN(20), 1+r.IntN(2), 1, 1)
			fillInt8(r, d.in, 4)
			fillInt8(r, d.w, 4)
			d.e = tieEpilogue(r, ch, off, lo, 0)
			if impl.Name == "avx512vnni" {
				p := impl.PackDepthwise(d.w, d.kh, d.kw, d.c)
				impl.PrepareDepthwiseEpilogue(p, d.e)
				if d.e.dw == nil {
					t.Fatalf("%v: not bounded", d)
				}
				d.e.dw = nil
			}
			runDwCase(t, impl, d)
			if t.Failed() {
				t.Fatalf("depthwise %v: lo %d, outOff %d", d, lo, off)
			}
		}
	})
}
