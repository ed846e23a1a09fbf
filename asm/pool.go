package asm

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// Max pooling and elementwise MINIMUM/MAXIMUM on contiguous channels
// (ops' MAX_POOL_2D, MINIMUM, MAXIMUM; int8 and int16). Both are exact by
// construction (no arithmetic besides comparisons), so every
// implementation computes the reference's values; the SIMD kernels take
// whole 16-byte chunks of channels (16 int8 or 8 int16 values) and the
// few channels left over go through the generic loops.

// PoolWindows is the geometry of one MaxPool call, in elements: N output
// pixels of Depth channels each, pixel i at dst[i·DstStep:] reading the
// window of Rows × Cols taps whose tap (r, q) starts at
// src[i·SrcStep + r·RowStride + q·ColStride:]. Every field but the
// strides is >= 1; strides are >= 0.
type PoolWindows struct {
	N, Depth                         int
	DstStep, SrcStep                 int
	Rows, RowStride, Cols, ColStride int
}

// poolArgs is one call of a max-pool kernel, in bytes: for i < n and
// 16-byte chunks c < chunks, dst[i·dstStep + 16c:] = min(max(lo, every tap
// src[i·srcStep + r·rowStride + q·colStride + 16c:] for r < rows, q <
// cols), hi) per element (int8 or int16 lanes; lo and hi hold the clamp
// limits as int16, the int8 kernels read their low bytes). Every count is
// >= 1. The amd64 generator addresses its fields by name.
type poolArgs struct {
	dst, src         *int8
	n, chunks        int
	dstStep, srcStep int
	rows, rowStride  int
	cols, colStride  int
	lo, hi           int16
	// Average pools only (chunks of 8 channels): the window's count =
	// rows·cols taps, countm1 = count − 1, half = count/2, 1/count as
	// float32 (int8) and float64 (int16), the clamp limits as int32.
	count, countm1 int32
	half           int32
	rcp32          float32
	rcp64          float64
	lo32, hi32     int32
}

// pairMinMaxArgs is one call of an elementwise kernel: out[i] = max(a[i],
// b[i]) (or min) over n bytes, n a positive multiple of 16, as int8 or
// int16 lanes.
type pairMinMaxArgs struct {
	out, a, b *int8
	n         int
}

// Kernel selectors of poolKernel and minMaxKernel (pool_amd64.go,
// pool_arm64.go): direct calls, since a call through a func value would
// move the argument structs to the heap.
const (
	poolMax8 = iota
	poolMax16
	minMaxMax8
	minMaxMin8
	minMaxMax16
	minMaxMin16
	poolAvg8
	poolAvg16
	poolSum8
	poolSum8Wide // sumPool8AVX512 (Impl.bw512)
)

// maxAvgPoolInt8Taps is the largest window AvgPoolInt8's SIMD kernels
// take (larger ones run the generic loop): their float32 quotient
// estimate is within one of the exact one for sums of up to 256 int8
// taps (see AvgPoolInt8).
const maxAvgPoolInt8Taps = 256

// AvgPoolInt8 sets, for i < w.N and c < w.Depth, dst[i·w.DstStep + c] to
// the average of the window's n = Rows·Cols taps (see PoolWindows) as
// TFLite's reference_integer_ops::AveragePool rounds it, clamped to
// [lo, hi]: the int32 sum s, then (s + n/2)/n for s > 0 and (s − n/2)/n
// otherwise, both divisions truncating. Rows·Cols must be at most 2^24
// (int32 sums cannot overflow). It does not allocate.
//
// The SIMD kernels (AVX2 8 channels a step in int32 lanes; NEON 16 for
// int8, summed in int16 lanes and widened, 8 for int16) divide
// a = |s| + n/2 by n: q = trunc(a · fl(1/n)) in float32 for int8 (a <
// 2^16, n <= 256: the estimate's error is below 2^-7) or float64 for
// int16 (a < 2^31: below 2^-20), so q is the quotient or one off, and
// the exact remainder a − q·n (int32) corrects it; the sign is restored
// after (VPSIGND: s = 0 gives 0, as (0 + n/2)/n does).
func (impl *Impl) AvgPoolInt8(dst, src []int8, w PoolWindows, lo, hi int8) {
	w.check(len(dst), len(src))
	if w.Rows*w.Cols > 1<<24 {
		panic(fmt.Sprintf("asm: AvgPoolInt8 window of %dx%d taps", w.Rows, w.Cols))
	}
	c0 := 0
	if avgPoolSIMD && impl.pool && w.Depth >= 8 && w.Rows*w.Cols <= maxAvgPoolInt8Taps {
		c0 = w.Depth &^ 7
		poolKernel(poolAvg8, avgArgs(int8Ptr(&dst[0]), int8Ptr(&src[0]), &w, c0/8, 1, int32(lo), int32(hi)))
	}
	if c0 < w.Depth {
		avgPoolGeneric(dst, src, &w, c0, lo, hi)
	}
}

