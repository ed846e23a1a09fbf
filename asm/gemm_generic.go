package asm

import "github.com/edgerun/edgerun/dyadic"

// The generic implementation's GEMM: pure Go, shaped for Go's compiler,
// bit-exact with gemmRef (the plain definition, kept for the tests).
//
// Two rows of a are multiplied at once: the pair is packed into one int64
// per element, p = a0 + a1·2^32, so that one 64-bit multiply by a weight
// yields both products. Σ p·w_c is L + H·2^32 (mod 2^64) with L = Σ a0·w_c
// and H = Σ a1·w_c; while K < maxPairedDepth, |L| <= K·2^14 < 2^31, so L
// is the low 32 bits read as signed and H is (sum − L) >> 32, wrapped to
// int32 exactly as TFLite's int32 accumulator wraps. The bound is on the
// whole K sum, whatever the blocking below; deeper matrices take one row
// at a time. Everything lives in fixed-size stack arrays (K in blocks of
// genericKBlock packed pairs, N in blocks of genericNBlock columns), so
// the kernel never allocates.

const (
	// maxPairedDepth bounds K for the packed pairs: below it the low
	// lane never carries into the high one.
	maxPairedDepth = 1 << 17
	genericKBlock  = 512 // packed pairs per K block (4 KiB)
	genericNBlock  = 64  // output columns per block
)

// genericGemm is the generic implementation's GEMM: plain row-major
// packing.
type genericGemm struct{}

func (genericGemm) pack(w []int8, n, k int) *PackedMatrix {
	return &PackedMatrix{N: n, K: k, Data: append([]int8(nil), w...)}
}

// gemmScratch is the generic GEMM's working memory, on the stack of one
// Gemm call (zeroed once per call, not per row).
type gemmScratch struct {
	packed     [genericKBlock]int64 // a packed pair of rows, one K block
	sums       [genericNBlock]int64 // packed sums of one N block
	acc0, acc1 [genericNBlock]int32
}

func (genericGemm) gemm(a []int8, lda, m int, w *PackedMatrix, e *Epilogue, out []int8, ldo int, rt []int32) {
	n, k := w.N, w.K
	var s gemmScratch
	term := func(r int) int32 {
		if rt == nil {
			return 0
		}
		return rt[r]
	}
	r := 0
	if k < maxPairedDepth {
		for ; r+2 <= m; r += 2 {
			gemmPair(&s, a[r*lda:][:k], a[(r+1)*lda:][:k], w.Data, n, e, out[r*ldo:][:n], out[(r+1)*ldo:][:n], term(r), term(r+1))
		}
	}
	for ; r < m; r++ {
		row, dst := a[r*lda:][:k], out[r*ldo:][:n]
		t := term(r)
		for n0 := 0; n0 < n; n0 += genericNBlock {
			nb := min(genericNBlock, n-n0)
			DotRows(row, w.Data[n0*k:], s.acc0[:nb])
			if t != 0 {
				for j := range s.acc0[:nb] {
					s.acc0[j] += t
				}
			}
			e.Requantize(s.acc0[:nb], n0, dst[n0:])
		}
	}
}

// gemmPair computes two rows of the product (see the top of the file),
// their sums starting at t0 and t1.
func gemmPair(s *gemmScratch, a0, a1, w []int8, n int, e *Epilogue, out0, out1 []int8, t0, t1 int32) {
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
		lo, hi := s.acc0[:nb], s.acc1[:nb]
		for j, t := range sums {
			l, h := unpair(t)
			lo[j], hi[j] = l+t0, h+t1
		}
		e.Requantize(lo, n0, out0[n0:])
		e.Requantize(hi, n0, out1[n0:])
	}
}

// packPair sets p[i] = a0[i] + a1[i]·2^32.
func packPair(p []int64, a0, a1 []int8) {
	a0, a1 = a0[:len(p)], a1[:len(p)]
	for i, x := range a0 {
		p[i] = int64(x) + int64(a1[i])<<32
	}
}

// pairRows adds Σ_i p[i]·w[j·stride + i] (i < len(p)) to s[j] for every
// j < len(s).
func pairRows(p []int64, w []int8, stride int, s []int64) {
	kb := len(p)
	j := 0
	for ; j+4 <= len(s); j += 4 {
		t0, t1, t2, t3 := pair4(p, w[j*stride:][:kb], w[(j+1)*stride:][:kb], w[(j+2)*stride:][:kb], w[(j+3)*stride:][:kb])
		s[j] += t0
		s[j+1] += t1
		s[j+2] += t2
		s[j+3] += t3
	}
	for ; j < len(s); j++ {
		s[j] += pair1(p, w[j*stride:][:kb])
	}
}

