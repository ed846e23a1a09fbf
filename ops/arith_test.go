package ops

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/internal/quanttest"
)

// Helpers shared by the ADD/SUB/MUL, CONCATENATION, PAD and TRANSPOSE tests.

// layoutOpModel builds a model of a single op with int8 tensors: tensors
// 0..len(ins)-1 are the inputs (shapes ins), the last one the output.
func layoutOpModel(code format.OpCode, params format.OpParams, out []int32, ins ...[]int32) *format.Model {
	m := &format.Model{}
	op := format.Op{Code: code, Params: params}
	for i, s := range append(slices.Clone(ins), out) {
		m.Tensors = append(m.Tensors, format.Tensor{DType: format.DTypeInt8, Shape: s,
			ZeroPoint: []int32{0}, Scale: []float32{1}, ArenaOffset: 0})
		if i < len(ins) {
			op.Inputs = append(op.Inputs, int32(i))
		} else {
			op.Outputs = append(op.Outputs, int32(i))
		}
	}
	m.Ops = []format.Op{op}
	return m
}

// randInt8s returns n random int8 values, with the extremes -128 and 127
// over-represented.
func randInt8s(r *rand.Rand, n int) []int8 {
	d := make([]int8, n)
	for i := range d {
		switch r.IntN(8) {
		case 0:
			d[i] = -128
		case 1:
			d[i] = 127
		default:
			d[i] = int8(r.IntN(256) - 128)
		}
	}
	return d
}

// randZeroPoint returns an int8 zero point, often an extreme.
func randZeroPoint(r *rand.Rand) int32 {
	switch r.IntN(4) {
	case 0:
		return -128
	case 1:
		return 127
	}
	return int32(r.IntN(256) - 128)
}

func numElems(shape []int32) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}

