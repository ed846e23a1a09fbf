package asm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// timeDotCase is one state row layout: filters x memory, weights and
// offsets, with a random fill mode (uniform, the int16 extremes only, or
// -32768 everywhere: VPMADDWD's one overflowing pair).
type timeDotCase struct {
	filters, memory int
	w, off          []int32
}

func newTimeDotCase(r *rand.Rand, filters, memory, mode int) timeDotCase {
	c := timeDotCase{filters: filters, memory: memory, w: make([]int32, filters*memory), off: make([]int32, filters)}
	for i := range c.w {
		c.w[i] = int32(int16(r.Uint32()))
		switch mode {
		case 1:
			c.w[i] = []int32{-1 << 15, 1<<15 - 1}[r.IntN(2)]
		case 2:
			c.w[i] = -1 << 15
		}
	}
	for i := range c.off {
		c.off[i] = int32(r.Uint32())
	}
	return c
}

// fillState fills s by mode (as newTimeDotCase) with lo and hi its type's
// extremes.
func fillState[S int8 | int16](r *rand.Rand, s []S, mode int, lo, hi S) {
	for i := range s {
		switch mode {
		case 0:
			s[i] = S(r.Uint32())
		case 1:
			s[i] = []S{lo, hi}[r.IntN(2)]
		case 2:
			s[i] = lo
		}
	}
}

// TestTimeDots: every implementation against the definition, for memory
// 1..40 (each chunk count and partial chunk) and more, filter counts
// around the groups of four, the state row last in its slice (the last
// filters' padded reads would pass its end: the Go code takes them) or
// followed by more rows; int16 and int8 states; nothing past t[filters-1]
// written.
func TestTimeDots(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(91, 92))
		mems := []int{64, 100}
		for m := 1; m <= 40; m++ {
			mems = append(mems, m)
		}
		for _, memory := range mems {
			for _, filters := range []int{1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 64} {
				for mode := 0; mode < 3; mode++ {
					c := newTimeDotCase(r, filters, memory, mode)
					tw := NewTimeWeights(c.w, filters, memory, c.off)
					extra := []int{0, memory * filters}[r.IntN(2)] // a later batch row
					s16 := make([]int16, filters*memory+extra)
					s8 := make([]int8, filters*memory+extra)
					fillState(r, s16, mode, -1<<15, 1<<15-1)
					fillState(r, s8, mode, -128, 127)
					want := make([]int32, filters)
					got := make([]int32, filters+1)
					timeDotsRef(c.w, filters, memory, c.off, s16, want)
					got[filters] = 12345
					impl.TimeDots16(tw, s16, got)
					checkTimeDots(t, "int16", filters, memory, extra, got, want)
					timeDotsRef(c.w, filters, memory, c.off, s8, want)
					impl.TimeDots8(tw, s8, got)
					checkTimeDots(t, "int8", filters, memory, extra, got, want)
				}
			}
		}
	})
}

func checkTimeDots(t *testing.T, what string, filters, memory, extra int, got, want []int32) {
	t.Helper()
	for f := range want {
		if got[f] != want[f] {
			t.Fatalf("%s %d filters x %d (+%d): t[%d] = %d, want %d", what, filters, memory, extra, f, got[f], want[f])
		}
	}
	if got[filters] != 12345 {
		t.Fatalf("%s %d filters x %d: wrote past t", what, filters, memory)
	}
}

// TestTimeDotsOverflow: the sums wrap as the definition's int32 sums do,
// including pairs of (-32768)² products (2^31 in int32 wraps): 64 values of
// -32768 against weights of -32768 sum to 2^36 ≡ 0.
func TestTimeDotsOverflow(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		const filters, memory = 8, 64
		w := make([]int32, filters*memory)
		s := make([]int16, filters*memory)
		for i := range w {
			w[i], s[i] = -1<<15, -1<<15
		}
		w[3] = 1 // filter 0: 63 products of 2^30 and -32768: −2^15 + 63·2^30 wraps
		tw := NewTimeWeights(w, filters, memory, make([]int32, filters))
		got := make([]int32, filters)
		impl.TimeDots16(tw, s, got)
		var f0 int32 = -1 << 15
		for i := 0; i < 63; i++ {
			f0 += 1 << 30
		}
		if got[0] != f0 || got[1] != 0 {
			t.Fatalf("t[0] = %d, t[1] = %d; want %d, 0", got[0], got[1], f0)
		}
	})
}

func TestNewTimeWeightsRejects(t *testing.T) {
	for _, tc := range []struct {
		name            string
		w               []int32
		filters, memory int
		off             []int32
	}{
		{"short weights", make([]int32, 3), 2, 2, make([]int32, 2)},
		{"no filters", nil, 0, 2, nil},
		{"weight outside int16", []int32{1 << 15}, 1, 1, []int32{0}},
		{"offsets", make([]int32, 4), 2, 2, make([]int32, 1)},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			NewTimeWeights(tc.w, tc.filters, tc.memory, tc.off)
		}()
	}
}

// BenchmarkTimeDots: the keyword-spotting SVDFs' time steps (64 filters
// of memory 8, 32 of memory 32), int16 state, per implementation.
func BenchmarkTimeDots(b *testing.B) {
	for _, sh := range [][2]int{{64, 8}, {32, 32}} {
		filters, memory := sh[0], sh[1]
		r := rand.New(rand.NewPCG(95, 96))
		c := newTimeDotCase(r, filters, memory, 0)
		tw := NewTimeWeights(c.w, filters, memory, c.off)
		s := make([]int16, filters*memory)
		fillState(r, s, 0, -1<<15, 1<<15-1)
		t := make([]int32, filters)
		for _, impl := range All() {
			if !impl.Available {
				continue
			}
			b.Run(fmt.Sprintf("f%d-m%d/%s", filters, memory, impl.Name), func(b *testing.B) {
				for b.Loop() {
					impl.TimeDots16(tw, s, t)
				}
			})
		}
	}
}
