package ops

import "github.com/edgerun/edgerun/format"

// argKernel is ARG_MAX / ARG_MIN over one axis of an int8 tensor, raw
// stored values (the quantization is monotone), the first index on ties as
// in TFLite's ArgMinMax; the output is int32 or int64.
type argKernel struct {
	in, out            int32
	outer, axis, inner int
	isMax, wide        bool // wide: int64 output
}

func prepareArgMax(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return prepareArg(m, op, path, true)
}

func prepareArgMin(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return prepareArg(m, op, path, false)
}

func prepareArg(m *format.Model, op *format.Op, path string, isMax bool) (Kernel, error) {
	if err := wantCounts(op, path, 1, 1, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.ReduceParams](op, path)
	if err != nil {
		return nil, err
	}
	in, err := operand(m, op.Inputs, 0, "input", path, format.DTypeInt8)
	if err != nil {
		return nil, err
	}
	dt := format.DTypeInt32
	if op.Outputs[0] >= 0 && int(op.Outputs[0]) < len(m.Tensors) && m.Tensors[op.Outputs[0]].DType == format.DTypeInt64 {
		dt = format.DTypeInt64
	}
	out, err := operand(m, op.Outputs, 0, "output", path, dt)
	if err != nil {
		return nil, err
	}
	pp := path + " / params / axes"
	if len(p.Axes) != 1 || p.KeepDims {
		return nil, format.Malformed(pp, "%v (keep_dims %v), want exactly one axis and no keep_dims", p.Axes, p.KeepDims)
	}
	a := int(p.Axes[0])
	if a < 0 || a >= len(in.Shape) {
		return nil, format.Malformed(pp, "axis %d outside [0, %d)", a, len(in.Shape))
	}
	k := &argKernel{in: op.Inputs[0], out: op.Outputs[0], outer: 1, axis: int(in.Shape[a]), inner: 1, isMax: isMax, wide: dt == format.DTypeInt64}
	for d, s := range in.Shape {
		switch {
		case d < a:
			k.outer *= int(s)
		case d > a:
			k.inner *= int(s)
		}
	}
	// Only the element count matters (TFLite writes outer·inner results in
	// row-major order whatever the output's declared shape).
	if int64(k.outer)*int64(k.inner) != out.NumElements() {
		return nil, format.Malformed(path, "output shape %v has %d elements, input %v without axis %d has %d", out.Shape, out.NumElements(), in.Shape, a, k.outer*k.inner)
	}
	if k.axis == 0 && k.outer*k.inner != 0 {
		return nil, format.Malformed(path, "reduces an empty axis %d of %v", a, in.Shape)
	}
	return k, nil
}

func (k *argKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	for o := 0; o < k.outer; o++ {
		base := o * k.axis * k.inner
		for j := 0; j < k.inner; j++ {
			best, at := in[base+j], 0
			for a := 1; a < k.axis; a++ {
				v := in[base+a*k.inner+j]
				if (k.isMax && v > best) || (!k.isMax && v < best) {
					best, at = v, a
				}
			}
			i := o*k.inner + j
			if k.wide {
				putInt32(out, 2*i, int32(at))
				putInt32(out, 2*i+1, 0)
			} else {
				putInt32(out, i, int32(at))
			}
		}
	}
}

// reduceMinMaxKernel is int8 REDUCE_MAX / REDUCE_MIN over any axes, raw
// stored values (TFLite Micro requires equal input and output
// quantization); an output with an empty group keeps the identity (-128
// for max, 127 for min), as TFLite's ReduceGeneric initialises it.
type reduceMinMaxKernel struct {
	in, out   int32
	isMax     bool
	rank      int
	dims      [maxLayoutRank]int
	outStr    [maxLayoutRank]int
	nIn, nOut int
}

func prepareReduceMax(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return prepareReduceMinMax(m, op, path, true)
}

func prepareReduceMin(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return prepareReduceMinMax(m, op, path, false)
}

func prepareReduceMinMax(m *format.Model, op *format.Op, path string, isMax bool) (Kernel, error) {
	p, in, out, err := paramsInOut[format.ReduceParams](m, op, path, 1, 1, 1)
	if err != nil {
		return nil, err
	}
	rank := len(in.Shape)
	if rank > maxLayoutRank {
		return nil, &format.UnsupportedOpError{Op: op.Code.String(), Index: -1, Reason: path + ": input rank above 8"}
	}
	reduced := make([]bool, rank)
	for i, a := range p.Axes {
		if a < 0 || int(a) >= rank {
			return nil, format.Malformed(path+" / params / axes", "axis %d is %d, outside [0, %d)", i, a, rank)
		}
		reduced[a] = true
	}
	k := &reduceMinMaxKernel{in: op.Inputs[0], out: op.Outputs[0], isMax: isMax, rank: rank,
		nIn: int(in.NumElements()), nOut: int(out.NumElements())}
	acc := 1
	for d := rank - 1; d >= 0; d-- {
		k.dims[d] = int(in.Shape[d])
		if !reduced[d] {
			k.outStr[d] = acc
			acc *= int(in.Shape[d])
		}
	}
	// The output holds the kept elements in row-major order; like TFLite
	// (and MEAN), only its element count must match: keep_dims or not,
	// [2, 1] and [2] are the same memory.
	if int64(acc) != out.NumElements() {
		return nil, format.Malformed(path, "output shape %v has %d elements, reducing %v over %v keeps %d", out.Shape, out.NumElements(), in.Shape, p.Axes, acc)
	}
	return k, nil
}

func (k *reduceMinMaxKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	out = out[:k.nOut]
	init := int8(127)
	if k.isMax {
		init = -128
	}
	for i := range out {
		out[i] = init
	}
	var idx [maxLayoutRank]int
	o := 0
	for i := 0; i < k.nIn; i++ {
		v := in[i]
		if k.isMax {
			out[o] = max(out[o], v)
		} else {
			out[o] = min(out[o], v)
		}
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
}
