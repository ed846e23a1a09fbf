package dyadic

import (
	"math"
	"testing"
)

// modelInvSqrt restates TFLite's algorithm on the typed test model: find the
// even power of two putting the input in [2^27, 2^29), five Newton steps for
// 1/sqrt in Q3.28 from 1, times sqrt(2)/2.
func modelInvSqrt(input int32, reverse int32) (int32, int32) {
	if input <= 1 {
		return math.MaxInt32, 0
	}
	s := int32(11)
	for input >= 1<<29 {
		input >>= 2
		s++
	}
	for int64(input)<<2 < 1<<29 {
		input <<= 2
		s--
	}
	in := fx{input >> 1, 3}
	halfIn := in.mulPOT(-1)
	x := one(3)
	for i := 0; i < 5; i++ {
		x3 := x.mul(x).mul(x).rescale(3)
		x = fxConst(1.5, 3).mul(x).sub(halfIn.mul(x3)).rescale(3)
	}
	m := x.mul(fxConst(math.Sqrt2/2, 0)).raw
	if s < 0 {
		m = int32(int64(m) << uint(-s))
		s = 0
	}
	return m, s * reverse
}

func TestGetInvSqrtQuantizedMultiplierExp(t *testing.T) {
	check := func(input int32) {
		t.Helper()
		m, s := GetInvSqrtQuantizedMultiplierExp(input, -1)
		wm, ws := modelInvSqrt(input, -1)
		if m != wm || s != ws {
			t.Fatalf("GetInvSqrt(%d) = (%d, %d), model (%d, %d)", input, m, s, wm, ws)
		}
		if m2, s2 := GetInvSqrtQuantizedMultiplierExp(input, 1); m2 != m || s2 != -s {
			t.Fatalf("GetInvSqrt(%d, +1) = (%d, %d), want (%d, %d)", input, m2, s2, m, -s)
		}
		if input <= 1 {
			return
		}
		if m <= 0 || s > 0 {
			t.Fatalf("GetInvSqrt(%d) = (%d, %d): want positive multiplier, left shift ≤ 0", input, m, s)
		}
		got := float64(m) * math.Ldexp(1, int(s)-31)
		if e := math.Abs(got*math.Sqrt(float64(input)) - 1); e > 2e-6 {
			t.Fatalf("GetInvSqrt(%d): %v, want %v (rel err %g)", input, got, 1/math.Sqrt(float64(input)), e)
		}
	}
	for _, in := range []int32{math.MinInt32, -1, 0, 1, 2, 3, 4, 1<<27 - 1, 1 << 27, 1<<29 - 1, 1 << 29, math.MaxInt32} {
		check(in)
	}
	if m, s := GetInvSqrtQuantizedMultiplierExp(1, -1); m != math.MaxInt32 || s != 0 {
		t.Errorf("GetInvSqrt(1) = (%d, %d)", m, s)
	}
	for in := int32(2); in < 1<<16; in++ { // every sum of squares of a short int8 vector
		check(in)
	}
	r := newRand()
	for i := 0; i < scale(1_000_000, 10); i++ {
		check(int32(r.Uint32()>>1) >> r.IntN(31))
	}
}
