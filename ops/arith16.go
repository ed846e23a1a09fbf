package ops

import (
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// arith16Kernel is ADD, SUB and MUL on int16 tensors (zero point 0) with
// NumPy-style broadcasting, bit-exact with TFLite Micro's int16 paths: ADD
// and SUB take the general rescaling path (AddElementwise /
// SubElementwise with pot_scale false: each input offset, shifted left by
// LeftShift, 15 for int16, and rescaled with
// MultiplyByQuantizedMultiplierSmallerThanOneExp; the sum or difference
// rescaled to the output), MUL is MulElementwise (the offset product
// through MultiplyByQuantizedMultiplier). Plain Go, through dyadic.
type arith16Kernel struct {
	in1, in2, out int32
	sub, mul      bool
	p             format.ArithParams
	bc            broadcastLayout
}

// prepareArith16 is the int16 half of prepareArith.
func prepareArith16(m *format.Model, op *format.Op, path string, sub, mul bool) (Kernel, error) {
	if err := wantCounts(op, path, 2, 2, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.ArithParams](op, path)
	if err != nil {
		return nil, err
	}
	in1, err := operand(m, op.Inputs, 0, "input", path, format.DTypeInt16)
	if err != nil {
		return nil, err
	}
	in2, err := operand(m, op.Inputs, 1, "input", path, format.DTypeInt16)
	if err != nil {
		return nil, err
	}
	out, err := operand(m, op.Outputs, 0, "output", path, format.DTypeInt16)
	if err != nil {
		return nil, err
	}
	pp := path + " / params"
	if p.Input1Offset != 0 || p.Input2Offset != 0 || p.OutputOffset != 0 {
		return nil, format.Malformed(pp, "offsets %d, %d, %d: int16 tensors have zero point 0", p.Input1Offset, p.Input2Offset, p.OutputOffset)
	}
	if err := checkClamp16(p.ActMin, p.ActMax, pp); err != nil {
		return nil, err
	}
	if p.OutputMultiplier < 0 {
		return nil, format.Malformed(pp, "output multiplier %d is negative", p.OutputMultiplier)
	}
	if mul {
		// The product of two int16 fits int32; a left shift of it wraps as
		// TFLite's does.
		if p.OutputShift < -31 || p.OutputShift > 30 {
			return nil, format.Malformed(pp, "output shift %d outside [-31, 30]", p.OutputShift)
		}
	} else {
		// (x << 16) of an int16 would overflow int32: at most 15.
		if p.LeftShift < 0 || p.LeftShift > 15 {
			return nil, format.Malformed(pp, "left shift %d outside [0, 15] (int16 inputs)", p.LeftShift)
		}
		for _, s := range []struct {
			name  string
			m, sh int32
		}{
			{"input 1", p.Input1Multiplier, p.Input1Shift},
			{"input 2", p.Input2Multiplier, p.Input2Shift},
			{"output", p.OutputMultiplier, p.OutputShift},
		} {
			if s.m < 0 || s.sh < -31 || s.sh > 0 {
				return nil, format.Malformed(pp, "%s multiplier %d shift %d: want multiplier >= 0 and shift in [-31, 0]", s.name, s.m, s.sh)
			}
		}
	}
	k := &arith16Kernel{in1: op.Inputs[0], in2: op.Inputs[1], out: op.Outputs[0], sub: sub, mul: mul, p: *p}
	if k.bc, err = newBroadcastLayout(in1.Shape, in2.Shape, out.Shape, path); err != nil {
		return nil, err
	}
	return k, nil
}

// smallerThanOne is MultiplyByQuantizedMultiplierSmallerThanOneExp (shift
// <= 0).
func smallerThanOne(x, m, shift int32) int32 {
	return dyadic.RoundingDivideByPOT(dyadic.SaturatingRoundingDoublingHighMul(x, m), -shift)
}

// value computes one output from inputs a and b.
func (k *arith16Kernel) value(a, b int16) int16 {
	p := &k.p
	var v int32
	if k.mul {
		v = dyadic.MultiplyByQuantizedMultiplier(int32(a)*int32(b), p.OutputMultiplier, p.OutputShift)
	} else {
		x1 := smallerThanOne(int32(a)<<p.LeftShift, p.Input1Multiplier, p.Input1Shift)
		x2 := smallerThanOne(int32(b)<<p.LeftShift, p.Input2Multiplier, p.Input2Shift)
		if k.sub {
			x2 = -x2
		}
		v = smallerThanOne(x1+x2, p.OutputMultiplier, p.OutputShift)
	}
	return int16(min(max(v, p.ActMin), p.ActMax))
}

func (k *arith16Kernel) Eval(env *Env) {
	a, b, out := Int16s(env.Tensors[k.in1]), Int16s(env.Tensors[k.in2]), Int16s(env.Tensors[k.out])
	bl := &k.bc
	if bl.n == 0 {
		return
	}
	last := bl.rank - 1
	inner, s1, s2 := bl.dims[last], bl.str1[last], bl.str2[last]
	var idx [maxLayoutRank]int
	p1, p2 := 0, 0
	for o := 0; o < bl.n; o += inner {
		row := out[o : o+inner]
		for i := range row {
			row[i] = k.value(a[p1+i*s1], b[p2+i*s2])
		}
		for d := last - 1; d >= 0; d-- {
			idx[d]++
			p1 += bl.str1[d]
			p2 += bl.str2[d]
			if idx[d] < bl.dims[d] {
				break
			}
			idx[d] = 0
			p1 -= bl.str1[d] * bl.dims[d]
			p2 -= bl.str2[d] * bl.dims[d]
		}
	}
}
