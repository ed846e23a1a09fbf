package runtime

import (
	"slices"
	"sync"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/plan"
)

// threadedPlanDelay is how many ops longer than its last reader every
// activation keeps its memory in the arena of an interpreter with more
// than one thread.
//
// The file's plan gives an op's output the memory of a tensor the op
// before it read last. On one thread that is free; in the row dataflow
// the other lane may still be reading it (that op's write waits for the
// whole of the other lane's part: a write-after-read dependency), and the
// lines it writes were last held by the other core, so each is fetched
// from there before it is written. Kept one op longer, the memory is
// reused only by ops two apart: ResNet-8 (32 filters) on two threads ran
// 90-95 µs against 98-103 with the file's plan (interleaved rounds, the
// same binary; no reuse at all ran no faster than one op's delay), for a
// 131 KB arena instead of 98 KB.
const threadedPlanDelay = 1

// threadedArena is the memory plan of a Model's interpreters with more
// than one thread: the graph with its activations re-planned
// (threadedPlanDelay) and the ops' scratch placed in it.
type threadedArena struct {
	graph   *format.Model
	scratch scratchPlan
}

// lazyThreadedArena is a threadedArena made when first needed.
type lazyThreadedArena struct {
	once sync.Once
	plan *threadedArena
}

// threadedPlan returns m's memory plan for interpreters with more than
// one thread, made once: when it cannot be made (the plan checker refuses
// it, which it never should), the file's plan.
func (m *Model) threadedPlan() *threadedArena {
	l := m.threaded
	l.once.Do(func() {
		l.plan = &threadedArena{graph: m.graph, scratch: m.scratch}
		if g, ok := replanActivations(m.graph, threadedPlanDelay); ok {
			l.plan = &threadedArena{graph: g, scratch: placeScratch(g, m.kernels, threadedPlanDelay, false)}
		}
	})
	return l.plan
}

// replanActivations returns a copy of g whose activations are planned
// again (plan.Greedy, as the converter plans them) with every lifetime
// delay ops longer, aliases at their root's offset. The copy shares
// everything but the tensor table with g; it is checked with
// format.VerifyGraph, and ok is false if that fails.
func replanActivations(g *format.Model, delay int) (*format.Model, bool) {
	lives, root, err := format.Lifetimes(g)
	if err != nil {
		return nil, false
	}
	n := len(g.Ops)
	// Steps −1..n of VerifyGraph are 0..n+1 here.
	bufs := make([]plan.Buffer, len(lives))
	for i, l := range lives {
		bufs[i] = plan.Buffer{Size: g.Tensors[l.Tensor].ByteSize(), First: l.First + 1, Last: min(l.Last+1+delay, n+1)}
	}
	offsets, arena := plan.Greedy(bufs)
	at := make(map[int32]int64, len(lives))
	for i, l := range lives {
		at[l.Tensor] = offsets[i]
	}
	out := *g
	out.Tensors = slices.Clone(g.Tensors)
	for i := range out.Tensors {
		t := &out.Tensors[i]
		if t.IsConstant() {
			continue
		}
		t.ArenaOffset = 0 // empty, or used by no step
		if r := root[i]; r >= 0 {
			t.ArenaOffset = at[r]
		}
	}
	out.ArenaBytes = arena
	if format.VerifyGraph(&out) != nil {
		return nil, false
	}
	return &out, true
}
