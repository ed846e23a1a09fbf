package dyadic

import (
	"math"
	"math/big"
	"testing"
)

// ref64 restates MultiplyByQuantizedMultiplier64 with math/big: the reduced
// multiplier as round-half-up of m / 2^16 capped at 2^15-1, then x·reduced
// / 2^(15-shift) rounded half up (floor of value + 1/2), wrapped to int32.
func ref64(x int64, m, shift int32) int32 {
	red := new(big.Int).Rsh(big.NewInt(int64(m)+1<<15), 16) // floor((m + 2^15) / 2^16), m >= 0
	if m >= 0x7FFF0000 {
		red.SetInt64(0x7FFF)
	}
	num := new(big.Int).Mul(big.NewInt(x), red)
	num.Mul(num, big.NewInt(2))
	den := new(big.Int).Lsh(big.NewInt(1), uint(16-shift)) // value + 1/2 = (2·num + 2^(15-shift)) / 2^(16-shift)
	num.Add(num, new(big.Int).Lsh(big.NewInt(1), uint(15-shift)))
	q := new(big.Int).Div(num, den) // Euclidean: floor for den > 0
	// Wrap to int32 as the C++ static_cast does.
	q.And(q, big.NewInt(0xFFFFFFFF))
	return int32(uint32(q.Uint64()))
}

func TestMultiplyByQuantizedMultiplier64KnownValues(t *testing.T) {
	cases := []struct {
		x           int64
		m, shift    int32
		want        int32
		description string
	}{
		{100, 1 << 30, 0, 50, "0.5 exactly"},
		{3, 1 << 30, 0, 2, "1.5 rounds half up"},
		{-3, 1 << 30, 0, -1, "-1.5 rounds half up (toward +inf)"},
		{-5, 1 << 30, 0, -2, "-2.5 → -2"},
		{1 << 40, 1 << 30, -31, 1 << 8, "2^40 · 2^-32"},
		{1000, 0x7FFFFFFF, 0, 1000, "mantissa near 1 is capped at 0x7FFF/2^15"},
		{1 << 20, 0x7FFFFFFF, 0, (1 << 20) - 32, "cap: 0x7FFF·2^20/2^15"},
		{7, 1<<30 + 1<<15, 1, 7, "reduced multiplier rounds up to 2^14+1, times 2"},
		{0, 1 << 30, -31, 0, "zero"},
	}
	for _, c := range cases {
		if got := MultiplyByQuantizedMultiplier64(c.x, c.m, c.shift); got != c.want {
			t.Errorf("%s: MBQM64(%d, %d, %d) = %d, want %d", c.description, c.x, c.m, c.shift, got, c.want)
		}
		if got := ref64(c.x, c.m, c.shift); got != c.want {
			t.Errorf("%s: reference gives %d, want %d (test bug)", c.description, got, c.want)
		}
	}
}

func TestMultiplyByQuantizedMultiplier64Random(t *testing.T) {
	r := newRand()
	ms := []int32{0, 1, 1 << 15, 1<<15 - 1, 1 << 30, 0x7FFEFFFF, 0x7FFF0000, math.MaxInt32}
	xs := []int64{0, 1, -1, 1<<47 - 1, -(1 << 47), math.MaxInt32, math.MinInt32, 12345, -12345}
	for shift := int32(-31); shift <= 14; shift++ {
		for _, m := range ms {
			for _, x := range xs {
				if got, want := MultiplyByQuantizedMultiplier64(x, m, shift), ref64(x, m, shift); got != want {
					t.Fatalf("MBQM64(%d, %d, %d) = %d, want %d", x, m, shift, got, want)
				}
			}
		}
	}
	for i := 0; i < scale(2_000_000, 20); i++ {
		x := int64(r.Uint64()) >> (16 + r.IntN(47)) // |x| up to 2^47
		m := int32(r.Uint32() >> 1)
		shift := int32(r.IntN(46)) - 31
		if got, want := MultiplyByQuantizedMultiplier64(x, m, shift), ref64(x, m, shift); got != want {
			t.Fatalf("MBQM64(%d, %d, %d) = %d, want %d", x, m, shift, got, want)
		}
	}
}
