package plan

import (
	"math/rand"
	"testing"
)

func randomBuffers(r *rand.Rand, n, ops int) []Buffer {
	bufs := make([]Buffer, n)
	for i := range bufs {
		first := r.Intn(ops)
		bufs[i] = Buffer{Size: int64(r.Intn(5000)), First: first, Last: first + r.Intn(ops-first)}
	}
	return bufs
}

// TestGreedyIsValidAndTight checks, on random lifetimes, that the plan never
// overlaps live buffers, never exceeds the sum of all sizes, and is at least
// the largest set of simultaneously live (aligned) buffers.
func TestGreedyIsValidAndTight(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for trial := 0; trial < 500; trial++ {
		bufs := randomBuffers(r, 1+r.Intn(40), 1+r.Intn(30))
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
