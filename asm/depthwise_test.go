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
	DepthwiseRowRef(d.in, d.rowStride, d.strideW, d.dilH, d.dilW, d.w, d.kh, d.kw, d.c, d.e, want, d.n)
	p := impl.PackDepthwise(d.w, d.kh, d.kw, d.c)
	all, out := guarded(len(want), g)
	impl.DepthwiseRow(d.in, d.rowStride, d.strideW, d.dilH, d.dilW, p, d.e, out, d.n)
	checkOut(t, d.String(), all, want, g, 1, len(want), len(want))
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
					d.e.Shift[ch] = int32(ch%62 - 31)
					switch ch % 5 {
					case 0:
						d.e.Bias[ch], d.e.Mult[ch] = math.MinInt32-acc, math.MinInt32
					case 1:
						d.e.Bias[ch], d.e.Mult[ch] = math.MaxInt32-acc, math.MaxInt32
					case 2:
						d.e.Bias[ch], d.e.Mult[ch] = math.MinInt32-acc, math.MaxInt32
					case 3:
						d.e.Mult[ch] = 0
					case 4:
						d.e.Bias[ch], d.e.Mult[ch] = -acc+int32(r.IntN(5)-2), 1<<30
					}
				}
				d.e.Min, d.e.Max = -128, 127
				runDwCase(t, impl, d)
				d.e.Min, d.e.Max = -3, 9
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
