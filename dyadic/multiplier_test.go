package dyadic

import (
	"errors"
	"math"
	"math/big"
	"testing"
)

func TestQuantizeMultiplierGreaterThanOne(t *testing.T) {
	for _, real := range []float64{1 + 0x1p-40, 1.5, 2, 1000.25, 0x1p30, 3.0e9} {
		m, s, err := QuantizeMultiplierGreaterThanOne(real)
		wm, ws := QuantizeMultiplier(real)
		if err != nil || m != wm || s != ws || s < 0 {
			t.Errorf("QuantizeMultiplierGreaterThanOne(%g) = (%d, %d, %v), want (%d, %d, nil)", real, m, s, err, wm, ws)
		}
	}
	for _, real := range []float64{1, 0.5, 0, -3, math.NaN()} {
		if _, _, err := QuantizeMultiplierGreaterThanOne(real); !errors.Is(err, ErrMultiplierRange) {
			t.Errorf("QuantizeMultiplierGreaterThanOne(%g) err = %v, want ErrMultiplierRange", real, err)
		}
	}
}

func TestQuantizeMultiplierSmallerThanOneExp(t *testing.T) {
	for _, real := range []float64{0.5, 0.75, 1e-3, 1 - 0x1p-20, 0x1p-31, 0x1p-40} {
		m, s, err := QuantizeMultiplierSmallerThanOneExp(real)
		wm, ws := QuantizeMultiplier(real)
		if err != nil || m != wm || s != ws || s > 0 {
			t.Errorf("QuantizeMultiplierSmallerThanOneExp(%g) = (%d, %d, %v), want (%d, %d, nil)", real, m, s, err, wm, ws)
		}
	}
	// 1 - 2^-40 rounds its mantissa up to one: TFLite's check fails there.
	for _, real := range []float64{1, 1 - 0x1p-40, 2, 0, -0.5, math.NaN()} {
		if _, _, err := QuantizeMultiplierSmallerThanOneExp(real); !errors.Is(err, ErrMultiplierRange) {
			t.Errorf("QuantizeMultiplierSmallerThanOneExp(%g) err = %v, want ErrMultiplierRange", real, err)
		}
	}
}

func TestMultiplyByQuantizedMultiplierVariants(t *testing.T) {
	r := newRand()
	for i := 0; i < scale(2_000_000, 10); i++ {
		x := int32(r.Uint32()) >> r.IntN(32)
		m := int32(r.Uint32())
		if i%2 == 0 {
			m = int32(1<<30 + r.IntN(1<<30))
		}
		right := int32(r.IntN(32))
		if got, want := MultiplyByQuantizedMultiplierSmallerThanOneExp(x, m, -right), refMBQM(x, m, -right); got != want {
			t.Fatalf("SmallerThanOneExp(%d, %d, %d) = %d, want %d", x, m, -right, got, want)
		}
		left := int32(r.IntN(32))
		if got, want := MultiplyByQuantizedMultiplierGreaterThanOne(x, m, left), refMBQM(x, m, left); got != want {
			t.Fatalf("GreaterThanOne(%d, %d, %d) = %d, want %d", x, m, left, got, want)
		}
	}
	// x · 2^31 wraps: 1<<31 times 1 is MinInt32 in TFLite's int arithmetic.
	if got := MultiplyByQuantizedMultiplierGreaterThanOne(1, math.MinInt32, 31); got != math.MaxInt32 {
		t.Errorf("GreaterThanOne(1, MinInt32, 31) = %d, want MaxInt32", got)
	}
}

// refMBQMInt64 follows TFLite's int64 path from its definition with big.Int:
// a 16-bit multiplier rounded half up from m, then one rounding (half up) of
// x·r / 2^(15-shift), truncated to 32 bits.
func refMBQMInt64(x int64, m, shift int32) int32 {
	r := int64(0x7FFF)
	if m < 0x7FFF0000 {
		r = floorDiv(int64(m)+1<<15, 1<<16)
	}
	p := new(big.Int).Mul(big.NewInt(x), big.NewInt(r))
	ts := uint(15 - shift)
	p.Add(p, new(big.Int).Lsh(big.NewInt(1), ts-1))
	p.Rsh(p, ts)            // floor
	return int32(p.Int64()) // |x·r| < 2^62; int32() keeps the low 32 bits
}

func TestMultiplyByQuantizedMultiplierInt64(t *testing.T) {
	r := newRand()
	for i := 0; i < scale(1_000_000, 10); i++ {
		x := r.Int64N(1<<48) - 1<<47
		x >>= r.IntN(48)
		m := int32(r.Uint32() >> 1)
		if i%2 == 0 {
			m = int32(1<<30 + r.IntN(1<<30))
		}
		if i%97 == 0 {
			m = math.MaxInt32 - int32(r.IntN(1<<17))
		}
		shift := int32(r.IntN(39) - 31) // [-31, 7]
		if got, want := MultiplyByQuantizedMultiplierInt64(x, m, shift), refMBQMInt64(x, m, shift); got != want {
			t.Fatalf("MBQMInt64(%d, %d, %d) = %d, want %d", x, m, shift, got, want)
		}
	}
	// 1000 · 0.5 with a 2^-1 shift: 250 exactly.
	if got := MultiplyByQuantizedMultiplierInt64(1000, 1<<30, -1); got != 250 {
		t.Errorf("MBQMInt64(1000, 2^30, -1) = %d, want 250", got)
	}
	// Ties round up (toward +inf): -3 · 0.5 · 2^-1 = -0.75 → -1; -2·0.5·0.5 = -0.5 → 0.
	if got := MultiplyByQuantizedMultiplierInt64(-2, 1<<30, -1); got != 0 {
		t.Errorf("MBQMInt64(-2, 2^30, -1) = %d, want 0", got)
	}
	if got := MultiplyByQuantizedMultiplierInt64(-3, 1<<30, -1); got != -1 {
		t.Errorf("MBQMInt64(-3, 2^30, -1) = %d, want -1", got)
	}
}

func TestDownScaleInt32ToInt16Multiplier(t *testing.T) {
	ref := func(m int32) int16 {
		v := floorDiv(int64(m)+1<<15, 1<<16) // round half up
		if v > math.MaxInt16 {
			return math.MaxInt16
		}
		return int16(v)
	}
	check := func(m int32) {
		if got, want := DownScaleInt32ToInt16Multiplier(m), ref(m); got != want {
			t.Fatalf("DownScaleInt32ToInt16Multiplier(%d) = %d, want %d", m, got, want)
		}
	}
	for _, m := range []int32{0, 1, 1<<15 - 1, 1 << 15, 1 << 16, 1 << 30, 1<<30 + 1<<15, 1<<30 + 1<<15 - 1,
		math.MaxInt32, math.MaxInt32 - 1<<15, math.MaxInt32 - 1<<15 - 1, math.MaxInt32 - 1<<16} {
		check(m)
	}
	if got := DownScaleInt32ToInt16Multiplier(math.MaxInt32); got != math.MaxInt16 {
		t.Errorf("DownScale(MaxInt32) = %d", got)
	}
	if got := DownScaleInt32ToInt16Multiplier(1<<30 + 1<<15); got != 1<<14+1 {
		t.Errorf("DownScale(2^30+2^15) = %d, want 2^14+1 (tie rounds up)", got)
	}
	r := newRand()
	for i := 0; i < scale(2_000_000, 10); i++ {
		check(int32(r.Uint32() >> 1))
	}
}
