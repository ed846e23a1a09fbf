package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// softmaxRef evaluates TFLite's reference int8 softmax element by element,
// straight from its definition (no tables): it recomputes the scaled
// difference and exp_on_negative_values for every element in both passes,
// and applies the output shift only when TFLite would (exponent ≤ 31;
// callers avoid the rest).
func softmaxRef(t *testing.T, in []int8, depth int, p *format.SoftmaxParams) []int8 {
	out := make([]int8, len(in))
	expOf := func(d int32) int32 {
		return dyadic.ExpOnNegativeValues(dyadic.MultiplyByQuantizedMultiplierGreaterThanOne(d, p.InputBetaMultiplier, p.InputBetaLeftShift), 5)
	}
	for r := 0; r < len(in)/depth; r++ {
		row := in[r*depth : (r+1)*depth]
		mx := int32(math.MinInt8)
		for _, v := range row {
			if int32(v) > mx {
				mx = int32(v)
			}
		}
		var sum int32 // Q12.19
		for _, v := range row {
			if d := int32(v) - mx; d >= p.DiffMin {
				sum += dyadic.Rescale(expOf(d), 0, 12)
			}
		}
		recip, bitsOverUnit := dyadic.GetReciprocal(sum, 12)
		exponent := bitsOverUnit + 31 - 8
		if exponent < 0 || exponent > 31 {
			t.Fatalf("test bug: row sum %d outside TFLite's domain", sum)
		}
		for c, v := range row {
			d := int32(v) - mx
			if d < p.DiffMin {
				out[r*depth+c] = -128
				continue
			}
			o := dyadic.RoundingDivideByPOT(dyadic.SaturatingRoundingDoublingHighMul(recip, expOf(d)), int32(exponent)) - 128
			out[r*depth+c] = int8(max(min(o, 127), -128))
		}
	}
	return out
}

// softmaxParams derives the kernel parameters as TFLite's prepare does.
func softmaxParams(t *testing.T, beta, scale float64) *format.SoftmaxParams {
	t.Helper()
	m, s, err := dyadic.PreprocessSoftmaxScaling(beta, scale, 5)
	if err != nil {
		t.Fatalf("PreprocessSoftmaxScaling(%v, %v): %v", beta, scale, err)
	}
	return &format.SoftmaxParams{InputBetaMultiplier: m, InputBetaLeftShift: s, DiffMin: -dyadic.CalculateInputRadius(5, s, 31)}
}

func TestSoftmaxMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 0))
	for iter := 0; iter < 300; iter++ {
		beta := []float64{1, 0.1, 0.5, 2, 1e-3, 10}[rng.IntN(6)]
		scale := math.Exp(rng.Float64()*9 - 7) // ~1e-3 .. 7
		if beta*scale*(1<<26) <= 1 {
			continue
		}
		p := softmaxParams(t, beta, scale)
		rows, depth := 1+rng.IntN(4), 1+rng.IntN(60)
		shape := []int32{int32(rows), int32(depth)}
		if rng.IntN(2) == 0 {
			shape = []int32{1, int32(rows), 1, int32(depth)}
		}
		m := poolgrpModel(format.OpSoftmax, shape, shape, p)
		input := poolgrpInput(rng, rows*depth, rng.IntN(4))
		got := runKernel(t, m, input)
		want := softmaxRef(t, input, depth, p)
		if !sameInt8s(got, want) {
			t.Fatalf("iter %d beta %v scale %v params %+v shape %v\n in   %v\n got  %v\n want %v", iter, beta, scale, *p, shape, input, got, want)
		}
	}
}

// TestSoftmaxApproximatesFloat checks the outputs against the real softmax:
// out ≈ 256·softmax(beta·scale·x) - 128.
func TestSoftmaxApproximatesFloat(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 0))
	for iter := 0; iter < 100; iter++ {
		beta, scale := 1.0, 0.02+rng.Float64()*0.1
		p := softmaxParams(t, beta, scale)
		depth := 2 + rng.IntN(30)
		m := poolgrpModel(format.OpSoftmax, []int32{1, int32(depth)}, []int32{1, int32(depth)}, p)
		input := poolgrpInput(rng, depth, 0)
		got := runKernel(t, m, input)
		var den float64
		for _, v := range input {
			den += math.Exp(beta * scale * float64(v))
		}
		for c, v := range input {
			want := 256*math.Exp(beta*scale*float64(v))/den - 128
			if math.Abs(float64(got[c])-math.Min(want, 127)) > 1.01 {
				t.Fatalf("scale %v input %v: output %d is %d, float %.3f", scale, input, c, got[c], want)
			}
		}
	}
}

