//go:build !purego

package asm

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// vnniImpl returns the avx512vnni Impl, or skips the test.
func vnniImpl(t *testing.T) *Impl { return implNamed(t, "avx512vnni") }

// vnniBoundedEpilogue is gemmBoundedEpilogue with right shifts 0..31
// (the VNNI kernels take 0 too), capped so that OutOffset·2^shift stays
// within ±2^29 (boundChannel's int32 check; shifts up to 31 with offset 0).
func vnniBoundedEpilogue(r *rand.Rand, w []int8, n, k int) *Epilogue {
	e := gemmBoundedEpilogue(r, w, n, k)
	if r.IntN(4) == 0 {
		e.outOffset = 0
	}
	emax := int32(31)
	if o := e.outOffset; o != 0 {
		emax = 29 - int32(bits.Len32(uint32(max(o, -o))))
	}
	for c := range e.shift {
		if r.IntN(8) == 0 {
			e.shift[c] = 0
		}
		e.shift[c] = max(e.shift[c], -emax)
	}
	return e
}

// TestGemmVNNIBounded: the bounded VNNI kernels on random shapes around
// the row block (6, every tail 1..5), the 16-column vectors and the
// 48-column panels (every partial width), short and long K, with
// parameters the load-time check accepts, including its boundaries.
func TestGemmVNNIBounded(t *testing.T) {
	impl := vnniImpl(t)
	r := rand.New(rand.NewPCG(21, 22))
	ms := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 17, 18, 36, 37, 40}
	ks := []int{1, 2, 3, 4, 5, 15, 16, 17, 24, 27, 31, 32, 33, 64, 65, 144, 255, 256, 1024}
	iters := 600
	if testing.Short() {
		iters = 120
	}
	for i := 0; i < iters; i++ {
		n := 1 + r.IntN(150)
		c := newGemmCase(r, ms[r.IntN(len(ms))], n, ks[r.IntN(len(ks))])
		c.e = vnniBoundedEpilogue(r, c.w, c.n, c.k)
		runPrepared(t, impl, c, true)
		if t.Failed() {
			return
		}
	}
	// Rounding ties, negative and positive: small accumulators, Mult 2^30
	// (one half) and 2^31−1, right shifts 0..3, every value of x around 0.
	for i := 0; i < 300; i++ {
		c := newGemmCase(r, ms[r.IntN(len(ms))], 1+r.IntN(100), 1+r.IntN(3))
		fillInt8(r, c.a, 4)
		fillInt8(r, c.w, 4)
		c.e = &Epilogue{bias: make([]int32, c.n), mult: make([]int32, c.n), shift: make([]int32, c.n), lo: -128, hi: 127}
		for col := range c.e.bias {
			c.e.bias[col] = int32(r.IntN(41) - 20)
			c.e.mult[col] = []int32{1 << 30, math.MaxInt32, 3 << 29, 0, 1}[r.IntN(5)]
			c.e.shift[col] = -int32(r.IntN(4))
		}
		c.e.outOffset = int32(r.IntN(11) - 5)
		runPrepared(t, impl, c, true)
	}
}

// TestGemmVNNIBoundedLimit drives |acc + bias| to 2^30 − 1 (rows of −128
// or 127 against channels of −128 or 127, biases at the limit) with the
// shifts (0, 1, 30, 31), multipliers (0, 1, 2^30, 2^31−1) and zero points
// that push the high dword and the rounding to their extremes, and checks
// that one more unit of bias, a left shift, a negative
// multiplier, an offset that overflows int32 after the shift or a clamp
// outside int8 takes the general path.
func TestGemmVNNIBoundedLimit(t *testing.T) {
	impl := vnniImpl(t)
	r := rand.New(rand.NewPCG(23, 24))
	for _, k := range []int{1, 2, 7, 16, 27, 64, 2048} {
		for _, rowVal := range []int8{-128, 127} {
			for _, n := range []int{32, 48, 100} {
				c := limitGemmCase(r, 1+r.IntN(13), n, k, rowVal)
				// Shifts up to 31 with offset 0; with ±128 up to 21
				// (128·2^21 = 2^28).
				c.e.outOffset = []int32{0, 127, -128}[r.IntN(3)]
				for col := 0; col < c.n; col++ {
					c.e.shift[col] = []int32{-1, -31, -30, 0}[col%4]
					if c.e.outOffset != 0 {
						c.e.shift[col] = []int32{-1, -21, -20, 0}[col%4]
					}
				}
				if r.IntN(2) == 0 {
					c.e.lo, c.e.hi = int32(r.IntN(128)-128), int32(r.IntN(128))
				}
				runPrepared(t, impl, c, true)

				for _, bad := range []func(e *Epilogue){
					biasPastLimit5,
					func(e *Epilogue) { e.shift[n-1] = 1 },
					func(e *Epilogue) { e.mult[9] = -1 },
					func(e *Epilogue) { e.outOffset = 1 << 16 }, // ·2^31 overflows int32
					func(e *Epilogue) { e.hi = 128 },
					func(e *Epilogue) { e.lo = -129 },
				} {
					runPrepared(t, impl, withBad(c, bad), false)
				}
			}
		}
	}
}

