package ops

import (
	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// concatKernel is int8 CONCATENATION: TFLite's reference Concatenation is a
// plain copy (TFLite Micro requires every int8 input to share the output's
// quantization, which the converter checks), so the output is, for each
// index of the dimensions before Axis, the inputs' slabs one after another.
type concatKernel struct {
	ins   []int32
	out   int32
	outer int   // product of the output dimensions before Axis
	slab  []int // per input: bytes per outer index (dim[Axis] × inner)
	total int   // Σ slab: output bytes per outer index
	impl  *asm.Impl
}

func prepareConcatenation(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if len(op.Inputs) < 1 {
		return nil, format.Malformed(path, "has no inputs")
	}
	if err := wantCounts(op, path, 1, len(op.Inputs), 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.ConcatenationParams](op, path)
	if err != nil {
		return nil, err
	}
	// int16 tensors (issue 13) are copied as bytes.
	dtype := format.DTypeInt8
	if inputIs(m, op, 0, format.DTypeInt16) {
		dtype = format.DTypeInt16
	}
	out, err := operand(m, op.Outputs, 0, "output", path, dtype)
	if err != nil {
		return nil, err
	}
	rank := len(out.Shape)
	axis := int(p.Axis)
	if axis < 0 || axis >= rank {
		return nil, format.Malformed(path+" / params", "axis %d outside [0, %d) of output shape %v", p.Axis, rank, out.Shape)
	}
	k := &concatKernel{ins: append([]int32(nil), op.Inputs...), out: op.Outputs[0], outer: 1, slab: make([]int, len(op.Inputs)), impl: asm.Selected()}
	for _, d := range out.Shape[:axis] {
		k.outer *= int(d)
	}
	inner := dtype.Size() // in bytes
	for _, d := range out.Shape[axis+1:] {
		inner *= int(d)
	}
	sum := int64(0)
	for i := range op.Inputs {
		in, err := operand(m, op.Inputs, i, "input", path, dtype)
		if err != nil {
			return nil, err
		}
		if len(in.Shape) != rank {
			return nil, format.Malformed(path, "input %d has shape %v, output %v: ranks differ", i, in.Shape, out.Shape)
		}
		for d := range rank {
			if d != axis && in.Shape[d] != out.Shape[d] {
				return nil, format.Malformed(path, "input %d has shape %v, output %v: dimension %d differs outside axis %d", i, in.Shape, out.Shape, d, axis)
			}
		}
		sum += int64(in.Shape[axis])
		k.slab[i] = int(in.Shape[axis]) * inner
		k.total += k.slab[i]
	}
	if sum != int64(out.Shape[axis]) {
		return nil, format.Malformed(path, "inputs sum to %d along axis %d, output has %d", sum, axis, out.Shape[axis])
	}
	return k, nil
}

// Eval: per input, its slabs of every outer index as one strided row
// copy (CopyRows) into the output's rows of total bytes.
func (k *concatKernel) Eval(env *Env) {
	out := env.Tensors[k.out]
	pos := 0
	for i, t := range k.ins {
		n := k.slab[i]
		k.impl.CopyRows(out[pos:], k.total, env.Tensors[t], n, n, k.outer)
		pos += n
	}
}
