package asm

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// testTables are tables that catch a wrong slice, a wrong half or a
// broken telescoping of Table8.diff: random ones, the identity, a
// negation, and one whose every 16-entry slice is a different constant.
func testTables() [][256]int8 {
	var ts [][256]int8
	r := rand.New(rand.NewPCG(7, 8))
	for range 4 {
		var t [256]int8
		for i := range t {
			t[i] = int8(r.IntN(256))
		}
		ts = append(ts, t)
	}
	var id, neg, slice [256]int8
	for i := range 256 {
		id[i], neg[i], slice[i] = int8(i), int8(^i), int8(i/16*17+3)
	}
	return append(ts, id, neg, slice)
}

// TestLookup8AllImplementations: every implementation maps every byte
// value exactly as the reference does, for every length 1..300 (around
// the 16-, 32-, 64- and 128-byte steps) at unaligned offsets, and writes
// no byte outside the output (guard bytes).
func TestLookup8AllImplementations(t *testing.T) {
	const guard = 64
	r := rand.New(rand.NewPCG(1, 2))
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		for ti, tab := range testTables() {
			p := NewTable8(&tab)
			// All 256 values, in order and shuffled.
			all := make([]int8, 256)
			for i := range all {
				all[i] = int8(i)
			}
			for _, in := range [][]int8{all, shuffled(r, all)} {
				got, want := make([]int8, 256), make([]int8, 256)
				lookup8Ref(want, in, &tab)
				impl.Lookup8(got, in, p)
				if !bytes.Equal(asBytes(got), asBytes(want)) {
					t.Fatalf("%s table %d: all byte values: got %v, want %v", impl.Name, ti, got, want)
				}
			}
			for n := 1; n <= 300; n++ {
				off := n % 7
				src := make([]int8, off+n)
				for i := range src {
					src[i] = int8(r.IntN(256))
				}
				in := src[off:]
				o := guard + off%3 // another misalignment, of the output
				want := make([]int8, o+n+guard)
				for i := range want {
					want[i] = 0x5a
				}
				got := append([]int8(nil), want...)
				lookup8Ref(want[o:o+n], in, &tab)
				impl.Lookup8(got[o:o+n], in, p)
				if !bytes.Equal(asBytes(got), asBytes(want)) {
					t.Fatalf("%s table %d n %d: output differs (or wrote outside it)", impl.Name, ti, n)
				}
				// In place.
				buf := append([]int8(nil), in...)
				impl.Lookup8(buf, buf, p)
				if !bytes.Equal(asBytes(buf), asBytes(want[o:o+n])) {
					t.Fatalf("%s table %d n %d: in place differs", impl.Name, ti, n)
				}
			}
		}
	})
}

func shuffled(r *rand.Rand, s []int8) []int8 {
	c := append([]int8(nil), s...)
	r.Shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
	return c
}

// TestLookup8GuardSimple: a plain guard check without any shuffling of the
// output: bytes before and after the output stay as they were.
func TestLookup8GuardSimple(t *testing.T) {
	tab := testTables()[0]
	p := NewTable8(&tab)
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		for n := 1; n <= 200; n++ {
			in := make([]int8, n)
			for i := range in {
				in[i] = int8(i * 37)
			}
			buf := make([]int8, 64+n+64)
			for i := range buf {
				buf[i] = 0x33
			}
			impl.Lookup8(buf[64:64+n], in, p)
			for i := range 64 {
				if buf[i] != 0x33 || buf[64+n+i] != 0x33 {
					t.Fatalf("%s n %d: wrote a guard byte", impl.Name, n)
				}
			}
			for i, x := range in {
				if buf[64+i] != tab[uint8(x)] {
					t.Fatalf("%s n %d: element %d = %d, want %d", impl.Name, n, i, buf[64+i], tab[uint8(x)])
				}
			}
		}
	})
}

// TestLookup8ChecksLengths: unequal lengths panic before any memory is
// touched.
func TestLookup8ChecksLengths(t *testing.T) {
	var tab [256]int8
	p := NewTable8(&tab)
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		defer func() {
			if recover() == nil {
				t.Errorf("%s: Lookup8 of 5 values into 4 did not panic", impl.Name)
			}
		}()
		impl.Lookup8(make([]int8, 4), make([]int8, 5), p)
	})
}

// TestTable8SetReplaces: Set on a prepared table replaces every entry of
// both forms (SOFTMAX re-prepares one table per row).
func TestTable8SetReplaces(t *testing.T) {
	ts := testTables()
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		p := NewTable8(&ts[0])
		in := make([]int8, 256)
		for i := range in {
			in[i] = int8(i)
		}
		for ti := range ts[1:] {
			tab := ts[1+ti]
			p.Set(&tab)
			got, want := make([]int8, 256), make([]int8, 256)
			impl.Lookup8(got, in, p)
			lookup8Ref(want, in, &tab)
			if !bytes.Equal(asBytes(got), asBytes(want)) {
				t.Fatalf("%s: after Set to table %d: got %v, want %v", impl.Name, 1+ti, got, want)
			}
		}
	})
}