// SumPoolInt8 adds, for i < w.N and c < w.Depth, the sum of the window's
// Rows·Cols taps (see PoolWindows) to acc[i·w.DstStep + c]: exact int32
// sums (wrapping, as an int32 accumulator wraps), for MEAN and the other
// reductions. It does not allocate.
func (impl *Impl) SumPoolInt8(acc []int32, src []int8, w PoolWindows) {
	w.check(len(acc), len(src))
	if w.Rows > 1 && (w.Cols == 1 || w.RowStride == w.Cols*w.ColStride) {
		// The window's taps are evenly spaced (a column, or whole rows
		// back to back): one row of them, fewer loop levels.
		if w.Cols == 1 {
			w.ColStride = w.RowStride
		}
		w.Rows, w.Cols, w.RowStride = 1, w.Rows*w.Cols, 0
	}
	c0 := 0
	if avgPoolSIMD && impl.pool && w.Depth >= 8 {
		c0 = w.Depth &^ 7
		// The kernel sums at most sumPoolMaxTaps taps a call (int16
		// lanes): rows in blocks, and a row of more columns than that in
		// blocks of columns. It adds, so the blocks' sums accumulate.
		cb := min(w.Cols, sumPoolMaxTaps)
		rb := max(1, sumPoolMaxTaps/cb)
		for r0 := 0; r0 < w.Rows; r0 += rb {
			for q0 := 0; q0 < w.Cols; q0 += cb {
				a := &poolArgs{dst: int8Ptr32(&acc[0]), src: &src[r0*w.RowStride+q0*w.ColStride], n: w.N, chunks: c0 / 8,
					dstStep: 4 * w.DstStep, srcStep: w.SrcStep,
					rows: min(rb, w.Rows-r0), rowStride: w.RowStride, cols: min(cb, w.Cols-q0), colStride: w.ColStride}
				kind := poolSum8
				if impl.bw512 {
					kind = poolSum8Wide
				}
				poolKernel(kind, a)
			}
		}
	}
	if c0 < w.Depth {
		sumPoolGeneric(acc, src, &w, c0)
	}
}

// sumPoolMaxTaps bounds the taps of one sumPool kernel call: its int16
// lanes hold sums of up to 256 int8 values.
const sumPoolMaxTaps = 256

// sumPoolGeneric is SumPoolInt8 for channels [c0, w.Depth): eight
// channels per 64-bit word (sumTapsSWAR), the last few one by one.
func sumPoolGeneric(acc []int32, src []int8, w *PoolWindows, c0 int) {
	taps := w.Rows * w.Cols
	img := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(src))), len(src))
	for i := range w.N {
		d := acc[i*w.DstStep+c0 : i*w.DstStep+w.Depth]
		base := i*w.SrcStep + c0
		c8 := len(d) &^ 7
		for g := 0; g < c8; g += 8 {
			for t0 := 0; t0 < taps; t0 += swarMaxTaps {
				sumTapsSWAR(img, base+g, w, t0, min(taps, t0+swarMaxTaps), d[g:g+8])
			}
		}
		for r := range w.Rows {
			for q := range w.Cols {
				s := src[base+r*w.RowStride+q*w.ColStride+c8:][:len(d)-c8]
				for c, v := range s {
					d[c8+c] += int32(v)
				}
			}
		}
	}
}

// swarMaxTaps is the most taps sumTapsSWAR adds: 257 values of at most
// 255 fill a 16-bit lane (65535) without carrying into the next.
const swarMaxTaps = 257

// sumTapsSWAR adds to acc[0:8] the sums of taps [t0, t1) (at most
// swarMaxTaps, numbered row-major over the window) of the eight int8
// channels at img[base:] (tap t at base + (t/Cols)·RowStride +
// (t%Cols)·ColStride), eight channels per 64-bit word: each offset to
// uint8 (x ^ 0x80 = x + 128), even and odd bytes added into two words of
// four 16-bit lanes, 128 per tap subtracted at the end.
func sumTapsSWAR(img []byte, base int, w *PoolWindows, t0, t1 int, acc []int32) {
	const lanes, flip = 0x00FF00FF00FF00FF, 0x8080808080808080
	var even, odd uint64
	add := func(p int) {
		v := binary.LittleEndian.Uint64(img[p:]) ^ flip
		even += v & lanes
		odd += v >> 8 & lanes
	}
	if w.Rows == 1 {
		for t := t0; t < t1; t++ {
			add(base + t*w.ColStride)
		}
	} else {
		r, q := t0/w.Cols, t0%w.Cols
		for range t1 - t0 {
			add(base + r*w.RowStride + q*w.ColStride)
			if q++; q == w.Cols {
				r, q = r+1, 0
			}
		}
	}
	bias := int32(128 * (t1 - t0))
	for l := 0; l < 4; l++ {
		acc[2*l] += int32(uint16(even>>(16*l))) - bias
		acc[2*l+1] += int32(uint16(odd>>(16*l))) - bias
	}
}

