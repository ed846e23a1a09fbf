package asm

import "fmt"

// Byte interleaving for PACK / UNPACK along the last axis of 1-byte
// elements and TRANSPOSE of planes (n = 2, 3 or 4 streams): vector
// unpack/pack instructions on amd64 (SSE2; PSHUFB of SSSE3 for three
// streams) and arm64 (ST2/ST3/ST4, LD2/LD3/LD4), 16 bytes per stream per
// step; the last bytes, and builds without the kernels (FastInterleave,
// FastInterleave3 false), in Go.

// InterleaveBytes writes dst[j·n + i] = src[i][j] for j < count, i < n
// (n = 2, 3 or 4). It does not allocate.
func InterleaveBytes(dst []int8, src *[4][]int8, n, count int) {
	checkInterleave(len(dst), src, n, count)
	j := 0
	if blocks := count / 16; FastInterleave && blocks > 0 && (n != 3 || FastInterleave3) {
		if n == 2 {
			zipBytes2(&dst[0], &src[0][0], &src[1][0], blocks)
		} else if n == 3 {
			zipBytes3(&dst[0], &src[0][0], &src[1][0], &src[2][0], blocks)
		} else {
			zipBytes4(&dst[0], &src[0][0], &src[1][0], &src[2][0], &src[3][0], blocks)
		}
		j = 16 * blocks
	}
	for ; j < count; j++ {
		for i := 0; i < n; i++ {
			dst[j*n+i] = src[i][j]
		}
	}
}

// DeinterleaveBytes is InterleaveBytes' inverse: dst[i][j] = src[j·n + i].
func DeinterleaveBytes(dst *[4][]int8, src []int8, n, count int) {
	checkInterleave(len(src), dst, n, count)
	j := 0
	if blocks := count / 16; FastInterleave && blocks > 0 && (n != 3 || FastInterleave3) {
		if n == 2 {
			unzipBytes2(&dst[0][0], &dst[1][0], &src[0], blocks)
		} else if n == 3 {
			unzipBytes3(&dst[0][0], &dst[1][0], &dst[2][0], &src[0], blocks)
		} else {
			unzipBytes4(&dst[0][0], &dst[1][0], &dst[2][0], &dst[3][0], &src[0], blocks)
		}
		j = 16 * blocks
	}
	for ; j < count; j++ {
		for i := 0; i < n; i++ {
			dst[i][j] = src[j*n+i]
		}
	}
}

func checkInterleave(joined int, streams *[4][]int8, n, count int) {
	ok := (n == 2 || n == 3 || n == 4) && count >= 0 && joined >= n*count
	for i := 0; ok && i < n; i++ {
		ok = len(streams[i]) >= count
	}
	if !ok {
		panic(fmt.Sprintf("asm: interleave of %d streams of %d bytes with %d joined bytes", n, count, joined))
	}
}
