package ops

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// Shared helpers of the pool/mean/softmax kernel tests.

// poolgrpModel builds a one-op model whose tensor 0 is the int8 input and
// tensor 1 the int8 output.
func poolgrpModel(code format.OpCode, inShape, outShape []int32, params format.OpParams) *format.Model {
	return &format.Model{
		Tensors: []format.Tensor{
			{Name: "in", DType: format.DTypeInt8, Shape: inShape, ZeroPoint: []int32{0}, Scale: []float32{1}, ArenaOffset: 0},
			{Name: "out", DType: format.DTypeInt8, Shape: outShape, ZeroPoint: []int32{0}, Scale: []float32{1}, ArenaOffset: 0},
		},
		Ops: []format.Op{{Code: code, Inputs: []int32{0}, Outputs: []int32{1}, Params: params}},
	}
}

func sameInt8s(a, b []int8) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// poolgrpInput returns n int8 values: uniform random, or (by mode) mostly
// the int8 extremes, or all -128, or all 127.
func poolgrpInput(rng *rand.Rand, n int, mode int) []int8 {
	v := make([]int8, n)
	for i := range v {
		switch mode {
		case 1:
			v[i] = []int8{-128, 127, -128, 127, 0, -1}[rng.IntN(6)]
		case 2:
			v[i] = -128
		case 3:
			v[i] = 127
		default:
			v[i] = int8(rng.IntN(256) - 128)
		}
	}
	return v
}

// poolgrpWantMalformed checks err is a malformed-model error mentioning every
// fragment.
func poolgrpWantMalformed(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if !errors.Is(err, format.ErrMalformedModel) {
		t.Fatalf("error %v, want ErrMalformedModel", err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
}

// poolRef is a direct transcription of the pooling definition: every filter
// tap is tested against the input bounds; the average rounds |sum|/count
// half away from zero as floor((2|sum| + count) / (2·count)).
func poolRef(in []int8, shape []int32, outH, outW int, p *format.PoolParams, avg bool) []int8 {
	N, H, W, C := int(shape[0]), int(shape[1]), int(shape[2]), int(shape[3])
	out := make([]int8, 0, N*outH*outW*C)
	for b := 0; b < N; b++ {
		for oy := 0; oy < outH; oy++ {
			for ox := 0; ox < outW; ox++ {
				for c := 0; c < C; c++ {
					var sum int64
					count := int64(0)
					best := int64(-128)
					for fy := 0; fy < int(p.FilterH); fy++ {
						for fx := 0; fx < int(p.FilterW); fx++ {
							y := oy*int(p.StrideH) - int(p.PadTop) + fy
							x := ox*int(p.StrideW) - int(p.PadLeft) + fx
							if y < 0 || y >= H || x < 0 || x >= W {
								continue
							}
							v := int64(in[((b*H+y)*W+x)*C+c])
							sum += v
							count++
							best = max(best, v)
						}
					}
					r := best
					if avg {
						mag := sum
						if mag < 0 {
							mag = -mag
						}
						r = (2*mag + count) / (2 * count)
						if sum < 0 {
							r = -r
						}
					}
					r = min(max(r, int64(p.ActMin)), int64(p.ActMax))
					out = append(out, int8(r))
				}
			}
		}
	}
	return out
}

func TestPoolMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 0))
	for iter := 0; iter < 400; iter++ {
		avg := iter%2 == 0
		N, H, W, C := 1+rng.IntN(2), 1+rng.IntN(9), 1+rng.IntN(9), 1+rng.IntN(20)
		p := &format.PoolParams{
			StrideH: int32(1 + rng.IntN(3)), StrideW: int32(1 + rng.IntN(3)),
			FilterH: int32(1 + rng.IntN(5)), FilterW: int32(1 + rng.IntN(5)),
		}
		// Any leading padding below the filter size keeps every window
		// non-empty for outputs up to ceil((in + pad) / stride).
		p.PadTop, p.PadLeft = int32(rng.IntN(int(p.FilterH))), int32(rng.IntN(int(p.FilterW)))
		maxH := (H + int(p.PadTop) + int(p.StrideH) - 1) / int(p.StrideH)
		maxW := (W + int(p.PadLeft) + int(p.StrideW) - 1) / int(p.StrideW)
		outH, outW := 1+rng.IntN(maxH), 1+rng.IntN(maxW)
		p.ActMin, p.ActMax = -128, 127
		if rng.IntN(3) == 0 {
			a, b := int32(rng.IntN(256)-128), int32(rng.IntN(256)-128)
			p.ActMin, p.ActMax = min(a, b), max(a, b)
		}
		code := format.OpMaxPool2D
		if avg {
			code = format.OpAveragePool2D
		}
		inShape := []int32{int32(N), int32(H), int32(W), int32(C)}
		m := poolgrpModel(code, inShape, []int32{int32(N), int32(outH), int32(outW), int32(C)}, p)
		input := poolgrpInput(rng, N*H*W*C, rng.IntN(4))
		got := runKernel(t, m, input)
		want := poolRef(input, inShape, outH, outW, p, avg)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("iter %d %s in %v out %dx%d params %+v: output %d is %d, want %d", iter, code, inShape, outH, outW, *p, i, got[i], want[i])
			}
		}
	}
}