// int8Ptr32 is a pointer to the first byte of *p.
func int8Ptr32(p *int32) *int8 { return (*int8)(unsafe.Pointer(p)) }

// AvgPoolInt16 is AvgPoolInt8 for int16 values; Rows·Cols must be below
// 2^16.
func (impl *Impl) AvgPoolInt16(dst, src []int16, w PoolWindows, lo, hi int16) {
	w.check(len(dst), len(src))
	if w.Rows*w.Cols >= 1<<16 {
		panic(fmt.Sprintf("asm: AvgPoolInt16 window of %dx%d taps", w.Rows, w.Cols))
	}
	c0 := 0
	if avgPoolSIMD && impl.pool && w.Depth >= 8 {
		c0 = w.Depth &^ 7
		poolKernel(poolAvg16, avgArgs(int8Ptr(&dst[0]), int8Ptr(&src[0]), &w, c0/8, 2, int32(lo), int32(hi)))
	}
	if c0 < w.Depth {
		avgPoolGeneric(dst, src, &w, c0, lo, hi)
	}
}

// avgArgs converts w (elements of size bytes) to an average-pool
// kernel's arguments.
func avgArgs(dst, src *int8, w *PoolWindows, chunks, size int, lo, hi int32) *poolArgs {
	n := w.Rows * w.Cols
	return &poolArgs{dst: dst, src: src, n: w.N, chunks: chunks, dstStep: size * w.DstStep, srcStep: size * w.SrcStep,
		rows: w.Rows, rowStride: size * w.RowStride, cols: w.Cols, colStride: size * w.ColStride,
		count: int32(n), countm1: int32(n - 1), half: int32(n / 2), rcp32: 1 / float32(n), rcp64: 1 / float64(n), lo32: lo, hi32: hi}
}

// avgPoolGeneric is the generic AvgPool for channels [c0, w.Depth): per
// pixel, blocks of up to 64 channels summed tap by tap into a stack
// array (contiguous inner loops), then rounded and clamped.
func avgPoolGeneric[T int8 | int16](dst, src []T, w *PoolWindows, c0 int, lo, hi T) {
	n := int32(w.Rows * w.Cols)
	var acc [64]int32
	for i := range w.N {
		d := dst[i*w.DstStep:][:w.Depth]
		for b := c0; b < w.Depth; b += len(acc) {
			blk := acc[:min(len(acc), w.Depth-b)]
			clear(blk)
			for r := range w.Rows {
				for q := range w.Cols {
					s := src[i*w.SrcStep+r*w.RowStride+q*w.ColStride+b:][:len(blk)]
					for c, v := range s {
						blk[c] += int32(v)
					}
				}
			}
			for c, s := range blk {
				// Round half away from zero (Go's / truncates like C's).
				if s > 0 {
					s = (s + n/2) / n
				} else {
					s = (s - n/2) / n
				}
				d[b+c] = T(min(max(s, int32(lo)), int32(hi)))
			}
		}
	}
}

// bytesOf is a pointer to the first byte of *p.
func int8Ptr[T int8 | int16](p *T) *int8 { return (*int8)(unsafe.Pointer(p)) }

// check panics unless every element w reads and writes is inside src and
// dst (lengths in elements).
func (w *PoolWindows) check(dstLen, srcLen int) {
	if w.N < 1 || w.Depth < 1 || w.Rows < 1 || w.Cols < 1 || w.DstStep < 0 || w.SrcStep < 0 || w.RowStride < 0 || w.ColStride < 0 ||
		(w.N-1)*w.DstStep+w.Depth > dstLen ||
		(w.N-1)*w.SrcStep+(w.Rows-1)*w.RowStride+(w.Cols-1)*w.ColStride+w.Depth > srcLen {
		panic(fmt.Sprintf("asm: MaxPool %+v out of range of dst %d, src %d", *w, dstLen, srcLen))
	}
}

