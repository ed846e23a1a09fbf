package ops

import (
	"fmt"
	"math"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// mean16Kernel is MEAN on int16 tensors (format.Mean16Params): TFLite's
// QuantizedMeanOrSum, an int32 sum per reduced group (at most 65535
// values, so that it cannot overflow) requantized by one multiplier with
// 1/n folded in, clamped to int16. The input is walked as meanKernel
// walks it (meanLayout's segments).
type mean16Kernel struct {
	in, out     int32
	segs        []meanSegment
	nOut        int
	offset      int32 // input zero point · n
	mult, shift int32
	outZP       int32
}

// maxMean16Group bounds an int16 group: 65535 · 32768 < 2^31.
const maxMean16Group = 1<<16 - 1

func prepareMean16(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 1, 1, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.Mean16Params](op, path)
	if err != nil {
		return nil, err
	}
	in, out, err := inOut16(m, op, path)
	if err != nil {
		return nil, err
	}
	segs, nOut, group, err := meanLayout(in, out, p.Axes, p.KeepDims, path)
	if err != nil {
		return nil, err
	}
	if group > maxMean16Group {
		return nil, &format.UnsupportedOpError{Op: "MEAN", Index: -1,
			Reason: fmt.Sprintf("%s: %d int16 elements per mean overflow the int32 sum (at most %d)", path, group, maxMean16Group)}
	}
	pp := path + " / params"
	if p.Multiplier < 0 || p.Shift < -31 || p.Shift > 30 {
		return nil, format.Malformed(pp, "multiplier %d, shift %d out of range (want multiplier >= 0, shift in [-31, 30])", p.Multiplier, p.Shift)
	}
	for _, z := range []int32{p.InputZeroPoint, p.OutputZeroPoint} {
		if z < math.MinInt16 || z > math.MaxInt16 {
			return nil, format.Malformed(pp, "zero point %d outside int16", z)
		}
	}
	return &mean16Kernel{in: op.Inputs[0], out: op.Outputs[0], segs: segs, nOut: nOut,
		offset: p.InputZeroPoint * int32(group), mult: p.Multiplier, shift: p.Shift, outZP: p.OutputZeroPoint}, nil
}

// ScratchBytes: one int32 sum per output (plus alignment room), in int64
// and saturated for 32-bit targets.
func (k *mean16Kernel) ScratchBytes() int { return int(min(4*int64(k.nOut)+3, math.MaxInt)) }

func (k *mean16Kernel) Eval(env *Env) {
	in, out := Int16s(env.Tensors[k.in]), Int16s(env.Tensors[k.out])
	sums := int32Scratch(env.Scratch, k.nOut)
	clear(sums)
	if len(in) > 0 {
		outer, last := k.segs[:len(k.segs)-1], k.segs[len(k.segs)-1]
		var idx [maxMeanSegments]int
		p, o := 0, 0
		for {
			run := in[p : p+last.size]
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
			p += last.size
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
				break
			}
		}
	}
	for i, s := range sums {
		v := dyadic.MultiplyByQuantizedMultiplier(s-k.offset, k.mult, k.shift) + k.outZP
		out[i] = int16(min(max(v, math.MinInt16), math.MaxInt16))
	}
}
