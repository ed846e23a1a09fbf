// Package plan computes the static memory plan of a graph: one offset per
// activation buffer inside a single arena, such that buffers alive at the
// same time never overlap.
package plan

import (
	"fmt"
	"math"
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
	placed := newTimeIndex(bufs)
	var live []span
	for _, i := range order {
		size := alignUp(bufs[i].Size)
		live = live[:0]
		placed.overlapping(bufs[i].First, bufs[i].Last, func(j int) {
			live = append(live, span{offsets[j], offsets[j] + alignUp(bufs[j].Size)})
		})
		// The order of spans with equal starts does not change the result.
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
		placed.add(i)
	}
	return offsets, arena
}

// timeIndex holds the buffers placed so far and finds those alive during a
// range of ops without looking at the others, so that planning a long chain
// of ops takes O(n log n), not O(n²) (a .tflite file of 40,000 chained ops
// took 14 s to load). It is a segment tree over the distinct ops where
// buffers start; each node keeps the latest end of the buffers below it.
type timeIndex struct {
	bufs    []Buffer
	firsts  []int   // distinct First values, ascending: leaf k is firsts[k]
	leaves  int     // a power of two >= len(firsts)
	maxLast []int   // per node; math.MinInt when the subtree holds no buffer
	at      [][]int // per leaf: the buffers starting there, in placement order
}

func newTimeIndex(bufs []Buffer) *timeIndex {
	x := &timeIndex{bufs: bufs, leaves: 1}
	for _, b := range bufs {
		x.firsts = append(x.firsts, b.First)
	}
	sort.Ints(x.firsts)
	x.firsts = compactInts(x.firsts)
	for x.leaves < len(x.firsts) {
		x.leaves *= 2
	}
	x.maxLast = make([]int, 2*x.leaves)
	for i := range x.maxLast {
		x.maxLast[i] = math.MinInt
	}
	x.at = make([][]int, x.leaves)
	return x
}

func compactInts(s []int) []int {
	if len(s) == 0 {
		return s
	}
	out := s[:1]
	for _, v := range s[1:] {
		if v != out[len(out)-1] {
			out = append(out, v)
		}
	}
	return out
}

// add records buffer i as placed.
func (x *timeIndex) add(i int) {
	leaf := sort.SearchInts(x.firsts, x.bufs[i].First)
	x.at[leaf] = append(x.at[leaf], i)
	for n := leaf + x.leaves; n > 0; n /= 2 {
		x.maxLast[n] = max(x.maxLast[n], x.bufs[i].Last)
	}
}

// overlapping calls visit for every placed buffer j alive at some op of
// [first, last], that is j.First <= last and j.Last >= first (as
// Buffer.overlapsInTime).
func (x *timeIndex) overlapping(first, last int, visit func(j int)) {
	// Leaves [0, end) start at or before last.
	end := sort.Search(len(x.firsts), func(k int) bool { return x.firsts[k] > last })
	x.visit(1, 0, x.leaves, end, first, visit)
}

func (x *timeIndex) visit(node, lo, hi, end, first int, visit func(j int)) {
	if lo >= end || x.maxLast[node] < first {
		return
	}
	if hi-lo == 1 {
		for _, j := range x.at[lo] {
			if x.bufs[j].Last >= first {
				visit(j)
			}
		}
		return
	}
	mid := (lo + hi) / 2
	x.visit(2*node, lo, mid, end, first, visit)
	x.visit(2*node+1, mid, hi, end, first, visit)
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
