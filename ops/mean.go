package ops

import (
	"fmt"
	"math"

	"github.com/edgerun/edgerun/asm"
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
	// lut[s - lutBase] is the output for group sum s, when the group is
	// small enough for a table (meanTableMaxGroup); built from the
	// thresholds at load, it replaces an 8-step search per output (18 ns
	// each: 23 of MobileNetV2's final MEAN's 36 us).
	// The table has meanTableSize entries whatever the group (sums of
	// at most 64 values span 255·64+1 < 2^14): indexing it by
	// (s − lutBase) & (meanTableSize−1) needs no bounds check, which
	// took a third of the lookup loop. Entries past the group's last sum
	// continue the step function; no sum reaches them.
	lut     *[meanTableSize]int8
	lutBase int32
	impl    *asm.Impl // SumPoolInt8 for the channels-last reductions
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

// meanTableMaxGroup is the largest group mapped through a table: 64
// values (a global pool up to 8×8) make 255·64+1 entries, within the 16
// KiB table each such op has, a bounded multiple of the 1 KiB of
// thresholds it carries in the file.
const meanTableMaxGroup = 64

// meanTableSize is the entries of every MEAN table: the power of two
// above the largest group's 255·64+1 sums.
const meanTableSize = 1 << 14

// maxMeanGroup bounds the elements of one reduced group so that their int32
// sum cannot overflow: 2^24 · -128 = -2^31.
const maxMeanGroup = 1 << 24

func prepareMean(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if _, ok := op.Params.(*format.Mean16Params); ok {
		return prepareMean16(m, op, path)
	}
	p, in, out, err := paramsInOut[format.MeanParams](m, op, path, 1, 1, 1)
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
	segs, nOut, group, err := meanLayout(in, out, p.Axes, p.KeepDims, path)
	if err != nil {
		return nil, err
	}
	if group > maxMeanGroup {
		return nil, &format.UnsupportedOpError{Op: "MEAN", Index: -1,
			Reason: fmt.Sprintf("%s: %d elements per mean overflow the int32 sum (at most %d)", path, group, maxMeanGroup)}
	}
	k := &meanKernel{in: op.Inputs[0], out: op.Outputs[0], nOut: int(nOut), impl: asm.Selected()}
	copy(k.thresholds[:], p.Thresholds)
	if group <= meanTableMaxGroup {
		k.lutBase = -128 * int32(group)
		k.lut = new([meanTableSize]int8)
		t := 0 // thresholds at or below the sum so far
		for i := range k.lut {
			for t < len(k.thresholds) && k.thresholds[t] <= k.lutBase+int32(i) {
				t++
			}
			k.lut[i] = int8(t - 128)
		}
	}
	k.segs = segs
	return k, nil
}

// ScratchBytes: one int32 sum per output element, plus alignment room.
// In int64, saturated: 4·nOut must not wrap on 32-bit targets.
func (k *meanKernel) ScratchBytes() int { return int(min(4*int64(k.nOut)+3, math.MaxInt)) }

func (k *meanKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	sums := int32Scratch(env.Scratch, k.nOut)
	clear(sums)
	if len(in) > 0 {
		k.sum(in, sums)
	}
	if lut, base := k.lut, k.lutBase; lut != nil {
		// Four lookups a step: one at a time this loop took ~0.6 ns a
		// value (half of MobileNetV2's final MEAN once the sums were
		// SIMD), four a step ~0.15.
		const mask = meanTableSize - 1
		out := out[:len(sums)]
		i := 0
		for ; i+4 <= len(sums); i += 4 {
			s := sums[i : i+4 : i+4]
			a, b, c, d := lut[(s[0]-base)&mask], lut[(s[1]-base)&mask], lut[(s[2]-base)&mask], lut[(s[3]-base)&mask]
			o := out[i : i+4 : i+4]
			o[0], o[1], o[2], o[3] = a, b, c, d
		}
		for ; i < len(sums); i++ {
			out[i] = lut[(sums[i]-base)&mask]
		}
		return
	}
	for i, s := range sums {
		out[i] = k.search(s)
	}
}

// output maps a group sum to the output value (table or search).
func (k *meanKernel) output(s int32) int8 {
	if k.lut != nil {
		return k.lut[(s-k.lutBase)&(meanTableSize-1)]
	}
	return k.search(s)
}

// search returns -128 + the number of thresholds ≤ s: a binary search of
// fixed steps (128, 64, ..., 1 cover the 255 sorted thresholds) without
// branches: the step is added under a mask that is all ones when
// threshold ≤ s (the sign of s − threshold, in 64 bits where it cannot
// overflow). A branching search mispredicts about every other step.
func (k *meanKernel) search(s int32) int8 {
	lo := 0
	for step := 128; step > 0; step >>= 1 {
		d := int64(s) - int64(k.thresholds[lo+step-1])
		lo += step &^ int(d>>63)
	}
	return int8(lo - 128)
}

// sum adds every input element into its group's sum, walking the input in
// memory order with an odometer over all segments but the innermost.
func (k *meanKernel) sum(in []int8, sums []int32) {
	outer := k.segs[:len(k.segs)-1]
	last := k.segs[len(k.segs)-1]
	// A reduced segment over a kept one of 8 or more (a global average
	// pool over channels last): asm's SumPoolInt8 adds the rows of the
	// reduced segment column by column, and the odometer walks the
	// segments outside both.
	rows := 0
	if n := len(outer); n > 0 && outer[n-1].reduced && !last.reduced && last.size >= 8 {
		rows = outer[n-1].size
		outer = outer[:n-1]
	}
	var idx [maxMeanSegments]int
	p, o := 0, 0
	for {
		if rows > 0 {
			c := last.size
			k.impl.SumPoolInt8(sums[o:o+c], in[p:p+rows*c], asm.PoolWindows{N: 1, Depth: c, DstStep: c, Rows: rows, RowStride: c, Cols: 1})
			p += rows * c
		} else {
			k.sumRun(in[p:p+last.size], sums[o:], last.reduced)
			p += last.size
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

// sumRun adds one innermost run: into sums[0] if it is reduced, else
// element by element into sums.
func (k *meanKernel) sumRun(run []int8, sums []int32, reduced bool) {
	if reduced {
		var s int32
		for _, v := range run {
			s += int32(v)
		}
		sums[0] += s
		return
	}
	dst := sums[:len(run)]
	for j, v := range run {
		dst[j] += int32(v)
	}
}

// meanLayout validates MEAN's axes against its input and output (the
// output's element count is what the kernel needs: converters differ in
// how they write a full reduction's shape) and returns the merged
// segments, the output count and the group size. Shared by the int8 and
// int16 kernels.
func meanLayout(in, out *format.Tensor, axes []int32, keepDims bool, path string) ([]meanSegment, int, int64, error) {
	pp := path + " / params"
	var segs []meanSegment
	rank := len(in.Shape)
	reduced := make([]bool, rank)
	for i, a := range axes {
		if a < -int32(rank) || a >= int32(rank) {
			return nil, 0, 0, format.Malformed(pp+" / axes", "axis %d is %d, outside [%d, %d)", i, a, -rank, rank)
		}
		if a < 0 {
			a += int32(rank)
		}
		reduced[a] = true // duplicates are allowed and ignored, as in TFLite
	}
	kept, group := int64(1), int64(1)
	var keptShape []int32
	for d, size := range in.Shape {
		if size < 0 {
			return nil, 0, 0, format.Malformed(path+" / input 0", "negative dimension in shape %v", in.Shape)
		}
		if reduced[d] {
			group *= int64(size)
			if keepDims {
				keptShape = append(keptShape, 1)
			}
		} else {
			kept *= int64(size)
			keptShape = append(keptShape, size)
		}
	}
	// Only the element count matters to the kernel (the kept dimensions keep
	// their row-major order); converters differ in how they write the shape
	// of a full reduction, so the exact shape is not required.
	if out.NumElements() != kept {
		return nil, 0, 0, format.Malformed(path, "output shape %v has %d elements, reducing input %v over axes %v leaves %d (shape %v)",
			out.Shape, out.NumElements(), in.Shape, axes, kept, keptShape)
	}
	for d, size := range in.Shape {
		if size == 1 {
			continue
		}
		if n := len(segs); n > 0 && segs[n-1].reduced == reduced[d] {
			segs[n-1].size *= int(size)
			continue
		}
		segs = append(segs, meanSegment{size: int(size), reduced: reduced[d]})
	}
	if len(segs) == 0 {
		segs = []meanSegment{{size: 1}}
	}
	if len(segs) > maxMeanSegments {
		return nil, 0, 0, &format.UnsupportedOpError{Op: "MEAN", Index: -1,
			Reason: fmt.Sprintf("%s: input %v with axes %v needs %d alternating segments (at most %d)", path, in.Shape, axes, len(segs), maxMeanSegments)}
	}
	stride := 1
	for i := len(segs) - 1; i >= 0; i-- {
		if !segs[i].reduced {
			segs[i].outStride = stride
			stride *= segs[i].size
		}
	}
	return segs, int(kept), group, nil
}
