package runtime

import (
	goruntime "runtime"
	"sync/atomic"
	"time"

	"github.com/edgerun/edgerun/ops"
)

// workerPool runs splittable kernels on the invoking goroutine plus
// workers created once per interpreter.
//
// Three facts shape it. A model's ops are short (microseconds with the
// SIMD kernels), so a hand-off must cost far less than waking a parked
// goroutine, which takes tens of microseconds on a loaded or virtual
// machine: idle workers spin for a while before they park. Every message
// between cores costs a cache-line transfer (100-200 ns on a virtual
// machine), so a run sends as few as it can: the invoking goroutine
// publishes the run's generation (one transfer to the workers), each
// worker claims and finishes its part on a cache line of its own, and
// the invoking goroutine reads the finish (one transfer back). And the
// machine may be shared, so a worker can lose its core at any moment: no
// one waits for a worker to start. Participant w's part of a task is
// fixed (part: units w·units/n onwards, so consecutive split ops give a
// thread the rows it wrote before); when the invoking goroutine has done
// its own part and finds a worker's part unclaimed, it claims and runs it
// itself.
//
// Everything is atomics on memory allocated with the pool: run allocates
// nothing.
type workerPool struct {
	// envs[w] is participant w's view: the interpreter's tensors and its
	// own scratch. envs[0] belongs to the invoking goroutine.
	envs []ops.Env
	_    [64]byte
	// gen is the generation of the latest run, stored after task: a
	// worker that sees gen change runs its part of task.
	gen     atomic.Uint64
	task    atomic.Pointer[poolTask]
	stopped atomic.Bool
	_       [64]byte
	workers []poolWorker // participant w is workers[w-1]
	// lanes and flowTask run the graph as a dataflow (see dataflow.go);
	// flowTask is nil unless the interpreter chose that.
	lanes    []flowLane
	flowTask *poolTask
	// seenDone holds each participant's cache of the lanes' done counters
	// (seen), seenStride apart so that no two share a cache line.
	seenDone   []uint64
	seenStride int
}

// poolTask is one splittable op; tasks are built once per interpreter and
// never change, so a worker may read one without further ordering.
type poolTask struct {
	k     ops.Splittable
	units int
	// flow, when set, makes the run a dataflow run of the whole graph:
	// each worker runs its lane (runLane) instead of a part of k.
	flow *dataflow
}

// part returns participant w's units [lo, hi) of n participants: the
// units split as evenly as they go, earlier participants first.
func (t *poolTask) part(w, n int) (lo, hi int) {
	base, rem := t.units/n, t.units%n
	lo = w*base + min(w, rem)
	hi = lo + base
	if w < rem {
		hi++
	}
	return lo, hi
}

type poolWorker struct {
	// claimed is the latest generation whose part of this participant
	// someone claimed: the worker, or the invoking goroutine when the
	// worker was late. It only grows (a claim of generation g swaps a
	// smaller value for g), so a worker that wakes after its run ended
	// (claimed is already that run's generation) claims nothing.
	claimed atomic.Uint64
	// done is the latest generation whose part finished.
	done     atomic.Uint64
	sleeping atomic.Bool
	// started: the worker's goroutine has run (awaitWorkers).
	started atomic.Bool
	wake    chan struct{} // capacity 1: a wake-up never blocks or gets lost
	_       [128]byte     // keep workers' lines apart (adjacent-line prefetch pairs 128 bytes)
}

const (
	// workerSpin is how long an idle worker polls before parking: long
	// enough to bridge the unsplit ops between two split ones (a worker
	// woken from parking starts tens of microseconds late), short enough
	// not to burn a core between inferences.
	workerSpin = time.Millisecond
	// clockEvery polls between clock readings while spinning.
	clockEvery = 1024
	// yieldEvery and yieldEveryShort are polls between runtime.Gosched
	// calls while spinning: rarely when every participant can have a
	// processor (a Gosched takes the spinner away for hundreds of
	// nanoseconds, delaying its reaction), often when GOMAXPROCS is below
	// the thread count, so that a spinner never starves the goroutine it
	// waits for.
	yieldEvery      = 1 << 14
	yieldEveryShort = 1 << 6
)

func newWorkerPool(envs []ops.Env) *workerPool {
	n := len(envs)
	p := &workerPool{envs: envs, workers: make([]poolWorker, n-1), lanes: make([]flowLane, n)}
	p.seenStride = (n + 15) &^ 15 // 128 bytes or more
	p.seenDone = make([]uint64, n*p.seenStride)
	for i := range p.workers {
		p.workers[i].wake = make(chan struct{}, 1)
		go p.work(i + 1)
	}
	return p
}

// newTask prepares k for run.
func (p *workerPool) newTask(k ops.Splittable) *poolTask {
	return &poolTask{k: k, units: max(k.Units(), 0)}
}

// spinner paces a spin loop: Gosched every so many polls (see
// yieldEvery), and whether the spin has run past a deadline.
type spinner struct {
	n        int
	every    int
	threads  int
	deadline time.Time
}

