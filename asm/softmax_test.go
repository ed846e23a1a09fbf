package asm

import (
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/dyadic"
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

// softmaxOut8Ref is SoftmaxOut8 from TFLite's pieces: SRDHM, then the
// rounding shift (for exponents past 31, where TFLite's int32 version
// does not apply, the same rounding: half away from zero of a
// non-negative value, in int64), then the −128 offset and the clamp.
func softmaxOut8Ref(recip, e int32, exponent int) int8 {
	prod := dyadic.SaturatingRoundingDoublingHighMul(recip, e)
	var q int64
	if exponent <= 31 {
		q = int64(dyadic.RoundingDivideByPOT(prod, int32(exponent)))
	} else {
		q = (int64(prod) + 1<<(exponent-1)) >> exponent
	}
	return int8(min(q-128, 127))
}

// TestSoftmaxTable8AllImplementations: every implementation's table
// equals the reference's entries over [lo, top] (the rest are free) for
// random and extreme exponential tables, reciprocals from 0 to 2^31 − 1
// (one at a rounding tie), every exponent 0..55, and ranges of one value,
// the full byte range and random ones (top at 127 and −128 too); and a
// prepared table looks up as it reads.
func TestSoftmaxTable8AllImplementations(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		for trial := range 400 {
			var acc [256]int32
			for i := range acc {
				switch trial % 4 {
				case 0:
					acc[i] = r.Int32N(1<<31 - 1)
				case 1:
					acc[i] = 1<<31 - 1
				case 2:
					acc[i] = int32(r.IntN(1 << 24))
				default:
					acc[i] = int32(r.IntN(3)) << 29
				}
			}
			e, err := NewSoftmaxOutExp(&acc)
			if err != nil {
				t.Fatal(err)
			}
			recip := []int32{0, 1, 1 << 30, 1<<31 - 1, r.Int32N(1<<31 - 1)}[r.IntN(5)]
			exponent := trial % 56
			a, b := int8(r.IntN(256)-128), int8(r.IntN(256)-128)
			lo, top := min(a, b), max(a, b)
			switch trial % 5 {
			case 1:
				lo, top = -128, 127
			case 2:
				lo = top
			case 3:
				top = 127
			case 4:
				lo, top = -128, -128
			}
			var p Table8
			for i := range p.t {
				p.t[i] = int8(r.IntN(256)) // garbage the kernels overwrite
			}
			impl.SoftmaxTable8(&p, e, lo, top, recip, exponent)
			var want [256]int8
			for x := int(lo); x <= int(top); x++ {
				w := softmaxOut8Ref(recip, acc[int(top)-x], exponent)
				if got := p.t[uint8(x)]; got != w {
					t.Fatalf("trial %d: [%d, %d] recip %d exponent %d: entry %d = %d, want %d", trial, lo, top, recip, exponent, x, got, w)
				}
				want[uint8(x)] = w
			}
			// The table is prepared: Lookup8 maps through it.
			in := make([]int8, 0, 300)
			for range 300 {
				in = append(in, int8(int(lo)+r.IntN(int(top)-int(lo)+1)))
			}
			out := make([]int8, len(in))
			impl.Lookup8(out, in, &p)
			for i, x := range in {
				if out[i] != want[uint8(x)] {
					t.Fatalf("trial %d: Lookup8 of %d = %d, want %d", trial, x, out[i], want[uint8(x)])
				}
			}
		}
	})
}

// TestSoftmaxTable8Rejects: the documented argument checks panic, and a
// negative exponential is refused.
func TestSoftmaxTable8Rejects(t *testing.T) {
	var acc [256]int32
	e, _ := NewSoftmaxOutExp(&acc)
	acc[7] = -1
	if _, err := NewSoftmaxOutExp(&acc); err == nil {
		t.Error("NewSoftmaxOutExp took a negative value")
	}
	for _, c := range []struct {
		lo, top int8
		recip   int32
		exp     int
	}{{1, 0, 1, 0}, {0, 0, -1, 0}, {0, 0, 1, -1}, {0, 0, 1, 56}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v: no panic", c)
				}
			}()
			Selected().SoftmaxTable8(new(Table8), e, c.lo, c.top, c.recip, c.exp)
		}()
	}
}
