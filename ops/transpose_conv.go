package ops

import (
	"math"

	"github.com/edgerun/edgerun/format"
)

// TRANSPOSE_CONV, bit-exact with TFLite Micro's reference TransposeConv
// (int8: int32 accumulators, the conv family's int32 output stage; 16x8:
// int64 accumulators, the 64-bit-input MultiplyByQuantizedMultiplier, an
// int64 bias). Inputs (input [N,H,W,Cin], filter [Cout,KH,KW,Cin],
// optional bias), params ConvParams (strides, padding; dilation 1).
//
// The reference scatters: every input pixel (iy, ix) adds
// input·filter[oc,ky,kx,·] to output (iy·stride - pad + ky, ix·stride -
// pad + kx) when that lies inside the output. This kernel gathers
// instead: output (oy, ox) sums, over the taps with oy + pad - ky = iy·stride
// for an input row iy (and the same across), the products of input pixel
// (iy, ix) and filter tap (ky, kx). It is the same set of products, and
// integer addition in int64 (or wrapping int32) does not depend on the
// order, so the sums are the reference's exactly; gathering needs no
// output-sized scratch and splits by output rows. That is the 16x8 path;
// int8 runs as one GEMM per phase (transpose_conv_gemm.go).
type transposeConvKernel struct {
	in, out int32
	convShape
	kh, kw           int
	strideH, strideW int
	padTop, padLeft  int
	filter           []int8
	wide16           bool

	// int8
	inputOffset int32
	gemm        *tconvGemm // see transpose_conv_gemm.go
	// int16
	q *out16
}

func prepareTransposeConv(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 2, 3, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.ConvParams](op, path)
	if err != nil {
		return nil, err
	}
	k := &transposeConvKernel{in: op.Inputs[0], out: op.Outputs[0], wide16: inputIs(m, op, 0, format.DTypeInt16)}
	var in, out *format.Tensor
	if k.wide16 {
		in, out, err = inOut16(m, op, path)
	} else {
		in, out, err = inOut(m, op, path)
	}
	if err != nil {
		return nil, err
	}
	f, err := constFilter(m, op, 4, path)
	if err != nil {
		return nil, err
	}
	s := &k.convShape
	if s.batches, s.inH, s.inW, s.inC, err = nhwc(in, path+" / input 0"); err != nil {
		return nil, err
	}
	var outN int
	if outN, s.outH, s.outW, s.outC, err = nhwc(out, path+" / output 0"); err != nil {
		return nil, err
	}
	if outN != s.batches {
		return nil, format.Malformed(path+" / output 0", "batch %d, input batch %d", outN, s.batches)
	}
	k.kh, k.kw = int(f.Shape[1]), int(f.Shape[2])
	if int(f.Shape[0]) != k.outC || int(f.Shape[3]) != k.inC {
		return nil, format.Malformed(path+" / input 1 (filter)", "shape %v, want [%d, KH, KW, %d]", f.Shape, k.outC, k.inC)
	}
	pp := path + " / params"
	if p.StrideH < 1 || p.StrideW < 1 {
		return nil, format.Malformed(pp, "stride %dx%d, want >= 1", p.StrideH, p.StrideW)
	}
	if p.DilationH != 1 || p.DilationW != 1 || p.DepthMultiplier != 1 {
		return nil, format.Malformed(pp, "dilation %dx%d, depth multiplier %d: TRANSPOSE_CONV has neither (want 1x1 and 1)", p.DilationH, p.DilationW, p.DepthMultiplier)
	}
	// TFLite's padding is below the filter size (see the converter); a
	// larger one is corrupt.
	if p.PadTop < 0 || p.PadLeft < 0 || int(p.PadTop) >= k.kh || int(p.PadLeft) >= k.kw {
		return nil, format.Malformed(pp, "padding top %d left %d outside [0, filter %dx%d)", p.PadTop, p.PadLeft, k.kh, k.kw)
	}
	// Input coordinates (o + pad) and (i·stride) must fit an int on
	// 32-bit targets.
	if int64(k.inH)*int64(p.StrideH) > math.MaxInt32 || int64(k.inW)*int64(p.StrideW) > math.MaxInt32 {
		return nil, format.Malformed(pp, "strides %dx%d over input %dx%d span more coordinates than an int32 holds", p.StrideH, p.StrideW, k.inH, k.inW)
	}
	k.strideH, k.strideW = int(p.StrideH), int(p.StrideW)
	k.padTop, k.padLeft = int(p.PadTop), int(p.PadLeft)
	k.filter = Int8s(f.Data)
	quant := convQuant{p.InputOffset, p.FilterOffset, p.Requant, p.OutputOffset, p.ActMin, p.ActMax}
	if k.wide16 {
		k.q, err = prepareOut16(m, op, 2, quant, k.outC, true, true, path)
		return k, err
	}
	if p.FilterOffset != 0 {
		return nil, format.Malformed(pp, "filter offset %d: TFLite's int8 TRANSPOSE_CONV takes symmetric weights", p.FilterOffset)
	}
	rq, err := prepareRequantizer(m, op, quant, k.outC, path)
	if err != nil {
		return nil, err
	}
	k.inputOffset = p.InputOffset
	k.prepareGemm(rq)
	return k, nil
}

