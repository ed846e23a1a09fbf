package asm

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// wideDwRef is the depthwise row with int16 weights w ([kh][kw][c]): the
// definition PackDepthwiseWide's kernels are checked against.
func wideDwRef(d *dwCase, w []int16, out []int8) {
	for j := 0; j < d.n; j++ {
		for ch := 0; ch < d.c; ch++ {
			var acc int32
			for ky := 0; ky < d.kh; ky++ {
				for kx := 0; kx < d.kw; kx++ {
					x := d.in[j*d.strideW*d.c+ky*d.dilH*d.rowStride+kx*d.dilW*d.c+ch]
					acc += int32(x) * int32(w[(ky*d.kw+kx)*d.c+ch])
				}
			}
			out[j*d.c+ch] = requantize(acc, ch, d.e)
		}
	}
}

// TestDepthwiseWide: filters of weights in [−255, 255] (uint8 filters plus
// their offset) packed wide, on every implementation that packs them
// (arm64's do not: nil), every fast-path shape (3x3 and 5x5, strides 1
// and 2, which on AVX-512 must not take the int8 byte path) and random
// geometries, with random and bounded-qualifying epilogues, against
// wideDwRef; the AVX-512 implementation must take the bounded epilogue
// for most of the latter.
func TestDepthwiseWide(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		if impl.PackDepthwiseWide(make([]int16, 1), 1, 1, 1) == nil {
			if runtime.GOARCH == "amd64" || impl.Name == "generic" {
				t.Fatal("no wide depthwise packing")
			}
			t.Skip("int8 weights only")
		}
		r := rand.New(rand.NewPCG(75, 76))
		bound, boundable := 0, 0
		run := func(d *dwCase) {
			t.Helper()
			w := make([]int16, len(d.w))
			for i := range w {
				switch r.IntN(8) {
				case 0:
					w[i] = []int16{-255, 255, 0, -128, 127, 128}[r.IntN(6)]
				default:
					w[i] = int16(r.IntN(511) - 255)
				}
			}
			if r.IntN(2) == 0 {
				fillInt8(r, d.in, 2) // -128 or 127: the sums' extremes
			}
			boundedEpi := r.IntN(2) == 0
			if boundedEpi {
				// Small biases, multipliers below 1, right shifts only:
				// every channel qualifies (Σ|w|·128 < 2^30).
				for ch := range d.c {
					d.e.bias[ch] = int32(r.IntN(1<<17) - 1<<16)
					d.e.mult[ch] = int32(1<<30 + r.IntN(1<<30))
					d.e.shift[ch] = int32(-r.IntN(20))
				}
				d.e = asBuilt(d.e)
			}
			want := make([]int8, d.n*d.c)
			wideDwRef(d, w, want)
			p := impl.PackDepthwiseWide(w, d.kh, d.kw, d.c)
			const g = 64
			all, out := guarded(len(want), g)
			impl.DepthwiseRow(d.in, d.rowStride, d.strideW, d.dilH, d.dilW, p, d.e, out, d.n)
			checkOut(t, d.String(), all, want, g, 1, len(want), len(want))
			impl.PrepareDepthwiseEpilogue(p, d.e)
			if boundedEpi {
				boundable++
				if d.e.dw != nil {
					bound++
				}
			}
			all, out = guarded(len(want), g)
			impl.DepthwiseRow(d.in, d.rowStride, d.strideW, d.dilH, d.dilW, p, d.e, out, d.n)
			checkOut(t, d.String()+" bound", all, want, g, 1, len(want), len(want))
			d.e.dw = nil
		}
		for _, k := range []int{3, 5} {
			for _, s := range []int{1, 2} {
				for _, c := range []int{1, 7, 8, 9, 15, 16, 17, 32, 33, 48, 67} {
					for _, n := range []int{1, 2, 7, 8, 9, 17} {
						run(newDwCase(r, k, k, c, n, s, 1, 1))
					}
					if t.Failed() {
						return
					}
				}
			}
		}
		for i := 0; i < 200; i++ {
			kh, kw := 1+r.IntN(7), 1+r.IntN(7)
			c := []int{1, 15, 16, 17, 32, 33, 64, 131, 300}[r.IntN(9)]
			run(newDwCase(r, kh, kw, c, 1+r.IntN(40), 1+r.IntN(3), 1+r.IntN(3), 1+r.IntN(3)))
			if t.Failed() {
				return
			}
		}
		if impl.Name == "avx512vnni" && bound < boundable*9/10 {
			t.Errorf("bounded epilogue taken %d of %d times", bound, boundable)
		}
	})
}
