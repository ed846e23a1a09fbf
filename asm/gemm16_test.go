package asm

import (
	"math/rand/v2"
	"testing"
)

// fillInt16 fills a with random values: mode 0 anywhere, 1 only the
// extremes −32768 and 32767, 2 small values.
func fillInt16(r *rand.Rand, a []int16, mode int) {
	for i := range a {
		switch mode {
		case 1:
			a[i] = []int16{-32768, 32767}[r.IntN(2)]
		case 2:
			a[i] = int16(r.IntN(7) - 3)
		default:
			a[i] = int16(r.Uint32())
		}
	}
}

// fillW8 fills w: mode 0 anywhere, 1 only −128 and 127, 2 small values,
// 3 only −128 (the largest products with −32768).
func fillW8(r *rand.Rand, w []int8, mode int) {
	for i := range w {
		switch mode {
		case 1:
			w[i] = []int8{-128, 127}[r.IntN(2)]
		case 2:
			w[i] = int8(r.IntN(5) - 2)
		case 3:
			w[i] = -128
		default:
			w[i] = int8(r.Uint32())
		}
	}
}

const guard64 = int64(0x5a5a5a5a5a5a5a5a)

// runGemm16Case checks Gemm16 of impl against gemm16Ref, with guard
// values around and between the output rows (ldc > n).
func runGemm16Case(t *testing.T, impl *Impl, r *rand.Rand, m, n, k, amode, wmode int) {
	t.Helper()
	lda := k + r.IntN(3)
	ldc := n + r.IntN(3)
	// a holds exactly what Gemm16 may read.
	a := make([]int16, (m-1)*lda+k)
	w := make([]int8, n*k)
	fillInt16(r, a, amode)
	fillW8(r, w, wmode)
	want := make([]int64, (m-1)*ldc+n)
	gemm16Ref(a, lda, m, w, n, k, want, ldc)
	const g = 5
	all := make([]int64, len(want)+2*g)
	for i := range all {
		all[i] = guard64
	}
	got := all[g : g+len(want)]
	p := impl.PackMatrix16(w, n, k)
	impl.Gemm16(a, lda, m, p, got, ldc)
	for i := range all {
		inside := i >= g && i < g+len(want) && (i-g)%ldc < n
		if !inside && all[i] != guard64 {
			t.Fatalf("m=%d n=%d k=%d: wrote outside the output at %d", m, n, k, i-g)
		}
	}
	exact := true
	for c := 0; c < n; c++ {
		var s int64
		for _, v := range w[c*k : (c+1)*k] {
			s += abs64(int64(v))
		}
		exact = exact && s < 1<<16
	}
	if p.Exact32() != exact {
		t.Fatalf("m=%d n=%d k=%d: Exact32() = %v, want %v", m, n, k, p.Exact32(), exact)
	}
	if exact {
		// Gemm16Int32 gives the same sums (they fit int32), writing only
		// the output.
		all32 := make([]int32, len(want)+2*g)
		for i := range all32 {
			all32[i] = 0x5a5a5a5a
		}
		impl.Gemm16Int32(a, lda, m, p, all32[g:g+len(want)], ldc)
		for i := range all32 {
			inside := i >= g && i < g+len(want) && (i-g)%ldc < n
			if !inside && all32[i] != 0x5a5a5a5a {
				t.Fatalf("m=%d n=%d k=%d: Gemm16Int32 wrote outside the output at %d", m, n, k, i-g)
			}
			if inside && int64(all32[i]) != want[i-g] {
				t.Fatalf("m=%d n=%d k=%d: Gemm16Int32 acc %d = %d, want %d", m, n, k, i-g, all32[i], want[i-g])
			}
		}
	}
	for rr := 0; rr < m; rr++ {
		for c := 0; c < n; c++ {
			if got[rr*ldc+c] != want[rr*ldc+c] {
				t.Fatalf("m=%d n=%d k=%d modes %d/%d: acc[%d][%d] = %d, want %d", m, n, k, amode, wmode, rr, c,
					got[rr*ldc+c], want[rr*ldc+c])
			}
		}
	}
}

