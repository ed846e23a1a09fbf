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
}

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
	return k, nil
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
	if k.rank == 2 && k.stride[0] == 1 {
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
