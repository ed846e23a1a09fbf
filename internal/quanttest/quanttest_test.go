package quanttest

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/dyadic"
)

func TestMultiplyByQuantizedMultiplierKnownValues(t *testing.T) {
	// Hand-checked cases: multiplier 2^30 is 0.5.
	cases := []struct{ x, m, shift, want int32 }{
		{100, 1 << 30, 0, 50},
		{101, 1 << 30, 0, 51},             // 50.5 rounds up
		{-101, 1 << 30, 0, -50},           // -50.5: the high mul rounds ties toward +inf
		{-3, 1 << 30, -1, -1},             // high mul: -1.5 -> -1; then -1/2 = -0.5 -> -1 (away from zero)
		{7, 1 << 30, -2, 1},               // 3.5 -> 4; 4/4 = 1
		{1, 1 << 30, 3, 4},                // (1·8)·0.5
		{1 << 28, 1 << 30, 4, 0},          // 2^28·2^4 = 2^32 wraps to 0
		{3 << 29, 1 << 30, 1, -(1 << 29)}, // 3·2^30 wraps to -2^30, then ·0.5
		{math.MinInt32, math.MinInt32, 0, math.MaxInt32},
		{12345, 0, 0, 0},
	}
	for _, c := range cases {
		if got := MultiplyByQuantizedMultiplier(c.x, c.m, c.shift); got != c.want {
			t.Errorf("MultiplyByQuantizedMultiplier(%d, %d, %d) = %d, want %d", c.x, c.m, c.shift, got, c.want)
		}
	}
}

// TestMatchesDyadic checks the restated arithmetic against the dyadic
// package the kernels use, on edge and random values.
func TestMatchesDyadic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	edges := []int32{math.MinInt32, math.MinInt32 + 1, -1 << 30, -2, -1, 0, 1, 2, 1 << 30, math.MaxInt32 - 1, math.MaxInt32}
	xs := []int32{0, 1, -1, 2, -2, 3, -3, math.MaxInt32, math.MinInt32, 1 << 30, -(1 << 30), 3 << 29, -(3 << 29)}
	ms := []int32{0, 1, 1 << 30, 1<<30 + 1, math.MaxInt32, math.MinInt32}
	for _, x := range xs {
		for _, m := range ms {
			for s := int32(-31); s <= 30; s++ {
				if got, want := MultiplyByQuantizedMultiplier(x, m, s), dyadic.MultiplyByQuantizedMultiplier(x, m, s); got != want {
					t.Fatalf("MultiplyByQuantizedMultiplier(%d, %d, %d) = %d, dyadic %d", x, m, s, got, want)
				}
			}
		}
	}
	for i := 0; i < 200000; i++ {
		x, m := int32(r.Uint32()), int32(r.Uint32())
		if i < len(edges)*len(edges) {
			x, m = edges[i/len(edges)], edges[i%len(edges)]
		}
		if got, want := HighMul(x, m), dyadic.SaturatingRoundingDoublingHighMul(x, m); got != want {
			t.Fatalf("HighMul(%d, %d) = %d, dyadic %d", x, m, got, want)
		}
		e := r.IntN(32)
		if got, want := DivPOT(x, e), dyadic.RoundingDivideByPOT(x, int32(e)); got != want {
			t.Fatalf("DivPOT(%d, %d) = %d, dyadic %d", x, e, got, want)
		}
		if m < 0 {
			m = -(m + 1)
		}
		s := int32(r.IntN(62) - 31)
		if got, want := MultiplyByQuantizedMultiplier(x, m, s), dyadic.MultiplyByQuantizedMultiplier(x, m, s); got != want {
			t.Fatalf("MultiplyByQuantizedMultiplier(%d, %d, %d) = %d, dyadic %d", x, m, s, got, want)
		}
	}
}

func TestMultiplyByQuantizedMultiplier64MatchesDyadic(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 200000; i++ {
		x := int64(r.Uint64()) >> (16 + r.IntN(47))
		m := int32(r.Uint32() >> 1)
		if i%7 == 0 {
			m = 0x7FFF0000 + int32(r.IntN(0xFFFF))
		}
		shift := int32(r.IntN(46)) - 31
		if got, want := MultiplyByQuantizedMultiplier64(x, m, shift), dyadic.MultiplyByQuantizedMultiplier64(x, m, shift); got != want {
			t.Fatalf("MultiplyByQuantizedMultiplier64(%d, %d, %d) = %d, dyadic gives %d", x, m, shift, got, want)
		}
	}
	if got := MultiplyByQuantizedMultiplier64(-3, 1<<30, 0); got != -1 {
		t.Errorf("-1.5 gives %d, want -1 (half up)", got)
	}
}
