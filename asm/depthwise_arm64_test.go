//go:build !purego

package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDepthwiseArm64Corners: the arm64 kernels' own corners. All inputs
// and weights -128 (a tap pair's products, 2·16384, would overflow int16
// were they added rather than subtracted from zero); the unrolled 3x3 and
// 5x5 kernels with every stride and dilation; channel counts that make the
// last 16- or 8-channel block overlap the one before, and those under 8
// (pure Go); pixel counts around the 4-pixel groups.
func TestDepthwiseArm64Corners(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, name := range []string{"neon", "dotprod"} {
		impl, err := lookup(name)
		if err != nil {
			t.Logf("%s: %v", name, err)
			continue
		}
		t.Run(name, func(t *testing.T) {
			for _, kk := range [][2]int{{3, 3}, {5, 5}, {2, 4}, {1, 1}, {7, 7}} {
				for _, c := range []int{1, 7, 8, 9, 13, 16, 21, 24, 32, 37} {
					for _, n := range []int{1, 3, 4, 5, 8, 11} {
						d := newDwCase(r, kk[0], kk[1], c, n, 1, 1, 1)
						fillInt8(r, d.in, 2)
						fillInt8(r, d.w, 2)
						runDwCase(t, impl, d)
						for _, s := range []int{1, 2, 3} {
							for _, dil := range [][2]int{{1, 1}, {2, 1}, {1, 2}, {2, 3}} {
								runDwCase(t, impl, newDwCase(r, kk[0], kk[1], c, n, s, dil[0], dil[1]))
							}
						}
					}
					if t.Failed() {
						return
					}
				}
			}
		})
	}
}

// TestDepthwiseArm64PairExtremes: the 3x3/5x5 kernels add two taps' int8
// products in int16 lanes. Inputs all -128 and the weights of every pair
// -128 and -127 (in either order, per channel) give pair sums of 16384 +
// 16256 = 32640, the largest that fits; the filter must stay on the
// paired kernels. A channel with both weights of one pair -128 (2^15:
// would wrap) must select the generic kernel and still be exact.
func TestDepthwiseArm64PairExtremes(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	impl, err := lookup("neon")
	if err != nil {
		t.Skip(err)
	}
	for _, k := range []int{3, 5} {
		for _, c := range []int{8, 13, 16, 40} {
			for _, n := range []int{1, 4, 6, 9} {
				d := newDwCase(r, k, k, c, n, 1, 1, 1)
				fillInt8(r, d.in, 2)
				for t := 0; t < k*k; t++ {
					for ch := 0; ch < c; ch++ {
						d.w[t*c+ch] = []int8{-127, -127, -127, 127}[r.IntN(4)]
						if t%2 == 1 && d.w[(t-1)*c+ch] != -128 && r.IntN(8) != 0 {
							d.w[t*c+ch] = -128
						} else if t%2 == 0 && t < k*k-1 && r.IntN(2) == 0 {
							d.w[t*c+ch] = -128
						}
					}
				}
				if p := impl.PackDepthwise(d.w, k, k, c); p.unpaired {
					t.Fatalf("%v: no pair is -128, -128, but the filter is unpaired", d)
				}
				runDwCase(t, impl, d)
				d.w[(k*k-3)*c+c-1], d.w[(k*k-2)*c+c-1] = -128, -128
				if p := impl.PackDepthwise(d.w, k, k, c); !p.unpaired {
					t.Fatalf("%v: a -128, -128 pair, but the filter is paired", d)
				}
				runDwCase(t, impl, d)
			}
		}
	}
}

