//go:build !purego

package asm

// The arm64 depthwise kernels (depthwise_arm64.s, written by
// gen_arm64.go): 3x3 and 5x5 with their taps unrolled, any other KH×KW
// with loops; any stride and dilation (they are register operands). Each
// call computes one block of 16 (or 8) channels for n pixels. Blocks are
// 16 channels at 0, 16, 32, ... with the last one ending at C (so it
// overlaps the one before when C is not a multiple of 16, and those
// channels are written twice with the same values); C in [8, 16) uses two
// blocks of 8, at 0 and C-8; C < 8 runs the pure-Go reference.
//
// Packed layout: per block, [KH·KW][16 or 8] weights, the block's
// channels of each tap contiguous; for the generic kernels when a pair of
// taps could overflow int16 (PackedDepthwise.single), [KH·KW][2][16 or
// 8]: each tap followed by a zero partner.

// dwArgs is one kernel call (offsets used by depthwise_arm64.s).
type dwArgs struct {
	in      *int8 // input under the first tap of pixel 0, the block's first channel
	out     *int8 // pixel 0, the block's first channel
	w       *int8 // the block's packed weights
	bias    *int32
	mult    *int32
	shift   *int32
	n       int // pixels
	rowStep int // dilH · rowStride
	tapStep int // dilW · C
	pixStep int // strideW · C
	outStep int // C
	kh, kw  int
	off     int32
	lo, hi  int32
	// general selects the epilogue: 1 the general one (a shift >= 0 in
	// the block, or |off| > 32000), 0 the fast one, 2 (3x3 and 5x5
	// kernels only) the fast one without the negative values' decrement,
	// for clamps that start at or above off (clampsNegatives).
	general int
	// The generic kernels' taps per filter row: pairs pairs, the second
	// tap poff bytes after the first, pstep bytes from one pair to the
	// next, then one more tap alone when tail is nonzero.
	pairs, poff, pstep, tail int
	// The general epilogue's shifts of the 3x3 and 5x5 kernels, per
	// channel of the block: rsh = min(shift, 0) (a rounding right shift
	// by -rsh), lsh = min(max(shift, 0), 32) (a left shift; 32 or more
	// gives 0, like the reference's wrapping x·2^shift). lsh must follow
	// rsh: the kernels load it at rsh + 64 bytes.
	rsh, lsh [16]int32
}

//go:noescape
func dw3x3c16(p *dwArgs)

//go:noescape
func dw5x5c16(p *dwArgs)

//go:noescape
func dwGenc16(p *dwArgs)

//go:noescape
func dw3x3c8(p *dwArgs)

//go:noescape
func dw5x5c8(p *dwArgs)

//go:noescape
func dwGenc8(p *dwArgs)

//go:noescape
func dw3x3c16Dot(p *dwArgs)

// dw3x3c16S1 and dw3x3c8S1 are dw3x3c16 and dw3x3c8 for rows of at least
// four pixels whose stride across equals the dilation: a group's pixels
// share their input columns, loaded once.
//
//go:noescape
func dw3x3c16S1(p *dwArgs)

//go:noescape
func dw3x3c8S1(p *dwArgs)

// armDepthwise: dot (the dotprod implementation) runs 3x3 filters of 16
// or more channels on dw3x3c16Dot, whose weights PackedDepthwise.dot
// holds, wherever the block's epilogue is the fast one and the stride
// across equals the dilation (stride 1: 13 of MobileNetV2's 17 depthwise
// layers): modelled 1.3x the SMULL kernel's rate on Neoverse-N1 (the
// model of a Cortex-A76, bench/mca); strided layers keep the SMULL
// kernel, which the SDOT form did not beat.
type armDepthwise struct{ dot bool }

// dwDotBlock is the bytes of dw3x3c16Dot's packed weights per 16-channel
// block: [kx][channel][w[0][kx][c], w[1][kx][c], w[2][kx][c], 0].
const dwDotBlock = 3 * 16 * 4

// packDepthwiseDot lays out a 3x3 filter [3][3][c] (c >= 16) for
// dw3x3c16Dot, blocks as dwBlockStart places them.
func packDepthwiseDot(w []int8, c int) []int8 {
	nb := dwBlocks(c, 16)
	data := make([]int8, nb*dwDotBlock)
	for b := range nb {
		cb := dwBlockStart(b, c, 16)
		blk := data[b*dwDotBlock:][:dwDotBlock]
		for kx := range 3 {
			for ch := range 16 {
				for ky := range 3 {
					blk[kx*64+4*ch+ky] = w[(ky*3+kx)*c+cb+ch]
				}
			}
		}
	}
	return data
}

// dwBlocks returns the channel block width for c channels (0: pure Go),
// the number of blocks and the first channel of block b.
func dwBlockWidth(c int) int {
	switch {
	case c >= 16:
		return 16
	case c >= 8:
		return 8
	}
	return 0
}

func dwBlocks(c, cw int) int { return (c + cw - 1) / cw }

func dwBlockStart(b, c, cw int) int { return min(cw*b, c-cw) }

