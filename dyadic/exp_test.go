package dyadic

import (
	"math"
	"testing"
)

// q31 rounds a real to Q0.31 (nearest, ties away from zero, saturating).
func q31(x float64) int32 { return fxConst(x, 0).raw }

func TestExpConstantsRecomputed(t *testing.T) {
	checks := []struct {
		name string
		got  int32
		real float64
		n    int
	}{
		{"exp(-1/8)", expMinusOneEighthQ0, math.Exp(-1.0 / 8), 0},
		{"1/3", oneThirdQ0, 1.0 / 3, 0},
		{"1/8", oneEighthQ0, 1.0 / 8, 0},
		{"48/17", fortyEightSeventeenthsQ2, 48.0 / 17, 2},
		{"-32/17", minusThirtyTwoSeventeenthsQ2, -32.0 / 17, 2},
		{"1 (Q2)", oneQ2, 1, 2},
		{"1/2", oneHalfQ0, 0.5, 0},
		{"3/2 (Q3)", threeHalvesQ3, 1.5, 3},
		{"sqrt(2)/2", halfSqrtTwoQ0, math.Sqrt2 / 2, 0},
	}
	for j := -2; j <= 4; j++ {
		checks = append(checks, struct {
			name string
			got  int32
			real float64
			n    int
		}{"exp(-2^j)", expBarrelQ0[j+2], math.Exp(-math.Ldexp(1, j)), 0})
	}
	for _, c := range checks {
		if want := fxConst(c.real, c.n).raw; c.got != want {
			t.Errorf("%s in Q%d: constant %d, recomputed %d", c.name, c.n, c.got, want)
		}
		// The float64 product must not sit on a rounding tie, or the
		// recomputation would not be trustworthy.
		x := c.real * math.Ldexp(1, 31-c.n)
		if f := x - math.Floor(x); math.Abs(f-0.5) < 1e-4 {
			t.Errorf("%s: %v is too close to a tie to check in float64", c.name, x)
		}
	}
}

// fx is a typed fixed-point value for the test model: raw in Q(n).(31-n).
// Its operators follow gemmlowp's FixedPoint algebra, with the integer bits
// tracked by the type instead of by hand, on top of the reference primitives.
type fx struct {
	raw int32
	n   int
}

// fxConst is the Q(n) value nearest to x (ties away from zero), saturated.
func fxConst(x float64, n int) fx {
	v := math.Round(x * math.Ldexp(1, 31-n))
	return fx{clamp32(int64(math.Max(math.MinInt32, math.Min(math.MaxInt32, v)))), n}
}

func one(n int) fx {
	if n == 0 {
		return fx{math.MaxInt32, 0}
	}
	return fx{1 << uint(31-n), n}
}

func (a fx) same(b fx) {
	if a.n != b.n {
		panic("model: mixed formats")
	}
}
func (a fx) mul(b fx) fx      { return fx{refSRDHM(a.raw, b.raw), a.n + b.n} }
func (a fx) add(b fx) fx      { a.same(b); return fx{a.raw + b.raw, a.n} }
func (a fx) sub(b fx) fx      { a.same(b); return fx{a.raw - b.raw, a.n} }
func (a fx) neg() fx          { return fx{-a.raw, a.n} }
func (a fx) rescale(n int) fx { return fx{refSRMPOT(a.raw, a.n-n), n} }
func (a fx) mulPOT(e int) fx  { return fx{refSRMPOT(a.raw, e), a.n} }
func (a fx) relabel(e int) fx { return fx{a.raw, a.n + e} } // exact ·2^e
func halfSum(a, b fx) fx {
	a.same(b)
	return fx{int32(refRoundHalfAwayPOT(int64(a.raw)+int64(b.raw), 1)), a.n}
}
func modelExpQuarter(a fx) fx {
	x := a.add(fxConst(1.0/8, 0))
	x2 := x.mul(x)
	x3 := x2.mul(x)
	x4 := x2.mul(x2)
	poly := x4.mulPOT(-2).add(x3).mul(fxConst(1.0/3, 0)).add(x2).mulPOT(-1)
	c := fxConst(math.Exp(-1.0/8), 0)
	return c.add(c.mul(x.add(poly)))
}

func modelExpNeg(a fx) fx {
	quarter := fxConst(0.25, a.n)
	low := fx{a.raw & (quarter.raw - 1), a.n}
	r := low.sub(quarter)
	res := modelExpQuarter(r.rescale(0))
	rem := r.sub(a)
	for j := -2; j <= 4 && j < a.n; j++ {
		bit := fxConst(math.Ldexp(1, j), a.n).raw
		if rem.raw&bit != 0 {
			res = res.mul(fxConst(math.Exp(-math.Ldexp(1, j)), 0))
		}
	}
	if a.n > 5 && a.raw < fxConst(-32, a.n).raw {
		res = fx{0, 0}
	}
	if a.raw == 0 {
		res = one(0)
	}
	return res
}

