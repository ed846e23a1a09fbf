package ops

import (
	"fmt"
	"unsafe"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// rescaleKernel is an elementwise requantization (format.RescaleParams):
// int16 LEAKY_RELU, RELU and RELU6, and QUANTIZE with an int16 operand
// (int8 or int16 in; int8, int16 or int32 out), TFLite's QuantizeLeakyRelu,
// ReluQuantized, Relu6Quantized and Requantize:
//
//	x = input - InputZeroPoint
//	out = clamp(OutputZeroPoint + MultiplyByQuantizedMultiplier(x, m, s), ActMin, ActMax)
//
// (m, s) chosen by the sign of x. The sum wraps in int32 as the
// reference's does (it can only for an int32 output).
type rescaleKernel struct {
	in, out        int32
	n              int
	inSize         int // bytes per input element: 1 or 2
	outSize        int // 1, 2 or 4
	inZP, outZP    int32
	mult, shift    int32
	nMult, nShift  int32
	actMin, actMax int32
	// Shifts <= 30 (every converted model's) run on the SIMD rescales:
	// int16 to int16 or int8 on Impl.RescaleInt16 over the whole tensor
	// (whole; neg when the negative values have a multiplier of their
	// own: LEAKY_RELU), other dtypes with one multiplier in chunks of
	// rescaleChunk values on Impl.Rescale32 (chunkBias: −InputZeroPoint
	// per value). The rest runs the per-value loop.
	impl      *asm.Impl
	pos, neg  *asm.Rescale32
	whole     bool
	chunkBias []int32
}

// rescaleChunk is how many values the chunked path widens into the
// scratch at a time.
const rescaleChunk = 64

func prepareRescale(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 1, 1, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.RescaleParams](op, path)
	if err != nil {
		return nil, err
	}
	k := &rescaleKernel{in: op.Inputs[0], out: op.Outputs[0], inZP: p.InputZeroPoint, outZP: p.OutputZeroPoint,
		mult: p.Multiplier, shift: p.Shift, nMult: p.NegMultiplier, nShift: p.NegShift, actMin: p.ActMin, actMax: p.ActMax}
	var in, out *format.Tensor
	for _, side := range []struct {
		list []int32
		what string
		t    **format.Tensor
		size *int
		ok   []format.DType
	}{
		{op.Inputs, "input", &in, &k.inSize, []format.DType{format.DTypeInt8, format.DTypeInt16}},
		{op.Outputs, "output", &out, &k.outSize, []format.DType{format.DTypeInt8, format.DTypeInt16, format.DTypeInt32}},
	} {
		idx := side.list[0]
		if idx < 0 || int(idx) >= len(m.Tensors) {
			return nil, format.Malformed(fmt.Sprintf("%s / %s 0", path, side.what), "tensor index %d out of range", idx)
		}
		t := &m.Tensors[idx]
		for _, d := range side.ok {
			if t.DType == d {
				*side.t, *side.size = t, d.Size()
			}
		}
		if *side.t == nil {
			return nil, format.Malformed(fmt.Sprintf("%s / %s 0", path, side.what), "tensor %d is %s, want one of %v", idx, t.DType, side.ok)
		}
	}
	if in.DType != format.DTypeInt16 && out.DType != format.DTypeInt16 {
		return nil, format.Malformed(path, "%s to %s: rescale params serve ops with an int16 operand (int8 ops take a table)", in.DType, out.DType)
	}
	if op.Code != format.OpQuantize && (in.DType != format.DTypeInt16 || out.DType != format.DTypeInt16) {
		return nil, format.Malformed(path, "%s to %s: %s runs on int16 tensors", in.DType, out.DType, op.Code)
	}
	if in.NumElements() != out.NumElements() {
		return nil, format.Malformed(path, "input has %d elements, output %d", in.NumElements(), out.NumElements())
	}
	k.n = int(in.NumElements())
	pp := path + " / params"
	lo, hi := rangeOf(in.DType)
	if k.inZP < lo || k.inZP > hi {
		return nil, format.Malformed(pp, "input zero point %d outside %s", k.inZP, in.DType)
	}
	lo, hi = rangeOf(out.DType)
	if k.actMin < lo || k.actMax > hi || k.actMin > k.actMax {
		return nil, format.Malformed(pp, "activation range [%d, %d] not within %s", k.actMin, k.actMax, out.DType)
	}
	if out.DType != format.DTypeInt32 && (k.outZP < lo || k.outZP > hi) {
		return nil, format.Malformed(pp, "output zero point %d outside %s", k.outZP, out.DType)
	}
	for _, s := range [][2]int32{{k.mult, k.shift}, {k.nMult, k.nShift}} {
		if s[0] < 0 || s[1] < -31 || s[1] > 31 {
			return nil, format.Malformed(pp, "multiplier %d, shift %d out of range (want multiplier >= 0, shift in [-31, 31])", s[0], s[1])
		}
	}
	if k.shift <= 30 && k.nShift <= 30 {
		k.impl = asm.Selected()
		k.pos = asm.NewRescale32(k.mult, k.shift, k.outZP, k.actMin, k.actMax)
		oneMult := k.mult == k.nMult && k.shift == k.nShift
		if !oneMult {
			k.neg = asm.NewRescale32(k.nMult, k.nShift, k.outZP, k.actMin, k.actMax)
		}
		switch {
		case k.inSize == 2 && k.outSize != 4:
			k.whole = true
		case oneMult:
			k.chunkBias = make([]int32, rescaleChunk)
			for i := range k.chunkBias {
				k.chunkBias[i] = -k.inZP
			}
		}
	}
	return k, nil
}

