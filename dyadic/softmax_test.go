package dyadic

import (
	"errors"
	"math"
	"testing"
)

func TestCountLeadingZeros(t *testing.T) {
	if CountLeadingZeros(0) != 32 || CountLeadingZeros(1) != 31 || CountLeadingZeros(1<<31) != 0 {
		t.Error("CountLeadingZeros edges wrong")
	}
	r := newRand()
	for i := 0; i < 100000; i++ {
		x := r.Uint32() >> r.IntN(33)
		want := 32
		for b := 31; b >= 0; b-- {
			if x&(1<<uint(b)) != 0 {
				want = 31 - b
				break
			}
		}
		if got := CountLeadingZeros(x); got != want {
			t.Fatalf("CountLeadingZeros(%#x) = %d, want %d", x, got, want)
		}
	}
}

func TestGetReciprocal(t *testing.T) {
	r := newRand()
	xs := []int32{1, 2, 3, 1 << 19, 1<<19 + 1, 3 << 18, 1<<20 - 1, math.MaxInt32, 1 << 30}
	for i := 0; i < scale(2_000_000, 20); i++ {
		xs = append(xs, int32(r.Uint32()>>1)>>r.IntN(31)|1)
	}
	for i, x := range xs {
		n := []int{12, 0, 5, 31, 20}[i%5] // softmax uses Q12.19
		rec, over := GetReciprocal(x, n)
		// x = 2^over · (1 + f), f in [0, 1): over = floor(log2 of x's real value).
		_, e := math.Frexp(q(x, n)) // q(x, n) = frac · 2^e, frac in [1/2, 1)
		if over != e-1 {
			t.Fatalf("GetReciprocal(%d, %d): numBitsOverUnit %d, want %d", x, n, over, e-1)
		}
		// f in Q0.31, computed exactly in float64.
		f := q(x, n)*math.Ldexp(1, -over) - 1
		fRaw := int32(f * (1 << 31))
		if want := OneOverOnePlusXForXIn01(fRaw); rec != want {
			t.Fatalf("GetReciprocal(%d, %d) = %d, want OneOverOnePlusX(%d) = %d", x, n, rec, fRaw, want)
		}
		if got, want := q(rec, 0)*math.Ldexp(1, -over), 1/q(x, n); math.Abs(got/want-1) > 2*oneOverTol {
			t.Fatalf("GetReciprocal(%d, %d): 1/x ≈ %v, want %v", x, n, got, want)
		}
	}
	// Exactly one: reciprocal is one saturated, no extra bits.
	if rec, over := GetReciprocal(1<<19, 12); rec != math.MaxInt32 || over != 0 {
		t.Errorf("GetReciprocal(1.0 in Q12) = (%d, %d), want (MaxInt32, 0)", rec, over)
	}
}

func TestCalculateInputRadius(t *testing.T) {
	// TFLite's double-precision formula.
	ref := func(ib int, ls int32, tsb int) int32 {
		v := 1.0 * float64(int64(1)<<uint(ib)-1) * float64(int64(1)<<uint(tsb-ib)) / float64(int64(1)<<uint(ls))
		return int32(math.Floor(v))
	}
	for tsb := 0; tsb <= 31; tsb++ {
		for ib := 0; ib <= min(tsb, 30); ib++ {
			for ls := int32(0); ls <= 62; ls++ {
				if got, want := CalculateInputRadius(ib, ls, tsb), ref(ib, ls, tsb); got != want {
					t.Fatalf("CalculateInputRadius(%d, %d, %d) = %d, want %d", ib, ls, tsb, got, want)
				}
			}
		}
	}
	// int8 LOGISTIC with input scale 0.1: multiplier 0.1·2^27 has shift 24,
	// so inputs beyond ±120 (±12.0) saturate.
	_, shift := QuantizeMultiplier(float64(float32(0.1)) * (1 << 27))
	if got := CalculateInputRadius(4, shift, 31); shift != 24 || got != 120 {
		t.Errorf("logistic radius for scale 0.1: shift %d radius %d, want 24 and 120", shift, got)
	}
	if got := CalculateInputRadius(5, 63, 31); got != 0 {
		t.Errorf("shift 63: %d", got)
	}
	if got := CalculateInputRadius(5, -1, 31); got != math.MaxInt32 {
		t.Errorf("negative shift should saturate, got %d", got)
	}
	if got := CalculateInputRadius(1, -2, 10); got != 2048 {
		t.Errorf("CalculateInputRadius(1, -2, 10) = %d, want 2048", got)
	}
	if got := CalculateInputRadius(0, -5, 31); got != 0 {
		t.Errorf("zero integer bits: %d", got)
	}
}

