package asm

import (
	"encoding/binary"
	"unsafe"
)

// Row terms of a GEMM with a filter offset (see GemmRowTerm): legacy uint8
// models' Σ_k a·(w + f) = Σ_k a·w + f·Σ_k a, the second term one per row
// (output pixel, batch row), shared by every output channel.

// RowTermSums sets rt[r] = f·Σ_{i<k} a[r·lda + i] for r < n, in wrapping
// int32 arithmetic (the definition: rowTermSumsRef). It does not allocate.
func (impl *Impl) RowTermSums(a []int8, lda, n, k int, f int32, rt []int32) {
	if n <= 0 {
		return
	}
	if k < 0 || lda < 0 {
		panic("asm: bad row term geometry")
	}
	if k == 0 {
		clear(rt[:n])
		return
	}
	_ = a[(n-1)*lda+k-1]
	_ = rt[n-1]
	if impl.rowSums != nil && k >= 8 {
		impl.rowSums(a, lda, n, k, f, rt)
		return
	}
	rowTermSumsGo(a, lda, n, k, f, rt)
}

// rowTermSumsRef is RowTermSums' definition.
func rowTermSumsRef(a []int8, lda, n, k int, f int32, rt []int32) {
	for r := 0; r < n; r++ {
		var s int32
		for _, v := range a[r*lda:][:k] {
			s += int32(v)
		}
		rt[r] = f * s
	}
}

// rowTermSumsGo is the generic RowTermSums. Rows of 8 to 256 values (the
// usual patch rows) take a loop of their own: the bytes, offset to uint8,
// total at most 255·256 < 2^16, so the 16-bit lanes never carry and one
// multiply adds them up (the top 16 bits of lanes·0x0001000100010001 are
// their sum); the last 1..7 bytes are the top of the word ending at the
// row's end.
func rowTermSumsGo(a []int8, lda, n, k int, f int32, rt []int32) {
	if k < 8 || k > 256 {
		for r := range rt[:n] {
			rt[r] = f * sumInt8Fast(a[r*lda:][:k])
		}
		return
	}
	const bytes16, flip = 0x00ff00ff00ff00ff, 0x8080808080808080
	b := bytesOf(a)
	rest := uint(k % 8)
	shift := 8 * (8 - rest) & 63
	off := int32(128 * k)
	for r := range rt[:n] {
		row := b[r*lda:][:k]
		var lanes uint64
		i := 0
		for ; i+8 <= len(row); i += 8 {
			x := binary.LittleEndian.Uint64(row[i:]) ^ flip
			lanes += x&bytes16 + x>>8&bytes16
		}
		if rest > 0 {
			x := (binary.LittleEndian.Uint64(row[len(row)-8:]) ^ flip) >> shift
			lanes += x&bytes16 + x>>8&bytes16
		}
		rt[r] = f * (int32(lanes*0x0001000100010001>>48) - off)
	}
}

// sumInt8Fast is Σa, sixteen bytes at a time: each byte offset to uint8
// (XOR 0x80), pairs of bytes added into four 16-bit lanes per word (at
// most 2·255 per word and lane), up to 64 pairs of words (65280 < 2^16)
// before the lanes are added into the total; then one word, and the last
// 1..7 bytes as the top of the word ending at the end (its other bytes
// shifted out) when there are 8 or more; then the 128·len(a) offset is
// removed.
func sumInt8Fast(a []int8) int32 {
	const bytes16, flip = 0x00ff00ff00ff00ff, 0x8080808080808080
	b := bytesOf(a)
	n := len(b)
	if n < 8 {
		var s int32
		for _, v := range a {
			s += int32(v)
		}
		return s
	}
	var s int64
	i := 0
	for i+16 <= n {
		var lanes uint64
		end := min(n&^15, i+64*16)
		for ; i < end; i += 16 {
			x := binary.LittleEndian.Uint64(b[i:]) ^ flip
			y := binary.LittleEndian.Uint64(b[i+8:]) ^ flip
			lanes += x&bytes16 + x>>8&bytes16 + y&bytes16 + y>>8&bytes16
		}
		s += int64(lanes&0xffff + lanes>>16&0xffff + lanes>>32&0xffff + lanes>>48)
	}
	var lanes uint64
	if i+8 <= n {
		x := binary.LittleEndian.Uint64(b[i:]) ^ flip
		lanes += x&bytes16 + x>>8&bytes16
		i += 8
	}
	if rest := n - i; rest > 0 {
		x := (binary.LittleEndian.Uint64(b[n-8:]) ^ flip) >> (8 * (8 - rest))
		lanes += x&bytes16 + x>>8&bytes16
	}
	s += int64(lanes&0xffff + lanes>>16&0xffff + lanes>>32&0xffff + lanes>>48)
	return int32(s - 128*int64(n))
}

// bytesOf views a as []byte without copying.
func bytesOf(a []int8) []byte {
	if len(a) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&a[0])), len(a))
}
