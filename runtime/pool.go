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
// Two facts shape it. A model's ops are short (microseconds with the SIMD
// kernels), so a hand-off must cost far less than waking a parked
// goroutine, which takes tens of microseconds on a loaded or virtual
// machine: idle workers spin for a while before they park. And the
// machine may be shared, so a worker can lose its core at any moment: no
// one waits for a worker to start. Units are claimed in small chunks from
// one atomic counter by whoever is running; the invoking goroutine claims
// too, and waits only for chunks already claimed. A worker that wakes late
// finds nothing left and goes back to waiting.
//
// Everything is atomics on memory allocated with the pool: run allocates
// nothing.
type workerPool struct {
	// envs[w] is participant w's view: the interpreter's tensors and its
	// own scratch. envs[0] belongs to the invoking goroutine.
	envs []ops.Env
	// state is gen<<32 | next, both uint32 and never converted to int
	// whole: the generation of the current run and the index of the next
	// unclaimed chunk (not unit: a task has at most about two chunks per
	// thread, so next fits in 32 bits whatever the unit count). Between
	// runs next is closedNext, which is never a valid chunk index
	// (newTask makes sure), so no claim can succeed while task changes.
	state atomic.Uint64
	task  atomic.Pointer[poolTask]
	// done counts the units finished in the current run.
	done    atomic.Int64
	stopped atomic.Bool
	workers []poolWorker
}

// poolTask is one splittable op; tasks are built once per interpreter and
// never change, so a worker may read one without further ordering.
type poolTask struct {
	k     ops.Splittable
	units int
	chunk int // units per chunk; chunk c is [c*chunk, min((c+1)*chunk, units))
	// chunks is the number of chunks, ceil(units/chunk): always below
	// closedNext.
	chunks uint64
}

type poolWorker struct {
	sleeping atomic.Bool
	wake     chan struct{} // capacity 1: a wake-up never blocks or gets lost
	_        [64]byte      // keep workers' flags on different cache lines
}

const (
	// nextMask selects next in state; closedNext is next between runs.
	nextMask   = 1<<32 - 1
	closedNext = nextMask
	// workerSpin is how long an idle worker polls before parking: long
	// enough to bridge the unsplit ops between two split ones (MobileNetV2
	// has 190 µs ADDs; a worker woken from parking starts tens of
	// microseconds late), short enough not to burn a core between
	// inferences.
	workerSpin = time.Millisecond
	// clockEvery polls between clock readings while spinning.
	clockEvery = 1024
	// yieldEvery polls between runtime.Gosched calls, so that spinning
	// never starves a goroutine sharing the processor (GOMAXPROCS below
	// Threads, or a loaded machine).
	yieldEvery = 256
	// chunksPerThread sets the claim granularity. Every claim moves the
	// counter's cache line between cores (hundreds of nanoseconds on a
	// virtual machine), and measured on MobileNetV2 with 2 threads, 1
	// chunk per thread ran 1.35 times faster than 1 thread, 2 chunks 1.05,
	// 4 chunks 0.99. A worker that starts late still costs nothing: the
	// invoking goroutine claims its chunk.
	chunksPerThread = 1
)

func newWorkerPool(envs []ops.Env) *workerPool {
	p := &workerPool{envs: envs, workers: make([]poolWorker, len(envs)-1)}
	p.state.Store(closedNext)
	for i := range p.workers {
		p.workers[i].wake = make(chan struct{}, 1)
		go p.work(&p.workers[i], &p.envs[i+1])
	}
	return p
}

// newTask prepares k for run.
func (p *workerPool) newTask(k ops.Splittable) *poolTask {
	units := max(k.Units(), 0)
	chunk := max(1, units/(len(p.envs)*chunksPerThread))
	// units/chunk < 2*len(envs)*chunksPerThread when chunk > 1, and
	// units itself when chunk is 1 (units < 2*len(envs)*chunksPerThread):
	// far below closedNext for any pool that could be allocated.
	chunks := uint64(units / chunk)
	if units%chunk != 0 {
		chunks++
	}
	if chunks >= closedNext {
		panic("runtime: worker pool task with too many chunks")
	}
	return &poolTask{k: k, units: units, chunk: chunk, chunks: chunks}
}

func (p *workerPool) work(w *poolWorker, env *ops.Env) {
	lastGen := p.state.Load() >> 32
	for {
		s := p.state.Load()
		var deadline time.Time
		for spin := 1; s>>32 == lastGen || s&nextMask == closedNext; spin++ {
			if spin%yieldEvery == 0 {
				goruntime.Gosched()
			}
			if spin%clockEvery == 0 {
				if now := time.Now(); deadline.IsZero() {
					deadline = now.Add(workerSpin)
				} else if now.After(deadline) {
					break
				}
			}
			s = p.state.Load()
		}
		if p.stopped.Load() {
			return
		}
		if s>>32 == lastGen || s&nextMask == closedNext {
			// Park. Publishing sleeping before the re-check means a run
			// opened meanwhile is either seen here or followed by a wake.
			w.sleeping.Store(true)
			if s := p.state.Load(); (s>>32 == lastGen || s&nextMask == closedNext) && !p.stopped.Load() {
				<-w.wake
			}
			w.sleeping.Store(false)
			continue
		}
		lastGen = s >> 32
		p.claim(p.task.Load(), env, lastGen)
	}
}

// claim runs chunks of t until none is left in run gen. t was loaded after
// gen was seen open; if a later run has replaced t since, run gen was
// closed first, so no claim below can succeed with the wrong task.
func (p *workerPool) claim(t *poolTask, env *ops.Env, gen uint64) {
	for {
		s := p.state.Load()
		// Compared as uint64: closedNext, or anything else past the last
		// chunk, ends the claim on every int width (issue 12: as int(),
		// closedNext was -1 on 32-bit platforms, a valid-looking unit).
		next := s & nextMask
		if s>>32 != gen || next >= t.chunks {
			return
		}
		if !p.state.CompareAndSwap(s, s+1) { // next < chunks < closedNext: no carry into gen
			continue
		}
		// next < chunks, so lo < units and the products fit in an int.
		lo := int(next) * t.chunk
		hi := lo + min(t.chunk, t.units-lo)
		t.k.EvalRange(env, lo, hi)
		p.done.Add(int64(hi - lo))
	}
}

// run computes every unit of t and returns when all are done.
func (p *workerPool) run(t *poolTask) {
	gen := (p.state.Load()>>32 + 1) & nextMask
	p.done.Store(0)
	p.task.Store(t)
	p.state.Store(gen << 32) // open: next unit 0
	for i := range p.workers {
		if w := &p.workers[i]; w.sleeping.Load() {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
	p.claim(t, &p.envs[0], gen)
	for spin := 1; p.done.Load() != int64(t.units); spin++ {
		if spin%yieldEvery == 0 {
			goruntime.Gosched()
		}
	}
	p.state.Store(gen<<32 | closedNext)
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
