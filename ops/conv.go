package ops

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// CONV_2D, bit-exact with TFLite Micro's reference_integer_ops::ConvPerChannel
// (and, for legacy uint8 models the converter shifted to int8, with the
// reference uint8 Conv, which is the same formula plus a filter offset):
//
//	acc = Σ over in-bounds taps (ky,kx) and input channels ci of
//	      (filter[oc,ky,kx,ci] + filter_offset) · (input[b,iy,ix,ci] + input_offset)
//	acc += bias[oc]
//	out = clamp(MultiplyByQuantizedMultiplier(acc, M[oc], shift[oc]) + output_offset)
//
// The kernel computes it as a matrix product. For each output pixel the
// receptive field is gathered ("im2col") into a patch of KH·KW·Cin int8
// values, padding taps filled with the input zero point (= -input_offset),
// so that they contribute (zp + input_offset)·f = 0 exactly as the
// reference's skipped taps do. Expanding the product over the whole patch:
//
//	acc = Σ f·x + input_offset·Σf + filter_offset·Σx + K·filter_offset·input_offset
//
// where only Σ f·x (dotRows) and, for legacy models, Σx depend on the pixel;
// bias + input_offset·Σf + K·filter_offset·input_offset is folded per channel
// at prepare. Every term is computed in wrapping int32 arithmetic, which is
// a ring: the regrouped sum equals the reference's sequential int32 sum bit
// for bit, overflow included.
//
// Grouped convolutions (filter input depth Cin/G) follow the reference:
// output channel oc reads input channels of group oc / (Cout/G).

// The matrix core of CONV_2D and FULLY_CONNECTED: int8 vectors against int8
// weight rows, accumulated in wrapping int32. The callers add the folded
// bias and requantize with requantizer.apply; these two functions are the
// boundary a SIMD implementation replaces.

// dotRows sets acc[r] = Σ_k a[k]·b[r·len(a)+k] for r < len(acc): one input
// vector (a patch, or a fully connected input row) against len(acc) rows.
// b must hold at least len(acc)·len(a) values.
func dotRows(a, b []int8, acc []int32) {
	k := len(a)
	b = b[:len(acc)*k]
	r := 0
	for ; r+4 <= len(acc); r += 4 {
		acc[r], acc[r+1], acc[r+2], acc[r+3] = dot4(a, b[r*k:][:k], b[(r+1)*k:][:k], b[(r+2)*k:][:k], b[(r+3)*k:][:k])
	}
	for ; r < len(acc); r++ {
		acc[r] = dot1(a, b[r*k:][:k])
	}
}

// maxPairedDepth bounds the vector length of dotRows2's packed arithmetic:
// below it |Σ a0·b| <= len·2^14 < 2^31, so the low lane never carries into
// the high one.
const maxPairedDepth = 1 << 17

// dotRows2 is dotRows for two input vectors of the same length at once
// (two output pixels): acc0[r] = Σ a0·b_r, acc1[r] = Σ a1·b_r. packed is
// scratch of at least len(a0) int64s.
//
// In pure Go it packs the pair into one int64 per element, p = a0 + a1·2^32,
// so that one 64-bit multiply by a weight yields both products: the sum
// Σ p·b_r is L + H·2^32 (mod 2^64) with L = Σ a0·b_r and H = Σ a1·b_r. For
// vectors shorter than maxPairedDepth, |L| < 2^31, so L is the low 32 bits
// read as signed and H is (sum - L) >> 32, wrapped to int32 exactly as
// TFLite's int32 accumulator wraps. Longer vectors take dotRows twice.
func dotRows2(a0, a1, b []int8, acc0, acc1 []int32, packed []int64) {
	k := len(a0)
	if k >= maxPairedDepth {
		dotRows(a0, b, acc0)
		dotRows(a1, b, acc1)
		return
	}
	a1 = a1[:k]
	packed = packed[:k]
	for i, x := range a0 {
		packed[i] = int64(x) + int64(a1[i])<<32
	}
	n := len(acc0)
	acc1 = acc1[:n]
	b = b[:n*k]
	r := 0
	for ; r+4 <= n; r += 4 {
		t0, t1, t2, t3 := pair4(packed, b[r*k:][:k], b[(r+1)*k:][:k], b[(r+2)*k:][:k], b[(r+3)*k:][:k])
		acc0[r], acc1[r] = unpair(t0)
		acc0[r+1], acc1[r+1] = unpair(t1)
		acc0[r+2], acc1[r+2] = unpair(t2)
		acc0[r+3], acc1[r+3] = unpair(t3)
	}
	for ; r < n; r++ {
		acc0[r], acc1[r] = unpair(pair1(packed, b[r*k:][:k]))
	}
}

