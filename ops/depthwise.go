package ops

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// DEPTHWISE_CONV_2D, bit-exact with TFLite Micro's
// reference_integer_ops::DepthwiseConvPerChannel (and the legacy uint8
// reference, which adds a filter offset). Output channel oc = ic·M + m
// (M the depth multiplier) of output pixel (oy, ox):
//
//	acc = Σ over in-bounds taps (ky,kx) of
//	      (filter[0,ky,kx,oc] + filter_offset) · (input[b,iy,ix,ic] + input_offset)
//	acc += bias[oc]
//	out = clamp(MultiplyByQuantizedMultiplier(acc, M[oc], shift[oc]) + output_offset)
//
// The kernel keeps F = filter + filter_offset as int16 (the offset is 0 for
// int8 models) and accumulates all output channels of a pixel at once, tap
// by tap, over contiguous channel vectors. For pixels whose whole window is
// inside the image the input offset is folded out of the loop:
// Σ F·(x + input_offset) = Σ F·x + input_offset·ΣF, with ΣF over all taps
// precomputed per channel together with the bias (exact in wrapping int32,
// a ring). Border pixels skip the taps outside the image, as the reference
// does, and add the offset per tap.
type depthwiseKernel struct {
	in, out int32

	convShape
	mult             int // depth multiplier
	kh, kw           int
	strideH, strideW int
	dilH, dilW       int
	padTop, padLeft  int

	inputOffset int32
	filter      []int16 // [kh][kw][outC], filter + filter_offset
	bias        []int32 // bias (border pixels)
	q           *requantizer
	// q.bias = bias + input_offset·ΣF over all taps (interior pixels)

	// Output rows [yLo, yHi) and columns [xLo, xHi) have every tap inside
	// the image.
	yLo, yHi, xLo, xHi int

	// simd, when set, computes the interior run of each interior row with
	// a SIMD asm kernel (depth multiplier 1, int8 filter); the borders stay
	// here. packed is the filter packed once for simd; epi the folded
	// requantization (q's).
	simd   *asm.Impl
	packed *asm.PackedDepthwise
	epi    *asm.Epilogue
	// padAll: every output row goes through paddedRun (depth multipliers
	// above 1, whose input values it replicates, and narrow channel counts,
	// where one kernel call per row beats three).
	padAll bool
	// padImage: the whole zero-point padded input (padH rows of
	// paddedWidth pixels, input values replicated by the depth multiplier)
	// is built in scratch once per batch, then every output row is one
	// kernel call; used when it fits in maxPadImage bytes.
	padImage bool
	padH     int
	// Padded scratch sizes (saturated at maxScratch): kh rows for the
	// row path, padH rows for padImage.
	rowScratch, imageScratch int64
	// strips: interior rows straight from the input, border rows through
	// paddedRun, and each border column (left or right of the interior,
	// all its rows at once) through one kernel call on a strip: the input
	// columns it reads, zero-point padded, with the kernel's row and pixel
	// roles swapped (see columnStrip). Chosen when the strips copy less
	// than half of what padImage copies: the padded image copies every
	// input byte, a third of a stride-2 op's time.
	strips       bool
	stripScratch int64
	// zpRow is one padded row of the input zero point (when it is at most
	// maxPadImage bytes): padding is copied from it in one memmove. Filling
	// byte by byte, or by doubling copies, was a tenth of a stride-2
	// depthwise's time (many short runs: one pixel per row).
	zpRow []int8
}

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

func prepareDepthwiseConv2D(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 2, 3, 1); err != nil {
		return nil, err
	}
	p, f, shape, err := prepareConvShape(m, op, path)
	if err != nil {
		return nil, err
	}
	k := &depthwiseKernel{in: op.Inputs[0], out: op.Outputs[0], convShape: shape}
	fpath := path + " / input 1 (filter)"
	if f.Shape[0] != 1 || int(f.Shape[3]) != k.outC {
		return nil, format.Malformed(fpath, "shape %v, want [1, KH, KW, %d]", f.Shape, k.outC)
	}
	k.kh, k.kw = int(f.Shape[1]), int(f.Shape[2])
	if p.DepthMultiplier < 1 || int64(k.inC)*int64(p.DepthMultiplier) != int64(k.outC) {
		return nil, format.Malformed(path+" / params", "depth multiplier %d: %d input channels cannot make %d output channels", p.DepthMultiplier, k.inC, k.outC)
	}
	k.mult = int(p.DepthMultiplier)
	if err := windowParams(p, k.convShape, k.kh, k.kw, path); err != nil {
		return nil, err
	}
	k.strideH, k.strideW = int(p.StrideH), int(p.StrideW)
	k.dilH, k.dilW = int(p.DilationH), int(p.DilationW)
	k.padTop, k.padLeft = int(p.PadTop), int(p.PadLeft)
	if err := checkOffset(p.InputOffset, "input offset", path); err != nil {
		return nil, err
	}
	if err := checkOffset(p.FilterOffset, "filter offset", path); err != nil {
		return nil, err
	}
	k.inputOffset = p.InputOffset
	bias, err := decodeBias(m, op, k.outC, path)
	if err != nil {
		return nil, err
	}
	if bias == nil {
		bias = make([]int32, k.outC)
	}
	k.bias = bias
	k.q, err = newRequantizer(p.Requant, bias, k.outC, p.OutputOffset, p.ActMin, p.ActMax, path)
	if err != nil {
		return nil, err
	}
	raw := Int8s(f.Data)
	k.filter = make([]int16, len(raw))
	for i, v := range raw {
		k.filter[i] = int16(v) + int16(p.FilterOffset)
	}
	for i, v := range k.filter {
		k.q.bias[i%k.outC] += p.InputOffset * int32(v)
	}
	k.yLo, k.yHi = interiorRange(k.outH, k.inH, k.kh, k.strideH, k.dilH, k.padTop)
	k.xLo, k.xHi = interiorRange(k.outW, k.inW, k.kw, k.strideW, k.dilW, k.padLeft)
	if impl := simdImpl(); impl != nil && p.FilterOffset == 0 {
		k.simd = impl
		k.packed = impl.PackDepthwise(raw, k.kh, k.kw, k.outC)
		k.epi = k.q.epilogue()
		impl.PrepareDepthwiseEpilogue(k.packed, k.epi)
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
	return k, nil
}

