package ops

// DEPTHWISE_CONV_2D with a legacy filter offset f on the kernels.
// Σ_taps (w + f)·(x + input_offset) needs weights w + f outside int8, so
// the op runs a depthwise of twice the filter rows: row 2·ky holds w's row
// ky, row 2·ky + 1 the constant f, over a zero-point padded input in which
// every row appears twice (2·ky and 2·ky + 1 read the same input row):
// Σ w·x + Σ f·x, then input_offset·Σ_taps(w + f) folded into the bias as
// for int8 filters, and padding taps (x = −input_offset) add nothing, as
// the reference's skipped taps. Twice the multiply-adds of the int8 op,
// on the selected implementation's DepthwiseRow, instead of a Go loop.
// It needs |f| <= 127 (f = 128, a uint8 zero point of 0, keeps the Go
// path) and, for the whole-image padding, dilation 1 down (otherwise the
// rows are padded per output row).

// depthwiseWide enables prepareWide (tests turn it off to run the
// doubled rows on implementations that pack wide).
var depthwiseWide = true

// prepareWide sets k up for the int8 kernel path on the filter
// F = w + f as int16 (raw: the int8 filter [kh][kw][outC]), packed wide
// (asm.PackDepthwiseWide: the generic and amd64 kernels multiply 16-bit
// weights): the same multiply-adds as an int8 filter, input_offset·ΣF
// folded into q's bias; false when the implementation takes int8 weights
// only (arm64: the doubled rows below).
func (k *depthwiseKernel) prepareWide(raw []int8, f int32, q *requantizer) bool {
	if !depthwiseWide {
		return false
	}
	w := make([]int16, len(raw))
	for i, v := range raw {
		w[i] = int16(int32(v) + f)
	}
	packed := k.impl.PackDepthwiseWide(w, k.kh, k.kw, k.outC)
	if packed == nil {
		return false
	}
	for i, v := range w {
		q.bias[i%k.outC] += k.inputOffset * int32(v)
	}
	k.epi = q.epilogue()
	k.packed = packed
	k.impl.PrepareDepthwiseEpilogue(k.packed, k.epi)
	k.planPadding()
	return true
}

// prepareOffset sets k up for the doubled-rows kernel path with filter
// offset f (raw: the int8 filter [kh][kw][outC]), folding
// input_offset·Σ(w + f) into q's bias; false when f does not fit.
func (k *depthwiseKernel) prepareOffset(raw []int8, f int32, q *requantizer) bool {
	if f < -127 || f > 127 {
		return false
	}
	c, row := k.outC, k.kw*k.outC
	w2 := make([]int8, 2*k.kh*row)
	for ky := 0; ky < k.kh; ky++ {
		copy(w2[2*ky*row:][:row], raw[ky*row:][:row])
		fill := w2[(2*ky+1)*row:][:row]
		for i := range fill {
			fill[i] = int8(f)
		}
	}
	for i, v := range w2 {
		q.bias[i%c] += k.inputOffset * int32(v)
	}
	k.epi = q.epilogue()
	k.packed = k.impl.PackDepthwise(w2, 2*k.kh, k.kw, c)
	k.impl.PrepareDepthwiseEpilogue(k.packed, k.epi)
	k.doubled = true
	k.planPadding()
	k.strips = false
	k.padImage = k.dilH == 1 && satMul(k.imageScratch, 2) <= int64(maxPadImage)
	return true
}

// offsetScratch is the doubled-rows path's scratch: the doubled padded
// image, or the doubled padded rows of one output row.
func (k *depthwiseKernel) offsetScratch() int64 {
	if k.padImage {
		return satMul(k.imageScratch, 2)
	}
	return satMul(k.rowScratch, 2)
}

// evalOffset computes output rows [oy0, oy1) of one image on the doubled
// rows (see the top of the file).
func (k *depthwiseKernel) evalOffset(in, out []int8, oy0, oy1 int, pad []int8) {
	c := k.outC
	rowOut := k.outW * c
	rowLen := k.paddedWidth() * c
	if k.padImage {
		// The padded input rows these output rows read, each twice.
		r0 := oy0 * k.strideH
		r1 := (oy1-1)*k.strideH + k.kh
		for r := r0; r < r1; r++ {
			dst := pad[2*(r-r0)*rowLen:][:2*rowLen]
			k.paddedRow(dst[:rowLen], in, r-k.padTop, -k.padLeft)
			copy(dst[rowLen:], dst[:rowLen])
		}
		for oy := oy0; oy < oy1; oy++ {
			k.impl.DepthwiseRow(pad[2*(oy*k.strideH-r0)*rowLen:], rowLen, k.strideW, 1, k.dilW, k.packed, k.epi,
				out[oy*rowOut:], k.outW)
		}
		return
	}
	for oy := oy0; oy < oy1; oy++ {
		for ky := 0; ky < k.kh; ky++ {
			dst := pad[2*ky*rowLen:][:2*rowLen]
			k.paddedRow(dst[:rowLen], in, oy*k.strideH-k.padTop+ky*k.dilH, -k.padLeft)
			copy(dst[rowLen:], dst[:rowLen])
		}
		k.impl.DepthwiseRow(pad, rowLen, k.strideW, 1, k.dilW, k.packed, k.epi, out[oy*rowOut:], k.outW)
	}
}
