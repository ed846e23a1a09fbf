//go:build !purego

package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// implNamed returns the available Impl of that name, or skips the test.
func implNamed(t *testing.T, name string) *Impl {
	for _, impl := range All() {
		if impl.Name == name {
			if !impl.Available {
				t.Skip(name + ": " + impl.Reason)
			}
			return impl
		}
	}
	t.Skip("no " + name)
	return nil
}

// withBad returns c with a copy of its epilogue, unprepared, changed by bad.
func withBad(c *gemmCase, bad func(e *Epilogue)) *gemmCase {
	d := *c
	e := *c.e
	e.avx2Bounded, e.vnniBounded = nil, nil
	e.bias = append([]int32(nil), e.bias...)
	e.mult = append([]int32(nil), e.mult...)
	e.shift = append([]int32(nil), e.shift...)
	bad(&e)
	d.e = &e
	return &d
}

// gemmBoundedEpilogue returns an epilogue for w (n×k) that avx2PrepareBounded
// accepts: each channel's bias within the limit 2^30 − 1 − 128·Σ|w|
// (at the limit with probability 1/4), right shifts 1..31, multipliers
// >= 0 with their extremes.
func gemmBoundedEpilogue(r *rand.Rand, w []int8, n, k int) *Epilogue {
	e := &Epilogue{bias: make([]int32, n), mult: make([]int32, n), shift: make([]int32, n)}
	for c := 0; c < n; c++ {
		var s int64
		for _, v := range w[c*k:][:k] {
			s += max(int64(v), -int64(v))
		}
		limit := int64(1<<30-1) - 128*s
		switch r.IntN(8) {
		case 0:
			e.bias[c] = int32(limit)
		case 1:
			e.bias[c] = int32(-limit)
		case 2:
			e.bias[c] = int32(r.Int64N(2*limit+1) - limit)
		default: // outputs within int8 rather than saturated
			e.bias[c] = int32(max(-limit, min(limit, int64(r.IntN(1<<12)-1<<11))))
		}
		switch r.IntN(6) {
		case 0:
			e.mult[c] = []int32{0, 1, math.MaxInt32, 1 << 30, 1<<30 + 1}[r.IntN(5)]
		case 1:
			e.mult[c] = int32(r.Uint32() >> 1)
		default:
			e.mult[c] = int32(1<<30 + r.IntN(1<<30))
		}
		switch r.IntN(6) {
		case 0:
			e.shift[c] = []int32{-1, -31, -30, -2}[r.IntN(4)]
		case 1:
			e.shift[c] = -1 - int32(r.IntN(31))
		default:
			e.shift[c] = -1 - int32(r.IntN(12))
		}
	}
	switch r.IntN(4) {
	case 0:
		e.outOffset = []int32{-32639, 32639, 1000, -1000, 129, -129, 127, -128}[r.IntN(8)]
	default:
		e.outOffset = int32(r.IntN(256) - 128)
	}
	e.lo, e.hi = randClamp(r, 3)
	return e
}

// runPrepared checks the prepared Gemm of c against gemmRef and that the
// preparation took (want) or refused the bounded path.
func runPrepared(t *testing.T, impl *Impl, c *gemmCase, want bool) {
	t.Helper()
	p := impl.PackMatrix(c.w, c.n, c.k)
	impl.PrepareEpilogue(p, c.e)
	if got := c.e.avx2Bounded != nil || c.e.vnniBounded != nil; got != want {
		t.Fatalf("%v: bounded path %v, want %v", c, got, want)
	}
	const g = 64
	ref := make([]int8, (c.m-1)*c.ldo+c.n)
	c.ref(ref)
	all, out := guarded(len(ref), g)
	c.run(impl, p, c.e, out)
	checkOut(t, c.String()+" (bounded)", all, ref, g, c.m, c.n, c.ldo)
	if b := c.built(); b.simple != c.e.simple {
		impl.PrepareEpilogue(p, b)
		all, out = guarded(len(ref), g)
		c.run(impl, p, b, out)
		checkOut(t, c.String()+" (bounded, built)", all, ref, g, c.m, c.n, c.ldo)
	}
}

// TestGemmAVX2Bounded: the bounded epilogue (gemmAVX2B) on random shapes
// around its row block (6) and panel (16), K up to its limit, with
// parameters the load-time check accepts, including every boundary.
func TestGemmAVX2Bounded(t *testing.T) {
	for _, name := range avx2BoundedImpls {
		t.Run(name, func(t *testing.T) { testGemmAVX2Bounded(t, implNamed(t, name)) })
	}
}

