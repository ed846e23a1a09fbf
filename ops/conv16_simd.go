package ops

import (
	"math"
	"unsafe"

	"github.com/edgerun/edgerun/asm"
)

// The 16x8 fast paths: the selected asm implementation's Gemm16 (CONV_2D
// without groups, over im2col blocks of int16 patches in scratch, or
// straight from the input rows for an unpadded stride-1 1×1 filter;
// FULLY_CONNECTED from the input rows) and Depthwise16 (DEPTHWISE_CONV_2D
// with depth multiplier 1 whose filter proves int32 sums exact). The
// kernels return exact sums; the epilogue (bias, 64- or 32-bit
// requantization, clamp) is out16.requant in Go, over blocks of pixels.

// wide16 is one output channel's 64-bit requantization, precomputed:
// MultiplyByQuantizedMultiplier64(acc + bias, M, shift) is
// ((acc + bias)·red + 2^(total-1)) >> total truncated to int32, with red
// the multiplier rounded to 16 bits and total = 15 - shift in [1, 46];
// in wrapping int64 arithmetic that is (acc·red + off) >> total with
// off = bias·red + 2^(total-1), the same bits.
type wide16 struct {
	red, off int64
	total    uint
}

// wideConsts returns q's per-channel wide16 constants (nil unless q is
// wide), as dyadic.MultiplyByQuantizedMultiplier64 computes them.
func (q *out16) wideConsts() []wide16 {
	if !q.wide {
		return nil
	}
	w := make([]wide16, len(q.mult))
	for c := range w {
		red := int64(0x7FFF)
		if q.mult[c] < 0x7FFF0000 {
			red = (int64(q.mult[c]) + 1<<15) >> 16
		}
		total := uint(15 - q.shift[c])
		w[c] = wide16{red: red, off: q.bias64[c]*red + int64(1)<<(total-1), total: total}
	}
	return w
}

// requant16 returns asm's output stage for q's wide constants w (nil when
// q is not wide: the int32-bias form stays in Go).
func (q *out16) requant16(w []wide16) *asm.Requant16 {
	if w == nil {
		return nil
	}
	red, off, total := make([]int64, len(w)), make([]int64, len(w)), make([]uint, len(w))
	for c, k := range w {
		red[c], off[c], total[c] = k.red, k.off, k.total
	}
	return asm.NewRequant16(red, off, total, q.lo, q.hi)
}

// requantRow writes out[c] = requant(acc[c], c) for every channel.
func (q *out16) requantRow(w []wide16, acc []int64, out []int16) {
	if w == nil {
		for c, a := range acc {
			out[c] = q.requant(a, c)
		}
		return
	}
	w = w[:len(acc)]
	out = out[:len(acc)]
	lo, hi := q.lo, q.hi
	for c, a := range acc {
		k := &w[c]
		v := int32((a*k.red + k.off) >> (k.total & 63))
		out[c] = int16(min(max(v, lo), hi))
	}
}

// requantRow32 is requantRow for int32 sums.
func (q *out16) requantRow32(w []wide16, acc []int32, out []int16) {
	if w == nil {
		for c, a := range acc {
			out[c] = q.requant(int64(a), c)
		}
		return
	}
	w = w[:len(acc)]
	out = out[:len(acc)]
	lo, hi := q.lo, q.hi
	for c, a := range acc {
		k := &w[c]
		v := int32((int64(a)*k.red + k.off) >> (k.total & 63))
		out[c] = int16(min(max(v, lo), hi))
	}
}

// conv16Block is the output pixels (CONV_2D) or rows (FULLY_CONNECTED)
// per Gemm16 call: a multiple of the kernels' four rows.
const conv16Block = 16

// conv16Fast is the prepared fast path of a conv16Kernel (nil fields: the
// plain Go path).
type conv16Fast struct {
	impl      *asm.Impl
	gemm      *asm.PackedMatrix16
	dw        *asm.PackedDepthwise16
	pointwise bool // gemm straight from the input rows
	patch     int  // kh·kw·inC, rounded up to even when im2col pads it
	wide      []wide16
	// rq: the wide epilogue on int32 sums in asm (nil: Go), used when the
	// sums are int32 (depthwise; a GEMM whose matrix is Exact32).
	rq *asm.Requant16
}

