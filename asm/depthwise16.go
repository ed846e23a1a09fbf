package asm

import "unsafe"

// The 16x8 depthwise sum: int16 activations, int8 weights, channels last,
// depth multiplier 1. For one output pixel, with the in-bounds taps listed
// by the caller (xoff[i]: the tap's input pixel offset in x, in values;
// tap[i]: the tap's index in the filter's [taps][C] layout),
//
//	out[c] = Σ_i x[xoff[i] + c] · W[tap[i]][c]     for c < C
//
// summed in int32, which is exact when Σ_t |W[t][c]| < 2^16 for every
// channel (a product is at most 2^22 in magnitude): PackDepthwise16
// checks that and Exact reports it; the op uses Depthwise16 only then.
//
// Layout: taps × C int16 values; the amd64 kernels keep each weight as an
// int32 lane (w, 0), which VPMADDWD with the sign-extended activation
// (x, sign) turns into the product x·w.

// PackedDepthwise16 is a taps×C depthwise filter packed by one Impl.
type PackedDepthwise16 struct {
	Taps, C int
	data    []int16
	stride  int // int16 values per tap in data
	exact   bool
	impl    *Impl
	// pairs (implementations with gemm16Impl.dwPairs): the first C&^7
	// channels' weights of taps 2j and 2j+1 as int16 pairs (an odd last
	// tap's with 0), per pair 2·(C&^7) values in the kernel's channel
	// blocks (see dw16PairsLayout); used for full tap lists.
	pairs []int16
}

// dw16Args is one call of a depthwise16 kernel: n channels (a multiple of
// 8) of npix >= 1 output pixels, pixel p reading x + p·xstep and writing
// out + p·ostep (both in bytes; the kernels advance x and out and count
// npix down in the struct).
type dw16Args struct {
	npix   int
	xstep  int
	ostep  int
	x      *int16
	xoff   *int
	tap    *int
	taps   int
	w      *int16
	stride int // int16 values per tap in w
	n      int
	out    *int32
}

// PackDepthwise16 packs the depthwise filter w, laid out [taps][c].
func (impl *Impl) PackDepthwise16(w []int8, taps, c int) *PackedDepthwise16 {
	if taps < 1 || c < 1 {
		panic("asm: empty 16x8 depthwise filter")
	}
	w = w[:taps*c]
	wide := impl.g16.dwWide
	p := &PackedDepthwise16{Taps: taps, C: c, stride: c, exact: true, impl: impl}
	if wide {
		p.stride = 2 * c
	}
	p.data = make([]int16, taps*p.stride)
	for t := 0; t < taps; t++ {
		for ch := 0; ch < c; ch++ {
			if wide {
				p.data[t*p.stride+2*ch] = int16(w[t*c+ch])
			} else {
				p.data[t*p.stride+ch] = int16(w[t*c+ch])
			}
		}
	}
	for ch := 0; ch < c; ch++ {
		var s int64
		for t := 0; t < taps; t++ {
			s += abs64(int64(w[t*c+ch]))
		}
		if s*32768 >= 1<<31 {
			p.exact = false
		}
	}
	if n := c &^ 7; impl.g16.dwPairs && n > 0 {
		np := (taps + 1) / 2
		p.pairs = make([]int16, np*2*n)
		for j := 0; j < np; j++ {
			dst := p.pairs[j*2*n:][:2*n]
			dw16PairsLayout(n, func(i, ch int) {
				dst[i] = int16(w[2*j*c+ch])
				if 2*j+1 < taps {
					dst[i+1] = int16(w[(2*j+1)*c+ch])
				}
			})
		}
	}
	return p
}

// dw16PairsLayout calls put(i, ch) for every channel ch < n (a multiple
// of 8) with the index i of its int16 pair within one tap pair's 2n
// values: channel blocks of 32, then 16, then 8 (as the kernel takes
// them), each block of cw channels at 2·cb holding first the pairs of its
// channels cb + 8L + q, then those of cb + 8L + 4 + q (L < cw/8, q < 4):
// the order in which VPUNPCKLWD and VPUNPCKHWD interleave two taps'
// activations.
func dw16PairsLayout(n int, put func(i, ch int)) {
	cb := 0
	for _, cw := range []int{32, 16, 8} {
		for ; cb+cw <= n; cb += cw {
			for k := 0; k < cw/2; k++ {
				ch := cb + 8*(k/4) + k%4
				put(2*cb+2*k, ch)
				put(2*cb+cw+2*k, ch+4)
			}
		}
	}
}

