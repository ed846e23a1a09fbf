package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/dyadic"
)

// TestRescalerMatchesDyadic: the LSTM's branch-free rescale equals
// dyadic.MultiplyByQuantizedMultiplier for every multiplier >= 0 and
// shift in [-31, 30], on edge and random values.
func TestRescalerMatchesDyadic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	xs := []int32{0, 1, -1, 2, -2, 3, -3, math.MaxInt32, math.MinInt32, math.MaxInt32 - 1, math.MinInt32 + 1,
		1 << 30, -(1 << 30), 1<<15 - 1, -(1 << 15), 12345, -12345}
	ms := []int32{0, 1, math.MaxInt32, 1 << 30, 1<<30 + 1, math.MaxInt32 - 1}
	for i := 0; i < 40; i++ {
		ms = append(ms, int32(r.Uint32()>>1))
	}
	for shift := int32(-31); shift <= 30; shift++ {
		for _, m := range ms {
			q := newRescaler(m, shift)
			check := func(x int32) {
				if got, want := q.apply(x), dyadic.MultiplyByQuantizedMultiplier(x, m, shift); got != want {
					t.Fatalf("x=%d m=%d shift=%d: %d, want %d", x, m, shift, got, want)
				}
			}
			for _, x := range xs {
				check(x)
			}
			for i := 0; i < 200; i++ {
				x := int32(r.Uint32())
				if i%2 == 0 {
					x >>= r.IntN(31)
				}
				check(x)
			}
			// Ties of the final rounding: multiples of half the divisor.
			if shift < 0 {
				for k := int32(-3); k <= 3; k++ {
					check(k<<(-shift-1) | 1)
				}
			}
		}
	}
}
