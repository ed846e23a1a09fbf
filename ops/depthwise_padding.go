package ops

import (
	"encoding/binary"
	"unsafe"
)

// The depthwise kernel path's padding strategies: how border output
// pixels (and depth multipliers above 1) get the zero-point padded input
// the asm DepthwiseRow kernel reads (the whole padded image, border
// strips, or a padded run per row), and the copies that build it.

// maxScratch saturates scratch size arithmetic.
const maxScratch = 1 << 46

// satMul and satAdd compute a·b and a+b for non-negative values,
// saturating at maxScratch.
func satMul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	if a >= maxScratch || b >= maxScratch || a > maxScratch/b {
		return maxScratch
	}
	return a * b
}

func satAdd(a, b int64) int64 { return min(a+b, maxScratch) }

// maxPadImage bounds the scratch memory of a padded input copy (a
// variable for tests, which set it to 0 to take the row-by-row path).
var maxPadImage = 1 << 20

// depthwiseStrips enables the strips strategy (a variable for tests, which
// turn it off to exercise the others on the same shapes).
var depthwiseStrips = true

// planPadding chooses how the kernel path gets the zero-point padded
// input of border pixels (padAll, padImage or strips; see the fields)
// and sizes its scratch.
func (k *depthwiseKernel) planPadding() {
	k.padAll = k.mult > 1 || k.outC < 16
	// Sizes from the file's geometry, saturated (hostile strides and
	// dilations must not wrap): a saturated size makes the scratch
	// exceed any arena limit, so the model is refused at load.
	w := satAdd(satMul(int64(k.outW-1), int64(k.strideW)), satMul(int64(k.kw-1), int64(k.dilW))) + 1
	h := satAdd(satMul(int64(k.outH-1), int64(k.strideH)), satMul(int64(k.kh-1), int64(k.dilH))) + 1
	k.rowScratch = satMul(satMul(int64(k.kh), w), int64(k.outC))
	k.imageScratch = satMul(satMul(h, w), int64(k.outC))
	k.padImage = k.imageScratch <= int64(maxPadImage)
	if k.imageScratch < maxScratch {
		k.padH = int(h)
	}
	if depthwiseStrips && !k.padAll && k.yLo < k.yHi && k.xLo < k.xHi {
		// One strip per border column: the padded rows the interior
		// rows read, the kernel's width of columns.
		rows := satAdd(satMul(int64(k.yHi-k.yLo-1), int64(k.strideH)), int64((k.kh-1)*k.dilH)) + 1
		width := int64((k.kw-1)*k.dilW) + 1
		k.stripScratch = satAdd(satMul(satMul(rows, width), int64(k.outC)), satMul(int64(k.outH), int64(k.outC)))
		cols := int64(k.xLo + k.outW - k.xHi)
		copied := satAdd(satMul(cols, satMul(satMul(rows, width), int64(k.outC))),
			satMul(int64(k.outH-(k.yHi-k.yLo)), k.rowScratch))
		if satMul(copied, 2) < k.imageScratch && k.stripScratch < maxScratch {
			k.strips, k.padImage = true, false
		}
	}
	if n := satMul(w, int64(k.outC)); n <= int64(maxPadImage) {
		k.zpRow = make([]int8, n)
		fillFast(k.zpRow, int8(-k.inputOffset))
	}
}

// paddedWidth is the input width, in pixels, that a whole output row's
// taps span (padding included).
func (k *depthwiseKernel) paddedWidth() int {
	return (k.outW-1)*k.strideW + (k.kw-1)*k.dilW + 1
}

// stripRows computes output rows [oy0, oy1) of one image for the strips
// strategy.
func (k *depthwiseKernel) stripRows(in, out []int8, oy0, oy1 int, pad []int8) {
	c := k.outC
	rowOut := k.outW * c
	for oy := oy0; oy < oy1; oy++ {
		row := out[oy*rowOut:][:rowOut]
		if oy < k.yLo || oy >= k.yHi {
			k.paddedRun(in, oy, 0, k.outW, row, pad)
			continue
		}
		k.interiorRun(in, oy, row)
	}
	ra, rb := max(oy0, k.yLo), min(oy1, k.yHi)
	if ra >= rb {
		return
	}
	for ox := 0; ox < k.outW; ox++ {
		if ox == k.xLo {
			ox = k.xHi - 1
			continue
		}
		k.columnStrip(in, out, ox, ra, rb, pad)
	}
}

