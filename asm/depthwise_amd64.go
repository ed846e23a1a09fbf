//go:build !purego

package asm

// Go side of the amd64 depthwise kernels: the filter is widened to 32-bit
// lanes holding the int16 weight in the low word and 0 in the high word
// (the kernels multiply words), [KH·KW][Cpad] with C rounded up to the
// vector width (Data32), and kept as given in Data for channel tails done
// in Go.

// dwArgs is one call of an amd64 depthwise kernel (dwAVX512*, dwAVX2*):
// n output pixels of one row, channels [0, c). The kernel takes a pointer
// to it and the generator (asm/_gen, through avo's Package) addresses its
// fields by name. Strides are in bytes.
type dwArgs struct {
	in         *int8 // the first output pixel's top-left input tap
	pixStride  int   // input step between output pixels (stride·C)
	dilHStride int   // input step between filter rows (dilation·rowStride)
	dilWStride int   // input step between filter columns (dilation·C)
	kh, kw     int
	w          *int32 // Data32
	wStride    int    // one filter tap's channels in Data32 (Cpad·4)
	c          int    // channels computed
	n          int    // output pixels
	out        *int8
	ostride    int    // output step between pixels (C)
	bias       *int32 // bounded: the dwBound parameters
	mult       *int32 // not read by the bounded kernel
	shift      *int32 // not read by the bounded kernel
	outOff     int32  // not read by the bounded kernel
	lo, hi     int32
	mode       int // AVX-512: dwMode's path (dwAVX2 does not read it)
	wide       int // bounded AVX-512: 1 for a filter packed wide (no byte path)
	relu       int // bounded AVX2 (dwAVX2Pair): 1 when clampsNegatives, the epilogue without the sign correction
	clamp      int // bounded AVX-512: saturationClamp
}

func packDepthwise32(w []int8, kh, kw, c, width int) *PackedDepthwise {
	return &PackedDepthwise{Data: append([]int8(nil), w...), Data32: widen32(w, kh*kw, c, width), stride32: 4 * padChannels(c, width)}
}

// packDepthwise32Wide is packDepthwise32 for int16 weights (PackDepthwiseWide):
// the same Data32 layout, the weights as given in Data16 (channel tails and
// the bounded epilogue's sums), Data nil.
func packDepthwise32Wide(w []int16, kh, kw, c, width int) *PackedDepthwise {
	return &PackedDepthwise{Data16: append([]int16(nil), w...), Data32: widen32(w, kh*kw, c, width), stride32: 4 * padChannels(c, width)}
}

// widen32 lays out w ([taps][c]) as Data32: [taps][c rounded up to width],
// each weight as int16 in the low word, 0 in the high word. When c
// divides the width (1, 2, 4, 8 channels) the padding lanes repeat the
// channels (lane l holds channel l mod c): a vector then covers
// width/c pixels at once (dwPixelGroup); kernels that take one pixel a
// vector mask those lanes off.
func widen32[T int8 | int16](w []T, taps, c, width int) []int32 {
	cpad := padChannels(c, width)
	lanes := c
	if width%c == 0 {
		lanes = cpad
	}
	d := make([]int32, taps*cpad)
	for t := 0; t < taps; t++ {
		for l := 0; l < lanes; l++ {
			d[t*cpad+l] = int32(uint16(int16(w[t*c+l%c])))
		}
	}
	return d
}

// padChannels is c rounded up to a multiple of width (Data32's channels
// a tap).
func padChannels(c, width int) int { return (c + width - 1) / width * width }

// dwPixelGroup is how many output pixels the AVX-512 kernel computes in
// one vector for a filter of c channels at stride 1 across: 16/c when c
// divides 16 (person_detect's and VWW's 8-channel layers: two pixels
// a vector instead of half a vector masked off), else 1. At stride 1 the
// group's inputs for one tap are 16 contiguous bytes, and so are its
// outputs.
func dwPixelGroup(c, strideW int) int {
	if strideW != 1 || c >= 16 || 16%c != 0 {
		return 1
	}
	return 16 / c
}

// dwBounded runs the bounded AVX-512 kernel, its Relu variant when relu
// (clampsNegatives). Direct calls: a call through a func value would make
// args escape, an allocation per row.
func dwBounded(args *dwArgs, relu bool) {
	if relu {
		dwAVX512BoundedRelu(args)
	} else {
		dwAVX512Bounded(args)
	}
}

