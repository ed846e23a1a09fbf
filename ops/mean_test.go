package ops

import (
	"errors"
	"math/rand"
	"sort"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// meanRef sums each group by visiting every input multi-index and computing
// its output index from the kept coordinates, then counts the thresholds at
// or below the sum.
func meanRef(in []int8, shape []int32, reduced []bool, thresholds []int32, nOut int) []int8 {
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

// meanRandomThresholds returns 255 sorted thresholds spread over (and a bit
// beyond) the reachable sums of n int8 values, with repeats.
func meanRandomThresholds(rng *rand.Rand, n int) []int32 {
	t := make([]int32, 255)
	lo, span := -128*n-3, 255*n+7
	for i := range t {
		t[i] = int32(lo + rng.Intn(span))
	}
	if rng.Intn(4) == 0 { // a run of equal thresholds (a jump of several outputs)
		j := rng.Intn(200)
		for k := j; k < j+40; k++ {
			t[k] = t[j]
		}
	}
	sort.Slice(t, func(a, b int) bool { return t[a] < t[b] })
	return t
}

func TestMeanMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for iter := 0; iter < 500; iter++ {
		rank := rng.Intn(6) // 0..5
		shape := make([]int32, rank)
		total := 1
		for d := range shape {
			shape[d] = int32(1 + rng.Intn(5))
			if rng.Intn(25) == 0 {
				shape[d] = 0
			}
			total *= int(shape[d])
		}
		reduced := make([]bool, rank)
		var axes []int32
		for d := 0; d < rank; d++ {
			if rng.Intn(2) == 0 {
				reduced[d] = true
				a := int32(d)
				if rng.Intn(2) == 0 {
					a -= int32(rank) // negative alias
				}
				axes = append(axes, a)
				if rng.Intn(5) == 0 {
					axes = append(axes, int32(d)) // duplicate
				}
			}
		}
		rng.Shuffle(len(axes), func(i, j int) { axes[i], axes[j] = axes[j], axes[i] })
		keep := rng.Intn(2) == 0
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
		input := poolgrpInput(rng, total, rng.Intn(4))
		got := poolgrpRun(t, m, input)
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
	got := poolgrpRun(t, m, input)
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
