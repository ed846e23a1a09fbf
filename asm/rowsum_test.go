package asm

import (
	"math/rand/v2"
	"testing"
)

// TestRowTermSums: every row length up to 300 (each kernel path and every
// tail) and some long ones, strides with junk between the rows, extreme
// values and filter offsets, on every implementation against the
// definition; bytes around the rows (guards) and between them must not be
// counted, and nothing past rt[n-1] written.
func TestRowTermSums(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(71, 72))
		fs := []int32{-128, -127, -10, -1, 1, 7, 127, 128, 255}
		ks := []int{0}
		for k := 1; k <= 300; k++ {
			ks = append(ks, k)
		}
		ks = append(ks, 511, 1000, 4099, 70001)
		for _, k := range ks {
			for mode := 0; mode < 3; mode++ {
				n, lda := 1+r.IntN(7), k+r.IntN(40)
				if k > 1000 {
					n = 1 + r.IntN(2)
				}
				all, a := guarded((n-1)*lda+k, 64)
				for i := range a {
					switch mode {
					case 0:
						a[i] = int8(r.Uint32())
					case 1:
						a[i] = -128
					case 2:
						a[i] = 127
					}
				}
				for row := 0; row < n-1; row++ {
					for i := row*lda + k; i < (row+1)*lda; i++ {
						a[i] = int8(r.Uint32()) // junk between rows
					}
				}
				f := fs[r.IntN(len(fs))]
				rt := make([]int32, n+1)
				rt[n] = 12345
				want := make([]int32, n)
				rowTermSumsRef(a, lda, n, k, f, want)
				impl.RowTermSums(a, lda, n, k, f, rt)
				for i := range want {
					if rt[i] != want[i] {
						t.Fatalf("k=%d lda=%d mode %d f=%d row %d: %d, want %d", k, lda, mode, f, i, rt[i], want[i])
					}
				}
				if rt[n] != 12345 {
					t.Fatalf("k=%d: wrote rt[n]", k)
				}
				for i := range all[:64] {
					if all[i] != guardByte || all[len(all)-1-i] != guardByte {
						t.Fatalf("k=%d: guard changed", k)
					}
				}
			}
		}
	})
}

// TestRowTermSumsContiguous: rows packed one after the other (lda = k, a
// pointwise convolution's pixels; amd64 has blocked paths for k = 8 and
// 16), every row count around the blocks, every implementation against
// the definition, nothing past rt[n-1] written, guards untouched.
func TestRowTermSumsContiguous(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(77, 78))
		for _, k := range []int{7, 8, 9, 15, 16, 17, 24, 32} {
			for n := 1; n <= 21; n++ {
				for mode := 0; mode < 3; mode++ {
					all, a := guarded(n*k, 64)
					for i := range a {
						a[i] = []int8{int8(r.Uint32()), -128, 127}[mode]
					}
					f := []int32{-128, -127, -3, 1, 127, 128, 255}[r.IntN(7)]
					rt := make([]int32, n+1)
					rt[n] = 777
					want := make([]int32, n)
					rowTermSumsRef(a, k, n, k, f, want)
					impl.RowTermSums(a, k, n, k, f, rt)
					for i := range want {
						if rt[i] != want[i] {
							t.Fatalf("k=%d n=%d mode %d f=%d row %d: %d, want %d", k, n, mode, f, i, rt[i], want[i])
						}
					}
					if rt[n] != 777 {
						t.Fatalf("k=%d n=%d: wrote rt[n]", k, n)
					}
					for i := range all[:64] {
						if all[i] != guardByte || all[len(all)-1-i] != guardByte {
							t.Fatalf("k=%d n=%d: guard changed", k, n)
						}
					}
				}
			}
		}
	})
}

// TestRowTermSumsGeneric: the generic loops (both, every tail) against the
// definition, whatever kernel the Impls use.
func TestRowTermSumsGeneric(t *testing.T) {
	r := rand.New(rand.NewPCG(73, 74))
	for k := 1; k <= 300; k++ {
		n, lda := 1+r.IntN(5), k+r.IntN(3)
		a := make([]int8, (n-1)*lda+k)
		for i := range a {
			a[i] = int8(r.Uint32())
		}
		got, want := make([]int32, n), make([]int32, n)
		rowTermSumsGo(a, lda, n, k, -127, got)
		rowTermSumsRef(a, lda, n, k, -127, want)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("k=%d row %d: %d, want %d", k, i, got[i], want[i])
			}
		}
	}
	big := make([]int8, 70001)
	for i := range big {
		big[i] = -128
	}
	if got, want := sumInt8Fast(big), int32(-128*70001); got != want {
		t.Fatalf("sumInt8Fast of 70001 × -128: %d, want %d", got, want)
	}
}
