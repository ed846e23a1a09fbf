package ops

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// refPad is PAD by definition: output element o is input element o-before
// when that lies inside the input, the pad value otherwise.
func refPad(in []int8, inShape []int32, before, after []int32, value int8) []int8 {
	outShape := make([]int32, len(inShape))
	for d := range inShape {
		outShape[d] = inShape[d] + before[d] + after[d]
	}
	out := make([]int8, numElems(outShape))
	src := make([]int, len(inShape))
	forEachIndex(outShape, func(idx []int) {
		v := value
		inside := true
		for d, o := range idx {
			src[d] = o - int(before[d])
			if src[d] < 0 || src[d] >= int(inShape[d]) {
				inside = false
			}
		}
		if inside {
			v = in[flatIndex(inShape, src)]
		}
		out[flatIndex(outShape, idx)] = v
	})
	return out
}

func TestPadRandomAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for iter := range 600 {
		rank := r.IntN(7)
		in := make([]int32, rank)
		before, after := make([]int32, rank), make([]int32, rank)
		out := make([]int32, rank)
		for d := range rank {
			in[d] = int32(r.IntN(5))
			if in[d] == 0 && r.IntN(4) != 0 {
				in[d] = 1
			}
			if r.IntN(2) == 0 {
				before[d], after[d] = int32(r.IntN(4)), int32(r.IntN(4))
			}
			out[d] = in[d] + before[d] + after[d]
		}
		value := int32(randZeroPoint(r))
		code := format.OpPad
		if r.IntN(2) == 0 {
			code = format.OpPadV2
		}
		p := &format.PadParams{Before: before, After: after, Value: value}
		data := randInt8s(r, numElems(in))
		got := runKernel(t, layoutOpModel(code, p, out, in), data)
		want := refPad(data, in, before, after, int8(value))
		if !slices.Equal(got, want) {
			t.Fatalf("#%d %v pad %v/%v value %d:\ngot  %v\nwant %v", iter, in, before, after, value, got, want)
		}
	}
}

// TestPadImageStyle is MobileNet's pattern: H and W padded on an NHWC
// tensor, checked against hand-written rows.
func TestPadImageStyle(t *testing.T) {
	in := []int8{1, 2, 3, 4, 5, 6, 7, 8} // [1,2,2,2]
	p := &format.PadParams{Before: []int32{0, 1, 0, 0}, After: []int32{0, 0, 1, 0}, Value: -9}
	got := runKernel(t, layoutOpModel(format.OpPad, p, []int32{1, 3, 3, 2}, []int32{1, 2, 2, 2}), in)
	want := []int8{
		-9, -9, -9, -9, -9, -9,
		1, 2, 3, 4, -9, -9,
		5, 6, 7, 8, -9, -9,
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestPadPrepareErrors(t *testing.T) {
	s := []int32{2, 3}
	mk := func(p *format.PadParams, out []int32) *format.Model {
		return layoutOpModel(format.OpPad, p, out, s)
	}
	wantMalformed(t, mk(&format.PadParams{Before: []int32{0}, After: []int32{0}}, s), "too few paddings")
	wantMalformed(t, mk(&format.PadParams{Before: []int32{0, 0}, After: []int32{0, 1}}, s), "output shape mismatch")
	wantMalformed(t, mk(&format.PadParams{Before: []int32{-1, 0}, After: []int32{1, 0}}, s), "negative padding")
	wantMalformed(t, mk(&format.PadParams{Before: []int32{0, 0}, After: []int32{0, 0}, Value: 128}, s), "value out of int8")
	wantMalformed(t, layoutOpModel(format.OpPad, &format.TransposeParams{}, s, s), "wrong params")
	wantMalformed(t, mk(&format.PadParams{Before: []int32{0, 0}, After: []int32{0, 0}}, []int32{2, 3, 1}), "rank mismatch")
}

func BenchmarkPadImageStyle(b *testing.B) {
	r := rand.New(rand.NewPCG(13, 14))
	in := []int32{1, 112, 112, 32}
	p := &format.PadParams{Before: []int32{0, 0, 0, 0}, After: []int32{0, 1, 1, 0}, Value: 3}
	m := layoutOpModel(format.OpPad, p, []int32{1, 113, 113, 32}, in)
	b.SetBytes(113 * 113 * 32)
	benchKernel(b, m, randInt8s(r, numElems(in)))
}
