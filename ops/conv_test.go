package ops

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/internal/quanttest"
)

// Tests of the CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED kernels against
// naive references written straight from TFLite's reference kernels: loops
// over the taps in the reference's order, each product (filter +
// filter_offset)·(input + input_offset) summed in int64 and wrapped to int32
// at the end (the same value mod 2^32 as the reference's int32 sum), and the
// requantization computed with plain int64 formulas (internal/quanttest) instead of
// the dyadic package.

func wtInt8s(r *rand.Rand, n int) []int8 {
	v := make([]int8, n)
	mode := r.IntN(4)
	for i := range v {
		switch {
		case mode == 0 && r.IntN(2) == 0: // saturated inputs
			v[i] = [2]int8{-128, 127}[r.IntN(2)]
		case mode == 1: // small values
			v[i] = int8(r.IntN(7) - 3)
		default:
			v[i] = int8(r.IntN(256) - 128)
		}
	}
	return v
}

// wtZeroPoint favors the extremes.
func wtZeroPoint(r *rand.Rand) int32 {
	switch r.IntN(5) {
	case 0:
		return -128
	case 1:
		return 127
	case 2:
		return 0
	}
	return int32(r.IntN(256) - 128)
}

// wtRequantParams returns n random (multiplier, shift) pairs as
// QuantizeMultiplier produces them: multiplier in [2^30, 2^31) or 0 and
// shift in [-31, 30], mostly realistic (small multipliers) with extremes.
func wtRequantParams(r *rand.Rand, n int) format.Requant {
	q := format.Requant{Multiplier: make([]int32, n), Shift: make([]int32, n)}
	for i := range q.Multiplier {
		q.Multiplier[i] = int32(1<<30 + r.Int64N(1<<30))
		switch r.IntN(10) {
		case 0:
			q.Multiplier[i], q.Shift[i] = 0, 0 // flushed tiny multiplier
		case 1:
			q.Multiplier[i] = math.MaxInt32
			q.Shift[i] = int32(r.IntN(62) - 31)
		case 2:
			q.Shift[i] = int32(r.IntN(4)) // multiplier > 1
		case 3:
			q.Shift[i] = -31
		default:
			q.Shift[i] = int32(-4 - r.IntN(12))
		}
	}
	return q
}

func wtBias(r *rand.Rand, n int) []int32 {
	b := make([]int32, n)
	for i := range b {
		switch r.IntN(6) {
		case 0:
			b[i] = math.MaxInt32 - int32(r.IntN(1000)) // wraps when added to
		case 1:
			b[i] = math.MinInt32 + int32(r.IntN(1000))
		default:
			b[i] = int32(r.IntN(1<<16) - 1<<15)
		}
	}
	return b
}

func wtInt32Bytes(v []int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

func wtInt8Bytes(v []int8) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}

// wtModel builds a one-op model: tensor 0 the input activation, 1 the
// constant filter, 2 the constant bias (when bias != nil), then the output.
func wtModel(code format.OpCode, params format.OpParams, inShape, filterShape, outShape []int32, filter []int8, bias []int32) *format.Model {
	m := &format.Model{}
	m.Tensors = append(m.Tensors,
		format.Tensor{Name: "input", DType: format.DTypeInt8, Shape: inShape, ArenaOffset: 0},
		format.Tensor{Name: "filter", DType: format.DTypeInt8, Shape: filterShape, Data: wtInt8Bytes(filter), ArenaOffset: -1},
	)
	inputs := []int32{0, 1, -1}
	if bias != nil {
		m.Tensors = append(m.Tensors, format.Tensor{Name: "bias", DType: format.DTypeInt32,
			Shape: []int32{int32(len(bias))}, Data: wtInt32Bytes(bias), ArenaOffset: -1})
		inputs[2] = 2
	}
	out := int32(len(m.Tensors))
	m.Tensors = append(m.Tensors, format.Tensor{Name: "output", DType: format.DTypeInt8, Shape: outShape, ArenaOffset: 0})
	m.Ops = []format.Op{{Code: code, Inputs: inputs, Outputs: []int32{out}, Params: params}}
	return m
}

func wtCompare(t *testing.T, what string, got, want []int8) {
	t.Helper()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: output %d = %d, want %d (first difference of %d values)", what, i, got[i], want[i], len(want))
		}
	}
}

// wtClamp returns a random valid activation range.
func wtClamp(r *rand.Rand) (int32, int32) {
	if r.IntN(2) == 0 {
		return -128, 127
	}
	lo := int32(r.IntN(256) - 128)
	hi := lo + int32(r.IntN(int(128-lo)))
	return lo, hi
}