// columnStrip computes output column ox of rows [ra, rb) in one kernel
// call. It copies the input columns those pixels read (width =
// (kw-1)·dilW + 1, the zero point outside the image) for every input row
// they read into a strip of width·C-byte rows, then lets the kernel walk
// down it: the kernel's pixel j (stride strideH·width pixels) is output
// row ra+j, its tap row ky (stride width·C) is input row ky·dilH further,
// its tap kx column kx·dilW of the strip, exactly the taps of output
// pixel (ra+j, ox). The results land after the strip and go to their
// rows.
func (k *depthwiseKernel) columnStrip(in, out []int8, ox, ra, rb int, pad []int8) {
	c := k.outC
	width := (k.kw-1)*k.dilW + 1
	rowLen := width * c
	n := rb - ra
	rows := (n-1)*k.strideH + (k.kh-1)*k.dilH + 1
	strip := pad[:rows*rowLen]
	xs := ox*k.strideW - k.padLeft // input column of the strip's column 0
	iy0 := ra*k.strideH - k.padTop
	for r := 0; r < rows; r++ {
		k.paddedRow(strip[r*rowLen:][:rowLen], in, iy0+r, xs)
	}
	res := pad[rows*rowLen:][:n*c]
	k.impl.DepthwiseRow(strip, rowLen, k.strideH*width, k.dilH, k.dilW, k.packed, k.epi, res, n)
	rowOut := k.outW * c
	for j := 0; j < n; j++ {
		copy(out[(ra+j)*rowOut+ox*c:][:c], res[j*c:][:c])
	}
}

// kernelRow computes output row oy (out holds its outW pixels) with the
// asm kernel: the interior run straight from the input, border pixels
// through paddedRun.
func (k *depthwiseKernel) kernelRow(in []int8, oy int, out []int8, pad []int8, st *padSlide) {
	if k.padAll || oy < k.yLo || oy >= k.yHi || k.xHi-k.xLo < narrowInterior {
		k.paddedWholeRow(in, oy, out, pad, st)
		return
	}
	st.ok = false // the runs below overwrite pad
	if k.xLo > 0 {
		k.paddedRun(in, oy, 0, k.xLo, out, pad)
	}
	k.interiorRun(in, oy, out)
	if k.xHi < k.outW {
		k.paddedRun(in, oy, k.xHi, k.outW, out, pad)
	}
}

// interiorRun computes the interior pixels [xLo, xHi) of output row oy
// (row holds the whole row) straight from the input.
func (k *depthwiseKernel) interiorRun(in []int8, oy int, row []int8) {
	c := k.outC
	y0 := oy*k.strideH - k.padTop
	x0 := k.xLo*k.strideW - k.padLeft
	k.impl.DepthwiseRow(in[(y0*k.inW+x0)*c:], k.inW*c, k.strideW, k.dilH, k.dilW, k.packed, k.epi, row[k.xLo*c:], k.xHi-k.xLo)
}

// narrowInterior: a row whose interior run is shorter than this many
// pixels (the kernel's longest pixel block) goes through paddedRun whole.
// The copy of its kh padded rows costs less than two more kernel calls,
// each of which sets up every channel block for a few pixels: KWS's
// 25x5x64 depthwise layers ran 1.6x faster so.
const narrowInterior = 8

// padSlide is what the padded rows in scratch hold between two
// paddedWholeRow calls of one image: those of output row oy when ok.
type padSlide struct {
	oy int
	ok bool
}

// paddedWholeRow is paddedRun for the whole output row oy, but the padded
// rows the previous call (output row oy-1, st) copied that this row reads
// too slide to the front in one memmove and only the others are copied:
// KWS's 25x5 layers copied each input row three times, in calls of a few
// hundred bytes.
func (k *depthwiseKernel) paddedWholeRow(in []int8, oy int, out []int8, pad []int8, st *padSlide) {
	rowLen := k.paddedWidth() * k.outC
	keep := 0
	if st.ok && oy == st.oy+1 && k.dilH == 1 && k.strideH < k.kh {
		keep = k.kh - k.strideH
		copy(pad[:keep*rowLen], pad[k.strideH*rowLen:k.kh*rowLen])
	}
	for ky := keep; ky < k.kh; ky++ {
		k.paddedRow(pad[ky*rowLen:][:rowLen], in, oy*k.strideH-k.padTop+ky*k.dilH, -k.padLeft)
	}
	*st = padSlide{oy: oy, ok: true}
	k.impl.DepthwiseRow(pad, rowLen, k.strideW, 1, k.dilW, k.packed, k.epi, out, k.outW)
}