func modelNewton(a fx) fx {
	d := halfSum(a, one(0))
	x := fxConst(48.0/17, 2).add(d.mul(fxConst(-32.0/17, 2)))
	for i := 0; i < 3; i++ {
		x = x.add(x.mul(one(2).sub(d.mul(x))).rescale(2))
	}
	return x
}

func modelOneOver(a fx) fx  { return modelNewton(a).relabel(-1).rescale(0) }
func modelOneMinus(a fx) fx { return modelNewton(a).sub(one(2)).rescale(0) }

func modelLogistic(a fx) fx {
	if a.raw == 0 {
		return fxConst(0.5, 0)
	}
	abs := a
	if a.raw < 0 {
		abs = a.neg()
	}
	pos := modelOneOver(modelExpNeg(abs.neg()))
	if a.raw > 0 {
		return pos
	}
	return one(0).sub(pos)
}

func modelTanh(a fx) fx {
	if a.raw == 0 {
		return fx{0, 0}
	}
	n := a
	if a.raw > 0 {
		n = a.neg()
	}
	t := modelOneMinus(modelExpNeg(n.relabel(1)))
	if a.raw < 0 {
		return t.neg()
	}
	return t
}

// expInputs returns test inputs: edges, a dense sweep and random values.
func expInputs(count int) []int32 {
	v := edges32()
	r := newRand()
	for i := 0; i < count; i++ {
		v = append(v, int32(r.Uint32())>>r.IntN(32))
	}
	return v
}

var expIntegerBits = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 20, 29}

func TestExpFamilyMatchesTypedModel(t *testing.T) {
	in := expInputs(scale(1_000_000, 20))
	for _, a := range in {
		if got, want := ExpOnIntervalBetweenNegativeOneQuarterAnd0Excl(a>>2|math.MinInt32>>2), modelExpQuarter(fx{a>>2 | math.MinInt32>>2, 0}).raw; got != want {
			t.Fatalf("ExpOnInterval(%d) = %d, model %d", a>>2|math.MinInt32>>2, got, want)
		}
		if a >= 0 {
			if got, want := OneOverOnePlusXForXIn01(a), modelOneOver(fx{a, 0}).raw; got != want {
				t.Fatalf("OneOverOnePlusX(%d) = %d, model %d", a, got, want)
			}
			if got, want := OneMinusXOverOnePlusXForXIn01(a), modelOneMinus(fx{a, 0}).raw; got != want {
				t.Fatalf("OneMinusXOverOnePlusX(%d) = %d, model %d", a, got, want)
			}
		}
	}
	for _, n := range expIntegerBits {
		for i, a := range in {
			if i%len(expIntegerBits) != n%len(expIntegerBits) && i > 200 && !*long {
				continue // spread the random inputs over the formats
			}
			neg := a
			if neg > 0 {
				neg = -neg
			}
			if got, want := ExpOnNegativeValues(neg, n), modelExpNeg(fx{neg, n}).raw; got != want {
				t.Fatalf("ExpOnNegativeValues(%d, %d) = %d, model %d", neg, n, got, want)
			}
			if got, want := Logistic(a, n), modelLogistic(fx{a, n}).raw; got != want {
				t.Fatalf("Logistic(%d, %d) = %d, model %d", a, n, got, want)
			}
			if n < MaxExpIntegerBits {
				if got, want := Tanh(a, n), modelTanh(fx{a, n}).raw; got != want {
					t.Fatalf("Tanh(%d, %d) = %d, model %d", a, n, got, want)
				}
			}
		}
	}
}

// Documented precision, absolute, in real units (Q0.31 results).
const (
	expTol      = 3e-7
	logisticTol = 1e-7
	tanhTol     = 1.5e-7
	oneOverTol  = 4e-9
	oneMinusTol = 7e-9
)

func TestExpOnIntervalAccuracy(t *testing.T) {
	for a := int64(-1 << 29); a < 0; a += int64(scale(7, 1)+1) * 131 {
		got := q(ExpOnIntervalBetweenNegativeOneQuarterAnd0Excl(int32(a)), 0)
		if e := math.Abs(got - math.Exp(q(int32(a), 0))); e > expTol {
			t.Fatalf("ExpOnInterval(%d): %v vs %v (err %g)", a, got, math.Exp(q(int32(a), 0)), e)
		}
	}
}