// Exact reports whether every channel's sum fits int32 for any input
// (Σ_t |W[t][c]| < 2^16), so that Depthwise16 may be used.
func (p *PackedDepthwise16) Exact() bool { return p.exact }

// Depthwise16 sets out[c] for c < w.C (see the file comment). The taps
// listed must be in range: 0 <= xoff[i], xoff[i] + C <= len(x), 0 <= tap[i]
// < w.Taps (checked: a violation panics). w must be Exact and packed by
// impl. It does not allocate.
func (impl *Impl) Depthwise16(x []int16, xoff, tap []int, w *PackedDepthwise16, out []int32) {
	impl.Depthwise16Run(x, xoff, tap, w, out, 1, 0)
}

// Depthwise16Run is Depthwise16 for npix >= 1 pixels whose windows are
// xstep values apart in x (the same taps): out[p·C + c] = Σ_i x[xoff[i] +
// p·xstep + c]·W[tap[i]][c]. Taps are checked for the first and last
// pixel.
func (impl *Impl) Depthwise16Run(x []int16, xoff, tap []int, w *PackedDepthwise16, out []int32, npix, xstep int) {
	if w.impl != impl {
		panic("asm: 16x8 depthwise filter packed by " + w.impl.Name + ", used with " + impl.Name)
	}
	if npix < 1 || xstep < 0 {
		panic("asm: depthwise16 run of no pixels")
	}
	c := w.C
	out = out[:npix*c]
	tap = tap[:len(xoff)]
	span := (npix - 1) * xstep
	full := len(xoff) == w.Taps
	for i, o := range xoff {
		_ = x[o : o+span+c]
		if uint(tap[i]) >= uint(w.Taps) {
			panic("asm: depthwise16 tap out of range")
		}
		full = full && tap[i] == i
	}
	if len(xoff) == 0 {
		clear(out)
		return
	}
	n := c &^ 7
	if n > 0 {
		args := dw16Args{npix: npix, xstep: 2 * xstep, ostep: 4 * c, x: &x[0], xoff: &xoff[0], tap: &tap[0],
			taps: len(xoff), w: &w.data[0], stride: w.stride, n: n, out: &out[0]}
		if full && w.pairs != nil {
			args.w, args.stride = &w.pairs[0], 2*n
			dw16PairsCall(impl.g16.kernel, &args)
		} else {
			dw16Call(impl.g16.kernel, &args)
		}
	}
	if n == c {
		return
	}
	// The last c mod 8 channels in Go.
	step := 1
	if impl.g16.dwWide {
		step = 2
	}
	for p := 0; p < npix; p++ {
		for ch := n; ch < c; ch++ {
			var s int32
			for i, o := range xoff {
				s += int32(x[o+p*xstep+ch]) * int32(w.data[tap[i]*w.stride+step*ch])
			}
			out[p*c+ch] = s
		}
	}
}

// depthwise16Ref is the reference of Depthwise16 on the plain [taps][C]
// filter, summed in int64.
func depthwise16Ref(x []int16, xoff, tap []int, w []int8, c int, out []int64) {
	for ch := 0; ch < c; ch++ {
		var s int64
		for i, o := range xoff {
			s += int64(x[o+ch]) * int64(w[tap[i]*c+ch])
		}
		out[ch] = s
	}
}

// dw16Generic is the generic depthwise16 kernel (plain layout).
func dw16Generic(p *dw16Args) {
	xoff := unsafe.Slice(p.xoff, p.taps)
	tap := unsafe.Slice(p.tap, p.taps)
	for px := 0; px < p.npix; px++ {
		base := unsafe.Add(unsafe.Pointer(p.x), px*p.xstep)
		out := unsafe.Slice((*int32)(unsafe.Add(unsafe.Pointer(p.out), px*p.ostep)), p.n)
		clear(out)
		for i, o := range xoff {
			x := unsafe.Slice((*int16)(unsafe.Add(base, 2*o)), p.n)
			w := unsafe.Slice((*int16)(unsafe.Add(unsafe.Pointer(p.w), 2*tap[i]*p.stride)), p.n)
			for ch := range out {
				out[ch] += int32(x[ch]) * int32(w[ch])
			}
		}
	}
}
