package ops

import (
	"encoding/binary"

	"github.com/edgerun/edgerun/asm"
)

// Byte interleaving for PACK (and its inverse for UNPACK / SPLIT) along
// the last axis with short elements: n streams of e-byte elements, where a
// strided row copy per element (CopyRows with rows of 1..4 bytes) moves
// about a byte per nanosecond. Here 8-byte words are shuffled in
// registers: zip interleaves the e-byte lanes of two words into two words,
// unzip undoes it, and four streams are two levels of zips (lanes of e,
// then of 2e bytes). Words are read and written little-endian through
// encoding/binary, so the result is the same on every architecture and no
// alignment is assumed. 1-byte elements take asm's vector kernels where
// the build has them (asm.FastInterleave).

// interleaves reports whether interleave/deinterleave handle n streams of
// e-byte elements.
func interleaves(n, e int) bool {
	switch n {
	case 2:
		return e == 1 || e == 2 || e == 4
	case 3:
		return e == 1 // RGB planes and pixels: asm's kernels, else a byte loop
	case 4:
		return e == 1 || e == 2 || e == 4
	}
	return false
}

// spread8 moves the four bytes of x to the even bytes of a word.
func spread8(x uint64) uint64 {
	x &= 0xFFFFFFFF
	x = (x | x<<16) & 0x0000FFFF0000FFFF
	return (x | x<<8) & 0x00FF00FF00FF00FF
}

// spread16 moves the two 16-bit lanes of x to the even lanes of a word.
func spread16(x uint64) uint64 {
	x &= 0xFFFFFFFF
	return (x | x<<16) & 0x0000FFFF0000FFFF
}

// compact8 gathers the even bytes of x into its low four bytes.
func compact8(x uint64) uint64 {
	x &= 0x00FF00FF00FF00FF
	x = (x | x>>8) & 0x0000FFFF0000FFFF
	return (x | x>>16) & 0xFFFFFFFF
}

// compact16 gathers the even 16-bit lanes of x into its low four bytes.
func compact16(x uint64) uint64 {
	x &= 0x0000FFFF0000FFFF
	return (x | x>>16) & 0xFFFFFFFF
}

// zip interleaves the e-byte lanes of x and y (x's first): the 16 bytes
// x0 y0 x1 y1 … as two words.
func zip(x, y uint64, e int) (lo, hi uint64) {
	switch e {
	case 1:
		return spread8(x) | spread8(y)<<8, spread8(x>>32) | spread8(y>>32)<<8
	case 2:
		return spread16(x) | spread16(y)<<16, spread16(x>>32) | spread16(y>>32)<<16
	case 4:
		return x&0xFFFFFFFF | y<<32, x>>32 | y&^0xFFFFFFFF
	}
	return x, y // e = 8
}

// unzip is zip's inverse.
func unzip(lo, hi uint64, e int) (x, y uint64) {
	switch e {
	case 1:
		return compact8(lo) | compact8(hi)<<32, compact8(lo>>8) | compact8(hi>>8)<<32
	case 2:
		return compact16(lo) | compact16(hi)<<32, compact16(lo>>16) | compact16(hi>>16)<<32
	case 4:
		return lo&0xFFFFFFFF | hi<<32, lo>>32 | hi&^0xFFFFFFFF
	}
	return lo, hi
}

var le = binary.LittleEndian

// interleaveWords writes out[(j·n + i)·e + t] = ins[i][j·e + t] for j < rows,
// i < n, t < e (n and e as interleaves allows; ins[i] holds rows·e bytes).
func interleaveWords(out []int8, ins *[4][]int8, n, e, rows int) {
	if e == 1 && asm.FastInterleave {
		asm.InterleaveBytes(out, ins, n, rows) // vector kernels
		return
	}
	o := bytesOf(out[:rows*n*e])
	total := rows * e // bytes per stream
	per := 8          // bytes per stream per step
	j := 0
	if n == 2 {
		a, b := bytesOf(ins[0][:total]), bytesOf(ins[1][:total])
		for ; j+per <= total; j += per {
			lo, hi := zip(le.Uint64(a[j:]), le.Uint64(b[j:]), e)
			d := o[2*j:][:16]
			le.PutUint64(d, lo)
			le.PutUint64(d[8:], hi)
		}
	} else if n == 4 {
		a, b, c, d := bytesOf(ins[0][:total]), bytesOf(ins[1][:total]), bytesOf(ins[2][:total]), bytesOf(ins[3][:total])
		for ; j+per <= total; j += per {
			abLo, abHi := zip(le.Uint64(a[j:]), le.Uint64(b[j:]), e)
			cdLo, cdHi := zip(le.Uint64(c[j:]), le.Uint64(d[j:]), e)
			w := o[4*j:][:32]
			x, y := zip(abLo, cdLo, 2*e)
			le.PutUint64(w, x)
			le.PutUint64(w[8:], y)
			x, y = zip(abHi, cdHi, 2*e)
			le.PutUint64(w[16:], x)
			le.PutUint64(w[24:], y)
		}
	}
	// The last elements (fewer than a word per stream) one by one.
	for r := j / e; r < rows; r++ {
		for i := 0; i < n; i++ {
			copy(out[(r*n+i)*e:][:e], ins[i][r*e:][:e])
		}
	}
}

// deinterleave is interleaveWords' inverse: outs[i][j·e + t] = in[(j·n + i)·e + t].
func deinterleave(outs *[4][]int8, in []int8, n, e, rows int) {
	if e == 1 && asm.FastInterleave {
		asm.DeinterleaveBytes(outs, in, n, rows)
		return
	}
	s := bytesOf(in[:rows*n*e])
	total := rows * e
	j := 0
	if n == 2 {
		a, b := bytesOf(outs[0][:total]), bytesOf(outs[1][:total])
		for ; j+8 <= total; j += 8 {
			w := s[2*j:][:16]
			x, y := unzip(le.Uint64(w), le.Uint64(w[8:]), e)
			le.PutUint64(a[j:], x)
			le.PutUint64(b[j:], y)
		}
	} else if n == 4 {
		a, b, c, d := bytesOf(outs[0][:total]), bytesOf(outs[1][:total]), bytesOf(outs[2][:total]), bytesOf(outs[3][:total])
		for ; j+8 <= total; j += 8 {
			w := s[4*j:][:32]
			abLo, cdLo := unzip(le.Uint64(w), le.Uint64(w[8:]), 2*e)
			abHi, cdHi := unzip(le.Uint64(w[16:]), le.Uint64(w[24:]), 2*e)
			x, y := unzip(abLo, abHi, e)
			le.PutUint64(a[j:], x)
			le.PutUint64(b[j:], y)
			x, y = unzip(cdLo, cdHi, e)
			le.PutUint64(c[j:], x)
			le.PutUint64(d[j:], y)
		}
	}
	for r := j / e; r < rows; r++ {
		for i := 0; i < n; i++ {
			copy(outs[i][r*e:][:e], in[(r*n+i)*e:][:e])
		}
	}
}