// poll is called once per poll; it reports whether timeout has passed
// since the first poll (checked every clockEvery polls; timeout 0 never
// passes).
func (s *spinner) poll(timeout time.Duration) bool {
	s.n++
	if s.n%clockEvery == 0 {
		// GOMAXPROCS may change at any time: look again now and then.
		if goruntime.GOMAXPROCS(0) < s.threads {
			s.every = yieldEveryShort
		} else {
			s.every = yieldEvery
		}
		if timeout > 0 {
			if now := time.Now(); s.deadline.IsZero() {
				s.deadline = now.Add(timeout)
			} else if now.After(s.deadline) {
				return true
			}
		}
	}
	if s.every == 0 {
		s.every = yieldEveryShort // until the first look
		if goruntime.GOMAXPROCS(0) >= s.threads {
			s.every = yieldEvery
		}
	}
	if s.n%s.every == 0 {
		goruntime.Gosched()
	}
	return false
}

// work is participant w's loop.
func (p *workerPool) work(w int) {
	slot, env, n := &p.workers[w-1], &p.envs[w], len(p.envs)
	seen := p.gen.Load()
	slot.started.Store(true)
	for {
		g := p.gen.Load()
		sp := spinner{threads: n}
		for g == seen && !p.stopped.Load() {
			if sp.poll(workerSpin) {
				break
			}
			g = p.gen.Load()
		}
		if p.stopped.Load() {
			return
		}
		if g == seen {
			// Park. Publishing sleeping before the re-check means a run
			// opened meanwhile is either seen here or followed by a wake.
			slot.sleeping.Store(true)
			if p.gen.Load() == seen && !p.stopped.Load() {
				<-slot.wake
			}
			slot.sleeping.Store(false)
			continue
		}
		seen = g
		// If this claim succeeds, run g has not passed this participant
		// yet, so task is still run g's (it was stored before g).
		t := p.task.Load()
		if t.flow != nil {
			// A lane claims part by part with run g's generation: a
			// late worker claims nothing.
			p.runLane(t.flow, w, g)
			continue
		}
		if p.claim(slot, g) {
			p.runPart(t, w, env, slot, g)
		}
	}
}

// claim claims participant slot's part of run g; false when someone has
// (or run g is over).
func (p *workerPool) claim(slot *poolWorker, g uint64) bool {
	for {
		c := slot.claimed.Load()
		if c >= g {
			return false
		}
		if slot.claimed.CompareAndSwap(c, g) {
			return true
		}
	}
}

// runPart runs participant w's part of t in env and marks it done.
func (p *workerPool) runPart(t *poolTask, w int, env *ops.Env, slot *poolWorker, g uint64) {
	if lo, hi := t.part(w, len(p.envs)); lo < hi {
		t.k.EvalRange(env, lo, hi)
	}
	slot.done.Store(g)
}

// publish makes t the task of a new generation, wakes the workers that
// sleep, and returns the generation.
func (p *workerPool) publish(t *poolTask) uint64 {
	g := p.gen.Load() + 1
	p.task.Store(t)
	p.gen.Store(g)
	for i := range p.workers {
		if w := &p.workers[i]; w.sleeping.Load() {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
	return g
}

// run computes every unit of t and returns when all are done.
func (p *workerPool) run(t *poolTask) {
	g := p.publish(t)
	n := len(p.envs)
	if lo, hi := t.part(0, n); lo < hi {
		t.k.EvalRange(&p.envs[0], lo, hi)
	}
	for w := 1; w < n; w++ {
		slot := &p.workers[w-1]
		// Loads first: the slot's line is the worker's, and a load
		// shares it where a compare-and-swap (even a failing one) would
		// take it away, only for the worker's done store to take it
		// back. In the usual case, the worker claimed its part long ago,
		// this costs one line transfer.
		if slot.done.Load() >= g {
			continue
		}
		if slot.claimed.Load() < g && p.claim(slot, g) {
			// The worker has not started: its part runs here.
			p.runPart(t, w, &p.envs[0], slot, g)
			continue
		}
		sp := spinner{threads: n}
		for slot.done.Load() < g {
			sp.poll(0)
		}
	}
}

// wake publishes an empty task and waits, at most timeout, until every
// worker has taken its (empty) part, so that a timing run started right
// after finds the workers spinning rather than parked: after a serial
// pass longer than workerSpin they have parked, and the first split op
// would be timed with the invoking goroutine doing every part (it takes
// the parts no worker claimed). A worker that has not come by the
// deadline has its part taken here, as run would.
func (p *workerPool) wake(timeout time.Duration) {
	g := p.publish(&poolTask{})
	deadline := time.Now().Add(timeout)
	for i := range p.workers {
		slot := &p.workers[i]
		for slot.done.Load() < g && time.Now().Before(deadline) {
			goruntime.Gosched()
		}
		if p.claim(slot, g) {
			slot.done.Store(g)
			continue
		}
		for slot.done.Load() < g {
			goruntime.Gosched()
		}
	}
}

// awaitWorkers waits until every worker's goroutine has run, for at most
// timeout: a timing run that starts before then measures the invoking
// goroutine doing every part alone (it takes the parts of workers that
// have not claimed them).
func (p *workerPool) awaitWorkers(timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for i := range p.workers {
		for !p.workers[i].started.Load() && time.Now().Before(deadline) {
			goruntime.Gosched()
		}
	}
}

// stop ends the workers. It is called once, by whoever comes first: Close
// or the cleanup of an interpreter collected without Close; never while
// run is in progress.
func (p *workerPool) stop() {
	if p.stopped.Swap(true) {
		return
	}
	for i := range p.workers {
		select {
		case p.workers[i].wake <- struct{}{}:
		default:
		}
	}
}

// defaultThreads is the thread count when Options.Threads is 0.
func defaultThreads() int { return goruntime.GOMAXPROCS(0) }
