package asm

import "github.com/edgerun/edgerun/dyadic"

// Epilogue is the requantization fused into the GEMM, per output channel
// n (TFLite's conv / fully connected output stage):
//
//	v   = acc[n] + bias[n]                                   (wrapping int32)
//	v   = MultiplyByQuantizedMultiplier(v, mult[n], shift[n]) (double rounding)
//	out = clamp(v + outOffset, lo, hi)
//
// bias already holds everything folded at prepare (the op's bias plus
// input_offset·Σw and friends). shift follows TFLite: positive = left.
// An Epilogue is built only by NewEpilogue, which does the per-channel
// checks once; its fields never change afterwards, so the caches beside
// them stay true.
//
// Every implementation is exact for what TFLite's QuantizeMultiplier
// produces and the ops check at load: mult >= 0 and shift in [-31, 30].
// Outside that range (a right shift of 32, say) the implementations may
// disagree with each other and with the reference.
type Epilogue struct {
	bias, mult, shift []int32 // len N each
	outOffset         int32
	lo, hi            int32 // within [-128, 127]
	// simple caches whether no channel shifts left and no multiplier is
	// INT32_MIN (the kernels then skip those steps).
	simple bool
	// avx2Bounded, set by Impl.PrepareEpilogue for the avx2 Impl, holds
	// the constants of its bounded-epilogue kernel for one packed matrix
	// (nil: the general epilogue). See avx2PrepareBounded.
	avx2Bounded *avx2Bounded
	// vnniBounded, set by Impl.PrepareEpilogue for the avx512vnni Impl,
	// holds its bounded-epilogue kernels' constants for one packed matrix
	// (nil: the general epilogue). See vnniPrepareBounded.
	vnniBounded *vnniBounded
	// dw, depthwise only: the bounded epilogue PrepareDepthwiseEpilogue prepared for
	// one packed depthwise filter (nil: none).
	dw *dwBound
	// rowTermMax bounds |rowTerm[r]| for GemmRowTerm (set by
	// BoundRowTerms before PrepareEpilogue; 0: no row terms).
	rowTermMax int64
}

// clampsNegatives reports whether e's clamp starts at or above its output
// offset (a fused ReLU or ReLU6), so that every negative requantized value
// comes out as lo: kernels may then skip the sign correction of the
// rounding shift, which only moves such values (proofs in the amd64
// generator's dwBoundedLanes and gen_arm64.go's requantRelu).
func clampsNegatives(e *Epilogue) bool { return e.lo >= e.outOffset }

// saturationClamp says which bounds of the clamp [lo, hi] (within int8)
// are left to apply once a result is saturated to int8, as the AVX-512
// kernels narrow (VPMOVSDB): 0 none (the full int8 range), 1 the lower
// one only (hi = 127, as under a fused ReLU), 2 both. The kernels skip
// the others (the generator's dwPackStore and addVBMI).
func saturationClamp(lo, hi int32) int {
	switch {
	case hi < 127:
		return 2
	case lo > -128:
		return 1
	}
	return 0
}

// BoundRowTerms declares that GemmRowTerm will run with e and row terms
// of absolute value at most max (> 0), so that PrepareEpilogue's bounded
// epilogues include them in their proof. Call it once, before
// PrepareEpilogue.
func (e *Epilogue) BoundRowTerms(max int64) {
	if max <= 0 || max >= 1<<31 {
		panic("asm: row term bound out of range")
	}
	e.rowTermMax = max
}

// rowTermAbs is the row terms' bound in units of the bounded epilogues'
// 128·Σ|w| (their proofs bound |acc + bias| by 128·Σ|w| + |bias|; the row
// term adds at most 128·rowTermAbs).
func (e *Epilogue) rowTermAbs() int64 { return (e.rowTermMax + 127) / 128 }

// avx2Bounded is the avx2 kernels' bounded epilogue of one Epilogue with
// one PackedMatrix (defined here so that Epilogue is the same on every
// architecture).
type avx2Bounded struct {
	w    *PackedMatrix // the matrix the bound was proved for
	q    []int32       // the kernel's parameter block
	tail int           // columns of a last partial panel it covers (0: none)
}

// vnniBounded is the avx512vnni kernels' bounded epilogue of one Epilogue
// with one PackedMatrix: per 16-column vector, vnniBQ int32 constants.
type vnniBounded struct {
	w *PackedMatrix // the matrix the bound was proved for
	q []int32
}

// NewEpilogue returns the epilogue of the given parameters with the
// per-channel checks the kernels need done once, here, rather than on
// every call. The slices must not change afterwards.
func NewEpilogue(bias, mult, shift []int32, outOffset, lo, hi int32) *Epilogue {
	e := &Epilogue{bias: bias, mult: mult, shift: shift, outOffset: outOffset, lo: lo, hi: hi}
	e.simple = simpleChannels(e, len(shift))
	return e
}

