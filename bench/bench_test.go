// Package bench holds edgerun's kernel and model benchmarks (issue 4's
// shapes). Every benchmark runs once per registered kernel implementation
// (generic, avx2, avx512vnni, neon, dotprod; those this machine or build
// cannot run are reported as skipped, with the reason), through the real
// path: a one-op format.Model prepared by ops and run by runtime, so
// packing, im2col, borders and requantization are all counted. Run them
// single-threaded, for example
//
//	go test ./bench -run '^$' -bench . -cpu 1
//
// and compare implementations within one run. Each reports GMAC/s (the
// op's multiply-accumulates, padding taps included, per second of the
// benchmark thread's CPU time, which time stolen by other processes on a
// shared machine does not inflate) and wall-GMAC/s (per second of wall
// time).
package bench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/runtime"
)

// skipUnavailable skips b, with the reason, when this machine or build
// cannot run impl: every registered implementation shows up in the
// results, as run or as skipped.
func skipUnavailable(b *testing.B, impl *asm.Impl) {
	b.Helper()
	if !impl.Available {
		b.Skipf("%s unavailable: %s", impl.Name, impl.Reason)
	}
}

// withImpl runs f once per registered implementation (skipping those
// unavailable here), with that implementation selected while the model
// loads (kernels pack their weights for the selected one at prepare) and
// until f's benchmark and its cleanups end.
func withImpl(b *testing.B, f func(b *testing.B, impl *asm.Impl)) {
	for _, impl := range asm.All() {
		b.Run(impl.Name, func(b *testing.B) {
			skipUnavailable(b, impl)
			prev := asm.Selected().Name
			if err := asm.Select(impl.Name); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() {
				if err := asm.Select(prev); err != nil {
					b.Error(err)
				}
			})
			f(b, impl)
		})
	}
}