// refConv is reference_integer_ops::ConvPerChannel (plus the legacy filter
// offset), written out loop by loop.
func refConv(p *format.ConvParams, in []int8, inShape []int32, filter []int8, fShape []int32, bias []int32, outShape []int32) []int8 {
	batches, inH, inW, inC := int(inShape[0]), int(inShape[1]), int(inShape[2]), int(inShape[3])
	outC, kh, kw, fIn := int(fShape[0]), int(fShape[1]), int(fShape[2]), int(fShape[3])
	outH, outW := int(outShape[1]), int(outShape[2])
	groups := inC / fIn
	perGroup := outC / groups
	out := make([]int8, batches*outH*outW*outC)
	for b := 0; b < batches; b++ {
		for oy := 0; oy < outH; oy++ {
			for ox := 0; ox < outW; ox++ {
				for oc := 0; oc < outC; oc++ {
					g := oc / perGroup
					var acc int64
					for ky := 0; ky < kh; ky++ {
						iy := oy*int(p.StrideH) - int(p.PadTop) + ky*int(p.DilationH)
						for kx := 0; kx < kw; kx++ {
							ix := ox*int(p.StrideW) - int(p.PadLeft) + kx*int(p.DilationW)
							if iy < 0 || iy >= inH || ix < 0 || ix >= inW {
								continue
							}
							for ci := 0; ci < fIn; ci++ {
								x := int64(in[((b*inH+iy)*inW+ix)*inC+g*fIn+ci])
								f := int64(filter[((oc*kh+ky)*kw+kx)*fIn+ci])
								acc += (f + int64(p.FilterOffset)) * (x + int64(p.InputOffset))
							}
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
	return out
}

// wtOut requantizes one wrapped accumulator of channel c.
func wtOut(acc int32, q format.Requant, c int, outOff, lo, hi int32) int8 {
	if len(q.Multiplier) == 1 {
		c = 0
	}
	return quanttest.Requantize(acc, q.Multiplier[c], q.Shift[c], outOff, lo, hi)
}

// wtGeometry draws a random window: filter size, stride, dilation, padding
// and an output size, sometimes larger than any padding scheme would give
// (the kernels must then skip the taps outside the image, like the
// reference).
type wtGeometry struct {
	inH, inW, kh, kw, outH, outW int
	p                            format.ConvParams
}

func wtRandGeometry(r *rand.Rand) wtGeometry {
	var g wtGeometry
	g.inH, g.inW = 1+r.IntN(9), 1+r.IntN(9)
	g.kh, g.kw = 1+r.IntN(4), 1+r.IntN(4)
	g.p.StrideH, g.p.StrideW = int32(1+r.IntN(3)), int32(1+r.IntN(3))
	g.p.DilationH, g.p.DilationW = int32(1+r.IntN(3)), int32(1+r.IntN(3))
	if r.IntN(4) == 0 {
		g.p.DilationH, g.p.DilationW = 1, 1
	}
	effH := (g.kh-1)*int(g.p.DilationH) + 1
	effW := (g.kw-1)*int(g.p.DilationW) + 1
	if r.IntN(3) > 0 {
		g.p.PadTop, g.p.PadLeft = int32(r.IntN(effH)), int32(r.IntN(effW))
	}
	span := func(in, pad, eff, stride int) int {
		n := (in+2*pad-eff)/stride + 1
		return max(n, 1) + r.IntN(2)
	}
	g.outH = span(g.inH, int(g.p.PadTop), effH, int(g.p.StrideH))
	g.outW = span(g.inW, int(g.p.PadLeft), effW, int(g.p.StrideW))
	return g
}

func TestConvRandomAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 0))
	for iter := 0; iter < 400; iter++ {
		g := wtRandGeometry(r)
		if iter%5 == 0 { // pointwise convolutions take their own path
			g.kh, g.kw, g.p.PadTop, g.p.PadLeft = 1, 1, 0, 0
			g.outH = (g.inH-1)/int(g.p.StrideH) + 1
			g.outW = (g.inW-1)/int(g.p.StrideW) + 1
		}
		batches := 1 + r.IntN(2)
		groups := 1
		if r.IntN(4) == 0 {
			groups = 1 + r.IntN(3)
		}
		fIn := 1 + r.IntN(6)
		inC := groups * fIn
		outC := groups * (1 + r.IntN(6))
		p := g.p
		p.DepthMultiplier = 1
		p.InputOffset = -wtZeroPoint(r)
		p.OutputOffset = wtZeroPoint(r)
		if r.IntN(4) == 0 { // legacy uint8 weights zero point
			p.FilterOffset = -wtZeroPoint(r)
		}
		n := outC
		if r.IntN(3) == 0 {
			n = 1
		}
		p.Requant = wtRequantParams(r, n)
		p.ActMin, p.ActMax = wtClamp(r)
		inShape := []int32{int32(batches), int32(g.inH), int32(g.inW), int32(inC)}
		fShape := []int32{int32(outC), int32(g.kh), int32(g.kw), int32(fIn)}
		outShape := []int32{int32(batches), int32(g.outH), int32(g.outW), int32(outC)}
		filter := wtInt8s(r, outC*g.kh*g.kw*fIn)
		var bias []int32
		if r.IntN(4) > 0 {
			bias = wtBias(r, outC)
		}
		in := wtInt8s(r, batches*g.inH*g.inW*inC)
		m := wtModel(format.OpConv2D, &p, inShape, fShape, outShape, filter, bias)
		got := runKernel(t, m, in)
		want := refConv(&p, in, inShape, filter, fShape, bias, outShape)
		wtCompare(t, "conv iteration "+itoa(iter), got, want)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{digits[i%10]}, b...)
	}
	return string(b)
}

// TestConvAccumulatorWraps drives the int32 accumulator past its range:
// the folded computation must wrap exactly like the reference's sum.
func TestConvAccumulatorWraps(t *testing.T) {
	const k = 3
	const cin = 64
	p := format.ConvParams{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1,
		DepthMultiplier: 1, InputOffset: 128, FilterOffset: 128, OutputOffset: 0,
		Requant: format.Requant{Multiplier: []int32{1 << 30}, Shift: []int32{-23}}, ActMin: -128, ActMax: 127}
	inShape := []int32{1, 4, 4, cin}
	fShape := []int32{2, k, k, cin}
	outShape := []int32{1, 4, 4, 2}
	filter := make([]int8, 2*k*k*cin)
	for i := range filter {
		filter[i] = 127
	}
	in := make([]int8, 4*4*cin)
	for i := range in {
		in[i] = 127
	}
	// 9·64 taps of 255·255 plus a large bias exceed 2^31.
	bias := []int32{math.MaxInt32 - 5, 1 << 30}
	m := wtModel(format.OpConv2D, &p, inShape, fShape, outShape, filter, bias)
	got := runKernel(t, m, in)
	want := refConv(&p, in, inShape, filter, fShape, bias, outShape)
	wtCompare(t, "wrapping conv", got, want)
}

// TestConvKnownValues checks a hand-computed 3×3 SAME convolution.
func TestConvKnownValues(t *testing.T) {
	// Input 3×3×1 with values 1..9 (zero point -1 → offset 1, so real
	// values 2..10); filter all ones; the centre output sums 9 taps, a
	// corner 4 taps. Multiplier 0.5 (2^30, shift 0), output zero point 3.
	p := format.ConvParams{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1,
		DepthMultiplier: 1, InputOffset: 1, OutputOffset: 3,
		Requant: format.Requant{Multiplier: []int32{1 << 30}, Shift: []int32{0}}, ActMin: -128, ActMax: 127}
	in := []int8{1, 2, 3, 4, 5, 6, 7, 8, 9}
	filter := []int8{1, 1, 1, 1, 1, 1, 1, 1, 1}
	m := wtModel(format.OpConv2D, &p, []int32{1, 3, 3, 1}, []int32{1, 3, 3, 1}, []int32{1, 3, 3, 1}, filter, []int32{10})
	got := runKernel(t, m, in)
	// Top-left: taps (2,3,5,6)=16 +10 bias = 26 → 13 + 3 = 16.
	// Centre: 2+...+10 = 54 + 10 = 64 → 32 + 3 = 35.
	// Top-middle: (2+3+4+5+6+7)=27+10 = 37 → 18.5 rounds to 19 → 22.
	// Every other output likewise: edges 6 taps, corners 4.
	want := []int8{16, 22, 18, 25, 35, 28, 22, 31, 24}
	wtCompare(t, "3x3 SAME", got, want)
}

// wtPrepareErr expects Prepare to fail with a malformed-model error whose
// text contains every fragment.
func wtPrepareErr(t *testing.T, name string, m *format.Model, fragments ...string) {
	t.Helper()
	_, err := Prepare(m, 0)
	if err == nil {
		t.Errorf("%s: Prepare succeeded, want an error", name)
		return
	}
	if !errors.Is(err, format.ErrMalformedModel) {
		t.Errorf("%s: error %v is not ErrMalformedModel", name, err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("%s: error %q does not mention %q", name, err, f)
		}
	}
}

func wtConvCase() (*format.ConvParams, *format.Model) {
	p := &format.ConvParams{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, DepthMultiplier: 1,
		Requant: format.Requant{Multiplier: []int32{1 << 30}, Shift: []int32{-3}}, ActMin: -128, ActMax: 127}
	m := wtModel(format.OpConv2D, p, []int32{1, 5, 5, 4}, []int32{6, 3, 3, 4}, []int32{1, 3, 3, 6},
		make([]int8, 6*3*3*4), make([]int32, 6))
	return p, m
}

func TestConvPrepareErrors(t *testing.T) {
	if _, m := wtConvCase(); true {
		if _, err := Prepare(m, 0); err != nil {
			t.Fatalf("valid case: %v", err)
		}
	}
	edits := []struct {
		name  string
		edit  func(p *format.ConvParams, m *format.Model)
		frags []string
	}{
		{"stride", func(p *format.ConvParams, m *format.Model) { p.StrideW = 0 }, []string{"op 0 CONV_2D", "stride"}},
		{"dilation", func(p *format.ConvParams, m *format.Model) { p.DilationH = -1 }, []string{"dilation"}},
		{"padding", func(p *format.ConvParams, m *format.Model) { p.PadTop = 9 }, []string{"padding"}},
		{"input offset", func(p *format.ConvParams, m *format.Model) { p.InputOffset = 129 }, []string{"input offset"}},
		{"filter offset", func(p *format.ConvParams, m *format.Model) { p.FilterOffset = -128 }, []string{"filter offset"}},
		{"output offset", func(p *format.ConvParams, m *format.Model) { p.OutputOffset = 300 }, []string{"output offset"}},
		{"clamp", func(p *format.ConvParams, m *format.Model) { p.ActMin, p.ActMax = 5, 4 }, []string{"activation range"}},
		{"requant count", func(p *format.ConvParams, m *format.Model) {
			p.Requant = format.Requant{Multiplier: []int32{1, 2}, Shift: []int32{0, 0}}
		}, []string{"requant", "6 output channels"}},
		{"shift", func(p *format.ConvParams, m *format.Model) { p.Requant.Shift[0] = 31 }, []string{"requant 0", "shift"}},
		{"negative multiplier", func(p *format.ConvParams, m *format.Model) { p.Requant.Multiplier[0] = -5 }, []string{"multiplier"}},
		{"filter channels", func(p *format.ConvParams, m *format.Model) {
			m.Tensors[1].Shape = []int32{6, 3, 3, 3}
			m.Tensors[1].Data = make([]byte, 6*3*3*3)
		}, []string{"input 1 (filter)", "input depth 3"}},
		{"filter outputs", func(p *format.ConvParams, m *format.Model) {
			m.Tensors[1].Shape = []int32{3, 3, 3, 8}
			m.Tensors[1].Data = make([]byte, 3*3*3*8)
		}, []string{"input 1 (filter)", "output channels"}},
		{"filter data", func(p *format.ConvParams, m *format.Model) { m.Tensors[1].Data = m.Tensors[1].Data[:5] }, []string{"constant"}},
		{"filter dtype", func(p *format.ConvParams, m *format.Model) { m.Tensors[1].DType = format.DTypeInt16 }, []string{"input 1", "int16"}},
		{"bias length", func(p *format.ConvParams, m *format.Model) {
			m.Tensors[2].Shape = []int32{5}
			m.Tensors[2].Data = make([]byte, 20)
		}, []string{"bias", "5 elements"}},
		{"bias not constant", func(p *format.ConvParams, m *format.Model) { m.Tensors[2].Data = nil }, []string{"bias must be a constant"}},
		{"input rank", func(p *format.ConvParams, m *format.Model) { m.Tensors[0].Shape = []int32{25, 4} }, []string{"input 0", "rank 4"}},
		{"batch", func(p *format.ConvParams, m *format.Model) { m.Tensors[3].Shape = []int32{2, 3, 3, 6} }, []string{"batch"}},
		{"params type", func(p *format.ConvParams, m *format.Model) { m.Ops[0].Params = &format.FullyConnectedParams{} }, []string{"params"}},
	}
	for _, e := range edits {
		p, m := wtConvCase()
		e.edit(p, m)
		wtPrepareErr(t, e.name, m, e.frags...)
	}
}

// BenchmarkConvPointwise is a MobileNetV2-like 1×1 layer (14×14×96 → 576).
func BenchmarkConvPointwise(b *testing.B) {
	wtBenchConv(b, 14, 14, 96, 576, 1, 1, 1, 0)
}

// BenchmarkConv3x3 is a 3×3 SAME layer (24×24×32 → 64).
func BenchmarkConv3x3(b *testing.B) {
	wtBenchConv(b, 24, 24, 32, 64, 3, 3, 1, 1)
}

func wtBenchConv(b *testing.B, h, w, cin, cout, kh, kw, stride, pad int) {
	r := rand.New(rand.NewPCG(2, 0))
	p := format.ConvParams{StrideH: int32(stride), StrideW: int32(stride), DilationH: 1, DilationW: 1,
		PadTop: int32(pad), PadLeft: int32(pad), DepthMultiplier: 1, InputOffset: 7, OutputOffset: -3,
		Requant: wtRequantParams(r, cout), ActMin: -128, ActMax: 127}
	oh, ow := (h+2*pad-kh)/stride+1, (w+2*pad-kw)/stride+1
	m := wtModel(format.OpConv2D, &p, []int32{1, int32(h), int32(w), int32(cin)},
		[]int32{int32(cout), int32(kh), int32(kw), int32(cin)}, []int32{1, int32(oh), int32(ow), int32(cout)},
		wtInt8s(r, cout*kh*kw*cin), wtBias(r, cout))
	wtBench(b, m, wtInt8s(r, h*w*cin), int64(oh*ow*cout*kh*kw*cin))
}

// wtBench times Eval and reports multiply-accumulates per second.
func wtBench(b *testing.B, m *format.Model, in []int8, macs int64) {
	benchKernel(b, m, in)
	b.ReportMetric(float64(macs)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
}

// TestAllImplementations reruns the conv, depthwise and fully connected
// reference tests with every registered kernel implementation selected at
// prepare (its kernels, the borders around them, and ops' own Go paths
// for grouped, legacy-offset and depth-multiplier ops), plus
// shapes large enough to use every vector width and tail.
func TestAllImplementations(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *asm.Impl) {
		checkKernelPath(t, impl)
		t.Run("ConvRandom", TestConvRandomAgainstReference)
		t.Run("ConvWraps", TestConvAccumulatorWraps)
		t.Run("ConvKnown", TestConvKnownValues)
		t.Run("ConvLarge", testConvLarge)
		t.Run("ConvRing", testConvRing)
		t.Run("ConvPairs", testConvPairs)
		t.Run("DepthwiseRandom", TestDepthwiseRandomAgainstReference)
		t.Run("DepthwiseWraps", TestDepthwiseAccumulatorWraps)
		t.Run("DepthwiseLarge", testDepthwiseLarge)
		t.Run("DepthwiseStrategies", testDepthwiseStrategies)
		t.Run("DepthwiseStrips", testDepthwiseStrips)
		// Without border strips: the padded image, then the row-by-row
		// path (images too large for a padded copy).
		depthwiseStrips = false
		t.Run("DepthwiseLargePadded", testDepthwiseLarge)
		saved := maxPadImage
		maxPadImage = 0
		t.Run("DepthwiseRandomRows", TestDepthwiseRandomAgainstReference)
		t.Run("DepthwiseLargeRows", testDepthwiseLarge)
		maxPadImage = saved
		depthwiseStrips = true
		t.Run("FullyConnectedRandom", TestFullyConnectedRandomAgainstReference)
		t.Run("FullyConnectedLarge", testFullyConnectedLarge)
	})
}

// testConvLarge: channel counts across the SIMD kernels' panel widths and
// K tails, images with interior pixels, pointwise convolutions with
// strides, KxK with im2col blocks of several GEMMs.
func testConvLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 0))
	iters := 60
	if testing.Short() {
		iters = 15
	}
	for iter := 0; iter < iters; iter++ {
		k := []int{1, 1, 3, 3, 5, 2}[r.IntN(6)]
		s := 1 + r.IntN(2)
		inH, inW := k+r.IntN(20), k+r.IntN(20)
		pad := 0
		if k > 1 && r.IntN(2) == 0 {
			pad = k / 2
		}
		outH, outW := (inH+2*pad-k)/s+1, (inW+2*pad-k)/s+1
		inC, outC := 1+r.IntN(40), 1+r.IntN(70)
		batches := 1 + r.IntN(2)
		p := format.ConvParams{StrideH: int32(s), StrideW: int32(s), DilationH: 1, DilationW: 1,
			PadTop: int32(pad), PadLeft: int32(pad), DepthMultiplier: 1,
			InputOffset: -wtZeroPoint(r), OutputOffset: wtZeroPoint(r)}
		p.Requant = wtRequantParams(r, outC)
		p.ActMin, p.ActMax = wtClamp(r)
		inShape := []int32{int32(batches), int32(inH), int32(inW), int32(inC)}
		fShape := []int32{int32(outC), int32(k), int32(k), int32(inC)}
		outShape := []int32{int32(batches), int32(outH), int32(outW), int32(outC)}
		filter := wtInt8s(r, outC*k*k*inC)
		bias := wtBias(r, outC)
		in := wtInt8s(r, batches*inH*inW*inC)
		m := wtModel(format.OpConv2D, &p, inShape, fShape, outShape, filter, bias)
		wtCompare(t, "large conv iteration "+itoa(iter), runKernel(t, m, in), refConv(&p, in, inShape, filter, fShape, bias, outShape))
	}
}

