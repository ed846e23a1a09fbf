package ops

import (
	"fmt"

	"github.com/edgerun/edgerun/format"
)

// positionError is what a gathering kernel reports (Env.Err) when a
// position read from an input tensor is outside its range; made at prepare.
func positionError(path string, limit string) error {
	return fmt.Errorf("%s: a position read from the indices input is outside %s", path, limit)
}

// gatherKernel is GATHER (TFLite Micro's gather.cc): for each batch, outer
// index and position p, the inner slab number p along Axis is copied. The
// positions are an int32 or int64 tensor: a constant (checked at prepare)
// or an input, read at Invoke, where an out-of-range position zeroes its
// slab and sets Env.Err (TFLite Micro returns kTfLiteError).
type gatherKernel struct {
	in, idx, out                      int32
	batch, outer, coords, axis, inner int // inner in bytes
	isize                             int
	consts                            []int
	err                               error
}

// gatherOperands checks what GATHER and GATHER_ND share: data input 0,
// positions input 1 (int32 or int64: their element size, and their values
// when constant), and output 0 of the data's dtype.
func gatherOperands(m *format.Model, op *format.Op, path string) (in, idx, out *format.Tensor, isize int, consts []int, err error) {
	if in, err = dataOperand(m, op.Inputs, 0, "input", path); err != nil {
		return
	}
	if idx, err = dataOperand(m, op.Inputs, 1, "input", path); err != nil {
		return
	}
	if out, err = dataOperand(m, op.Outputs, 0, "output", path); err != nil {
		return
	}
	if err = sameDType(in, out, path); err != nil {
		return
	}
	isize, consts, err = indexOperand(idx, path+" / input 1")
	return
}

func prepareGather(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 2, 2, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.GatherParams](op, path)
	if err != nil {
		return nil, err
	}
	in, idx, out, isize, consts, err := gatherOperands(m, op, path)
	if err != nil {
		return nil, err
	}
	axis, bd := int(p.Axis), int(p.BatchDims)
	if axis < 0 || axis >= len(in.Shape) || bd < 0 || bd > axis || bd > len(idx.Shape) {
		return nil, format.Malformed(path+" / params", "axis %d, batch_dims %d for input shape %v, indices shape %v", p.Axis, p.BatchDims, in.Shape, idx.Shape)
	}
	for i := 0; i < bd; i++ {
		if in.Shape[i] != idx.Shape[i] {
			return nil, format.Malformed(path, "batch dimension %d: input %v, indices %v", i, in.Shape, idx.Shape)
		}
	}
	want := append(append(append([]int32(nil), in.Shape[:axis]...), idx.Shape[bd:]...), in.Shape[axis+1:]...)
	if !sameShape(want, out.Shape) {
		return nil, format.Malformed(path, "output shape %v, want %v", out.Shape, want)
	}
	k := &gatherKernel{in: op.Inputs[0], idx: op.Inputs[1], out: op.Outputs[0], isize: isize, consts: consts,
		batch: product(in.Shape[:bd]), outer: product(in.Shape[bd:axis]), coords: product(idx.Shape[bd:]),
		axis: int(in.Shape[axis]), inner: product(in.Shape[axis+1:]) * in.DType.Size()}
	k.err = positionError(path, fmt.Sprintf("[0, %d)", k.axis))
	for i, v := range consts {
		if v < 0 || v >= k.axis {
			return nil, format.Malformed(path+" / input 1", "position %d is %d, outside [0, %d)", i, v, k.axis)
		}
	}
	return k, nil
}

func (k *gatherKernel) Eval(env *Env) {
	in, out, idx := env.Tensors[k.in], env.Tensors[k.out], env.Tensors[k.idx]
	n := k.inner
	o := 0
	for b := 0; b < k.batch; b++ {
		for j := 0; j < k.outer; j++ {
			src := in[(b*k.outer+j)*k.axis*n:]
			for c := 0; c < k.coords; c++ {
				var pos int
				if k.consts != nil {
					pos = k.consts[b*k.coords+c]
				} else {
					pos = indexInt(idx, b*k.coords+c, k.isize)
				}
				dst := out[o : o+n]
				o += n
				if pos < 0 || pos >= k.axis {
					clear(dst)
					env.Err = k.err
					continue
				}
				copy(dst, src[pos*n:pos*n+n])
			}
		}
	}
}

// gatherNDKernel is GATHER_ND: each row of the indices' last dimension
// (nd positions) selects one slab of the params' trailing dimensions. An
// out-of-range position (checked per coordinate, as TensorFlow does)
// zeroes its slab and sets Env.Err.
type gatherNDKernel struct {
	in, idx, out int32
	nd, slices   int
	slab         int   // bytes
	dims, stride []int // per indexed dimension: extent, slab-byte stride
	isize        int
	consts       []int
	err          error
}

