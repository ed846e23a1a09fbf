package ops

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// refTranspose is TRANSPOSE by definition: out[o] = in[i] with
// i[perm[k]] = o[k].
func refTranspose(in []int8, inShape []int32, perm []int32) ([]int8, []int32) {
	outShape := make([]int32, len(perm))
	for k, p := range perm {
		outShape[k] = inShape[p]
	}
	out := make([]int8, len(in))
	src := make([]int, len(perm))
	forEachIndex(outShape, func(o []int) {
		for k, p := range perm {
			src[p] = o[k]
		}
		out[flatIndex(outShape, o)] = in[flatIndex(inShape, src)]
	})
	return out, outShape
}

func TestTransposeRandomAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for iter := range 600 {
		rank := r.IntN(7)
		in := make([]int32, rank)
		for d := range in {
			in[d] = int32(1 + r.IntN(4))
			if r.IntN(50) == 0 {
				in[d] = 0
			}
		}
		perm := make([]int32, rank)
		for i, v := range r.Perm(rank) {
			perm[i] = int32(v)
		}
		data := randInt8s(r, numElems(in))
		want, out := refTranspose(data, in, perm)
		got := runKernel(t, layoutOpModel(format.OpTranspose, &format.TransposeParams{Perm: perm}, out, in), data)
		if !slices.Equal(got, want) {
			t.Fatalf("#%d %v perm %v:\ngot  %v\nwant %v", iter, in, perm, got, want)
		}
	}
}

// TestTransposeInterleave: NCHW to NHWC, the planes-interleaving path
// (batch 1: two merged dimensions) and the general one (batch 2), for
// every channel count to 9 (3 has its own loop).
func TestTransposeInterleave(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for c := int32(1); c <= 9; c++ {
		for _, n := range []int32{1, 2} {
			in := []int32{n, c, 1 + r.Int32N(12), 1 + r.Int32N(12)}
			perm := []int32{0, 2, 3, 1}
			data := randInt8s(r, numElems(in))
			want, out := refTranspose(data, in, perm)
			got := runKernel(t, layoutOpModel(format.OpTranspose, &format.TransposeParams{Perm: perm}, out, in), data)
			if !slices.Equal(got, want) {
				t.Fatalf("%v perm %v:\ngot  %v\nwant %v", in, perm, got, want)
			}
		}
	}
	// Images large enough to split (runKernel runs the units in halves
	// and one by one): 3 planes (ranges per plane) and 6 (one range).
	for _, in := range [][]int32{{1, 3, 40, 50}, {1, 6, 17, 31}, {1, 3, 224, 224}} {
		perm := []int32{0, 2, 3, 1}
		data := randInt8s(r, numElems(in))
		want, out := refTranspose(data, in, perm)
		m := layoutOpModel(format.OpTranspose, &format.TransposeParams{Perm: perm}, out, in)
		k, err := Prepare(m, 0)
		if err != nil {
			t.Fatal(err)
		}
		if u := k.(Splittable).Units(); u < 2 {
			t.Fatalf("%v: %d units", in, u)
		}
		if got := runKernel(t, m, data); !slices.Equal(got, want) {
			t.Fatalf("%v perm %v: differs from the reference", in, perm)
		}
	}
}

func TestTransposeKnown(t *testing.T) {
	// [2,3] → [3,2].
	got := runKernel(t, layoutOpModel(format.OpTranspose, &format.TransposeParams{Perm: []int32{1, 0}}, []int32{3, 2}, []int32{2, 3}),
		[]int8{1, 2, 3, 4, 5, 6})
	if want := []int8{1, 4, 2, 5, 3, 6}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	// NCHW [1,2,1,3] → NHWC [1,1,3,2]: merges to a 2-D transpose.
	m := layoutOpModel(format.OpTranspose, &format.TransposeParams{Perm: []int32{0, 2, 3, 1}}, []int32{1, 1, 3, 2}, []int32{1, 2, 1, 3})
	k, err := Prepare(m, 0)
	if err != nil {
		t.Fatal(err)
	}
	if tk := k.(*transposeKernel); tk.rank != 2 || tk.dims[0] != 3 || tk.dims[1] != 2 {
		t.Errorf("merged to rank %d dims %v, want [3 2]", tk.rank, tk.dims[:tk.rank])
	}
	got = runKernel(t, m, []int8{1, 2, 3, 4, 5, 6})
	if want := []int8{1, 4, 2, 5, 3, 6}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestTransposePrepareErrors(t *testing.T) {
	s := []int32{2, 3, 4}
	mk := func(perm []int32, out []int32) *format.Model {
		return layoutOpModel(format.OpTranspose, &format.TransposeParams{Perm: perm}, out, s)
	}
	wantMalformed(t, mk([]int32{0, 1}, s), "short permutation")
	wantMalformed(t, mk([]int32{0, 1, 1}, s), "repeated entry")
	wantMalformed(t, mk([]int32{0, 1, 3}, s), "entry out of range")
	wantMalformed(t, mk([]int32{0, -1, 2}, s), "negative entry")
	wantMalformed(t, mk([]int32{2, 1, 0}, s), "output not permuted")
	wantMalformed(t, layoutOpModel(format.OpTranspose, &format.PadParams{}, s, s), "wrong params")
}

func BenchmarkTransposeNCHWToNHWC(b *testing.B) {
	r := rand.New(rand.NewPCG(23, 24))
	in := []int32{1, 3, 224, 224}
	m := layoutOpModel(format.OpTranspose, &format.TransposeParams{Perm: []int32{0, 2, 3, 1}}, []int32{1, 224, 224, 3}, in)
	n := numElems(in)
	b.SetBytes(int64(n))
	benchKernel(b, m, randInt8s(r, n))
}
