package runtime

import (
	goruntime "runtime"
	"sync"

	"github.com/edgerun/edgerun/ops"
)

// workerPool runs parts of splittable kernels on goroutines created once
// per interpreter. Invoke hands out tasks through a buffered channel of
// plain values and waits on a WaitGroup, so it allocates nothing.
type workerPool struct {
	tasks chan poolTask
	wg    sync.WaitGroup
	once  sync.Once
	// envs[w] is worker w's view: the interpreter's tensors and its own
	// scratch. envs[0] belongs to the invoking goroutine.
	envs []ops.Env
}

type poolTask struct {
	k      ops.Splittable
	lo, hi int
	env    *ops.Env
}

func newWorkerPool(envs []ops.Env) *workerPool {
	p := &workerPool{tasks: make(chan poolTask, len(envs)), envs: envs}
	for range envs[1:] {
		go p.work()
	}
	return p
}

func (p *workerPool) work() {
	for t := range p.tasks {
		t.k.EvalRange(t.env, t.lo, t.hi)
		p.wg.Done()
	}
}

// run splits k's units evenly over the workers and waits for all parts.
func (p *workerPool) run(k ops.Splittable) {
	units := k.Units()
	n := min(len(p.envs), units)
	if n <= 1 {
		k.EvalRange(&p.envs[0], 0, units)
		return
	}
	p.wg.Add(n - 1)
	for w := 1; w < n; w++ {
		p.tasks <- poolTask{k: k, lo: units * w / n, hi: units * (w + 1) / n, env: &p.envs[w]}
	}
	k.EvalRange(&p.envs[0], 0, units/n)
	p.wg.Wait()
}

// stop ends the workers (once, whoever calls it first: Close or the
// cleanup of a collected interpreter).
func (p *workerPool) stop() { p.once.Do(func() { close(p.tasks) }) }

// defaultThreads is the thread count when Options.Threads is 0.
func defaultThreads() int { return goruntime.GOMAXPROCS(0) }