// interiorRange returns the output positions [lo, hi) along one axis whose
// taps all fall inside [0, in): o·stride - pad >= 0 and
// o·stride - pad + (kernel-1)·dilation < in. Empty ranges have lo == hi.
func interiorRange(outSize, in, kernel, stride, dil, pad int) (int, int) {
	lo := (pad + stride - 1) / stride
	last := in - 1 - (kernel-1)*dil + pad // largest allowed o·stride
	if last < 0 {
		return 0, 0
	}
	hi := min(last/stride+1, outSize)
	if lo >= hi {
		return 0, 0
	}
	return lo, hi
}

// ScratchBytes: one int32 accumulator per output channel; with simd, the
// zero-point padded tap rows of one output row (see paddedRun) after them.
func (k *depthwiseKernel) ScratchBytes() int {
	n := int64(3 + 4*k.outC)
	switch {
	case k.padImage:
		n += k.imageScratch
	case k.strips:
		n = satAdd(n, max(k.rowScratch, k.stripScratch))
	case k.simd != nil:
		n += k.rowScratch
	}
	return int(min(n, int64(math.MaxInt)))
}

// paddedWidth is the input width, in pixels, that a whole output row's
// taps span (padding included).
func (k *depthwiseKernel) paddedWidth() int {
	return (k.outW-1)*k.strideW + (k.kw-1)*k.dilW + 1
}

// Units: the depthwise conv splits by output rows (over all batches) for
// Options.Threads.
func (k *depthwiseKernel) Units() int { return k.batches * k.outH }

func (k *depthwiseKernel) Eval(env *Env) { k.EvalRange(env, 0, k.Units()) }

// EvalRange computes output rows [lo, hi) of the batches·outH rows.
func (k *depthwiseKernel) EvalRange(env *Env, lo, hi int) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	acc := int32Scratch(env.Scratch, k.outC)
	plane := k.inH * k.inW * k.inC
	rowOut := k.outW * k.outC
	for r := lo; r < hi; {
		// The rows of one batch.
		b, oy0 := r/k.outH, r%k.outH
		oy1 := min(k.outH, oy0+hi-r)
		r += oy1 - oy0
		inB := in[b*plane:][:plane]
		outB := out[b*k.outH*rowOut:][:k.outH*rowOut]
		if k.simd != nil {
			pad := Int8s(env.Scratch[3+4*k.outC:])
			if k.padImage {
				// Only the padded input rows these output rows read.
				r0 := oy0 * k.strideH
				r1 := (oy1-1)*k.strideH + (k.kh-1)*k.dilH + 1
				k.padInput(inB, pad, r0, r1)
				rowLen := k.paddedWidth() * k.outC
				for oy := oy0; oy < oy1; oy++ {
					k.simd.DepthwiseRow(pad[(oy*k.strideH-r0)*rowLen:], rowLen, k.strideW, k.dilH, k.dilW, k.packed, k.epi,
						outB[oy*rowOut:], k.outW)
				}
				continue
			}
			if k.strips {
				k.stripRows(inB, outB, oy0, oy1, pad)
				continue
			}
			for oy := oy0; oy < oy1; oy++ {
				k.simdRow(inB, oy, outB[oy*rowOut:][:rowOut], pad)
			}
			continue
		}
		for oy := oy0; oy < oy1; oy++ {
			rowInterior := oy >= k.yLo && oy < k.yHi
			for ox := 0; ox < k.outW; ox++ {
				if rowInterior && ox >= k.xLo && ox < k.xHi {
					k.interior(inB, oy, ox, acc)
				} else {
					k.border(inB, oy, ox, acc)
				}
				k.q.apply(acc, outB[(oy*k.outW+ox)*k.outC:][:k.outC])
			}
		}
	}
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
	k.simd.DepthwiseRow(strip, rowLen, k.strideH*width, k.dilH, k.dilW, k.packed, k.epi, res, n)
	rowOut := k.outW * c
	for j := 0; j < n; j++ {
		copy(out[(ra+j)*rowOut+ox*c:][:c], res[j*c:][:c])
	}
}