func TestExpOnNegativeValuesAccuracy(t *testing.T) {
	r := newRand()
	for _, n := range expIntegerBits {
		for i := 0; i < scale(2_000_000, 40); i++ {
			a := -int32(r.Uint32() >> 1)
			if i%2 == 0 {
				a >>= r.IntN(31)
			}
			x := q(a, n)
			got := q(ExpOnNegativeValues(a, n), 0)
			if e := math.Abs(got - math.Exp(x)); e > expTol {
				t.Fatalf("ExpOnNegativeValues(%d, %d) = %v, exp(%v) = %v", a, n, got, x, math.Exp(x))
			}
		}
	}
	// Saturation edges: exp(0) is one saturated; large negative inputs flush.
	for _, n := range expIntegerBits {
		if got := ExpOnNegativeValues(0, n); got != math.MaxInt32 {
			t.Errorf("ExpOnNegativeValues(0, %d) = %d", n, got)
		}
		// The smallest negative input is continuous with exp only up to
		// the approximation error: exp(0) is special-cased to one.
		if got := ExpOnNegativeValues(-1, n); got >= math.MaxInt32 || math.Abs(q(got, 0)-math.Exp(q(-1, n))) > expTol {
			t.Errorf("ExpOnNegativeValues(-1, %d) = %d, want exp(%g)", n, got, q(-1, n))
		}
	}
	if got := ExpOnNegativeValues(math.MinInt32, 5); got != 0 { // exp(-32)·2^31 < 0.5
		t.Errorf("ExpOnNegativeValues(-32 in Q5) = %d, want 0", got)
	}
	for n := 6; n <= 12; n++ {
		// Just below -32 flushes to exactly zero; -32 itself gives exp(-32)
		// ≈ 2.7e-5 of one ulp: also zero.
		c := fxConst(-32, n).raw
		if got := ExpOnNegativeValues(c-1, n); got != 0 {
			t.Errorf("ExpOnNegativeValues(-32-ε, %d) = %d, want 0", n, got)
		}
	}
}

func TestLogisticTanhAccuracy(t *testing.T) {
	r := newRand()
	for _, n := range expIntegerBits {
		for i := 0; i < scale(2_000_000, 100); i++ {
			a := int32(r.Uint32())
			if i%2 == 0 {
				a >>= r.IntN(31)
			}
			x := q(a, n)
			got := q(Logistic(a, n), 0)
			if want := 1 / (1 + math.Exp(-x)); math.Abs(got-want) > logisticTol {
				t.Fatalf("Logistic(%d, %d) = %v, want %v", a, n, got, want)
			}
			if n >= MaxExpIntegerBits {
				continue
			}
			got = q(Tanh(a, n), 0)
			if want := math.Tanh(x); math.Abs(got-want) > tanhTol {
				t.Fatalf("Tanh(%d, %d) = %v, want %v", a, n, got, want)
			}
		}
	}
}

func TestLogisticTanhEdges(t *testing.T) {
	for _, n := range expIntegerBits {
		if got := Logistic(0, n); got != 1<<30 {
			t.Errorf("Logistic(0, %d) = %d, want 2^30", n, got)
		}
		// Symmetry: logistic(-a) = 1 - logistic(a) with 1 = MaxInt32.
		for _, a := range []int32{1, 12345, 1 << 20, 1 << 28, math.MaxInt32} {
			if Logistic(-a, n)+Logistic(a, n) != math.MaxInt32 {
				t.Errorf("Logistic(±%d, %d) not symmetric", a, n)
			}
		}
		if n < MaxExpIntegerBits {
			if got := Tanh(0, n); got != 0 {
				t.Errorf("Tanh(0, %d) = %d", n, got)
			}
			for _, a := range []int32{1, 12345, 1 << 20, 1 << 28, math.MaxInt32} {
				if Tanh(-a, n) != -Tanh(a, n) {
					t.Errorf("Tanh(±%d, %d) not odd", a, n)
				}
			}
		}
	}
	// Saturation with TFLite's 4 integer bits: ±16 is far in the tails.
	if got := Logistic(math.MaxInt32, 4); math.MaxInt32-got > 300 { // 1-logistic(16) ≈ 1.1e-7 ≈ 242 ulp
		t.Errorf("Logistic(max, 4) = %d", got)
	}
	if got := Logistic(math.MinInt32, 4); got > 300 {
		t.Errorf("Logistic(min, 4) = %d", got)
	}
	if got := Tanh(math.MaxInt32, 4); got != math.MaxInt32 {
		t.Errorf("Tanh(max, 4) = %d, want MaxInt32 (saturated)", got)
	}
	if got := Tanh(math.MinInt32, 4); got != -math.MaxInt32 {
		t.Errorf("Tanh(min, 4) = %d, want -MaxInt32", got)
	}
	// Tiny inputs: the slope at 0 is 1/4 for logistic and 1 for tanh.
	if got := Logistic(1<<20, 4); math.Abs(q(got, 0)-0.5-0.25*q(1<<20, 4)) > logisticTol {
		t.Errorf("Logistic(2^-7, 4) = %v", q(got, 0))
	}
}

