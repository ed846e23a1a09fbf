package ops

import (
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// addNKernel is int8 ADD_N: TFLite's reference AddN with ADD's arithmetic.
// Every input (all share one quantization) is offset, shifted left by
// LeftShift and rescaled by Input1Multiplier/Shift; the rescaled values are
// summed, starting, as TFLite's kernel does, from the rescaled input offset
// itself (so every output is shifted by the input zero point); the sum is
// rescaled by OutputMultiplier/Shift, offset and clamped. The rescaled
// value of each int8 input is a 256-entry table built at prepare.
type addNKernel struct {
	ins         []int32
	out         int32
	n           int
	start       int32
	table       [256]int32
	mult, shift int32
	off, lo, hi int32
}

// maxAddNInputs bounds the inputs so that the int32 sum of rescaled values
// (each below 2^28 for left shift ≤ 20) cannot overflow.
const maxAddNInputs = 7

func prepareAddN(m *format.Model, op *format.Op, path string) (Kernel, error) {
	p, err := wantParams[format.ArithParams](op, path)
	if err != nil {
		return nil, err
	}
	if err := wantCounts(op, path, 1, maxAddNInputs, 1); err != nil {
		return nil, err
	}
	out, err := operand(m, op.Outputs, 0, "output", path, format.DTypeInt8)
	if err != nil {
		return nil, err
	}
	for k := range op.Inputs {
		in, err := operand(m, op.Inputs, k, "input", path, format.DTypeInt8)
		if err != nil {
			return nil, err
		}
		if !sameShape(in.Shape, out.Shape) {
			return nil, format.Malformed(path, "input %d shape %v differs from the output shape %v", k, in.Shape, out.Shape)
		}
	}
	pp := path + " / params"
	if err := checkArithOffsets(p, pp); err != nil {
		return nil, err
	}
	if err := checkClamp(p.ActMin, p.ActMax, pp); err != nil {
		return nil, err
	}
	if p.LeftShift < 0 || p.LeftShift > 20 {
		return nil, format.Malformed(pp, "left shift %d outside [0, 20]", p.LeftShift)
	}
	for _, s := range [][2]int32{{p.Input1Multiplier, p.Input1Shift}, {p.OutputMultiplier, p.OutputShift}} {
		if s[0] < 0 || s[1] < -31 || s[1] > 0 {
			return nil, format.Malformed(pp, "multiplier %d shift %d: want multiplier >= 0 and shift in [-31, 0]", s[0], s[1])
		}
	}
	scale := func(v int32) int32 {
		return dyadic.MultiplyByQuantizedMultiplierSmallerThanOneExp(v<<uint(p.LeftShift), p.Input1Multiplier, p.Input1Shift)
	}
	k := &addNKernel{ins: append([]int32(nil), op.Inputs...), out: op.Outputs[0], n: int(out.NumElements()),
		start: scale(p.Input1Offset), mult: p.OutputMultiplier, shift: p.OutputShift,
		off: p.OutputOffset, lo: p.ActMin, hi: p.ActMax}
	for x := int32(-128); x <= 127; x++ {
		k.table[x+128] = scale(x + p.Input1Offset)
	}
	return k, nil
}

func (k *addNKernel) Eval(env *Env) {
	out := env.Tensors[k.out][:k.n]
	for i := range out {
		acc := k.start
		for _, t := range k.ins {
			acc += k.table[uint8(env.Tensors[t][i])^0x80]
		}
		v := dyadic.MultiplyByQuantizedMultiplierSmallerThanOneExp(acc, k.mult, k.shift) + k.off
		out[i] = int8(min(max(v, k.lo), k.hi))
	}
}