type avx512Depthwise struct{}

func (avx512Depthwise) packDepthwise(w []int8, kh, kw, c int) *PackedDepthwise {
	return packDepthwise32(w, kh, kw, c, 16)
}

func (avx512Depthwise) depthwiseRow(in []int8, rowStride, strideW, dilH, dilW int, w *PackedDepthwise, e *Epilogue, out []int8, n int) {
	// The arguments are set field by field into one variable: built as a
	// composite literal, the compiler wrote it to a temporary and copied
	// it (16-byte loads of 8-byte stores, which do not forward), and with
	// a division for the filter's stride the Go side of a call took about
	// as long as the kernel on a row of a few pixels (~6 % of
	// person_detect).
	c := w.C
	var a dwArgs
	a.in, a.out, a.n = &in[0], &out[0], n
	a.pixStride, a.dilHStride, a.dilWStride, a.ostride = strideW*c, dilH*rowStride, dilW*c, c
	a.kh, a.kw, a.w, a.wStride, a.c = w.KH, w.KW, &w.Data32[0], w.stride32, c
	a.lo, a.hi, a.mode = e.lo, e.hi, dwMode(w, strideW, dilW)
	d := e.dw
	if d == nil || d.w != w {
		a.bias, a.mult, a.shift, a.outOff = &e.bias[0], &e.mult[0], &e.shift[0], e.outOffset
		if fastEpilogue(e, c) {
			dwAVX512Fast(&a)
		} else {
			dwAVX512(&a)
		}
		return
	}
	relu := clampsNegatives(e)
	a.bias, a.clamp = &d.params[0], saturationClamp(e.lo, e.hi)
	if w.Data16 != nil {
		a.wide = 1
	}
	if g := dwPixelGroup(c, strideW); g > 1 && n >= g {
		// Groups of g pixels as one pixel of 16 channels (the filter's
		// and the bounded epilogue's padding lanes repeat the channels):
		// the kernel's pixel steps g·c bytes, its filter columns dilW·c,
		// so for g = 2 a group's taps are the stride-2 path's columns.
		// Then the pixels left over, one at a time.
		mode := a.mode
		a.pixStride, a.c, a.n, a.ostride, a.mode = g*c, 16, n/g, g*c, 0
		if g == 2 && dilW == 1 && (w.KW == 3 || w.KW == 5) {
			a.mode = 10 + w.KW
			if w.KW == 3 {
				a.mode = dwModePairs
			}
		}
		dwBounded(&a, relu)
		done := n / g * g
		if done == n {
			return
		}
		a.in, a.out, a.n = &in[done*c], &out[done*c], n-done
		a.pixStride, a.c, a.ostride, a.mode = strideW*c, c, c, mode
	}
	dwBounded(&a, relu)
}

// dwModePairs is the bounded AVX-512 kernel's mode for 3 taps across on
// pairs of 8-channel pixels at stride 1 (dwPixelGroup 2, dilation 1
// across): the stride-2 path's geometry, whose byte path (3x3 int8
// filters) makes every odd column from the two even columns around it;
// other filters take the stride-2 path (asm/_gen: dwModePairs).
const dwModePairs = 23

// dwMode tells the AVX-512 kernel to take its stride-1 (mode KW) or
// stride-2 (mode 10+KW) path for 3 or 5 taps across, dilation 1 across
// (0: the general path).
func dwMode(w *PackedDepthwise, strideW, dilW int) int {
	if dilW != 1 || (w.KW != 3 && w.KW != 5) {
		return 0
	}
	switch strideW {
	case 1:
		return w.KW
	case 2:
		return 10 + w.KW
	}
	return 0
}

// prepareDepthwiseEpilogue: the bounded epilogue (see dwBoundedLanes in asm/_gen).
func (avx512Depthwise) prepareDepthwiseEpilogue(w *PackedDepthwise, e *Epilogue) *dwBound {
	if len(w.Data32) != w.KH*w.KW*((w.C+15)&^15) {
		return nil // not the 16-channel layout
	}
	return newDwBound(w, e)
}

