//go:build purego || !(amd64 || arm64)

package asm

// registerArch: this build has only the generic kernels.
func registerArch() {}
