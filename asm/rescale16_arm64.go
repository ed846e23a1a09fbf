//go:build !purego

package asm

import "unsafe"

// rescaleInt16Neon (rescale32_arm64.s, written by gen_arm64.go) runs
// RescaleInt16 on n values, a multiple of 8: neg's rescale too when sel,
// int8 output when to8.
//
//go:noescape
func rescaleInt16Neon(in *int16, out unsafe.Pointer, n int, pos *Rescale32, neg *Rescale32, bias int32, sel bool, to8 bool)

// rescaleInt16NeonGo is Impl.rescaleInt16 on arm64: whole vectors of 8.
func rescaleInt16NeonGo(in []int16, bias int32, pos, neg *Rescale32, out16 []int16, out8 []int8) int {
	n := len(in) &^ 7
	sel := neg != pos && (neg.m != pos.m || neg.shift != pos.shift)
	if out8 != nil {
		rescaleInt16Neon(&in[0], unsafe.Pointer(&out8[:n][0]), n, pos, neg, bias, sel, true)
	} else {
		rescaleInt16Neon(&in[0], unsafe.Pointer(&out16[:n][0]), n, pos, neg, bias, sel, false)
	}
	return n
}
