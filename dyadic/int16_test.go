package dyadic

import (
	"math"
	"testing"
)

// int16Grid returns b values for the pairwise int16 tests: every value in
// -long mode, otherwise a stride plus the edges.
func int16Grid() []int16 {
	var g []int16
	stride := 241
	if *long {
		stride = 1
	}
	for v := math.MinInt16; v <= math.MaxInt16; v += stride {
		g = append(g, int16(v))
	}
	for _, v := range []int{math.MinInt16, math.MinInt16 + 1, -1 << 14, -1, 0, 1, 1 << 14, math.MaxInt16 - 1, math.MaxInt16} {
		g = append(g, int16(v))
	}
	return g
}

func TestSaturatingRoundingDoublingHighMulInt16(t *testing.T) {
	ref := func(a, b int16) int16 { // round half up of a·b/2^15, saturated
		v := floorDiv(int64(a)*int64(b)+1<<14, 1<<15)
		if v > math.MaxInt16 {
			return math.MaxInt16
		}
		return int16(v)
	}
	for _, b := range int16Grid() {
		for a := math.MinInt16; a <= math.MaxInt16; a++ {
			if got, want := SaturatingRoundingDoublingHighMulInt16(int16(a), b), ref(int16(a), b); got != want {
				t.Fatalf("SRDHM16(%d, %d) = %d, want %d", a, b, got, want)
			}
		}
	}
	if got := SaturatingRoundingDoublingHighMulInt16(math.MinInt16, math.MinInt16); got != math.MaxInt16 {
		t.Errorf("SRDHM16(min, min) = %d", got)
	}
	if got := SaturatingRoundingDoublingHighMulInt16(-1, 1<<14); got != 0 {
		t.Errorf("SRDHM16(-1, 2^14) = %d, want 0 (-0.5 rounds toward +inf)", got)
	}
}

func TestSaturatingDoublingHighMulInt16(t *testing.T) {
	ref := func(a, b int16) int16 { // truncate a·b/2^15 toward zero, saturated
		p := int64(a) * int64(b)
		v := floorDiv(p, 1<<15)
		if p < 0 && p%(1<<15) != 0 {
			v++
		}
		if v > math.MaxInt16 {
			return math.MaxInt16
		}
		return int16(v)
	}
	for _, b := range int16Grid() {
		for a := math.MinInt16; a <= math.MaxInt16; a++ {
			if got, want := SaturatingDoublingHighMulInt16(int16(a), b), ref(int16(a), b); got != want {
				t.Fatalf("SDHM16(%d, %d) = %d, want %d", a, b, got, want)
			}
		}
	}
	if got := SaturatingDoublingHighMulInt16(-3, 1<<14); got != -1 {
		t.Errorf("SDHM16(-3, 2^14) = %d, want -1 (-1.5 truncates)", got)
	}
}

func TestSaturatingLeftShiftInt16Exhaustive(t *testing.T) {
	for v := math.MinInt16; v <= math.MaxInt16; v++ {
		for amount := 0; amount <= 40; amount++ {
			want := int64(v) << uint(amount) // |v|·2^40 < 2^56
			want = max(math.MinInt16, min(math.MaxInt16, want))
			if got := SaturatingLeftShiftInt16(int16(v), amount); int64(got) != want {
				t.Fatalf("SaturatingLeftShiftInt16(%d, %d) = %d, want %d", v, amount, got, want)
			}
		}
	}
}

func TestRoundingDivideByPOTInt16Exhaustive(t *testing.T) {
	for x := math.MinInt16; x <= math.MaxInt16; x++ {
		for e := 0; e <= 15; e++ {
			want := refRoundHalfAwayPOTFast(int64(x), uint(e))
			if got := RoundingDivideByPOTInt16(int16(x), e); int64(got) != want {
				t.Fatalf("RoundingDivideByPOTInt16(%d, %d) = %d, want %d", x, e, got, want)
			}
		}
		// gemmlowp's int16 mask truncation for exponents 16..31.
		want := int16(1)
		if x < 0 {
			want = -1
		}
		for e := 16; e <= 31; e++ {
			if got := RoundingDivideByPOTInt16(int16(x), e); got != want {
				t.Fatalf("RoundingDivideByPOTInt16(%d, %d) = %d, want %d", x, e, got, want)
			}
		}
	}
}