func TestOneOverAndOneMinusAccuracy(t *testing.T) {
	step := int64(scale(1, 1)) // -long: every 1009th value; else every 20011th
	if !*long {
		step = 20011
	} else {
		step = 1009
	}
	for a := int64(0); a <= math.MaxInt32; a += step {
		x := q(int32(a), 0)
		if got := q(OneOverOnePlusXForXIn01(int32(a)), 0); math.Abs(got-1/(1+x)) > oneOverTol {
			t.Fatalf("OneOverOnePlusX(%d) = %v, want %v", a, got, 1/(1+x))
		}
		if got := q(OneMinusXOverOnePlusXForXIn01(int32(a)), 0); math.Abs(got-(1-x)/(1+x)) > oneMinusTol {
			t.Fatalf("OneMinusXOverOnePlusX(%d) = %v, want %v", a, got, (1-x)/(1+x))
		}
	}
	if got := OneOverOnePlusXForXIn01(0); got != math.MaxInt32 {
		t.Errorf("OneOverOnePlusX(0) = %d, want MaxInt32 (saturated 1)", got)
	}
	if got := OneMinusXOverOnePlusXForXIn01(0); got != math.MaxInt32 {
		t.Errorf("OneMinusXOverOnePlusX(0) = %d, want MaxInt32 (saturated 1)", got)
	}
}

// The gemmlowp functions are monotone up to a few units in the last place:
// the Newton-Raphson correction is quantised in Q2.29, so neighbouring
// inputs can wiggle by a few Q0.31 units. Over dense grids no step may go the
// wrong way by more than wiggle, and between points 2^-20 of the input range
// apart the order must hold exactly.
const wiggle = 16

func TestMonotonicity(t *testing.T) {
	type fn struct {
		name     string
		f        func(int32) int32
		lo, hi   int64
		decrease bool
	}
	fns := []fn{
		{"ExpOnNegativeValues/5", func(a int32) int32 { return ExpOnNegativeValues(a, 5) }, math.MinInt32, 0, false},
		{"ExpOnNegativeValues/0", func(a int32) int32 { return ExpOnNegativeValues(a, 0) }, math.MinInt32, 0, false},
		{"Logistic/4", func(a int32) int32 { return Logistic(a, 4) }, math.MinInt32, math.MaxInt32, false},
		{"Tanh/4", func(a int32) int32 { return Tanh(a, 4) }, math.MinInt32, math.MaxInt32, false},
		{"OneOverOnePlusX", OneOverOnePlusXForXIn01, 0, math.MaxInt32, true},
		{"OneMinusXOverOnePlusX", OneMinusXOverOnePlusXForXIn01, 0, math.MaxInt32, true},
	}
	points := scale(20_000_000, 80)
	for _, f := range fns {
		step := (f.hi - f.lo) / int64(points)
		prev := f.f(int32(f.lo))
		worst := int32(0)
		for a := f.lo + step; a <= f.hi; a += step {
			v := f.f(int32(a))
			d := v - prev
			if f.decrease {
				d = -d
			}
			worst = min(worst, d)
			prev = v
		}
		if worst < -wiggle {
			t.Errorf("%s: a step goes the wrong way by %d units", f.name, -worst)
		}
		// Coarse grid (2^18 samples over the range): no wiggle at all.
		// -long repeats it at 16 phase offsets.
		coarse := (f.hi - f.lo) >> 18
		phases := int64(1)
		if *long {
			phases = 16
		}
		for ph := int64(0); ph < phases; ph++ {
			start := f.lo + ph*coarse/phases
			prev = f.f(int32(start))
			for a := start + coarse; a <= f.hi; a += coarse {
				v := f.f(int32(a))
				ok := v >= prev
				if f.decrease {
					ok = v <= prev
				}
				if !ok {
					t.Fatalf("%s: not monotone between %d and %d: %d then %d", f.name, a-coarse, a, prev, v)
				}
				prev = v
			}
		}
	}
}

func TestExpPanicsOutsideDomain(t *testing.T) {
	for _, f := range []func(){
		func() { ExpOnNegativeValues(-1, 30) },
		func() { ExpOnNegativeValues(-1, -1) },
		func() { Logistic(1, 30) },
		func() { Tanh(1, MaxExpIntegerBits) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic for integer bits outside the domain")
				}
			}()
			f()
		}()
	}
}

func BenchmarkExpOnNegativeValues(b *testing.B) {
	var sink int32
	for i := 0; i < b.N; i++ {
		sink += ExpOnNegativeValues(-int32(uint32(i)*2654435761>>1), 5)
	}
	_ = sink
}

func BenchmarkLogistic(b *testing.B) {
	var sink int32
	for i := 0; i < b.N; i++ {
		sink += Logistic(int32(uint32(i)*2654435761), 4)
	}
	_ = sink
}
