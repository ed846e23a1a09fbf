package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// These tests run every kernel of every registered implementation
// (skipping, with the reason, those this machine cannot run; the pattern of Go's crypto TestAllImplementations) against the
// pure-Go references gemmRef and depthwiseRowRef on the same inputs, byte
// for byte. They are architecture neutral: on arm64 (natively or under
// qemu) they test NEON and dot-product kernels the same way.

// forEachImpl runs f once per registered implementation, as a subtest;
// those this machine cannot run are skipped with the reason.
func forEachImpl(t *testing.T, f func(t *testing.T, impl *Impl)) {
	for _, impl := range All() {
		t.Run(impl.Name, func(t *testing.T) {
			if !impl.Available {
				t.Skip(impl.Reason)
			}
			f(t, impl)
		})
	}
}

const guardByte = 0x5a

// guarded returns a buffer of n bytes filled with guardByte, with g guard
// bytes before and after, and the n-byte window inside it.
func guarded(n, g int) (all, window []int8) {
	all = make([]int8, n+2*g)
	for i := range all {
		all[i] = guardByte
	}
	return all, all[g : g+n : g+n]
}

// int8 value generators: uniform, extremes only, a constant extreme.
func fillInt8(r *rand.Rand, v []int8, mode int) {
	for i := range v {
		switch mode {
		case 0:
			v[i] = int8(r.IntN(256) - 128)
		case 1:
			if r.IntN(2) == 0 {
				v[i] = -128
			} else {
				v[i] = 127
			}
		case 2:
			v[i] = -128
		case 3:
			v[i] = 127
		default: // small values around zero
			v[i] = int8(r.IntN(7) - 3)
		}
	}
}

// randClamp returns a random clamp range within int8: the full range one
// time in fullOneIn, else between two random values.
func randClamp(r *rand.Rand, fullOneIn int) (lo, hi int32) {
	a, b := int32(r.IntN(256)-128), int32(r.IntN(256)-128)
	if r.IntN(fullOneIn) == 0 {
		return -128, 127
	}
	return min(a, b), max(a, b)
}

// randEpilogue returns an epilogue for n channels. Multipliers, shifts,
// biases and offsets cover TFLite's range and its extremes.
func randEpilogue(r *rand.Rand, n int) *Epilogue {
	e := &Epilogue{bias: make([]int32, n), mult: make([]int32, n), shift: make([]int32, n)}
	extreme := r.IntN(4) == 0
	for c := 0; c < n; c++ {
		switch r.IntN(8) {
		case 0:
			e.bias[c] = int32(r.Uint32())
		case 1:
			e.bias[c] = []int32{math.MinInt32, math.MaxInt32, 0, -1, 1 << 30, -(1 << 30)}[r.IntN(6)]
		default:
			e.bias[c] = int32(r.IntN(1<<17) - 1<<16)
		}
		switch r.IntN(8) {
		case 0:
			e.mult[c] = []int32{0, math.MaxInt32, 1 << 30, 1, math.MinInt32}[r.IntN(5)]
		case 1:
			e.mult[c] = int32(r.Uint32() >> 1)
		default: // QuantizeMultiplier's range
			e.mult[c] = int32(1<<30 + r.IntN(1<<30))
		}
		switch {
		case extreme || r.IntN(8) == 0:
			e.shift[c] = int32(r.IntN(62) - 31) // [-31, 30]
		default:
			e.shift[c] = int32(r.IntN(14) - 12)
		}
	}
	if r.IntN(2) == 0 {
		// Half the epilogues look like real models': multipliers below 1
		// (no left shift) and no INT32_MIN multiplier; implementations
		// may take a faster path for those.
		for c := 0; c < n; c++ {
			e.shift[c] = min(e.shift[c], 0)
			if e.mult[c] == math.MinInt32 {
				e.mult[c] = math.MaxInt32
			}
		}
	}
	e.outOffset = int32(r.IntN(256) - 128)
	e.lo, e.hi = randClamp(r, 3)
	return e
}

