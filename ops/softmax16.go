package ops

import (
	"math/bits"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// softmax16Kernel is TFLite's int16 → int16 SOFTMAX over the last dimension
// (reference_ops::SoftmaxInt16; output scale 2^-15, zero points 0). Per
// row, each difference to the row maximum is scaled so that [-65535, 0]
// covers [-10, 0] (MultiplyByQuantizedMultiplier by the params' input
// multiplier and shift, then recentred by 32767 and saturated to int16),
// and looked up in the exp table with interpolation (lookup16); the Q0.15
// values are summed, the sum normalised by its leading zeros and looked up
// in the 1/(1+x) table, and each exp value times that reciprocal, shifted
// back and clamped to [0, 32767], is the output.
type softmax16Kernel struct {
	in, out     int32
	rows, depth int
	mult, shift int32
}

func prepareSoftmax16(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 1, 1, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.SoftmaxParams](op, path)
	if err != nil {
		return nil, err
	}
	in, out, err := inOut16(m, op, path)
	if err != nil {
		return nil, err
	}
	if len(in.Shape) < 1 || !sameShape(in.Shape, out.Shape) {
		return nil, format.Malformed(path, "input shape %v, output shape %v: want equal shapes of rank >= 1", in.Shape, out.Shape)
	}
	if p.InputBetaMultiplier < 0 || p.InputBetaLeftShift < -31 || p.InputBetaLeftShift > 30 {
		return nil, format.Malformed(path+" / params", "input multiplier %d, shift %d out of range (want multiplier >= 0, shift in [-31, 30])", p.InputBetaMultiplier, p.InputBetaLeftShift)
	}
	k := &softmax16Kernel{in: op.Inputs[0], out: op.Outputs[0], mult: p.InputBetaMultiplier, shift: p.InputBetaLeftShift}
	k.depth = int(in.Shape[len(in.Shape)-1])
	if k.depth > 1<<16 {
		// The int32 sum of up to 2^16 values below 2^15 cannot overflow.
		return nil, format.Malformed(path+" / input 0", "rows of %d values: at most 65536", k.depth)
	}
	if k.depth > 0 {
		k.rows = int(in.NumElements()) / k.depth
	}
	return k, nil
}

// lookup16 is TFLite's generic_int16_table_lookup: entry 256 + (v >> 7)
// plus the slope to the next entry times the low 7 bits, rounded.
func lookup16(v int16, lut *[513]int16) int16 {
	i := 256 + int(v>>7)
	base := lut[i]
	slope := lut[i+1] - base // int16 arithmetic, as in the reference
	return base + int16((int32(slope)*int32(v&0x7F)+64)>>7)
}

func (k *softmax16Kernel) Eval(env *Env) {
	in, out := Int16s(env.Tensors[k.in]), Int16s(env.Tensors[k.out])
	depth := k.depth
	for r := 0; r < k.rows; r++ {
		row := in[r*depth : (r+1)*depth]
		dst := out[r*depth : (r+1)*depth]
		mx := int16(-32768)
		for _, v := range row {
			mx = max(mx, v)
		}
		// The exp values go to dst first, as in the reference.
		var sum int32
		for c, v := range row {
			d := dyadic.MultiplyByQuantizedMultiplier(int32(v)-int32(mx), k.mult, k.shift) + 32767
			e := lookup16(int16(min(max(d, -32768), 32767)), &softmaxExpLUT16)
			dst[c] = e
			sum += int32(e)
		}
		// sum >= 1 (the maximum's exp is 32767 or near): at least one
		// leading zero, at most 31.
		h := bits.LeadingZeros32(uint32(sum))
		shifted := int32((int64(sum)<<(h-1) + 1<<13) >> 14)
		x := shifted - (1<<15 + 1<<16)
		recip := int64(lookup16(int16(min(max(x, -32768), 32767)), &softmaxRecipLUT16))
		right := 31 - h
		round := int64(1) << (right - 1)
		for c, e := range dst {
			v := (int64(e)*recip + round) >> right
			dst[c] = int16(min(max(v, 0), 32767))
		}
	}
}