// MaxPoolInt8 sets, for i < w.N and c < w.Depth, dst[i·w.DstStep + c] to
// the largest of the window's taps (see PoolWindows) clamped to [lo, hi]
// (lo <= hi). It does not allocate.
func (impl *Impl) MaxPoolInt8(dst, src []int8, w PoolWindows, lo, hi int8) {
	w.check(len(dst), len(src))
	c0 := 0
	if impl.pool && w.Depth >= 16 {
		c0 = w.Depth &^ 15
		poolKernel(poolMax8, &poolArgs{dst: &dst[0], src: &src[0], n: w.N, chunks: c0 / 16, dstStep: w.DstStep, srcStep: w.SrcStep,
			rows: w.Rows, rowStride: w.RowStride, cols: w.Cols, colStride: w.ColStride, lo: int16(lo), hi: int16(hi)})
	}
	if c0 < w.Depth {
		maxPoolGeneric(dst, src, &w, c0, lo, hi)
	}
}

// MaxPoolInt16 is MaxPoolInt8 for int16 values.
func (impl *Impl) MaxPoolInt16(dst, src []int16, w PoolWindows, lo, hi int16) {
	w.check(len(dst), len(src))
	c0 := 0
	if impl.pool && w.Depth >= 8 {
		c0 = w.Depth &^ 7
		poolKernel(poolMax16, &poolArgs{dst: int8Ptr(&dst[0]), src: int8Ptr(&src[0]), n: w.N, chunks: c0 / 8, dstStep: 2 * w.DstStep, srcStep: 2 * w.SrcStep,
			rows: w.Rows, rowStride: 2 * w.RowStride, cols: w.Cols, colStride: 2 * w.ColStride, lo: lo, hi: hi})
	}
	if c0 < w.Depth {
		maxPoolGeneric(dst, src, &w, c0, lo, hi)
	}
}

// maxPoolGeneric is the generic MaxPool for channels [c0, w.Depth).
func maxPoolGeneric[T int8 | int16](dst, src []T, w *PoolWindows, c0 int, lo, hi T) {
	for i := range w.N {
		d := dst[i*w.DstStep:][:w.Depth]
		for c := c0; c < w.Depth; c++ {
			d[c] = lo
		}
		for r := range w.Rows {
			for q := range w.Cols {
				s := src[i*w.SrcStep+r*w.RowStride+q*w.ColStride:][:w.Depth]
				for c := c0; c < len(s); c++ {
					d[c] = max(d[c], s[c])
				}
			}
		}
		for c := c0; c < w.Depth; c++ {
			d[c] = min(d[c], hi)
		}
	}
}

// maxPoolRef is MaxPool's definition, the tests' reference.
func maxPoolRef[T int8 | int16](dst, src []T, w PoolWindows, lo, hi T) {
	for i := range w.N {
		for c := range w.Depth {
			m := src[i*w.SrcStep+c]
			for r := range w.Rows {
				for q := range w.Cols {
					m = max(m, src[i*w.SrcStep+r*w.RowStride+q*w.ColStride+c])
				}
			}
			dst[i*w.DstStep+c] = min(max(m, lo), hi)
		}
	}
}

// MaxInt8 sets out[i] = max(a[i], b[i]) for equal-length rows. It does
// not allocate.
func (impl *Impl) MaxInt8(out, a, b []int8) { minMax(out, a, b, impl.pool, minMaxMax8) }

// MinInt8 sets out[i] = min(a[i], b[i]).
func (impl *Impl) MinInt8(out, a, b []int8) { minMax(out, a, b, impl.pool, minMaxMin8) }

// MaxInt16 sets out[i] = max(a[i], b[i]).
func (impl *Impl) MaxInt16(out, a, b []int16) { minMax(out, a, b, impl.pool, minMaxMax16) }

// MinInt16 sets out[i] = min(a[i], b[i]).
func (impl *Impl) MinInt16(out, a, b []int16) { minMax(out, a, b, impl.pool, minMaxMin16) }

func minMax[T int8 | int16](out, a, b []T, simd bool, kind int) {
	n := len(out)
	if len(a) != n || len(b) != n {
		panic(fmt.Sprintf("asm: min/max of %d and %d values into %d", len(a), len(b), n))
	}
	if n == 0 {
		return
	}
	per := 16 // values per 16-byte chunk
	if kind >= minMaxMax16 {
		per = 8
	}
	body := 0
	if simd {
		body = n &^ (per - 1)
		if body > 0 {
			minMaxKernel(kind, &pairMinMaxArgs{out: int8Ptr(&out[0]), a: int8Ptr(&a[0]), b: int8Ptr(&b[0]), n: body * (16 / per)})
		}
	}
	if kind == minMaxMax8 || kind == minMaxMax16 {
		for i := body; i < n; i++ {
			out[i] = max(a[i], b[i])
		}
	} else {
		for i := body; i < n; i++ {
			out[i] = min(a[i], b[i])
		}
	}
}
