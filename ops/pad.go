package ops

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"github.com/edgerun/edgerun/format"
)

// padKernel is int8 PAD and PADV2 (TFLite's reference Pad): the input is
// copied into the middle of the output and every other element is Value
// (the output zero point for PAD, the constant operand for PADV2; the
// converter resolved which). Raw int8 values are copied, as TFLite does.
//
// Dimensions are merged at prepare: a dimension followed only by unpadded
// dimensions is contiguous in both tensors, so each padded dimension with
// everything after it becomes one dimension of larger elements. An image
// style pad of [N,H,W,C] over H and W becomes [N, H, W·C]: each input row is
// a single copy of W·C bytes.
type padKernel struct {
	in, out int32
	value   [2]int8 // the pad value's bytes (little-endian; int8: [v, v])
	rank    int
	// Per merged dimension (outermost first): input extent and padding
	// before and after, in steps; a step is inStep input elements and
	// outStep output elements (the blocks of the dimensions inside).
	inDim, before, after [maxLayoutRank]int
	inStep, outStep      [maxLayoutRank]int
}

func preparePad(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 1, 3, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.PadParams](op, path)
	if err != nil {
		return nil, err
	}
	in, out, err := inOut(m, op, path)
	esize := 1
	if inputIs(m, op, 0, format.DTypeInt16) {
		in, out, err = inOut16(m, op, path)
		esize = 2
	}
	if err != nil {
		return nil, err
	}
	pp := path + " / params"
	rank := len(in.Shape)
	if len(p.Before) != rank || len(p.After) != rank || len(out.Shape) != rank {
		return nil, format.Malformed(pp, "%d/%d paddings for input shape %v, output shape %v", len(p.Before), len(p.After), in.Shape, out.Shape)
	}
	if lo, hi := int32(-1)<<(8*esize-1), int32(1)<<(8*esize-1)-1; p.Value < lo || p.Value > hi {
		return nil, format.Malformed(pp, "pad value %d outside %s", p.Value, in.DType)
	}
	for d := range rank {
		b, a := int64(p.Before[d]), int64(p.After[d])
		if b < 0 || a < 0 {
			return nil, format.Malformed(pp, "dimension %d: negative padding (%d, %d)", d, b, a)
		}
		if int64(in.Shape[d])+b+a != int64(out.Shape[d]) {
			return nil, format.Malformed(path, "dimension %d: input %d + padding (%d, %d) != output %d", d, in.Shape[d], b, a, out.Shape[d])
		}
	}
	k := &padKernel{in: op.Inputs[0], out: op.Outputs[0], value: [2]int8{int8(p.Value), int8(p.Value)}}
	if esize == 2 {
		k.value = [2]int8{int8(p.Value), int8(p.Value >> 8)}
	}
	// Merge from the innermost dimension outwards: an unpadded dimension
	// joins the block of the dimensions after it.
	// dims lists the merged dimensions innermost first; n, b and a count
	// steps of the merged dimension inside (or single elements innermost).
	type dim struct{ n, b, a int }
	var dims []dim
	for d := rank - 1; d >= 0; d-- {
		n, b, a := int(in.Shape[d]), int(p.Before[d]), int(p.After[d])
		if len(dims) > 0 && dims[len(dims)-1].b == 0 && dims[len(dims)-1].a == 0 {
			// The dimension inside is unpadded, so this dimension's
			// steps are contiguous runs in both tensors: fold it in.
			inner := dims[len(dims)-1]
			dims = dims[:len(dims)-1]
			n, b, a = n*inner.n, b*inner.n, a*inner.n
		}
		dims = append(dims, dim{n, b, a})
	}
	if len(dims) == 0 {
		dims = []dim{{1, 0, 0}}
	}
	// The innermost dimension in bytes.
	dims[0].n, dims[0].b, dims[0].a = dims[0].n*esize, dims[0].b*esize, dims[0].a*esize
	if len(dims) > maxLayoutRank {
		return nil, &format.UnsupportedOpError{Op: "PAD", Index: -1,
			Reason: fmt.Sprintf("%s: %d padded dimensions (at most %d supported)", path, len(dims), maxLayoutRank)}
	}
	k.rank = len(dims)
	inStep, outStep := 1, 1
	for i, d := range dims { // innermost first
		j := k.rank - 1 - i
		k.inDim[j], k.before[j], k.after[j] = d.n, d.b, d.a
		k.inStep[j], k.outStep[j] = inStep, outStep
		inStep *= d.n
		outStep *= d.n + d.b + d.a
	}
	return k, nil
}

func (k *padKernel) Eval(env *Env) {
	k.pad(env.Tensors[k.out], env.Tensors[k.in], 0)
}

// pad writes dimension d (and everything inside it) of one output block
// from the matching input block.
func (k *padKernel) pad(out, in []int8, d int) {
	os, is := k.outStep[d], k.inStep[d]
	head := k.before[d] * os
	fill(out[:head], k.value)
	body := out[head:]
	if d == k.rank-1 {
		n := k.inDim[d] * is
		copy(body[:n], in[:n])
		fill(body[n:n+k.after[d]*os], k.value)
		return
	}
	for i := range k.inDim[d] {
		k.pad(body[i*os:(i+1)*os], in[i*is:(i+1)*is], d+1)
	}
	n := k.inDim[d] * os
	fill(body[n:n+k.after[d]*os], k.value)
}

// fill sets s to repetitions of v's two bytes (len(s) is even for int16
// tensors; for int8 both bytes are the value). The borders are a good
// share of a small image's PAD, so not a byte loop: memclr for zero, else
// eight bytes a store.
func fill(s []int8, v [2]int8) {
	if v == [2]int8{} {
		clear(s)
		return
	}
	w := uint64(uint8(v[0])) | uint64(uint8(v[1]))<<8
	w |= w << 16
	w |= w << 32
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
	i := 0
	for ; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], w) // i even: byte j of w is v[j&1]
	}
	for ; i < len(s); i++ {
		s[i] = v[i&1]
	}
}
