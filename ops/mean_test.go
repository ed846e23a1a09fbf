package ops

import (
	"errors"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// meanRef sums each group (meanRefSums), then counts the thresholds at or
// below the sum.
func meanRef(in []int8, shape []int32, reduced []bool, thresholds []int32, nOut int) []int8 {
	sums := meanRefSums(in, shape, reduced, nOut)
	out := make([]int8, nOut)
	for i, s := range sums {
		count := 0
		for _, t := range thresholds {
			if int64(t) <= s {
				count++
			}
		}
		out[i] = int8(count - 128)
	}
	return out
}

// meanRefSums sums each group by visiting every input multi-index and
// computing its output index from the kept coordinates.
func meanRefSums(in []int8, shape []int32, reduced []bool, nOut int) []int64 {
	sums := make([]int64, nOut)
	idx := make([]int, len(shape))
	for _, v := range in {
		o := 0
		for d := range shape {
			if !reduced[d] {
				o = o*int(shape[d]) + idx[d]
			}
		}
		sums[o] += int64(v)
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < int(shape[d]) {
				break
			}
			idx[d] = 0
		}
	}
	return sums
}

// meanRandomThresholds returns 255 sorted thresholds spread over (and a bit
// beyond) the reachable sums of n int8 values, with repeats.
func meanRandomThresholds(rng *rand.Rand, n int) []int32 {
	t := make([]int32, 255)
	lo, span := -128*n-3, 255*n+7
	for i := range t {
		t[i] = int32(lo + rng.IntN(span))
	}
	if rng.IntN(4) == 0 { // a run of equal thresholds (a jump of several outputs)
		j := rng.IntN(200)
		for k := j; k < j+40; k++ {
			t[k] = t[j]
		}
	}
	sort.Slice(t, func(a, b int) bool { return t[a] < t[b] })
	return t
}

func TestMeanMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 0))
	for iter := 0; iter < 500; iter++ {
		rank := rng.IntN(6) // 0..5
		shape := make([]int32, rank)
		total := 1
		for d := range shape {
			shape[d] = int32(1 + rng.IntN(5))
			if rng.IntN(25) == 0 {
				shape[d] = 0
			}
			total *= int(shape[d])
		}
		reduced := make([]bool, rank)
		var axes []int32
		for d := 0; d < rank; d++ {
			if rng.IntN(2) == 0 {
				reduced[d] = true
				a := int32(d)
				if rng.IntN(2) == 0 {
					a -= int32(rank) // negative alias
				}
				axes = append(axes, a)
				if rng.IntN(5) == 0 {
					axes = append(axes, int32(d)) // duplicate
				}
			}
		}
		rng.Shuffle(len(axes), func(i, j int) { axes[i], axes[j] = axes[j], axes[i] })
		keep := rng.IntN(2) == 0
		var outShape []int32
		nOut, group := 1, 1
		for d := range shape {
			if reduced[d] {
				group *= int(shape[d])
				if keep {
					outShape = append(outShape, 1)
				}
			} else {
				nOut *= int(shape[d])
				outShape = append(outShape, shape[d])
			}
		}
		p := &format.MeanParams{Axes: axes, KeepDims: keep, Thresholds: meanRandomThresholds(rng, max(group, 1))}
		m := poolgrpModel(format.OpMean, shape, outShape, p)
		input := poolgrpInput(rng, total, rng.IntN(4))
		got := runKernel(t, m, input)
		want := meanRef(input, shape, reduced, p.Thresholds, nOut)
		if !sameInt8s(got, want) {
			t.Fatalf("iter %d shape %v axes %v keep %v: got %v, want %v", iter, shape, axes, keep, got, want)
		}
	}
}

// TestMeanThresholdBoundaries checks the "count thresholds ≤ sum" rule at
// the exact boundaries, including thresholds below and above every sum.
func TestMeanThresholdBoundaries(t *testing.T) {
	th := make([]int32, 255)
	for k := range th {
		th[k] = int32(2*k - 200) // -200, -198, ..., 308
	}
	p := &format.MeanParams{Axes: []int32{1}, Thresholds: th}
	// Each row of two values sums to the tested value.
	sums := []int32{-256, -201, -200, -199, -198, 0, 1, 254}
	input := make([]int8, 0, 2*len(sums))
	for _, s := range sums {
		a := s / 2
		input = append(input, int8(a), int8(s-a))
	}
	m := poolgrpModel(format.OpMean, []int32{int32(len(sums)), 2}, []int32{int32(len(sums))}, p)
	got := runKernel(t, m, input)
	// count of k with 2k - 200 ≤ s is floor((s + 200)/2) + 1, within [0, 255].
	for i, s := range sums {
		c := 0
		if s >= -200 {
			c = min(int((s+200)/2)+1, 255)
		}
		if int(got[i]) != c-128 {
			t.Errorf("sum %d: got %d, want %d", s, got[i], c-128)
		}
	}
}