// unpair splits a packed sum L + H·2^32 with |L| < 2^31.
func unpair(t int64) (lo, hi int32) {
	lo = int32(t)
	return lo, int32((t - int64(lo)) >> 32)
}

// dot4 returns the dot products of a with four rows of its length. It is a
// separate, non-inlined function: inlined into dotRows, the compiler spills
// the four sums to the stack inside the loop. (Same for pair4.)
//
//go:noinline
func dot4(a, b0, b1, b2, b3 []int8) (s0, s1, s2, s3 int32) {
	b0, b1, b2, b3 = b0[:len(a)], b1[:len(a)], b2[:len(a)], b3[:len(a)]
	for i, x := range a {
		v := int32(x)
		s0 += v * int32(b0[i])
		s1 += v * int32(b1[i])
		s2 += v * int32(b2[i])
		s3 += v * int32(b3[i])
	}
	return
}

// dot1 returns Σ a[i]·b[i] over len(a) values.
func dot1(a, b []int8) (s int32) {
	b = b[:len(a)]
	for i, x := range a {
		s += int32(x) * int32(b[i])
	}
	return
}

// pair4 returns Σ p[i]·b_j[i] for four rows (packed pairs, see dotRows2).
//
//go:noinline
func pair4(p []int64, b0, b1, b2, b3 []int8) (t0, t1, t2, t3 int64) {
	b0, b1, b2, b3 = b0[:len(p)], b1[:len(p)], b2[:len(p)], b3[:len(p)]
	for i, x := range p {
		t0 += x * int64(b0[i])
		t1 += x * int64(b1[i])
		t2 += x * int64(b2[i])
		t3 += x * int64(b3[i])
	}
	return
}

// pair1 returns Σ p[i]·b[i].
func pair1(p []int64, b []int8) (t int64) {
	b = b[:len(p)]
	for i, x := range p {
		t += x * int64(b[i])
	}
	return
}

// sumInt8 returns Σ a[i] in int32.
func sumInt8(a []int8) int32 {
	var s int32
	for _, x := range a {
		s += int32(x)
	}
	return s
}

// requantizer is the per-output-channel epilogue shared by the conv and
// fully connected kernels: add the folded bias, scale by the channel's
// dyadic multiplier (TFLite's double-rounding MultiplyByQuantizedMultiplier),
// add the output zero point and clamp to the fused activation range.
type requantizer struct {
	bias        []int32 // per channel, folded (see the kernels)
	mult, shift []int32 // per channel, as in format.Requant
	// MultiplyByQuantizedMultiplier split into its steps: a wrapping
	// multiplication by leftMul = 2^max(shift, 0), the doubling high
	// multiply by mult, a rounding right shift by max(-shift, 0). Its
	// dyadic helpers inline; the whole function does not.
	leftMul, right []int32
	outOff, lo, hi int32
}

// apply writes len(acc) outputs.
func (q *requantizer) apply(acc []int32, out []int8) {
	n := len(acc)
	bias, mult, leftMul, right, out := q.bias[:n], q.mult[:n], q.leftMul[:n], q.right[:n], out[:n]
	for i, a := range acc {
		v := dyadic.RoundingDivideByPOT(dyadic.SaturatingRoundingDoublingHighMul((a+bias[i])*leftMul[i], mult[i]), right[i]) + q.outOff
		out[i] = int8(min(max(v, q.lo), q.hi))
	}
}

// epilogue returns the requantizer as the asm kernels' fused epilogue
// (sharing its slices).
func (q *requantizer) epilogue() *asm.Epilogue {
	return asm.NewEpilogue(q.bias, q.mult, q.shift, q.outOff, q.lo, q.hi)
}