// asBuilt returns e's parameters as NewEpilogue builds them (the only way
// the ops build an epilogue), so that its cached flags are what a model's
// would be: tests that fill the fields in place call it before running.
func asBuilt(e *Epilogue) *Epilogue {
	return NewEpilogue(e.bias, e.mult, e.shift, e.outOffset, e.lo, e.hi)
}

// checkOut compares got against want for m rows of n values at stride ld
// inside a guarded buffer, and checks every other byte is still a guard.
func checkOut(t *testing.T, what string, all, want []int8, g, m, n, ld int) {
	t.Helper()
	bad := 0
	for i, v := range all {
		j := i - g
		inside := j >= 0 && j/ld < m && j%ld < n
		if !inside {
			if v != guardByte {
				t.Errorf("%s: wrote byte %d outside the output (offset %d from its start)", what, v, j)
				return
			}
			continue
		}
		if v != want[j] {
			if bad < 5 {
				t.Errorf("%s: out[row %d][col %d] = %d, want %d", what, j/ld, j%ld, v, want[j])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d wrong bytes", what, bad)
	}
}

type gemmCase struct {
	m, n, k, lda, ldo int
	a, w              []int8
	e                 *Epilogue
	rt                []int32 // row terms (GemmRowTerm), nil: Gemm
}

// run computes c's product with p and e into out: GemmRowTerm when c has
// row terms, else Gemm.
func (c *gemmCase) run(impl *Impl, p *PackedMatrix, e *Epilogue, out []int8) {
	if c.rt != nil {
		impl.GemmRowTerm(c.a, c.lda, c.m, p, e, out, c.ldo, c.rt)
		return
	}
	impl.Gemm(c.a, c.lda, c.m, p, e, out, c.ldo)
}

// ref is gemmRef of c into want.
func (c *gemmCase) ref(want []int8) {
	gemmRef(c.a, c.lda, c.m, c.w, c.n, c.k, c.e, want, c.ldo, c.rt)
}

// built is asBuilt(c.e), with its row-term bound.
func (c *gemmCase) built() *Epilogue {
	b := asBuilt(c.e)
	b.rowTermMax = c.e.rowTermMax
	return b
}

func (c *gemmCase) String() string {
	s := fmt.Sprintf("m=%d n=%d k=%d lda=%d ldo=%d", c.m, c.n, c.k, c.lda, c.ldo)
	if c.rt != nil {
		s += fmt.Sprintf(" row terms (bound %d)", c.e.rowTermMax)
	}
	return s
}

func runGemmCase(t *testing.T, impl *Impl, c *gemmCase) {
	t.Helper()
	const g = 64
	want := make([]int8, (c.m-1)*c.ldo+c.n)
	c.ref(want)
	p := impl.PackMatrix(c.w, c.n, c.k)
	if p.N != c.n || p.K != c.k {
		t.Fatalf("%v: packed %dx%d", c, p.N, p.K)
	}
	all, out := guarded(len(want), g)
	c.run(impl, p, c.e, out)
	checkOut(t, c.String(), all, want, g, c.m, c.n, c.ldo)
	// The packed matrix is reusable: a second run gives the same bytes.
	all2, out2 := guarded(len(want), g)
	c.run(impl, p, c.e, out2)
	checkOut(t, c.String()+" (again)", all2, want, g, c.m, c.n, c.ldo)
	// As NewEpilogue builds it: the simple flag set where it applies.
	if b := c.built(); b.simple != c.e.simple {
		all4, out4 := guarded(len(want), g)
		c.run(impl, p, b, out4)
		checkOut(t, c.String()+" (built)", all4, want, g, c.m, c.n, c.ldo)
	}
	// Prepared: the kernels may take a path the preparation proved exact
	// for these parameters (the caller may change them afterwards).
	impl.PrepareEpilogue(p, c.e)
	defer func() { c.e.avx2Bounded, c.e.vnniBounded = nil, nil }()
	all3, out3 := guarded(len(want), g)
	c.run(impl, p, c.e, out3)
	checkOut(t, c.String()+" (prepared)", all3, want, g, c.m, c.n, c.ldo)
}

func newGemmCase(r *rand.Rand, m, n, k int) *gemmCase {
	c := &gemmCase{m: m, n: n, k: k, lda: k, ldo: n}
	if r.IntN(2) == 0 {
		c.lda += r.IntN(9)
	}
	if r.IntN(2) == 0 {
		c.ldo += r.IntN(9)
	}
	// a holds exactly what Gemm may read: a stride slack after the last
	// row would hide an over-read.
	c.a = make([]int8, (m-1)*c.lda+k)
	c.w = make([]int8, n*k)
	fillInt8(r, c.a, r.IntN(5))
	fillInt8(r, c.w, r.IntN(5))
	c.e = randEpilogue(r, n)
	return c
}

var gemmSizes = []int{1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 47, 48, 63, 64, 65, 96, 127, 128, 129}

func TestGemmAllImplementations(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(1, 2))
		// Every small shape, exhaustively.
		for m := 1; m <= 9; m++ {
			for n := 1; n <= 33; n++ {
				for _, k := range []int{1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33, 64, 65} {
					runGemmCase(t, impl, newGemmCase(r, m, n, k))
				}
			}
		}
		// Random larger shapes.
		iters := 300
		if testing.Short() {
			iters = 60
		}
		for i := 0; i < iters; i++ {
			m := gemmSizes[r.IntN(len(gemmSizes))]
			n := gemmSizes[r.IntN(len(gemmSizes))]
			k := gemmSizes[r.IntN(len(gemmSizes))] + r.IntN(3)*r.IntN(300)
			runGemmCase(t, impl, newGemmCase(r, m, n, k))
			if t.Failed() {
				return
			}
		}
	})
}

