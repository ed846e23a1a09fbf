package asm

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// PackInto lays a strided matrix out exactly as PackMatrix lays out its
// row-major copy (every implementation, available here or not: packing
// is plain Go), the row sums are the rows' sums, nothing is written past
// PackedBytes, and Gemm with the result gives the reference's bytes.
func TestPackIntoMatchesPackMatrix(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 2))
	for _, impl := range All() {
		t.Run(impl.Name, func(t *testing.T) {
			for iter := 0; iter < 60; iter++ {
				n, k := 1+r.IntN(70), 1+r.IntN(70)
				if iter < 6 {
					n, k = 1+iter, 17+iter
				}
				trans := iter%2 == 1 // element (c, x) at x·n + c
				cs, ks := k, 1
				if trans {
					cs, ks = 1, n
				}
				src := make([]int8, n*k)
				for i := range src {
					src[i] = int8(r.IntN(256) - 128)
				}
				w := make([]int8, n*k) // row-major copy
				want := make([]int32, n)
				for c := 0; c < n; c++ {
					for x := 0; x < k; x++ {
						w[c*k+x] = src[c*cs+x*ks]
						want[c] += int32(w[c*k+x])
					}
				}
				ref := impl.PackMatrix(w, n, k)
				size := impl.PackedBytes(n, k)
				buf := make([]int8, size+16)
				for i := range buf {
					buf[i] = 0x5a // garbage the packing must overwrite or leave past size
				}
				sums := make([]int32, n+1)
				sums[n] = 7
				var p PackedMatrix
				impl.PackInto(&p, buf, sums, src, cs, ks, n, k)
				if p.N != n || p.K != k || !slices.Equal(p.Data, ref.Data) {
					t.Fatalf("%dx%d (transposed %v): packed %d bytes differ from PackMatrix's %d", n, k, trans, len(p.Data), len(ref.Data))
				}
				if ref.RowSums != nil && !slices.Equal(p.RowSums, ref.RowSums) {
					t.Fatalf("%dx%d: RowSums %v, PackMatrix's %v", n, k, p.RowSums, ref.RowSums)
				}
				if !slices.Equal(sums[:n], want) || sums[n] != 7 {
					t.Fatalf("%dx%d: row sums %v, want %v (and the slot after untouched)", n, k, sums, want)
				}
				for _, g := range buf[size:] {
					if g != 0x5a {
						t.Fatalf("%dx%d: wrote past PackedBytes %d", n, k, size)
					}
				}
				if !impl.Available {
					continue
				}
				m := 1 + r.IntN(9)
				a := make([]int8, m*k)
				for i := range a {
					a[i] = int8(r.IntN(256) - 128)
				}
				e := randEpilogue(r, n)
				got, exp := make([]int8, m*n), make([]int8, m*n)
				impl.Gemm(a, k, m, &p, e, got, n)
				gemmRef(a, k, m, w, n, k, e, exp, n, nil)
				if !slices.Equal(got, exp) {
					t.Fatalf("%dx%d, %d rows: Gemm with the PackInto matrix differs from the reference", n, k, m)
				}
			}
			if n := testing.AllocsPerRun(5, func() {
				var p PackedMatrix
				impl.PackInto(&p, packBuf, packSums, packSrc, 4, 1, 3, 4)
				impl.PackInto(&p, packBuf, packSums, packSrc, 1, 3, 3, 4) // columns contiguous
			}); n != 0 {
				t.Errorf("PackInto allocates %v times", n)
			}
		})
	}
}

var (
	packBuf  = make([]int8, 4096)
	packSums = make([]int32, 3)
	packSrc  = make([]int8, 12)
)