// TestAveragePoolWideWindows: windows at and past the 257 taps the
// eight-channel sums handle, with every value at an extreme (the sums'
// lanes at their limits), against the reference.
func TestAveragePoolWideWindows(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 0))
	for _, hw := range [][2]int{{1, 257}, {257, 1}, {16, 16}, {16, 17}, {1, 258}, {25, 5}} {
		for _, fill := range []int{-128, 127, 0} {
			H, W, C := hw[0], hw[1], 19
			p := &format.PoolParams{StrideH: 1, StrideW: 1, FilterH: int32(H), FilterW: int32(W), ActMin: -128, ActMax: 127}
			inShape := []int32{1, int32(H), int32(W), int32(C)}
			m := poolgrpModel(format.OpAveragePool2D, inShape, []int32{1, 1, 1, int32(C)}, p)
			input := make([]int8, H*W*C)
			for i := range input {
				input[i] = int8(fill)
				if fill == 0 {
					input[i] = int8(rng.IntN(256) - 128)
				}
			}
			got := runKernel(t, m, input)
			want := poolRef(input, inShape, 1, 1, p, true)
			if !sameInt8s(got, want) {
				t.Fatalf("window %dx%d of %d: got %v, want %v", H, W, fill, got, want)
			}
		}
	}
}

// TestAveragePoolRounding pins the rounding of negative and positive
// averages: ties go away from zero.
func TestAveragePoolRounding(t *testing.T) {
	p := &format.PoolParams{StrideH: 1, StrideW: 1, FilterH: 1, FilterW: 2, ActMin: -128, ActMax: 127}
	m := poolgrpModel(format.OpAveragePool2D, []int32{1, 1, 2, 6}, []int32{1, 1, 1, 6}, p)
	// Channel pairs: (-3,-2) → -2.5, (-1,0) → -0.5, (1,2) → 1.5,
	// (2,2) → 2, (-128,-127) → -127.5, (127,126) → 126.5.
	input := []int8{-3, -1, 1, 2, -128, 127, -2, 0, 2, 2, -127, 126}
	got := runKernel(t, m, input)
	want := []int8{-3, -1, 2, 2, -128, 127}
	if !sameInt8s(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestMaxPoolEmptyWindow: a window entirely in the padding (TFLite's max
// pool would give the clamped -128 there) cannot come from TFLite's
// geometry, whose padding is below the filter size: such padding does not
// fit and is malformed (see TestPoolPaddingMustFit).
func TestMaxPoolEmptyWindow(t *testing.T) {
	p := &format.PoolParams{StrideH: 1, StrideW: 1, FilterH: 1, FilterW: 1, PadTop: 1, ActMin: -20, ActMax: 100}
	m := poolgrpModel(format.OpMaxPool2D, []int32{1, 1, 1, 2}, []int32{1, 2, 1, 2}, p)
	_, err := Prepare(m, 0)
	poolgrpWantMalformed(t, err, "op 0 MAX_POOL_2D", "padding")
}

func TestPoolPrepareErrors(t *testing.T) {
	good := func() (*format.Model, *format.PoolParams) {
		p := &format.PoolParams{StrideH: 1, StrideW: 1, FilterH: 2, FilterW: 2, ActMin: -128, ActMax: 127}
		return poolgrpModel(format.OpAveragePool2D, []int32{1, 4, 4, 3}, []int32{1, 3, 3, 3}, p), p
	}
	if _, err := Prepare(func() *format.Model { m, _ := good(); return m }(), 0); err != nil {
		t.Fatalf("baseline: %v", err)
	}
	cases := []struct {
		name   string
		edit   func(m *format.Model, p *format.PoolParams)
		expect string
	}{
		{"zero stride", func(m *format.Model, p *format.PoolParams) { p.StrideW = 0 }, "stride"},
		{"zero filter", func(m *format.Model, p *format.PoolParams) { p.FilterH = 0 }, "filter"},
		{"negative pad", func(m *format.Model, p *format.PoolParams) { p.PadLeft = -1 }, "padding"},
		{"empty window", func(m *format.Model, p *format.PoolParams) { p.PadTop = 2 }, "padding"},
		{"clamp", func(m *format.Model, p *format.PoolParams) { p.ActMin, p.ActMax = 10, 5 }, "activation range"},
		{"rank", func(m *format.Model, p *format.PoolParams) { m.Tensors[0].Shape = []int32{4, 4, 3} }, "rank 4"},
		{"depth", func(m *format.Model, p *format.PoolParams) { m.Tensors[1].Shape = []int32{1, 3, 3, 2} }, "depth"},
		{"dtype", func(m *format.Model, p *format.PoolParams) { m.Tensors[1].DType = format.DTypeInt16 }, "output 0"},
		{"params", func(m *format.Model, p *format.PoolParams) { m.Ops[0].Params = &format.MeanParams{} }, "params"},
		{"inputs", func(m *format.Model, p *format.PoolParams) { m.Ops[0].Inputs = []int32{0, 0} }, "inputs"},
	}
	for _, tc := range cases {
		m, p := good()
		tc.edit(m, p)
		_, err := Prepare(m, 0)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		poolgrpWantMalformed(t, err, "op 0 AVERAGE_POOL_2D", tc.expect)
	}
}
