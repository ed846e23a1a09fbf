package ops

import (
	"encoding/binary"
	"unsafe"

	"github.com/edgerun/edgerun/asm"
)

// Legacy uint8 models (per-tensor asymmetric weights, shifted to int8 by
// the converter) keep a filter offset f in CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED. On the GEMM kernels it is a row term (gemmlowp's
// approach): Σ_k a·(w + f) = Σ_k a·w + f·Σ_k a, the second term computed
// once per row (output pixel, batch row) and shared by every output
// channel; the constant parts (input_offset·Σw, K·f·input_offset) are
// folded into the bias at prepare as before.

// offsetChunk is how many rows' terms a GEMM with a filter offset computes
// at a time when its rows are not already blocked (pointwise convolutions,
// fully connected): 4·offsetChunk bytes of scratch.
const offsetChunk = 96

// rowTermBound returns the bound |f|·128·k on a row term f·Σ a of k int8
// values and whether it is below 2^31 (asm's BoundRowTerms range; it is
// for every k < 2^17).
func rowTermBound(f int32, k int) (int64, bool) {
	b := int64(max(f, -f)) * 128 * int64(k)
	return b, b > 0 && b < 1<<31
}

// gemmFilterOffset computes m rows of the GEMM of a by w with filter
// offset f, the rows' terms computed len(rt) rows at a time in rt.
func gemmFilterOffset(impl *asm.Impl, a []int8, lda, m int, w *asm.PackedMatrix, e *asm.Epilogue, out []int8, ldo int, f int32, rt []int32) {
	for r := 0; r < m; r += len(rt) {
		n := min(len(rt), m-r)
		ra := a[r*lda:]
		rowTermSums(ra, lda, n, w.K, f, rt[:n])
		impl.GemmRowTerm(ra, lda, n, w, e, out[r*ldo:], ldo, rt[:n])
	}
}

// rowTermSums sets rt[r] = f·Σ_{i<k} a[r·lda + i] for r < n. Rows of 8 to
// 256 values (the usual patch rows) take a loop of their own: the bytes,
// offset to uint8, total at most 255·256 < 2^16, so the 16-bit lanes of
// sumInt8Fast never carry and one multiply adds them up (the top 16 bits
// of lanes·0x0001000100010001 are their sum); the last 1..7 bytes are the
// top of the word ending at the row's end.
func rowTermSums(a []int8, lda, n, k int, f int32, rt []int32) {
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

// sumInt8Fast is sumInt8, sixteen bytes at a time: each byte offset to
// uint8 (XOR 0x80), pairs of bytes added into four 16-bit lanes per word
// (at most 2·255 per word and lane), up to 64 pairs of words (65280 <
// 2^16) before the lanes are added into the total; then one word, and the
// last 1..7 bytes as the top of the word ending at the end (its other
// bytes shifted out) when there are 8 or more; then the 128·len(a) offset
// is removed.
func sumInt8Fast(a []int8) int32 {
	const bytes16, flip = 0x00ff00ff00ff00ff, 0x8080808080808080
	b := bytesOf(a)
	n := len(b)
	if n < 8 {
		return sumInt8(a)
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