// TestSoftmaxEdges: a single element is probability 1 (127 after the
// clamp); equal elements share it; beyond diff_min an element is exactly
// -128; and rows whose sum of exponentials reaches 512 (where TFLite's
// kernel aborts) produce -128 everywhere instead of failing.
func TestSoftmaxEdges(t *testing.T) {
	p := softmaxParams(t, 1, 0.125) // multiplier 2^30, left shift 24, diff_min -124
	if p.InputBetaMultiplier != 1<<30 || p.InputBetaLeftShift != 24 || p.DiffMin != -124 {
		t.Fatalf("params %+v, want {1<<30 24 -124}", *p)
	}
	run := func(in []int8) []int8 {
		m := poolgrpModel(format.OpSoftmax, []int32{1, int32(len(in))}, []int32{1, int32(len(in))}, p)
		return runKernel(t, m, in)
	}
	if got := run([]int8{-128}); got[0] != 127 {
		t.Errorf("single element: %d, want 127", got[0])
	}
	if got := run([]int8{5, 5, 5, 5}); !sameInt8s(got, []int8{-64, -64, -64, -64}) {
		t.Errorf("four equal: %v, want all -64", got)
	}
	// d = -124 is kept (e^-15.5·256 rounds to 0), d = -125 is cut off;
	// both print -128, and the maximum takes everything.
	if got := run([]int8{124, 0, -1}); !sameInt8s(got, []int8{127, -128, -128}) {
		t.Errorf("diff_min boundary: %v", got)
	}
	big := make([]int8, 600)
	if got := run(big); got[0] != -128 || got[599] != -128 {
		t.Errorf("sum ≥ 512: %d %d, want -128", got[0], got[599])
	}
	huge := make([]int8, 5000) // the int32 Q12.19 sum would wrap
	if got := run(huge); got[0] != -128 {
		t.Errorf("sum ≥ 4096: %d, want -128", got[0])
	}
}

func TestSoftmaxPrepareErrors(t *testing.T) {
	good := func() *format.Model {
		return poolgrpModel(format.OpSoftmax, []int32{2, 5}, []int32{2, 5},
			&format.SoftmaxParams{InputBetaMultiplier: 1 << 30, InputBetaLeftShift: 24, DiffMin: -124})
	}
	if _, err := Prepare(good(), 0); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	cases := []struct {
		name   string
		edit   func(m *format.Model, p *format.SoftmaxParams)
		expect string
	}{
		{"multiplier", func(m *format.Model, p *format.SoftmaxParams) { p.InputBetaMultiplier = 1 << 29 }, "multiplier"},
		{"shift", func(m *format.Model, p *format.SoftmaxParams) { p.InputBetaLeftShift = 32 }, "left shift"},
		{"diff_min positive", func(m *format.Model, p *format.SoftmaxParams) { p.DiffMin = 1 }, "diff_min"},
		{"diff_min overflow", func(m *format.Model, p *format.SoftmaxParams) { p.DiffMin = -125 }, "diff_min -125"},
		{"shape", func(m *format.Model, p *format.SoftmaxParams) { m.Tensors[1].Shape = []int32{5, 2} }, "differs"},
		{"scalar", func(m *format.Model, p *format.SoftmaxParams) {
			m.Tensors[0].Shape, m.Tensors[1].Shape = nil, nil
		}, "at least one dimension"},
		{"dtype", func(m *format.Model, p *format.SoftmaxParams) { m.Tensors[0].DType = format.DTypeInt32 }, "input 0"},
	}
	for _, tc := range cases {
		m := good()
		tc.edit(m, m.Ops[0].Params.(*format.SoftmaxParams))
		_, err := Prepare(m, 0)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		poolgrpWantMalformed(t, err, "op 0 SOFTMAX", tc.expect)
	}
}
