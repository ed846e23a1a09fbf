package ops

import (
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// SUM (format.ReduceParams). int8: MEAN's kernel on the params' 255
// thresholds (SUM's requantization folded in by the converter). int16:
// sumKernel, TFLite's int32 group sums (wrapping) rescaled by
// Multiplier/Shift and clamped to int16, zero points 0.
type sumKernel struct {
	in, out     int32
	rank        int
	dims        [maxLayoutRank]int
	outStr      [maxLayoutRank]int
	nIn, nOut   int
	mult, shift int32
}

func prepareSum(m *format.Model, op *format.Op, path string) (Kernel, error) {
	p, err := wantParams[format.ReduceParams](op, path)
	if err != nil {
		return nil, err
	}
	if err := wantCounts(op, path, 1, 1, 1); err != nil {
		return nil, err
	}
	if op.Inputs[0] < 0 || int(op.Inputs[0]) >= len(m.Tensors) || m.Tensors[op.Inputs[0]].DType != format.DTypeInt16 {
		// int8: MEAN's kernel on the thresholds.
		mop := *op
		mop.Params = &format.MeanParams{Axes: p.Axes, KeepDims: p.KeepDims, Thresholds: p.Thresholds}
		return prepareMean(m, &mop, path)
	}
	in, err := operand(m, op.Inputs, 0, "input", path, format.DTypeInt16)
	if err != nil {
		return nil, err
	}
	out, err := operand(m, op.Outputs, 0, "output", path, format.DTypeInt16)
	if err != nil {
		return nil, err
	}
	pp := path + " / params"
	// A left shift wraps the int32 sum as TFLite's x · (1 << shift) does.
	if len(p.Thresholds) != 0 || p.Multiplier < 0 || p.Shift < -31 || p.Shift > 30 {
		return nil, format.Malformed(pp, "int16 SUM: %d thresholds (want none), multiplier %d shift %d (want >= 0 and [-31, 30])", len(p.Thresholds), p.Multiplier, p.Shift)
	}
	rank := len(in.Shape)
	if rank > maxLayoutRank {
		return nil, &format.UnsupportedOpError{Op: op.Code.String(), Index: -1, Reason: path + ": input rank above 8"}
	}
	reduced := make([]bool, rank)
	for i, a := range p.Axes {
		if a < 0 || int(a) >= rank {
			return nil, format.Malformed(pp+" / axes", "axis %d is %d, outside [0, %d)", i, a, rank)
		}
		reduced[a] = true
	}
	k := &sumKernel{in: op.Inputs[0], out: op.Outputs[0], rank: rank, nIn: int(in.NumElements()), nOut: int(out.NumElements()),
		mult: p.Multiplier, shift: p.Shift}
	acc := 1
	for d := rank - 1; d >= 0; d-- {
		k.dims[d] = int(in.Shape[d])
		if !reduced[d] {
			k.outStr[d] = acc
			acc *= int(in.Shape[d])
		}
	}
	if int64(acc) != out.NumElements() {
		return nil, format.Malformed(path, "output shape %v has %d elements, reducing %v over %v keeps %d", out.Shape, out.NumElements(), in.Shape, p.Axes, acc)
	}
	return k, nil
}

// ScratchBytes: one int32 sum per output, aligned.
func (k *sumKernel) ScratchBytes() int { return 3 + 4*k.nOut }

func (k *sumKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	sums := int32Scratch(env.Scratch, k.nOut)
	for i := range sums {
		sums[i] = 0
	}
	var idx [maxLayoutRank]int
	o := 0
	for i := 0; i < k.nIn; i++ {
		sums[o] += int32(getInt16(in, i))
		for d := k.rank - 1; d >= 0; d-- {
			idx[d]++
			o += k.outStr[d]
			if idx[d] < k.dims[d] {
				break
			}
			idx[d] = 0
			o -= k.outStr[d] * k.dims[d]
		}
	}
	for i, s := range sums {
		v := dyadic.MultiplyByQuantizedMultiplier(s, k.mult, k.shift)
		putInt16(out, i, int16(min(max(v, -32768), 32767)))
	}
}
