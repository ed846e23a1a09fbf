package ops

import (
	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// packKernel is PACK: N inputs of one shape S stacked along Axis of the
// output (S with N inserted at Axis). Seen as [outer, N, inner], input i
// fills column i: one strided row copy (CopyRows) per input.
type packKernel struct {
	ins          []int32
	out          int32
	impl         *asm.Impl
	outer, inner int // inner in bytes
}

func preparePack(m *format.Model, op *format.Op, path string) (Kernel, error) {
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
	out, err := dataOperand(m, op.Outputs, 0, "output", path)
	if err != nil {
		return nil, err
	}
	first, err := dataOperand(m, op.Inputs, 0, "input", path)
	if err != nil {
		return nil, err
	}
	axis := int(p.Axis)
	if axis < 0 || axis > len(first.Shape) {
		return nil, format.Malformed(path+" / params", "axis %d outside [0, %d] for input shape %v", p.Axis, len(first.Shape), first.Shape)
	}
	want := append(append(append([]int32(nil), first.Shape[:axis]...), int32(len(op.Inputs))), first.Shape[axis:]...)
	if !sameShape(want, out.Shape) {
		return nil, format.Malformed(path, "output shape %v, want %v", out.Shape, want)
	}
	for i := range op.Inputs {
		in, err := dataOperand(m, op.Inputs, i, "input", path)
		if err != nil {
			return nil, err
		}
		if err := sameDType(in, out, path); err != nil {
			return nil, err
		}
		if !sameShape(in.Shape, first.Shape) {
			return nil, format.Malformed(path, "input %d has shape %v, input 0 %v", i, in.Shape, first.Shape)
		}
	}
	return &packKernel{ins: append([]int32(nil), op.Inputs...), out: op.Outputs[0], impl: asm.Selected(),
		outer: product(first.Shape[:axis]), inner: product(first.Shape[axis:]) * out.DType.Size()}, nil
}

func (k *packKernel) Eval(env *Env) {
	out := env.Tensors[k.out]
	n := len(k.ins)
	if interleaves(n, k.inner) {
		// Short elements (along the last axis): word shuffles
		// (interleave.go), not a row copy per element.
		var ins [4][]int8
		for i, t := range k.ins {
			ins[i] = env.Tensors[t]
		}
		interleaveWords(out, &ins, n, k.inner, k.outer)
		return
	}
	for i, t := range k.ins {
		k.impl.CopyRows(out[i*k.inner:], n*k.inner, env.Tensors[t], k.inner, k.inner, k.outer)
	}
}

// splitKernel serves UNPACK, SPLIT and SPLIT_V: the input seen as
// [outer, A, inner] along Axis; output j takes rows [off_j, off_j + size_j)
// of A (UNPACK: size 1, the axis dropped from the output's shape), one
// strided row copy per output.
type splitKernel struct {
	in           int32
	outs         []int32
	impl         *asm.Impl
	outer, inner int // inner in bytes (one row of A)
	a            int
	off, size    []int
	// even > 0: every output takes the same even bytes per outer index,
	// few and short enough for deinterleave (interleave.go).
	even int
}

func prepareSplit(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if len(op.Outputs) < 1 {
		return nil, format.Malformed(path, "has no outputs")
	}
	// SPLIT's first input is its (constant) axis, resolved at conversion;
	// the data is the last input.
	if len(op.Inputs) < 1 || len(op.Inputs) > 3 {
		return nil, format.Malformed(path, "has %d inputs, want 1..3", len(op.Inputs))
	}
	p, err := wantParams[format.ConcatenationParams](op, path)
	if err != nil {
		return nil, err
	}
	dataAt := 0
	if op.Code == format.OpSplit {
		dataAt = len(op.Inputs) - 1
	}
	in, err := dataOperand(m, op.Inputs, dataAt, "input", path)
	if err != nil {
		return nil, err
	}
	axis := int(p.Axis)
	if axis < 0 || axis >= len(in.Shape) {
		return nil, format.Malformed(path+" / params", "axis %d outside [0, %d) for input shape %v", p.Axis, len(in.Shape), in.Shape)
	}
	k := &splitKernel{in: op.Inputs[dataAt], outs: append([]int32(nil), op.Outputs...), impl: asm.Selected(),
		outer: product(in.Shape[:axis]), inner: product(in.Shape[axis+1:]) * in.DType.Size(), a: int(in.Shape[axis])}
	sum := 0
	for j := range op.Outputs {
		out, err := dataOperand(m, op.Outputs, j, "output", path)
		if err != nil {
			return nil, err
		}
		if err := sameDType(in, out, path); err != nil {
			return nil, err
		}
		var want []int32
		size := 1
		if op.Code == format.OpUnpack {
			want = append(append([]int32(nil), in.Shape[:axis]...), in.Shape[axis+1:]...)
		} else {
			if len(out.Shape) == len(in.Shape) {
				size = int(out.Shape[axis])
			}
			want = append(append(append([]int32(nil), in.Shape[:axis]...), int32(size)), in.Shape[axis+1:]...)
		}
		if !sameShape(want, out.Shape) {
			return nil, format.Malformed(path, "output %d has shape %v, want %v", j, out.Shape, want)
		}
		k.off = append(k.off, sum)
		k.size = append(k.size, size)
		sum += size
	}
	if sum != k.a {
		return nil, format.Malformed(path, "outputs take %d of the %d entries along axis %d", sum, k.a, axis)
	}
	if n := len(k.size); n*k.size[0] == k.a && interleaves(n, k.size[0]*k.inner) {
		k.even = k.size[0] * k.inner
		for _, s := range k.size {
			if s != k.size[0] {
				k.even = 0
			}
		}
	}
	return k, nil
}

func (k *splitKernel) Eval(env *Env) {
	in := env.Tensors[k.in]
	if k.even > 0 {
		var outs [4][]int8
		for j, t := range k.outs {
			outs[j] = env.Tensors[t]
		}
		deinterleave(&outs, in, len(k.outs), k.even, k.outer)
		return
	}
	for j, t := range k.outs {
		n := k.size[j] * k.inner
		if n == 0 {
			continue
		}
		k.impl.CopyRows(env.Tensors[t], n, in[k.off[j]*k.inner:], k.a*k.inner, n, k.outer)
	}
}
