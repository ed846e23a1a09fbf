package bench

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/runtime"
)

// The 16x8 (int16 activations, int8 weights) conv family on the int8
// benchmarks' shapes, so that GMAC/s compare with BenchmarkPointwise,
// BenchmarkConv3x3, BenchmarkDepthwise3x3 and BenchmarkFullyConnected
// under the same implementation.

// as16 turns one of oneOp's int8 models into its 16x8 twin: int16 input
// and output (zero point 0), no offsets, an int64 bias.
func as16(g *format.Model) *format.Model {
	in, out := &g.Tensors[0], &g.Tensors[3]
	in.DType, in.ZeroPoint = format.DTypeInt16, []int32{0}
	out.DType, out.ZeroPoint = format.DTypeInt16, []int32{0}
	out.ArenaOffset = (in.ByteSize() + 63) &^ 63
	g.ArenaBytes = out.ArenaOffset + out.ByteSize()
	b := &g.Tensors[2]
	ch := len(b.Data) / 4
	wide := make([]byte, 8*ch)
	for i := 0; i < ch; i++ {
		binary.LittleEndian.PutUint64(wide[8*i:], uint64(int64(int32(binary.LittleEndian.Uint32(b.Data[4*i:])))))
	}
	b.DType, b.Data = format.DTypeInt64, wide
	switch p := g.Ops[0].Params.(type) {
	case *format.ConvParams:
		p.InputOffset, p.OutputOffset, p.ActMin, p.ActMax = 0, 0, -32768, 32767
		for i := range p.Requant.Shift {
			p.Requant.Shift[i] = min(p.Requant.Shift[i], 14)
		}
	case *format.FullyConnectedParams:
		p.InputOffset, p.OutputOffset, p.ActMin, p.ActMax = 0, 0, -32768, 32767
	}
	return g
}

func BenchmarkInt16(b *testing.B) {
	type shape struct {
		name string
		g    *format.Model
		macs int64
	}
	var shapes []shape
	add := func(name string, g *format.Model, macs int64) { shapes = append(shapes, shape{name, as16(g), macs}) }
	for _, s := range []struct{ hw, cin, cout int }{{48, 64, 128}, {12, 256, 256}, {6, 512, 512}} {
		g, macs := conv(s.hw, s.hw, s.cin, s.cout, 1, 1)
		add(fmt.Sprintf("pointwise-%dx%dx%d-%d", s.hw, s.hw, s.cin, s.cout), g, macs)
	}
	for _, s := range []struct {
		name                string
		hw, cin, cout, strd int
	}{{"32x32x16-16", 32, 16, 16, 1}, {"stem-224x224x3-32-s2", 224, 3, 32, 2}} {
		g, macs := conv(s.hw, s.hw, s.cin, s.cout, 3, s.strd)
		add("conv3x3-"+s.name, g, macs)
	}
	for _, s := range []struct{ hw, c int }{{48, 64}, {24, 128}, {96, 32}} {
		for _, stride := range []int{1, 2} {
			g, macs := depthwise(s.hw, s.hw, s.c, 3, stride)
			add(fmt.Sprintf("depthwise3x3-%dx%dx%d-s%d", s.hw, s.hw, s.c, stride), g, macs)
		}
	}
	for _, s := range []struct{ batch, in, out int }{{1, 640, 128}, {1, 1024, 1000}, {1, 256, 256}, {16, 256, 256}} {
		g, macs := fullyConnected(s.batch, s.in, s.out)
		add(fmt.Sprintf("fc-b%d-%d-%d", s.batch, s.in, s.out), g, macs)
	}
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			var generic float64
			withImpl(b, func(b *testing.B, impl *asm.Impl) {
				m, err := runtime.FromGraph(s.g)
				if err != nil {
					b.Fatal(err)
				}
				rate := runModelRate(b, m, s.macs)
				vsGeneric(b, impl.Name, rate, &generic)
			})
		})
	}
}

// BenchmarkInt16Layers runs the int16 conv layer models of
// ../shared/conformance/wave2-layers (slices of a speech-enhancement
// network) when they are there.
func BenchmarkInt16Layers(b *testing.B) {
	files, _ := filepath.Glob("../../shared/conformance/wave2-layers/models/*conv*.tflite")
	sort.Strings(files)
	if len(files) == 0 {
		b.Skip("no ../../shared/conformance/wave2-layers")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(f[:len(f)-len(".tflite")]), func(b *testing.B) {
			var generic float64
			withImpl(b, func(b *testing.B, impl *asm.Impl) {
				m, err := runtime.Load(data)
				if err != nil {
					b.Skipf("%v", err)
				}
				rate := runModelRate(b, m, m.MACs())
				vsGeneric(b, impl.Name, rate, &generic)
			})
		})
	}
}

// runModelRate is runModel returning the CPU-time GMAC/s (0 when the
// thread's CPU time is not available).
func runModelRate(b *testing.B, m *runtime.Model, macs int64) float64 {
	it := newFilledInterpreter(b, m)
	if err := it.Invoke(); err != nil {
		b.Fatal(err)
	}
	lockThread()
	defer unlockThread()
	b.ResetTimer()
	c0, cpuOK := threadCPU()
	for i := 0; i < b.N; i++ {
		if err := it.Invoke(); err != nil {
			b.Fatal(err)
		}
	}
	c1, _ := threadCPU()
	b.StopTimer()
	total := float64(macs) * float64(b.N) / 1e9
	rate := 0.0
	if cpuOK && c1 > c0 {
		rate = total / (c1 - c0).Seconds()
		b.ReportMetric(rate, "GMAC/s")
	}
	b.ReportMetric(total/b.Elapsed().Seconds(), "wall-GMAC/s")
	return rate
}
