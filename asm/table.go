package asm

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// Table8 is a 256-entry byte table prepared (NewTable8) for Lookup8: the
// table itself, indexed by the input byte as unsigned (uint8(x)), and the
// AVX2 kernel's form of it. Read-only afterwards.
type Table8 struct {
	// t[uint8(x)] is x's output: the VBMI kernel's four 64-byte VPERMI2B
	// tables, NEON's sixteen 16-byte TBL/TBX registers, the generic loop's
	// table.
	t [256]int8
	// diff is t as sixteen 16-entry slices g (t[16g:16g+16], inputs whose
	// high nibble is g) differenced for the AVX2 kernel's VPSHUFB lookups,
	// each repeated in both 128-bit lanes: diff[g] = slice g XOR slice
	// g-1, except diff[0] = slice 0 and diff[8] = slice 8. Why: VPSHUFB
	// with index x − 16j gives slice j's entry x&15 when that byte's top
	// bit is clear, that is (for x < 128) exactly when j <= x>>4, and 0
	// otherwise; XOR over j = 0..7 therefore telescopes to slice x>>4 for
	// x < 128. The same holds for j = 8..15 and x >= 128 (x − 16j =
	// (x−128) − 16(j−8)), and x's own top bit picks which of the two sums
	// is the answer.
	diff [16][32]int8
}

// Table8Bytes is the size of a Table8, for kernels that keep one in
// their scratch memory (a Table8 needs no alignment).
const Table8Bytes = int(unsafe.Sizeof(Table8{}))

// NewTable8 prepares table t (t[uint8(x)] is the output of input x).
func NewTable8(t *[256]int8) *Table8 {
	p := &Table8{}
	p.Set(t)
	return p
}

// Set makes p the prepared form of t, in place: SOFTMAX prepares one
// table per row this way. It does not allocate.
func (p *Table8) Set(t *[256]int8) {
	p.t = *t
	p.setDiff()
}

// setDiff derives p.diff from p.t.
func (p *Table8) setDiff() {
	b := unsafe.Slice((*byte)(unsafe.Pointer(&p.t)), 256)
	for g := range 16 {
		lo := binary.LittleEndian.Uint64(b[16*g:])
		hi := binary.LittleEndian.Uint64(b[16*g+8:])
		if g != 0 && g != 8 {
			lo ^= binary.LittleEndian.Uint64(b[16*g-16:])
			hi ^= binary.LittleEndian.Uint64(b[16*g-8:])
		}
		d := unsafe.Slice((*byte)(unsafe.Pointer(&p.diff[g])), 32)
		binary.LittleEndian.PutUint64(d[0:], lo)
		binary.LittleEndian.PutUint64(d[8:], hi)
		binary.LittleEndian.PutUint64(d[16:], lo)
		binary.LittleEndian.PutUint64(d[24:], hi)
	}
}

// Lookup8 maps out[i] = t[uint8(in[i])] for equal-length rows; out may be
// in itself. It does not allocate.
func (impl *Impl) Lookup8(out, in []int8, t *Table8) {
	n := len(out)
	if len(in) != n {
		panic(fmt.Sprintf("asm: Lookup8 of %d values into %d", len(in), n))
	}
	if n == 0 {
		return
	}
	impl.lookup8(&out[0], &in[0], n, t)
}

// lookup8Generic is the generic implementation's Lookup8 (and the SIMD
// kernels' tail): one table load per byte.
func lookup8Generic(out, in *int8, n int, t *Table8) {
	o, s := unsafe.Slice(out, n), unsafe.Slice(in, n)
	tab := &t.t
	for i, x := range s {
		o[i] = tab[uint8(x)]
	}
}

// lookup8Ref is Lookup8 in plain Go from the unprepared table, the
// reference.
func lookup8Ref(out, in []int8, t *[256]int8) {
	for i := range out {
		out[i] = t[uint8(in[i])]
	}
}

// addPtr is p advanced by n bytes.
func addPtr(p *int8, n int) *int8 { return (*int8)(unsafe.Add(unsafe.Pointer(p), n)) }
