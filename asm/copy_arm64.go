//go:build !purego

package asm

// copyRowsNeon copies rows >= 1 rows of rowLen >= 1 bytes from src to
// dst, advancing each by its stride (copy_arm64.s, written by
// gen_arm64.go).
//
//go:noescape
func copyRowsNeon(dst *int8, dstStride int, src *int8, srcStride int, rowLen int, rows int)
