//go:build !purego

package asm

// copyArgs is one call of copyRowsAVX2Kernel (kernels_amd64.s, generated
// by _gen): rows rows of rowLen >= 1 bytes from src to dst, each advanced
// by its stride after a row. The kernel takes a pointer to it and the
// generator (asm/_gen, through avo's Package) addresses its fields by name.
type copyArgs struct {
	dst       *int8
	dstStride int
	src       *int8
	srcStride int
	rowLen    int
	rows      int
}

// copyRowsAVX2 is Impl.copyRows for amd64 (rows >= 1, rowLen >= 1): it
// fills copyArgs on its stack for the kernel.
func copyRowsAVX2(dst *int8, dstStride int, src *int8, srcStride int, rowLen, rows int) {
	copyRowsAVX2Kernel(&copyArgs{dst: dst, dstStride: dstStride, src: src, srcStride: srcStride, rowLen: rowLen, rows: rows})
}
