package asm

import (
	"math/rand/v2"
	"testing"
)

// TestRequant16 checks Requant16 on every implementation against its
// definition: sums anywhere in int32, offsets anywhere in int64 (the
// 64-bit sum wraps), every multiplier and shift allowed, guard values
// around the output.
func TestRequant16(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(15, 16))
		for iter := 0; iter < 300; iter++ {
			n := 1 + r.IntN(50)
			red, off, total := make([]int64, n), make([]int64, n), make([]uint, n)
			for c := 0; c < n; c++ {
				red[c] = int64(r.IntN(1 << 15))
				if r.IntN(4) == 0 {
					red[c] = []int64{0, 1, 0x7FFF}[r.IntN(3)]
				}
				total[c] = uint(1 + r.IntN(46))
				off[c] = int64(r.Uint64()) >> r.IntN(64)
			}
			lo, hi := int32(-32768), int32(32767)
			if r.IntN(2) == 0 {
				lo, hi = int32(r.IntN(1000))-1000, int32(r.IntN(1000))
			}
			acc := make([]int32, n)
			for c := range acc {
				acc[c] = int32(r.Uint32()) >> r.IntN(32)
				if r.IntN(8) == 0 {
					acc[c] = []int32{-1 << 31, 1<<31 - 1, 0, -1}[r.IntN(4)]
				}
			}
			q := NewRequant16(red, off, total, lo, hi)
			const g = 7
			all := make([]int16, n+2*g)
			for i := range all {
				all[i] = 0x5a5a
			}
			impl.Requant16(acc, q, all[g:g+n])
			for i := range all {
				if (i < g || i >= g+n) && all[i] != 0x5a5a {
					t.Fatalf("n=%d: wrote outside the output at %d", n, i-g)
				}
			}
			for c := 0; c < n; c++ {
				x := int32((int64(acc[c])*red[c] + off[c]) >> total[c])
				want := int16(min(max(x, lo), hi))
				if got := all[g+c]; got != want {
					t.Fatalf("iter %d n=%d channel %d: acc %d red %d off %d total %d: %d, want %d",
						iter, n, c, acc[c], red[c], off[c], total[c], got, want)
				}
			}
		}
	})
}

// TestRequant16Rows: rows of channels back to back, against Requant16 row
// by row (channel counts with and without a tail of c mod 8).
func TestRequant16Rows(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(17, 18))
		for iter := 0; iter < 100; iter++ {
			n, rows := 1+r.IntN(40), 1+r.IntN(6)
			if iter%2 == 0 {
				n = 8 * (1 + r.IntN(5))
			}
			red, off, total := make([]int64, n), make([]int64, n), make([]uint, n)
			for c := 0; c < n; c++ {
				red[c], total[c], off[c] = int64(r.IntN(1<<15)), uint(1+r.IntN(46)), int64(r.Uint64())>>r.IntN(64)
			}
			q := NewRequant16(red, off, total, -30000, 30000)
			acc := make([]int32, rows*n)
			for i := range acc {
				acc[i] = int32(r.Uint32()) >> r.IntN(32)
			}
			got := make([]int16, rows*n+3)
			got[rows*n], got[rows*n+1], got[rows*n+2] = 0x5a5a, 0x5a5a, 0x5a5a
			impl.Requant16Rows(acc, q, got, rows)
			for i := 0; i < 3; i++ {
				if got[rows*n+i] != 0x5a5a {
					t.Fatalf("n=%d rows=%d: wrote past the output", n, rows)
				}
			}
			want := make([]int16, n)
			for i := 0; i < rows; i++ {
				impl.Requant16(acc[i*n:][:n], q, want)
				for c := 0; c < n; c++ {
					x := int32((int64(acc[i*n+c])*red[c] + off[c]) >> total[c])
					if w := int16(min(max(x, -30000), 30000)); got[i*n+c] != w || want[c] != w {
						t.Fatalf("n=%d rows=%d: row %d channel %d = %d (one row: %d), want %d", n, rows, i, c, got[i*n+c], want[c], w)
					}
				}
			}
		}
	})
}