// simdImpl returns the kernel implementation prepared ops use, or nil for
// the generic one: the pure-Go kernels in this package are the generic
// path (faster than asm's plain reference loops, and bit-identical).
func simdImpl() *asm.Impl {
	if impl := asm.Selected(); impl.Name != "generic" {
		return impl
	}
	return nil
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
		bias:    make([]int32, channels),
		mult:    make([]int32, channels),
		shift:   make([]int32, channels),
		leftMul: make([]int32, channels),
		right:   make([]int32, channels),
		outOff:  outOff, lo: lo, hi: hi,
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
		q.leftMul[c], q.right[c] = 1<<max(s, 0), max(-s, 0)
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
// DEPTHWISE_CONV_2D. kh, kw are the filter's spatial size.
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

// int32Scratch returns n int32s of b, starting at its first 4-byte aligned
// byte (kernels ask for 3 bytes of slack).
func int32Scratch(b []byte, n int) []int32 {
	if n == 0 {
		return nil
	}
	skip := int((4 - uintptr(unsafe.Pointer(unsafe.SliceData(b)))%4) % 4)
	b = b[skip : skip+4*n]
	return unsafe.Slice((*int32)(unsafe.Pointer(&b[0])), n)
}

// convKernel is a prepared CONV_2D.
type convKernel struct {
	in, out int32

	convShape
	kh, kw           int
	strideH, strideW int
	dilH, dilW       int
	padTop, padLeft  int

	groups    int // input channels / filter input depth
	groupIn   int // filter input depth
	groupOut  int // output channels per group
	patchSize int // kh·kw·groupIn, one row of the filter

	// pointwise: a 1×1 filter whose taps are always inside the image, so
	// an input pixel is its own patch and im2col is skipped.
	pointwise bool

	filter       []int8 // [outC][kh][kw][groupIn]
	inputZP      int8   // fills padding taps of the patch
	filterOffset int32  // non-zero only for legacy uint8 models
	q            *requantizer
	// simd, when set, runs the conv as asm GEMMs (one group, int8 filter):
	// pointwise convolutions straight from the input rows, others over
	// im2col blocks of blockRows output pixels in scratch. packed is the
	// filter packed once at prepare; epi the folded requantization.
	simd      *asm.Impl
	zpRow     []int8 // kw·inC input zero points (im2col's padding)
	packed    *asm.PackedMatrix
	epi       *asm.Epilogue
	blockRows int
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
	in, err := operand(m, op.Inputs, 0, "input", path, format.DTypeInt8)
	if err != nil {
		return nil, nil, s, err
	}
	out, err := operand(m, op.Outputs, 0, "output", path, format.DTypeInt8)
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

func prepareConv2D(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 2, 3, 1); err != nil {
		return nil, err
	}
	p, f, shape, err := prepareConvShape(m, op, path)
	if err != nil {
		return nil, err
	}
	k := &convKernel{in: op.Inputs[0], out: op.Outputs[0], convShape: shape}
	fpath := path + " / input 1 (filter)"
	k.kh, k.kw, k.groupIn = int(f.Shape[1]), int(f.Shape[2]), int(f.Shape[3])
	if int(f.Shape[0]) != k.outC {
		return nil, format.Malformed(fpath, "shape %v has %d output channels, output has %d", f.Shape, f.Shape[0], k.outC)
	}
	if k.inC%k.groupIn != 0 {
		return nil, format.Malformed(fpath, "input depth %d does not divide the input's %d channels", k.groupIn, k.inC)
	}
	k.groups = k.inC / k.groupIn
	if k.outC%k.groups != 0 {
		return nil, format.Malformed(fpath, "%d output channels not divisible into %d groups", k.outC, k.groups)
	}
	k.groupOut = k.outC / k.groups
	k.patchSize = k.kh * k.kw * k.groupIn
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
	bias, err := decodeBias(m, op, k.outC, path)
	if err != nil {
		return nil, err
	}
	k.q, err = newRequantizer(p.Requant, bias, k.outC, p.OutputOffset, p.ActMin, p.ActMax, path)
	if err != nil {
		return nil, err
	}
	k.filter = Int8s(f.Data)
	k.inputZP = int8(-p.InputOffset)
	k.filterOffset = p.FilterOffset
	// Fold bias + input_offset·Σf + K·filter_offset·input_offset.
	kfo := int32(k.patchSize) * p.FilterOffset * p.InputOffset
	for oc := 0; oc < k.outC; oc++ {
		k.q.bias[oc] += p.InputOffset*sumInt8(k.filter[oc*k.patchSize:][:k.patchSize]) + kfo
	}
	k.pointwise = k.kh == 1 && k.kw == 1 && k.padTop == 0 && k.padLeft == 0 &&
		(k.outH-1)*k.strideH < k.inH && (k.outW-1)*k.strideW < k.inW
	if impl := simdImpl(); impl != nil && k.groups == 1 && k.filterOffset == 0 {
		k.simd = impl
		k.packed = impl.PackMatrix(k.filter, k.outC, k.patchSize)
		k.epi = k.q.epilogue()
		impl.PrepareEpilogue(k.packed, k.epi)
		if !k.pointwise {
			// A filter row of input zero points: im2col copies padding
			// from it rather than filling byte by byte.
			k.zpRow = make([]int8, k.kw*k.inC)
			for i := range k.zpRow {
				k.zpRow[i] = k.inputZP
			}
			// About 48 KiB of patches per GEMM (in L2 while every column
			// panel reads them), a multiple of the kernels' row blocks.
			pixels := k.batches * k.outH * k.outW
			k.blockRows = min(max(6, (48<<10)/k.patchSize/6*6), pixels)
		}
	}
	return k, nil
}

// Scratch layout of the conv kernel: two im2col patches (one per pixel of
// a pair), the packed pair of one group's patches (int64, 8-byte aligned),
// then two int32 accumulator rows.
func (k *convKernel) scratchLayout() (patchLen, packedAt, accAt, total int) {
	patchLen = k.kh * k.kw * k.inC
	packedAt = (2*patchLen + 7) &^ 7
	accAt = packedAt + 8*k.patchSize
	total = accAt + 8*k.outC
	return
}

// ScratchBytes: see scratchLayout, plus slack to align its start to 8.
// Computed in int64 and saturated (as depthwise's), so that it cannot wrap
// to a small size on 32-bit targets; the runtime's limits reject it then.
func (k *convKernel) ScratchBytes() int {
	if k.simd != nil {
		return int(min(int64(k.blockRows)*int64(k.patchSize), math.MaxInt))
	}
	total := (2*int64(k.kh)*int64(k.kw)*int64(k.inC)+7)&^7 + 8*int64(k.patchSize) + 8*int64(k.outC) // scratchLayout's
	return int(min(total+7, math.MaxInt))
}

// Units: the conv splits by output rows (over all batches) for
// Options.Threads; every output pixel is computed the same way whatever the
// split.
func (k *convKernel) Units() int { return k.batches * k.outH }

func (k *convKernel) Eval(env *Env) { k.EvalRange(env, 0, k.Units()) }

// EvalRange computes output rows [lo, hi) of the batches·outH rows.
func (k *convKernel) EvalRange(env *Env, lo, hi int) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	if k.simd != nil {
		k.evalSIMD(in, out, Int8s(env.Scratch), lo, hi)
		return
	}
	patchLen, packedAt, accAt, total := k.scratchLayout()
	scratch := env.Scratch
	skip := int((8 - uintptr(unsafe.Pointer(unsafe.SliceData(scratch)))%8) % 8)
	scratch = scratch[skip:][:total]
	patch0 := Int8s(scratch[:patchLen])
	patch1 := Int8s(scratch[patchLen : 2*patchLen])
	packed := unsafe.Slice((*int64)(unsafe.Pointer(&scratch[packedAt])), k.patchSize)
	accs := unsafe.Slice((*int32)(unsafe.Pointer(&scratch[accAt])), 2*k.outC)
	acc0, acc1 := accs[:k.outC], accs[k.outC:]
	pixels := hi * k.outW
	p := lo * k.outW
	// Output pixels two at a time (dotRows2), in row-major order across rows
	// and batches; an odd last pixel alone.
	for ; p+2 <= pixels; p += 2 {
		src0 := k.patch(in, p, patch0)
		src1 := k.patch(in, p+1, patch1)
		for g := 0; g < k.groups; g++ {
			g0 := src0[g*k.patchSize:][:k.patchSize]
			g1 := src1[g*k.patchSize:][:k.patchSize]
			lo, hi := g*k.groupOut, (g+1)*k.groupOut
			dotRows2(g0, g1, k.filter[lo*k.patchSize:], acc0[lo:hi], acc1[lo:hi], packed)
			k.addFilterOffset(g0, acc0[lo:hi])
			k.addFilterOffset(g1, acc1[lo:hi])
		}
		k.q.apply(acc0, out[p*k.outC:][:k.outC])
		k.q.apply(acc1, out[(p+1)*k.outC:][:k.outC])
	}
	if p < pixels {
		src := k.patch(in, p, patch0)
		for g := 0; g < k.groups; g++ {
			gp := src[g*k.patchSize:][:k.patchSize]
			lo, hi := g*k.groupOut, (g+1)*k.groupOut
			dotRows(gp, k.filter[lo*k.patchSize:], acc0[lo:hi])
			k.addFilterOffset(gp, acc0[lo:hi])
		}
		k.q.apply(acc0, out[p*k.outC:][:k.outC])
	}
}