// prepareFast chooses the fast path, if any.
func (k *conv16Kernel) prepareFast() {
	impl := asm.Selected()
	f := &k.fast
	f.wide = k.q.wideConsts()
	f.rq = k.q.requant16(f.wide)
	if k.outC < 1 || k.kh < 1 || k.kw < 1 || k.inC < 1 {
		return
	}
	if k.depthwise {
		if k.depthMult != 1 {
			return
		}
		p := impl.PackDepthwise16(k.filter, k.kh*k.kw, k.outC)
		if !p.Exact() {
			return
		}
		f.impl, f.dw = impl, p
		return
	}
	if k.groupIn != k.inC {
		return // grouped: plain Go
	}
	f.impl = impl
	f.pointwise = k.kh == 1 && k.kw == 1 && k.strideH == 1 && k.strideW == 1 && k.padTop == 0 && k.padLeft == 0 &&
		k.outH == k.inH && k.outW == k.inW
	kk := k.kh * k.kw * k.inC
	f.patch = kk
	w := k.filter
	if !f.pointwise && kk%2 == 1 {
		// An even patch (one zero tap more, weights 0) keeps Gemm16 on
		// whole k-pairs: an odd K's last column is a Go loop.
		f.patch = kk + 1
		w = make([]int8, k.outC*f.patch)
		for oc := 0; oc < k.outC; oc++ {
			copy(w[oc*f.patch:][:kk], k.filter[oc*kk:][:kk])
		}
	}
	f.gemm = impl.PackMatrix16(w, k.outC, f.patch)
}

// ScratchBytes: the fast paths' patches, taps and sums (plus alignment
// slack), saturated so that it cannot wrap on 32-bit targets.
func (k *conv16Kernel) ScratchBytes() int {
	f := &k.fast
	switch {
	case f.dw != nil:
		return int(min(16*int64(k.kh)*int64(k.kw)+4*conv16Block*int64(k.outC)+16, math.MaxInt))
	case f.gemm != nil:
		n := conv16Block*8*int64(k.outC) + 16
		if !f.pointwise {
			n += conv16Block * 2 * int64(f.patch)
		}
		return int(min(n, math.MaxInt))
	}
	return 0
}

// scratch64 views n int64s of b from its first 8-byte aligned byte, and
// returns the bytes after them.
func scratch64(b []byte, n int) (acc []int64, rest []byte) {
	skip := int((8 - uintptr(unsafe.Pointer(unsafe.SliceData(b)))%8) % 8)
	b = b[skip:]
	if n == 0 {
		return nil, b
	}
	return unsafe.Slice((*int64)(unsafe.Pointer(&b[0])), n), b[8*n:]
}

// scratchInts views n ints of b from its first 8-byte aligned byte, and
// returns the bytes after them.
func scratchInts(b []byte, n int) (v []int, rest []byte) {
	skip := int((8 - uintptr(unsafe.Pointer(unsafe.SliceData(b)))%8) % 8)
	b = b[skip:]
	sz := int(unsafe.Sizeof(int(0)))
	return unsafe.Slice((*int)(unsafe.Pointer(&b[0])), n), b[sz*n:]
}

// scratch16 views n int16s of b from its first 2-byte aligned byte.
func scratch16(b []byte, n int) []int16 {
	if n == 0 {
		return nil
	}
	skip := int(uintptr(unsafe.Pointer(unsafe.SliceData(b))) % 2)
	return unsafe.Slice((*int16)(unsafe.Pointer(&b[skip])), n)
}

