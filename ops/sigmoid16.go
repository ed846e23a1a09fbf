package ops

import (
	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// sigmoid16Kernel is LOGISTIC and TANH on int16 tensors, bit-exact with
// TFLite's int16 reference Logistic / Tanh: the input is rescaled to steps
// of 1/(3·4096) (x' = (x·mult + round) >> shift), and |x'| indexes
// asm.SigmoidTable16 (sigmoid of multiples of 1/24 in 0.16 fixed point) with
// linear interpolation on the remaining bits: 9 for LOGISTIC, 8 for TANH
// (tanh(x) = 2·sigmoid(2x) - 1); negative inputs use the functions'
// symmetry, and the result is rounded to Q0.15.
type sigmoid16Kernel struct {
	in, out     int32
	n           int
	mult, shift int32
	round       int32
	tanh        bool
}

func prepareSigmoid16(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 1, 1, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.Sigmoid16Params](op, path)
	if err != nil {
		return nil, err
	}
	in, out, err := inOut16(m, op, path)
	if err != nil {
		return nil, err
	}
	if in.NumElements() != out.NumElements() {
		return nil, format.Malformed(path, "input has %d elements, output %d", in.NumElements(), out.NumElements())
	}
	// x·mult + round must stay inside int32 for every int16 x.
	if p.InputMultiplier < 0 || p.InputMultiplier > 32767 || p.InputLeftShift < 0 || p.InputLeftShift > 31 {
		return nil, format.Malformed(path+" / params", "input multiplier %d, left shift %d: want [0, 32767] and [0, 31]", p.InputMultiplier, p.InputLeftShift)
	}
	k := &sigmoid16Kernel{in: op.Inputs[0], out: op.Outputs[0], n: int(in.NumElements()),
		mult: p.InputMultiplier, shift: p.InputLeftShift, tanh: op.Code == format.OpTanh}
	if k.shift > 0 {
		k.round = 1 << (k.shift - 1)
	}
	return k, nil
}

func (k *sigmoid16Kernel) Eval(env *Env) {
	in, out := Int16s(env.Tensors[k.in])[:k.n], Int16s(env.Tensors[k.out])[:k.n]
	for i, v := range in {
		x := (int32(v)*k.mult + k.round) >> k.shift
		ax := uint32(x)
		if x < 0 {
			ax = uint32(-x)
		}
		if k.tanh {
			out[i] = asm.Tanh16(x, ax)
		} else {
			out[i] = asm.Logistic16(x, ax)
		}
	}
}
