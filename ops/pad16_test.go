package ops

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// refPad16 is PAD by definition on int16 values.
func refPad16(in []int16, inShape, before, after []int32, value int16) []int16 {
	outShape := make([]int32, len(inShape))
	for d := range inShape {
		outShape[d] = inShape[d] + before[d] + after[d]
	}
	out := make([]int16, numElems(outShape))
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

func pad16Model(inShape, before, after []int32, value int32) *format.Model {
	outShape := make([]int32, len(inShape))
	for d := range inShape {
		outShape[d] = inShape[d] + before[d] + after[d]
	}
	return &format.Model{
		Tensors: []format.Tensor{
			{DType: format.DTypeInt16, Shape: inShape, ArenaOffset: 0},
			{DType: format.DTypeInt16, Shape: outShape, ArenaOffset: 0},
		},
		Ops: []format.Op{{Code: format.OpPadV2, Inputs: []int32{0}, Outputs: []int32{1},
			Params: &format.PadParams{Before: before, After: after, Value: value}}},
	}
}

func TestPad16AgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 2))
	for iter := range 200 {
		rank := 1 + r.IntN(5)
		inShape, before, after := make([]int32, rank), make([]int32, rank), make([]int32, rank)
		for d := range rank {
			inShape[d] = int32(1 + r.IntN(4))
			if r.IntN(2) == 0 {
				before[d], after[d] = int32(r.IntN(3)), int32(r.IntN(3))
			}
		}
		value := int16(r.IntN(65536) - 32768)
		m := pad16Model(inShape, before, after, int32(value))
		in := rand16(r, int(numElems(inShape)))
		got := from16(runKernel(t, m, bytes16(in)))
		want := refPad16(in, inShape, before, after, value)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("iter %d: shape %v pad %v/%v value %d: output %d = %d, want %d", iter, inShape, before, after, value, i, got[i], want[i])
			}
		}
	}
}

func TestPad16RejectsMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(m *format.Model)
		want string
	}{
		{"value beyond int16", func(m *format.Model) { m.Ops[0].Params.(*format.PadParams).Value = 40000 }, "outside int16"},
		{"int8 output", func(m *format.Model) { m.Tensors[1].DType = format.DTypeInt8 }, "want int16"},
		{"output shape", func(m *format.Model) { m.Tensors[1].Shape = []int32{2, 9} }, "padding"},
	} {
		m := pad16Model([]int32{2, 3}, []int32{0, 1}, []int32{0, 2}, -5)
		if _, err := Prepare(m, 0); err != nil {
			t.Fatalf("valid model: %v", err)
		}
		tc.edit(m)
		_, err := Prepare(m, 0)
		if !errors.Is(err, format.ErrMalformedModel) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a malformed-model error mentioning %q", tc.name, err, tc.want)
		}
	}
}
