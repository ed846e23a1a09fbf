package ops

import (
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// filterOffsetsTest are legacy filter offsets (128 − the uint8 weights'
// zero point: [−127, 128]), the extremes first.
var filterOffsetsTest = []int32{-127, 128, 1, -1, 77, -3}

// TestConvFilterOffsetAllImplementations: CONV_2D with a filter offset on
// every asm implementation's GEMM (im2col blocks, pointwise from the input
// rows, contiguous and strided, batches; output channels across the
// kernels' panels) against refConv, the reference's formula.
func TestConvFilterOffsetAllImplementations(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *asm.Impl) {
		r := rand.New(rand.NewPCG(61, 62))
		iters := 150
		if testing.Short() {
			iters = 50
		}
		for iter := 0; iter < iters; iter++ {
			g := wtRandGeometry(r)
			switch iter % 3 {
			case 0: // pointwise
				g.kh, g.kw, g.p.PadTop, g.p.PadLeft = 1, 1, 0, 0
				if r.IntN(2) == 0 {
					g.p.StrideH, g.p.StrideW = 1, 1
				}
				g.outH = (g.inH-1)/int(g.p.StrideH) + 1
				g.outW = (g.inW-1)/int(g.p.StrideW) + 1
			case 1: // a 3x3 SAME-like conv of a larger image (several im2col blocks)
				g.inH, g.inW, g.kh, g.kw = 12+r.IntN(20), 12+r.IntN(20), 3, 3
				g.p.StrideH, g.p.StrideW, g.p.DilationH, g.p.DilationW = 1, 1, 1, 1
				g.p.PadTop, g.p.PadLeft = 1, 1
				g.outH, g.outW = g.inH, g.inW
			}
			batches := 1 + r.IntN(2)
			inC := 1 + r.IntN(40)
			outC := []int{1, 3, 16, 17, 33, 48, 50, 64}[r.IntN(8)]
			p := g.p
			p.DepthMultiplier = 1
			p.InputOffset = -wtZeroPoint(r)
			p.OutputOffset = wtZeroPoint(r)
			p.FilterOffset = filterOffsetsTest[r.IntN(len(filterOffsetsTest))]
			n := outC
			if r.IntN(2) == 0 {
				n = 1 // per-tensor, as legacy models are
			}
			p.Requant = wtRequantParams(r, n)
			p.ActMin, p.ActMax = wtClamp(r)
			inShape := []int32{int32(batches), int32(g.inH), int32(g.inW), int32(inC)}
			fShape := []int32{int32(outC), int32(g.kh), int32(g.kw), int32(inC)}
			outShape := []int32{int32(batches), int32(g.outH), int32(g.outW), int32(outC)}
			filter := wtInt8s(r, outC*g.kh*g.kw*inC)
			var bias []int32
			if r.IntN(4) > 0 {
				bias = wtBias(r, outC)
			}
			in := wtInt8s(r, batches*g.inH*g.inW*inC)
			if r.IntN(4) == 0 { // extreme inputs
				v := []int8{-128, 127}[r.IntN(2)]
				for i := range in {
					in[i] = v
				}
			}
			m := wtModel(format.OpConv2D, &p, inShape, fShape, outShape, filter, bias)
			k, err := Prepare(m, 0)
			if err != nil {
				t.Fatal(err)
			}
			if ck := k.(*convKernel); ck.packed == nil || ck.impl != impl {
				t.Fatalf("iteration %d: filter offset %d not on %s's GEMM", iter, p.FilterOffset, impl.Name)
			}
			got := runKernel(t, m, in)
			want := refConv(&p, in, inShape, filter, fShape, bias, outShape)
			wtCompare(t, "conv filter offset iteration "+itoa(iter), got, want)
		}
	})
}

