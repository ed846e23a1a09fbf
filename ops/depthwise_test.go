package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// refDepthwise is reference_integer_ops::DepthwiseConvPerChannel (plus the
// legacy filter offset), loop for loop.
func refDepthwise(p *format.ConvParams, in []int8, inShape []int32, filter []int8, fShape []int32, bias []int32, outShape []int32) []int8 {
	batches, inH, inW, inC := int(inShape[0]), int(inShape[1]), int(inShape[2]), int(inShape[3])
	kh, kw, outC := int(fShape[1]), int(fShape[2]), int(fShape[3])
	outH, outW := int(outShape[1]), int(outShape[2])
	mult := int(p.DepthMultiplier)
	out := make([]int8, batches*outH*outW*outC)
	for b := 0; b < batches; b++ {
		for oy := 0; oy < outH; oy++ {
			for ox := 0; ox < outW; ox++ {
				for ic := 0; ic < inC; ic++ {
					for m := 0; m < mult; m++ {
						oc := m + ic*mult
						var acc int64
						for ky := 0; ky < kh; ky++ {
							for kx := 0; kx < kw; kx++ {
								iy := oy*int(p.StrideH) - int(p.PadTop) + int(p.DilationH)*ky
								ix := ox*int(p.StrideW) - int(p.PadLeft) + int(p.DilationW)*kx
								if iy < 0 || iy >= inH || ix < 0 || ix >= inW {
									continue
								}
								x := int64(in[((b*inH+iy)*inW+ix)*inC+ic])
								f := int64(filter[(ky*kw+kx)*outC+oc])
								acc += (f + int64(p.FilterOffset)) * (x + int64(p.InputOffset))
							}
						}
						if bias != nil {
							acc += int64(bias[oc])
						}
						out[((b*outH+oy)*outW+ox)*outC+oc] = wtOut(int32(acc), p.Requant, oc, p.OutputOffset, p.ActMin, p.ActMax)
					}
				}
			}
		}
	}
	return out
}

func TestDepthwiseRandomAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 0))
	for iter := 0; iter < 400; iter++ {
		g := wtRandGeometry(r)
		if iter%4 == 0 { // larger images so that interior pixels exist
			g.inH, g.inW = 6+r.IntN(8), 6+r.IntN(8)
			g.outH = (g.inH+2*int(g.p.PadTop)-((g.kh-1)*int(g.p.DilationH)+1))/int(g.p.StrideH) + 1
			g.outW = (g.inW+2*int(g.p.PadLeft)-((g.kw-1)*int(g.p.DilationW)+1))/int(g.p.StrideW) + 1
			g.outH, g.outW = max(g.outH, 1), max(g.outW, 1)
		}
		batches := 1 + r.IntN(2)
		inC := 1 + r.IntN(9)
		mult := 1
		if r.IntN(3) == 0 {
			mult = 2 + r.IntN(3)
		}
		outC := inC * mult
		p := g.p
		p.DepthMultiplier = int32(mult)
		p.InputOffset = -wtZeroPoint(r)
		p.OutputOffset = wtZeroPoint(r)
		if r.IntN(4) == 0 {
			p.FilterOffset = -wtZeroPoint(r)
		}
		n := outC
		if r.IntN(3) == 0 {
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
		m := wtModel(format.OpDepthwiseConv2D, &p, inShape, fShape, outShape, filter, bias)
		got := runKernel(t, m, in)
		want := refDepthwise(&p, in, inShape, filter, fShape, bias, outShape)
		wtCompare(t, "depthwise iteration "+itoa(iter), got, want)
	}
}