// TestGemmVNNIBoundedModel checks the Go model of the bounded epilogue
// (dwBoundRequant, with the constants vnniPrepareBounded stored) against
// requantize on the extremes of x, so that a wrong constant shows even
// where the random GEMMs would not reach.
func TestGemmVNNIBoundedModel(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	impl := vnniImpl(t)
	for i := 0; i < 200; i++ {
		n, k := 1+r.IntN(60), 1+r.IntN(40)
		w := make([]int8, n*k)
		fillInt8(r, w, r.IntN(5))
		e := vnniBoundedEpilogue(r, w, n, k)
		p := impl.PackMatrix(w, n, k)
		b := vnniPrepareBounded(p, e)
		if b == nil {
			t.Fatal("not bounded")
		}
		for c := 0; c < n; c++ {
			blk := b.q[c/16*vnniBQ:][:vnniBQ]
			l := c % 16
			at := 64 + l/2*2
			if l%2 == 1 {
				at += 16
			}
			kc := int64(uint32(blk[at])) | int64(blk[at+1])<<32
			var sw int64
			for _, v := range w[c*k:][:k] {
				sw += abs64(int64(v))
			}
			lim := 128*sw + abs64(int64(e.bias[c]))
			for _, x := range []int64{-lim, -lim + 1, -1, 0, 1, lim - 1, lim, r.Int64N(2*lim+1) - lim} {
				if x < -lim || x > lim {
					continue
				}
				acc := int32(x) - e.bias[c]
				if int64(acc)+int64(e.bias[c]) != x {
					continue
				}
				if got, want := dwBoundRequant(acc, c, e, blk[32+l], blk[48+l], kc), requantize(acc, c, e); got != want {
					t.Fatalf("channel %d, x=%d: model %d, requantize %d", c, x, got, want)
				}
			}
		}
	}
}

func TestGemmVNNIBoundedAllocatesNothing(t *testing.T) {
	checkBoundedAllocs(t, vnniImpl(t), rand.New(rand.NewPCG(27, 28)), 100, 27, vnniBoundedEpilogue)
}

// TestVNNIPanelCols: the panels tile the columns, as few as 48-column
// panels need, whole vectors but the last, their vector counts at most
// one apart, wider first.
func TestVNNIPanelCols(t *testing.T) {
	for n := 1; n <= 400; n++ {
		var vecs []int
		c0 := 0
		for c0 < n {
			cols := vnniPanelCols(n, c0)
			if cols <= 0 || cols > vnniPanel {
				t.Fatalf("n=%d c0=%d: width %d", n, c0, cols)
			}
			if c0+cols < n && cols%16 != 0 {
				t.Fatalf("n=%d c0=%d: inner panel of %d columns", n, c0, cols)
			}
			vecs = append(vecs, (cols+15)/16)
			c0 += cols
		}
		if c0 != n {
			t.Fatalf("n=%d: panels end at %d", n, c0)
		}
		if want := (n + vnniPanel - 1) / vnniPanel; len(vecs) != want {
			t.Fatalf("n=%d: %d panels, want %d", n, len(vecs), want)
		}
		for i := 1; i < len(vecs); i++ {
			if vecs[i] > vecs[i-1] || vecs[0]-vecs[i] > 1 {
				t.Fatalf("n=%d: vectors per panel %v", n, vecs)
			}
		}
	}
	if got := []int{vnniPanelCols(64, 0), vnniPanelCols(64, 32)}; got[0] != 32 || got[1] != 32 {
		t.Errorf("n=64: panels %v, want [32 32]", got)
	}
}

// TestVNNIRowTermsStayInside: the VNNI kernels advance gemmArgs.rt past
// each block of rows but the last, so that it never points past the row
// terms. A pointer one past a slice points at whatever object follows
// it, or a free one, and a garbage collector that scans the caller's
// copy of the arguments at a safe point then fails ("found pointer to
// free object": it did once args moved to the caller's frame).
func TestVNNIRowTermsStayInside(t *testing.T) {
	impl := vnniImpl(t)
	r := rand.New(rand.NewPCG(41, 42))
	const k = 8
	kernels := map[int]func(*gemmArgs){1: gemmVNNI1, 2: gemmVNNI2, 3: gemmVNNI3}
	for nz, kernel := range kernels {
		n := 16 * nz
		w := make([]int8, n*k)
		fillInt8(r, w, 0)
		p := impl.PackMatrix(w, n, k)
		e := randEpilogue(r, n)
		for m := 1; m <= 14; m++ {
			a := make([]int8, m*k)
			fillInt8(r, a, 0)
			out := make([]int8, m*n)
			rt := make([]int32, m)
			args := gemmArgs{a: &a[0], lda: k, m: m, k: k, w: &p.Data[0], out: &out[0], ldo: n,
				bias: &e.bias[0], mult: &e.mult[0], shift: &e.shift[0], rowsum: &p.RowSums[0],
				rt: &rt[0], rts: 4, outOff: e.outOffset, lo: e.lo, hi: e.hi, mask: 0xffff,
				clamp: saturationClamp(e.lo, e.hi)}
			kernel(&args)
			first := uintptr(unsafe.Pointer(&rt[0]))
			if at := uintptr(unsafe.Pointer(args.rt)); at < first || at >= first+4*uintptr(m) {
				t.Fatalf("gemmVNNI%d, %d rows: rt left %d bytes from the row terms' start, outside their %d bytes", nz, m, int64(at-first), 4*m)
			}
		}
	}
}
