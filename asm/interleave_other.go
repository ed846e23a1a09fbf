//go:build purego || !(amd64 || arm64)

package asm

// FastInterleave: no interleave kernels in this build (Go loops).
const FastInterleave = false

// FastInterleave3: no three-stream kernels either.
var FastInterleave3 = false

func zipBytes2(dst, a, b *int8, blocks int)         { panic("unreachable") }
func zipBytes3(dst, a, b, c *int8, blocks int)      { panic("unreachable") }
func zipBytes4(dst, a, b, c, d *int8, blocks int)   { panic("unreachable") }
func unzipBytes2(a, b, src *int8, blocks int)       { panic("unreachable") }
func unzipBytes3(a, b, c, src *int8, blocks int)    { panic("unreachable") }
func unzipBytes4(a, b, c, d, src *int8, blocks int) { panic("unreachable") }
