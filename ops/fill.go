package ops

import "github.com/edgerun/edgerun/format"

// fillKernel is FILL: every output element is the scalar value input's
// bytes (the dims operand was resolved to the output shape at conversion).
type fillKernel struct {
	value, out int32
	es, n      int
}

func prepareFill(m *format.Model, op *format.Op, path string) (Kernel, error) {
	value, out, err := movePair(m, op, path, 1, 1)
	if err != nil {
		return nil, err
	}
	if value.NumElements() != 1 {
		return nil, format.Malformed(path, "value has shape %v, want a scalar", value.Shape)
	}
	return &fillKernel{value: op.Inputs[0], out: op.Outputs[0], es: value.DType.Size(), n: int(out.NumElements())}, nil
}

func (k *fillKernel) Eval(env *Env) {
	v, out := env.Tensors[k.value][:k.es], env.Tensors[k.out][:k.n*k.es]
	if k.n == 0 {
		return
	}
	copy(out, v)
	// Doubling copies: log2(n) memmoves.
	for done := k.es; done < len(out); done *= 2 {
		copy(out[done:], out[:done])
	}
}

// zerosLikeKernel is ZEROS_LIKE: raw zeros of the input's shape and dtype
// (TFLite Micro writes 0, not the zero point).
type zerosLikeKernel struct {
	out int32
	n   int
}

func prepareZerosLike(m *format.Model, op *format.Op, path string) (Kernel, error) {
	in, out, err := movePair(m, op, path, 1, 1)
	if err != nil {
		return nil, err
	}
	if !sameShape(in.Shape, out.Shape) {
		return nil, format.Malformed(path, "input shape %v, output %v", in.Shape, out.Shape)
	}
	return &zerosLikeKernel{out: op.Outputs[0], n: int(out.ByteSize())}, nil
}

func (k *zerosLikeKernel) Eval(env *Env) { clear(env.Tensors[k.out][:k.n]) }

// dynamicUpdateSliceKernel is DYNAMIC_UPDATE_SLICE: the output is the
// operand with the update written at the start indices, each clamped to
// [0, operand − update] (TFLite's ClampStartIndices), read from an int32 or
// int64 input at Invoke or a constant.
type dynamicUpdateSliceKernel struct {
	operand, update, start, out int32
	isize                       int
	consts                      []int
	total                       int   // output bytes
	opDims, upDims, stride      []int // stride: output bytes per step along each dimension
	row                         int   // bytes of one update row (last dimension)
}

func prepareDynamicUpdateSlice(m *format.Model, op *format.Op, path string) (Kernel, error) {
	in, out, err := movePair(m, op, path, 3, 3)
	if err != nil {
		return nil, err
	}
	up, err := dataOperand(m, op.Inputs, 1, "input", path)
	if err != nil {
		return nil, err
	}
	start, err := dataOperand(m, op.Inputs, 2, "input", path)
	if err != nil {
		return nil, err
	}
	if err := sameDType(up, out, path); err != nil {
		return nil, err
	}
	isize, consts, err := indexOperand(start, path+" / input 2")
	if err != nil {
		return nil, err
	}
	r := len(in.Shape)
	if !sameShape(in.Shape, out.Shape) || len(up.Shape) != r || r == 0 || start.NumElements() != int64(r) {
		return nil, format.Malformed(path, "operand %v, update %v, start %v, output %v", in.Shape, up.Shape, start.Shape, out.Shape)
	}
	es := in.DType.Size()
	k := &dynamicUpdateSliceKernel{operand: op.Inputs[0], update: op.Inputs[1], start: op.Inputs[2], out: op.Outputs[0],
		isize: isize, consts: consts, total: int(out.ByteSize()), row: int(up.Shape[r-1]) * es}
	st := elemStrides(in.Shape)
	for d := 0; d < r; d++ {
		if up.Shape[d] > in.Shape[d] {
			return nil, format.Malformed(path, "update %v larger than operand %v", up.Shape, in.Shape)
		}
		k.opDims = append(k.opDims, int(in.Shape[d]))
		k.upDims = append(k.upDims, int(up.Shape[d]))
		k.stride = append(k.stride, st[d]*es)
	}
	if r > maxLayoutRank {
		return nil, format.Malformed(path, "%d dimensions (at most %d)", r, maxLayoutRank)
	}
	return k, nil
}

func (k *dynamicUpdateSliceKernel) Eval(env *Env) {
	in, up, out := env.Tensors[k.operand], env.Tensors[k.update], env.Tensors[k.out]
	copy(out[:k.total], in[:k.total])
	r := len(k.upDims)
	base := 0
	for d := 0; d < r; d++ {
		if k.upDims[d] == 0 {
			return
		}
		var s int
		if k.consts != nil {
			s = k.consts[d]
		} else {
			s = indexInt(env.Tensors[k.start], d, k.isize)
		}
		s = min(max(s, 0), k.opDims[d]-k.upDims[d])
		base += s * k.stride[d]
	}
	var idx [maxLayoutRank]int
	rows := 1
	for d := 0; d < r-1; d++ {
		rows *= k.upDims[d]
	}
	n := k.row
	p := 0
	for i := 0; i < rows; i++ {
		off := base
		for d := 0; d < r-1; d++ {
			off += idx[d] * k.stride[d]
		}
		copy(out[off:off+n], up[p:p+n])
		p += n
		for d := r - 2; d >= 0; d-- {
			idx[d]++
			if idx[d] < k.upDims[d] {
				break
			}
			idx[d] = 0
		}
	}
}
