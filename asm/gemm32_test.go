package asm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// guarded32 returns a buffer of n int32 filled with a guard value, with g
// guards before and after, and the n-value window inside it.
func guarded32(n, g int) (all, window []int32) {
	all = make([]int32, n+2*g)
	for i := range all {
		all[i] = guard32
	}
	return all, all[g : g+n : g+n]
}

const guard32 = 0x5a5a5a5a

// checkGemm32 runs GemmInt32 of impl on one shape (rows at strides lda =
// k + padA, ldo = n + padO) and compares every output with gemm32Ref and
// every value around and between the output rows with the guard.
func checkGemm32(t *testing.T, impl *Impl, r *rand.Rand, m, n, k, padA, padO, mode int) {
	t.Helper()
	lda, ldo := k+padA, n+padO
	w := make([]int8, n*k)
	fillInt8(r, w, mode)
	aAll, a := guarded(max(m*lda, 1), 64)
	fillInt8(r, a[:m*lda], (mode+1)%5)
	pm := impl.PackMatrix(w, n, k)
	const g = 37
	size := max((m-1)*ldo+n, 0)
	allGot, got := guarded32(size, g)
	want := make([]int32, size)
	for i := range want {
		want[i] = guard32
	}
	gemm32Ref(a, lda, m, w, n, k, want, ldo)
	impl.GemmInt32(a, lda, m, pm, got, ldo)
	for i := 0; i < g; i++ {
		if allGot[i] != guard32 || allGot[len(allGot)-1-i] != guard32 {
			t.Fatalf("m=%d n=%d k=%d: wrote outside out", m, n, k)
		}
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("m=%d n=%d k=%d lda=%d ldo=%d mode=%d: out[%d] (row %d col %d) = %d, want %d",
				m, n, k, lda, ldo, mode, i, i/ldo, i%ldo, got[i], want[i])
		}
	}
	for i, v := range aAll {
		if i < 64 || i >= len(aAll)-64 {
			if v != guardByte {
				t.Fatalf("m=%d n=%d k=%d: a's guard changed", m, n, k)
			}
		}
	}
}

func TestGemmInt32Shapes(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(32, 1))
		ms := []int{1, 2, 3, 4, 5, 6, 7, 8, 13, 17, 19, 32}
		ns := []int{1, 3, 4, 15, 16, 17, 31, 32, 33, 47, 48, 49, 64, 95, 97, 320}
		ks := []int{1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 80, 257}
		for _, m := range ms {
			for _, n := range ns {
				for _, k := range ks {
					checkGemm32(t, impl, r, m, n, k, r.IntN(3)*5, r.IntN(2)*3, r.IntN(5))
				}
			}
		}
	})
}

// TestGemmInt32KBlocks covers the depths around the generic kernel's K
// block (512) and the AVX2 kernel's widening chunk (256), with rows of
// extremes (the largest sums).
func TestGemmInt32KBlocks(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(32, 2))
		for _, k := range []int{255, 256, 257, 511, 512, 513, 1023, 1025, 2049} {
			for _, m := range []int{1, 2, 5, 6, 7, 12} {
				for _, n := range []int{1, 17, 48, 50} {
					for _, mode := range []int{0, 1, 2, 3} {
						checkGemm32(t, impl, r, m, n, k, r.IntN(2), r.IntN(2), mode)
					}
				}
			}
		}
	})
}

// TestGemmInt32Wraps: sums beyond int32 wrap as TFLite's accumulators do
// (−128·−128 over 2^17 + 3 depths is 2^31 + 3·2^14).
func TestGemmInt32Wraps(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(32, 3))
		for _, m := range []int{1, 2, 3, 7} {
			checkGemm32(t, impl, r, m, 19, 1<<17+3, 0, 0, 2)
		}
	})
}

// TestGemmInt32Empty: zero rows write nothing, zero depth writes zeros.
func TestGemmInt32Empty(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		pm := impl.PackMatrix(make([]int8, 4*3), 4, 3)
		out := []int32{7}
		impl.GemmInt32(nil, 3, 0, pm, out, 4)
		if out[0] != 7 {
			t.Fatal("m = 0 wrote")
		}
		pz := impl.PackMatrix(nil, 5, 0)
		out = []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
		impl.GemmInt32(nil, 0, 2, pz, out, 6)
		want := []int32{0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 12}
		if fmt.Sprint(out) != fmt.Sprint(want) {
			t.Fatalf("K = 0: %v, want %v", out, want)
		}
	})
}

// TestGemmInt32OtherImplPanics: a matrix packed by another Impl is a
// programming error.
func TestGemmInt32OtherImplPanics(t *testing.T) {
	all := All()
	if len(all) < 2 {
		t.Skip("one implementation")
	}
	pm := all[0].PackMatrix([]int8{1}, 1, 1)
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	all[1].GemmInt32([]int8{1}, 1, 1, pm, make([]int32, 1), 1)
}
