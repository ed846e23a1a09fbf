//go:build !purego

package asm

// registerArch registers the arm64 SIMD kernels (none yet).
func registerArch() {}
