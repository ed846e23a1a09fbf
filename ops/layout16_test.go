package ops

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// int16 CONCATENATION and TRANSPOSE (issue 13): the kernels move bytes;
// the references move int16 elements by coordinates.

func to16Model(m *format.Model) *format.Model {
	for i := range m.Tensors {
		m.Tensors[i].DType, m.Tensors[i].ZeroPoint = format.DTypeInt16, []int32{0}
	}
	return m
}

func TestTranspose16AgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 5))
	for iter := range 200 {
		rank := r.IntN(6)
		in := make([]int32, rank)
		for d := range in {
			in[d] = int32(1 + r.IntN(4))
		}
		perm := make([]int32, rank)
		for i, v := range r.Perm(rank) {
			perm[i] = int32(v)
		}
		data := rand16(r, numElems(in))
		outShape := make([]int32, rank)
		for k, p := range perm {
			outShape[k] = in[p]
		}
		want := make([]int16, len(data))
		src := make([]int, rank)
		forEachIndex(outShape, func(o []int) {
			for k, p := range perm {
				src[p] = o[k]
			}
			want[flatIndex(outShape, o)] = data[flatIndex(in, src)]
		})
		m := to16Model(layoutOpModel(format.OpTranspose, &format.TransposeParams{Perm: perm}, outShape, in))
		if got := from16(runKernel(t, m, bytes16(data))); !slices.Equal(got, want) {
			t.Fatalf("#%d %v perm %v:\ngot  %v\nwant %v", iter, in, perm, got, want)
		}
	}
}

func TestConcatenation16AgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 6))
	for iter := range 200 {
		rank := 1 + r.IntN(4)
		axis := r.IntN(rank)
		base := make([]int32, rank)
		for d := range base {
			base[d] = int32(1 + r.IntN(4))
		}
		n := 1 + r.IntN(4)
		shapes := make([][]int32, n)
		data := make([][]int16, n)
		raw := make([][]int8, n)
		out := slices.Clone(base)
		out[axis] = 0
		for i := range shapes {
			shapes[i] = slices.Clone(base)
			shapes[i][axis] = int32(r.IntN(4))
			out[axis] += shapes[i][axis]
			data[i] = rand16(r, numElems(shapes[i]))
			raw[i] = bytes16(data[i])
		}
		want := make([]int16, numElems(out))
		src := make([]int, rank)
		forEachIndex(out, func(o []int) {
			copy(src, o)
			i := 0
			for src[axis] >= int(shapes[i][axis]) {
				src[axis] -= int(shapes[i][axis])
				i++
			}
			want[flatIndex(out, o)] = data[i][flatIndex(shapes[i], src)]
		})
		m := to16Model(layoutOpModel(format.OpConcatenation, &format.ConcatenationParams{Axis: int32(axis)}, out, shapes...))
		if got := from16(runKernel(t, m, raw...)); !slices.Equal(got, want) {
			t.Fatalf("#%d shapes %v axis %d:\ngot  %v\nwant %v", iter, shapes, axis, got, want)
		}
	}
}

func TestLayout16RejectsMixedTypes(t *testing.T) {
	m := to16Model(layoutOpModel(format.OpConcatenation, &format.ConcatenationParams{Axis: 0}, []int32{4}, []int32{2}, []int32{2}))
	m.Tensors[1].DType = format.DTypeInt8
	wantMalformed(t, m, "int8 input of an int16 CONCATENATION")
	m = to16Model(layoutOpModel(format.OpTranspose, &format.TransposeParams{Perm: []int32{1, 0}}, []int32{3, 2}, []int32{2, 3}))
	m.Tensors[1].DType = format.DTypeInt8
	wantMalformed(t, m, "int8 output of an int16 TRANSPOSE")
}
