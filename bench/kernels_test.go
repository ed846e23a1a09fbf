package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/asm"
)

// Kernel-level benchmarks: asm.Gemm and asm.DepthwiseRow alone on the same
// shapes (no im2col, no borders), the ceiling of the op benchmarks.

func randInt8s(r *rand.Rand, n int) []int8 {
	v := make([]int8, n)
	for i := range v {
		v[i] = int8(r.IntN(256))
	}
	return v
}

func epilogue(n int) *asm.Epilogue { return clampedEpilogue(n, -128, 127) }

// clampedEpilogue is epilogue with the clamp [lo, hi] (output offset 4).
func clampedEpilogue(n int, lo, hi int32) *asm.Epilogue {
	q := requant(n, 4)
	bias := make([]int32, n)
	for i := range bias {
		bias[i] = int32(i*37%2000 - 1000)
	}
	return asm.NewEpilogue(bias, q.Multiplier, q.Shift, 4, lo, hi)
}

func BenchmarkKernelGemm(b *testing.B) {
	for _, s := range []struct{ m, n, k int }{
		{48 * 48, 128, 64}, {12 * 12, 256, 256}, {6 * 6, 512, 512}, // pointwise
		{32 * 32, 16, 144}, {112 * 112, 32, 27}, {32 * 32, 32, 288}, // conv 3x3 and stem as im2col GEMMs
		// MobileNetV2's short-K pointwise convs (the epilogue dominates)
		{112 * 112, 96, 16}, {112 * 112, 16, 32}, {56 * 56, 144, 24}, {56 * 56, 24, 144},
		{1, 128, 640}, {1, 1000, 1024}, {1, 256, 256}, {16, 256, 256}, // fully connected
	} {
		benchGemm(b, s.m, s.n, s.k, 1)
	}
}

// benchGemm times calls Gemm calls of m rows by n columns by k, the same
// matrices each time, under every implementation.
func benchGemm(b *testing.B, m, n, k, calls int) {
	r := rand.New(rand.NewPCG(1, 1))
	a, w, e := randInt8s(r, m*k), randInt8s(r, n*k), epilogue(n)
	out := make([]int8, m*n)
	b.Run(fmt.Sprintf("m%d-n%d-k%d", m, n, k), func(b *testing.B) {
		for _, impl := range asm.All() {
			b.Run(impl.Name, func(b *testing.B) {
				skipUnavailable(b, impl)
				p := impl.PackMatrix(w, n, k)
				impl.PrepareEpilogue(p, e)
				timed(b, int64(calls*m*n*k), func() {
					for range calls {
						impl.Gemm(a, k, m, p, e, out, n)
					}
				})
			})
		}
	})
}

func BenchmarkKernelDepthwise(b *testing.B) {
	for _, s := range []struct{ w, c, stride int }{{48, 64, 1}, {48, 64, 2}, {24, 128, 1}, {24, 128, 2}, {96, 32, 1}, {96, 32, 2}, {48, 8, 1}} {
		r := rand.New(rand.NewPCG(2, 2))
		inW := s.w + 2
		in := randInt8s(r, 3*inW*s.c)
		w, e := randInt8s(r, 9*s.c), epilogue(s.c)
		n := (inW-3)/s.stride + 1
		out := make([]int8, n*s.c)
		b.Run(fmt.Sprintf("w%d-c%d-s%d", s.w, s.c, s.stride), func(b *testing.B) {
			for _, impl := range asm.All() {
				b.Run(impl.Name, func(b *testing.B) {
					skipUnavailable(b, impl)
					p := impl.PackDepthwise(w, 3, 3, s.c)
					impl.PrepareDepthwiseEpilogue(p, e) // as the op does
					timed(b, int64(n*s.c*9), func() { impl.DepthwiseRow(in, inW*s.c, s.stride, 1, 1, p, e, out, n) })
				})
				// Without PrepareDepthwiseEpilogue: the general epilogue, as for
				// models outside the bounded epilogue's bound.
				b.Run(impl.Name+"-unbound", func(b *testing.B) {
					skipUnavailable(b, impl)
					p, e := impl.PackDepthwise(w, 3, 3, s.c), epilogue(s.c)
					timed(b, int64(n*s.c*9), func() { impl.DepthwiseRow(in, inW*s.c, s.stride, 1, 1, p, e, out, n) })
				})
			}
		})
	}
}

// BenchmarkKernelGemmRows times GEMMs of few rows, as the band path of a
// convolution calls them (one call per output row, m = the output width):
// ResNet-8 large's 3x3 convs at 32x32x32, 16x16x64 and 8x8x128, one image
// row of calls per iteration. Short m and narrow panels make the row and
// column blocking, not the K loop, decide the speed.
func BenchmarkKernelGemmRows(b *testing.B) {
	for _, s := range []struct{ m, n, k int }{{32, 32, 288}, {16, 64, 576}, {8, 128, 1152}, {16, 64, 288}, {8, 128, 576}} {
		benchGemm(b, s.m, s.n, s.k, s.m)
	}
}

// BenchmarkKernelRelu times the kernels whose epilogue the clamp decides:
// with the clamp at the output offset (a fused ReLU: the implementations'
// Relu forms skip the rounding's sign correction) and with the full int8
// range, the same matrices and parameters otherwise; compare the two
// sub-benchmarks of a shape as a ratio of one run. Shapes: MobileNetV2's
// short-K expansions (the epilogue dominates) and 3x3 depthwise rows.
func BenchmarkKernelRelu(b *testing.B) {
	clamps := []struct {
		name   string
		lo, hi int32
	}{{"clamp=full", -128, 127}, {"clamp=relu", 4, 127}}
	epi := clampedEpilogue
	for _, s := range []struct{ m, n, k int }{{112 * 112, 96, 16}, {56 * 56, 144, 24}} {
		r := rand.New(rand.NewPCG(1, 1))
		a, w := randInt8s(r, s.m*s.k), randInt8s(r, s.n*s.k)
		out := make([]int8, s.m*s.n)
		for _, impl := range asm.All() {
			for _, c := range clamps {
				b.Run(fmt.Sprintf("gemm-m%d-n%d-k%d/%s/%s", s.m, s.n, s.k, impl.Name, c.name), func(b *testing.B) {
					skipUnavailable(b, impl)
					p, e := impl.PackMatrix(w, s.n, s.k), epi(s.n, c.lo, c.hi)
					impl.PrepareEpilogue(p, e)
					timed(b, int64(s.m*s.n*s.k), func() { impl.Gemm(a, s.k, s.m, p, e, out, s.n) })
				})
			}
		}
	}
	for _, s := range []struct{ w, c int }{{56, 144}, {112, 32}} {
		r := rand.New(rand.NewPCG(2, 2))
		inW := s.w + 2
		in, w := randInt8s(r, 3*inW*s.c), randInt8s(r, 9*s.c)
		out := make([]int8, s.w*s.c)
		for _, impl := range asm.All() {
			for _, c := range clamps {
				b.Run(fmt.Sprintf("dw3x3-w%d-c%d/%s/%s", s.w, s.c, impl.Name, c.name), func(b *testing.B) {
					skipUnavailable(b, impl)
					p, e := impl.PackDepthwise(w, 3, 3, s.c), epi(s.c, c.lo, c.hi)
					impl.PrepareDepthwiseEpilogue(p, e)
					timed(b, int64(s.w*s.c*9), func() { impl.DepthwiseRow(in, inW*s.c, 1, 1, 1, p, e, out, s.w) })
				})
			}
		}
	}
}