// evalGemm computes output rows [lo, hi) with Gemm16.
func (k *conv16Kernel) evalGemm(in, out []int16, scratch []byte, lo, hi int) {
	f := &k.fast
	acc, rest := scratch64(scratch, conv16Block*k.outC)
	var patches []int16
	if !f.pointwise {
		patches = scratch16(rest, conv16Block*f.patch)
	}
	// With an Exact32 matrix and the wide epilogue: int32 sums (in acc's
	// memory) and asm's epilogue.
	var acc32 []int32
	if f.rq != nil && f.gemm.Exact32() {
		acc32 = unsafe.Slice((*int32)(unsafe.Pointer(&acc[0])), len(acc))
	}
	plane := k.inH * k.inW * k.inC
	for p0 := lo * k.outW; p0 < hi*k.outW; p0 += conv16Block {
		n := min(conv16Block, hi*k.outW-p0)
		if f.pointwise {
			if acc32 != nil {
				f.impl.Gemm16Int32(in[p0*k.inC:], k.inC, n, f.gemm, acc32, k.outC)
				k.requantBlock32(acc32, out[p0*k.outC:], n)
				continue
			}
			f.impl.Gemm16(in[p0*k.inC:], k.inC, n, f.gemm, acc, k.outC)
		} else {
			for j := 0; j < n; j++ {
				p := p0 + j
				r, ox := p/k.outW, p%k.outW
				b, oy := r/k.outH, r%k.outH
				pt := patches[j*f.patch:][:f.patch]
				k.im2col16(in[b*plane:][:plane], oy*k.strideH-k.padTop, ox*k.strideW-k.padLeft, pt)
				if kk := k.kh * k.kw * k.inC; kk < f.patch {
					pt[kk] = 0
				}
			}
			if acc32 != nil {
				f.impl.Gemm16Int32(patches, f.patch, n, f.gemm, acc32, k.outC)
				k.requantBlock32(acc32, out[p0*k.outC:], n)
				continue
			}
			f.impl.Gemm16(patches, f.patch, n, f.gemm, acc, k.outC)
		}
		for j := 0; j < n; j++ {
			k.q.requantRow(f.wide, acc[j*k.outC:][:k.outC], out[(p0+j)*k.outC:][:k.outC])
		}
	}
}

// requantBlock32 writes n pixels' outputs from their int32 sums with
// asm's epilogue.
func (k *conv16Kernel) requantBlock32(acc []int32, out []int16, n int) {
	k.fast.impl.Requant16Rows(acc, k.fast.rq, out, n)
}

// im2col16 writes the patch of the output pixel whose window starts at
// input (y0, x0): [ky][kx][ic], zeros (the int16 zero point) outside.
func (k *conv16Kernel) im2col16(in []int16, y0, x0 int, patch []int16) {
	row := k.kw * k.inC
	if k.dilW == 1 && y0 >= 0 && x0 >= 0 && y0+(k.kh-1)*k.dilH < k.inH && x0+k.kw <= k.inW {
		// The whole window inside (most pixels): kh contiguous rows.
		base := (y0*k.inW + x0) * k.inC
		step := k.dilH * k.inW * k.inC
		for ky := 0; ky < k.kh; ky++ {
			copy(patch[ky*row:][:row], in[base+ky*step:][:row])
		}
		return
	}
	kyLo, kyHi := tapRange(y0, k.dilH, k.kh, k.inH)
	kxLo, kxHi := tapRange(x0, k.dilW, k.kw, k.inW)
	for ky := 0; ky < k.kh; ky++ {
		dst := patch[ky*row:][:row]
		if ky < kyLo || ky >= kyHi || kxLo >= kxHi {
			clear(dst)
			continue
		}
		clear(dst[:kxLo*k.inC])
		clear(dst[kxHi*k.inC:])
		base := ((y0+ky*k.dilH)*k.inW + x0) * k.inC
		if k.dilW == 1 {
			copy(dst[kxLo*k.inC:kxHi*k.inC], in[base+kxLo*k.inC:])
			continue
		}
		for kx := kxLo; kx < kxHi; kx++ {
			copy(dst[kx*k.inC:][:k.inC], in[base+kx*k.dilW*k.inC:])
		}
	}
}

