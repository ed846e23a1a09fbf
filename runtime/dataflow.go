package runtime

import (
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/edgerun/edgerun/ops"
)

// Row dataflow: the graph's ops run on several lanes without a barrier
// between them. Lane w runs participant w's part of every op in graph
// order (of a split op its share of the units, of any other op all of it
// on lane 0 and nothing elsewhere), and before each part waits only for
// the parts of other lanes whose bytes it touches: the producers of the
// rows it reads (a convolution's halo rows), and the earlier readers and
// writers of memory it overwrites (the arena plan reuses memory). When
// consecutive ops split their rows alike, a lane reads only what it
// wrote and runs on without any message between the cores; a per-op
// fork and join costs two cache-line transfers (~1.3 µs on the 2-vCPU
// development VM, as much as a whole op of person_detect).
//
// Lanes beyond 0 are claimed part by part (lane.next), so the invoking
// goroutine, which runs lane 0, can take the parts of a lane whose
// goroutine has lost its core: nobody waits for a worker to start.

// flowLookback bounds how far back a part's dependencies are searched:
// a part waits for every op of every other lane up to this many ops back
// whether or not it touches their bytes (those finished long ago).
const flowLookback = 64

// flowIndexBits: a lane word holds a generation in its high bits and an
// op index in its low flowIndexBits; dataflow needs fewer ops than that.
const flowIndexBits = 32

const flowIndexMask = 1<<flowIndexBits - 1

// dataflow is an interpreter's plan for running its graph on n lanes; it
// never changes after newDataflow.
type dataflow struct {
	n, ops int
	// lo, hi: lane w's units of op k are [lo[k*n+w], hi[k*n+w]); for an
	// op that is not split lane 0 has [0, 1) and the others nothing.
	lo, hi []int32
	// need[(k*n+w)*n+q] is how many of lane q's first ops must have
	// finished before lane w runs its part of op k (0: none).
	need []int32
	// split[k] is op k's kernel when it is split.
	split []ops.Splittable
	// span holds from<<32 | to of the running invocation (TimeOps runs
	// only ops from..to-1; the lanes pass the others as empty parts).
	span atomic.Uint64
}

// flowLane is one lane's progress, on a line of its own.
type flowLane struct {
	// next is gen<<32 | the next op whose part of this lane is unclaimed.
	next atomic.Uint64
	// done is gen<<32 | how many of the lane's parts have finished.
	done atomic.Uint64
	_    [112]byte
}

// addrRange is a byte range of memory [lo, hi) touched by part of an op.
type addrRange struct {
	lo, hi uintptr
	write  bool
}

// newDataflow plans the graph on n lanes: every splittable kernel split.
func (it *Interpreter) newDataflow(n int) *dataflow {
	m := it.model
	nops := len(m.kernels)
	f := &dataflow{
		n: n, ops: nops,
		lo: make([]int32, nops*n), hi: make([]int32, nops*n),
		need:  make([]int32, nops*n*n),
		split: make([]ops.Splittable, nops),
	}
	task := &poolTask{}
	access := make([][]addrRange, nops*n)
	var buf []ops.Access
	for k := range nops {
		sp := m.split[k]
		if sp != nil && sp.Units() > 1 {
			f.split[k] = sp
			task.units = sp.Units()
			for w := range n {
				lo, hi := task.part(w, n)
				f.lo[k*n+w], f.hi[k*n+w] = int32(lo), int32(hi)
				if lo >= hi {
					continue
				}
				if ra, ok := sp.(ops.RangeAccessor); ok {
					buf = ra.Access(lo, hi, buf[:0])
				} else {
					buf = it.wholeAccess(k, false, buf[:0])
				}
				access[k*n+w] = it.addrRanges(buf, w == 0, k)
			}
			continue
		}
		f.lo[k*n], f.hi[k*n] = 0, 1
		// A kernel that does not split may update an input in place
		// (SVDF and LSTM state): everything it touches counts as written.
		access[k*n] = it.addrRanges(it.wholeAccess(k, true, buf[:0]), true, k)
	}
	for k := range nops {
		for w := range n {
			a := access[k*n+w]
			if len(a) == 0 {
				continue
			}
			need := f.need[(k*n+w)*n:][:n]
			for q := range n {
				if q == w {
					continue
				}
				first := max(k-flowLookback, 0)
				need[q] = int32(first) // everything before the lookback
				for j := k - 1; j >= first; j-- {
					if conflicts(a, access[j*n+q]) {
						need[q] = int32(j + 1)
						break
					}
				}
			}
		}
	}
	return f
}

