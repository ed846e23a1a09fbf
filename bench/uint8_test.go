package bench

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/runtime"
)

// BenchmarkUint8Pair runs the built-in MobileNetV1-0.25 96x96 as int8 and
// as a fully uint8 model with asymmetric per-tensor weights (non-zero
// filter offsets on every conv, depthwise and fully connected layer),
// alternately in one loop, and reports each one's thread CPU time per
// Invoke and their ratio (x-int8: uint8 time / int8 time; issue 14 wants
// it within 1.3).
func BenchmarkUint8Pair(b *testing.B) {
	withImpl(b, func(b *testing.B, _ *asm.Impl) {
		load := func(f func(uint64) (*format.Model, error)) *runtime.Interpreter {
			g, err := f(1)
			if err != nil {
				b.Fatal(err)
			}
			m, err := runtime.FromGraph(g)
			if err != nil {
				b.Fatal(err)
			}
			it := newFilledInterpreter(b, m)
			if err := it.Invoke(); err != nil {
				b.Fatal(err)
			}
			return it
		}
		i8, u8 := load(examples.MobileNetV1), load(examples.MobileNetV1Uint8)
		lockThread()
		defer unlockThread()
		var t8, tu time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			c0, _ := threadCPU()
			if err := i8.Invoke(); err != nil {
				b.Fatal(err)
			}
			c1, _ := threadCPU()
			if err := u8.Invoke(); err != nil {
				b.Fatal(err)
			}
			c2, _ := threadCPU()
			t8, tu = t8+c1-c0, tu+c2-c1
		}
		b.StopTimer()
		if t8 > 0 {
			b.ReportMetric(float64(t8.Microseconds())/float64(b.N), "int8-us")
			b.ReportMetric(float64(tu.Microseconds())/float64(b.N), "uint8-us")
			b.ReportMetric(float64(tu)/float64(t8), "x-int8")
		}
	})
}

// TestUint8ModelSameOnEveryImpl: the fully uint8 MobileNetV1 of
// BenchmarkUint8Pair (filter offsets on every conv, depthwise and fully
// connected layer: the wide depthwise filters, the row terms) gives the
// same bytes on every implementation this machine runs, generic first.
func TestUint8ModelSameOnEveryImpl(t *testing.T) {
	prev := asm.Selected().Name
	defer func() {
		if err := asm.Select(prev); err != nil {
			t.Error(err)
		}
	}()
	var want []byte
	for _, impl := range asm.All() {
		if !impl.Available {
			continue
		}
		if err := asm.Select(impl.Name); err != nil {
			t.Fatal(err)
		}
		g, err := examples.MobileNetV1Uint8(1)
		if err != nil {
			t.Fatal(err)
		}
		m, err := runtime.FromGraph(g)
		if err != nil {
			t.Fatal(err)
		}
		it, err := runtime.NewInterpreter(m, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		for seed := uint64(0); seed < 3; seed++ {
			r := rand.New(rand.NewPCG(seed, 3))
			in := it.InputBytes(0)
			for j := range in {
				in[j] = byte(r.IntN(256))
			}
			if err := it.Invoke(); err != nil {
				t.Fatal(err)
			}
			got = append(got, it.OutputBytes(0)...)
		}
		it.Close()
		if want == nil {
			want = got
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: outputs differ from %s's", impl.Name, asm.All()[0].Name)
		}
	}
}
