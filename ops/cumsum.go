package ops

import (
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// cumSumKernel is int8 CUMSUM (format.CumSumParams): TFLite's reference
// quantized CumSum. The rescaled value of each int8 input is a 256-entry
// table; the running int32 sum starts at the rescaled input offset, as
// TFLite's does, and wraps as TFLite's int32 arithmetic does.
type cumSumKernel struct {
	in, out             int32
	outer, depth, inner int // dimensions before, along and after the axis
	exclusive, reverse  bool
	start               int32
	table               [256]int32
	mult, shift         int32
	off, lo, hi         int32
}

func prepareCumSum(m *format.Model, op *format.Op, path string) (Kernel, error) {
	p, in, out, err := paramsInOut[format.CumSumParams](m, op, path, 1, 1, 1)
	if err != nil {
		return nil, err
	}
	pp := path + " / params"
	if !sameShape(in.Shape, out.Shape) {
		return nil, format.Malformed(path, "input shape %v, output shape %v differ", in.Shape, out.Shape)
	}
	if p.Axis < 0 || int(p.Axis) >= len(in.Shape) {
		return nil, format.Malformed(pp+" / axis", "%d outside [0, %d)", p.Axis, len(in.Shape))
	}
	if p.InputOffset < -127 || p.InputOffset > 128 || p.OutputOffset < -128 || p.OutputOffset > 127 {
		return nil, format.Malformed(pp, "offsets %d, %d outside the int8 zero point ranges", p.InputOffset, p.OutputOffset)
	}
	if err := checkClamp(p.ActMin, p.ActMax, pp); err != nil {
		return nil, err
	}
	if p.LeftShift < 0 || p.LeftShift > 22 {
		return nil, format.Malformed(pp, "left shift %d outside [0, 22]", p.LeftShift)
	}
	for _, s := range [][2]int32{{p.InputMultiplier, p.InputShift}, {p.OutputMultiplier, p.OutputShift}} {
		if s[0] < 0 || s[1] < -31 || s[1] > 0 {
			return nil, format.Malformed(pp, "multiplier %d shift %d: want multiplier >= 0 and shift in [-31, 0]", s[0], s[1])
		}
	}
	scale := func(v int32) int32 {
		return dyadic.MultiplyByQuantizedMultiplierSmallerThanOneExp(v<<uint(p.LeftShift), p.InputMultiplier, p.InputShift)
	}
	k := &cumSumKernel{in: op.Inputs[0], out: op.Outputs[0], outer: 1, depth: int(in.Shape[p.Axis]), inner: 1,
		exclusive: p.Exclusive, reverse: p.Reverse, start: scale(p.InputOffset),
		mult: p.OutputMultiplier, shift: p.OutputShift, off: p.OutputOffset, lo: p.ActMin, hi: p.ActMax}
	for d, s := range in.Shape {
		switch {
		case d < int(p.Axis):
			k.outer *= int(s)
		case d > int(p.Axis):
			k.inner *= int(s)
		}
	}
	for x := int32(-128); x <= 127; x++ {
		k.table[x+128] = scale(x + p.InputOffset)
	}
	return k, nil
}

func (k *cumSumKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	for o := 0; o < k.outer; o++ {
		for j := 0; j < k.inner; j++ {
			acc := k.start
			for d := 0; d < k.depth; d++ {
				dd := d
				if k.reverse {
					dd = k.depth - 1 - d
				}
				i := (o*k.depth+dd)*k.inner + j
				y := k.table[uint8(in[i])^0x80]
				s := acc + y
				if k.exclusive {
					s = acc
				}
				acc += y
				v := dyadic.MultiplyByQuantizedMultiplierSmallerThanOneExp(s, k.mult, k.shift) + k.off
				out[i] = int8(min(max(v, k.lo), k.hi))
			}
		}
	}
}