// simdRow computes output row oy (out holds its outW pixels) with the asm
// kernel: the interior run straight from the input, border pixels through
// paddedRun.
func (k *depthwiseKernel) simdRow(in []int8, oy int, out []int8, pad []int8) {
	if k.padAll || oy < k.yLo || oy >= k.yHi || k.xLo >= k.xHi {
		k.paddedRun(in, oy, 0, k.outW, out, pad)
		return
	}
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
	k.simd.DepthwiseRow(in[(y0*k.inW+x0)*c:], k.inW*c, k.strideW, k.dilH, k.dilW, k.packed, k.epi, row[k.xLo*c:], k.xHi-k.xLo)
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
	k.simd.DepthwiseRow(pad, rowLen, k.strideW, 1, k.dilW, k.packed, k.epi, out[ox0*c:], ox1-ox0)
}

// interior accumulates Σ F·x over all taps; the requantizer's folded bias
// holds bias + input_offset·ΣF.
func (k *depthwiseKernel) interior(in []int8, oy, ox int, acc []int32) {
	clear(acc)
	y0 := oy*k.strideH - k.padTop
	x0 := ox*k.strideW - k.padLeft
	c := k.inC
	for ky := 0; ky < k.kh; ky++ {
		row := (y0 + ky*k.dilH) * k.inW
		kx := 0
		if k.mult == 1 {
			// Three taps per pass over the accumulators.
			for ; kx+3 <= k.kw; kx += 3 {
				at := (row + x0 + kx*k.dilW) * c
				step := k.dilW * c
				ft := (ky*k.kw + kx) * c
				mac3(acc, k.filter[ft:][:c], k.filter[ft+c:][:c], k.filter[ft+2*c:][:c],
					in[at:][:c], in[at+step:][:c], in[at+2*step:][:c])
			}
		}
		for ; kx < k.kw; kx++ {
			x := in[(row+x0+kx*k.dilW)*c:][:c]
			f := k.filter[(ky*k.kw+kx)*k.outC:][:k.outC]
			macTap(acc, f, x, k.mult, 0)
		}
	}
}

// mac3 adds three taps of a depth-multiplier-1 filter: acc[i] += f0[i]·x0[i]
// + f1[i]·x1[i] + f2[i]·x2[i].
func mac3(acc []int32, f0, f1, f2 []int16, x0, x1, x2 []int8) {
	n := len(acc)
	f0, f1, f2, x0, x1, x2 = f0[:n], f1[:n], f2[:n], x0[:n], x1[:n], x2[:n]
	for i := range acc {
		acc[i] += int32(f0[i])*int32(x0[i]) + int32(f1[i])*int32(x1[i]) + int32(f2[i])*int32(x2[i])
	}
}

// border accumulates Σ F·(x + input_offset) over the taps inside the image,
// then cancels the folded input_offset·ΣF so that apply adds the plain bias.
func (k *depthwiseKernel) border(in []int8, oy, ox int, acc []int32) {
	// Start from the difference between the bias and the folded bias.
	for i := range acc {
		acc[i] = k.bias[i] - k.q.bias[i]
	}
	y0 := oy*k.strideH - k.padTop
	x0 := ox*k.strideW - k.padLeft
	for ky := 0; ky < k.kh; ky++ {
		iy := y0 + ky*k.dilH
		if iy < 0 || iy >= k.inH {
			continue
		}
		for kx := 0; kx < k.kw; kx++ {
			ix := x0 + kx*k.dilW
			if ix < 0 || ix >= k.inW {
				continue
			}
			x := in[(iy*k.inW+ix)*k.inC:][:k.inC]
			f := k.filter[(ky*k.kw+kx)*k.outC:][:k.outC]
			macTap(acc, f, x, k.mult, k.inputOffset)
		}
	}
}

// macTap adds one tap: acc[ic·mult + m] += f[ic·mult + m]·(x[ic] + off).
// len(acc) == len(f) == len(x)·mult.
func macTap(acc []int32, f []int16, x []int8, mult int, off int32) {
	if mult == 1 {
		acc = acc[:len(x)]
		f = f[:len(x)]
		for i, v := range x {
			acc[i] += int32(f[i]) * (int32(v) + off)
		}
		return
	}
	for ic, v := range x {
		xv := int32(v) + off
		a := acc[ic*mult:][:mult]
		fm := f[ic*mult:][:mult]
		for j := range a {
			a[j] += int32(fm[j]) * xv
		}
	}
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