// checkKernelPath asserts that prepared int8 conv, depthwise and fully
// connected kernels run on the selected implementation's asm kernels.
func checkKernelPath(t *testing.T, want *asm.Impl) {
	t.Helper()
	r := rand.New(rand.NewPCG(24, 0))
	p := format.ConvParams{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1, DepthMultiplier: 1,
		Requant: wtRequantParams(r, 8), ActMin: -128, ActMax: 127}
	conv, err := Prepare(wtModel(format.OpConv2D, &p, []int32{1, 5, 5, 8}, []int32{8, 3, 3, 8}, []int32{1, 5, 5, 8}, wtInt8s(r, 8*9*8), nil), 0)
	if err != nil {
		t.Fatal(err)
	}
	dw, err := Prepare(wtModel(format.OpDepthwiseConv2D, &p, []int32{1, 5, 5, 8}, []int32{1, 3, 3, 8}, []int32{1, 5, 5, 8}, wtInt8s(r, 9*8), nil), 0)
	if err != nil {
		t.Fatal(err)
	}
	fp := &format.FullyConnectedParams{Requant: wtRequantParams(r, 8), ActMin: -128, ActMax: 127}
	fc, err := Prepare(wtModel(format.OpFullyConnected, fp, []int32{1, 8}, []int32{8, 8}, []int32{1, 8}, wtInt8s(r, 64), nil), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := conv.(*convKernel); got.impl != want || got.packed == nil {
		t.Errorf("conv kernel uses %s (packed %v), want %s", got.impl.Name, got.packed != nil, want.Name)
	}
	if got := dw.(*depthwiseKernel); got.impl != want || got.packed == nil {
		t.Errorf("depthwise kernel uses %s (packed %v), want %s", got.impl.Name, got.packed != nil, want.Name)
	}
	if got := fc.(*fullyConnectedKernel); got.impl != want || got.packed == nil {
		t.Errorf("fully connected kernel uses %s (packed %v), want %s", got.impl.Name, got.packed != nil, want.Name)
	}
}

// testConvPairs: convolutions of 1, 2, 4 and 8 output channels and short
// patches run pairF pixels per GEMM row (a block-diagonal filter) and
// must match the reference: 3x3 stems of 1 and 3 input channels at
// strides 1 and 2 (the first layers of person_detect and VWW), a
// stride-1 pointwise conv (pairs straight from the input) and one at
// stride 2 (rows not contiguous: no pairs), odd pixel counts (a last
// unpaired pixel), per-tensor and per-channel requantization.
func testConvPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 7))
	for _, c := range []struct{ inHW, inC, k, stride, outC int }{
		{13, 1, 3, 2, 8}, {12, 3, 3, 2, 8}, {9, 1, 3, 1, 4}, {7, 2, 2, 1, 2}, {11, 1, 1, 1, 1},
		{9, 5, 1, 1, 8}, {9, 5, 1, 2, 8}, {5, 3, 3, 1, 8},
		// Patches too long for pairs on im2col (2·64 bytes): pairs only
		// where the band reads windows (micro_speech's first layer), but
		// not when the group's filter would exceed maxBandPairBytes (one
		// output channel, 16 pixels, over 600 input channels).
		{21, 1, 8, 2, 8}, {17, 2, 5, 3, 4}, {6, 600, 3, 1, 1},
	} {
		p := format.ConvParams{StrideH: int32(c.stride), StrideW: int32(c.stride), DilationH: 1, DilationW: 1, DepthMultiplier: 1,
			InputOffset: -wtZeroPoint(r), OutputOffset: wtZeroPoint(r)}
		pad := (c.k - 1) / 2
		p.PadTop, p.PadLeft = int32(pad), int32(pad)
		out := (c.inHW+2*pad-c.k)/c.stride + 1
		n := c.outC
		if c.inHW%2 == 0 {
			n = 1
		}
		p.Requant = wtRequantParams(r, n)
		p.ActMin, p.ActMax = wtClamp(r)
		inShape := []int32{1, int32(c.inHW), int32(c.inHW), int32(c.inC)}
		fShape := []int32{int32(c.outC), int32(c.k), int32(c.k), int32(c.inC)}
		outShape := []int32{1, int32(out), int32(out), int32(c.outC)}
		filter := wtInt8s(r, c.outC*c.k*c.k*c.inC)
		bias := wtBias(r, c.outC)
		in := wtInt8s(r, c.inHW*c.inHW*c.inC)
		m := wtModel(format.OpConv2D, &p, inShape, fShape, outShape, filter, bias)
		k, err := Prepare(m, 0)
		if err != nil {
			t.Fatal(err)
		}
		want := 16 / c.outC
		win := ((16/c.outC-1)*c.stride + c.k) * c.inC
		window := asm.Selected().HasGemmSegments() && c.k > 1 && c.stride <= c.k && 16*c.k*((win+3)&^3) <= maxBandPairBytes
		if asm.Selected().GemmLanes() < pairLanes || (want*c.k*c.k*c.inC > pairMaxPatch && !window) {
			want = 0 // generic: no pairs, same bytes; long patches on im2col
		}
		ck, ok := k.(*convKernel)
		if !ok || ck.pairF != want {
			t.Fatalf("%+v: pairF %d (%T), want %d", c, k.(*convKernel).pairF, k, want)
		}
		// With the segmented GEMM a conv that is not pointwise runs on
		// the band, its pixel groups reading one window a filter row
		// where that filter stays small (else no groups).
		segs := ck.impl.HasGemmSegments() && !ck.pointwise
		if band, groups := segs && (want <= 1 || window), segs && want > 1 && window; ck.band != band || (ck.pairSegK > 0) != groups {
			t.Fatalf("%+v: band %v, pairSegK %d; want band %v, windows %v", c, ck.band, ck.pairSegK, band, groups)
		}
		wtCompare(t, fmt.Sprintf("paired conv %+v", c), runKernel(t, m, in), refConv(&p, in, inShape, filter, fShape, bias, outShape))
	}
}

