package ops

import (
	"fmt"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// transposeKernel is int8 TRANSPOSE: output dimension i is input dimension
// Perm[i] (TFLite's reference Transpose, a pure permutation of raw values).
//
// At prepare, size-1 dimensions are dropped and input dimensions that stay
// adjacent and in order in the output are merged, so NHWC↔NCHW of a
// [1,H,W,C] tensor becomes a 2-D transpose of [H·W, C]. Eval walks the
// output contiguously with an odometer over the input strides.
type transposeKernel struct {
	in, out int32
	n       int // bytes (elements, or 2 per int16 element)
	rank    int
	// dims[i] is merged output dimension i's extent; stride[i] the input
	// element stride of one step along it.
	dims, stride [maxLayoutRank]int
	// unit > 0: the planes to interleave (rank 2, stride[0] 1) split into
	// runs of unit output pixels (Units, EvalRange, Access): MobileNetV2's
	// NCHW input took 9-10 µs on one of two threads, the other idle.
	unit int
}

// transposeUnits is about how many units an interleave splits into:
// fine enough that two or three threads get equal shares.
const transposeUnits = 64

func prepareTranspose(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 1, 2, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.TransposeParams](op, path)
	if err != nil {
		return nil, err
	}
	in, out, err := inOut(m, op, path)
	wide := inputIs(m, op, 0, format.DTypeInt16)
	if wide {
		in, out, err = inOut16(m, op, path)
	}
	if err != nil {
		return nil, err
	}
	rank := len(in.Shape)
	if len(p.Perm) != rank || len(out.Shape) != rank {
		return nil, format.Malformed(path+" / params", "permutation %v for input shape %v, output shape %v", p.Perm, in.Shape, out.Shape)
	}
	seen := make([]bool, rank)
	for i, v := range p.Perm {
		if v < 0 || int(v) >= rank || seen[v] {
			return nil, format.Malformed(path+" / params", "%v is not a permutation of %d dimensions", p.Perm, rank)
		}
		seen[v] = true
		if out.Shape[i] != in.Shape[v] {
			return nil, format.Malformed(path, "output shape %v is not input shape %v permuted by %v", out.Shape, in.Shape, p.Perm)
		}
	}
	perm, inShape := p.Perm, in.Shape
	if wide {
		// int16 (issue 13): a transpose of bytes with one more, innermost
		// dimension of the element's 2 bytes, which stays in place.
		perm = append(append([]int32(nil), perm...), int32(rank))
		inShape = append(append([]int32(nil), inShape...), 2)
		rank++
	}
	// Input strides of the original dimensions.
	inStride := make([]int, rank)
	acc := 1
	for d := rank - 1; d >= 0; d-- {
		inStride[d] = acc
		acc *= int(inShape[d])
	}
	k := &transposeKernel{in: op.Inputs[0], out: op.Outputs[0], n: int(in.ByteSize())}
	// Walk the output dimensions; an output dimension whose input
	// dimension directly follows the previous one's in the input (ignoring
	// size-1 dimensions, which never move data) extends that run.
	var dims, strides []int
	prev := 0
	for _, v := range perm {
		n := int(inShape[v])
		if n == 1 {
			continue
		}
		if len(dims) > 0 && nextNonUnit(inShape, prev) == int(v) {
			dims[len(dims)-1] *= n
			strides[len(strides)-1] = inStride[v]
		} else {
			dims = append(dims, n)
			strides = append(strides, inStride[v])
		}
		prev = int(v)
	}
	if len(dims) == 0 {
		dims, strides = []int{1}, []int{1}
	}
	if len(dims) > maxLayoutRank {
		return nil, &format.UnsupportedOpError{Op: "TRANSPOSE", Index: -1,
			Reason: fmt.Sprintf("%s: %d dimensions after merging (at most %d supported)", path, len(dims), maxLayoutRank)}
	}
	k.rank = len(dims)
	copy(k.dims[:], dims)
	copy(k.stride[:], strides)
	if k.interleaves() {
		// A multiple of 64 pixels: a unit's output starts on a cache line.
		k.unit = ((k.dims[0]+transposeUnits-1)/transposeUnits + 63) &^ 63
	}
	return k, nil
}