func TestMeanPrepareErrors(t *testing.T) {
	good := func() *format.Model {
		th := make([]int32, 255)
		return poolgrpModel(format.OpMean, []int32{2, 3, 4}, []int32{2, 4}, &format.MeanParams{Axes: []int32{1}, Thresholds: th})
	}
	if _, err := Prepare(good(), 0); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	cases := []struct {
		name   string
		edit   func(m *format.Model, p *format.MeanParams)
		expect string
	}{
		{"short thresholds", func(m *format.Model, p *format.MeanParams) { p.Thresholds = p.Thresholds[:254] }, "254 entries"},
		{"decreasing", func(m *format.Model, p *format.MeanParams) { p.Thresholds[7] = -1 }, "decrease at 7"},
		{"axis range", func(m *format.Model, p *format.MeanParams) { p.Axes = []int32{3} }, "axis 0 is 3"},
		{"axis negative", func(m *format.Model, p *format.MeanParams) { p.Axes = []int32{-4} }, "axis 0 is -4"},
		{"output size", func(m *format.Model, p *format.MeanParams) { m.Tensors[1].Shape = []int32{2, 3} }, "leaves 8"},
		{"inputs", func(m *format.Model, p *format.MeanParams) { m.Ops[0].Inputs = []int32{0, 0} }, "inputs"},
	}
	for _, tc := range cases {
		m := good()
		tc.edit(m, m.Ops[0].Params.(*format.MeanParams))
		_, err := Prepare(m, 0)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		poolgrpWantMalformed(t, err, "op 0 MEAN", tc.expect)
	}

	// Limits of the int32 sum and of the odometer are unsupported, not
	// malformed.
	big := poolgrpModel(format.OpMean, []int32{1 << 13, 1 << 12}, []int32{1}, &format.MeanParams{Axes: []int32{0, 1}, Thresholds: make([]int32, 255)})
	if _, err := Prepare(big, 0); !errors.Is(err, format.ErrUnsupportedOp) {
		t.Errorf("2^25-element group: %v, want ErrUnsupportedOp", err)
	}
	shape := make([]int32, 34)
	var axes []int32
	for d := range shape {
		shape[d] = 2
		if d%2 == 0 {
			axes = append(axes, int32(d))
		}
	}
	deep := poolgrpModel(format.OpMean, shape, []int32{1 << 17}, &format.MeanParams{Axes: axes, Thresholds: make([]int32, 255)})
	if _, err := Prepare(deep, 0); !errors.Is(err, format.ErrUnsupportedOp) {
		t.Errorf("34 alternating dimensions: %v, want ErrUnsupportedOp", err)
	}
}

// TestMeanSumsSWAR checks the group sums themselves (not just the
// thresholded outputs) where sum adds rows eight channels per word: a
// reduced segment over a kept one of 8 or more channels, with row counts
// around the 257-row chunk, channel tails, batches, and all -128 / all
// 127 inputs (the 16-bit lanes' limits).
func TestMeanSumsSWAR(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 0))
	shapes := [][]int32{
		{1, 7, 7, 1280}, {1, 1, 257, 8}, {1, 1, 258, 9}, {1, 16, 33, 15}, {3, 2, 300, 16},
		{2, 5, 5, 33}, {1, 3, 3, 8}, {1, 1, 1, 24}, {1, 600, 1, 17},
	}
	for _, shape := range shapes {
		for mode := 0; mode < 4; mode++ {
			reduced := []bool{false, true, true, false}
			p := &format.MeanParams{Axes: []int32{1, 2}, KeepDims: true, Thresholds: make([]int32, 255)}
			outShape := []int32{shape[0], 1, 1, shape[3]}
			m := poolgrpModel(format.OpMean, shape, outShape, p)
			k, err := prepareMean(m, &m.Ops[0], "op 0")
			if err != nil {
				t.Fatal(err)
			}
			mk := k.(*meanKernel)
			total := int(shape[0] * shape[1] * shape[2] * shape[3])
			in := poolgrpInput(rng, total, mode)
			nOut := int(shape[0] * shape[3])
			sums := make([]int32, nOut)
			for i := range sums {
				sums[i] = int32(rng.IntN(1000)) // sum adds to what is there
			}
			base := append([]int32(nil), sums...)
			mk.sum(in, sums)
			want := meanRefSums(in, shape, reduced, nOut)
			for i := range sums {
				if int64(sums[i]-base[i]) != want[i] {
					t.Fatalf("shape %v mode %d: sum %d is %d, want %d", shape, mode, i, sums[i]-base[i], want[i])
				}
			}
		}
	}
}

// TestMeanTableAndSearch: the output table (small groups) and the
// threshold search (larger groups) give, for every reachable sum,
// the count of thresholds at or below it, counted here directly; random
// thresholds with repeats, and thresholds below and above every sum.
func TestMeanTableAndSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 0))
	for _, group := range []int32{1, 2, 49, meanTableMaxGroup, meanTableMaxGroup + 1, 257, 1000} {
		for trial := 0; trial < 4; trial++ {
			th := meanRandomThresholds(rng, int(group))
			switch trial {
			case 2:
				for i := range th {
					th[i] = -128*group - 1 // below every sum
				}
			case 3:
				for i := range th {
					th[i] = 127*group + 1 // above every sum
				}
			}
			p := &format.MeanParams{Axes: []int32{1}, Thresholds: th}
			m := poolgrpModel(format.OpMean, []int32{1, group}, []int32{1}, p)
			k, err := prepareMean(m, &m.Ops[0], "op 0")
			if err != nil {
				t.Fatal(err)
			}
			mk := k.(*meanKernel)
			if (mk.lut != nil) != (group <= meanTableMaxGroup) {
				t.Fatalf("group %d: table used %v", group, mk.lut != nil)
			}
			// Every reachable sum (every step-th of a large group's).
			lo, hi := -128*group, 127*group
			step := max(1, (hi-lo)/5000)
			for s := lo; s <= hi; s += step {
				want := 0
				for _, v := range th {
					if v <= s {
						want++
					}
				}
				if got := mk.output(s); int(got) != want-128 {
					t.Fatalf("group %d trial %d: sum %d maps to %d, want %d", group, trial, s, got, want-128)
				}
			}
		}
	}
}