// TestFullyConnectedFilterOffsetAllImplementations: FULLY_CONNECTED with
// a filter offset on every implementation's GEMM, batches below and above
// the rows' terms chunk (offsetChunk), against refFullyConnected.
func TestFullyConnectedFilterOffsetAllImplementations(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *asm.Impl) {
		r := rand.New(rand.NewPCG(63, 64))
		for iter := 0; iter < 60; iter++ {
			units, depth := 1+r.IntN(70), 1+r.IntN(300)
			batches := []int{1, 2, 5, 7, offsetChunk, offsetChunk + 1, 2*offsetChunk + 7}[r.IntN(7)]
			p := &format.FullyConnectedParams{InputOffset: -wtZeroPoint(r), OutputOffset: wtZeroPoint(r)}
			p.FilterOffset = filterOffsetsTest[r.IntN(len(filterOffsetsTest))]
			p.Requant = wtRequantParams(r, 1)
			p.ActMin, p.ActMax = wtClamp(r)
			filter := wtInt8s(r, units*depth)
			bias := wtBias(r, units)
			in := wtInt8s(r, batches*depth)
			m := wtModel(format.OpFullyConnected, p, []int32{int32(batches), int32(depth)}, []int32{int32(units), int32(depth)},
				[]int32{int32(batches), int32(units)}, filter, bias)
			k, err := Prepare(m, 0)
			if err != nil {
				t.Fatal(err)
			}
			if fk := k.(*fullyConnectedKernel); fk.packed == nil || fk.impl != impl {
				t.Fatalf("iteration %d: filter offset %d not on %s's GEMM", iter, p.FilterOffset, impl.Name)
			}
			got := runKernel(t, m, in)
			want := refFullyConnected(p, in, filter, units, depth, bias, batches*units)
			wtCompare(t, "fully connected filter offset iteration "+itoa(iter), got, want)
		}
	})
}

// TestFilterOffsetRowTermBound: the GEMM path needs |f|·128·K < 2^31;
// deeper layers keep the Go path (and stay exact).
func TestFilterOffsetRowTermBound(t *testing.T) {
	if _, ok := rowTermBound(128, 1<<17-1); !ok {
		t.Error("K = 2^17-1 with f = 128 refused")
	}
	if _, ok := rowTermBound(128, 1<<17); ok {
		t.Error("K = 2^17 with f = 128 accepted")
	}
	if _, ok := rowTermBound(0, 10); ok {
		t.Error("f = 0 has no row term")
	}
}