// wholeAccess appends op k's non-constant inputs (read, or written when
// inPlace) and outputs (written) whole.
func (it *Interpreter) wholeAccess(k int, inPlace bool, dst []ops.Access) []ops.Access {
	op := &it.model.graph.Ops[k]
	for _, t := range op.Inputs {
		if t >= 0 {
			dst = append(dst, ops.Access{Tensor: t, Hi: -1, Write: inPlace})
		}
	}
	for _, t := range op.Outputs {
		if t >= 0 {
			dst = append(dst, ops.Access{Tensor: t, Hi: -1, Write: true})
		}
	}
	return dst
}

// addrRanges turns tensor accesses into memory ranges, with op k's arena
// scratch (written) on lane 0; constant tensors, never written, are left
// out.
func (it *Interpreter) addrRanges(acc []ops.Access, lane0 bool, k int) []addrRange {
	var out []addrRange
	g := it.model.graph
	for _, a := range acc {
		if a.Tensor < 0 || int(a.Tensor) >= len(g.Tensors) || g.Tensors[a.Tensor].IsConstant() {
			continue
		}
		b := it.env.Tensors[a.Tensor]
		lo, hi := a.Lo, a.Hi
		if hi < 0 {
			lo, hi = 0, len(b)
		}
		lo, hi = max(lo, 0), min(hi, len(b))
		if lo >= hi {
			continue
		}
		base := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		out = append(out, addrRange{base + uintptr(lo), base + uintptr(hi), a.Write})
	}
	if s := it.scratch[k]; lane0 && len(s) > 0 {
		base := uintptr(unsafe.Pointer(unsafe.SliceData(s)))
		out = append(out, addrRange{base, base + uintptr(len(s)), true})
	}
	return out
}

// conflicts reports whether two parts touch a common byte that one of
// them writes.
func conflicts(a, b []addrRange) bool {
	for _, x := range a {
		for _, y := range b {
			if (x.write || y.write) && x.lo < y.hi && y.lo < x.hi {
				return true
			}
		}
	}
	return false
}

// runFlow runs ops from..to-1 on every lane (the invoking goroutine runs
// lane 0) and returns when all are done. With stamps, stamps[k+2] is the
// clock (since epoch) when lane 0 finished its part of op k.
func (it *Interpreter) runFlow(from, to int, stamps []int64, epoch time.Time) {
	p, f := it.pool, it.flow
	f.span.Store(uint64(from)<<flowIndexBits | uint64(to))
	base := (p.gen.Load() + 1) << flowIndexBits // publish's generation
	for q := range p.lanes {
		p.lanes[q].next.Store(base)
		p.lanes[q].done.Store(base)
	}
	for i := range p.workers {
		// A worker that reads this generation only after a later
		// per-op run was published must not take that run's task for
		// this generation's: the per-op parts of this one count as
		// claimed and done.
		p.workers[i].claimed.Store(base >> flowIndexBits)
		p.workers[i].done.Store(base >> flowIndexBits)
	}
	p.publish(p.flowTask)
	lane := &p.lanes[0]
	for k := from; k < to; k++ {
		if i := k * f.n; f.lo[i] < f.hi[i] {
			for q, need := range f.need[i*f.n:][:f.n] {
				if need > int32(from) {
					p.awaitLane(f, q, base|uint64(need), base, from, to)
				}
			}
			it.env.Scratch = it.scratch[k]
			if sp := f.split[k]; sp != nil {
				sp.EvalRange(&it.env, int(f.lo[i]), int(f.hi[i]))
			} else {
				it.model.kernels[k].Eval(&it.env)
			}
		}
		lane.done.Store(base | uint64(k+1))
		if stamps != nil {
			stamps[k+2] = int64(time.Since(epoch))
		}
	}
	lane.done.Store(base | uint64(f.ops))
	for q := 1; q < f.n; q++ {
		p.awaitLane(f, q, base|uint64(f.ops), base, from, to)
	}
}