// avx2BoundedImpls are the Impls with gemmAVX2B's bounded epilogue
// (avxvnni's gemmAVXVNNIB shares it).
var avx2BoundedImpls = []string{"avx2", "avxvnni"}

func testGemmAVX2Bounded(t *testing.T, impl *Impl) {
	r := rand.New(rand.NewPCG(11, 12))
	ms := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 16, 17, 18, 36, 37, 40}
	ns := []int{4, 8, 12, 16, 17, 20, 24, 28, 31, 32, 33, 40, 48, 64, 80, 84}
	ks := []int{1, 2, 3, 15, 16, 17, 31, 32, 33, 64, 65, 144, 255, 256, 512, 1023, 2047, 2048}
	iters := 400
	if testing.Short() {
		iters = 80
	}
	for i := 0; i < iters; i++ {
		c := newGemmCase(r, ms[r.IntN(len(ms))], ns[r.IntN(len(ns))], ks[r.IntN(len(ks))])
		c.e = gemmBoundedEpilogue(r, c.w, c.n, c.k)
		want := c.n >= 16 || c.n%4 == 0
		runPrepared(t, impl, c, want)
		if want && c.n%16%4 == 0 && c.e.avx2Bounded.tail != c.n%16 {
			t.Fatalf("%v: tail panel %d columns, want %d", c, c.e.avx2Bounded.tail, c.n%16)
		}
		if t.Failed() {
			return
		}
	}
	// Rounding ties, negative and positive: small accumulators, Mult 2^30
	// (one half) and 2^31−1, right shifts 1..3, every value of x around 0.
	for i := 0; i < 200; i++ {
		c := newGemmCase(r, ms[r.IntN(len(ms))], []int{4, 8, 12, 16, 20, 24, 28, 32, 44}[r.IntN(9)], 1+r.IntN(3))
		fillInt8(r, c.a, 4)
		fillInt8(r, c.w, 4)
		c.e = &Epilogue{bias: make([]int32, c.n), mult: make([]int32, c.n), shift: make([]int32, c.n), lo: -128, hi: 127}
		for col := range c.e.bias {
			c.e.bias[col] = int32(r.IntN(41) - 20)
			c.e.mult[col] = []int32{1 << 30, math.MaxInt32, 3 << 29}[r.IntN(3)]
			c.e.shift[col] = -1 - int32(r.IntN(3))
		}
		c.e.outOffset = int32(r.IntN(11) - 5)
		runPrepared(t, impl, c, true)
	}
}

// biasPastLimit5 moves channel 5's bias one unit past limitGemmCase's
// limit.
func biasPastLimit5(e *Epilogue) {
	if e.bias[5] > 0 {
		e.bias[5]++
	} else {
		e.bias[5]--
	}
}

// limitGemmCase returns an m×n×k case whose rows are all rowVal (−128 or
// 127) and whose channels alternate all −128 and all 127, with each bias
// at the bounded epilogues' limit ±(2^30 − 1 − 128·Σ|w|) of the sign that
// pushes x = acc + bias to ±(2^30 − 1); multipliers 2^31−1, 2^30, 0, 1 in
// blocks of 4 channels; shifts 0 and OutOffset 0 for the caller to set.
func limitGemmCase(r *rand.Rand, m, n, k int, rowVal int8) *gemmCase {
	c := newGemmCase(r, m, n, k)
	fillInt8(r, c.a, 2)
	if rowVal == 127 {
		fillInt8(r, c.a, 3)
	}
	c.e = &Epilogue{bias: make([]int32, c.n), mult: make([]int32, c.n), shift: make([]int32, c.n), lo: -128, hi: 127}
	for col := 0; col < c.n; col++ {
		wv := int8(-128)
		if col%2 == 1 {
			wv = 127
		}
		var abs int64
		for i := 0; i < k; i++ {
			c.w[col*k+i] = wv
			abs += max(int64(wv), -int64(wv))
		}
		limit := int32(1<<30 - 1 - 128*abs)
		// acc = rowVal·wv·k: push x = acc + bias towards ±(2^30−1).
		if int64(rowVal)*int64(wv) > 0 {
			c.e.bias[col] = limit
		} else {
			c.e.bias[col] = -limit
		}
		c.e.mult[col] = []int32{math.MaxInt32, 1 << 30, 0, 1}[col/4%4]
	}
	return c
}

