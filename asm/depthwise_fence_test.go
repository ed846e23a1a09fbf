//go:build linux

package asm

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"unsafe"
)

// fenced returns an n-byte slice whose last byte is the last byte before
// an inaccessible page, so that any read past it faults; free unmaps it.
func fenced(t *testing.T, n int) (b []int8, free func()) {
	t.Helper()
	ps := syscall.Getpagesize()
	size := (n+ps-1)/ps*ps + ps
	m, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip("mmap:", err)
	}
	if err := syscall.Mprotect(m[size-ps:], syscall.PROT_NONE); err != nil {
		syscall.Munmap(m)
		t.Skip("mprotect:", err)
	}
	raw := m[size-ps-n : size-ps]
	return unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(raw))), n), func() { syscall.Munmap(m) }
}

// TestDepthwiseNoOverRead runs the kernels, bound and not, on inputs that
// end right before an inaccessible page: reading one byte more than the
// row needs (a partial channel block loaded whole, say) faults.
func TestDepthwiseNoOverRead(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(27, 28))
		for _, k := range []int{3, 5} {
			for _, s := range []int{1, 2} {
				for _, c := range []int{1, 8, 15, 17, 24, 33, 120} {
					for _, n := range []int{1, 3, 8, 13} {
						d := newDwCase(r, k, k, c, n, s, 1, 1)
						in, free := fenced(t, len(d.in))
						copy(in, d.in)
						d.in = in
						if r.IntN(4) != 0 {
							d.e = dwBoundedEpilogue(r, d.w, d.c)
							for ch := 0; ch < c; ch++ { // all channels qualify
								d.e.bias[ch], d.e.mult[ch], d.e.shift[ch] = int32(r.IntN(2001)-1000), int32(1<<30+r.IntN(1<<30)), -int32(1+r.IntN(12))
							}
							d.e.outOffset = int32(r.IntN(256) - 128)
						}
						runDwCase(t, impl, d)
						free()
					}
				}
			}
		}
	})
}