// ScratchBytes: int8's im2col block and padded input row segment.
func (k *transposeConvKernel) ScratchBytes() int {
	if k.wide16 {
		return 0
	}
	return k.gemm.scratchBytes(k.gemm.blockRows, k.inC)
}

// Units: output rows over all batches.
func (k *transposeConvKernel) Units() int { return k.batches * k.outH }

func (k *transposeConvKernel) Eval(env *Env) { k.EvalRange(env, 0, k.Units()) }

// maxTconvTaps bounds the taps evalGo lists per output pixel on the
// stack; filters with more taps (kh·kw) take the per-channel search.
const maxTconvTaps = 64

// EvalRange computes output rows [lo, hi) of the batches·outH rows: int8
// on the GEMM kernels (transpose_conv_gemm.go), 16x8 in Go (evalGo).
func (k *transposeConvKernel) EvalRange(env *Env, lo, hi int) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	if !k.wide16 {
		k.evalGemm(in, out, Int8s(env.Scratch), lo, hi)
		return
	}
	k.evalGo(Int16s(in), Int16s(out), lo, hi)
}

// evalGo is the 16x8 path. Per output pixel, the taps that reach it ((ky,
// kx) with oy + pad - ky a multiple of the stride inside the input, and
// the same across) are listed once, then every output channel sums over
// them in int64.
func (k *transposeConvKernel) evalGo(in16, out16 []int16, lo, hi int) {
	plane := k.inH * k.inW * k.inC
	var fOff, xOff [maxTconvTaps]int // filter tap offset (in taps), input offset
	listed := k.kh*k.kw <= maxTconvTaps
	for r := lo; r < hi; r++ {
		b, oy := r/k.outH, r%k.outH
		for ox := 0; ox < k.outW; ox++ {
			o := (r*k.outW + ox) * k.outC
			n := 0
			if listed {
				for ky := 0; ky < k.kh; ky++ {
					ty := oy + k.padTop - ky
					if ty < 0 || ty%k.strideH != 0 || ty/k.strideH >= k.inH {
						continue
					}
					for kx := 0; kx < k.kw; kx++ {
						tx := ox + k.padLeft - kx
						if tx < 0 || tx%k.strideW != 0 || tx/k.strideW >= k.inW {
							continue
						}
						fOff[n] = ky*k.kw + kx
						xOff[n] = b*plane + (ty/k.strideH*k.inW+tx/k.strideW)*k.inC
						n++
					}
				}
			}
			for oc := 0; oc < k.outC; oc++ {
				var sum int64
				if listed {
					f := k.filter[oc*k.kh*k.kw*k.inC:]
					for t := 0; t < n; t++ {
						sum += dot16(f[fOff[t]*k.inC:][:k.inC], in16[xOff[t]:][:k.inC])
					}
				} else {
					sum = k.channelSum(in16, b*plane, oy, ox, oc)
				}
				out16[o+oc] = k.q.requant(sum, oc)
			}
		}
	}
}

// channelSum is output channel oc's sum at (oy, ox) for filters with more
// than maxTconvTaps taps: the taps searched per channel.
func (k *transposeConvKernel) channelSum(in16 []int16, base, oy, ox, oc int) int64 {
	var sum int64
	for ky := 0; ky < k.kh; ky++ {
		ty := oy + k.padTop - ky
		if ty < 0 || ty%k.strideH != 0 || ty/k.strideH >= k.inH {
			continue
		}
		for kx := 0; kx < k.kw; kx++ {
			tx := ox + k.padLeft - kx
			if tx < 0 || tx%k.strideW != 0 || tx/k.strideW >= k.inW {
				continue
			}
			f := k.filter[((oc*k.kh+ky)*k.kw+kx)*k.inC:][:k.inC]
			sum += dot16(f, in16[base+(ty/k.strideH*k.inW+tx/k.strideW)*k.inC:][:k.inC])
		}
	}
	return sum
}