// Columns returns the epilogue of channels [lo, hi) of e (sharing e's
// per-channel slices), with e's row-term bound, for a matrix of those
// channels packed on its own; prepare it for that matrix
// (PrepareEpilogue) as any other.
func (e *Epilogue) Columns(lo, hi int) *Epilogue {
	c := NewEpilogue(e.bias[lo:hi:hi], e.mult[lo:hi:hi], e.shift[lo:hi:hi], e.outOffset, e.lo, e.hi)
	c.rowTermMax = e.rowTermMax
	return c
}

// GemmLanes is how many output columns Gemm's kernels compute together:
// 16 (a panel, or a zmm of int32 sums) for every SIMD implementation, 1
// for generic, whose time follows the multiply-adds. An op uses it to
// decide whether filling those lanes with more columns pays (ops'
// pixel pairs).
func (impl *Impl) GemmLanes() int {
	if _, ok := impl.gemm.(genericGemm); ok {
		return 1
	}
	return 16
}

// Repeat returns the epilogue of e's channels repeated f times (channel
// c of copy q at q·N + c), with e's row-term bound: the epilogue of a
// block-diagonal matrix that computes f rows' outputs side by side.
func (e *Epilogue) Repeat(f int) *Epilogue {
	n := len(e.shift)
	bias, mult, shift := make([]int32, 0, f*n), make([]int32, 0, f*n), make([]int32, 0, f*n)
	for range f {
		bias, mult, shift = append(bias, e.bias...), append(mult, e.mult...), append(shift, e.shift...)
	}
	r := NewEpilogue(bias, mult, shift, e.outOffset, e.lo, e.hi)
	r.rowTermMax = e.rowTermMax
	return r
}

// simpleChannels reports whether the first n channels of e need neither a
// left shift nor the INT32_MIN saturation.
func simpleChannels(e *Epilogue, n int) bool {
	for _, s := range e.shift[:n] {
		if s > 0 {
			return false
		}
	}
	for _, m := range e.mult[:n] {
		if m == -1<<31 {
			return false
		}
	}
	return true
}

// PackedMatrix is an N×K int8 weight matrix (N output channels of K
// values) arranged for the Impl that packed it. It is read-only once
// packed and shared by every interpreter of a model.
type PackedMatrix struct {
	N, K int
	// Data is the packed layout (implementation specific).
	Data []int8
	// RowSums[n] = Σ_k w[n][k], for implementations that offset the
	// activations (VNNI's unsigned×signed products).
	RowSums []int32
	// absSums[n] = Σ_k |w[n][k]|: the bound on a channel's accumulator
	// that PrepareEpilogue checks (from the matrix as given, whatever the
	// packed layout).
	absSums []int64
	impl    *Impl
}

// PackMatrix packs the row-major N×K matrix w (len n·k) for impl.
func (impl *Impl) PackMatrix(w []int8, n, k int) *PackedMatrix {
	p := impl.gemm.pack(w[:n*k], n, k)
	p.impl = impl
	p.absSums = make([]int64, n)
	for r := range p.absSums {
		for _, v := range w[r*k : (r+1)*k] {
			p.absSums[r] += abs64(int64(v))
		}
	}
	return p
}

// PrepareEpilogue derives, once at load time, whatever constants impl's
// kernels need to requantize the products by w with e (for avx2 and
// avx512vnni: a faster exact epilogue when a bound on the accumulators
// allows it). Gemm is correct without it. Call it before Gemm runs; e and w must not change
// afterwards, and e should be used with w only (with another matrix Gemm
// takes the general path).
func (impl *Impl) PrepareEpilogue(w *PackedMatrix, e *Epilogue) {
	if w.impl != impl {
		panic("asm: matrix packed by " + w.impl.Name + ", prepared for " + impl.Name)
	}
	if p, ok := impl.gemm.(interface {
		prepare(w *PackedMatrix, e *Epilogue)
	}); ok {
		p.prepare(w, e)
	}
}

// Gemm computes, for every row r < m and column c < w.N,
//
//	acc = Σ_k a[r·lda + k] · W[c][k]
//	out[r·ldo + c] = epilogue(acc, c)
//
// with int32 wrapping accumulation. w must have been packed by the same
// Impl; a needs m rows of w.K values at stride lda, out m rows of w.N at
// stride ldo. It does not allocate.
func (impl *Impl) Gemm(a []int8, lda, m int, w *PackedMatrix, e *Epilogue, out []int8, ldo int) {
	if w.impl != impl {
		panic("asm: matrix packed by " + w.impl.Name + ", used with " + impl.Name)
	}
	if m == 0 {
		return
	}
	_ = a[(m-1)*lda+w.K-1]
	_ = out[(m-1)*ldo+w.N-1]
	_, _, _ = e.bias[w.N-1], e.mult[w.N-1], e.shift[w.N-1]
	impl.gemm.gemm(a, lda, m, w, e, out, ldo, nil)
}

