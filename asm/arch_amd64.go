//go:build !purego

package asm

// registerArch registers the amd64 SIMD kernels (none yet).
func registerArch() {}
