package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

type dwCase struct {
	kh, kw, c, n                   int
	rowStride, strideW, dilH, dilW int
	in, w                          []int8
	e                              *Epilogue
}

func (d *dwCase) String() string {
	return fmt.Sprintf("%dx%d c=%d n=%d strideW=%d dil=%dx%d rowStride=%d", d.kh, d.kw, d.c, d.n, d.strideW, d.dilH, d.dilW, d.rowStride)
}

// newDwCase builds an input holding exactly the values the row reads (the
// last tap of the last pixel is its last value), so an over-read panics or
// shows.
func newDwCase(r *rand.Rand, kh, kw, c, n, strideW, dilH, dilW int) *dwCase {
	d := &dwCase{kh: kh, kw: kw, c: c, n: n, strideW: strideW, dilH: dilH, dilW: dilW}
	width := (n-1)*strideW + (kw-1)*dilW + 1 // input pixels one row needs
	d.rowStride = (width + r.IntN(3)) * c
	d.in = make([]int8, (kh-1)*dilH*d.rowStride+width*c)
	d.w = make([]int8, kh*kw*c)
	fillInt8(r, d.in, r.IntN(5))
	fillInt8(r, d.w, r.IntN(5))
	d.e = randEpilogue(r, c)
	return d
}

func runDwCase(t *testing.T, impl *Impl, d *dwCase) {
	t.Helper()
	const g = 64
	want := make([]int8, d.n*d.c)
	depthwiseRowRef(d.in, d.rowStride, d.strideW, d.dilH, d.dilW, d.w, d.kh, d.kw, d.c, d.e, want, d.n)
	p := impl.PackDepthwise(d.w, d.kh, d.kw, d.c)
	all, out := guarded(len(want), g)
	impl.DepthwiseRow(d.in, d.rowStride, d.strideW, d.dilH, d.dilW, p, d.e, out, d.n)
	checkOut(t, d.String(), all, want, g, 1, len(want), len(want))
	if b := asBuilt(d.e); b.simple != d.e.simple {
		all, out = guarded(len(want), g)
		impl.DepthwiseRow(d.in, d.rowStride, d.strideW, d.dilH, d.dilW, p, b, out, d.n)
		checkOut(t, d.String()+" built", all, want, g, 1, len(want), len(want))
	}
	// Again with the filter and epilogue bound (which changes nothing
	// unless they qualify for the bounded epilogue).
	impl.PrepareDepthwiseEpilogue(p, d.e)
	defer func() { d.e.dw = nil }()
	all, out = guarded(len(want), g)
	impl.DepthwiseRow(d.in, d.rowStride, d.strideW, d.dilH, d.dilW, p, d.e, out, d.n)
	checkOut(t, d.String()+" bound", all, want, g, 1, len(want), len(want))
}

// TestDepthwiseBounded runs the bounded epilogue's kernel on epilogues at
// its edges (see dwBoundedEpilogue), every fast-path shape, and checks that
// the AVX-512 implementation does take it for them.
func TestDepthwiseBounded(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(23, 24))
		bound, total := 0, 0
		run := func(d *dwCase) {
			// Most channels qualify; a case qualifies when all do, so
			// make the channels that do not (bias just over the limit)
			// rare: re-draw them, mostly.
			d.e = dwBoundedEpilogue(r, d.w, d.c)
			p := impl.PackDepthwise(d.w, d.kh, d.kw, d.c)
			redraw := r.IntN(8) != 0
			for ch := 0; ch < d.c && redraw; ch++ {
				for i := 0; i < 50; i++ {
					if _, _, _, ok := dwBoundChannel(d.w, d.c, ch, d.e); ok {
						break
					}
					d1 := dwBoundedEpilogue(r, d.w, d.c)
					d.e.bias[ch], d.e.mult[ch], d.e.shift[ch] = d1.bias[ch], d1.mult[ch], d1.shift[ch]
				}
			}
			impl.PrepareDepthwiseEpilogue(p, d.e)
			total++
			if d.e.dw != nil {
				bound++
			}
			d.e.dw = nil
			runDwCase(t, impl, d)
		}
		for _, k := range []int{3, 5} {
			for _, s := range []int{1, 2} {
				for c := 1; c <= 70; c++ {
					for _, n := range []int{1, 2, 7, 8, 9, 17} {
						d := newDwCase(r, k, k, c, n, s, 1, 1)
						if r.IntN(2) == 0 {
							fillInt8(r, d.in, 2) // -128 or 127: the sums' extremes
						}
						run(d)
					}
					if t.Failed() {
						return
					}
				}
			}
		}
		// Every filter height with 3 and 5 taps across (AVX2 pairs rows:
		// no pair for one row, an odd row left or not).
		for kh := 1; kh <= 6; kh++ {
			for _, kw := range []int{3, 5} {
				for _, s := range []int{1, 2} {
					for _, c := range []int{8, 16, 24, 41} {
						for _, n := range []int{1, 3, 4, 6, 12, 21} {
							run(newDwCase(r, kh, kw, c, n, s, 1+r.IntN(2), 1))
						}
					}
				}
			}
		}
		// The 3x3 byte path: row dilations, several full channel blocks
		// then a partial one, runs of several blocks plus tails.
		for _, s := range []int{1, 2} {
			for _, dil := range []int{2, 3} {
				for _, c := range []int{16, 32, 48, 67} {
					for _, n := range []int{8, 16, 19} {
						run(newDwCase(r, 3, 3, c, n, s, dil, 1))
					}
				}
			}
		}
		for i := 0; i < 300; i++ {
			kh, kw := 1+r.IntN(7), 1+r.IntN(7)
			c := []int{1, 15, 16, 17, 32, 33, 64, 131, 300}[r.IntN(9)] // 300: the generic kernel's channel blocks
			run(newDwCase(r, kh, kw, c, 1+r.IntN(40), 1+r.IntN(3), 1+r.IntN(3), 1+r.IntN(3)))
			if t.Failed() {
				return
			}
		}
		if dwBoundedImpl[impl.Name] && bound < total/4 {
			t.Errorf("bounded epilogue taken in %d of %d cases", bound, total)
		}
		t.Logf("bounded epilogue taken in %d of %d cases", bound, total)
	})
}

