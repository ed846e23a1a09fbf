package dyadic

import (
	"math"
	"math/big"
	"testing"
)

func TestSaturatingRoundingDoublingHighMulEdges(t *testing.T) {
	cases := []struct{ a, b, want int32 }{
		{math.MinInt32, math.MinInt32, math.MaxInt32}, // the one overflow, saturated
		{math.MinInt32, math.MaxInt32, -math.MaxInt32},
		{math.MaxInt32, math.MaxInt32, math.MaxInt32 - 1},
		{math.MinInt32, 1, -1},
		{math.MaxInt32, 1, 1},
		{1 << 30, 1, 1},    // 0.5 rounds up
		{-(1 << 30), 1, 0}, // -0.5 rounds toward +inf
		{-3 << 29, 1, -1},  // -0.75 rounds to -1
		{3, 1 << 30, 2},    // 1.5 → 2
		{-3, 1 << 30, -1},  // -1.5 → -1 (ties toward +inf, not away)
		{0, math.MinInt32, 0},
		{1 << 30, 1 << 30, 1 << 29}, // 0.5·0.5 = 0.25
	}
	for _, c := range cases {
		if got := SaturatingRoundingDoublingHighMul(c.a, c.b); got != c.want {
			t.Errorf("SRDHM(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := SaturatingRoundingDoublingHighMul(c.b, c.a); got != c.want {
			t.Errorf("SRDHM(%d, %d) = %d, want %d (commuted)", c.b, c.a, got, c.want)
		}
	}
}

func TestSaturatingRoundingDoublingHighMulRandom(t *testing.T) {
	r := newRand()
	ed := edges32()
	for _, a := range ed {
		for _, b := range ed {
			if got, want := SaturatingRoundingDoublingHighMul(a, b), refSRDHM(a, b); got != want {
				t.Fatalf("SRDHM(%d, %d) = %d, want %d", a, b, got, want)
			}
		}
	}
	for i := 0; i < scale(20_000_000, 10); i++ {
		a, b := int32(r.Uint32()), int32(r.Uint32())
		if i%3 == 0 { // small magnitudes exercise the rounding of ties
			b >>= r.IntN(31)
		}
		if got, want := SaturatingRoundingDoublingHighMul(a, b), refSRDHM(a, b); got != want {
			t.Fatalf("SRDHM(%d, %d) = %d, want %d", a, b, got, want)
		}
	}
	// An independent big.Rat check of the rounding rule on a sample.
	for i := 0; i < 20000; i++ {
		a, b := int32(r.Uint32()), int32(r.Uint32())>>r.IntN(32)
		if a == math.MinInt32 && b == math.MinInt32 {
			continue
		}
		exact := new(big.Rat).SetFrac(big.NewInt(int64(a)*int64(b)), big.NewInt(1<<31))
		got := SaturatingRoundingDoublingHighMul(a, b)
		// got must be the integer n with n - 1/2 ≤ exact < n + 1/2.
		lo := new(big.Rat).SetFrac(big.NewInt(2*int64(got)-1), big.NewInt(2))
		hi := new(big.Rat).SetFrac(big.NewInt(2*int64(got)+1), big.NewInt(2))
		if exact.Cmp(lo) < 0 || exact.Cmp(hi) >= 0 {
			t.Fatalf("SRDHM(%d, %d) = %d, exact %s", a, b, got, exact.FloatString(3))
		}
	}
}

func TestRoundingDivideByPOTExhaustiveInt16Range(t *testing.T) {
	for x := int32(math.MinInt16); x <= math.MaxInt16; x++ {
		for e := int32(0); e <= 31; e++ {
			if got, want := RoundingDivideByPOT(x, e), int32(refRoundHalfAwayPOTFast(int64(x), uint(e))); got != want {
				t.Fatalf("RoundingDivideByPOT(%d, %d) = %d, want %d", x, e, got, want)
			}
		}
	}
}

func TestRoundingDivideByPOTRandom(t *testing.T) {
	r := newRand()
	check := func(x, e int32) {
		if got, want := RoundingDivideByPOT(x, e), int32(refRoundHalfAwayPOT(int64(x), uint(e))); got != want {
			t.Fatalf("RoundingDivideByPOT(%d, %d) = %d, want %d", x, e, got, want)
		}
	}
	for _, x := range edges32() {
		for e := int32(0); e <= 31; e++ {
			check(x, e)
		}
	}
	fixed := []struct{ x, e, want int32 }{
		{math.MinInt32, 31, -1}, {math.MaxInt32, 31, 1}, {1 << 30, 31, 1}, {1<<30 - 1, 31, 0},
		{-(1 << 30), 31, -1}, {-(1 << 30) + 1, 31, 0}, {5, 1, 3}, {-5, 1, -3}, {-6, 2, -2}, {6, 2, 2},
	}
	for _, f := range fixed {
		if got := RoundingDivideByPOT(f.x, f.e); got != f.want {
			t.Errorf("RoundingDivideByPOT(%d, %d) = %d, want %d", f.x, f.e, got, f.want)
		}
	}
	for i := 0; i < scale(10_000_000, 10); i++ {
		x, e := int32(r.Uint32()), int32(r.IntN(32))
		if got, want := RoundingDivideByPOT(x, e), int32(refRoundHalfAwayPOTFast(int64(x), uint(e))); got != want {
			t.Fatalf("RoundingDivideByPOT(%d, %d) = %d, want %d", x, e, got, want)
		}
		if i%100 == 0 {
			check(x, e)
		}
	}
}

// refMBQM is TFLite's double-rounding multiply built from the reference
// primitives: wrapping left shift, SRDHM, rounding right shift.
func refMBQM(x, m, shift int32) int32 {
	left, right := 0, 0
	if shift > 0 {
		left = int(shift)
	} else {
		right = int(-shift)
	}
	wrapped := int32(int64(x) << uint(left)) // two's-complement wrap
	return int32(refRoundHalfAwayPOTFast(int64(refSRDHM(wrapped, m)), uint(right)))
}

func TestMultiplyByQuantizedMultiplier(t *testing.T) {
	r := newRand()
	half := big.NewRat(1, 1)
	for i := 0; i < scale(5_000_000, 10); i++ {
		x := int32(r.Uint32()) >> r.IntN(32)
		m := int32(1<<30 + r.IntN(1<<30))
		if i%7 == 0 {
			m = -m
		}
		shift := int32(r.IntN(62) - 31) // [-31, 30]
		got := MultiplyByQuantizedMultiplier(x, m, shift)
		if want := refMBQM(x, m, shift); got != want {
			t.Fatalf("MBQM(%d, %d, %d) = %d, want %d", x, m, shift, got, want)
		}
		// Where the left shift does not overflow, the double rounding is
		// within one unit of the exact product.
		if shift > 0 && (int64(x)<<uint(shift) > math.MaxInt32 || int64(x)<<uint(shift) < math.MinInt32) {
			continue
		}
		if i%50 == 0 {
			diff := new(big.Rat).Sub(new(big.Rat).SetInt64(int64(got)), exactMBQM(x, m, shift))
			if diff.Abs(diff).Cmp(half) >= 0 {
				t.Fatalf("MBQM(%d, %d, %d) = %d, exact %s", x, m, shift, got, exactMBQM(x, m, shift).FloatString(4))
			}
		}
	}
	edge := []struct{ x, m, shift, want int32 }{
		{math.MinInt32, math.MinInt32, 0, math.MaxInt32},
		{math.MaxInt32, math.MaxInt32, 0, math.MaxInt32 - 1},
		{100, 1 << 30, -1, 25},         // 100 · 0.5 · 0.5
		{-100, 1 << 30, -3, -6},        // -6.25 → -6
		{3, 1 << 30, 1, 3},             // 3 · 0.5 · 2
		{1 << 30, 1 << 30, 1, 1 << 30}, // left shift wraps to MinInt32, times 0.5
	}
	edge[5].want = -(1 << 30)
	for _, e := range edge {
		if got := MultiplyByQuantizedMultiplier(e.x, e.m, e.shift); got != e.want {
			t.Errorf("MBQM(%d, %d, %d) = %d, want %d", e.x, e.m, e.shift, got, e.want)
		}
	}
}

// refQuantizeMultiplier follows the definition with exact big.Float
// arithmetic: real = mant · 2^exp with |mant| in [1/2, 1), m = mant·2^31
// rounded half away from zero, renormalised if it reached +2^31, flushed to
// zero below 2^-32.
func refQuantizeMultiplier(real float64) (int32, int32) {
	if real == 0 {
		return 0, 0
	}
	f := new(big.Float).SetFloat64(real)
	mant := new(big.Float)
	exp := f.MantExp(mant) // |mant| in [0.5, 1)
	scaled := new(big.Float).SetMantExp(mant, 31)
	neg := scaled.Sign() < 0
	scaled.Abs(scaled)
	scaled.Add(scaled, big.NewFloat(0.5))
	i, _ := scaled.Int(nil) // floor of |x| + 1/2
	if neg {
		i.Neg(i)
	}
	m := i.Int64()
	if m == 1<<31 {
		m /= 2
		exp++
	}
	if exp < -31 {
		return 0, 0
	}
	return int32(m), int32(exp)
}

func TestQuantizeMultiplier(t *testing.T) {
	r := newRand()
	check := func(real float64) {
		t.Helper()
		m, s := QuantizeMultiplier(real)
		wm, ws := refQuantizeMultiplier(real)
		if m != wm || s != ws {
			t.Fatalf("QuantizeMultiplier(%g) = (%d, %d), want (%d, %d)", real, m, s, wm, ws)
		}
		if m == 0 {
			if s != 0 || math.Abs(real) >= math.Ldexp(1, -32) {
				t.Fatalf("QuantizeMultiplier(%g) flushed to (%d, %d)", real, m, s)
			}
			return
		}
		if real > 0 && (m < 1<<30 || m > math.MaxInt32) {
			t.Fatalf("QuantizeMultiplier(%g) m = %d outside [2^30, 2^31)", real, m)
		}
		if real < 0 && (m > -(1<<30) || m < math.MinInt32) {
			t.Fatalf("QuantizeMultiplier(%g) m = %d outside [-2^31, -2^30]", real, m)
		}
		// |m·2^(s-31) - real| ≤ 2^(s-32), exactly.
		approx := new(big.Float).SetMantExp(big.NewFloat(float64(m)), int(s)-31)
		diff := new(big.Float).Sub(approx, new(big.Float).SetFloat64(real))
		diff.Abs(diff)
		if diff.Cmp(new(big.Float).SetMantExp(big.NewFloat(1), int(s)-32)) > 0 {
			t.Fatalf("QuantizeMultiplier(%g) = (%d, %d) off by %s", real, m, s, diff.Text('g', 5))
		}
	}
	for _, real := range []float64{
		1, 0.5, 0.75, 2, 3, 1e-3, 0.1, 123.456, 1 << 40, -1, -0.5, -0.3, -7,
		1 - 0x1p-40, 1 - 0x1p-33, 1 - 0x1p-31, 1 - 0x1p-32, -(1 - 0x1p-40), 0.5 - 0x1p-40,
		0x1p-32, 0x1p-33, 0x1p-32 * (1 - 0x1p-40), 0x1p-31, 0x1p-31 * 0.75, 0x1p-32 * 0.999,
		math.SmallestNonzeroFloat64, -0x1p-33, 0x1p-32 * (1 - 0x1p-33),
	} {
		check(real)
	}
	// Named behaviours.
	if m, s := QuantizeMultiplier(1 - 0x1p-40); m != 1<<30 || s != 1 {
		t.Errorf("round-up to 2^31: got (%d, %d), want (2^30, 1)", m, s)
	}
	if m, s := QuantizeMultiplier(-(1 - 0x1p-40)); m != math.MinInt32 || s != 0 {
		t.Errorf("negative round-up: got (%d, %d), want (MinInt32, 0)", m, s)
	}
	if m, s := QuantizeMultiplier(0x1p-33); m != 0 || s != 0 {
		t.Errorf("2^-33 should flush to zero, got (%d, %d)", m, s)
	}
	if m, s := QuantizeMultiplier(0x1p-32); m != 1<<30 || s != -31 {
		t.Errorf("2^-32 should be kept as (2^30, -31), got (%d, %d)", m, s)
	}
	if m, s := QuantizeMultiplier(0x1p-32 * (1 - 0x1p-40)); m != 1<<30 || s != -31 {
		t.Errorf("just below 2^-32 rounds up and is kept, got (%d, %d)", m, s)
	}
	if m, s := QuantizeMultiplier(0); m != 0 || s != 0 {
		t.Errorf("0: got (%d, %d)", m, s)
	}
	for i := 0; i < scale(400_000, 10); i++ {
		real := math.Ldexp(r.Float64()+0.5, r.IntN(90)-60)
		if i%3 == 0 {
			real = -real
		}
		if i%5 == 0 { // float32 scales as models carry them
			real = float64(float32(real))
		}
		check(real)
	}
}

func BenchmarkMultiplyByQuantizedMultiplier(b *testing.B) {
	xs := make([]int32, 1024)
	r := newRand()
	for i := range xs {
		xs[i] = int32(r.Uint32()) >> 12
	}
	var sink int32
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sink += MultiplyByQuantizedMultiplier(xs[i&1023], 1518500250, -9)
	}
	_ = sink
}

func BenchmarkSaturatingRoundingDoublingHighMul(b *testing.B) {
	var sink int32
	for i := 0; i < b.N; i++ {
		sink += SaturatingRoundingDoublingHighMul(int32(uint32(i)*2654435761), 1518500250)
	}
	_ = sink
}
