package ops

import (
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// ABS on int8 or int16 tensors: TFLite Micro's AbsEvalQuantized (or, for
// unquantized int16, std::abs). format.ArithParams carries it:
//
//	out = clamp(MultiplyByQuantizedMultiplier(|x + Input1Offset|,
//	            OutputMultiplier, OutputShift) + OutputOffset, ActMin, ActMax)
//
// stored with the output type's wrap-around. Equal input and output scales
// (TFLite skips the rescale) are the identity multiplier (2^30, 1), exact
// for every |x| < 2^16. ActMax 32768 on int16 is unquantized ABS, whose
// int16 cast turns |-32768| back into -32768. int8 ABS is a 256-entry
// table built here from the params; int16 computes per element.

// absIdentityMultiplier and absIdentityShift make MultiplyByQuantizedMultiplier
// the identity on |x| < 2^16.
const (
	absIdentityMultiplier = 1 << 30
	absIdentityShift      = 1
)

type absKernel struct {
	in, out int32
	n       int
	wide    bool
	table   [256]int8 // int8
	p       format.ArithParams
}

func prepareAbs(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 1, 1, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.ArithParams](op, path)
	if err != nil {
		return nil, err
	}
	dt := format.DTypeInt8
	if op.Inputs[0] >= 0 && int(op.Inputs[0]) < len(m.Tensors) && m.Tensors[op.Inputs[0]].DType == format.DTypeInt16 {
		dt = format.DTypeInt16
	}
	in, err := operand(m, op.Inputs, 0, "input", path, dt)
	if err != nil {
		return nil, err
	}
	out, err := operand(m, op.Outputs, 0, "output", path, dt)
	if err != nil {
		return nil, err
	}
	if in.NumElements() != out.NumElements() {
		return nil, format.Malformed(path, "input has %d elements, output %d", in.NumElements(), out.NumElements())
	}
	pp := path + " / params"
	if p.OutputMultiplier < 0 || p.OutputShift < -31 || p.OutputShift > 14 {
		return nil, format.Malformed(pp, "output multiplier %d shift %d: want multiplier >= 0 and shift in [-31, 14]", p.OutputMultiplier, p.OutputShift)
	}
	k := &absKernel{in: op.Inputs[0], out: op.Outputs[0], n: int(in.NumElements()), wide: dt == format.DTypeInt16, p: *p}
	if k.wide {
		if p.Input1Offset != 0 || p.OutputOffset != 0 || p.ActMin < -32768 || p.ActMax > 32768 || p.ActMin > p.ActMax {
			return nil, format.Malformed(pp, "int16 offsets %d, %d (want 0) or range [%d, %d] outside [-32768, 32768]", p.Input1Offset, p.OutputOffset, p.ActMin, p.ActMax)
		}
		return k, nil
	}
	if err := checkArithOffsets(p, pp); err != nil {
		return nil, err
	}
	if err := checkClamp(p.ActMin, p.ActMax, pp); err != nil {
		return nil, err
	}
	for x := int32(-128); x <= 127; x++ {
		k.table[x+128] = int8(absValue(x, p))
	}
	return k, nil
}

// absValue is ABS of one stored value x, before the cast to the type.
func absValue(x int32, p *format.ArithParams) int32 {
	v := x + p.Input1Offset
	if v < 0 {
		v = -v
	}
	v = dyadic.MultiplyByQuantizedMultiplier(v, p.OutputMultiplier, p.OutputShift) + p.OutputOffset
	return min(max(v, p.ActMin), p.ActMax)
}

func (k *absKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	if k.wide {
		for i := 0; i < k.n; i++ {
			putInt16(out, i, int16(absValue(int32(getInt16(in, i)), &k.p)))
		}
		return
	}
	out = out[:k.n]
	for i, x := range in[:k.n] {
		out[i] = k.table[uint8(x)^0x80]
	}
}