func (a armDepthwise) packDepthwise(w []int8, kh, kw, c int) *PackedDepthwise {
	cw := dwBlockWidth(c)
	if cw == 0 {
		return &PackedDepthwise{Data: append([]int8(nil), w...)}
	}
	var dot []int8
	if a.dot && kh == 3 && kw == 3 && cw == 16 {
		dot = packDepthwiseDot(w, c)
	}
	taps, nb := kh*kw, dwBlocks(c, cw)
	unpaired := dwPairOverflows(w, kh*kw, c)
	// The generic kernels pair taps 2i and 2i+1 of each filter row.
	single := (kh != kw || (kh != 3 && kh != 5) || unpaired) && dwRowPairOverflows(w, kh, kw, c)
	per := cw
	if single {
		per = 2 * cw
	}
	data := make([]int8, 0, nb*taps*per)
	for b := 0; b < nb; b++ {
		cb := dwBlockStart(b, c, cw)
		for t := 0; t < taps; t++ {
			data = append(data, w[t*c+cb:][:cw]...)
			if single {
				data = append(data, make([]int8, cw)...)
			}
		}
	}
	return &PackedDepthwise{Data: data, unpaired: unpaired, single: single, dot: dot}
}

// dwRowPairOverflows is dwPairOverflows for the generic kernels' pairs:
// taps 2i and 2i+1 of each filter row.
func dwRowPairOverflows(w []int8, kh, kw, c int) bool {
	for r := 0; r < kh; r++ {
		for x := 0; x+1 < kw; x += 2 {
			t := r*kw + x
			for ch := 0; ch < c; ch++ {
				if w[t*c+ch] == -128 && w[(t+1)*c+ch] == -128 {
					return true
				}
			}
		}
	}
	return false
}

// dwPairOverflows reports whether the 3x3/5x5 kernels' int16 tap pairs
// (taps 2i and 2i+1, row-major) could overflow: some channel has both
// weights of a pair -128 (then x1·w1 + x2·w2 reaches 2^15 for x1 = x2 =
// -128; with one weight above -128 it is at most 16384 + 16256). Such
// filters run on the generic kernel, which adds one tap at a time.
func dwPairOverflows(w []int8, taps, c int) bool {
	if taps != 9 && taps != 25 {
		return false
	}
	for t := 0; t+1 < taps; t += 2 {
		for ch := 0; ch < c; ch++ {
			if w[t*c+ch] == -128 && w[(t+1)*c+ch] == -128 {
				return true
			}
		}
	}
	return false
}

func (armDepthwise) depthwiseRow(in []int8, rowStride, strideW, dilH, dilW int, w *PackedDepthwise, e *Epilogue, out []int8, n int) {
	c := w.C
	cw := dwBlockWidth(c)
	if cw == 0 {
		// Fewer than 8 channels: packed as given, the generic kernel's
		// layout.
		genericDepthwise{}.depthwiseRow(in, rowStride, strideW, dilH, dilW, w, e, out, n)
		return
	}
	p := dwArgs{
		n:       n,
		rowStep: dilH * rowStride,
		tapStep: dilW * c,
		pixStep: strideW * c,
		outStep: c,
		kh:      w.KH,
		kw:      w.KW,
		off:     e.outOffset,
		lo:      e.lo,
		hi:      e.hi,
	}
	square := 0
	if w.KH == w.KW && !w.unpaired {
		square = w.KH
	}
	size := w.KH * w.KW * cw
	if w.single {
		size *= 2
		p.pairs, p.poff, p.pstep = w.KW, 0, p.tapStep
	} else {
		p.pairs, p.poff, p.pstep, p.tail = w.KW/2, p.tapStep, 2*p.tapStep, w.KW%2
	}
	for b := range dwBlocks(c, cw) {
		cb := dwBlockStart(b, c, cw)
		p.in, p.out, p.w = &in[cb], &out[cb], &w.Data[b*size]
		p.bias, p.mult, p.shift = &e.bias[cb], &e.mult[cb], &e.shift[cb]
		p.general = 0
		if e.outOffset < -32000 || e.outOffset > 32000 {
			p.general = 1
		}
		for i, s := range e.shift[cb : cb+cw] {
			if s >= 0 {
				p.general = 1
			}
			p.rsh[i], p.lsh[i] = min(s, 0), min(max(s, 0), 32)
		}
		square3or5 := square == 3 || square == 5
		if p.general == 0 && square3or5 && clampsNegatives(e) {
			// The fast loops without the negative decrement (the 3x3
			// and 5x5 kernels' _z loops; gen_arm64.go's epiRelu).
			p.general = 2
		}
		// Direct calls: through a function value p would escape.
		switch {
		case w.dot != nil && p.general != 1 && p.tapStep == p.pixStep && n >= 4:
			// n >= 4: its groups are four consecutive pixels (it reads
			// the columns of pixel 0 + 0..5 pixel steps; below four,
			// the other kernels repeat the last pixel instead).
			p.w = &w.dot[b*dwDotBlock]
			dw3x3c16Dot(&p)
		case cw == 16 && square == 3 && p.tapStep == p.pixStep && n >= 4:
			dw3x3c16S1(&p)
		case cw == 16 && square == 3:
			dw3x3c16(&p)
		case cw == 16 && square == 5:
			dw5x5c16(&p)
		case cw == 16:
			dwGenc16(&p)
		case square == 3 && p.tapStep == p.pixStep && n >= 4:
			dw3x3c8S1(&p)
		case square == 3:
			dw3x3c8(&p)
		case square == 5:
			dw5x5c8(&p)
		default:
			dwGenc8(&p)
		}
	}
}