// TestInteriorRange compares interiorRange with a direct scan of the taps.
func TestInteriorRange(t *testing.T) {
	for outSize := 1; outSize <= 9; outSize++ {
		for in := 1; in <= 9; in++ {
			for kernel := 1; kernel <= 4; kernel++ {
				for stride := 1; stride <= 3; stride++ {
					for dil := 1; dil <= 3; dil++ {
						for pad := 0; pad <= (kernel-1)*dil; pad++ {
							lo, hi := interiorRange(outSize, in, kernel, stride, dil, pad)
							for o := 0; o < outSize; o++ {
								inside := true
								for k := 0; k < kernel; k++ {
									if i := o*stride - pad + k*dil; i < 0 || i >= in {
										inside = false
									}
								}
								if got := o >= lo && o < hi; got != inside {
									t.Fatalf("interiorRange(out %d, in %d, kernel %d, stride %d, dil %d, pad %d) = [%d, %d), position %d inside = %v",
										outSize, in, kernel, stride, dil, pad, lo, hi, o, inside)
								}
							}
						}
					}
				}
			}
		}
	}
}

// TestDepthwiseAccumulatorWraps saturates every operand so that the int32
// accumulator wraps, on interior and border pixels.
func TestDepthwiseAccumulatorWraps(t *testing.T) {
	p := format.ConvParams{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1,
		DepthMultiplier: 1, InputOffset: 128, FilterOffset: 128,
		Requant: format.Requant{Multiplier: []int32{math.MaxInt32}, Shift: []int32{-20}}, ActMin: -128, ActMax: 127}
	const c = 3
	in := make([]int8, 5*5*c)
	for i := range in {
		in[i] = 127
	}
	filter := make([]int8, 3*3*c)
	for i := range filter {
		filter[i] = 127
	}
	bias := []int32{math.MaxInt32, math.MaxInt32 - 400000, math.MinInt32}
	inShape, fShape, outShape := []int32{1, 5, 5, c}, []int32{1, 3, 3, c}, []int32{1, 5, 5, c}
	m := wtModel(format.OpDepthwiseConv2D, &p, inShape, fShape, outShape, filter, bias)
	wtCompare(t, "wrapping depthwise", runKernel(t, m, in), refDepthwise(&p, in, inShape, filter, fShape, bias, outShape))
}

func wtDepthwiseCase() (*format.ConvParams, *format.Model) {
	p := &format.ConvParams{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, DepthMultiplier: 2,
		Requant: format.Requant{Multiplier: []int32{1 << 30}, Shift: []int32{-3}}, ActMin: -128, ActMax: 127}
	m := wtModel(format.OpDepthwiseConv2D, p, []int32{1, 5, 5, 4}, []int32{1, 3, 3, 8}, []int32{1, 3, 3, 8},
		make([]int8, 3*3*8), make([]int32, 8))
	return p, m
}

func TestDepthwisePrepareErrors(t *testing.T) {
	if _, m := wtDepthwiseCase(); true {
		if _, err := Prepare(m, 0); err != nil {
			t.Fatalf("valid case: %v", err)
		}
	}
	edits := []struct {
		name  string
		edit  func(p *format.ConvParams, m *format.Model)
		frags []string
	}{
		{"multiplier", func(p *format.ConvParams, m *format.Model) { p.DepthMultiplier = 3 }, []string{"op 0 DEPTHWISE_CONV_2D", "depth multiplier 3"}},
		{"zero multiplier", func(p *format.ConvParams, m *format.Model) { p.DepthMultiplier = 0 }, []string{"depth multiplier 0"}},
		{"filter shape", func(p *format.ConvParams, m *format.Model) { m.Tensors[1].Shape = []int32{2, 3, 3, 4} }, []string{"input 1 (filter)", "[1, KH, KW, 8]"}},
		{"stride", func(p *format.ConvParams, m *format.Model) { p.StrideH = 0 }, []string{"stride"}},
		{"requant count", func(p *format.ConvParams, m *format.Model) {
			p.Requant = format.Requant{Multiplier: []int32{1 << 30, 1 << 30, 1 << 30}, Shift: []int32{0, 0, 0}}
		}, []string{"requant"}},
		{"input offset", func(p *format.ConvParams, m *format.Model) { p.InputOffset = -128 }, []string{"input offset"}},
		{"bias length", func(p *format.ConvParams, m *format.Model) {
			m.Tensors[2].Shape = []int32{4}
			m.Tensors[2].Data = make([]byte, 16)
		}, []string{"bias"}},
		{"output dtype", func(p *format.ConvParams, m *format.Model) { m.Tensors[3].DType = format.DTypeInt32 }, []string{"output 0"}},
	}
	for _, e := range edits {
		p, m := wtDepthwiseCase()
		e.edit(p, m)
		wtPrepareErr(t, e.name, m, e.frags...)
	}
}

