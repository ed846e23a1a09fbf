//go:build !purego

package asm

import (
	"testing"
	"unsafe"
)

// TestMulNeonLayout: mulInt8Neon loads mulNeon's fields into consecutive
// registers, 16 bytes each, in declaration order.
func TestMulNeonLayout(t *testing.T) {
	var v mulNeon
	for i, off := range []uintptr{
		unsafe.Offsetof(v.off1), unsafe.Offsetof(v.off2), unsafe.Offsetof(v.left), unsafe.Offsetof(v.m),
		unsafe.Offsetof(v.sh), unsafe.Offsetof(v.off), unsafe.Offsetof(v.lo), unsafe.Offsetof(v.hi), unsafe.Sizeof(v),
	} {
		if off != uintptr(16*i) {
			t.Errorf("mulNeon field %d at %d, the kernel uses %d", i, off, 16*i)
		}
	}
}
