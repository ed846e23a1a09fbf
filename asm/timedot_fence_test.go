//go:build linux

package asm

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestTimeDotsNoOverRead: state rows that end right before an inaccessible
// page, so that a kernel's padded chunk read past the slice faults.
func TestTimeDotsNoOverRead(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(93, 94))
		for _, memory := range []int{1, 3, 7, 8, 9, 10, 15, 16, 17, 25, 32, 33} {
			for _, filters := range []int{4, 5, 8, 12, 13, 64} {
				c := newTimeDotCase(r, filters, memory, 0)
				tw := NewTimeWeights(c.w, filters, memory, c.off)
				n := filters * memory
				b, free := fenced(t, 2*n)
				s16 := unsafe.Slice((*int16)(unsafe.Pointer(&b[0])), n)
				fillState(r, s16, 0, -1<<15, 1<<15-1)
				want, got := make([]int32, filters), make([]int32, filters+1)
				got[filters] = 12345
				timeDotsRef(c.w, filters, memory, c.off, s16, want)
				impl.TimeDots16(tw, s16, got)
				checkTimeDots(t, "int16", filters, memory, 0, got, want)
				free()
				s8, free := fenced(t, n)
				fillState(r, s8, 0, -128, 127)
				timeDotsRef(c.w, filters, memory, c.off, s8, want)
				impl.TimeDots8(tw, s8, got)
				checkTimeDots(t, "int8", filters, memory, 0, got, want)
				free()
			}
		}
	})
}
