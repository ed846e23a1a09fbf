package asm

import (
	"math/rand/v2"
	"testing"
)

// TestMinMaxInt8AllImplementations: every implementation finds the
// reference's minimum and maximum for rows of every length 1..300, with
// the extremes anywhere (first, last, in the tail after the vectors), and
// for constant rows.
func TestMinMaxInt8AllImplementations(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		for n := 1; n <= 300; n++ {
			for trial := range 4 {
				row := make([]int8, n)
				for i := range row {
					row[i] = int8(r.IntN(101) - 50)
				}
				switch trial {
				case 1:
					row[n-1], row[0] = 127, -128
				case 2:
					row[r.IntN(n)] = int8(60 + r.IntN(60))
					row[r.IntN(n)] = int8(-60 - r.IntN(60))
				case 3:
					for i := range row {
						row[i] = -128
					}
				}
				lo, hi := impl.MinMaxInt8(row)
				wlo, whi := minMax8Ref(row)
				if lo != wlo || hi != whi {
					t.Fatalf("%s n %d trial %d: got (%d, %d), want (%d, %d)", impl.Name, n, trial, lo, hi, wlo, whi)
				}
			}
		}
	})
}

// TestSumTableAllImplementations: every implementation sums the
// reference's Σ acc[top − x] for random tables with entries up to
// 2^24 − 1 (every byte plane in use), rows of every length 1..300 and
// several longer ones, top the row's maximum or any value (indices wrap
// modulo 256).
func TestSumTableAllImplementations(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var tabs [][256]int32
	for range 3 {
		var a [256]int32
		for i := range a {
			a[i] = int32(r.IntN(1 << 24))
		}
		tabs = append(tabs, a)
	}
	var full [256]int32
	for i := range full {
		full[i] = 1<<24 - 1
	}
	tabs = append(tabs, full)
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		for ti := range tabs {
			e, err := NewSoftmaxExp(&tabs[ti])
			if err != nil {
				t.Fatal(err)
			}
			lengths := []int{1000, 4096, 5003}
			for n := 1; n <= 300; n++ {
				lengths = append(lengths, n)
			}
			for _, n := range lengths {
				row := make([]int8, n)
				for i := range row {
					row[i] = int8(r.IntN(256))
				}
				_, hi := minMax8Ref(row)
				for _, top := range []int8{hi, int8(r.IntN(256))} {
					got, want := impl.SumTable(row, top, e), sumTableRef(row, top, &tabs[ti])
					if got != want {
						t.Fatalf("%s table %d n %d top %d: got %d, want %d", impl.Name, ti, n, top, got, want)
					}
				}
			}
		}
	})
}

// TestNewSoftmaxExpRejects: entries outside [0, 2^24) are errors.
func TestNewSoftmaxExpRejects(t *testing.T) {
	for _, v := range []int32{-1, 1 << 24, 1<<31 - 1} {
		var a [256]int32
		a[17] = v
		if _, err := NewSoftmaxExp(&a); err == nil {
			t.Errorf("entry %d accepted", v)
		}
	}
}

// TestSumTableLongRow: a row past 2^20 values (arm64 sums in chunks of at
// most 2^20) with every entry at its largest.
func TestSumTableLongRow(t *testing.T) {
	var a [256]int32
	for i := range a {
		a[i] = 1<<24 - 1 - int32(i)
	}
	e, err := NewSoftmaxExp(&a)
	if err != nil {
		t.Fatal(err)
	}
	row := make([]int8, 1<<20+53)
	for i := range row {
		row[i] = int8(i * 7)
	}
	want := sumTableRef(row, 127, &a)
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		if got := impl.SumTable(row, 127, e); got != want {
			t.Fatalf("%s: got %d, want %d", impl.Name, got, want)
		}
	})
}