// TestDepthwiseArm64FastEpilogue: the epilogue taken when every shift is
// <= -1 and |offset| <= 32000 (dwEpilogueFast: no mask before the
// rounding shift, the offset added in saturating int16 lanes), with
// extreme sums, multipliers, shifts down to -31, offsets at ±32000 and
// narrow clamps; and just outside its conditions (shift 0 in one channel,
// offset 32001), where the general epilogue runs.
func TestDepthwiseArm64FastEpilogue(t *testing.T) {
	r := rand.New(rand.NewPCG(35, 36))
	impl, err := lookup("neon")
	if err != nil {
		t.Skip(err)
	}
	for i := 0; i < 400; i++ {
		k := []int{3, 5, 2}[r.IntN(3)]
		c := []int{8, 12, 16, 24, 40}[r.IntN(5)]
		n := 1 + r.IntN(9)
		d := newDwCase(r, k, k, c, n, 1+r.IntN(2), 1, 1)
		fillInt8(r, d.in, r.IntN(5))
		fillInt8(r, d.w, []int{0, 3, 4}[r.IntN(3)])
		for ch := 0; ch < c; ch++ {
			d.e.shift[ch] = -1 - int32(r.IntN(31))
			if r.IntN(3) == 0 {
				d.e.shift[ch] = -1 - int32(r.IntN(3))
			}
			switch r.IntN(6) {
			case 0:
				d.e.mult[ch] = []int32{math.MaxInt32, math.MinInt32, 1, 0}[r.IntN(4)]
			case 1:
				d.e.bias[ch] = []int32{math.MaxInt32, math.MinInt32, 1 << 20, -(1 << 20)}[r.IntN(4)]
			}
		}
		d.e.outOffset = []int32{-32000, 32000, int32(r.IntN(256) - 128), int32(r.IntN(64001) - 32000)}[r.IntN(4)]
		switch i % 8 {
		case 0:
			d.e.shift[r.IntN(c)] = 0
		case 1:
			d.e.outOffset = 32001
		}
		runDwCase(t, impl, d)
		if t.Failed() {
			return
		}
	}
}

// TestDepthwiseArm64GenericPairs: the generic kernels add taps 2i and
// 2i+1 of a filter row in int16 lanes. Inputs all -128 and weights -128
// and -127 (never both -128 in a row pair) keep them paired, at the
// largest pair sums; a -128, -128 row pair in one channel selects the
// single-tap layout (each tap with a zero partner), still exact. A
// square 3x3 filter whose row-major pair (taps 2 and 3, across rows)
// is -128, -128 runs the generic kernel, paired.
func TestDepthwiseArm64GenericPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(37, 38))
	impl, err := lookup("neon")
	if err != nil {
		t.Skip(err)
	}
	for _, kk := range [][2]int{{2, 4}, {1, 3}, {3, 5}, {7, 7}, {4, 1}, {3, 3}} {
		kh, kw := kk[0], kk[1]
		for _, c := range []int{8, 13, 16, 40} {
			for _, n := range []int{1, 3, 4, 6, 9} {
				d := newDwCase(r, kh, kw, c, n, 1+r.IntN(2), 1, 1)
				fillInt8(r, d.in, 2)
				for i := range d.in {
					if r.IntN(4) != 0 {
						d.in[i] = -128
					}
				}
				for ch := 0; ch < c; ch++ {
					for y := 0; y < kh; y++ {
						for x := 0; x < kw; x++ {
							t := y*kw + x
							d.w[t*c+ch] = []int8{-128, -127, 127}[r.IntN(3)]
							if x%2 == 1 && d.w[(t-1)*c+ch] == -128 && d.w[t*c+ch] == -128 {
								d.w[t*c+ch] = -127
							}
						}
					}
				}
				if kh == 3 && kw == 3 {
					// Taps 2 and 3: a row-major pair, not a row pair.
					d.w[2*c+c-1], d.w[3*c+c-1], d.w[4*c+c-1] = -128, -128, -127
				}
				p := impl.PackDepthwise(d.w, kh, kw, c)
				if p.single {
					t.Fatalf("%v: no row pair is -128, -128, but the filter is single", d)
				}
				runDwCase(t, impl, d)
				if kw >= 2 {
					y := r.IntN(kh)
					d.w[(y*kw)*c], d.w[(y*kw+1)*c] = -128, -128
					if p := impl.PackDepthwise(d.w, kh, kw, c); !p.single {
						t.Fatalf("%v: a -128, -128 row pair, but the filter is paired", d)
					}
					runDwCase(t, impl, d)
				}
				if t.Failed() {
					return
				}
			}
		}
	}
}
