package bench

import (
	"sync"
	"testing"
	"time"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/bench/peak"
)

// The machine's multiply-accumulate peak, measured in the same run as the
// kernels (issue 15): every benchmark that reports GMAC/s also reports
// %peak, its GMAC/s over the peak loop of the selected implementation's
// instruction (bench/peak). Both are CPU-time rates of one thread, so the
// ratio holds on a shared machine where absolute figures drift.

// peakLoopOf maps a kernel implementation to the loop of the instruction
// its GEMM is built on ("" when there is none: generic).
var peakLoopOf = map[string]string{
	"avx2":       "avx2",
	"avxvnni":    "avxvnni",
	"avx512vnni": "vnni512",
	"neon":       "neon",
	"dotprod":    "sdot",
}

var (
	peakOnce sync.Once
	peakRate map[string]float64 // loop name → GMAC/s (CPU time)
)

// peakGMACs returns the measured peak GMAC/s of the loop for impl, or 0.
// The loops are measured once per process, the best of several runs.
func peakGMACs(impl string) float64 {
	peakOnce.Do(func() {
		peakRate = map[string]float64{}
		lockThread()
		defer unlockThread()
		var src peak.Source
		for i := range src {
			src[i] = byte(i*37 + 11)
		}
		for _, l := range peak.Loops() {
			if !l.Available {
				continue
			}
			// Thread CPU time may advance in scheduler ticks: time runs
			// of at least 25 ms, the best of three.
			best := 0.0
			for run := 0; run < 3; run++ {
				var out peak.Lanes
				iters := 0
				c0, ok := threadCPU()
				c1 := c0
				for ok && c1-c0 < 25*time.Millisecond {
					l.Run(1<<14, &src, &out)
					iters += 1 << 14
					c1, _ = threadCPU()
				}
				if !ok {
					break
				}
				best = max(best, float64(l.MACsPerIter)*float64(iters)/1e9/(c1-c0).Seconds())
			}
			peakRate[l.Name] = best
		}
	})
	return peakRate[peakLoopOf[impl]]
}

// reportPeakShare adds %peak for a benchmark that ran at gmacs GMAC/s on
// the selected implementation.
func reportPeakShare(b *testing.B, gmacs float64) {
	if p := peakGMACs(asm.Selected().Name); p > 0 && gmacs > 0 {
		b.ReportMetric(100*gmacs/p, "%peak")
	}
}

// BenchmarkPeak is the bare dot-product loop of every instruction this
// CPU has, in GMAC/s of one thread.
func BenchmarkPeak(b *testing.B) {
	var src peak.Source
	for i := range src {
		src[i] = byte(i*37 + 11)
	}
	for _, l := range peak.Loops() {
		b.Run(l.Name, func(b *testing.B) {
			if !l.Available {
				b.Skipf("%s: not available on this CPU", l.Name)
			}
			const iters = 1 << 14
			var out peak.Lanes
			lockThread()
			defer unlockThread()
			b.ResetTimer()
			c0, ok := threadCPU()
			for i := 0; i < b.N; i++ {
				l.Run(iters, &src, &out)
			}
			c1, _ := threadCPU()
			b.StopTimer()
			if ok && c1 > c0 {
				b.ReportMetric(float64(l.MACsPerIter)*iters*float64(b.N)/1e9/(c1-c0).Seconds(), "GMAC/s")
			}
		})
	}
}

// BenchmarkPeakParallel runs each loop on GOMAXPROCS goroutines at once
// and reports their summed rate over the wall clock, and x-one: that sum
// over one goroutine's wall-clock rate measured just before. It is the
// ceiling of what threads can give a kernel bound by the dot-product
// instruction: on a VM whose vCPUs are hyperthreads of one core, x-one
// stays near 1 and a model running near peak cannot scale, while one
// bound by latency or memory can.
func BenchmarkPeakParallel(b *testing.B) {
	var src peak.Source
	for i := range src {
		src[i] = byte(i*37 + 11)
	}
	const iters = 1 << 14
	for _, l := range peak.Loops() {
		b.Run(l.Name, func(b *testing.B) {
			if !l.Available {
				b.Skipf("%s: not available on this CPU", l.Name)
			}
			// One goroutine's wall-clock rate, the best of three 20 ms runs.
			one := 0.0
			for range 3 {
				var out peak.Lanes
				n := 0
				t0 := time.Now()
				for time.Since(t0) < 20*time.Millisecond {
					l.Run(iters, &src, &out)
					n++
				}
				one = max(one, float64(l.MACsPerIter)*iters*float64(n)/1e9/time.Since(t0).Seconds())
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var out peak.Lanes
				for pb.Next() {
					l.Run(iters, &src, &out)
				}
			})
			b.StopTimer()
			all := float64(l.MACsPerIter) * iters * float64(b.N) / 1e9 / b.Elapsed().Seconds()
			b.ReportMetric(all, "GMAC/s")
			b.ReportMetric(all/one, "x-one")
		})
	}
}