// TestConvBand: convolutions with dilation 1 across and no filter offset
// (pixel pairs of a few output channels included) run, on implementations with
// asm's segmented GEMM, from padded input rows (convKernel.band) instead
// of im2col; the bytes equal the reference's for every filter size,
// stride, row dilation, padding (including windows past the image) and
// batch count, and the band is taken exactly when it should be.
func TestConvBand(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	segmented := asm.Selected().HasGemmSegments()
	taken, rings := 0, 0
	for iter := 0; iter < 250; iter++ {
		g := wtRandGeometry(r)
		g.inH, g.inW = 1+r.IntN(12), 1+r.IntN(12)
		g.kh, g.kw = 1+r.IntN(5), 1+r.IntN(5)
		if r.IntN(4) > 0 {
			g.p.DilationW = 1
		}
		effH := (g.kh-1)*int(g.p.DilationH) + 1
		effW := (g.kw-1)*int(g.p.DilationW) + 1
		g.p.PadTop, g.p.PadLeft = int32(r.IntN(effH)), int32(r.IntN(effW))
		g.outH = max((g.inH+2*int(g.p.PadTop)-effH)/int(g.p.StrideH)+1, 1) + r.IntN(2)
		g.outW = max((g.inW+2*int(g.p.PadLeft)-effW)/int(g.p.StrideW)+1, 1) + r.IntN(2)
		inC := []int{1, 2, 3, 4, 8, 12, 16, 20, 32, 36, 64}[r.IntN(11)] // filter rows padded to 4 bytes or not
		outC := 9 + r.IntN(60)
		batches := 1 + r.IntN(2)
		p := g.p
		p.DepthMultiplier = 1
		p.InputOffset = -wtZeroPoint(r)
		p.OutputOffset = wtZeroPoint(r)
		p.Requant = wtRequantParams(r, outC)
		p.ActMin, p.ActMax = wtClamp(r)
		inShape := []int32{int32(batches), int32(g.inH), int32(g.inW), int32(inC)}
		fShape := []int32{int32(outC), int32(g.kh), int32(g.kw), int32(inC)}
		outShape := []int32{int32(batches), int32(g.outH), int32(g.outW), int32(outC)}
		filter := wtInt8s(r, outC*g.kh*g.kw*inC)
		bias := wtBias(r, outC)
		in := wtInt8s(r, batches*g.inH*g.inW*inC)
		m := wtModel(format.OpConv2D, &p, inShape, fShape, outShape, filter, bias)
		k, err := Prepare(m, 0)
		if err != nil {
			t.Fatalf("Prepare: %v", err)
		}
		ck := k.(*convKernel)
		want := segmented && !ck.pointwise && g.p.DilationW == 1 && (ck.pairF <= 1 || g.kw >= int(g.p.StrideW))
		if ck.band != want {
			t.Fatalf("iteration %d (%dx%d inC %d dilW %d): band %v, want %v", iter, g.kh, g.kw, inC, g.p.DilationW, ck.band, want)
		}
		if ring := ck.band && g.p.DilationH == 1 && 2*int(g.p.StrideH) < g.kh; ck.bandRing != ring {
			t.Fatalf("iteration %d (%dx%d stride %d dilH %d): band ring %v, want %v", iter, g.kh, g.kw, g.p.StrideH, g.p.DilationH, ck.bandRing, ring)
		}
		if ck.band {
			taken++
		}
		if ck.bandRing {
			rings++
		}
		got := runKernel(t, m, in)
		wtCompare(t, "band conv iteration "+itoa(iter), got, refConv(&p, in, inShape, filter, fShape, bias, outShape))
	}
	if segmented && (taken < 100 || rings < 20) {
		t.Errorf("band taken in %d of 250 cases, with its ring in %d", taken, rings)
	}
	t.Logf("%s: band taken in %d of 250 cases, with its ring in %d", asm.Selected().Name, taken, rings)
}

