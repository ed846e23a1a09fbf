//go:build purego || !(amd64 || arm64)

package asm

// Only the generic implementation here: row-major (PackInto).
func packedBytesArch(g gemmImpl, n, k int) (int, bool)              { return 0, false }
func packIntoArch(g gemmImpl, buf, w []int8, cs, ks, n, k int) bool { return false }