// prepareDepthwiseEpilogue: the bounded epilogue of dwAVX2Pair, for the
// filters it takes (Pair32).
func (avx2Depthwise) prepareDepthwiseEpilogue(w *PackedDepthwise, e *Epilogue) *dwBound {
	if w.Pair32 == nil {
		return nil
	}
	return newDwBound(w, e)
}

// pairRows32 lays out w ([kh][kw][c]) for dwAVX2Pair, per block of 8
// channels (the first c&^7; the rest run in Go): for each pair of rows
// (ky, ky+1), ky even, the kw taps' 8 channels as dwords holding
// w[ky][kx][ch] in the low word and w[ky+1][kx][ch] in the high one; then,
// for an odd kh, the last row's taps as dwords (w, 0). It returns the
// layout and the bytes of one block.
func pairRows32[T int8 | int16](w []T, kh, kw, c int) ([]int32, int) {
	rows := (kh + 1) / 2
	blk := rows * kw * 8
	d := make([]int32, c/8*blk)
	for cb := 0; cb+8 <= c; cb += 8 {
		for r := 0; r < rows; r++ {
			for kx := 0; kx < kw; kx++ {
				for l := 0; l < 8; l++ {
					v := uint32(uint16(int16(w[(2*r*kw+kx)*c+cb+l])))
					if 2*r+1 < kh {
						v |= uint32(uint16(int16(w[((2*r+1)*kw+kx)*c+cb+l]))) << 16
					}
					d[cb/8*blk+(r*kw+kx)*8+l] = int32(v)
				}
			}
		}
	}
	return d, blk * 4
}

type avx2Depthwise struct{}

func (avx2Depthwise) packDepthwise(w []int8, kh, kw, c int) *PackedDepthwise {
	p := packDepthwise32(w, kh, kw, c, 8)
	if (kw == 3 || kw == 5) && c >= 8 {
		p.Pair32, p.pairStride = pairRows32(w, kh, kw, c)
	}
	return p
}

// depthwiseRow: channels [0, C&^7) in AVX2, the rest in Go.
func (avx2Depthwise) depthwiseRow(in []int8, rowStride, strideW, dilH, dilW int, w *PackedDepthwise, e *Epilogue, out []int8, n int) {
	c := w.C
	c8 := c &^ 7
	vec := c8 > 0 // channels [0, c8) still to do in AVX2
	if d := e.dw; vec && d != nil && d.w == w {
		if mode := dwMode(w, strideW, dilW); mode != 0 {
			args := dwArgs{in: &in[0], pixStride: strideW * c, dilHStride: dilH * rowStride, kh: w.KH,
				w: &w.Pair32[0], wStride: w.pairStride, c: c8, n: n, out: &out[0], ostride: c,
				bias: &d.params[0], lo: e.lo, hi: e.hi, mode: mode}
			if clampsNegatives(e) {
				args.relu = 1
			}
			dwAVX2Pair(&args)
			vec = false
		}
	}
	if vec {
		args := dwArgs{in: &in[0], pixStride: strideW * c, dilHStride: dilH * rowStride, dilWStride: dilW * c,
			kh: w.KH, kw: w.KW, w: &w.Data32[0], wStride: w.stride32, c: c8, n: n, out: &out[0], ostride: c,
			bias: &e.bias[0], mult: &e.mult[0], shift: &e.shift[0], outOff: e.outOffset, lo: e.lo, hi: e.hi}
		if fastEpilogue(e, c8) {
			dwAVX2Fast(&args)
		} else {
			dwAVX2(&args)
		}
	}
	if c8 < c {
		if w.Data16 != nil {
			depthwiseChannels(in, rowStride, strideW, dilH, dilW, w.Data16, w.KH, w.KW, c, c8, c, e, out, n)
		} else {
			depthwiseChannels(in, rowStride, strideW, dilH, dilW, w.Data, w.KH, w.KW, c, c8, c, e, out, n)
		}
	}
}

func (avx512Depthwise) packDepthwiseWide(w []int16, kh, kw, c int) *PackedDepthwise {
	return packDepthwise32Wide(w, kh, kw, c, 16)
}

func (avx2Depthwise) packDepthwiseWide(w []int16, kh, kw, c int) *PackedDepthwise {
	p := packDepthwise32Wide(w, kh, kw, c, 8)
	if (kw == 3 || kw == 5) && c >= 8 {
		p.Pair32, p.pairStride = pairRows32(w, kh, kw, c)
	}
	return p
}
