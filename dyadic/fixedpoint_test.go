package dyadic

import (
	"math"
	"testing"
)

func TestSaturatingRoundingMultiplyByPOTExhaustiveInt16Range(t *testing.T) {
	for a := int32(math.MinInt16); a <= math.MaxInt16; a++ {
		for e := -31; e <= 31; e++ {
			if got, want := SaturatingRoundingMultiplyByPOT(a, e), refSRMPOT(a, e); got != want {
				t.Fatalf("SRMPOT(%d, %d) = %d, want %d", a, e, got, want)
			}
		}
	}
}

func TestSaturatingRoundingMultiplyByPOTRandom(t *testing.T) {
	for _, a := range edges32() {
		for e := -31; e <= 31; e++ {
			if got, want := SaturatingRoundingMultiplyByPOT(a, e), refSRMPOT(a, e); got != want {
				t.Fatalf("SRMPOT(%d, %d) = %d, want %d", a, e, got, want)
			}
		}
	}
	r := newRand()
	for i := 0; i < scale(10_000_000, 10); i++ {
		a := int32(r.Uint32()) >> r.IntN(32)
		e := r.IntN(63) - 31
		if got, want := SaturatingRoundingMultiplyByPOT(a, e), refSRMPOT(a, e); got != want {
			t.Fatalf("SRMPOT(%d, %d) = %d, want %d", a, e, got, want)
		}
	}
	named := []struct {
		a    int32
		e    int
		want int32
	}{
		{1 << 30, 1, math.MaxInt32},    // 2^31 does not fit
		{-(1 << 30), 1, math.MinInt32}, // exactly representable; saturates to the same value
		{-(1 << 30) + 1, 1, -(1 << 31) + 2},
		{1<<30 - 1, 1, 1<<31 - 2},
		{1, 31, math.MaxInt32},
		{-1, 31, math.MinInt32},
		{0, 31, 0},
		{math.MinInt32, -31, -1},
		{math.MaxInt32, -31, 1},
		{3, -1, 2}, {-3, -1, -2},
	}
	for _, n := range named {
		if got := SaturatingRoundingMultiplyByPOT(n.a, n.e); got != n.want {
			t.Errorf("SRMPOT(%d, %d) = %d, want %d", n.a, n.e, got, n.want)
		}
	}
}

func TestSaturatingRoundingMultiplyByPOTPanicsOutsideDomain(t *testing.T) {
	for _, e := range []int{32, -32, 100} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("SRMPOT exponent %d did not panic", e)
				}
			}()
			SaturatingRoundingMultiplyByPOT(1, e)
		}()
	}
}

// Rescale is correct when it gives the nearest representable value of the
// destination format (ties away from zero), saturated: compare with float64,
// where every value involved is exact.
func TestRescale(t *testing.T) {
	r := newRand()
	vals := edges32()
	for i := 0; i < scale(200_000, 10); i++ {
		vals = append(vals, int32(r.Uint32())>>r.IntN(32))
	}
	for src := 0; src <= 31; src += 1 + r.IntN(3) {
		for dst := 0; dst <= 31; dst += 1 + r.IntN(3) {
			for _, a := range vals {
				x := q(a, src) * math.Ldexp(1, 31-dst) // exact
				want := math.Round(x)                  // ties away from zero
				want = math.Max(math.MinInt32, math.Min(math.MaxInt32, want))
				if got := Rescale(a, src, dst); float64(got) != want {
					t.Fatalf("Rescale(%d, %d, %d) = %d, want %v", a, src, dst, got, want)
				}
			}
		}
	}
}

func TestRoundingHalfSum(t *testing.T) {
	ref := func(a, b int32) int32 { return int32(refRoundHalfAwayPOT(int64(a)+int64(b), 1)) }
	for _, a := range edges32() {
		for _, b := range edges32() {
			if got, want := RoundingHalfSum(a, b), ref(a, b); got != want {
				t.Fatalf("RoundingHalfSum(%d, %d) = %d, want %d", a, b, got, want)
			}
		}
	}
	r := newRand()
	for i := 0; i < scale(5_000_000, 10); i++ {
		a, b := int32(r.Uint32()), int32(r.Uint32())
		if got, want := RoundingHalfSum(a, b), ref(a, b); got != want {
			t.Fatalf("RoundingHalfSum(%d, %d) = %d, want %d", a, b, got, want)
		}
	}
	if got := RoundingHalfSum(math.MaxInt32, math.MaxInt32); got != math.MaxInt32 {
		t.Errorf("RoundingHalfSum(max, max) = %d", got)
	}
	if got := RoundingHalfSum(-1, -2); got != -2 {
		t.Errorf("RoundingHalfSum(-1, -2) = %d, want -2 (tie away from zero)", got)
	}
	if got := RoundingHalfSum(1, 2); got != 2 {
		t.Errorf("RoundingHalfSum(1, 2) = %d, want 2", got)
	}
}
