package ops

import (
	"github.com/edgerun/edgerun/format"
)

// The 16x8 convolutions: CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED
// with int16 activations (zero point 0) and int8 symmetric weights,
// bit-exact with TFLite Micro's int16 ConvPerChannel,
// DepthwiseConvPerChannel and FullyConnected:
//
//	acc = Σ over in-bounds taps of filter · input   (no offsets)
//	out = clamp(MultiplyByQuantizedMultiplier(acc + bias[c], M[c], shift[c]))
//
// with the accumulator width and requantization TFLite picks from the bias
// (see out16): CONV_2D and FULLY_CONNECTED are templated on it (an int32
// bias: int32; an int64 bias or none: int64, as the golden outputs of the
// no-bias cases show), DEPTHWISE_CONV_2D always sums in int64 and takes
// only an int64 bias. The hot loops run on asm's 16x8 kernels
// (conv16_simd.go); the plain Go loops here are the fallback (grouped
// conv, depth multipliers above 1, depthwise filters too large for int32
// sums).

// conv16Kernel is a prepared int16 CONV_2D or DEPTHWISE_CONV_2D.
type conv16Kernel struct {
	in, out int32
	convShape
	kh, kw           int
	strideH, strideW int
	dilH, dilW       int
	padTop, padLeft  int
	depthwise        bool
	depthMult        int // depthwise
	groupIn          int // conv: filter input depth
	groupOut         int // conv: output channels per group
	filter           []int8
	q                *out16
	fast             conv16Fast // conv16_simd.go
}

// prepareConv16 is the int16 half of prepareConv2D and
// prepareDepthwiseConv2D.
func prepareConv16(m *format.Model, op *format.Op, path string, depthwise bool) (Kernel, error) {
	if err := wantCounts(op, path, 2, 3, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.ConvParams](op, path)
	if err != nil {
		return nil, err
	}
	in, out, err := inOut16(m, op, path)
	if err != nil {
		return nil, err
	}
	f, err := constFilter(m, op, 4, path)
	if err != nil {
		return nil, err
	}
	k := &conv16Kernel{in: op.Inputs[0], out: op.Outputs[0], depthwise: depthwise}
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
	fpath := path + " / input 1 (filter)"
	k.kh, k.kw = int(f.Shape[1]), int(f.Shape[2])
	if depthwise {
		if f.Shape[0] != 1 || int(f.Shape[3]) != k.outC {
			return nil, format.Malformed(fpath, "shape %v, want [1, KH, KW, %d]", f.Shape, k.outC)
		}
		if p.DepthMultiplier < 1 || int64(k.inC)*int64(p.DepthMultiplier) != int64(k.outC) {
			return nil, format.Malformed(path+" / params", "depth multiplier %d: %d input channels cannot make %d output channels", p.DepthMultiplier, k.inC, k.outC)
		}
		k.depthMult = int(p.DepthMultiplier)
	} else {
		k.groupIn = int(f.Shape[3])
		if int(f.Shape[0]) != k.outC {
			return nil, format.Malformed(fpath, "shape %v has %d output channels, output has %d", f.Shape, f.Shape[0], k.outC)
		}
		if k.inC%k.groupIn != 0 {
			return nil, format.Malformed(fpath, "input depth %d does not divide the input's %d channels", k.groupIn, k.inC)
		}
		groups := k.inC / k.groupIn
		if k.outC%groups != 0 {
			return nil, format.Malformed(fpath, "%d output channels not divisible into %d groups", k.outC, groups)
		}
		k.groupOut = k.outC / groups
	}
	if err := windowParams(p, k.convShape, k.kh, k.kw, path); err != nil {
		return nil, err
	}
	k.strideH, k.strideW = int(p.StrideH), int(p.StrideW)
	k.dilH, k.dilW = int(p.DilationH), int(p.DilationW)
	k.padTop, k.padLeft = int(p.PadTop), int(p.PadLeft)
	k.filter = Int8s(f.Data)
	k.q, err = prepareOut16(m, op, 2, convQuant{p.InputOffset, p.FilterOffset, p.Requant, p.OutputOffset, p.ActMin, p.ActMax},
		k.outC, true, depthwise, path)
	if err != nil {
		return nil, err
	}
	k.prepareFast()
	return k, nil
}

// Units: output rows over all batches.
func (k *conv16Kernel) Units() int { return k.batches * k.outH }

func (k *conv16Kernel) Eval(env *Env) { k.EvalRange(env, 0, k.Units()) }

// EvalRange computes output rows [lo, hi) of the batches·outH rows.
func (k *conv16Kernel) EvalRange(env *Env, lo, hi int) {
	in, out := Int16s(env.Tensors[k.in]), Int16s(env.Tensors[k.out])
	switch {
	case k.fast.dw != nil:
		k.evalDepthwise(in, out, env.Scratch, lo, hi)
		return
	case k.fast.gemm != nil:
		k.evalGemm(in, out, env.Scratch, lo, hi)
		return
	}
	plane := k.inH * k.inW * k.inC
	for r := lo; r < hi; r++ {
		b, oy := r/k.outH, r%k.outH
		inB := in[b*plane:][:plane]
		y0 := oy*k.strideH - k.padTop
		for ox := 0; ox < k.outW; ox++ {
			x0 := ox*k.strideW - k.padLeft
			o := out[(r*k.outW+ox)*k.outC:][:k.outC]
			if k.depthwise {
				k.pixelDepthwise(inB, y0, x0, o)
			} else {
				k.pixelConv(inB, y0, x0, o)
			}
		}
	}
}