// evalDepthwise computes output rows [lo, hi) with Depthwise16: runs of
// pixels whose every horizontal tap is inside the input share one tap
// list (Depthwise16Run, up to conv16Block pixels a call); border pixels
// go one by one with their in-bounds taps.
func (k *conv16Kernel) evalDepthwise(in, out []int16, scratch []byte, lo, hi int) {
	f := &k.fast
	taps := k.kh * k.kw
	xoff, rest := scratchInts(scratch, taps)
	tap, rest := scratchInts(rest, taps)
	acc := int32Scratch(rest, conv16Block*k.outC)
	plane := k.inH * k.inW * k.inC
	step := k.strideW * k.inC
	for r := lo; r < hi; r++ {
		b, oy := r/k.outH, r%k.outH
		inB := in[b*plane:][:plane]
		y0 := oy*k.strideH - k.padTop
		kyLo, kyHi := tapRange(y0, k.dilH, k.kh, k.inH)
		for ox := 0; ox < k.outW; {
			x0 := ox*k.strideW - k.padLeft
			kxLo, kxHi := tapRange(x0, k.dilW, k.kw, k.inW)
			npix := 1
			if kxLo == 0 && kxHi == k.kw {
				// Every horizontal tap inside: extend the run while the
				// last tap of the next pixel stays inside.
				last := x0 + (k.kw-1)*k.dilW
				for npix < conv16Block && ox+npix < k.outW && last+npix*k.strideW < k.inW {
					npix++
				}
			}
			n := 0
			for ky := kyLo; ky < kyHi; ky++ {
				for kx := kxLo; kx < kxHi; kx++ {
					xoff[n] = ((y0+ky*k.dilH)*k.inW + x0 + kx*k.dilW) * k.inC
					tap[n] = ky*k.kw + kx
					n++
				}
			}
			f.impl.Depthwise16Run(inB, xoff[:n], tap[:n], f.dw, acc[:npix*k.outC], npix, step)
			if f.rq != nil {
				f.impl.Requant16Rows(acc, f.rq, out[(r*k.outW+ox)*k.outC:], npix)
			} else {
				for p := 0; p < npix; p++ {
					k.q.requantRow32(f.wide, acc[p*k.outC:][:k.outC], out[(r*k.outW+ox+p)*k.outC:][:k.outC])
				}
			}
			ox += npix
		}
	}
}

// fc16Fast is the prepared Gemm16 path of an fc16Kernel.
type fc16Fast struct {
	impl *asm.Impl
	gemm *asm.PackedMatrix16
	wide []wide16
	rq   *asm.Requant16 // see conv16Fast
}

func (k *fc16Kernel) prepareFast() {
	if k.units < 1 || k.depth < 1 {
		return
	}
	k.fast.impl = asm.Selected()
	k.fast.wide = k.q.wideConsts()
	k.fast.rq = k.q.requant16(k.fast.wide)
	k.fast.gemm = k.fast.impl.PackMatrix16(k.filter, k.units, k.depth)
}

// ScratchBytes: one block of rows' exact sums.
func (k *fc16Kernel) ScratchBytes() int {
	if k.fast.gemm == nil {
		return 0
	}
	return int(min(conv16Block*8*int64(k.units)+16, math.MaxInt))
}

// evalGemm computes batch rows [lo, hi) with Gemm16.
func (k *fc16Kernel) evalGemm(in, out []int16, scratch []byte, lo, hi int) {
	acc, _ := scratch64(scratch, conv16Block*k.units)
	var acc32 []int32
	if k.fast.rq != nil && k.fast.gemm.Exact32() {
		acc32 = unsafe.Slice((*int32)(unsafe.Pointer(&acc[0])), len(acc))
	}
	for r0 := lo; r0 < hi; r0 += conv16Block {
		n := min(conv16Block, hi-r0)
		if acc32 != nil {
			k.fast.impl.Gemm16Int32(in[r0*k.depth:], k.depth, n, k.fast.gemm, acc32, k.units)
			k.fast.impl.Requant16Rows(acc32, k.fast.rq, out[r0*k.units:], n)
			continue
		}
		k.fast.impl.Gemm16(in[r0*k.depth:], k.depth, n, k.fast.gemm, acc, k.units)
		for j := 0; j < n; j++ {
			k.q.requantRow(k.fast.wide, acc[j*k.units:][:k.units], out[(r0+j)*k.units:][:k.units])
		}
	}
}