// interleaves reports whether the transpose interleaves planes (NCHW to
// NHWC): output pixel o's element p is input plane p's element o.
func (k *transposeKernel) interleaves() bool { return k.n > 0 && k.rank == 2 && k.stride[0] == 1 }

// Units: runs of unit output pixels of an interleave, else the whole.
func (k *transposeKernel) Units() int {
	if k.unit == 0 {
		return 1
	}
	return (k.dims[0] + k.unit - 1) / k.unit
}

// pixels returns the output pixels of units [lo, hi).
func (k *transposeKernel) pixels(lo, hi int) (o0, o1 int) {
	return lo * k.unit, min(hi*k.unit, k.dims[0])
}

// EvalRange interleaves units [lo, hi) (the whole transpose when it does
// not split).
func (k *transposeKernel) EvalRange(env *Env, lo, hi int) {
	if k.unit == 0 {
		k.Eval(env)
		return
	}
	o0, o1 := k.pixels(lo, hi)
	if o0 >= o1 {
		return
	}
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	planes := k.dims[1]
	interleave(out[o0*planes:o1*planes], in[o0:], planes, o1-o0, k.stride[1])
}

// Access: the units' output pixels and, in each plane, their input
// elements (one range over all planes beyond four: covering more is
// allowed).
func (k *transposeKernel) Access(lo, hi int, dst []Access) []Access {
	if k.unit == 0 {
		return append(dst, Access{Tensor: k.in, Hi: -1}, Access{Tensor: k.out, Hi: -1, Write: true})
	}
	o0, o1 := k.pixels(lo, hi)
	if o0 >= o1 {
		return dst
	}
	planes, ps := k.dims[1], k.stride[1]
	if planes <= 4 {
		for p := range planes {
			dst = append(dst, Access{Tensor: k.in, Lo: p*ps + o0, Hi: p*ps + o1})
		}
	} else {
		dst = append(dst, Access{Tensor: k.in, Lo: o0, Hi: (planes-1)*ps + o1})
	}
	return append(dst, Access{Tensor: k.out, Lo: o0 * planes, Hi: o1 * planes, Write: true})
}

// nextNonUnit returns the first dimension after d whose extent is not 1, or
// len(shape).
func nextNonUnit(shape []int32, d int) int {
	for d++; d < len(shape) && shape[d] == 1; d++ {
	}
	return d
}

func (k *transposeKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	if k.n == 0 {
		return
	}
	last := k.rank - 1
	inner, step := k.dims[last], k.stride[last]
	if k.rank == 1 { // merged to the identity permutation
		copy(out[:k.n], in[:k.n])
		return
	}
	if k.interleaves() {
		// Planes to interleave (NCHW to NHWC, MobileNetV2's input): rows of
		// a few elements make the general loop's per-row bookkeeping cost
		// more than the copy.
		interleave(out[:k.n], in[:k.n], k.dims[1], k.dims[0], k.stride[1])
		return
	}
	var idx [maxLayoutRank]int
	p := 0
	for o := 0; o < k.n; o += inner {
		row := out[o : o+inner]
		for i := range row {
			row[i] = in[p+i*step]
		}
		for d := last - 1; d >= 0; d-- {
			idx[d]++
			p += k.stride[d]
			if idx[d] < k.dims[d] {
				break
			}
			idx[d] = 0
			p -= k.stride[d] * k.dims[d]
		}
	}
}

// interleave writes element o of plane p (in[p·planeStride + o], o < n) to
// out[o·planes + p].
func interleave(out, in []int8, planes, n, planeStride int) {
	if planes == 3 && asm.FastInterleave && asm.FastInterleave3 {
		src := [4][]int8{in[:n], in[planeStride:][:n], in[2*planeStride:][:n]}
		asm.InterleaveBytes(out, &src, 3, n)
		return
	}
	if planes == 3 {
		a, b, c := in[:n], in[planeStride:][:n], in[2*planeStride:][:n]
		out = out[:3*n]
		for o := range a {
			d := out[3*o:][:3]
			d[0], d[1], d[2] = a[o], b[o], c[o]
		}
		return
	}
	for p := 0; p < planes; p++ {
		for o, v := range in[p*planeStride:][:n] {
			out[o*planes+p] = v
		}
	}
}
