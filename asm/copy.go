package asm

import (
	"fmt"
	"unsafe"
)

// CopyRows copies rows rows of rowLen bytes: row r from src[r·srcStride:]
// to dst[r·dstStride:]. It is the inner loop of the convolutions' im2col
// (one filter row of many output pixels per call), where a call per row
// in Go costs several times the copy itself. Strides are >= 0; every row
// must lie inside its slice. It does not allocate.
func (impl *Impl) CopyRows(dst []int8, dstStride int, src []int8, srcStride, rowLen, rows int) {
	if rows <= 0 || rowLen <= 0 {
		return
	}
	if dstStride < 0 || srcStride < 0 || (rows-1)*dstStride+rowLen > len(dst) || (rows-1)*srcStride+rowLen > len(src) {
		panic(fmt.Sprintf("asm: CopyRows of %d rows of %d bytes, strides %d/%d, out of %d/%d bytes",
			rows, rowLen, dstStride, srcStride, len(dst), len(src)))
	}
	impl.copyRows(&dst[0], dstStride, &src[0], srcStride, rowLen, rows)
}

// copyRowsGeneric is the generic implementation's CopyRows: memmove for
// long rows, copyShort for the short ones.
func copyRowsGeneric(dst *int8, dstStride int, src *int8, srcStride, rowLen, rows int) {
	d := unsafe.Slice(dst, (rows-1)*dstStride+rowLen)
	s := unsafe.Slice(src, (rows-1)*srcStride+rowLen)
	if rowLen > 64 {
		for r := 0; r < rows; r++ {
			copy(d[r*dstStride:][:rowLen], s[r*srcStride:][:rowLen])
		}
		return
	}
	for r := 0; r < rows; r++ {
		copyShort(d[r*dstStride:][:rowLen], s[r*srcStride:][:rowLen])
	}
}

// copyShort copies len(dst) values sixteen bytes at a time: for the few
// dozen bytes of a filter row a memmove call costs more than the copy.
// Byte arrays, not wider integers, so that no alignment is assumed on
// CPUs that require it.
func copyShort(dst, src []int8) {
	n := len(dst)
	src = src[:n]
	i := 0
	for ; i+16 <= n; i += 16 {
		*(*[16]byte)(unsafe.Pointer(&dst[i])) = *(*[16]byte)(unsafe.Pointer(&src[i]))
	}
	if i+8 <= n {
		*(*[8]byte)(unsafe.Pointer(&dst[i])) = *(*[8]byte)(unsafe.Pointer(&src[i]))
		i += 8
	}
	for ; i < n; i++ {
		dst[i] = src[i]
	}
}

// copyRowsRef is CopyRows in plain Go, the reference.
func copyRowsRef(dst []int8, dstStride int, src []int8, srcStride, rowLen, rows int) {
	for r := 0; r < rows; r++ {
		copy(dst[r*dstStride:][:rowLen], src[r*srcStride:][:rowLen])
	}
}