// BenchmarkDepthwise3x3 is a MobileNetV2-like 3×3 depthwise layer
// (28×28×144, stride 1, SAME).
func BenchmarkDepthwise3x3(b *testing.B) {
	r := rand.New(rand.NewPCG(4, 0))
	const h, w, c = 28, 28, 144
	p := format.ConvParams{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1,
		DepthMultiplier: 1, InputOffset: 5, Requant: wtRequantParams(r, c), ActMin: -128, ActMax: 127}
	m := wtModel(format.OpDepthwiseConv2D, &p, []int32{1, h, w, c}, []int32{1, 3, 3, c}, []int32{1, h, w, c},
		wtInt8s(r, 9*c), wtBias(r, c))
	wtBench(b, m, wtInt8s(r, h*w*c), h*w*c*9)
}

// testDepthwiseLarge: 3x3 and 5x5, strides 1 and 2, dilations, channel
// counts across the vector widths, depth multipliers (8 has its own copy
// loop), images with long interior runs (run by
// TestAllImplementations under every implementation).
// testDepthwiseStrategies checks that testDepthwiseLarge's shapes take
// both of the kernel paths the defaults choose between: border strips
// (larger images) and the padded image (small ones).
func testDepthwiseStrategies(t *testing.T) {
	seen := map[string]int{}
	r := rand.New(rand.NewPCG(23, 0))
	for iter := 0; iter < 200; iter++ {
		h, w, c := 3+r.IntN(40), 3+r.IntN(40), 16+r.IntN(64)
		s := int32(1 + r.IntN(2))
		p := format.ConvParams{StrideH: s, StrideW: s, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, DepthMultiplier: 1,
			Requant: wtRequantParams(r, c), ActMin: -128, ActMax: 127}
		oh, ow := (h+2-3)/int(s)+1, (w+2-3)/int(s)+1
		m := wtModel(format.OpDepthwiseConv2D, &p, []int32{1, int32(h), int32(w), int32(c)}, []int32{1, 3, 3, int32(c)},
			[]int32{1, int32(oh), int32(ow), int32(c)}, wtInt8s(r, 9*c), nil)
		k, err := Prepare(m, 0)
		if err != nil {
			t.Fatal(err)
		}
		switch dk := k.(*depthwiseKernel); {
		case dk.strips:
			seen["strips"]++
		case dk.padImage:
			seen["padImage"]++
		default:
			seen["rows"]++
		}
	}
	if seen["strips"] == 0 || seen["padImage"] == 0 {
		t.Errorf("strategies chosen: %v; want both strips and padImage", seen)
	}
}

