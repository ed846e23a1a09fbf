//go:build !purego && (amd64 || arm64)

package asm

// FastInterleave reports whether InterleaveBytes and DeinterleaveBytes
// run on vector kernels in this build.
const FastInterleave = true

// The kernels (interleave_amd64.s, interleave_arm64.s): blocks >= 1 steps
// of 16 bytes per stream.

//go:noescape
func zipBytes2(dst, a, b *int8, blocks int)

//go:noescape
func zipBytes4(dst, a, b, c, d *int8, blocks int)

//go:noescape
func unzipBytes2(a, b, src *int8, blocks int)

//go:noescape
func unzipBytes4(a, b, c, d, src *int8, blocks int)