// TestGemmRowBlocks: every row count up to 40 (the kernels' row loops
// split the last 3·6 rows into balanced blocks: each count takes its own
// sequence of block sizes), with panels of one, two and three vectors and
// a partial one, row terms on and off.
func TestGemmRowBlocks(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(41, 42))
		for m := 1; m <= 40; m++ {
			for _, n := range []int{16, 32, 48, 64, 72} {
				c := newGemmCase(r, m, n, 1+r.IntN(70))
				if r.IntN(2) == 0 {
					c = withRowTerms(r, c, filterOffsets[r.IntN(len(filterOffsets))], r.IntN(3) == 0)
				}
				runGemmCase(t, impl, c)
			}
			if t.Failed() {
				return
			}
		}
	})
}

// TestGemmBlockEdges: the shapes at the generic kernel's block edges (K in
// blocks of 512, N in blocks of 64), where a blocked loop's off-by-one
// would show, with odd and even row counts (its rows go in pairs).
func TestGemmBlockEdges(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(31, 32))
		for _, k := range []int{511, 512, 513, 1024, 1025} {
			for _, n := range []int{64, 65, 129} {
				for _, m := range []int{1, 2, 5, 6} {
					runGemmCase(t, impl, newGemmCase(r, m, n, k))
				}
			}
		}
	})
}

// TestGemmWrap: the int32 accumulator wraps (−128·−128 over K ≥ 2^17
// passes 2^31), and biases push the sum through INT32_MIN and INT32_MAX.
// K = 2^17 − 1 is the deepest the generic kernel's packed pairs take.
func TestGemmWrap(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, k := range []int{1<<17 - 1, 1 << 17, 1<<17 + 1, 1<<17 + 37} {
			for i, mode := range []int{2, 3, 1} {
				c := newGemmCase(r, 3+4*(i%2), 19, k) // 3 and 7 rows
				fillInt8(r, c.a, mode)
				fillInt8(r, c.w, 2)
				runGemmCase(t, impl, c)
			}
		}
	})
}