// oneOp builds a model of one op: tensor 0 the input, 1 the filter, 2 the
// bias, 3 the output, input and output side by side in the arena.
func oneOp(code format.OpCode, params format.OpParams, inShape, filterShape, outShape []int32, seed uint64) *format.Model {
	r := rand.New(rand.NewPCG(seed, 1))
	nf := 1
	for _, d := range filterShape {
		nf *= int(d)
	}
	filter := make([]byte, nf)
	for i := range filter {
		filter[i] = byte(r.IntN(256))
	}
	ch := int(outShape[len(outShape)-1])
	bias := make([]byte, 4*ch)
	for i := 0; i < ch; i++ {
		v := uint32(int32(r.IntN(1<<14) - 1<<13))
		bias[4*i], bias[4*i+1], bias[4*i+2], bias[4*i+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	}
	in := format.Tensor{Name: "input", DType: format.DTypeInt8, Shape: inShape, ZeroPoint: []int32{-3}, Scale: []float32{0.05}, ArenaOffset: 0}
	out := format.Tensor{Name: "output", DType: format.DTypeInt8, Shape: outShape, ZeroPoint: []int32{4}, Scale: []float32{0.1}}
	out.ArenaOffset = (in.ByteSize() + 63) &^ 63
	m := &format.Model{
		Description: "benchmark",
		Tensors: []format.Tensor{
			in,
			{Name: "filter", DType: format.DTypeInt8, Shape: filterShape, Data: filter, ArenaOffset: -1},
			{Name: "bias", DType: format.DTypeInt32, Shape: []int32{int32(ch)}, Data: bias, ArenaOffset: -1},
			out,
		},
		Ops:        []format.Op{{Code: code, Inputs: []int32{0, 1, 2}, Outputs: []int32{3}, Params: params}},
		Inputs:     []format.IO{{Tensor: 0}},
		Outputs:    []format.IO{{Tensor: 3}},
		ArenaBytes: out.ArenaOffset + out.ByteSize(),
	}
	return m
}

// requant returns per-channel multipliers around 2^-9 (typical of conv
// layers).
func requant(n int, seed uint64) format.Requant {
	r := rand.New(rand.NewPCG(seed, 2))
	q := format.Requant{Multiplier: make([]int32, n), Shift: make([]int32, n)}
	for i := range q.Multiplier {
		q.Multiplier[i] = int32(1<<30 + r.IntN(1<<30))
		q.Shift[i] = int32(-8 - r.IntN(3))
	}
	return q
}

// run loads g with the selected kernels and times Invoke.
func run(b *testing.B, g *format.Model, macs int64) {
	m, err := runtime.FromGraph(g)
	if err != nil {
		b.Fatal(err)
	}
	runModel(b, m, macs)
}

func runModel(b *testing.B, m *runtime.Model, macs int64) {
	it := newFilledInterpreter(b, m)
	if err := it.Invoke(); err != nil {
		b.Fatal(err)
	}
	timed(b, macs, func() {
		if err := it.Invoke(); err != nil {
			b.Fatal(err)
		}
	})
}

// timed runs f b.N times and reports GMAC/s over the thread's CPU time
// (on a shared machine, time other processes take from this core does
// not count; the op runs on one thread) and wall-GMAC/s over the wall
// time.
func timed(b *testing.B, macs int64, f func()) {
	lockThread()
	defer unlockThread()
	b.ResetTimer()
	c0, cpuOK := threadCPU()
	for i := 0; i < b.N; i++ {
		f()
	}
	c1, _ := threadCPU()
	b.StopTimer()
	if cpuOK && c1 > c0 {
		// The thread's CPU time per op: on a loaded machine, closer to
		// the op's own cost than ns/op (wall time).
		b.ReportMetric(float64((c1-c0).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
	if macs <= 0 {
		return
	}
	total := float64(macs) * float64(b.N) / 1e9
	if cpuOK && c1 > c0 {
		rate := total / (c1 - c0).Seconds()
		b.ReportMetric(rate, "GMAC/s")
		reportPeakShare(b, rate)
	}
	b.ReportMetric(total/b.Elapsed().Seconds(), "wall-GMAC/s")
}

// conv is a CONV_2D of an h×w×cin input, k×k filter, stride s, SAME
// padding (TFLite's offsets).
func conv(h, w, cin, cout, k, s int) (*format.Model, int64) {
	oh, ow := (h+s-1)/s, (w+s-1)/s
	p := &format.ConvParams{StrideH: int32(s), StrideW: int32(s), DilationH: 1, DilationW: 1,
		PadTop: int32(samePad(h, oh, k, s)), PadLeft: int32(samePad(w, ow, k, s)),
		InputOffset: 3, OutputOffset: 4, Requant: requant(cout, 1), ActMin: -128, ActMax: 127}
	g := oneOp(format.OpConv2D, p, []int32{1, int32(h), int32(w), int32(cin)}, []int32{int32(cout), int32(k), int32(k), int32(cin)},
		[]int32{1, int32(oh), int32(ow), int32(cout)}, 1)
	return g, int64(oh * ow * cout * k * k * cin)
}

func samePad(in, out, k, s int) int { return max((out-1)*s+k-in, 0) / 2 }

func depthwise(h, w, c, k, s int) (*format.Model, int64) {
	oh, ow := (h+s-1)/s, (w+s-1)/s
	p := &format.ConvParams{StrideH: int32(s), StrideW: int32(s), DilationH: 1, DilationW: 1, DepthMultiplier: 1,
		PadTop: int32(samePad(h, oh, k, s)), PadLeft: int32(samePad(w, ow, k, s)),
		InputOffset: 3, OutputOffset: 4, Requant: requant(c, 2), ActMin: -128, ActMax: 127}
	g := oneOp(format.OpDepthwiseConv2D, p, []int32{1, int32(h), int32(w), int32(c)}, []int32{1, int32(k), int32(k), int32(c)},
		[]int32{1, int32(oh), int32(ow), int32(c)}, 2)
	return g, int64(oh * ow * c * k * k)
}

func fullyConnected(batch, in, out int) (*format.Model, int64) {
	p := &format.FullyConnectedParams{InputOffset: 3, OutputOffset: 4, Requant: requant(out, 3), ActMin: -128, ActMax: 127}
	g := oneOp(format.OpFullyConnected, p, []int32{int32(batch), int32(in)}, []int32{int32(out), int32(in)},
		[]int32{int32(batch), int32(out)}, 3)
	return g, int64(batch * in * out)
}

func BenchmarkPointwise(b *testing.B) {
	for _, s := range []struct{ hw, cin, cout int }{{48, 64, 128}, {12, 256, 256}, {6, 512, 512}} {
		g, macs := conv(s.hw, s.hw, s.cin, s.cout, 1, 1)
		b.Run(fmt.Sprintf("%dx%dx%d-%d", s.hw, s.hw, s.cin, s.cout), func(b *testing.B) {
			withImpl(b, func(b *testing.B, _ *asm.Impl) { run(b, g, macs) })
		})
	}
}

func BenchmarkDepthwise3x3(b *testing.B) {
	// 25x5x64: KWS's (DS-CNN) layers, narrow rows.
	for _, s := range []struct{ h, w, c int }{{48, 48, 64}, {24, 24, 128}, {96, 96, 32}, {25, 5, 64}} {
		for _, stride := range []int{1, 2} {
			g, macs := depthwise(s.h, s.w, s.c, 3, stride)
			b.Run(fmt.Sprintf("%dx%dx%d-s%d", s.h, s.w, s.c, stride), func(b *testing.B) {
				withImpl(b, func(b *testing.B, _ *asm.Impl) { run(b, g, macs) })
			})
		}
	}
}

func BenchmarkConv3x3(b *testing.B) {
	for _, s := range []struct {
		name                string
		hw, cin, cout, strd int
	}{{"32x32x16-16", 32, 16, 16, 1}, {"stem-224x224x3-32-s2", 224, 3, 32, 2}} {
		g, macs := conv(s.hw, s.hw, s.cin, s.cout, 3, s.strd)
		b.Run(s.name, func(b *testing.B) {
			withImpl(b, func(b *testing.B, _ *asm.Impl) { run(b, g, macs) })
		})
	}
}

func BenchmarkFullyConnected(b *testing.B) {
	for _, s := range []struct{ batch, in, out int }{{1, 640, 128}, {1, 1024, 1000}, {1, 256, 256}, {16, 256, 256}} {
		g, macs := fullyConnected(s.batch, s.in, s.out)
		b.Run(fmt.Sprintf("b%d-%d-%d", s.batch, s.in, s.out), func(b *testing.B) {
			withImpl(b, func(b *testing.B, _ *asm.Impl) { run(b, g, macs) })
		})
	}
}

// BenchmarkModels runs the built-in examples and, when ../shared is there,
// the real models of the conformance sets models and next.
func BenchmarkModels(b *testing.B) {
	type src struct {
		name string
		data []byte
	}
	var srcs []src
	for _, name := range examples.Names() {
		data, err := examples.Bytes(name)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, src{name, data})
	}
	// ResNet-8 with 32 filters (issue 15's "ResNet-8 large"), generated.
	if g, err := examples.ResNet8(1, 32); err != nil {
		b.Fatal(err)
	} else if data, err := format.Encode(g); err != nil {
		b.Fatal(err)
	} else {
		srcs = append(srcs, src{"resnet8_32", data})
	}
	files, _ := filepath.Glob("../../shared/conformance/models/models/*.tflite")
	next, _ := filepath.Glob("../../shared/conformance/next/models/*.tflite")
	files = append(files, next...)
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, src{filepath.Base(f[:len(f)-len(".tflite")]), data})
	}
	for _, s := range srcs {
		b.Run(s.name, func(b *testing.B) {
			withImpl(b, func(b *testing.B, _ *asm.Impl) {
				m, err := runtime.Load(s.data)
				if err != nil {
					b.Skipf("%s: %v", s.name, err)
				}
				runModel(b, m, m.MACs())
			})
		})
	}
}

// newFilledInterpreter returns a one-thread interpreter of m (closed when
// b ends) whose inputs hold seeded pseudo-random bytes. One thread: timed
// divides by the invoking thread's CPU time, which a worker's share of the
// work would leave out (with the default, GOMAXPROCS threads, a 2-core
// run reported a model at 96 % of the one-core peak). BenchmarkThreads
// measures threads, on the wall clock.
func newFilledInterpreter(b *testing.B, m *runtime.Model) *runtime.Interpreter {
	it, err := runtime.NewInterpreter(m, &runtime.Options{Threads: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { it.Close() })
	r := rand.New(rand.NewPCG(9, 9))
	for i := range m.Inputs() {
		in := it.InputBytes(i)
		for j := range in {
			in[j] = byte(r.IntN(256))
		}
	}
	return it
}
