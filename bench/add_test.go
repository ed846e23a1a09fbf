package bench

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/runtime"
)

// ADD benchmarks: MobileNetV2's residual adds (56×56×24 is the largest),
// per implementation, reporting Gval/s (output values per second of the
// benchmark thread's CPU time; wall-Gval/s per second of wall time) and,
// for the SIMD implementations, x-generic: Gval/s over generic's in the
// same run.
// The generic run is the ops package's table path, the others
// asm.AddInt8's vector kernels; compare them within one run, e.g.
//
//	go test ./bench -run '^$' -bench 'Add' -cpu 1 -count 5

// addParams are TFLite's ADD parameters for inputs at scales 0.05 and
// 0.07 (zero points -3, 5) and an output at 0.1 (zero point 4), as the
// converter derives them.
func addParams() *format.ArithParams {
	s1, s2, so := 0.05, 0.07, 0.1
	tw := 2 * max(s1, s2)
	p := &format.ArithParams{Input1Offset: 3, Input2Offset: -5, OutputOffset: 4, LeftShift: 20, ActMin: -128, ActMax: 127}
	p.Input1Multiplier, p.Input1Shift = dyadic.QuantizeMultiplier(s1 / tw)
	p.Input2Multiplier, p.Input2Shift = dyadic.QuantizeMultiplier(s2 / tw)
	p.OutputMultiplier, p.OutputShift = dyadic.QuantizeMultiplier(tw / (1 << 20) / so)
	return p
}

// addModel is a one-op ADD of two graph inputs of shape s.
func addModel(s []int32) *format.Model {
	t := func(name string, zp int32, scale float32) format.Tensor {
		return format.Tensor{Name: name, DType: format.DTypeInt8, Shape: s, ZeroPoint: []int32{zp}, Scale: []float32{scale}}
	}
	in1, in2, out := t("a", -3, 0.05), t("b", 5, 0.07), t("out", 4, 0.1)
	size := (in1.ByteSize() + 63) &^ 63
	in2.ArenaOffset, out.ArenaOffset = size, 2*size
	return &format.Model{
		Description: "benchmark",
		Tensors:     []format.Tensor{in1, in2, out},
		Ops:         []format.Op{{Code: format.OpAdd, Inputs: []int32{0, 1}, Outputs: []int32{2}, Params: addParams()}},
		Inputs:      []format.IO{{Tensor: 0}, {Tensor: 1}},
		Outputs:     []format.IO{{Tensor: 2}},
		ArenaBytes:  2*size + out.ByteSize(),
	}
}

// timedValues is timed with values as the unit; it returns the CPU-time
// rate (0 if the thread's CPU time could not be read).
func timedValues(b *testing.B, values int64, f func()) float64 {
	lockThread()
	defer unlockThread()
	b.ResetTimer()
	c0, cpuOK := threadCPU()
	for i := 0; i < b.N; i++ {
		f()
	}
	c1, _ := threadCPU()
	b.StopTimer()
	total := float64(values) * float64(b.N) / 1e9
	rate := 0.0
	if cpuOK && c1 > c0 {
		rate = total / (c1 - c0).Seconds()
		b.ReportMetric(rate, "Gval/s")
	}
	b.ReportMetric(total/b.Elapsed().Seconds(), "wall-Gval/s")
	return rate
}

// vsGeneric reports x-generic, rate over the generic implementation's
// rate measured just before in the same run (withImpl and Available run
// generic first), when there is one.
func vsGeneric(b *testing.B, name string, rate float64, generic *float64) {
	if name == "generic" {
		*generic = rate
		return
	}
	if *generic > 0 && rate > 0 {
		b.ReportMetric(rate / *generic, "x-generic")
	}
}

// BenchmarkAdd times the whole op (runtime.Invoke of a one-ADD model).
func BenchmarkAdd(b *testing.B) {
	for _, s := range [][]int32{{1, 56, 56, 24}, {1, 14, 14, 64}} {
		g := addModel(s)
		n := int64(g.Tensors[2].ByteSize())
		b.Run(fmt.Sprintf("%dx%dx%d", s[1], s[2], s[3]), func(b *testing.B) {
			var generic float64
			withImpl(b, func(b *testing.B, impl *asm.Impl) {
				m, err := runtime.FromGraph(g)
				if err != nil {
					b.Fatal(err)
				}
				it := newFilledInterpreter(b, m)
				rate := timedValues(b, n, func() {
					if err := it.Invoke(); err != nil {
						b.Fatal(err)
					}
				})
				vsGeneric(b, impl.Name, rate, &generic)
			})
		})
	}
}

// BenchmarkKernelAdd times asm.AddInt8 alone (generic: its Go table
// path) on 56×56×24 values.
func BenchmarkKernelAdd(b *testing.B) {
	const n = 56 * 56 * 24
	r := rand.New(rand.NewPCG(3, 3))
	a, c, out := randInt8s(r, n), randInt8s(r, n), make([]int8, n)
	q := addParams()
	p, err := asm.NewAddParams(asm.AddSpec{
		In1Offset: q.Input1Offset, In1Mult: q.Input1Multiplier, In1Shift: q.Input1Shift,
		In2Offset: q.Input2Offset, In2Mult: q.Input2Multiplier, In2Shift: q.Input2Shift,
		LeftShift: q.LeftShift, OutMult: q.OutputMultiplier, OutShift: q.OutputShift, OutOffset: q.OutputOffset,
		Min: q.ActMin, Max: q.ActMax,
	})
	if err != nil {
		b.Fatal(err)
	}
	var generic float64
	for _, impl := range asm.All() {
		b.Run(impl.Name, func(b *testing.B) {
			skipUnavailable(b, impl)
			rate := timedValues(b, n, func() { impl.AddInt8(out, a, c, p) })
			vsGeneric(b, impl.Name, rate, &generic)
		})
	}
}