func TestPreprocessSoftmaxScaling(t *testing.T) {
	// beta 1, input scale 0.1 (a float32 in the model): 0.1·2^26 ≈ 6710886.4.
	beta, scale := 1.0, float64(float32(0.1))
	m, ls, err := PreprocessSoftmaxScaling(beta, scale, 5)
	if err != nil {
		t.Fatal(err)
	}
	real := beta * scale * (1 << 26)
	wm, ws := QuantizeMultiplier(real)
	if m != wm || ls != ws || ls != 23 {
		t.Errorf("PreprocessSoftmaxScaling(1, 0.1, 5) = (%d, %d), want (%d, %d) with shift 23", m, ls, wm, ws)
	}
	if d := math.Abs(float64(m)*math.Ldexp(1, int(ls)-31) - real); d > math.Ldexp(1, int(ls)-32) {
		t.Errorf("reconstruction off by %g", d)
	}
	// Capped at 2^31 - 1, both far above and just above the cap.
	for _, b := range []float64{1e10, 3e9 / (1 << 26), (1<<31 + 1) / float64(1<<26)} {
		m, ls, err = PreprocessSoftmaxScaling(b, 1, 5)
		if err != nil || m != math.MaxInt32 || ls != 31 {
			t.Errorf("beta %g: capped multiplier = (%d, %d, %v), want (MaxInt32, 31, nil)", b, m, ls, err)
		}
	}
	// Just below the cap it is not touched: 2^31 - 2 quantizes to shift 31.
	if m, ls, err = PreprocessSoftmaxScaling((1<<31-2)/float64(1<<26), 1, 5); err != nil || m != math.MaxInt32-1 || ls != 31 {
		t.Errorf("below cap = (%d, %d, %v), want (MaxInt32-1, 31, nil)", m, ls, err)
	}
	for _, c := range [][3]float64{{1, 0x1p-26, 5}, {1, 1e-9, 5}, {0, 1, 5}, {math.NaN(), 1, 5}, {-1, 0.1, 5}} {
		if _, _, err := PreprocessSoftmaxScaling(c[0], c[1], int(c[2])); !errors.Is(err, ErrMultiplierRange) {
			t.Errorf("PreprocessSoftmaxScaling(%v) err = %v, want ErrMultiplierRange", c, err)
		}
	}
	if _, _, err := PreprocessSoftmaxScaling(1, 0x1p-26*(1+0x1p-20), 5); err != nil {
		t.Errorf("just above one: %v", err)
	}
}

// softmaxInt8 is TFLite's int8 softmax reference loop written with this
// package's helpers, to check that they compose into a correct softmax.
func softmaxInt8(in []int8, beta, inputScale float64, out []int8) error {
	const scaledDiffBits, accumBits = 5, 12
	m, ls, err := PreprocessSoftmaxScaling(beta, inputScale, scaledDiffBits)
	if err != nil {
		return err
	}
	diffMin := -CalculateInputRadius(scaledDiffBits, ls, 31)
	maxIn := int32(math.MinInt8)
	for _, v := range in {
		maxIn = max(maxIn, int32(v))
	}
	var sum int32 // Q12.19
	for _, v := range in {
		if d := int32(v) - maxIn; d >= diffMin {
			e := ExpOnNegativeValues(MultiplyByQuantizedMultiplierGreaterThanOne(d, m, ls), scaledDiffBits)
			sum += Rescale(e, 0, accumBits)
		}
	}
	rec, over := GetReciprocal(sum, accumBits)
	exponent := int32(over + 31 - 8)
	for i, v := range in {
		out[i] = math.MinInt8
		if d := int32(v) - maxIn; d >= diffMin {
			e := ExpOnNegativeValues(MultiplyByQuantizedMultiplierGreaterThanOne(d, m, ls), scaledDiffBits)
			o := RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(rec, e), exponent) + math.MinInt8
			out[i] = int8(max(math.MinInt8, min(math.MaxInt8, o)))
		}
	}
	return nil
}

func TestSoftmaxComposition(t *testing.T) {
	r := newRand()
	for trial := 0; trial < scale(20000, 10); trial++ {
		n := 1 + r.IntN(40)
		in := make([]int8, n)
		for i := range in {
			in[i] = int8(r.IntN(256) - 128)
		}
		inputScale := float64(float32(math.Ldexp(0.5+r.Float64(), -r.IntN(8))))
		beta := []float64{1, 1, 0.5, 2}[trial%4]
		out := make([]int8, n)
		if err := softmaxInt8(in, beta, inputScale, out); err != nil {
			t.Fatal(err)
		}
		maxIn := math.Inf(-1)
		for _, v := range in {
			maxIn = math.Max(maxIn, float64(v))
		}
		var den float64
		for _, v := range in {
			den += math.Exp(beta * inputScale * (float64(v) - maxIn))
		}
		for i, v := range in {
			p := math.Exp(beta*inputScale*(float64(v)-maxIn)) / den
			want := math.Max(-128, math.Min(127, math.Round(p*256)-128))
			if math.Abs(float64(out[i])-want) > 1 {
				t.Fatalf("softmax(%v, scale %g, beta %g)[%d] = %d, want %v±1", in, inputScale, beta, i, out[i], want)
			}
		}
	}
}

// logisticInt8 is TFLite's int8 logistic reference loop (4 input integer
// bits, output scale 1/256, zero point -128) written with this package.
func logisticInt8(v int8, zp int32, inputScale float64) int8 {
	m, ls := QuantizeMultiplier(inputScale * (1 << 27))
	radius := CalculateInputRadius(4, ls, 31)
	in := int32(v) - zp
	if in <= -radius {
		return math.MinInt8
	}
	if in >= radius {
		return math.MaxInt8
	}
	o := RoundingDivideByPOT(Logistic(MultiplyByQuantizedMultiplier(in, m, ls), 4), 23) - 128
	return int8(max(math.MinInt8, min(math.MaxInt8, o)))
}

func TestLogisticComposition(t *testing.T) {
	r := newRand()
	for trial := 0; trial < 2000; trial++ {
		inputScale := float64(float32(math.Ldexp(0.5+r.Float64(), -r.IntN(9))))
		zp := int32(r.IntN(256) - 128)
		for v := math.MinInt8; v <= math.MaxInt8; v++ {
			x := inputScale * float64(int32(v)-zp)
			want := math.Max(-128, math.Min(127, math.Round(256/(1+math.Exp(-x)))-128))
			if got := logisticInt8(int8(v), zp, inputScale); math.Abs(float64(got)-want) > 1 {
				t.Fatalf("logistic int8 %d (zp %d, scale %g) = %d, want %v±1", v, zp, inputScale, got, want)
			}
		}
	}
}
