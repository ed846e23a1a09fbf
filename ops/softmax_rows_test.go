package ops

import (
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// TestSoftmaxRowsEveryImpl: int8 SOFTMAX equals the element-by-element
// reference (softmaxRef) under every asm implementation, for rows long
// enough to take the per-row table (more elements than distinct values)
// and short ones that do not, with inputs spread over the whole int8
// range or a narrow window anywhere in it (few distinct values), and rows
// whose minimum or maximum sits in a vector tail; and many rows of at
// most 16 values (asm.SoftmaxRows8's blocks of sixteen rows).
func TestSoftmaxRowsEveryImpl(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	forEachImpl(t, func(t *testing.T, impl *asm.Impl) {
		tested, tabled, short := 0, 0, 0
		for iter := range 200 {
			// beta·scale >= 0.05 keeps the row sums inside TFLite's domain
			// (softmaxRef checks) for rows of up to 1200 values.
			p := softmaxParams(t, 1, []float64{0.05, 0.1, 0.3, 1, 4}[rng.IntN(5)])
			rows := 1 + rng.IntN(3)
			depth := []int{1, 5, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 255, 256, 257, 300, 1000, 1200, 2, 10, 12, 16}[rng.IntN(23)]
			many := depth <= asm.SoftmaxRowsMaxDepth && iter%2 == 0
			if many {
				// Blocks of sixteen short rows (asm.SoftmaxRows8) and
				// the rows after the last block.
				rows = []int{16, 17, 35, 64}[rng.IntN(4)]
			}
			in := make([]int8, rows*depth)
			width := []int{256, 256, 1, 2, 7, 40, 130}[rng.IntN(7)]
			base := rng.IntN(257 - width)
			for i := range in {
				in[i] = int8(base + rng.IntN(width) - 128)
			}
			if iter%5 == 0 { // an extreme in the last element of a row
				in[len(in)-1] = []int8{-128, 127}[rng.IntN(2)]
			}
			if !softmaxInDomain(in, depth, p) {
				continue
			}
			tested++
			if many {
				short++
			}
			if lo, hi := minMaxRef(in[:depth]); depth > int(hi)-int(lo)+1 {
				tabled++
			}
			shape := []int32{int32(rows), int32(depth)}
			m := poolgrpModel(format.OpSoftmax, shape, shape, p)
			got := runKernel(t, m, in)
			if want := softmaxRef(t, in, depth, p); !sameInt8s(got, want) {
				t.Fatalf("%s iter %d: depth %d rows %d width %d base %d params %+v: output differs\n got  %v\n want %v",
					impl.Name, iter, depth, rows, width, base, *p, got, want)
			}
		}
		if tested < 60 || tabled < 20 || short < 20 {
			t.Fatalf("only %d cases in TFLite's domain, %d of them with a per-row table, %d of many short rows", tested, tabled, short)
		}
	})
}

func minMaxRef(row []int8) (lo, hi int8) {
	lo, hi = 127, -128
	for _, v := range row {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

// softmaxInDomain reports whether every row's sum keeps TFLite's output
// shift within 31 (softmaxRef's domain; TFLite aborts past it).
func softmaxInDomain(in []int8, depth int, p *format.SoftmaxParams) bool {
	for r := 0; r < len(in)/depth; r++ {
		row := in[r*depth : (r+1)*depth]
		mx := int32(-128)
		for _, v := range row {
			mx = max(mx, int32(v))
		}
		var sum int64
		for _, v := range row {
			if d := int32(v) - mx; d >= p.DiffMin {
				e := dyadic.ExpOnNegativeValues(dyadic.MultiplyByQuantizedMultiplierGreaterThanOne(d, p.InputBetaMultiplier, p.InputBetaLeftShift), 5)
				sum += int64(dyadic.Rescale(e, 0, 12))
			}
		}
		if sum > 1<<31-1 {
			return false
		}
		_, bits := dyadic.GetReciprocal(int32(sum), 12)
		if bits+31-8 > 31 {
			return false
		}
	}
	return true
}