// evalSIMD runs output rows [lo, hi) (of batches·outH) as asm GEMMs.
func (k *convKernel) evalSIMD(in, out, scratch []int8, lo, hi int) {
	plane := k.inH * k.inW * k.inC
	if k.pointwise {
		// Every output pixel's patch is an input pixel: rows of the input
		// at stride strideW·inC, or whole images when the pixels are
		// contiguous (then the rows of every batch are contiguous too).
		if k.strideH == 1 && k.strideW == 1 && k.outW == k.inW && k.outH == k.inH {
			k.simd.Gemm(in[lo*k.outW*k.inC:], k.inC, (hi-lo)*k.outW, k.packed, k.epi, out[lo*k.outW*k.outC:], k.outC)
			return
		}
		for r := lo; r < hi; r++ {
			b, oy := r/k.outH, r%k.outH
			k.simd.Gemm(in[b*plane+oy*k.strideH*k.inW*k.inC:], k.strideW*k.inC, k.outW, k.packed, k.epi,
				out[r*k.outW*k.outC:], k.outC)
		}
		return
	}
	pixels := hi * k.outW
	buf := scratch[:k.blockRows*k.patchSize]
	ox, oy, b := 0, lo%k.outH, lo/k.outH // the pixel p0 + i
	for p0 := lo * k.outW; p0 < pixels; p0 += k.blockRows {
		rows := min(k.blockRows, pixels-p0)
		for i := 0; i < rows; {
			// The rest of output row oy, or of the block.
			n := min(k.outW-ox, rows-i)
			k.im2colRun(in[b*plane:][:plane], oy, ox, n, buf[i*k.patchSize:][:n*k.patchSize])
			i += n
			if ox += n; ox == k.outW {
				ox = 0
				if oy++; oy == k.outH {
					oy = 0
					b++
				}
			}
		}
		k.simd.Gemm(buf, k.patchSize, rows, k.packed, k.epi, out[p0*k.outC:], k.outC)
	}
}

