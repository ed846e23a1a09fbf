package ops

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRequantRowMatchesRequant: the precomputed 64-bit epilogue
// (wideConsts, requantRow, requantRow32) gives out16.requant's values for
// sums anywhere in int64 (wrapping included), every shift the prepare
// accepts and multipliers up to INT32_MAX; the narrow (int32 bias) form
// falls back to requant.
func TestRequantRowMatchesRequant(t *testing.T) {
	r := rand.New(rand.NewPCG(64, 16))
	for iter := 0; iter < 200; iter++ {
		n := 1 + r.IntN(20)
		q := &out16{wide: iter%4 != 0, lo: int32(r.IntN(100)) - 32768, hi: 32767 - int32(r.IntN(100)),
			mult: make([]int32, n), shift: make([]int32, n), bias64: make([]int64, n), bias32: make([]int32, n)}
		for c := 0; c < n; c++ {
			q.mult[c] = int32(r.Uint32() >> 1)
			if r.IntN(5) == 0 {
				q.mult[c] = []int32{0, math.MaxInt32, 0x7FFF0000, 0x7FFEFFFF}[r.IntN(4)]
			}
			q.shift[c] = int32(r.IntN(46)) - 31
			q.bias64[c] = int64(r.Uint64()) >> r.IntN(64)
			q.bias32[c] = int32(r.Uint32()) >> r.IntN(32)
		}
		w := q.wideConsts()
		if (w != nil) != q.wide {
			t.Fatalf("wideConsts nil = %v for wide %v", w == nil, q.wide)
		}
		acc := make([]int64, n)
		acc32 := make([]int32, n)
		for c := range acc {
			acc[c] = int64(r.Uint64()) >> r.IntN(64)
			acc32[c] = int32(r.Uint32()) >> r.IntN(32)
		}
		got, got32 := make([]int16, n), make([]int16, n)
		q.requantRow(w, acc, got)
		q.requantRow32(w, acc32, got32)
		for c := range acc {
			if want := q.requant(acc[c], c); got[c] != want {
				t.Fatalf("iter %d channel %d (wide %v, mult %d, shift %d, bias %d): acc %d gives %d, want %d",
					iter, c, q.wide, q.mult[c], q.shift[c], q.bias64[c], acc[c], got[c], want)
			}
			if want := q.requant(int64(acc32[c]), c); got32[c] != want {
				t.Fatalf("iter %d channel %d: int32 acc %d gives %d, want %d", iter, c, acc32[c], got32[c], want)
			}
		}
	}
}