func prepareGatherND(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 2, 2, 1); err != nil {
		return nil, err
	}
	in, idx, out, isize, consts, err := gatherOperands(m, op, path)
	if err != nil {
		return nil, err
	}
	if len(in.Shape) < 1 || len(idx.Shape) < 1 {
		return nil, format.Malformed(path, "params shape %v, indices shape %v: both need a dimension", in.Shape, idx.Shape)
	}
	nd := int(idx.Shape[len(idx.Shape)-1])
	if nd > len(in.Shape) || nd > 5 {
		return nil, format.Malformed(path, "indices rows of %d positions for params shape %v (at most 5)", nd, in.Shape)
	}
	want := append(append([]int32(nil), idx.Shape[:len(idx.Shape)-1]...), in.Shape[nd:]...)
	if !sameShape(want, out.Shape) {
		return nil, format.Malformed(path, "output shape %v, want %v", out.Shape, want)
	}
	es := in.DType.Size()
	k := &gatherNDKernel{in: op.Inputs[0], idx: op.Inputs[1], out: op.Outputs[0], nd: nd, isize: isize, consts: consts,
		slices: product(idx.Shape[:len(idx.Shape)-1]), slab: product(in.Shape[nd:]) * es}
	st := elemStrides(in.Shape)
	for j := 0; j < nd; j++ {
		k.dims = append(k.dims, int(in.Shape[j]))
		k.stride = append(k.stride, st[j]*es)
	}
	k.err = positionError(path, fmt.Sprintf("the params shape %v", in.Shape[:nd]))
	for i, v := range consts {
		if j := i % max(nd, 1); nd > 0 && (v < 0 || v >= k.dims[j]) {
			return nil, format.Malformed(path+" / input 1", "position %d is %d, outside [0, %d)", i, v, k.dims[j])
		}
	}
	return k, nil
}

func (k *gatherNDKernel) Eval(env *Env) {
	in, out, idx := env.Tensors[k.in], env.Tensors[k.out], env.Tensors[k.idx]
	n := k.slab
	for i := 0; i < k.slices; i++ {
		from, ok := 0, true
		for j := 0; j < k.nd; j++ {
			var v int
			if k.consts != nil {
				v = k.consts[i*k.nd+j]
			} else {
				v = indexInt(idx, i*k.nd+j, k.isize)
			}
			if v < 0 || v >= k.dims[j] {
				ok = false
				break
			}
			from += v * k.stride[j]
		}
		dst := out[i*n : i*n+n]
		if !ok {
			clear(dst)
			env.Err = k.err
			continue
		}
		copy(dst, in[from:from+n])
	}
}

// embeddingLookupKernel is EMBEDDING_LOOKUP: output row i is row ids[i] of
// the value table (int32 ids; out-of-range ones zero their row and set
// Env.Err, TFLite Micro returns kTfLiteError).
type embeddingLookupKernel struct {
	ids, value, out int32
	n, rows, row    int // row in bytes
	err             error
}

func prepareEmbeddingLookup(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 2, 2, 1); err != nil {
		return nil, err
	}
	ids, err := operand(m, op.Inputs, 0, "input", path, format.DTypeInt32)
	if err != nil {
		return nil, err
	}
	value, err := dataOperand(m, op.Inputs, 1, "input", path)
	if err != nil {
		return nil, err
	}
	out, err := dataOperand(m, op.Outputs, 0, "output", path)
	if err != nil {
		return nil, err
	}
	if err := sameDType(value, out, path); err != nil {
		return nil, err
	}
	if len(ids.Shape) != 1 || len(value.Shape) < 2 {
		return nil, format.Malformed(path, "ids shape %v, value shape %v: want 1 and at least 2 dimensions", ids.Shape, value.Shape)
	}
	want := append([]int32{ids.Shape[0]}, value.Shape[1:]...)
	if !sameShape(want, out.Shape) {
		return nil, format.Malformed(path, "output shape %v, want %v", out.Shape, want)
	}
	k := &embeddingLookupKernel{ids: op.Inputs[0], value: op.Inputs[1], out: op.Outputs[0],
		n: int(ids.Shape[0]), rows: int(value.Shape[0]), row: product(value.Shape[1:]) * value.DType.Size()}
	k.err = positionError(path, fmt.Sprintf("[0, %d)", k.rows))
	return k, nil
}

func (k *embeddingLookupKernel) Eval(env *Env) {
	ids, value, out := env.Tensors[k.ids], env.Tensors[k.value], env.Tensors[k.out]
	n := k.row
	for i := 0; i < k.n; i++ {
		r := indexInt(ids, i, 4)
		dst := out[i*n : i*n+n]
		if r < 0 || r >= k.rows {
			clear(dst)
			env.Err = k.err
			continue
		}
		copy(dst, value[r*n:r*n+n])
	}
}
