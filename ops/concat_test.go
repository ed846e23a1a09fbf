package ops

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// refConcat is CONCATENATION by definition: output index o along axis
// belongs to the input whose range of axis positions contains it.
func refConcat(ins [][]int8, shapes [][]int32, axis int, outShape []int32) []int8 {
	out := make([]int8, numElems(outShape))
	src := make([]int, len(outShape))
	forEachIndex(outShape, func(o []int) {
		copy(src, o)
		i := 0
		for src[axis] >= int(shapes[i][axis]) {
			src[axis] -= int(shapes[i][axis])
			i++
		}
		out[flatIndex(outShape, o)] = ins[i][flatIndex(shapes[i], src)]
	})
	return out
}

func TestConcatenationRandomAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for iter := range 500 {
		rank := 1 + r.IntN(5)
		axis := r.IntN(rank)
		base := make([]int32, rank)
		for d := range base {
			base[d] = int32(1 + r.IntN(4))
		}
		n := 1 + r.IntN(5)
		shapes := make([][]int32, n)
		data := make([][]int8, n)
		out := slices.Clone(base)
		out[axis] = 0
		for i := range shapes {
			shapes[i] = slices.Clone(base)
			shapes[i][axis] = int32(r.IntN(4))
			out[axis] += shapes[i][axis]
			data[i] = randInt8s(r, numElems(shapes[i]))
		}
		m := layoutOpModel(format.OpConcatenation, &format.ConcatenationParams{Axis: int32(axis)}, out, shapes...)
		got := runKernel(t, m, data...)
		if want := refConcat(data, shapes, axis, out); !slices.Equal(got, want) {
			t.Fatalf("#%d shapes %v axis %d:\ngot  %v\nwant %v", iter, shapes, axis, got, want)
		}
	}
}

func TestConcatenationPrepareErrors(t *testing.T) {
	p := func(axis int32) *format.ConcatenationParams { return &format.ConcatenationParams{Axis: axis} }
	a, b := []int32{2, 3}, []int32{2, 4}
	wantMalformed(t, layoutOpModel(format.OpConcatenation, p(1), []int32{2, 8}, a, b), "sum mismatch")
	wantMalformed(t, layoutOpModel(format.OpConcatenation, p(0), []int32{4, 3}, a, b), "other dimension differs")
	wantMalformed(t, layoutOpModel(format.OpConcatenation, p(2), []int32{2, 7}, a, b), "axis out of range")
	wantMalformed(t, layoutOpModel(format.OpConcatenation, p(-1), []int32{2, 7}, a, b), "negative axis")
	wantMalformed(t, layoutOpModel(format.OpConcatenation, p(1), []int32{2, 7, 1}, a, b), "rank mismatch")
	wantMalformed(t, layoutOpModel(format.OpConcatenation, &format.PadParams{}, []int32{2, 7}, a, b), "wrong params")
	wantMalformed(t, layoutOpModel(format.OpConcatenation, p(0), []int32{2, 7}), "no inputs")
}