// im2colRun writes the patches of n consecutive output pixels of row oy,
// from column ox, for one group: filter row by filter row, so that row
// checks and offsets are worked out once per run; taps of a pixel whose
// filter row lies inside the image horizontally (dilation 1 across) are
// one short copy.
func (k *convKernel) im2colRun(in []int8, oy, ox, n int, patches []int8) {
	// Fields in locals: the stores through dst would make the compiler
	// reload them.
	ps, inC, kw, inW, dilW := k.patchSize, k.inC, k.kw, k.inW, k.dilW
	row := kw * inC
	step := k.strideW * inC
	x0 := ox*k.strideW - k.padLeft
	// Pixels [jLo, jHi) of the run have the filter row inside the image
	// horizontally (with dilation 1 across).
	jLo, jHi := 0, 0
	if dilW == 1 {
		jLo = min(max((-x0+k.strideW-1)/k.strideW, 0), n)
		jHi = min(max((inW-kw-x0)/k.strideW+1, jLo), n)
		if inW-kw-x0 < 0 {
			jHi = jLo
		}
	}
	zpRow := k.zpRow
	for ky := 0; ky < k.kh; ky++ {
		iy := oy*k.strideH - k.padTop + ky*k.dilH
		if iy < 0 || iy >= k.inH {
			// The whole filter row is padding, for every pixel.
			k.simd.CopyRows(patches[ky*row:], ps, zpRow, 0, row, n)
			continue
		}
		src := in[iy*inW*inC:][:inW*inC]
		edge := func(j int) {
			dst := patches[j*ps+ky*row:][:row]
			xj := x0 + j*k.strideW
			if dilW == 1 {
				// Taps [lo, hi) lie inside the image: padding, one copy,
				// padding.
				lo, hi := min(max(-xj, 0), kw), max(min(inW-xj, kw), 0)
				if hi <= lo {
					copy(dst, zpRow)
					return
				}
				copy(dst[:lo*inC], zpRow)
				copy(dst[lo*inC:hi*inC], src[(xj+lo)*inC:])
				copy(dst[hi*inC:], zpRow)
				return
			}
			for kx := 0; kx < kw; kx++ {
				ix := xj + kx*dilW
				seg := dst[kx*inC:][:inC]
				if ix >= 0 && ix < inW {
					copy(seg, src[ix*inC:][:inC])
				} else {
					copy(seg, zpRow)
				}
			}
		}
		for j := 0; j < jLo; j++ {
			edge(j)
		}
		if jHi > jLo {
			// One strided copy for the run: row j's filter row is the
			// row bytes at (x0 + j·strideW)·inC, patch j's at j·ps.
			at := (x0 + jLo*k.strideW) * inC
			k.simd.CopyRows(patches[jLo*ps+ky*row:], ps, src[at:], step, row, jHi-jLo)
		}
		for j := jHi; j < n; j++ {
			edge(j)
		}
	}
}

