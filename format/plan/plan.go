// Package plan computes the static memory plan of a graph: one offset per
// activation buffer inside a single arena, such that buffers alive at the
// same time never overlap.
package plan

import (
	"fmt"
	"sort"
)

// Alignment of every buffer offset (and of the arena size), in bytes: wide
// enough for int32 data and SIMD loads.
const Alignment = 16

// Buffer is one activation buffer: Size bytes, alive from op First to op
// Last inclusive (op indices in execution order).
type Buffer struct {
	Size        int64
	First, Last int
}

func (a Buffer) overlapsInTime(b Buffer) bool { return a.First <= b.Last && b.First <= a.Last }

func alignUp(n int64) int64 { return (n + Alignment - 1) &^ (Alignment - 1) }

// Greedy places the buffers like TFLite Micro's greedy planner: largest
// first (ties: earlier first use, then index), each at the best-fitting gap
// (the smallest one that holds it) among the buffers already placed that are
// alive at the same time, or on top of them. It returns the offsets (in the
// order of bufs) and the arena size.
func Greedy(bufs []Buffer) (offsets []int64, arena int64) {
	order := make([]int, len(bufs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(x, y int) bool {
		a, b := bufs[order[x]], bufs[order[y]]
		if a.Size != b.Size {
			return a.Size > b.Size
		}
		return a.First < b.First
	})
	offsets = make([]int64, len(bufs))
	type span struct{ lo, hi int64 }
	var placed []int
	for _, i := range order {
		size := alignUp(bufs[i].Size)
		var live []span
		for _, j := range placed {
			if bufs[i].overlapsInTime(bufs[j]) {
				live = append(live, span{offsets[j], offsets[j] + alignUp(bufs[j].Size)})
			}
		}
		sort.Slice(live, func(x, y int) bool { return live[x].lo < live[y].lo })
		best, bestGap := int64(-1), int64(-1)
		cursor := int64(0)
		for _, s := range live {
			if gap := s.lo - cursor; gap >= size && (bestGap < 0 || gap < bestGap) {
				best, bestGap = cursor, gap
			}
			if s.hi > cursor {
				cursor = s.hi
			}
		}
		if best < 0 {
			best = cursor
		}
		offsets[i] = best
		if end := best + size; end > arena {
			arena = end
		}
		placed = append(placed, i)
	}
	return offsets, arena
}

// Check verifies that offsets place bufs inside an arena of the given size
// with no two simultaneously alive buffers overlapping.
func Check(bufs []Buffer, offsets []int64, arena int64) error {
	if len(offsets) != len(bufs) {
		return fmt.Errorf("%d offsets for %d buffers", len(offsets), len(bufs))
	}
	idx := make([]int, len(bufs))
	for i := range idx {
		idx[i] = i
		if offsets[i] < 0 || bufs[i].Size < 0 || offsets[i] > arena || bufs[i].Size > arena-offsets[i] {
			return fmt.Errorf("buffer %d: %d bytes at offset %d do not fit an arena of %d", i, bufs[i].Size, offsets[i], arena)
		}
	}
	sort.Slice(idx, func(x, y int) bool { return offsets[idx[x]] < offsets[idx[y]] })
	// Sweep by offset: any buffer overlapping in memory with i starts
	// before i ends; compare against those only.
	for x, i := range idx {
		end := offsets[i] + bufs[i].Size
		for _, j := range idx[x+1:] {
			if offsets[j] >= end {
				break
			}
			if bufs[j].Size > 0 && bufs[i].Size > 0 && bufs[i].overlapsInTime(bufs[j]) {
				return fmt.Errorf("buffers %d and %d overlap in memory while both alive", i, j)
			}
		}
	}
	return nil
}
