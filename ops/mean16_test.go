package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/internal/quanttest"
)

func mean16Model(in, out []int32, p *format.Mean16Params) *format.Model {
	return &format.Model{
		Tensors: []format.Tensor{
			{DType: format.DTypeInt16, Shape: in, ArenaOffset: 0},
			{DType: format.DTypeInt16, Shape: out, ArenaOffset: 0},
		},
		Ops: []format.Op{{Code: format.OpMean, Inputs: []int32{0}, Outputs: []int32{1}, Params: p}},
	}
}

// TestMean16MatchesReference sums each group by coordinates and
// requantizes with quanttest.
func TestMean16MatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 11))
	for iter := 0; iter < 60; iter++ {
		rank := 1 + r.IntN(4)
		shape := make([]int32, rank)
		for d := range shape {
			shape[d] = int32(1 + r.IntN(4))
		}
		reduced := make([]bool, rank)
		var axes []int32
		for d := range shape {
			if r.IntN(2) == 0 {
				reduced[d] = true
				axes = append(axes, int32(d))
			}
		}
		var outShape []int32
		n := int64(1)
		for d, s := range shape {
			if reduced[d] {
				n *= int64(s)
				outShape = append(outShape, 1)
			} else {
				outShape = append(outShape, s)
			}
		}
		p := &format.Mean16Params{Axes: axes, KeepDims: true, Multiplier: int32(1<<30 + r.Int64N(1<<30)), Shift: -int32(r.IntN(8))}
		m := mean16Model(shape, outShape, p)
		xs := rand16(r, numElems(shape))
		got := from16(runKernel(t, m, bytes16(xs)))
		sums := make([]int32, numElems(outShape))
		oi := make([]int, rank)
		forEachIndex(shape, func(idx []int) {
			for d := range idx {
				oi[d] = idx[d]
				if reduced[d] {
					oi[d] = 0
				}
			}
			sums[flatIndex(outShape, oi)] += int32(xs[flatIndex(shape, idx)])
		})
		for i, s := range sums {
			want := min(max(quanttest.MultiplyByQuantizedMultiplier(s, p.Multiplier, p.Shift), math.MinInt16), math.MaxInt16)
			if int32(got[i]) != want {
				t.Fatalf("iter %d %v axes %v: output %d = %d, want %d", iter, shape, axes, i, got[i], want)
			}
		}
	}
}

func TestMean16RejectsMalformed(t *testing.T) {
	valid := func() *format.Model {
		return mean16Model([]int32{2, 3}, []int32{2, 1}, &format.Mean16Params{Axes: []int32{1}, KeepDims: true, Multiplier: 1 << 30, Shift: -1})
	}
	if _, err := Prepare(valid(), 0); err != nil {
		t.Fatalf("valid model: %v", err)
	}
	m := valid()
	m.Ops[0].Params.(*format.Mean16Params).Shift = 31
	wantMalformed(t, m, "shift 31")
	m = valid()
	m.Ops[0].Params.(*format.Mean16Params).Axes = []int32{2}
	wantMalformed(t, m, "axis 2 of a rank-2 input")
	m = valid()
	m.Tensors[1].Shape = []int32{3}
	wantMalformed(t, m, "output of 3 elements")
	m = valid()
	m.Ops[0].Params.(*format.Mean16Params).OutputZeroPoint = 40000
	wantMalformed(t, m, "output zero point beyond int16")
}