// addFilterOffset adds filter_offset·Σpatch (legacy uint8 models only).
func (k *convKernel) addFilterOffset(patch []int8, acc []int32) {
	if k.filterOffset == 0 {
		return
	}
	s := k.filterOffset * sumInt8(patch)
	for i := range acc {
		acc[i] += s
	}
}

// patch returns the receptive field of output pixel p (row-major over
// batch, row, column): the input pixel itself for pointwise convolutions,
// else gathered into buf.
func (k *convKernel) patch(in []int8, p int, buf []int8) []int8 {
	ox := p % k.outW
	oy := (p / k.outW) % k.outH
	b := p / (k.outW * k.outH)
	plane := k.inH * k.inW * k.inC
	inB := in[b*plane:][:plane]
	if k.pointwise {
		return inB[(oy*k.strideH*k.inW+ox*k.strideW)*k.inC:][:k.inC]
	}
	k.im2col(inB, oy, ox, buf)
	return buf
}

// im2col gathers the receptive field of output pixel (oy, ox) into patch,
// laid out [group][ky][kx][groupIn] to match the filter rows. Taps outside
// the image hold the input zero point, whose offset product is zero.
func (k *convKernel) im2col(in []int8, oy, ox int, patch []int8) {
	y0 := oy*k.strideH - k.padTop
	x0 := ox*k.strideW - k.padLeft
	zp := k.inputZP
	for g := 0; g < k.groups; g++ {
		dst := patch[g*k.patchSize:][:k.patchSize]
		c0 := g * k.groupIn
		i := 0
		for ky := 0; ky < k.kh; ky++ {
			iy := y0 + ky*k.dilH
			rowIn := iy >= 0 && iy < k.inH
			for kx := 0; kx < k.kw; kx++ {
				ix := x0 + kx*k.dilW
				seg := dst[i:][:k.groupIn]
				if rowIn && ix >= 0 && ix < k.inW {
					copy(seg, in[(iy*k.inW+ix)*k.inC+c0:][:k.groupIn])
				} else {
					for j := range seg {
						seg[j] = zp
					}
				}
				i += k.groupIn
			}
		}
	}
}
