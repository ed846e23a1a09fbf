//go:build !purego

package asm

// Go side of the amd64 depthwise kernels: the filter is widened to 32-bit
// lanes holding the int16 weight in the low word and 0 in the high word
// (the kernels multiply words), [KH·KW][Cpad] with C rounded up to the
// vector width (Data32), and kept as given in Data for channel tails done
// in Go.

func packDepthwise32(w []int8, kh, kw, c, width int) *PackedDepthwise {
	cpad := (c + width - 1) / width * width
	d := make([]int32, kh*kw*cpad)
	for t := 0; t < kh*kw; t++ {
		for ch := 0; ch < c; ch++ {
			d[t*cpad+ch] = int32(uint16(int16(w[t*c+ch])))
		}
	}
	return &PackedDepthwise{Data: append([]int8(nil), w...), Data32: d}
}

type avx512Depthwise struct{}

func (avx512Depthwise) packDepthwise(w []int8, kh, kw, c int) *PackedDepthwise {
	return packDepthwise32(w, kh, kw, c, 16)
}

func (avx512Depthwise) depthwiseRow(in []int8, rowStride, strideW, dilH, dilW int, w *PackedDepthwise, e *Epilogue, out []int8, n int) {
	c := w.C
	cpad := len(w.Data32) / (w.KH * w.KW)
	if d := e.dw; d != nil && d.w == w {
		dwAVX512Bounded(&in[0], rowStride, strideW*c, dilH*rowStride, dilW*c, w.KH, w.KW, &w.Data32[0], cpad*4, c, n,
			&out[0], c, &d.params[0], nil, nil, 0, e.lo, e.hi, dwMode(w, strideW, dilW))
		return
	}
	kernel := dwAVX512
	if fastEpilogue(e, c) {
		kernel = dwAVX512Fast
	}
	kernel(&in[0], rowStride, strideW*c, dilH*rowStride, dilW*c, w.KH, w.KW, &w.Data32[0], cpad*4, c, n,
		&out[0], c, &e.bias[0], &e.mult[0], &e.shift[0], e.outOffset, e.lo, e.hi, dwMode(w, strideW, dilW))
}

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
	return newDwBound(w, e)
}

type avx2Depthwise struct{}

func (avx2Depthwise) packDepthwise(w []int8, kh, kw, c int) *PackedDepthwise {
	return packDepthwise32(w, kh, kw, c, 8)
}

// depthwiseRow: channels [0, C&^7) in AVX2, the rest in Go.
func (avx2Depthwise) depthwiseRow(in []int8, rowStride, strideW, dilH, dilW int, w *PackedDepthwise, e *Epilogue, out []int8, n int) {
	c := w.C
	c8 := c &^ 7
	if c8 > 0 {
		cpad := len(w.Data32) / (w.KH * w.KW)
		kernel := dwAVX2
		if fastEpilogue(e, c8) {
			kernel = dwAVX2Fast
		}
		kernel(&in[0], rowStride, strideW*c, dilH*rowStride, dilW*c, w.KH, w.KW, &w.Data32[0], cpad*4, c8, n,
			&out[0], c, &e.bias[0], &e.mult[0], &e.shift[0], e.outOffset, e.lo, e.hi, 0)
	}
	if c8 < c {
		depthwiseChannels(in, rowStride, strideW, dilH, dilW, w.Data, w.KH, w.KW, c, c8, c, e, out, n)
	}
}