// segmentedGemm is a gemmImpl whose kernel also reads rows in segments
// (GemmSegments).
type segmentedGemm interface {
	gemmSegments(a []int8, lda, m, segs, segStride int, w *PackedMatrix, e *Epilogue, out []int8, ldo int)
}

// HasGemmSegments reports whether impl runs GemmSegments.
func (impl *Impl) HasGemmSegments() bool { return impl.segGemm != nil }

// GemmSegments is Gemm on rows whose w.K values lie in segs segments of
// segK = w.K/segs values each: value s·segK + j (j < segK) of row r is
// a[r·lda + s·segStride + j]. A convolution's patch is its filter rows,
// each kw·inC contiguous bytes of an input row: with the input rows
// padded, a run of output pixels reads its patches in place (segments
// one padded row apart, rows strideW·inC apart) instead of copying them
// (im2col). segs >= 1 must divide w.K, segK must be a multiple of 4, and
// impl must have the kernel (HasGemmSegments). It does not allocate.
func (impl *Impl) GemmSegments(a []int8, lda, m, segs, segStride int, w *PackedMatrix, e *Epilogue, out []int8, ldo int) {
	if w.impl != impl {
		panic("asm: matrix packed by " + w.impl.Name + ", used with " + impl.Name)
	}
	g := impl.segGemm
	if g == nil {
		panic("asm: " + impl.Name + " has no segmented GEMM")
	}
	if segs < 1 || w.K%segs != 0 || (w.K/segs)%4 != 0 || lda < 0 || segStride < 0 {
		panic("asm: bad GEMM segments")
	}
	if m == 0 {
		return
	}
	_ = a[(m-1)*lda+(segs-1)*segStride+w.K/segs-1]
	_ = out[(m-1)*ldo+w.N-1]
	_, _, _ = e.bias[w.N-1], e.mult[w.N-1], e.shift[w.N-1]
	g.gemmSegments(a, lda, m, segs, segStride, w, e, out, ldo)
}

// GemmRowTerm is Gemm with a per-row addend: for every row r < m and
// column c < w.N,
//
//	acc = rowTerm[r] + Σ_k a[r·lda + k] · W[c][k]
//	out[r·ldo + c] = epilogue(acc, c)
//
// (wrapping int32). It is how a filter offset f runs on the kernels:
// Σ_k a·(W + f) = Σ_k a·W + f·Σ_k a, the second term shared by every
// column of a row. Every |rowTerm[r]| must be at most the bound e was
// given by BoundRowTerms before PrepareEpilogue. It does not allocate.
func (impl *Impl) GemmRowTerm(a []int8, lda, m int, w *PackedMatrix, e *Epilogue, out []int8, ldo int, rowTerm []int32) {
	if w.impl != impl {
		panic("asm: matrix packed by " + w.impl.Name + ", used with " + impl.Name)
	}
	if e.rowTermMax == 0 {
		panic("asm: GemmRowTerm with an epilogue without BoundRowTerms")
	}
	if m == 0 {
		return
	}
	_ = a[(m-1)*lda+w.K-1]
	_ = out[(m-1)*ldo+w.N-1]
	_ = rowTerm[m-1]
	_, _, _ = e.bias[w.N-1], e.mult[w.N-1], e.shift[w.N-1]
	impl.gemm.gemm(a, lda, m, w, e, out, ldo, rowTerm[:m])
}

// gemmRef is the reference GEMM on a plain row-major N×K matrix: the
// definition every SIMD implementation is tested against (rowTerm nil:
// Gemm, else GemmRowTerm).
func gemmRef(a []int8, lda, m int, w []int8, n, k int, e *Epilogue, out []int8, ldo int, rowTerm []int32) {
	for r := 0; r < m; r++ {
		row := a[r*lda:][:k]
		dst := out[r*ldo:][:n]
		for c := 0; c < n; c++ {
			wr := w[c*k:][:k]
			var acc int32
			if rowTerm != nil {
				acc = rowTerm[r]
			}
			for i, x := range row {
				acc += int32(x) * int32(wr[i])
			}
			dst[c] = requantize(acc, c, e)
		}
	}
}

// requantize is the epilogue for one accumulator of channel c.
func requantize(acc int32, c int, e *Epilogue) int8 {
	v := dyadic.MultiplyByQuantizedMultiplier(acc+e.bias[c], e.mult[c], e.shift[c]) + e.outOffset
	return int8(min(max(v, e.lo), e.hi))
}