// TestSmallPointwiseSplitsByPixels: a stride-1 pointwise conv of fewer
// than minSplitRows output rows splits into runs of pixels (MobileNetV2's
// 7x7 layers: rows gave one thread 4 rows and the other 3), so two equal
// unit counts hold pixel counts at most one unit apart; a taller one
// keeps its rows. runPrepared checks the parts' bytes for every
// Splittable (TestConvRandomAgainstReference's pointwise cases).
func TestSmallPointwiseSplitsByPixels(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct{ h, w, inC, outC, batches int }{
		{7, 7, 160, 960, 1}, {7, 7, 8, 8, 1}, {5, 3, 4, 16, 3}, {16, 4, 8, 8, 1}, {15, 15, 32, 64, 1},
	} {
		p := format.ConvParams{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, DepthMultiplier: 1,
			InputOffset: 3, OutputOffset: -2, Requant: wtRequantParams(r, c.outC), ActMin: -128, ActMax: 127}
		m := wtModel(format.OpConv2D, &p, []int32{int32(c.batches), int32(c.h), int32(c.w), int32(c.inC)},
			[]int32{int32(c.outC), 1, 1, int32(c.inC)}, []int32{int32(c.batches), int32(c.h), int32(c.w), int32(c.outC)},
			wtInt8s(r, c.outC*c.inC), wtBias(r, c.outC))
		k, err := Prepare(m, 0)
		if err != nil {
			t.Fatal(err)
		}
		ck := k.(*convKernel)
		rows, pixels := c.batches*c.h, c.batches*c.h*c.w
		what := fmt.Sprintf("%dx%dx%d x%d -> %d", c.h, c.w, c.inC, c.batches, c.outC)
		if rows >= minSplitRows {
			if ck.Units() != rows {
				t.Errorf("%s: %d units, want its %d rows", what, ck.Units(), rows)
			}
			continue
		}
		u := ck.unitPixels
		if u < 1 || u > max(ck.pairF, 1) {
			t.Fatalf("%s: %d pixels a unit (pairF %d)", what, u, ck.pairF)
		}
		if got, want := ck.Units(), (pixels+u-1)/u; got != want {
			t.Fatalf("%s: %d units, want %d", what, got, want)
		}
		half := ck.Units() / 2 * u
		if first, second := half, pixels-half; first-second > u || second-first > u {
			t.Errorf("%s: halves of %d and %d pixels", what, first, second)
		}
	}
}
