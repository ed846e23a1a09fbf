package ops

import (
	"math"

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
// With filter offset 0 (int8 models) the selected asm implementation's
// DepthwiseRow computes runs of output pixels whose taps lie inside its
// input: the input offset is folded out of the sum,
// Σ F·(x + input_offset) = Σ F·x + input_offset·ΣF, with ΣF over all taps
// precomputed per channel together with the bias (exact in wrapping int32,
// a ring); interior runs read the input directly, border pixels (and
// depth multipliers above 1) a zero-point padded copy (paddedRun). Legacy
// filter offsets run on the same kernel: where the implementation
// multiplies 16-bit weights (generic, amd64) on F = filter + filter_offset
// packed wide (prepareWide), elsewhere with a doubled-rows filter
// (depthwise_offset.go); only an offset of 128 there takes a per-pixel Go path
// (evalLegacy) over F = filter + filter_offset as int16 that skips the
// taps outside the image, as the reference does.
type depthwiseKernel struct {
	in, out int32

	convShape
	mult             int // depth multiplier
	kh, kw           int
	strideH, strideW int
	dilH, dilW       int
	padTop, padLeft  int

	inputOffset int32
	// epi is the requantization: with packed, its bias folded (bias +
	// input_offset·ΣF over all taps); on the legacy path the plain bias.
	epi *asm.Epilogue

	// Output rows [yLo, yHi) and columns [xLo, xHi) have every tap inside
	// the image.
	yLo, yHi, xLo, xHi int

	// impl is the asm implementation selected at prepare; packed, its
	// packed filter, is nil on the legacy path (filter offset != 0),
	// which uses legacyFilter ([kh][kw][outC], filter + filter_offset).
	impl         *asm.Impl
	packed       *asm.PackedDepthwise
	legacyFilter []int16
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
	// doubled: a legacy filter offset on the kernel path, packed being
	// the doubled-rows filter (depthwise_offset.go).
	doubled bool
}

func prepareDepthwiseConv2D(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if inputIs(m, op, 0, format.DTypeInt16) {
		return prepareConv16(m, op, path, true)
	}
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
	k.inputOffset = p.InputOffset
	q, err := prepareRequantizer(m, op, convQuant{p.InputOffset, p.FilterOffset, p.Requant, p.OutputOffset, p.ActMin, p.ActMax}, k.outC, path)
	if err != nil {
		return nil, err
	}
	k.yLo, k.yHi = interiorRange(k.outH, k.inH, k.kh, k.strideH, k.dilH, k.padTop)
	k.xLo, k.xHi = interiorRange(k.outW, k.inW, k.kw, k.strideW, k.dilW, k.padLeft)
	raw := Int8s(f.Data)
	if k.inC == 1 && k.mult > 1 {
		return depthwiseAsConv(k, raw, p.FilterOffset, q), nil
	}
	k.impl = asm.Selected()
	if p.FilterOffset != 0 && k.prepareWide(raw, p.FilterOffset, q) {
		return k, nil
	}
	if p.FilterOffset != 0 && k.prepareOffset(raw, p.FilterOffset, q) {
		return k, nil
	}
	if p.FilterOffset != 0 {
		k.legacyFilter = make([]int16, len(raw))
		for i, v := range raw {
			k.legacyFilter[i] = int16(v) + int16(p.FilterOffset)
		}
		k.epi = q.epilogue()
		return k, nil
	}
	for i, v := range raw {
		q.bias[i%k.outC] += p.InputOffset * int32(v)
	}
	k.epi = q.epilogue()
	k.packed = k.impl.PackDepthwise(raw, k.kh, k.kw, k.outC)
	k.impl.PrepareDepthwiseEpilogue(k.packed, k.epi)
	k.planPadding()
	return k, nil
}

// depthwiseAsConv returns d, a depthwise conv of one input channel, as the
// CONV_2D it is: output channel m reads input channel 0 with filter
// [m][ky][kx][0] = filter[0][ky][kx][m], the same taps, bias and
// requantization. The conv's GEMM path needs no copy of the input
// replicated M times (the depthwise kernel's way to a depth multiplier),
// only im2col blocks, which are small (an audio model's first layer).
func depthwiseAsConv(d *depthwiseKernel, raw []int8, filterOffset int32, q *requantizer) *convKernel {
	taps := d.kh * d.kw
	c := &convKernel{in: d.in, out: d.out, convShape: d.convShape, kh: d.kh, kw: d.kw,
		strideH: d.strideH, strideW: d.strideW, dilH: d.dilH, dilW: d.dilW, padTop: d.padTop, padLeft: d.padLeft,
		groups: 1, groupIn: 1, groupOut: d.outC, patchSize: taps}
	filter := make([]int8, len(raw))
	for t := 0; t < taps; t++ {
		for oc := 0; oc < d.outC; oc++ {
			filter[oc*taps+t] = raw[t*d.outC+oc]
		}
	}
	c.prepareFilter(filter, d.inputOffset, filterOffset, q)
	return c
}

// ScratchBytes: on the kernel path the zero-point padded input it reads
// (see planPadding), on the legacy path one int32 accumulator per output
// channel.
func (k *depthwiseKernel) ScratchBytes() int {
	var n int64
	switch {
	case k.packed == nil:
		n = int64(3 + 4*k.outC)
	case k.doubled:
		n = k.offsetScratch()
	case k.padImage:
		n = k.imageScratch
	case k.strips:
		n = max(k.rowScratch, k.stripScratch)
	default:
		n = k.rowScratch
	}
	return int(min(n, int64(math.MaxInt)))
}

// LeanScratchBytes: on the kernel path, the padded rows of one output row
// (the strategy that copies the most, but only a few rows' worth).
func (k *depthwiseKernel) LeanScratchBytes() int {
	if k.packed == nil {
		return k.ScratchBytes()
	}
	if k.doubled {
		return int(min(satMul(k.rowScratch, 2), int64(k.ScratchBytes())))
	}
	return int(min(k.rowScratch, int64(k.ScratchBytes())))
}

// FitScratch keeps the strategy planPadding chose if it fits n bytes;
// otherwise it takes the strips if they fit, else the row path.
func (k *depthwiseKernel) FitScratch(n int) {
	if k.packed == nil || int64(n) >= int64(k.ScratchBytes()) {
		return
	}
	k.padImage = false
	if k.doubled {
		return // the doubled rows of one output row
	}
	k.strips = k.stripScratch > 0 && max(k.rowScratch, k.stripScratch) <= int64(n)
}

// Units: the depthwise conv splits by output rows (over all batches) for
// Options.Threads.
func (k *depthwiseKernel) Units() int { return k.batches * k.outH }

func (k *depthwiseKernel) Eval(env *Env) { k.EvalRange(env, 0, k.Units()) }

// EvalRange computes output rows [lo, hi) of the batches·outH rows.
func (k *depthwiseKernel) EvalRange(env *Env, lo, hi int) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	plane := k.inH * k.inW * k.inC
	rowOut := k.outW * k.outC
	for r := lo; r < hi; {
		// The rows of one batch.
		b, oy0 := r/k.outH, r%k.outH
		oy1 := min(k.outH, oy0+hi-r)
		r += oy1 - oy0
		inB := in[b*plane:][:plane]
		outB := out[b*k.outH*rowOut:][:k.outH*rowOut]
		if k.packed == nil {
			k.evalLegacy(inB, outB, oy0, oy1, int32Scratch(env.Scratch, k.outC))
			continue
		}
		pad := Int8s(env.Scratch)
		if k.doubled {
			k.evalOffset(inB, outB, oy0, oy1, pad)
			continue
		}
		switch {
		case k.padImage:
			// Only the padded input rows these output rows read.
			r0 := oy0 * k.strideH
			r1 := (oy1-1)*k.strideH + (k.kh-1)*k.dilH + 1
			k.padInput(inB, pad, r0, r1)
			rowLen := k.paddedWidth() * k.outC
			for oy := oy0; oy < oy1; oy++ {
				k.impl.DepthwiseRow(pad[(oy*k.strideH-r0)*rowLen:], rowLen, k.strideW, k.dilH, k.dilW, k.packed, k.epi,
					outB[oy*rowOut:], k.outW)
			}
		case k.strips:
			k.stripRows(inB, outB, oy0, oy1, pad)
		default:
			var st padSlide
			for oy := oy0; oy < oy1; oy++ {
				k.kernelRow(inB, oy, outB[oy*rowOut:][:rowOut], pad, &st)
			}
		}
	}
}

// evalLegacy computes output rows [oy0, oy1) of one image (legacy
// filter offsets): per pixel Σ F·(x + input_offset) over the taps inside
// the image, then the plain-bias epilogue.
func (k *depthwiseKernel) evalLegacy(in, out []int8, oy0, oy1 int, acc []int32) {
	for oy := oy0; oy < oy1; oy++ {
		y0 := oy*k.strideH - k.padTop
		for ox := 0; ox < k.outW; ox++ {
			clear(acc)
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
					f := k.legacyFilter[(ky*k.kw+kx)*k.outC:][:k.outC]
					macTap(acc, f, x, k.mult, k.inputOffset)
				}
			}
			k.epi.Requantize(acc, 0, out[(oy*k.outW+ox)*k.outC:][:k.outC])
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