// forEachIndex calls f with every multi-index of shape in row-major order.
func forEachIndex(shape []int32, f func(idx []int)) {
	if numElems(shape) == 0 {
		return
	}
	idx := make([]int, len(shape))
	for {
		f(idx)
		d := len(shape) - 1
		for ; d >= 0; d-- {
			idx[d]++
			if idx[d] < int(shape[d]) {
				break
			}
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// flatIndex is the row-major offset of idx in shape.
func flatIndex(shape []int32, idx []int) int {
	off := 0
	for d, i := range idx {
		off = off*int(shape[d]) + i
	}
	return off
}

func wantMalformed(t *testing.T, m *format.Model, what string) {
	t.Helper()
	_, err := Prepare(m, 0)
	if !errors.Is(err, format.ErrMalformedModel) {
		t.Errorf("%s: got %v, want a malformed-model error", what, err)
	}
}

// The reference arithmetic below is written from the definitions (exact
// int64 products, floor shifts: internal/quanttest) rather than gemmlowp's
// bit tricks.

// refArith computes one output element of ADD, SUB or MUL as TFLite's
// reference kernels define it.
func refArith(code format.OpCode, p *format.ArithParams, x, y int8) int8 {
	if code == format.OpMul {
		prod := (int32(x) + p.Input1Offset) * (int32(y) + p.Input2Offset)
		return quanttest.Requantize(prod, p.OutputMultiplier, p.OutputShift, p.OutputOffset, p.ActMin, p.ActMax)
	}
	a := quanttest.DivPOT(quanttest.HighMul((int32(x)+p.Input1Offset)*(1<<p.LeftShift), p.Input1Multiplier), int(-p.Input1Shift))
	b := quanttest.DivPOT(quanttest.HighMul((int32(y)+p.Input2Offset)*(1<<p.LeftShift), p.Input2Multiplier), int(-p.Input2Shift))
	raw := a + b
	if code == format.OpSub {
		raw = a - b
	}
	return quanttest.Clamp(quanttest.DivPOT(quanttest.HighMul(raw, p.OutputMultiplier), int(-p.OutputShift))+p.OutputOffset, p.ActMin, p.ActMax)
}

// randArithParams draws parameters either from random scales, as a
// converter would produce them, or with fully random multipliers and
// shifts.
func randArithParams(r *rand.Rand, code format.OpCode) *format.ArithParams {
	z1, z2, zo := randZeroPoint(r), randZeroPoint(r), randZeroPoint(r)
	p := &format.ArithParams{Input1Offset: -z1, Input2Offset: -z2, OutputOffset: zo, ActMin: -128, ActMax: 127}
	if r.IntN(3) == 0 {
		p.ActMin = int32(r.IntN(256) - 128)
		p.ActMax = p.ActMin + int32(r.IntN(int(128-p.ActMin)))
	}
	randMult := func() int32 {
		if r.IntN(10) == 0 {
			return 0
		}
		return int32(1<<30 + r.Int64N(1<<30))
	}
	realistic := r.IntN(2) == 0
	scale := func() float64 { return math.Exp2(r.Float64()*16 - 12) }
	if code == format.OpMul {
		if realistic {
			p.OutputMultiplier, p.OutputShift = dyadic.QuantizeMultiplier(scale() * scale() / scale())
			p.OutputShift = min(p.OutputShift, 30)
		} else {
			p.OutputMultiplier, p.OutputShift = randMult(), int32(r.IntN(62)-31)
		}
		return p
	}
	p.LeftShift = 20
	if realistic {
		s1, s2, so := scale(), scale(), scale()
		tw := 2 * max(s1, s2)
		p.Input1Multiplier, p.Input1Shift = dyadic.QuantizeMultiplier(s1 / tw)
		p.Input2Multiplier, p.Input2Shift = dyadic.QuantizeMultiplier(s2 / tw)
		p.OutputMultiplier, p.OutputShift = dyadic.QuantizeMultiplier(tw / (1 << 20) / so)
		p.OutputShift = min(p.OutputShift, 0)
	} else {
		p.Input1Multiplier, p.Input1Shift = randMult(), -int32(r.IntN(32))
		p.Input2Multiplier, p.Input2Shift = randMult(), -int32(r.IntN(32))
		p.OutputMultiplier, p.OutputShift = randMult(), -int32(r.IntN(32))
	}
	return p
}

// randBroadcastShapes returns an output shape and two input shapes that
// broadcast to it (ranks up to 6, some dimensions 1 or, rarely, 0).
func randBroadcastShapes(r *rand.Rand) (out, a, b []int32) {
	rank := r.IntN(7)
	out = make([]int32, rank)
	for i := range out {
		out[i] = int32(1 + r.IntN(5))
		if r.IntN(40) == 0 {
			out[i] = 0
		}
	}
	in := func() []int32 {
		switch r.IntN(6) {
		case 0:
			return slices.Clone(out)
		case 1:
			return []int32{1}
		}
		s := slices.Clone(out[r.IntN(rank+1):])
		for i := range s {
			if r.IntN(3) == 0 {
				s[i] = 1
			}
		}
		return s
	}
	a, b = in(), in()
	// The output must be exactly the broadcast: where neither input has
	// the output's extent, shrink the output to 1.
	ext := func(s []int32, d int) int32 {
		if k := d - (rank - len(s)); k >= 0 {
			return s[k]
		}
		return 1
	}
	for d := range out {
		if ext(a, d) != out[d] && ext(b, d) != out[d] {
			out[d] = 1
		}
	}
	return out, a, b
}

// broadcastIndex maps an output multi-index to the flat index of an input
// of shape s (aligned at the last dimension, size-1 dimensions repeated).
func broadcastIndex(s []int32, out []int) int {
	off := 0
	lead := len(out) - len(s)
	for d, n := range s {
		i := 0
		if n != 1 {
			i = out[lead+d]
		}
		off = off*int(n) + i
	}
	return off
}

func TestArithRandomAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, code := range []format.OpCode{format.OpAdd, format.OpSub, format.OpMul} {
		for iter := range 400 {
			out, sa, sb := randBroadcastShapes(r)
			p := randArithParams(r, code)
			m := layoutOpModel(code, p, out, sa, sb)
			a, b := randInt8s(r, numElems(sa)), randInt8s(r, numElems(sb))
			got := runKernel(t, m, a, b)
			bad := 0
			forEachIndex(out, func(idx []int) {
				want := refArith(code, p, a[broadcastIndex(sa, idx)], b[broadcastIndex(sb, idx)])
				if g := got[flatIndex(out, idx)]; g != want && bad < 3 {
					bad++
					t.Errorf("%s #%d: %v op %v -> %v at %v: got %d, want %d (params %+v)", code, iter, sa, sb, out, idx, g, want, *p)
				}
			})
		}
	}
}

// TestArithExhaustivePairs runs every (x, y) int8 pair through each op in
// all four broadcast forms (equal shapes, scalar first, scalar second,
// row × column) and compares with the reference.
func TestArithExhaustivePairs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	all := make([]int8, 256)
	for i := range all {
		all[i] = int8(i - 128)
	}
	for _, code := range []format.OpCode{format.OpAdd, format.OpSub, format.OpMul} {
		for range 6 {
			p := randArithParams(r, code)
			// row × column: [256,1] op [1,256] → [256,256].
			got := runKernel(t, layoutOpModel(code, p, []int32{256, 256}, []int32{256, 1}, []int32{1, 256}), all, all)
			for i, x := range all {
				for j, y := range all {
					if want := refArith(code, p, x, y); got[i*256+j] != want {
						t.Fatalf("%s %d,%d: got %d, want %d (params %+v)", code, x, y, got[i*256+j], want, *p)
					}
				}
			}
			// Scalar first / second and equal shapes agree with the
			// same reference.
			for _, x := range []int8{-128, -1, 0, 127} {
				g1 := runKernel(t, layoutOpModel(code, p, []int32{2, 128}, []int32{}, []int32{2, 128}), []int8{x}, all)
				g2 := runKernel(t, layoutOpModel(code, p, []int32{256}, []int32{256}, []int32{1}), all, []int8{x})
				xs := slices.Repeat([]int8{x}, 256)
				g3 := runKernel(t, layoutOpModel(code, p, []int32{256}, []int32{256}, []int32{256}), xs, all)
				for j, y := range all {
					if want := refArith(code, p, x, y); g1[j] != want || g3[j] != want {
						t.Fatalf("%s %d,%d: got %d/%d, want %d", code, x, y, g1[j], g3[j], want)
					}
					if want := refArith(code, p, y, x); g2[j] != want {
						t.Fatalf("%s %d,%d: got %d, want %d", code, y, x, g2[j], want)
					}
				}
			}
		}
	}
}

// TestArithKnownValues checks hand-computed results: ADD of equal scales
// with the output at the same scale is the plain sum, SUB the difference,
// MUL with a multiplier of exactly 1/4 a rounded quarter product.
func TestArithKnownValues(t *testing.T) {
	// Inputs at scale s, output at scale s: input multipliers 0.5
	// (2^30, shift 0), output multiplier 2s/(2^20 s) = 2^-19 (2^30,
	// shift -18).
	p := &format.ArithParams{LeftShift: 20,
		Input1Multiplier: 1 << 30, Input2Multiplier: 1 << 30,
		OutputMultiplier: 1 << 30, OutputShift: -18,
		ActMin: -128, ActMax: 127}
	a := []int8{1, 2, -3, 100, -100, 127, -128}
	b := []int8{1, -5, -4, 27, -28, 1, -1}
	add := runKernel(t, layoutOpModel(format.OpAdd, p, []int32{7}, []int32{7}, []int32{7}), a, b)
	sub := runKernel(t, layoutOpModel(format.OpSub, p, []int32{7}, []int32{7}, []int32{7}), a, b)
	wantAdd := []int8{2, -3, -7, 127, -128, 127, -128}
	wantSub := []int8{0, 7, 1, 73, -72, 126, -127}
	if !slices.Equal(add, wantAdd) || !slices.Equal(sub, wantSub) {
		t.Errorf("add %v (want %v), sub %v (want %v)", add, wantAdd, sub, wantSub)
	}
	// MUL with multiplier 2^30 and shift -1 (real 1/4): the high multiply
	// halves the product (ties toward +inf), the shift halves again (ties
	// away from zero). 3·5 → 7.5 → 8 → 4; −7·2 → −7 → −3.5 → −4;
	// 2·1 → 1 → 0.5 → 1; 127·127 saturates the clamp.
	pm := &format.ArithParams{OutputMultiplier: 1 << 30, OutputShift: -1, ActMin: -128, ActMax: 127}
	mul := runKernel(t, layoutOpModel(format.OpMul, pm, []int32{4}, []int32{4}, []int32{4}),
		[]int8{3, -7, 2, 127}, []int8{5, 2, 1, 127})
	if want := []int8{4, -4, 1, 127}; !slices.Equal(mul, want) {
		t.Errorf("mul %v, want %v", mul, want)
	}
}

func TestArithPrepareErrors(t *testing.T) {
	good := func() *format.ArithParams {
		return &format.ArithParams{LeftShift: 20, Input1Multiplier: 1 << 30, Input2Multiplier: 1 << 30,
			OutputMultiplier: 1 << 30, OutputShift: -18, ActMin: -128, ActMax: 127}
	}
	s := []int32{2, 3}
	cases := []struct {
		name   string
		m      *format.Model
		expect bool // true: malformed expected
	}{
		{"not broadcastable", layoutOpModel(format.OpAdd, good(), []int32{2, 3}, []int32{2, 3}, []int32{3, 3}), true},
		{"output too big", layoutOpModel(format.OpAdd, good(), []int32{4, 3}, []int32{1, 3}, []int32{1, 3}), true},
		{"output too small", layoutOpModel(format.OpAdd, good(), []int32{1, 3}, []int32{2, 3}, []int32{2, 3}), true},
		{"one input", layoutOpModel(format.OpAdd, good(), s, s), true},
		{"wrong params", layoutOpModel(format.OpAdd, &format.PadParams{}, s, s, s), true},
		{"offset", layoutOpModel(format.OpSub, func() *format.ArithParams { p := good(); p.Input1Offset = 129; return p }(), s, s, s), true},
		{"output offset", layoutOpModel(format.OpMul, func() *format.ArithParams { p := good(); p.OutputOffset = 128; return p }(), s, s, s), true},
		{"clamp", layoutOpModel(format.OpAdd, func() *format.ArithParams { p := good(); p.ActMin = 5; p.ActMax = 4; return p }(), s, s, s), true},
		{"positive add shift", layoutOpModel(format.OpAdd, func() *format.ArithParams { p := good(); p.Input2Shift = 1; return p }(), s, s, s), true},
		{"left shift", layoutOpModel(format.OpAdd, func() *format.ArithParams { p := good(); p.LeftShift = 24; return p }(), s, s, s), true},
		{"mul shift", layoutOpModel(format.OpMul, func() *format.ArithParams { p := good(); p.OutputShift = 31; return p }(), s, s, s), true},
		{"negative multiplier", layoutOpModel(format.OpMul, func() *format.ArithParams { p := good(); p.OutputMultiplier = -1; return p }(), s, s, s), true},
	}
	for _, c := range cases {
		wantMalformed(t, c.m, c.name)
	}
	// A non-int8 operand.
	m := layoutOpModel(format.OpAdd, good(), s, s, s)
	m.Tensors[1].DType = format.DTypeInt32
	wantMalformed(t, m, "int32 input")
}

// TestBroadcastLayoutMerges checks that the layout collapses what it can:
// the fast paths depend on it.
func TestBroadcastLayoutMerges(t *testing.T) {
	cases := []struct {
		a, b, out  []int32
		dims       []int
		str1, str2 []int
	}{
		{[]int32{2, 3, 4}, []int32{2, 3, 4}, []int32{2, 3, 4}, []int{24}, []int{1}, []int{1}},
		{[]int32{1}, []int32{2, 3, 4}, []int32{2, 3, 4}, []int{24}, []int{0}, []int{1}},
		{[]int32{1, 5, 5, 8}, []int32{8}, []int32{1, 5, 5, 8}, []int{25, 8}, []int{8, 1}, []int{0, 1}},
		{[]int32{4, 1}, []int32{1, 6}, []int32{4, 6}, []int{4, 6}, []int{1, 0}, []int{0, 1}},
		{[]int32{}, []int32{}, []int32{}, []int{1}, []int{1}, []int{1}},
		{[]int32{2, 1, 3, 1}, []int32{2, 5, 3, 1}, []int32{2, 5, 3, 1}, []int{2, 5, 3}, []int{3, 0, 1}, []int{15, 3, 1}},
	}
	for _, c := range cases {
		bl, err := newBroadcastLayout(c.a, c.b, c.out, "test")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(bl.dims[:bl.rank], c.dims) || !slices.Equal(bl.str1[:bl.rank], c.str1) || !slices.Equal(bl.str2[:bl.rank], c.str2) {
			t.Errorf("%v %v -> %v: got dims %v strides %v %v, want %v %v %v", c.a, c.b, c.out,
				bl.dims[:bl.rank], bl.str1[:bl.rank], bl.str2[:bl.rank], c.dims, c.str1, c.str2)
		}
	}
}

func BenchmarkAddSameShape(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	p := randArithParams(r, format.OpAdd)
	s := []int32{1, 28, 28, 32}
	m := layoutOpModel(format.OpAdd, p, s, s, s)
	n := numElems(s)
	b.SetBytes(int64(n))
	benchKernel(b, m, randInt8s(r, n), randInt8s(r, n))
}

func BenchmarkMulChannelBroadcast(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	p := randArithParams(r, format.OpMul)
	s := []int32{1, 28, 28, 32}
	m := layoutOpModel(format.OpMul, p, s, s, []int32{32})
	n := numElems(s)
	b.SetBytes(int64(n))
	benchKernel(b, m, randInt8s(r, n), randInt8s(r, 32))
}

// TestOutStageMatchesDyadic compares the specialised output stage with
// dyadic's generic double-rounding functions on edge and random values.
func TestOutStageMatchesDyadic(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	xs := []int32{0, 1, -1, 1 << 30, -1 << 30, math.MaxInt32, math.MinInt32, math.MinInt32 + 1}
	for range 2000 {
		xs = append(xs, int32(r.Uint32()), int32(r.IntN(1<<20))-1<<19)
	}
	mults := []int32{0, 1, 1 << 30, math.MaxInt32, 1<<30 + 12345}
	for range 50 {
		mults = append(mults, int32(1<<30+r.Int64N(1<<30)))
	}
	for _, m := range mults {
		for right := range 32 {
			s := newOutStage(m, uint8(right), 0, -128, 127)
			for _, x := range xs {
				want := dyadic.MultiplyByQuantizedMultiplierSmallerThanOneExp(x, m, int32(-right))
				if got := s.scale(x); got != want {
					t.Fatalf("x=%d m=%d right=%d: got %d, want %d", x, m, right, got, want)
				}
				if rw := quanttest.DivPOT(quanttest.HighMul(x, m), right); rw != want {
					t.Fatalf("reference disagrees with dyadic: x=%d m=%d right=%d: %d vs %d", x, m, right, rw, want)
				}
			}
		}
	}
}

// TestArithAllImplementations reruns the arithmetic reference tests with
// every registered kernel implementation selected at prepare (ADD/SUB
// rows with both inputs contiguous go through its asm.AddInt8), plus
// contiguous shapes long enough for every vector width and tail.
func TestArithAllImplementations(t *testing.T) {
	forEachImpl(t, func(t *testing.T, _ *asm.Impl) {
		t.Run("Random", TestArithRandomAgainstReference)
		t.Run("Pairs", TestArithExhaustivePairs)
		t.Run("Known", TestArithKnownValues)
		t.Run("Long", testArithLong)
	})
}

// testArithLong: equal shapes (one contiguous row) and a per-channel
// broadcast (contiguous rows of the channel count) of assorted lengths.
func testArithLong(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, code := range []format.OpCode{format.OpAdd, format.OpSub} {
		for iter := range 60 {
			h, w, c := int32(1+r.IntN(9)), int32(1+r.IntN(9)), int32(1+r.IntN(70))
			out := []int32{1, h, w, c}
			sb := out
			if iter%3 == 2 {
				sb = []int32{1, 1, w, c} // rows of w·c, repeated over h
			}
			p := randArithParams(r, code)
			a, b := randInt8s(r, numElems(out)), randInt8s(r, numElems(sb))
			got := runKernel(t, layoutOpModel(code, p, out, out, sb), a, b)
			forEachIndex(out, func(idx []int) {
				want := refArith(code, p, a[flatIndex(out, idx)], b[broadcastIndex(sb, idx)])
				if g := got[flatIndex(out, idx)]; g != want {
					t.Fatalf("%s #%d %v op %v at %v: got %d, want %d (params %+v)", code, iter, out, sb, idx, g, want, *p)
				}
			})
		}
	}
}
