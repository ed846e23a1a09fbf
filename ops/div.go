package ops

import (
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// divKernel is int8 DIV (TFLite's reference DivElementwise: the divisor's
// reciprocal by GetReciprocal, the dividend normalised by its headroom, a
// final MultiplyByQuantizedMultiplierSmallerThanOneExp). The result depends
// on the two int8 values alone, so prepare evaluates that integer
// computation on all 65536 pairs and Eval looks the pair up.
type divKernel struct {
	in1, in2, out int32
	bc            broadcastLayout
	table         []int8 // [(a+128)<<8 | (b+128)]
}

func prepareDiv(m *format.Model, op *format.Op, path string) (Kernel, error) {
	p, err := wantParams[format.ArithParams](op, path)
	if err != nil {
		return nil, err
	}
	bc, err := pairOperands(m, op, path, format.DTypeInt8, format.DTypeInt8)
	if err != nil {
		return nil, err
	}
	pp := path + " / params"
	if err := checkArithOffsets(p, pp); err != nil {
		return nil, err
	}
	if err := checkClamp(p.ActMin, p.ActMax, pp); err != nil {
		return nil, err
	}
	// QuantizeMultiplier's range; the final shift stays a right shift for
	// every non-zero dividend (headroom ≥ 23, reciprocal shift ≥ 0).
	if p.OutputMultiplier < 0 || p.OutputShift < -31 || p.OutputShift > 22 {
		return nil, format.Malformed(pp, "output multiplier %d shift %d: want multiplier >= 0 and shift in [-31, 22]", p.OutputMultiplier, p.OutputShift)
	}
	k := &divKernel{in1: op.Inputs[0], in2: op.Inputs[1], out: op.Outputs[0], bc: bc, table: make([]int8, 1<<16)}
	for a := -128; a <= 127; a++ {
		for b := -128; b <= 127; b++ {
			k.table[(a+128)<<8|(b+128)] = divRef(int32(a)+p.Input1Offset, int32(b)+p.Input2Offset, p)
		}
	}
	return k, nil
}

// checkArithOffsets checks int8 input offsets (negated zero points) and an
// int8 output zero point.
func checkArithOffsets(p *format.ArithParams, pp string) error {
	if p.Input1Offset < -127 || p.Input1Offset > 128 || p.Input2Offset < -127 || p.Input2Offset > 128 || p.OutputOffset < -128 || p.OutputOffset > 127 {
		return format.Malformed(pp, "offsets %d, %d, %d outside the int8 zero point ranges", p.Input1Offset, p.Input2Offset, p.OutputOffset)
	}
	return nil
}

// divRef divides the offset values v1 / v2 as TFLite's DivElementwise does.
// A zero divisor (a TFLite debug check; undefined in release builds) gives
// the output clamp bound of the dividend's sign, or the zero point for 0/0.
func divRef(v1, v2 int32, p *format.ArithParams) int8 {
	clamp := func(v int32) int8 { return int8(min(max(v, p.ActMin), p.ActMax)) }
	if v2 == 0 {
		switch {
		case v1 > 0:
			return clamp(p.ActMax)
		case v1 < 0:
			return clamp(p.ActMin)
		}
		return clamp(p.OutputOffset)
	}
	if v2 < 0 {
		v1, v2 = -v1, -v2
	}
	inv, recipShift := dyadic.GetReciprocal(v2, 31)
	headroom := countLeadingSignBits(v1)
	q := dyadic.MultiplyByQuantizedMultiplierGreaterThanOne(v1, inv, int32(headroom))
	total := p.OutputShift - int32(recipShift) - int32(headroom)
	if v1 == 0 {
		return clamp(p.OutputOffset)
	}
	return clamp(p.OutputOffset + dyadic.MultiplyByQuantizedMultiplierSmallerThanOneExp(q, p.OutputMultiplier, total))
}

// countLeadingSignBits is TFLite's CountLeadingSignBits for int32.
func countLeadingSignBits(x int32) int {
	switch {
	case x >= 0:
		return dyadic.CountLeadingZeros(uint32(x)) - 1
	case x != -1<<31:
		return dyadic.CountLeadingZeros(2*uint32(-x) - 1)
	}
	return 0
}

func (k *divKernel) Eval(env *Env) {
	a, b, out := env.Tensors[k.in1], env.Tensors[k.in2], env.Tensors[k.out]
	inner := k.bc.dims[k.bc.rank-1]
	m1, m2 := -k.bc.str1[k.bc.rank-1], -k.bc.str2[k.bc.rank-1]
	t := k.table[:1<<16]
	k.bc.eachRow(func(o, p1, p2 int) {
		row := out[o : o+inner]
		x, y := a[p1:], b[p2:]
		for i := range row {
			row[i] = t[int(uint8(x[i&m1])^0x80)<<8|int(uint8(y[i&m2])^0x80)]
		}
	})
}

// preluKernel is int8 PRELU with a broadcast alpha (input 1): TFLite's
// BroadcastPrelu4DSlow. Non-negative offset inputs are rescaled by
// Input1Multiplier/Shift, negative ones are multiplied by the offset alpha
// and rescaled by Input2Multiplier/Shift (format.ArithParams), both with
// MultiplyByQuantizedMultiplier; then the output offset and the int8 clamp.
// The result depends on the input and alpha values alone: prepare
// tabulates all 65536 pairs.
type preluKernel struct {
	divKernel
}

// prelu16Kernel is PRELU with int16 input and output and an int8 alpha
// (TFLite's BroadcastPrelu4DSlow<int16_t, int8_t>): the same arithmetic as
// preluKernel per element (zero points are 0 for int16), clamped to int16.
type prelu16Kernel struct {
	in1, in2, out int32
	bc            broadcastLayout
	p             format.ArithParams
}

func (k *prelu16Kernel) Eval(env *Env) {
	a, b, out := env.Tensors[k.in1], env.Tensors[k.in2], env.Tensors[k.out]
	inner := k.bc.dims[k.bc.rank-1]
	m1, m2 := -k.bc.str1[k.bc.rank-1], -k.bc.str2[k.bc.rank-1]
	p := &k.p
	k.bc.eachRow(func(o, p1, p2 int) {
		for i := range inner {
			x := int32(getInt16(a, p1+i&m1))
			var v int32
			if x >= 0 {
				v = dyadic.MultiplyByQuantizedMultiplier(x, p.Input1Multiplier, p.Input1Shift)
			} else {
				v = dyadic.MultiplyByQuantizedMultiplier(x*(int32(b[p2+i&m2])+p.Input2Offset), p.Input2Multiplier, p.Input2Shift)
			}
			putInt16(out, o+i, int16(min(max(v, p.ActMin), p.ActMax)))
		}
	})
}

// preparePRelu16 is preparePRelu for an int16 input and output.
func preparePRelu16(m *format.Model, op *format.Op, path string, p *format.ArithParams) (Kernel, error) {
	in, err := operand(m, op.Inputs, 0, "input", path, format.DTypeInt16)
	if err != nil {
		return nil, err
	}
	alpha, err := operand(m, op.Inputs, 1, "input", path, format.DTypeInt8)
	if err != nil {
		return nil, err
	}
	out, err := operand(m, op.Outputs, 0, "output", path, format.DTypeInt16)
	if err != nil {
		return nil, err
	}
	bc, err := newBroadcastLayout(in.Shape, alpha.Shape, out.Shape, path)
	if err != nil {
		return nil, err
	}
	pp := path + " / params"
	if p.Input1Offset != 0 || p.OutputOffset != 0 || p.Input2Offset < -127 || p.Input2Offset > 128 {
		return nil, format.Malformed(pp, "offsets %d, %d, %d: want 0 for int16 and an int8 alpha zero point", p.Input1Offset, p.Input2Offset, p.OutputOffset)
	}
	if p.ActMin < -32768 || p.ActMax > 32767 || p.ActMin > p.ActMax {
		return nil, format.Malformed(pp, "activation range [%d, %d] not within int16", p.ActMin, p.ActMax)
	}
	// x·(1 << shift) must not wrap: |x| < 2^15, |x·alpha| < 2^23.
	if p.Input1Multiplier < 0 || p.Input1Shift < -31 || p.Input1Shift > 15 || p.Input2Multiplier < 0 || p.Input2Shift < -31 || p.Input2Shift > 7 {
		return nil, format.Malformed(pp, "multipliers %d, %d shifts %d, %d out of range for int16", p.Input1Multiplier, p.Input2Multiplier, p.Input1Shift, p.Input2Shift)
	}
	return &prelu16Kernel{in1: op.Inputs[0], in2: op.Inputs[1], out: op.Outputs[0], bc: bc, p: *p}, nil
}

func preparePRelu(m *format.Model, op *format.Op, path string) (Kernel, error) {
	p, err := wantParams[format.ArithParams](op, path)
	if err != nil {
		return nil, err
	}
	if err := wantCounts(op, path, 2, 2, 1); err != nil {
		return nil, err
	}
	if op.Inputs[0] >= 0 && int(op.Inputs[0]) < len(m.Tensors) && m.Tensors[op.Inputs[0]].DType == format.DTypeInt16 {
		return preparePRelu16(m, op, path, p)
	}
	bc, err := pairOperands(m, op, path, format.DTypeInt8, format.DTypeInt8)
	if err != nil {
		return nil, err
	}
	pp := path + " / params"
	if err := checkArithOffsets(p, pp); err != nil {
		return nil, err
	}
	if err := checkClamp(p.ActMin, p.ActMax, pp); err != nil {
		return nil, err
	}
	for _, s := range [][2]int32{{p.Input1Multiplier, p.Input1Shift}, {p.Input2Multiplier, p.Input2Shift}} {
		// Left shifts stay below 2^30 / 2^16 (the largest offset
		// product) apart: TFLite's x · (1 << shift) must not wrap.
		if s[0] < 0 || s[1] < -31 || s[1] > 14 {
			return nil, format.Malformed(pp, "multiplier %d shift %d: want multiplier >= 0 and shift in [-31, 14]", s[0], s[1])
		}
	}
	k := &preluKernel{divKernel{in1: op.Inputs[0], in2: op.Inputs[1], out: op.Outputs[0], bc: bc, table: make([]int8, 1<<16)}}
	for a := -128; a <= 127; a++ {
		for b := -128; b <= 127; b++ {
			x := int32(a) + p.Input1Offset
			var v int32
			if x >= 0 {
				v = dyadic.MultiplyByQuantizedMultiplier(x, p.Input1Multiplier, p.Input1Shift)
			} else {
				v = dyadic.MultiplyByQuantizedMultiplier(x*(int32(b)+p.Input2Offset), p.Input2Multiplier, p.Input2Shift)
			}
			k.table[(a+128)<<8|(b+128)] = int8(min(max(v+p.OutputOffset, p.ActMin), p.ActMax))
		}
	}
	return k, nil
}
