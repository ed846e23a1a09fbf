package asm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkGemmInt32 times GemmInt32 per implementation on the LSTM
// shapes of micro_speech_lstm (4 gates × 80 units; inputs 257, hidden
// 80): the input block (16 rows), the recurrent GEMV, and a square one.
// The GMAC/s metric is m·n·k per second.
func BenchmarkGemmInt32(b *testing.B) {
	for _, s := range []struct{ m, n, k int }{{16, 320, 257}, {1, 320, 80}, {1, 512, 128}, {64, 256, 256}} {
		for _, impl := range All() {
			if !impl.Available {
				continue
			}
			b.Run(fmt.Sprintf("%s/m%d_n%d_k%d", impl.Name, s.m, s.n, s.k), func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 2))
				w, a := make([]int8, s.n*s.k), make([]int8, s.m*s.k)
				fillInt8(r, w, 0)
				fillInt8(r, a, 0)
				pm := impl.PackMatrix(w, s.n, s.k)
				out := make([]int32, s.m*s.n)
				for b.Loop() {
					impl.GemmInt32(a, s.k, s.m, pm, out, s.n)
				}
				b.ReportMetric(float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GMAC/s")
			})
		}
	}
}