// TestDepthwiseFilterOffsetAllImplementations: DEPTHWISE_CONV_2D with a
// filter offset on every implementation's DepthwiseRow (the doubled-rows
// filter packed wide where the implementation can, the doubled-rows
// filter (also forced on those that can) elsewhere; whole padded image and
// per-row padding, dilations, depth multipliers, one input channel as a
// conv; 128 on the doubled path's Go fallback) against refDepthwise.
func TestDepthwiseFilterOffsetAllImplementations(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *asm.Impl) {
		r := rand.New(rand.NewPCG(67, 68))
		saved := maxPadImage
		defer func() { maxPadImage = saved; depthwiseWide = true }()
		canWide := impl.PackDepthwiseWide(make([]int16, 1), 1, 1, 1) != nil
		iters := 200
		if testing.Short() {
			iters = 60
		}
		for iter := 0; iter < iters; iter++ {
			maxPadImage = saved
			depthwiseWide = canWide && iter%4 != 1
			if iter%3 == 0 {
				maxPadImage = 0 // the per-row padding
			}
			g := wtRandGeometry(r)
			if iter%2 == 0 { // 3x3 or 5x5 (the kernels' unrolled paths), larger images
				g.kh = []int{3, 5}[r.IntN(2)]
				g.kw = g.kh
				g.p.DilationH, g.p.DilationW = 1, 1
				g.p.StrideW = int32(1 + r.IntN(2))
				g.inH, g.inW = 6+r.IntN(12), 6+r.IntN(12)
				g.p.PadTop, g.p.PadLeft = int32(g.kh/2), int32(g.kw/2)
				g.outH = (g.inH+2*int(g.p.PadTop)-g.kh)/int(g.p.StrideH) + 1
				g.outW = (g.inW+2*int(g.p.PadLeft)-g.kw)/int(g.p.StrideW) + 1
			}
			batches := 1 + r.IntN(2)
			inC := []int{1, 3, 8, 16, 17, 32, 40}[r.IntN(7)]
			mult := 1
			if r.IntN(4) == 0 {
				mult = 2 + r.IntN(2)
			}
			outC := inC * mult
			p := g.p
			p.DepthMultiplier = int32(mult)
			p.InputOffset = -wtZeroPoint(r)
			p.OutputOffset = wtZeroPoint(r)
			p.FilterOffset = filterOffsetsTest[r.IntN(len(filterOffsetsTest))]
			n := outC
			if r.IntN(2) == 0 {
				n = 1
			}
			p.Requant = wtRequantParams(r, n)
			p.ActMin, p.ActMax = wtClamp(r)
			inShape := []int32{int32(batches), int32(g.inH), int32(g.inW), int32(inC)}
			fShape := []int32{1, int32(g.kh), int32(g.kw), int32(outC)}
			outShape := []int32{int32(batches), int32(g.outH), int32(g.outW), int32(outC)}
			filter := wtInt8s(r, g.kh*g.kw*outC)
			var bias []int32
			if r.IntN(4) > 0 {
				bias = wtBias(r, outC)
			}
			in := wtInt8s(r, batches*g.inH*g.inW*inC)
			if r.IntN(4) == 0 {
				v := []int8{-128, 127}[r.IntN(2)]
				for i := range in {
					in[i] = v
				}
			}
			m := wtModel(format.OpDepthwiseConv2D, &p, inShape, fShape, outShape, filter, bias)
			k, err := Prepare(m, 0)
			if err != nil {
				t.Fatal(err)
			}
			switch dk := k.(type) {
			case *depthwiseKernel:
				if depthwiseWide {
					if dk.doubled || dk.packed == nil {
						t.Fatalf("iteration %d: filter offset %d not on the wide kernel path", iter, p.FilterOffset)
					}
				} else if fast := dk.doubled && dk.packed != nil; fast != (p.FilterOffset != 128) {
					t.Fatalf("iteration %d: filter offset %d on the kernel path: %v", iter, p.FilterOffset, fast)
				}
			case *convKernel:
				if dk.packed == nil {
					t.Fatalf("iteration %d: one input channel, filter offset %d: not on the GEMM", iter, p.FilterOffset)
				}
			}
			got := runKernel(t, m, in)
			want := refDepthwise(&p, in, inShape, filter, fShape, bias, outShape)
			wtCompare(t, "depthwise filter offset iteration "+itoa(iter), got, want)
		}
	})
}

// TestRowTermSums: every implementation's RowTermSums on every row length
// (each loop, every tail) and stride, extremes included, against f·sumInt8.
func TestRowTermSums(t *testing.T) {
	for _, impl := range asm.All() {
		if !impl.Available {
			continue
		}
		r := rand.New(rand.NewPCG(69, 70))
		for k := 1; k <= 300; k++ {
			for mode := 0; mode < 3; mode++ {
				n, lda := 1+r.IntN(7), k+r.IntN(3)
				a := wtInt8s(r, (n-1)*lda+k+3)[3:] // unaligned start
				for i := range a {
					switch mode {
					case 1:
						a[i] = -128
					case 2:
						a[i] = 127
					}
				}
				f := filterOffsetsTest[r.IntN(len(filterOffsetsTest))]
				rt := make([]int32, n)
				impl.RowTermSums(a, lda, n, k, f, rt)
				for i := range rt {
					if want := f * sumInt8(a[i*lda:][:k]); rt[i] != want {
						t.Fatalf("%s: k=%d mode %d row %d: %d, want %d", impl.Name, k, mode, i, rt[i], want)
					}
				}
			}
		}
		big := make([]int8, 1<<17-1)
		for i := range big {
			big[i] = -128
		}
		rt := make([]int32, 1)
		if impl.RowTermSums(big, len(big), 1, len(big), 1, rt); rt[0] != sumInt8(big) {
			t.Fatalf("%s: K=2^17-1: %d, want %d", impl.Name, rt[0], sumInt8(big))
		}
	}
}
