package ops

import (
	"fmt"

	"github.com/edgerun/edgerun/format"
)

// meanKernel is int8 MEAN over any set of axes (keep_dims or not). It sums
// the stored int8 values of each reduced group into an int32 and maps the
// sum to the output through the converter's 255 thresholds (see
// format.MeanParams): the thresholds encode TFLite's whole requantization
// (zero points, 1/n folded into the multiplier, rounding, clamping), so
// Eval needs no division and no floating point.
//
// The input is walked once, in memory order, over "segments": runs of
// adjacent dimensions that are all reduced or all kept, merged (size-1
// dimensions dropped). The innermost segment is a contiguous run that
// either adds into one sum (reduced) or into consecutive sums (kept).
type meanKernel struct {
	in, out    int32
	segs       []meanSegment
	nOut       int
	thresholds [255]int32
}

// meanSegment is one merged run of dimensions. outStride is how far the
// output (sum) index moves per step along it: 0 for reduced segments.
type meanSegment struct {
	size, outStride int
	reduced         bool
}

// maxMeanSegments bounds the segments (so the odometer lives on the stack);
// segments alternate reduced/kept, so this allows any rank up to 16.
const maxMeanSegments = 16

// maxMeanGroup bounds the elements of one reduced group so that their int32
// sum cannot overflow: 2^24 · -128 = -2^31.
const maxMeanGroup = 1 << 24

func prepareMean(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 1, 1, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.MeanParams](op, path)
	if err != nil {
		return nil, err
	}
	in, err := operand(m, op.Inputs, 0, "input", path, format.DTypeInt8)
	if err != nil {
		return nil, err
	}
	out, err := operand(m, op.Outputs, 0, "output", path, format.DTypeInt8)
	if err != nil {
		return nil, err
	}
	pp := path + " / params"
	if len(p.Thresholds) != 255 {
		return nil, format.Malformed(pp+" / thresholds", "has %d entries, want 255", len(p.Thresholds))
	}
	for i := 1; i < len(p.Thresholds); i++ {
		if p.Thresholds[i] < p.Thresholds[i-1] {
			return nil, format.Malformed(pp+" / thresholds", "decrease at %d (%d after %d)", i, p.Thresholds[i], p.Thresholds[i-1])
		}
	}
	rank := len(in.Shape)
	reduced := make([]bool, rank)
	for i, a := range p.Axes {
		if a < -int32(rank) || a >= int32(rank) {
			return nil, format.Malformed(pp+" / axes", "axis %d is %d, outside [%d, %d)", i, a, -rank, rank)
		}
		if a < 0 {
			a += int32(rank)
		}
		reduced[a] = true // duplicates are allowed and ignored, as in TFLite
	}
	nOut, group := int64(1), int64(1)
	var keptShape []int32
	for d, size := range in.Shape {
		if size < 0 {
			return nil, format.Malformed(path+" / input 0", "negative dimension in shape %v", in.Shape)
		}
		if reduced[d] {
			group *= int64(size)
			if p.KeepDims {
				keptShape = append(keptShape, 1)
			}
		} else {
			nOut *= int64(size)
			keptShape = append(keptShape, size)
		}
	}
	// Only the element count matters to the kernel (the kept dimensions keep
	// their row-major order); converters differ in how they write the shape
	// of a full reduction, so the exact shape is not required.
	if out.NumElements() != nOut {
		return nil, format.Malformed(path, "output shape %v has %d elements, reducing input %v over axes %v leaves %d (shape %v)",
			out.Shape, out.NumElements(), in.Shape, p.Axes, nOut, keptShape)
	}
	if group > maxMeanGroup {
		return nil, &format.UnsupportedOpError{Op: "MEAN", Index: -1,
			Reason: fmt.Sprintf("%s: %d elements per mean overflow the int32 sum (at most %d)", path, group, maxMeanGroup)}
	}
	k := &meanKernel{in: op.Inputs[0], out: op.Outputs[0], nOut: int(nOut)}
	copy(k.thresholds[:], p.Thresholds)
	for d, size := range in.Shape {
		if size == 1 {
			continue
		}
		if n := len(k.segs); n > 0 && k.segs[n-1].reduced == reduced[d] {
			k.segs[n-1].size *= int(size)
			continue
		}
		k.segs = append(k.segs, meanSegment{size: int(size), reduced: reduced[d]})
	}
	if len(k.segs) == 0 {
		k.segs = []meanSegment{{size: 1}}
	}
	if len(k.segs) > maxMeanSegments {
		return nil, &format.UnsupportedOpError{Op: "MEAN", Index: -1,
			Reason: fmt.Sprintf("%s: input %v with axes %v needs %d alternating segments (at most %d)", path, in.Shape, p.Axes, len(k.segs), maxMeanSegments)}
	}
	stride := 1
	for i := len(k.segs) - 1; i >= 0; i-- {
		if !k.segs[i].reduced {
			k.segs[i].outStride = stride
			stride *= k.segs[i].size
		}
	}
	return k, nil
}

// ScratchBytes: one int32 sum per output element, plus alignment room.
func (k *meanKernel) ScratchBytes() int { return 4*k.nOut + 3 }

func (k *meanKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	sums := alignedScratchInt32(env.Scratch, k.nOut)
	clear(sums)
	if len(in) > 0 {
		k.sum(in, sums)
	}
	for i, s := range sums {
		// Output = -128 + number of thresholds ≤ s (upper bound search).
		lo, hi := 0, len(k.thresholds)
		for lo < hi {
			mid := int(uint(lo+hi) >> 1)
			if k.thresholds[mid] <= s {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		out[i] = int8(lo - 128)
	}
}

// sum adds every input element into its group's sum, walking the input in
// memory order with an odometer over all segments but the innermost.
func (k *meanKernel) sum(in []int8, sums []int32) {
	outer := k.segs[:len(k.segs)-1]
	last := k.segs[len(k.segs)-1]
	var idx [maxMeanSegments]int
	p, o := 0, 0
	for {
		run := in[p : p+last.size]
		p += last.size
		if last.reduced {
			var s int32
			for _, v := range run {
				s += int32(v)
			}
			sums[o] += s
		} else {
			dst := sums[o : o+len(run)]
			for j, v := range run {
				dst[j] += int32(v)
			}
		}
		d := len(outer) - 1
		for ; d >= 0; d-- {
			idx[d]++
			o += outer[d].outStride
			if idx[d] < outer[d].size {
				break
			}
			o -= idx[d] * outer[d].outStride
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}