// TestGemmEpilogueExtremes drives the requantization to its corners: the
// accumulator plus bias equal to INT32_MIN / INT32_MAX, with Mult INT32_MIN
// (the one SaturatingRoundingDoublingHighMul overflow), Mult 0 and
// 2^31−1, every shift in [−31, 30], and the clamp limits.
func TestGemmEpilogueExtremes(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, k := range []int{1, 3, 16, 40} {
			for _, n := range []int{62, 64, 67} { // one column per shift, and then some
				c := newGemmCase(r, 5, n, k)
				// Accumulators of row 0, to set the bias against.
				acc := make([]int32, n)
				for col := 0; col < n; col++ {
					for i := 0; i < k; i++ {
						acc[col] += int32(c.a[i]) * int32(c.w[col*k+i])
					}
				}
				for col := 0; col < n; col++ {
					c.e.shift[col] = int32(col%62 - 31)
					switch col % 5 {
					case 0:
						c.e.bias[col] = math.MinInt32 - acc[col]
						c.e.mult[col] = math.MinInt32
					case 1:
						c.e.bias[col] = math.MaxInt32 - acc[col]
						c.e.mult[col] = math.MaxInt32
					case 2:
						c.e.bias[col] = math.MinInt32 - acc[col]
						c.e.mult[col] = math.MaxInt32
					case 3:
						c.e.mult[col] = 0
					case 4:
						c.e.bias[col] = -acc[col] + int32(r.IntN(5)-2)
						c.e.mult[col] = 1 << 30
					}
				}
				c.e.outOffset = []int32{-128, 127, 0}[r.IntN(3)]
				c.e.lo, c.e.hi = -128, 127
				runGemmCase(t, impl, c)
				c.e.lo, c.e.hi = -5, 5
				runGemmCase(t, impl, c)
				// The same through NewEpilogue, whose cached check must
				// see the left shifts and INT32_MIN multipliers.
				c.e = NewEpilogue(c.e.bias, c.e.mult, c.e.shift, c.e.outOffset, c.e.lo, c.e.hi)
				if c.e.simple {
					t.Fatalf("NewEpilogue with left shifts: simple")
				}
				runGemmCase(t, impl, c)
				// Only right shifts and ordinary multipliers: simple.
				for col := range c.e.shift {
					c.e.shift[col] = -int32(col % 32)
					if c.e.mult[col] == math.MinInt32 {
						c.e.mult[col] = math.MinInt32 + 1
					}
				}
				c.e = NewEpilogue(c.e.bias, c.e.mult, c.e.shift, c.e.outOffset, c.e.lo, c.e.hi)
				if !c.e.simple {
					t.Fatalf("NewEpilogue without left shifts: not simple")
				}
				runGemmCase(t, impl, c)
			}
		}
	})
}

// TestGemmPackedMismatch: a matrix packed by one implementation cannot be
// used by another.
func TestGemmPackedMismatch(t *testing.T) {
	var impls []*Impl
	for _, impl := range All() {
		if impl.Available {
			impls = append(impls, impl)
		}
	}
	if len(impls) < 2 {
		t.Skip("one implementation on this machine")
	}
	p := impls[0].PackMatrix(make([]int8, 4), 2, 2)
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	e := &Epilogue{bias: make([]int32, 2), mult: make([]int32, 2), shift: make([]int32, 2), lo: -128, hi: 127}
	impls[1].Gemm(make([]int8, 2), 2, 1, p, e, make([]int8, 2), 2)
}

func TestGemmAllocatesNothing(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(7, 8))
		c := newGemmCase(r, 7, 45, 77)
		p := impl.PackMatrix(c.w, c.n, c.k)
		out := make([]int8, (c.m-1)*c.ldo+c.n)
		if n := testing.AllocsPerRun(10, func() { impl.Gemm(c.a, c.lda, c.m, p, c.e, out, c.ldo) }); n != 0 {
			t.Errorf("Gemm allocates %v times", n)
		}
	})
}