func TestGemm16AllImplementations(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(16, 8))
		for m := 1; m <= 9; m++ {
			for _, n := range []int{1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 65} {
				for _, k := range []int{1, 2, 3, 4, 5, 8, 9, 16, 17, 33, 64} {
					runGemm16Case(t, impl, r, m, n, k, r.IntN(3), r.IntN(4))
				}
			}
		}
	})
}

// TestGemm16Exactness: K around the int32 bound and the block size. With
// weights −128 and activations −32768 every product is 2^22: 512 of them
// make 2^31, past int32; the blocked path must still be exact. Small
// weights keep the one-block path (Σ|w| < 2^16) at large K.
func TestGemm16Exactness(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, k := range []int{255, 256, 257, 258, 511, 512, 513, 1023, 1024, 1025, 3001} {
			for _, wm := range []int{1, 3, 2, 0} {
				for _, am := range []int{1, 0} {
					runGemm16Case(t, impl, r, 1+r.IntN(6), 1+r.IntN(40), k, am, wm)
				}
			}
		}
		// All −32768 × −128: the exact sum K·2^22, unrepresentable in int32.
		k := 1025
		a := make([]int16, k)
		w := make([]int8, 3*k)
		for i := range a {
			a[i] = -32768
		}
		for i := range w {
			w[i] = -128
		}
		acc := make([]int64, 3)
		impl.Gemm16(a, k, 1, impl.PackMatrix16(w, 3, k), acc, 3)
		for c, v := range acc {
			if v != int64(k)<<22 {
				t.Fatalf("column %d: %d, want %d", c, v, int64(k)<<22)
			}
		}
	})
}

func TestGemm16AllocatesNothing(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(7, 8))
		a := make([]int16, 7*77)
		w := make([]int8, 45*77)
		fillInt16(r, a, 0)
		fillW8(r, w, 0)
		p := impl.PackMatrix16(w, 45, 77)
		acc := make([]int64, 7*45)
		if n := testing.AllocsPerRun(10, func() { impl.Gemm16(a, 77, 7, p, acc, 45) }); n != 0 {
			t.Errorf("Gemm16 allocates %v times", n)
		}
		fillW8(r, w, 2)
		p = impl.PackMatrix16(w, 45, 77)
		acc32 := make([]int32, 7*45)
		if n := testing.AllocsPerRun(10, func() { impl.Gemm16Int32(a, 77, 7, p, acc32, 45) }); n != 0 {
			t.Errorf("Gemm16Int32 allocates %v times", n)
		}
		x := make([]int16, 9*40)
		xoff, tap := []int{0, 40, 80, 120}, []int{0, 3, 5, 8}
		d := impl.PackDepthwise16(w[:9*40], 9, 40)
		out := make([]int32, 40)
		if n := testing.AllocsPerRun(10, func() { impl.Depthwise16(x, xoff, tap, d, out) }); n != 0 {
			t.Errorf("Depthwise16 allocates %v times", n)
		}
	})
}

func TestGemm16PackedMismatch(t *testing.T) {
	if len(impls) < 2 {
		t.Skip("one implementation in this build")
	}
	p := impls[0].PackMatrix16(make([]int8, 4), 2, 2)
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a matrix packed by another implementation")
		}
	}()
	impls[1].Gemm16(make([]int16, 2), 2, 1, p, make([]int64, 2), 2)
}