// ScratchBytes: one chunk of int32 values on the chunked path.
func (k *rescaleKernel) ScratchBytes() int {
	if k.chunkBias == nil {
		return 0
	}
	return 4*rescaleChunk + 3
}

// rangeOf is the value range of an integer dtype.
func rangeOf(d format.DType) (int32, int32) {
	switch d {
	case format.DTypeInt8:
		return -128, 127
	case format.DTypeInt16:
		return -32768, 32767
	}
	return -1 << 31, 1<<31 - 1
}

func (k *rescaleKernel) Eval(env *Env) {
	inB, outB := env.Tensors[k.in], env.Tensors[k.out]
	var in16 []int16
	if k.inSize == 2 {
		in16 = Int16s(inB)
	}
	var out16 []int16
	var out32 []int32
	switch k.outSize {
	case 2:
		out16 = Int16s(outB)
	case 4:
		out32 = unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(outB))), len(outB)/4)
	}
	switch {
	case k.whole && k.outSize == 1:
		k.impl.RescaleInt16(in16[:k.n], -k.inZP, k.pos, k.neg, nil, outB[:k.n])
		return
	case k.whole:
		k.impl.RescaleInt16(in16[:k.n], -k.inZP, k.pos, k.neg, out16[:k.n], nil)
		return
	case k.chunkBias != nil:
		k.evalChunks(inB, in16, outB, out16, out32, int32Scratch(env.Scratch, rescaleChunk))
		return
	}
	for i := 0; i < k.n; i++ {
		var x int32
		if in16 != nil {
			x = int32(in16[i])
		} else {
			x = int32(inB[i])
		}
		x -= k.inZP
		var v int32
		if x >= 0 {
			v = dyadic.MultiplyByQuantizedMultiplier(x, k.mult, k.shift)
		} else {
			v = dyadic.MultiplyByQuantizedMultiplier(x, k.nMult, k.nShift)
		}
		v = min(max(v+k.outZP, k.actMin), k.actMax)
		switch k.outSize {
		case 1:
			outB[i] = int8(v)
		case 2:
			out16[i] = int16(v)
		default:
			out32[i] = v
		}
	}
}

// evalChunks is Eval on Impl.Rescale32 (one multiplier): each chunk
// widened to int32, rescaled (x + bias, the multiply, offset and clamp)
// and narrowed.
func (k *rescaleKernel) evalChunks(inB []int8, in16 []int16, outB []int8, out16 []int16, out32 []int32, buf []int32) {
	for i := 0; i < k.n; i += rescaleChunk {
		x := buf[:min(rescaleChunk, k.n-i)]
		if in16 != nil {
			src := in16[i:][:len(x)]
			for j, v := range src {
				x[j] = int32(v)
			}
		} else {
			src := inB[i:][:len(x)]
			for j, v := range src {
				x[j] = int32(v)
			}
		}
		k.impl.Rescale32(x, k.chunkBias, k.pos, x)
		switch k.outSize {
		case 1:
			dst := outB[i:][:len(x)]
			for j, v := range x {
				dst[j] = int8(v)
			}
		case 2:
			dst := out16[i:][:len(x)]
			for j, v := range x {
				dst[j] = int16(v)
			}
		default:
			copy(out32[i:], x)
		}
	}
}