// TestGemmAVX2BoundedLimit drives |acc + bias| to 2^30 − 1 (rows of −128
// against channels of −128 or 127, biases at the limit) with the shifts
// and multipliers that push the high dword and the rounding to their
// extremes, and checks one more unit of bias (or a shift of 0, a left
// shift, a negative multiplier, K > 2048, a wide offset) takes the
// general path.
func TestGemmAVX2BoundedLimit(t *testing.T) {
	for _, name := range avx2BoundedImpls {
		t.Run(name, func(t *testing.T) { testGemmAVX2BoundedLimit(t, implNamed(t, name)) })
	}
}

func testGemmAVX2BoundedLimit(t *testing.T, impl *Impl) {
	r := rand.New(rand.NewPCG(13, 14))
	for _, k := range []int{1, 2, 7, 64, 2048} {
		for _, rowVal := range []int8{-128, 127} {
			c := limitGemmCase(r, 12, 32, k, rowVal)
			for col := 0; col < c.n; col++ {
				c.e.shift[col] = []int32{-1, -31, -30, -2}[col%4]
			}
			c.e.outOffset = []int32{0, 127, -128, 32639, -32639}[r.IntN(5)]
			runPrepared(t, impl, c, true)

			for _, bad := range []func(e *Epilogue){
				biasPastLimit5,
				func(e *Epilogue) { e.shift[17] = 0 },
				func(e *Epilogue) { e.shift[17] = 1 },
				func(e *Epilogue) { e.mult[9] = -1 },
				func(e *Epilogue) { e.outOffset = 32640 },
				func(e *Epilogue) { e.outOffset = -32640 },
			} {
				runPrepared(t, impl, withBad(c, bad), false)
			}
		}
	}
	// K beyond avx2's buffer (avxvnni reads the rows in place: no limit).
	c := newGemmCase(r, 6, 16, 2049)
	fillInt8(r, c.w, 4)
	c.e = gemmBoundedEpilogue(r, c.w, c.n, c.k)
	runPrepared(t, impl, c, impl.Name == "avxvnni")
	// A channel outside the full panels does not matter: the partial
	// panel takes the general path, also when its width is a multiple of 4.
	for _, n := range []int{17, 24, 44} {
		c = newGemmCase(r, 7, n, 40)
		c.e = gemmBoundedEpilogue(r, c.w, c.n, c.k)
		c.e.shift[n-1] = 3
		runPrepared(t, impl, c, true)
		if c.e.avx2Bounded.tail != 0 {
			t.Fatalf("n=%d: tail panel with a left shift", n)
		}
	}
	// Fewer than 16 columns: a tail panel only, if a multiple of 4.
	for _, n := range []int{4, 8, 12, 6, 15} {
		c = newGemmCase(r, 13, n, 33)
		c.e = gemmBoundedEpilogue(r, c.w, c.n, c.k)
		runPrepared(t, impl, c, n%4 == 0)
	}
}

func TestGemmAVX2BoundedAllocatesNothing(t *testing.T) {
	for _, name := range avx2BoundedImpls {
		t.Run(name, func(t *testing.T) {
			checkBoundedAllocs(t, implNamed(t, name), rand.New(rand.NewPCG(15, 16)), 44, 77, gemmBoundedEpilogue)
		})
	}
}

// checkBoundedAllocs checks that prepared GEMMs of n×k with epilogues from
// epi take a bounded path and allocate nothing, for m = 1, 5, 13.
func checkBoundedAllocs(t *testing.T, impl *Impl, r *rand.Rand, n, k int, epi func(r *rand.Rand, w []int8, n, k int) *Epilogue) {
	for _, m := range []int{1, 5, 13} {
		c := newGemmCase(r, m, n, k)
		c.e = epi(r, c.w, c.n, c.k)
		p := impl.PackMatrix(c.w, c.n, c.k)
		impl.PrepareEpilogue(p, c.e)
		if c.e.avx2Bounded == nil && c.e.vnniBounded == nil {
			t.Fatal("not bounded")
		}
		out := make([]int8, (c.m-1)*c.ldo+c.n)
		if n := testing.AllocsPerRun(10, func() { impl.Gemm(c.a, c.lda, c.m, p, c.e, out, c.ldo) }); n != 0 {
			t.Errorf("m=%d: Gemm allocates %v times", m, n)
		}
	}
}
