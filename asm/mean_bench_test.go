package asm

import (
	"fmt"
	"testing"
)

// BenchmarkSumPoolGlobal: SumPoolInt8 over a 7x7 global pool, its input
// in L1 (256 channels, 12 KiB) and in L2 (1280, 61 KiB).
func BenchmarkSumPoolGlobal(b *testing.B) {
	for _, c := range []int{256, 1280} {
		src := make([]int8, 49*c)
		acc := make([]int32, c)
		w := PoolWindows{N: 1, Depth: c, DstStep: c, Rows: 49, RowStride: c, Cols: 1}
		for _, impl := range All() {
			if !impl.Available {
				continue
			}
			b.Run(fmt.Sprintf("%s/c%d", impl.Name, c), func(b *testing.B) {
				b.SetBytes(int64(len(src)))
				for b.Loop() {
					impl.SumPoolInt8(acc, src, w)
				}
			})
		}
	}
}
