package runtime

import (
	"slices"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/plan"
	"github.com/edgerun/edgerun/ops"
)

// scratchPlan says where each op's scratch lives: inside the arena, in
// memory no tensor live during the op uses (as TFLite Micro plans its
// scratch buffers), so scratch costs arena only where the activations
// leave too little room.
type scratchPlan struct {
	// offset[i] and size[i] place op i's scratch (size 0: none).
	offset, size []int64
	// arena is a one-thread interpreter's arena: activations and scratch.
	arena int64
	// extra is each further thread's own scratch (the largest op's,
	// 64-byte aligned); the first starts at threadScratch().
	extra int64
	// peakOp is the op whose live tensors and scratch reach furthest into
	// the arena (the first such op; -1 for a graph without ops).
	peakOp int
}

// maxPlacementWork bounds (ops with scratch) × (activation tensors), the
// work of placing scratch among the live tensors (and ops × tensors, the
// work of finding the peak op). Beyond it (only a
// hostile file gets there) every scratch goes after the activations.
const maxPlacementWork = 1 << 26

// planScratch places the scratch of kernels (op i's is kernels[i]) in g's
// arena. Kernels that can run with less scratch (ops.ScratchFitter) are
// placed first with their lean size (the least that keeps them fast),
// which sets the arena; then each takes its fastest strategy that fits, at
// its op, inside that arena.
func planScratch(g *format.Model, kernels []ops.Kernel) scratchPlan {
	return placeScratch(g, kernels, 0, true)
}

// placeScratch is planScratch with every tensor kept live delay ops
// longer; fit false places each op's scratch as its kernel now asks
// (ScratchBytes), without fitting it: the kernels are the Model's, shared
// with the one-thread plan that fitted them.
func placeScratch(g *format.Model, kernels []ops.Kernel, delay int, fit bool) scratchPlan {
	n := len(kernels)
	p := scratchPlan{offset: make([]int64, n), size: make([]int64, n), arena: g.ArenaBytes, peakOp: -1}
	live := newLiveTensors(g, delay)
	users := 0
	for _, k := range kernels {
		if _, ok := k.(ops.ScratchUser); ok {
			users++
		}
	}
	if int64(users)*int64(len(live.order)) > maxPlacementWork {
		// Every op's preferred scratch after the activations.
		at := alignUp(g.ArenaBytes, plan.Alignment)
		for i, k := range kernels {
			if s, ok := k.(ops.ScratchUser); ok && s.ScratchBytes() > 0 {
				p.offset[i], p.size[i] = at, int64(s.ScratchBytes())
				p.arena, p.extra = max(p.arena, at+p.size[i]), max(p.extra, p.size[i])
			}
		}
		p.arena, p.extra = alignUp(p.arena, plan.Alignment), alignUp(p.extra, 64)
		return p
	}
	// Pass 1: the lean scratch of every op sets the arena.
	for i, k := range kernels {
		s, ok := k.(ops.ScratchUser)
		if !ok {
			continue
		}
		need := int64(s.ScratchBytes())
		if f, ok := k.(ops.ScratchFitter); ok && fit {
			need = int64(f.LeanScratchBytes())
		}
		if need == 0 {
			continue
		}
		p.offset[i], p.size[i] = live.firstFit(i, need), need
		p.arena = max(p.arena, p.offset[i]+need)
	}
	// Pass 2: within that arena, each fitter takes the largest room free
	// during its op.
	for i, k := range kernels {
		f, ok := k.(ops.ScratchFitter)
		if !ok || !fit || p.size[i] == 0 {
			continue
		}
		room := live.largestGap(i, p.arena)
		if int64(f.ScratchBytes()) > room {
			f.FitScratch(int(min(room, int64(maxArenaLen))))
		}
		need := int64(f.ScratchBytes())
		// The first free range that fits lies below the arena's end:
		// the largest one does.
		p.offset[i], p.size[i] = live.firstFit(i, need), need
	}
	for _, sz := range p.size {
		p.extra = max(p.extra, sz)
	}
	// The peak op (unless scanning every op's live tensors is too much
	// work: a hostile file, peakOp stays -1).
	if int64(len(kernels))*int64(len(live.order)) <= maxPlacementWork {
		peak := int64(-1)
		for i := range kernels {
			if end := max(live.end(i), p.offset[i]+p.size[i]); end > peak {
				peak, p.peakOp = end, i
			}
		}
	}
	p.arena = alignUp(p.arena, plan.Alignment)
	p.extra = alignUp(p.extra, 64)
	return p
}

