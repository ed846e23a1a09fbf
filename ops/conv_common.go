package ops

import (
	"fmt"
	"math"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// The preparation the convolution family shares (CONV_2D,
// DEPTHWISE_CONV_2D, FULLY_CONNECTED and the coming TRANSPOSE_CONV), as
// TFLite Micro's conv_common.cc: operands (nhwc, constFilter, decodeBias,
// checkOffset), window geometry (windowParams, prepareConvShape,
// interiorRange) and the quantization (convQuant, prepareRequantizer: the
// offsets, the bias and the per-channel output stage, requantizer). Each
// op's own file keeps what the op means and its Eval; the hot loops are
// asm's kernels.

// requantizer is the per-output-channel output stage shared by the conv
// family: add the folded bias, scale by the channel's dyadic multiplier
// (TFLite's double-rounding MultiplyByQuantizedMultiplier), add the output
// zero point and clamp to the fused activation range. The kernels run it
// as an asm.Epilogue (epilogue), fused into the asm kernels and through
// Epilogue.Requantize on the ops' own Go paths.
type requantizer struct {
	bias           []int32 // per channel, folded (see the kernels)
	mult, shift    []int32 // per channel, as in format.Requant
	outOff, lo, hi int32
}

// epilogue returns the requantizer as the asm kernels' fused epilogue
// (sharing its slices: call it after the bias is folded).
func (q *requantizer) epilogue() *asm.Epilogue {
	return asm.NewEpilogue(q.bias, q.mult, q.shift, q.outOff, q.lo, q.hi)
}

// convQuant is the quantization every conv-family op carries: input and
// filter offsets (negated zero points; the filter's is non-zero only in
// legacy uint8 models), the per-channel requantization, the output
// offset and the clamp range.
type convQuant struct {
	inputOffset, filterOffset int32
	requant                   format.Requant
	outputOffset, lo, hi      int32
}

// prepareRequantizer validates q's offsets, decodes the op's optional
// bias (input 2) and returns the requantizer of channels outputs, its
// bias a fresh copy of the op's (zeros when absent) for the caller to
// fold into.
func prepareRequantizer(m *format.Model, op *format.Op, q convQuant, channels int, path string) (*requantizer, error) {
	if err := checkOffset(q.inputOffset, "input offset", path); err != nil {
		return nil, err
	}
	if err := checkOffset(q.filterOffset, "filter offset", path); err != nil {
		return nil, err
	}
	bias, err := decodeBias(m, op, channels, path)
	if err != nil {
		return nil, err
	}
	return newRequantizer(q.requant, bias, channels, q.outputOffset, q.lo, q.hi, path)
}

// newRequantizer validates the quantization parameters common to the conv
// and fully connected ops and expands a per-tensor Requant to channels
// entries. bias is the op's decoded bias (nil when absent); the returned
// requantizer's bias is a fresh copy the caller folds into.
func newRequantizer(r format.Requant, bias []int32, channels int, outOff, lo, hi int32, path string) (*requantizer, error) {
	if len(r.Multiplier) != len(r.Shift) || (len(r.Multiplier) != 1 && len(r.Multiplier) != channels) {
		return nil, format.Malformed(path+" / params / requant", "%d multipliers and %d shifts for %d output channels (want 1 or %d of each)",
			len(r.Multiplier), len(r.Shift), channels, channels)
	}
	q := &requantizer{
		bias:   make([]int32, channels),
		mult:   make([]int32, channels),
		shift:  make([]int32, channels),
		outOff: outOff, lo: lo, hi: hi,
	}
	for c := 0; c < channels; c++ {
		i := c
		if len(r.Multiplier) == 1 {
			i = 0
		}
		m, s := r.Multiplier[i], r.Shift[i]
		// QuantizeMultiplier yields m in [2^30, 2^31) or 0 and shift >= -31.
		// A left shift above 30 would overflow (undefined in TFLite's C++).
		if m < 0 || s < -31 || s > 30 {
			return nil, format.Malformed(fmt.Sprintf("%s / params / requant %d", path, i), "multiplier %d, shift %d out of range (want multiplier >= 0, shift in [-31, 30])", m, s)
		}
		q.mult[c], q.shift[c] = m, s
	}
	if bias != nil {
		copy(q.bias, bias)
	}
	if outOff < -128 || outOff > 127 {
		return nil, format.Malformed(path+" / params", "output offset %d outside int8", outOff)
	}
	if err := checkClamp(lo, hi, path+" / params"); err != nil {
		return nil, err
	}
	return q, nil
}

// checkOffset validates an input or filter offset: the negated zero point of
// an int8 tensor, so in [-127, 128].
func checkOffset(v int32, what, path string) error {
	if v < -127 || v > 128 {
		return format.Malformed(path+" / params", "%s %d is not the negated zero point of an int8 tensor (want [-127, 128])", what, v)
	}
	return nil
}

// decodeBias returns the op's optional bias (input 2) as int32 values,
// checking it is a constant of n elements; nil when absent.
func decodeBias(m *format.Model, op *format.Op, n int, path string) ([]int32, error) {
	t, err := optionalOperand(m, op.Inputs, 2, "input", path, format.DTypeInt32)
	if err != nil || t == nil {
		return nil, err
	}
	bpath := path + " / input 2 (bias)"
	if !t.IsConstant() {
		return nil, format.Malformed(bpath, "bias must be a constant")
	}
	if t.NumElements() != int64(n) {
		return nil, format.Malformed(bpath, "has %d elements (shape %v), want %d (one per output channel)", t.NumElements(), t.Shape, n)
	}
	return int32s(t, bpath)
}

// constFilter returns the op's filter (input 1): a constant int8 tensor of
// the wanted rank.
func constFilter(m *format.Model, op *format.Op, rank int, path string) (*format.Tensor, error) {
	f, err := operand(m, op.Inputs, 1, "input", path, format.DTypeInt8)
	if err != nil {
		return nil, err
	}
	fpath := path + " / input 1 (filter)"
	if len(f.Shape) != rank {
		return nil, format.Malformed(fpath, "shape %v, want rank %d", f.Shape, rank)
	}
	for _, d := range f.Shape {
		if d <= 0 {
			return nil, format.Malformed(fpath, "shape %v has an empty dimension", f.Shape)
		}
	}
	if !f.IsConstant() || int64(len(f.Data)) != f.NumElements() {
		return nil, format.Malformed(fpath, "filter must be a constant of %d bytes", f.NumElements())
	}
	return f, nil
}

// nhwc returns the dimensions of a rank-4 tensor with non-empty dimensions.
func nhwc(t *format.Tensor, path string) (n, h, w, c int, err error) {
	if len(t.Shape) != 4 {
		return 0, 0, 0, 0, format.Malformed(path, "shape %v, want rank 4 (NHWC)", t.Shape)
	}
	for _, d := range t.Shape {
		if d <= 0 {
			return 0, 0, 0, 0, format.Malformed(path, "shape %v has an empty dimension", t.Shape)
		}
	}
	return int(t.Shape[0]), int(t.Shape[1]), int(t.Shape[2]), int(t.Shape[3]), nil
}

// windowParams validates the geometry fields shared by CONV_2D and
// DEPTHWISE_CONV_2D. kh, kw are the filter's spatial size; s the op's
// shapes.
func windowParams(p *format.ConvParams, s convShape, kh, kw int, path string) error {
	if p.StrideH < 1 || p.StrideW < 1 {
		return format.Malformed(path+" / params", "stride %dx%d, want >= 1", p.StrideH, p.StrideW)
	}
	if p.DilationH < 1 || p.DilationW < 1 {
		return format.Malformed(path+" / params", "dilation %dx%d, want >= 1", p.DilationH, p.DilationW)
	}
	// Padding never exceeds the dilated filter extent (TFLite's SAME padding
	// is at most half of it); larger values are corrupt and would make every
	// tap fall outside the image.
	effH := int64(kh-1)*int64(p.DilationH) + 1
	effW := int64(kw-1)*int64(p.DilationW) + 1
	if p.PadTop < 0 || p.PadLeft < 0 || int64(p.PadTop) >= effH+1 || int64(p.PadLeft) >= effW+1 {
		return format.Malformed(path+" / params", "padding top %d left %d outside [0, filter extent %dx%d]", p.PadTop, p.PadLeft, effH, effW)
	}
	// The kernels compute input coordinates (o·stride - pad + k·dilation,
	// pad + stride) in int: on 32-bit targets the farthest must fit.
	spanH := satAdd(satAdd(satMul(int64(s.outH-1), int64(p.StrideH)), effH), int64(p.PadTop)+int64(p.StrideH))
	spanW := satAdd(satAdd(satMul(int64(s.outW-1), int64(p.StrideW)), effW), int64(p.PadLeft)+int64(p.StrideW))
	if max(spanH, spanW) > math.MaxInt {
		return format.Malformed(path+" / params", "strides %dx%d, dilations %dx%d and padding span more input coordinates than an int holds", p.StrideH, p.StrideW, p.DilationH, p.DilationW)
	}
	return nil
}

// convShape is the NHWC geometry CONV_2D and DEPTHWISE_CONV_2D share.
type convShape struct {
	batches, inH, inW, inC int
	outH, outW, outC       int
}

// prepareConvShape validates what CONV_2D and DEPTHWISE_CONV_2D have in
// common: conv params, int8 NHWC input and output of the same batch, and a
// constant rank-4 int8 filter, which it returns with the geometry.
func prepareConvShape(m *format.Model, op *format.Op, path string) (*format.ConvParams, *format.Tensor, convShape, error) {
	var s convShape
	p, err := wantParams[format.ConvParams](op, path)
	if err != nil {
		return nil, nil, s, err
	}
	in, out, err := inOut(m, op, path)
	if err != nil {
		return nil, nil, s, err
	}
	f, err := constFilter(m, op, 4, path)
	if err != nil {
		return nil, nil, s, err
	}
	if s.batches, s.inH, s.inW, s.inC, err = nhwc(in, path+" / input 0"); err != nil {
		return nil, nil, s, err
	}
	var outN int
	if outN, s.outH, s.outW, s.outC, err = nhwc(out, path+" / output 0"); err != nil {
		return nil, nil, s, err
	}
	if outN != s.batches {
		return nil, nil, s, format.Malformed(path+" / output 0", "batch %d, input batch %d", outN, s.batches)
	}
	return p, f, s, nil
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

// sumInt8 returns Σ a[i] in int32 (wrapping).
func sumInt8(a []int8) int32 {
	var s int32
	for _, x := range a {
		s += int32(x)
	}
	return s
}