// tapRange returns the filter taps [lo, hi) along one axis whose input
// coordinate origin + k·dil lies inside [0, in).
func tapRange(origin, dil, kernel, in int) (lo, hi int) {
	if origin < 0 {
		lo = (-origin + dil - 1) / dil
	}
	last := in - 1 - origin // largest allowed k·dil
	if last < 0 {
		return 0, 0
	}
	hi = min(last/dil+1, kernel)
	if lo >= hi {
		return 0, 0
	}
	return lo, hi
}

// pixelConv computes one output pixel of CONV_2D whose window starts at
// input (y0, x0): for every output channel, the in-bounds taps (worked
// out once per pixel) of its group's input channels.
func (k *conv16Kernel) pixelConv(in []int16, y0, x0 int, o []int16) {
	tap := k.groupIn
	kyLo, kyHi := tapRange(y0, k.dilH, k.kh, k.inH)
	kxLo, kxHi := tapRange(x0, k.dilW, k.kw, k.inW)
	for oc := range o {
		c0 := oc / k.groupOut * k.groupIn
		f := k.filter[oc*k.kh*k.kw*tap:]
		var acc int64
		for ky := kyLo; ky < kyHi; ky++ {
			// base may be negative (x0 < 0): only in-bounds taps index.
			base := ((y0+ky*k.dilH)*k.inW+x0)*k.inC + c0
			fr := f[ky*k.kw*tap:]
			for kx := kxLo; kx < kxHi; kx++ {
				acc += dot16(fr[kx*tap:], in[base+kx*k.dilW*k.inC:][:tap])
			}
		}
		o[oc] = k.q.requant(acc, oc)
	}
}

// pixelDepthwise computes one output pixel of DEPTHWISE_CONV_2D: output
// channel oc reads input channel oc / depthMult.
func (k *conv16Kernel) pixelDepthwise(in []int16, y0, x0 int, o []int16) {
	kyLo, kyHi := tapRange(y0, k.dilH, k.kh, k.inH)
	kxLo, kxHi := tapRange(x0, k.dilW, k.kw, k.inW)
	for oc := range o {
		ic := oc / k.depthMult
		var acc int64
		for ky := kyLo; ky < kyHi; ky++ {
			iy := y0 + ky*k.dilH
			for kx := kxLo; kx < kxHi; kx++ {
				ix := x0 + kx*k.dilW
				acc += int64(k.filter[(ky*k.kw+kx)*k.outC+oc]) * int64(in[(iy*k.inW+ix)*k.inC+ic])
			}
		}
		o[oc] = k.q.requant(acc, oc)
	}
}

// fc16Kernel is a prepared int16 FULLY_CONNECTED: batches rows of depth D
// against O filter rows.
type fc16Kernel struct {
	in, out      int32
	batches      int
	depth, units int
	filter       []int8
	q            *out16
	fast         fc16Fast // conv16_simd.go
}

// prepareFullyConnected16 is the int16 half of prepareFullyConnected.
func prepareFullyConnected16(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 2, 3, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.FullyConnectedParams](op, path)
	if err != nil {
		return nil, err
	}
	in, out, err := inOut16(m, op, path)
	if err != nil {
		return nil, err
	}
	f, err := constFilter(m, op, 2, path)
	if err != nil {
		return nil, err
	}
	k := &fc16Kernel{in: op.Inputs[0], out: op.Outputs[0], units: int(f.Shape[0]), depth: int(f.Shape[1]), filter: Int8s(f.Data)}
	opath := path + " / output 0"
	if len(out.Shape) == 0 || int(out.Shape[len(out.Shape)-1]) != k.units {
		return nil, format.Malformed(opath, "shape %v, want last dimension %d (filter rows)", out.Shape, k.units)
	}
	k.batches = int(out.NumElements() / int64(k.units))
	if k.batches < 1 {
		return nil, format.Malformed(opath, "shape %v is empty", out.Shape)
	}
	if in.NumElements() != int64(k.batches)*int64(k.depth) {
		return nil, format.Malformed(path+" / input 0", "shape %v has %d elements, want %d rows of the filter's depth %d",
			in.Shape, in.NumElements(), k.batches, k.depth)
	}
	k.q, err = prepareOut16(m, op, 2, convQuant{p.InputOffset, p.FilterOffset, p.Requant, p.OutputOffset, p.ActMin, p.ActMax},
		k.units, true, false, path)
	if err != nil {
		return nil, err
	}
	k.prepareFast()
	return k, nil
}

// Units: batch rows.
func (k *fc16Kernel) Units() int { return k.batches }

func (k *fc16Kernel) Eval(env *Env) { k.EvalRange(env, 0, k.batches) }

// EvalRange computes batch rows [lo, hi).
func (k *fc16Kernel) EvalRange(env *Env, lo, hi int) {
	in, out := Int16s(env.Tensors[k.in]), Int16s(env.Tensors[k.out])
	if k.fast.gemm != nil {
		k.evalGemm(in, out, env.Scratch, lo, hi)
		return
	}
	for b := lo; b < hi; b++ {
		x := in[b*k.depth:][:k.depth]
		o := out[b*k.units:][:k.units]
		for u := range o {
			o[u] = k.q.requant(dot16(k.filter[u*k.depth:], x), u)
		}
	}
}