// threadScratch is where the extra threads' scratch starts: after the
// one-thread arena, 64-byte aligned like the arena itself.
func (p *scratchPlan) threadScratch() int64 { return alignUp(p.arena, 64) }

// arenaBytes is the arena of an interpreter with threads threads.
func (p *scratchPlan) arenaBytes(threads int) int64 {
	if threads <= 1 {
		return p.arena
	}
	return p.threadScratch() + p.extra*int64(threads-1)
}

func alignUp(n, a int64) int64 { return (n + a - 1) &^ (a - 1) }

// liveTensors answers, for an op, which arena bytes hold tensors live
// while it runs: a tensor is live from the first op that reads or writes
// it to the last (graph inputs from the start, graph outputs to the end).
type liveTensors struct {
	g           *format.Model
	first, last []int
	// order lists the activations (non-constant, not empty) by offset.
	order []int32
}

func newLiveTensors(g *format.Model, delay int) *liveTensors {
	l := &liveTensors{g: g, first: make([]int, len(g.Tensors)), last: make([]int, len(g.Tensors))}
	for i := range l.first {
		l.first[i], l.last[i] = len(g.Ops), -1
	}
	use := func(t int32, i int) {
		if t >= 0 && int(t) < len(g.Tensors) {
			l.first[t], l.last[t] = min(l.first[t], i), max(l.last[t], i)
		}
	}
	for i := range g.Ops {
		for _, t := range g.Ops[i].Inputs {
			use(t, i)
		}
		for _, t := range g.Ops[i].Outputs {
			use(t, i)
		}
	}
	for _, io := range g.Inputs {
		use(io.Tensor, 0)
	}
	for _, io := range g.Outputs {
		use(io.Tensor, len(g.Ops)-1)
	}
	for i := range g.Tensors {
		if g.Tensors[i].Variable { // state: live throughout
			use(int32(i), 0)
			use(int32(i), len(g.Ops)-1)
		}
	}
	for i := range l.last {
		if l.last[i] >= 0 {
			l.last[i] = min(l.last[i]+delay, len(g.Ops)-1)
		}
	}
	for i := range g.Tensors {
		if t := &g.Tensors[i]; !t.IsConstant() && t.ByteSize() > 0 && l.last[i] >= 0 {
			l.order = append(l.order, int32(i))
		}
	}
	slices.SortFunc(l.order, func(a, b int32) int {
		return int(min(max(g.Tensors[a].ArenaOffset-g.Tensors[b].ArenaOffset, -1), 1))
	})
	return l
}

// gaps calls visit with each free range [lo, hi) during op i, 16-byte
// aligned at lo, in address order; the last is [lo, limit) (limit < 0:
// unbounded, hi = -1). It stops when visit returns false.
func (l *liveTensors) gaps(i int, limit int64, visit func(lo, hi int64) bool) {
	cur := int64(0)
	for _, t := range l.order {
		if l.first[t] > i || l.last[t] < i {
			continue
		}
		tt := &l.g.Tensors[t]
		if off := tt.ArenaOffset; off > cur {
			if !visit(cur, off) {
				return
			}
		}
		cur = max(cur, alignUp(tt.ArenaOffset+tt.ByteSize(), plan.Alignment))
	}
	if limit < 0 {
		visit(cur, -1)
	} else if cur < limit {
		visit(cur, limit)
	}
}

// firstFit returns the lowest 16-byte aligned offset where size bytes are
// free during op i.
func (l *liveTensors) firstFit(i int, size int64) int64 {
	at := int64(-1)
	l.gaps(i, -1, func(lo, hi int64) bool {
		if hi < 0 || hi-lo >= size {
			at = lo
			return false
		}
		return true
	})
	return at
}

// end is the end of the last tensor live during op i.
func (l *liveTensors) end(i int) int64 {
	e := int64(0)
	for _, t := range l.order {
		if l.first[t] <= i && i <= l.last[t] {
			tt := &l.g.Tensors[t]
			e = max(e, tt.ArenaOffset+tt.ByteSize())
		}
	}
	return e
}

// largestGap is the size of the largest free range during op i below
// limit.
func (l *liveTensors) largestGap(i int, limit int64) int64 {
	best := int64(0)
	l.gaps(i, limit, func(lo, hi int64) bool {
		best = max(best, min(hi, limit)-lo)
		return true
	})
	return best
}
