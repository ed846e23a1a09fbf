package ops

import (
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// testConvRing: convolutions with short filter rows, which im2col through
// the ring of padded input rows (conv_ring.go) or, on implementations with
// the segmented GEMM, read padded rows in place (band), against the
// reference: an
// audio first layer (micro_speech's 10x8 filter, stride 2, SAME), image
// stems, strides larger than the filter (the ring skips rows), windows
// hanging over both edges, two images, and (through runKernel) every
// scratch size and EvalRange split, which start the ring mid-image.
func testConvRing(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 3))
	cases := []struct {
		inH, inW, inC, kh, kw, stride, padTop, padLeft, outC int
	}{
		{49, 40, 1, 10, 8, 2, 4, 3, 8}, // micro_speech
		{20, 20, 3, 3, 3, 2, 0, 0, 16}, // stem, VALID
		{21, 19, 3, 3, 3, 2, 1, 1, 8},  // stem, SAME
		{9, 11, 2, 2, 3, 3, 0, 1, 5},   // stride > kh
		{6, 7, 1, 8, 8, 1, 4, 4, 3},    // window larger than the image
		{12, 13, 4, 4, 4, 1, 2, 1, 17}, // row of exactly ringMaxRow bytes
		{5, 30, 1, 1, 16, 2, 0, 7, 4},  // one filter row
	}
	for i, c := range cases {
		p := format.ConvParams{StrideH: int32(c.stride), StrideW: int32(c.stride), DilationH: 1, DilationW: 1,
			PadTop: int32(c.padTop), PadLeft: int32(c.padLeft), DepthMultiplier: 1}
		p.InputOffset = -wtZeroPoint(r)
		p.OutputOffset = wtZeroPoint(r)
		p.Requant = wtRequantParams(r, c.outC)
		p.ActMin, p.ActMax = -128, 127
		outH := (c.inH+2*c.padTop-c.kh)/c.stride + 1
		outW := (c.inW+2*c.padLeft-c.kw)/c.stride + 1
		batches := 2
		inShape := []int32{int32(batches), int32(c.inH), int32(c.inW), int32(c.inC)}
		fShape := []int32{int32(c.outC), int32(c.kh), int32(c.kw), int32(c.inC)}
		outShape := []int32{int32(batches), int32(outH), int32(outW), int32(c.outC)}
		filter := wtInt8s(r, c.outC*c.kh*c.kw*c.inC)
		bias := wtBias(r, c.outC)
		in := wtInt8s(r, batches*c.inH*c.inW*c.inC)
		m := wtModel(format.OpConv2D, &p, inShape, fShape, outShape, filter, bias)
		k, err := Prepare(m, 0)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		// Implementations with the segmented GEMM read padded rows in
		// place instead (band), pixel pairs included.
		ck := k.(*convKernel)
		if band := ck.impl.HasGemmSegments(); ck.band != band || ck.ring == band {
			t.Fatalf("case %d: ring %v, band %v; want band %v", i, ck.ring, ck.band, band)
		}
		got := runKernel(t, m, in)
		want := refConv(&p, in, inShape, filter, fShape, bias, outShape)
		wtCompare(t, "ring case "+itoa(i), got, want)
	}
}
