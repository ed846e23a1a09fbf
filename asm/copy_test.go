package asm

import (
	"bytes"
	"testing"
	"unsafe"
)

// TestCopyRowsAllImplementations: every implementation copies exactly
// what the reference copies, for every row length from 1 to 100 and
// several strides, and touches no byte outside the rows (guard bytes).
func TestCopyRowsAllImplementations(t *testing.T) {
	const guard = 64
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		for rowLen := 1; rowLen <= 100; rowLen++ {
			for _, rows := range []int{1, 2, 7} {
				for _, extra := range []int{0, 1, 13} {
					srcStride, dstStride := rowLen+extra, rowLen+2*extra
					src := make([]int8, guard+(rows-1)*srcStride+rowLen+guard)
					for i := range src {
						src[i] = int8(i*7 + rowLen)
					}
					want := make([]int8, guard+(rows-1)*dstStride+rowLen+guard)
					for i := range want {
						want[i] = -1
					}
					got := append([]int8(nil), want...)
					copyRowsRef(want[guard:], dstStride, src[guard:], srcStride, rowLen, rows)
					impl.CopyRows(got[guard:len(got)-guard], dstStride, src[guard:len(src)-guard], srcStride, rowLen, rows)
					if !bytes.Equal(asBytes(got), asBytes(want)) {
						t.Fatalf("%s: rowLen %d rows %d strides %d/%d: copy differs (or wrote outside the rows)", impl.Name, rowLen, rows, dstStride, srcStride)
					}
				}
			}
		}
	})
}

func asBytes(s []int8) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// TestCopyRowsChecksBounds: a row outside its slice panics before any
// memory is touched (the kernel gets raw pointers).
func TestCopyRowsChecksBounds(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: CopyRows past the end of dst did not panic", impl.Name)
				}
			}()
			impl.CopyRows(make([]int8, 10), 6, make([]int8, 20), 6, 5, 2) // row 1 ends at 11 > 10
		}()
	})
}