// testDepthwiseStrips: depthwise layers whose filters, strides,
// dilations and paddings differ between the two axes, large enough that
// about half take the border strips (columnStrip runs the kernel down a
// column: its pixels a strip row apart, its taps as in a row), the others
// the padded image.
func testDepthwiseStrips(t *testing.T) {
	r := rand.New(rand.NewPCG(24, 0))
	taken := 0
	for iter := 0; iter < 60; iter++ {
		kh, kw := 1+r.IntN(5), 1+r.IntN(5)
		sh, sw := 1+r.IntN(3), 1+r.IntN(3)
		dh, dw := 1+r.IntN(2), 1+r.IntN(2)
		effH, effW := (kh-1)*dh+1, (kw-1)*dw+1
		padT, padL := 1+r.IntN(effH), 1+r.IntN(effW)
		inH, inW := effH+40+r.IntN(40), effW+40+r.IntN(40)
		outH, outW := (inH+2*padT-effH)/sh+1, (inW+2*padL-effW)/sw+1
		c := 1 + r.IntN(40)
		p := format.ConvParams{StrideH: int32(sh), StrideW: int32(sw), DilationH: int32(dh), DilationW: int32(dw),
			PadTop: int32(padT), PadLeft: int32(padL), DepthMultiplier: 1,
			InputOffset: -wtZeroPoint(r), OutputOffset: wtZeroPoint(r), Requant: wtRequantParams(r, c)}
		p.ActMin, p.ActMax = wtClamp(r)
		inShape := []int32{1, int32(inH), int32(inW), int32(c)}
		fShape := []int32{1, int32(kh), int32(kw), int32(c)}
		outShape := []int32{1, int32(outH), int32(outW), int32(c)}
		filter, bias, in := wtInt8s(r, kh*kw*c), wtBias(r, c), wtInt8s(r, inH*inW*c)
		m := wtModel(format.OpDepthwiseConv2D, &p, inShape, fShape, outShape, filter, bias)
		k, err := Prepare(m, 0)
		if err != nil {
			t.Fatal(err)
		}
		if dk := k.(*depthwiseKernel); dk.strips {
			taken++
		}
		name := fmt.Sprintf("depthwise %dx%d stride %dx%d dilation %dx%d pad %d,%d %dx%dx%d", kh, kw, sh, sw, dh, dw, padT, padL, inH, inW, c)
		wtCompare(t, name, runKernel(t, m, in), refDepthwise(&p, in, inShape, filter, fShape, bias, outShape))
	}
	if taken < 20 {
		t.Errorf("strips taken in %d of 60 cases, want 20 or more", taken)
	}
}

func testDepthwiseLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(22, 0))
	iters := 80
	if testing.Short() {
		iters = 20
	}
	for iter := 0; iter < iters; iter++ {
		k := []int{3, 3, 5, 1, 2}[r.IntN(5)]
		s := 1 + r.IntN(2)
		d := 1
		if r.IntN(4) == 0 {
			d = 2
		}
		eff := (k-1)*d + 1
		inH, inW := eff+r.IntN(16), eff+r.IntN(30)
		pad := 0
		if r.IntN(3) > 0 {
			pad = eff / 2
		}
		outH, outW := (inH+2*pad-eff)/s+1, (inW+2*pad-eff)/s+1
		mult := []int{1, 1, 1, 2, 3, 8}[r.IntN(6)]
		inC := 1 + r.IntN(70/mult)
		c := inC * mult
		batches := 1 + r.IntN(2)
		p := format.ConvParams{StrideH: int32(s), StrideW: int32(s), DilationH: int32(d), DilationW: int32(d),
			PadTop: int32(pad), PadLeft: int32(pad), DepthMultiplier: int32(mult),
			InputOffset: -wtZeroPoint(r), OutputOffset: wtZeroPoint(r)}
		p.Requant = wtRequantParams(r, c)
		p.ActMin, p.ActMax = wtClamp(r)
		inShape := []int32{int32(batches), int32(inH), int32(inW), int32(inC)}
		fShape := []int32{1, int32(k), int32(k), int32(c)}
		outShape := []int32{int32(batches), int32(outH), int32(outW), int32(c)}
		filter := wtInt8s(r, k*k*c)
		bias := wtBias(r, c)
		in := wtInt8s(r, batches*inH*inW*inC)
		m := wtModel(format.OpDepthwiseConv2D, &p, inShape, fShape, outShape, filter, bias)
		wtCompare(t, "large depthwise iteration "+itoa(iter), runKernel(t, m, in), refDepthwise(&p, in, inShape, filter, fShape, bias, outShape))
	}
}