// lanePart runs lane w's (w > 0) part of op k, which the caller has
// claimed, once the parts it depends on are done: waiting for them
// (steal false, a worker) or running those nobody has claimed (steal
// true, the invoking goroutine).
func (p *workerPool) lanePart(f *dataflow, k, w int, base uint64, from, to int, steal bool) {
	i := k*f.n + w
	lo, hi := int(f.lo[i]), int(f.hi[i])
	if k < from || k >= to || lo >= hi {
		return
	}
	for q, need := range f.need[i*f.n:][:f.n] {
		if need > int32(from) {
			if steal {
				p.awaitLane(f, q, base|uint64(need), base, from, to)
			} else {
				p.waitLane(q, base|uint64(need), p.seen(w))
			}
		}
	}
	f.split[k].EvalRange(&p.envs[w], lo, hi)
}

// awaitLane is the invoking goroutine waiting until lane q's done
// reaches target. While it waits it runs parts nobody has claimed yet
// itself (in their lane's scratch): lane q's next part, or else an
// earlier part of any lane, which a part of lane q may be waiting for
// (with three lanes, a worker can wait for a lane whose worker is
// parked). It takes only parts before target's op, whose dependencies
// are earlier still, so the waits always end. Lane 0 is its own: when it
// waits for lane 0, lane 0 is there already.
func (p *workerPool) awaitLane(f *dataflow, q int, target, base uint64, from, to int) {
	seen := p.seen(0)
	if seen[q] >= target {
		return
	}
	if q == 0 {
		p.waitLane(0, target, seen)
		return
	}
	lane := &p.lanes[q]
	sp := spinner{threads: len(p.envs)}
	for {
		if seen[q] = lane.done.Load(); seen[q] >= target {
			return
		}
		if p.steal(f, q, target, base, from, to) {
			continue
		}
		stole := false
		for r := 1; r < f.n && !stole; r++ {
			stole = r != q && p.steal(f, r, target, base, from, to)
		}
		if !stole {
			sp.poll(0)
		}
	}
}

// steal runs lane r's next part on the invoking goroutine if nobody has
// claimed it and it comes before below (gen<<32 | op); it reports
// whether it did.
func (p *workerPool) steal(f *dataflow, r int, below, base uint64, from, to int) bool {
	lane := &p.lanes[r]
	v := lane.next.Load()
	if v < base || v >= below || !lane.next.CompareAndSwap(v, v+1) {
		return false
	}
	p.awaitLane(f, r, v, base, from, to) // the lane's previous part, if its worker has it
	p.lanePart(f, int(v&flowIndexMask), r, base, from, to, true)
	lane.done.Store(v + 1)
	return true
}

// waitLane spins until lane q's done reaches target. seen is the
// caller's cache of the lanes' done (see seen).
func (p *workerPool) waitLane(q int, target uint64, seen []uint64) {
	if seen[q] >= target {
		return
	}
	lane := &p.lanes[q]
	sp := spinner{threads: len(p.envs)}
	for {
		if seen[q] = lane.done.Load(); seen[q] >= target {
			return
		}
		sp.poll(0)
	}
}

// seen returns goroutine w's cache of the lanes' done counters (w 0: the
// invoking goroutine). A lane's done only grows within a run (and a value
// from an earlier run is below any target of this one), so a value once
// seen at or past a target needs no second look: the common case, the
// other lane far enough ahead, then reads nothing another core wrote.
func (p *workerPool) seen(w int) []uint64 {
	n := len(p.lanes)
	return p.seenDone[w*p.seenStride:][:n]
}

// runLane is worker w's share of dataflow run g: it claims lane w's parts
// in order until the lane is through or run g is over.
func (p *workerPool) runLane(f *dataflow, w int, g uint64) {
	lane := &p.lanes[w]
	base := g << flowIndexBits
	end := base | uint64(f.ops)
	var from, to int
	spanRead := false
	for {
		v := lane.next.Load()
		if v < base || v >= end {
			return
		}
		if !lane.next.CompareAndSwap(v, v+1) {
			continue
		}
		if !spanRead {
			// Read after a claim: run g is not over, so span is its.
			s := f.span.Load()
			from, to = int(s>>flowIndexBits), int(s&flowIndexMask)
			spanRead = true
		}
		p.waitLane(w, v, p.seen(w)) // the previous part, if the invoking goroutine took it
		p.lanePart(f, int(v&flowIndexMask), w, base, from, to, false)
		lane.done.Store(v + 1)
	}
}