// runDw16Case checks Depthwise16 against depthwise16Ref with guards
// around out; x holds exactly the pixels the taps read.
func runDw16Case(t *testing.T, impl *Impl, r *rand.Rand, taps, c, used, xmode, wmode int) {
	t.Helper()
	w := make([]int8, taps*c)
	fillW8(r, w, wmode)
	pixels := 1 + r.IntN(12)
	x := make([]int16, pixels*c)
	fillInt16(r, x, xmode)
	xoff, tap := make([]int, used), make([]int, used)
	for i := range xoff {
		xoff[i] = r.IntN(pixels) * c
		tap[i] = r.IntN(taps)
	}
	want := make([]int64, c)
	depthwise16Ref(x, xoff, tap, w, c, want)
	p := impl.PackDepthwise16(w, taps, c)
	exact := true
	for ch := 0; ch < c; ch++ {
		var s int64
		for tt := 0; tt < taps; tt++ {
			s += abs64(int64(w[tt*c+ch]))
		}
		exact = exact && s < 1<<16
	}
	if p.Exact() != exact {
		t.Fatalf("taps %d c %d: Exact() = %v, want %v", taps, c, p.Exact(), exact)
	}
	if !exact {
		return
	}
	const g = 9
	all := make([]int32, c+2*g)
	for i := range all {
		all[i] = 0x5a5a5a5a
	}
	impl.Depthwise16(x, xoff, tap, p, all[g:g+c])
	for i := range all {
		if (i < g || i >= g+c) && all[i] != 0x5a5a5a5a {
			t.Fatalf("taps %d c %d: wrote outside the output at %d", taps, c, i-g)
		}
	}
	for ch := 0; ch < c; ch++ {
		if int64(all[g+ch]) != want[ch] {
			t.Fatalf("taps %d (%d used) c %d modes %d/%d: out[%d] = %d, want %d", taps, used, c, xmode, wmode, ch, all[g+ch], want[ch])
		}
	}
}

func TestDepthwise16AllImplementations(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, taps := range []int{1, 2, 4, 9, 25, 49} {
			for _, c := range []int{1, 3, 7, 8, 9, 15, 16, 24, 31, 32, 33, 40, 63, 64, 65, 100} {
				for i := 0; i < 4; i++ {
					used := r.IntN(taps + 1)
					runDw16Case(t, impl, r, taps, c, used, r.IntN(3), r.IntN(4))
				}
			}
		}
		// 511 taps of −128 (Σ|w| = 65408 < 2^16) with −32768: the largest
		// exact sum, 511·2^22; 512 taps are not Exact.
		runDw16Case(t, impl, r, 511, 40, 511, 1, 3)
		runDw16Case(t, impl, r, 512, 8, 512, 1, 3)
	})
}

// TestDepthwise16Run: runs of pixels (the same taps, windows xstep apart,
// xstep any value) against the one-pixel reference, with guards.
func TestDepthwise16Run(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(9, 10))
		for iter := 0; iter < 800; iter++ {
			taps, c := 1+r.IntN(12), 1+r.IntN(70)
			if iter%8 == 0 {
				c = 8 * (1 + r.IntN(12)) // every block mix of 32, 16 and 8
			}
			npix, xstep := 1+r.IntN(7), r.IntN(3*c+1)
			w := make([]int8, taps*c)
			fillW8(r, w, r.IntN(4))
			used := r.IntN(taps + 1)
			if iter%2 == 0 {
				// The full tap list in order (the pairs kernels' case).
				used = taps
			}
			xoff, tap := make([]int, used), make([]int, used)
			maxOff := 0
			for i := range xoff {
				xoff[i] = r.IntN(4 * c)
				tap[i] = r.IntN(taps)
				if iter%2 == 0 {
					tap[i] = i
				}
				maxOff = max(maxOff, xoff[i])
			}
			// x ends exactly where the last pixel's farthest tap does.
			x := make([]int16, maxOff+(npix-1)*xstep+c)
			fillInt16(r, x, r.IntN(3))
			p := impl.PackDepthwise16(w, taps, c)
			if !p.Exact() {
				continue
			}
			const g = 5
			all := make([]int32, npix*c+2*g)
			for i := range all {
				all[i] = 0x5a5a5a5a
			}
			impl.Depthwise16Run(x, xoff, tap, p, all[g:g+npix*c], npix, xstep)
			for i := range all {
				if (i < g || i >= g+npix*c) && all[i] != 0x5a5a5a5a {
					t.Fatalf("iter %d: wrote outside the output at %d", iter, i-g)
				}
			}
			want := make([]int64, c)
			for px := 0; px < npix; px++ {
				depthwise16Ref(x[px*xstep:], xoff, tap, w, c, want)
				for ch := 0; ch < c; ch++ {
					if got := all[g+px*c+ch]; int64(got) != want[ch] {
						t.Fatalf("iter %d taps %d c %d npix %d xstep %d: pixel %d channel %d = %d, want %d",
							iter, taps, c, npix, xstep, px, ch, got, want[ch])
					}
				}
			}
		}
	})
}