// unpair splits a packed sum L + H·2^32 with |L| < 2^31.
func unpair(t int64) (lo, hi int32) {
	lo = int32(t)
	return lo, int32((t - int64(lo)) >> 32)
}

// pair4 returns Σ p[i]·b_j[i] for four rows. It is a separate,
// non-inlined function: inlined, the compiler spills the four sums to the
// stack inside the loop. (Same for dot4.)
//
//go:noinline
func pair4(p []int64, b0, b1, b2, b3 []int8) (t0, t1, t2, t3 int64) {
	b0, b1, b2, b3 = b0[:len(p)], b1[:len(p)], b2[:len(p)], b3[:len(p)]
	for i, x := range p {
		t0 += x * int64(b0[i])
		t1 += x * int64(b1[i])
		t2 += x * int64(b2[i])
		t3 += x * int64(b3[i])
	}
	return
}

// pair1 returns Σ p[i]·b[i].
func pair1(p []int64, b []int8) (t int64) {
	b = b[:len(p)]
	for i, x := range p {
		t += x * int64(b[i])
	}
	return
}

// DotRows sets acc[r] = Σ_k a[k]·b[r·len(a)+k] for r < len(acc), in
// wrapping int32 arithmetic: one vector against len(acc) row-major rows
// of its length (b must hold at least len(acc)·len(a) values). It is the
// generic GEMM's one-row loop, exported for the ops' Go paths that no
// kernel covers yet (grouped convolutions, legacy uint8 filter offsets).
// It does not allocate.
func DotRows(a, b []int8, acc []int32) {
	k := len(a)
	b = b[:len(acc)*k]
	r := 0
	for ; r+4 <= len(acc); r += 4 {
		acc[r], acc[r+1], acc[r+2], acc[r+3] = dot4(a, b[r*k:][:k], b[(r+1)*k:][:k], b[(r+2)*k:][:k], b[(r+3)*k:][:k])
	}
	for ; r < len(acc); r++ {
		acc[r] = dot1(a, b[r*k:][:k])
	}
}

// dot4 returns the dot products of a with four rows of its length.
//
//go:noinline
func dot4(a, b0, b1, b2, b3 []int8) (s0, s1, s2, s3 int32) {
	b0, b1, b2, b3 = b0[:len(a)], b1[:len(a)], b2[:len(a)], b3[:len(a)]
	for i, x := range a {
		v := int32(x)
		s0 += v * int32(b0[i])
		s1 += v * int32(b1[i])
		s2 += v * int32(b2[i])
		s3 += v * int32(b3[i])
	}
	return
}

// dot1 returns Σ a[i]·b[i] over len(a) values.
func dot1(a, b []int8) (s int32) {
	b = b[:len(a)]
	for i, x := range a {
		s += int32(x) * int32(b[i])
	}
	return
}

// Requantize writes out[i] = epilogue(acc[i], c0+i) for i < len(acc):
// the Epilogue applied to accumulators of channels [c0, c0+len(acc)). It
// is the generic kernels' output stage, exported for the ops' Go paths
// that no kernel covers yet. It does not allocate.
func (e *Epilogue) Requantize(acc []int32, c0 int, out []int8) {
	n := len(acc)
	bias, mult, shift, out := e.bias[c0:][:n], e.mult[c0:][:n], e.shift[c0:][:n], out[:n]
	off, lo, hi := e.outOffset, e.lo, e.hi
	// MultiplyByQuantizedMultiplier in its steps (its dyadic helpers
	// inline; the whole function does not); shift is in [-31, 30].
	if e.simple {
		// No channel shifts left: the common case, one loop without the
		// left shift.
		for i, a := range acc {
			v := dyadic.RoundingDivideByPOT(dyadic.SaturatingRoundingDoublingHighMul(a+bias[i], mult[i]), -shift[i]) + off
			out[i] = int8(min(max(v, lo), hi))
		}
		return
	}
	for i, a := range acc {
		s := shift[i]
		v := dyadic.RoundingDivideByPOT(dyadic.SaturatingRoundingDoublingHighMul((a+bias[i])<<(uint32(max(s, 0))&31), mult[i]), max(-s, 0)) + off
		out[i] = int8(min(max(v, lo), hi))
	}
}
