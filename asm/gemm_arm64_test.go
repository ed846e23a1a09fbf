//go:build !purego

package asm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/dyadic"
)

// The arm64 requantization (gen_arm64.go's requant) replaces TFLite's
// scalar MultiplyByQuantizedMultiplier by
//
//	USHL, SQRDMULH, AND + SSRA #31 (decrement negatives when shifting right), SRSHL
//
// These tests check that claim twice: on a model of the instructions
// written from the Arm ARM's pseudocode, over every shift and the values
// where roundings and saturations change, against package dyadic; and on
// the kernels themselves, whose epilogue sees x = bias when the
// activations are zero.

// Models of the instructions on one 32-bit lane (Arm ARM pseudocode).

// ushl: the shift is the signed low byte of the lane; a left shift by 32
// or more gives 0 (requant clamps the amount to [0, 32]).
func modelUSHL(x int32, l int32) int32 {
	if l >= 32 {
		return 0
	}
	return int32(uint32(x) << uint(l))
}

// sqrdmulh: SignedSat((2·a·b + 2^31) >> 32), computed here without 2·a·b
// overflowing int64.
func modelSQRDMULH(a, b int32) int32 {
	v := (int64(a)*int64(b) + 1<<30) >> 31
	return int32(min(max(v, math.MinInt32), math.MaxInt32))
}

// srshl by a negative amount -e: (x + 2^(e-1)) >> e, exact in wider
// arithmetic; amount 0 leaves x.
func modelSRSHL(x int32, r int32) int32 {
	if r >= 0 {
		return x // only used with r ≤ 0
	}
	e := uint(-r)
	return int32((int64(x) + 1<<(e-1)) >> e)
}

// modelRequant is requant's sequence for one lane.
func modelRequant(x, m, s int32) int32 {
	l := min(max(s, 0), 32)
	r := min(s, 0)
	x = modelUSHL(x, l)
	x = modelSQRDMULH(x, m)
	x += (x & r) >> 31 // AND, SSRA #31 (wrapping add)
	return modelSRSHL(x, r)
}

// edgeInt32s returns values where the arithmetic changes: the ends of the
// range, zero, powers of two and their neighbours.
func edgeInt32s() []int32 {
	vs := []int32{math.MinInt32, math.MinInt32 + 1, math.MinInt32 + 2, -1, 0, 1, 2, math.MaxInt32 - 1, math.MaxInt32}
	for e := 0; e < 31; e++ {
		p := int32(1) << e
		vs = append(vs, p-1, p, p+1, -p-1, -p, -p+1)
	}
	return vs
}

func TestRequantModelRoundingShift(t *testing.T) {
	// The right-shift half alone: for every exponent, every value near a
	// tie and every int16 value, the fixed-up SRSHL is RoundingDivideByPOT.
	// (Its input comes from SQRDMULH, which never returns INT32_MIN.)
	r := rand.New(rand.NewPCG(21, 22))
	for e := int32(0); e <= 31; e++ {
		check := func(x int32) {
			got := modelSRSHL(x+(x&-e)>>31, -e)
			if want := dyadic.RoundingDivideByPOT(x, e); got != want {
				t.Fatalf("e=%d x=%d: sequence gives %d, RoundingDivideByPOT %d", e, x, got, want)
			}
		}
		for x := int32(math.MinInt16); x <= math.MaxInt16; x++ {
			check(x)
		}
		for _, x := range edgeInt32s() {
			if x != math.MinInt32 {
				check(x)
			}
		}
		if e > 0 {
			half := int64(1) << (e - 1)
			for i := 0; i < 20000; i++ {
				q := r.Int64N(1<<(32-e)) - 1<<(31-e) // x = q·2^e + half + d
				for d := int64(-2); d <= 2; d++ {
					if x := q<<e + half + d; x > math.MinInt32 && x <= math.MaxInt32 {
						check(int32(x))
					}
				}
			}
		}
	}
	// SQRDMULH's range: every product over 2^31, rounded, is above
	// INT32_MIN (the smallest is -2^31·(2^31-1)/2^31 = -2^31+1).
	for _, a := range edgeInt32s() {
		for _, b := range edgeInt32s() {
			if v := modelSQRDMULH(a, b); v == math.MinInt32 {
				t.Fatalf("SQRDMULH(%d, %d) = INT32_MIN", a, b)
			}
		}
	}
}

func TestRequantModel(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	xs := edgeInt32s()
	ms := append(edgeInt32s(), 1<<30+1, 1<<30+1<<29, math.MaxInt32-1)
	n := 0
	check := func(x, m, s int32) {
		got := modelRequant(x, m, s)
		if want := dyadic.MultiplyByQuantizedMultiplier(x, m, s); got != want {
			t.Fatalf("x=%d m=%d s=%d: sequence gives %d, MultiplyByQuantizedMultiplier %d", x, m, s, got, want)
		}
		n++
	}
	for s := int32(-31); s <= 40; s++ { // beyond 30 too: left shifts of 32+ give 0 in both
		for _, x := range xs {
			for _, m := range ms {
				check(x, m, s)
			}
		}
		for i := 0; i < 20000; i++ {
			check(int32(r.Uint32()), int32(r.Uint32()), s)
			check(int32(r.IntN(1<<20)-1<<19), int32(1<<30+r.IntN(1<<30)), s)
		}
	}
	t.Logf("%d cases", n)
}

// TestRequantKernels runs the same corners through every arm64 kernel:
// with zero activations the sum is the bias, so each column requantizes
// one chosen (x, m, s).
func TestRequantKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	xs := edgeInt32s()
	ms := []int32{math.MinInt32, math.MinInt32 + 1, -1, 0, 1, 1 << 30, 1<<30 + 1, math.MaxInt32 - 1, math.MaxInt32}
	for i := 0; i < 8; i++ {
		ms = append(ms, int32(1<<30+r.IntN(1<<30)), int32(r.Uint32()))
	}
	type triple struct{ x, m, s int32 }
	var cases []triple
	for s := int32(-31); s <= 30; s++ {
		for _, x := range xs {
			for _, m := range ms {
				cases = append(cases, triple{x, m, s})
			}
		}
	}
	for _, name := range []string{"neon", "dotprod"} {
		impl, err := lookup(name)
		if err != nil {
			t.Logf("%s: %v", name, err)
			continue
		}
		t.Run(name, func(t *testing.T) {
			const n, k, m = 1021, 16, 5 // n: a partial last panel
			w := make([]int8, n*k)
			fillInt8(r, w, 0)
			p := impl.PackMatrix(w, n, k)
			a := make([]int8, m*k)
			out, want := make([]int8, m*n), make([]int8, m*n)
			for c0 := 0; c0 < len(cases); c0 += n {
				e := randEpilogue(r, n)
				e.outOffset, e.lo, e.hi = int32(r.IntN(256)-128), -128, 127
				for c := 0; c < n; c++ {
					tc := cases[(c0+c)%len(cases)]
					e.bias[c], e.mult[c], e.shift[c] = tc.x, tc.m, tc.s
				}
				impl.Gemm(a, k, m, p, e, out, n)
				gemmRef(a, k, m, w, n, k, e, want, n, nil)
				for i := range out {
					if out[i] != want[i] {
						c := i % n
						t.Fatalf("x=%d m=%d s=%d offset %d: got %d, want %d", e.bias[c], e.mult[c], e.shift[c], e.outOffset, out[i], want[i])
					}
				}
			}
		})
	}
}