// dwBoundedImpl: the implementations with a bounded depthwise epilogue
// (AVX-512: dwAVX512Bounded; AVX2 and AVX-VNNI: dwAVX2Pair, for 3 or 5
// taps across).
var dwBoundedImpl = map[string]bool{"avx512vnni": true, "avx2": true, "avxvnni": true}

// TestDepthwiseBindTypical: the epilogues of real models (multipliers in
// [2^30, 2^31), right shifts, small biases) get the bounded epilogue on
// AVX-512 and AVX2, and only for the filter they were bound with.
func TestDepthwiseBindTypical(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		d := newDwCase(r, 3, 3, 64, 8, 1, 1, 1)
		e := &Epilogue{bias: make([]int32, 64), mult: make([]int32, 64), shift: make([]int32, 64), outOffset: -128, lo: -128, hi: 127}
		for ch := range e.bias {
			e.bias[ch] = int32(r.IntN(20001) - 10000)
			e.mult[ch] = int32(1<<30 + r.IntN(1<<30))
			e.shift[ch] = int32(-6 - r.IntN(6))
		}
		p := impl.PackDepthwise(d.w, 3, 3, 64)
		impl.PrepareDepthwiseEpilogue(p, e)
		if got, want := e.dw != nil, dwBoundedImpl[impl.Name]; got != want {
			t.Errorf("%s: bounded epilogue %v, want %v", impl.Name, got, want)
		}
		if e.dw != nil && e.dw.w != p {
			t.Errorf("%s: bound to another filter", impl.Name)
		}
		d.e = e
		runDwCase(t, impl, d)
	})
}

func TestDepthwiseAllImplementations(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(11, 12))
		// The fast paths' shapes, every channel count around the vector
		// widths and every run length up to a few register blocks.
		for _, k := range []int{3, 5} {
			for _, s := range []int{1, 2} {
				for c := 1; c <= 70; c++ {
					for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 13, 17} {
						runDwCase(t, impl, newDwCase(r, k, k, c, n, s, 1, 1))
					}
				}
				if t.Failed() {
					return
				}
			}
		}
		// Any geometry.
		iters := 1500
		if testing.Short() {
			iters = 300
		}
		for i := 0; i < iters; i++ {
			kh, kw := 1+r.IntN(7), 1+r.IntN(7)
			c := []int{1, 3, 8, 15, 16, 17, 31, 32, 33, 48, 64, 96, 128, 131}[r.IntN(14)]
			n := 1 + r.IntN(40)
			runDwCase(t, impl, newDwCase(r, kh, kw, c, n, 1+r.IntN(3), 1+r.IntN(3), 1+r.IntN(3)))
			if t.Failed() {
				return
			}
		}
	})
}

// TestDepthwiseEpilogueExtremes: sums plus bias at INT32_MIN / INT32_MAX,
// Mult INT32_MIN, 0 and 2^31−1, every shift in [−31, 30].
func TestDepthwiseEpilogueExtremes(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(13, 14))
		for _, k := range []int{3, 5} {
			for _, c := range []int{62, 64, 67} {
				d := newDwCase(r, k, k, c, 5, 1, 1, 1)
				for ch := 0; ch < c; ch++ {
					var acc int32 // pixel 0
					for ky := 0; ky < k; ky++ {
						for kx := 0; kx < k; kx++ {
							acc += int32(d.in[ky*d.rowStride+kx*c+ch]) * int32(d.w[(ky*k+kx)*c+ch])
						}
					}
					d.e.shift[ch] = int32(ch%62 - 31)
					switch ch % 5 {
					case 0:
						d.e.bias[ch], d.e.mult[ch] = math.MinInt32-acc, math.MinInt32
					case 1:
						d.e.bias[ch], d.e.mult[ch] = math.MaxInt32-acc, math.MaxInt32
					case 2:
						d.e.bias[ch], d.e.mult[ch] = math.MinInt32-acc, math.MaxInt32
					case 3:
						d.e.mult[ch] = 0
					case 4:
						d.e.bias[ch], d.e.mult[ch] = -acc+int32(r.IntN(5)-2), 1<<30
					}
				}
				d.e.lo, d.e.hi = -128, 127
				runDwCase(t, impl, d)
				d.e.lo, d.e.hi = -3, 9
				runDwCase(t, impl, d)
			}
		}
	})
}

func TestDepthwiseAllocatesNothing(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(15, 16))
		d := newDwCase(r, 3, 3, 40, 11, 1, 1, 1)
		p := impl.PackDepthwise(d.w, d.kh, d.kw, d.c)
		out := make([]int8, d.n*d.c)
		if n := testing.AllocsPerRun(10, func() {
			impl.DepthwiseRow(d.in, d.rowStride, d.strideW, d.dilH, d.dilW, p, d.e, out, d.n)
		}); n != 0 {
			t.Errorf("DepthwiseRow allocates %v times", n)
		}
	})
}