// paddedRun computes output pixels [ox0, ox1) of row oy by copying the
// taps they read into pad, one row per ky, with the input zero point in
// place of every tap outside the image. Such a tap adds
// F·(zp + input_offset) = 0, exactly as the reference's skipped tap, so
// the kernel's folded bias (bias + input_offset·ΣF) stays right. With a
// depth multiplier M each input value is written M times (output channel
// ic·M + m reads input channel ic), making it a multiplier-1 depthwise
// over the output channels.
func (k *depthwiseKernel) paddedRun(in []int8, oy, ox0, ox1 int, out []int8, pad []int8) {
	c := k.outC
	width := (ox1-ox0-1)*k.strideW + (k.kw-1)*k.dilW + 1
	rowLen := width * c
	xs := ox0*k.strideW - k.padLeft // input column of pad's column 0
	for ky := 0; ky < k.kh; ky++ {
		k.paddedRow(pad[ky*rowLen:][:rowLen], in, oy*k.strideH-k.padTop+ky*k.dilH, xs)
	}
	k.impl.DepthwiseRow(pad, rowLen, k.strideW, 1, k.dilW, k.packed, k.epi, out[ox0*c:], ox1-ox0)
}

// padInput copies rows [r0, r1) of the padded input image into pad, row
// r0 first. The padded image has padH rows of paddedWidth pixels of outC
// values, the input at (padTop, padLeft), the input zero point everywhere
// else (see paddedRun: those taps add nothing), each input value written
// depth-multiplier times.
func (k *depthwiseKernel) padInput(in, pad []int8, r0, r1 int) {
	c := k.outC
	rowLen := k.paddedWidth() * c
	for r := r0; r < r1; r++ {
		k.paddedRow(pad[(r-r0)*rowLen:][:rowLen], in, r-k.padTop, -k.padLeft)
	}
}

// paddedRow fills dst (a whole number of pixels of outC values) with input
// row iy from column xs on, the input zero point for pixels outside the
// image, each input value written mult times (see paddedRun).
func (k *depthwiseKernel) paddedRow(dst, in []int8, iy, xs int) {
	c := k.outC
	zp := int8(-k.inputOffset)
	lo, hi := max(xs, 0), min(xs+len(dst)/c, k.inW)
	if iy < 0 || iy >= k.inH || lo >= hi {
		k.padWith(dst, zp)
		return
	}
	k.padWith(dst[:(lo-xs)*c], zp)
	if k.mult == 1 {
		copy(dst[(lo-xs)*c:], in[(iy*k.inW+lo)*c:(iy*k.inW+hi)*c])
	} else {
		replicate(dst[(lo-xs)*c:(hi-xs)*c], in[(iy*k.inW+lo)*k.inC:(iy*k.inW+hi)*k.inC], k.mult)
	}
	k.padWith(dst[(hi-xs)*c:], zp)
}

// padWith sets dst to the zero point zp: a copy from zpRow when it is
// long enough.
func (k *depthwiseKernel) padWith(dst []int8, zp int8) {
	if len(dst) <= len(k.zpRow) {
		copy(dst, k.zpRow)
		return
	}
	fillFast(dst, zp)
}

// fillFast is fill by doubling copies, for longer runs.
func fillFast(s []int8, v int8) {
	if len(s) == 0 {
		return
	}
	s[0] = v
	for n := 1; n < len(s); n *= 2 {
		copy(s[n:], s[:n])
	}
}

// replicate writes each value of src m times into dst (len m·len(src)).
func replicate(dst, src []int8, m int) {
	dst = dst[:len(src)*m]
	if m == 8 {
		for i, v := range src {
			binary.LittleEndian.PutUint64(unsafe.Slice((*byte)(unsafe.Pointer(&dst[8*i])), 8), uint64(uint8(v))*0x0101010101010101)
		}
		return
	}
	for i, v := range src {
		d := dst[i*m:][:m]
		for j := range d {
			d[j] = v
		}
	}
}
