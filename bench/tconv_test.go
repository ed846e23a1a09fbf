package bench

import (
	"fmt"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// transposeConv is a TRANSPOSE_CONV of an h×w×cin input, k×k filter,
// stride s, output (h·s)×(w·s)×cout with TFLite's SAME padding. Its MACs
// are the real ones: in·k·k·cout per input pixel (the reference's scatter;
// taps falling outside the output included).
func transposeConv(h, w, cin, cout, k, s int) (*format.Model, int64) {
	oh, ow := h*s, w*s
	p := &format.ConvParams{StrideH: int32(s), StrideW: int32(s), DilationH: 1, DilationW: 1, DepthMultiplier: 1,
		PadTop: int32(samePad(oh, h, k, s)), PadLeft: int32(samePad(ow, w, k, s)),
		InputOffset: 3, OutputOffset: 4, Requant: requant(cout, 4), ActMin: -128, ActMax: 127}
	g := oneOp(format.OpTransposeConv, p, []int32{1, int32(h), int32(w), int32(cin)}, []int32{int32(cout), int32(k), int32(k), int32(cin)},
		[]int32{1, int32(oh), int32(ow), int32(cout)}, 4)
	return g, int64(h * w * cin * k * k * cout)
}

// BenchmarkTransposeConv: 2x upsampling 3x3 against the CONV_2D of the
// same MACs (3x3 stride 1 of the same input and filter shape); issue 16's
// target is tconv GMAC/s >= 1/2 of conv's.
func BenchmarkTransposeConv(b *testing.B) {
	for _, s := range []struct{ hw, cin, cout int }{{24, 64, 32}, {12, 128, 64}} {
		g, macs := transposeConv(s.hw, s.hw, s.cin, s.cout, 3, 2)
		b.Run(fmt.Sprintf("tconv-%dx%dx%d-%dx%dx%d", s.hw, s.hw, s.cin, 2*s.hw, 2*s.hw, s.cout), func(b *testing.B) {
			withImpl(b, func(b *testing.B, _ *asm.Impl) { run(b, g, macs) })
		})
		c, cmacs := conv(s.hw, s.hw, s.cin, s.cout, 3, 1)
		b.Run(fmt.Sprintf("conv-%dx%dx%d-%d", s.hw, s.hw, s.cin, s.cout), func(b *testing.B) {
			withImpl(b, func(b *testing.B, _ *asm.Impl) { run(b, c, cmacs) })
		})
	}
}
