package plan

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"
)

func randomBuffers(r *rand.Rand, n, ops int) []Buffer {
	bufs := make([]Buffer, n)
	for i := range bufs {
		first := r.IntN(ops)
		bufs[i] = Buffer{Size: int64(r.IntN(5000)), First: first, Last: first + r.IntN(ops-first)}
	}
	return bufs
}

// TestGreedyIsValidAndTight checks, on random lifetimes, that the plan never
// overlaps live buffers, never exceeds the sum of all sizes, and is at least
// the largest set of simultaneously live (aligned) buffers.
func TestGreedyIsValidAndTight(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for trial := 0; trial < 500; trial++ {
		bufs := randomBuffers(r, 1+r.IntN(40), 1+r.IntN(30))
		offs, arena := Greedy(bufs)
		if err := Check(bufs, offs, arena); err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		var sum int64
		maxLive := int64(0)
		for _, b := range bufs {
			sum += alignUp(b.Size)
		}
		for op := 0; op < 30; op++ {
			var live int64
			for _, b := range bufs {
				if b.First <= op && op <= b.Last {
					live += alignUp(b.Size)
				}
			}
			maxLive = max(maxLive, live)
		}
		if arena > sum || arena < maxLive {
			t.Fatalf("trial %d: arena %d outside [%d, %d]", trial, arena, maxLive, sum)
		}
		for i, o := range offs {
			if o%Alignment != 0 {
				t.Fatalf("buffer %d offset %d not aligned", i, o)
			}
		}
	}
}

// TestGreedyReusesMemory: a chain a→b→c where a and c never live together
// needs two buffers, not three.
func TestGreedyReusesMemory(t *testing.T) {
	bufs := []Buffer{{Size: 64, First: 0, Last: 1}, {Size: 64, First: 1, Last: 2}, {Size: 64, First: 2, Last: 3}}
	_, arena := Greedy(bufs)
	if arena != 128 {
		t.Fatalf("arena = %d, want 128", arena)
	}
}

func TestCheckRejects(t *testing.T) {
	bufs := []Buffer{{Size: 32, First: 0, Last: 2}, {Size: 32, First: 1, Last: 3}}
	if err := Check(bufs, []int64{0, 16}, 64); err == nil {
		t.Error("overlap of live buffers accepted")
	}
	if err := Check(bufs, []int64{0, 48}, 64); err == nil {
		t.Error("buffer past the arena accepted")
	}
	if err := Check(bufs, []int64{0, -16}, 64); err == nil {
		t.Error("negative offset accepted")
	}
	if err := Check(bufs, []int64{0, 32}, 64); err != nil {
		t.Errorf("valid plan rejected: %v", err)
	}
	dead := []Buffer{{Size: 32, First: 0, Last: 1}, {Size: 32, First: 2, Last: 3}}
	if err := Check(dead, []int64{0, 0}, 32); err != nil {
		t.Errorf("reuse of dead memory rejected: %v", err)
	}
}

// greedyQuadratic is Greedy as it was before the time index: every placed
// buffer is compared with the one being placed.
func greedyQuadratic(bufs []Buffer) (offsets []int64, arena int64) {
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

// TestGreedyMatchesQuadratic: the time index changes how the live buffers
// are found, not the plan.
func TestGreedyMatchesQuadratic(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for trial := 0; trial < 2000; trial++ {
		ops := 1 + r.IntN(40)
		bufs := randomBuffers(r, r.IntN(60), ops)
		if trial%7 == 0 { // sizes that tie, lifetimes far from 0
			for i := range bufs {
				bufs[i].Size = int64(r.IntN(3)) * 16
				bufs[i].First += 1 << 30
				bufs[i].Last += 1 << 30
			}
		}
		o1, a1 := Greedy(bufs)
		o2, a2 := greedyQuadratic(bufs)
		if a1 != a2 || !slices.Equal(o1, o2) {
			t.Fatalf("trial %d: plan %v (arena %d), the quadratic planner gives %v (arena %d)", trial, o1, a1, o2, a2)
		}
	}
}

// TestGreedyLongChain: a chain of 200,000 ops plans in well under a
// second (the quadratic planner took minutes).
func TestGreedyLongChain(t *testing.T) {
	bufs := make([]Buffer, 200000)
	for i := range bufs {
		bufs[i] = Buffer{Size: 16, First: i, Last: i + 1}
	}
	start := time.Now()
	_, arena := Greedy(bufs)
	if arena != 32 {
		t.Errorf("arena %d, want 32", arena)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("planning took %v", d)
	}
}
