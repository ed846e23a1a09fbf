package runtime

import (
	goruntime "runtime"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/ops"
)

// countingKernel counts how often each unit ran.
type countingKernel struct {
	units int
	hits  []atomic.Int32
}

func (k *countingKernel) Eval(env *ops.Env) { k.EvalRange(env, 0, k.units) }
func (k *countingKernel) Units() int        { return k.units }
func (k *countingKernel) EvalRange(env *ops.Env, lo, hi int) {
	for u := lo; u < hi; u++ {
		k.hits[u].Add(1)
	}
}

// TestWorkerPoolCoversEveryUnitOnce: for many unit and thread counts, every
// unit runs exactly once per run, and running allocates nothing.
func TestWorkerPoolCoversEveryUnitOnce(t *testing.T) {
	for threads := 1; threads <= 4; threads++ {
		envs := make([]ops.Env, threads)
		for w := range envs {
			envs[w].Scratch = make([]byte, 8)
		}
		p := newWorkerPool(envs)
		for units := 1; units <= 9; units++ {
			k := &countingKernel{units: units, hits: make([]atomic.Int32, units)}
			task := p.newTask(k)
			p.run(task)
			p.run(task)
			for u := range k.hits {
				if got := k.hits[u].Load(); got != 2 {
					t.Fatalf("threads %d units %d: unit %d ran %d times in 2 runs", threads, units, u, got)
				}
			}
			if allocs := testing.AllocsPerRun(10, func() { p.run(task) }); allocs != 0 {
				t.Errorf("threads %d: run allocates %.1f", threads, allocs)
			}
		}
		p.stop()
	}
}

// TestWorkerPoolAlternatingTasks runs many short tasks of different sizes
// back to back, the pattern in which a worker that wakes late could claim
// units of the wrong task: every unit of every task must run exactly once
// per run. With GOMAXPROCS 1 the workers only run when the invoking
// goroutine yields, so run must not wait for them to start.
func TestWorkerPoolAlternatingTasks(t *testing.T) {
	for _, procs := range []int{1, 0} {
		prev := goruntime.GOMAXPROCS(procs)
		envs := make([]ops.Env, 3)
		p := newWorkerPool(envs)
		var kernels []*countingKernel
		var tasks []*poolTask
		for _, units := range []int{1, 2, 7, 40, 3, 100} {
			k := &countingKernel{units: units, hits: make([]atomic.Int32, units)}
			kernels = append(kernels, k)
			tasks = append(tasks, p.newTask(k))
		}
		const runs = 2000
		for r := 0; r < runs; r++ {
			p.run(tasks[r%len(tasks)])
		}
		p.stop()
		goruntime.GOMAXPROCS(prev)
		for i, k := range kernels {
			want := int32(runs / len(tasks))
			if i < runs%len(tasks) {
				want++
			}
			for u := range k.hits {
				if got := k.hits[u].Load(); got != want {
					t.Fatalf("GOMAXPROCS %d: task %d (%d units): unit %d ran %d times, want %d", procs, i, k.units, u, got, want)
				}
			}
		}
	}
}

// loadMobileNet loads the built-in MobileNetV1-0.25, whose convs are
// splittable.
func loadMobileNet(t *testing.T) *Model {
	t.Helper()
	data, err := examples.Bytes("mobilenet_v1_025_96")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSplitByTime: with several threads, an op is split only when it took
// SplitMinNanos on one thread; a negative SplitMinNanos (or SplitMinMACs)
// leaves the choice to MACs alone.
func TestSplitByTime(t *testing.T) {
	m := loadMobileNet(t)
	split := func(opts *Options) int {
		it, err := NewInterpreter(m, opts)
		if err != nil {
			t.Fatal(err)
		}
		defer it.Close()
		n := 0
		for _, task := range it.tasks {
			if task != nil {
				n++
			}
		}
		return n
	}
	byMACs := split(&Options{Threads: 2, SplitMinNanos: -1})
	all := split(&Options{Threads: 2, SplitMinMACs: -1})
	never := split(&Options{Threads: 2, SplitMinNanos: 1 << 62})
	always := split(&Options{Threads: 2, SplitMinNanos: 1})
	if byMACs == 0 || all < byMACs || never != 0 || always != byMACs {
		t.Errorf("ops split: by MACs %d, all %d, with an hour's threshold %d (want 0), with 1 ns %d (want %d)", byMACs, all, never, always, byMACs)
	}
	if d := split(&Options{Threads: 2}); d > byMACs {
		t.Errorf("default options split %d ops, more than MACs alone allow (%d)", d, byMACs)
	}
}

// TestTimeOpsRunCount: TimeOps runs each op of its range exactly n times,
// whole (every unit once per run), and no op outside it, on one thread
// and split over a pool.
func TestTimeOpsRunCount(t *testing.T) {
	m := loadMobileNet(t)
	const op = 1
	for _, threads := range []int{1, 3} {
		counted := &countingKernel{units: 37, hits: make([]atomic.Int32, 37)}
		mc := *m
		mc.kernels = slices.Clone(m.kernels)
		mc.split = slices.Clone(m.split)
		mc.work = slices.Clone(m.work)
		mc.kernels[op], mc.split[op], mc.work[op] = counted, counted, 1<<40
		it, err := NewInterpreter(&mc, &Options{Threads: threads, SplitMinMACs: -1})
		if err != nil {
			t.Fatal(err)
		}
		for i := range mc.inputs {
			it.InputBytes(i)
		}
		if threads > 1 && it.tasks[op] == nil {
			t.Fatalf("%d threads: op %d not split", threads, op)
		}
		want := int32(0)
		for _, c := range []struct{ from, to, n, runs int }{
			{op, op + 1, 0, 0}, {op, op + 1, 1, 1}, {op, op + 1, 5, 5},
			{0, op + 2, 3, 3}, {op + 1, op + 3, 4, 0}, {0, op, 2, 0},
		} {
			if _, err := it.TimeOps(c.from, c.to, c.n); err != nil {
				t.Fatal(err)
			}
			want += int32(c.runs)
			for u := range counted.hits {
				if got := counted.hits[u].Load(); got != want {
					t.Fatalf("%d threads: after TimeOps(%d, %d, %d): op %d's unit %d ran %d times in all, want %d", threads, c.from, c.to, c.n, op, u, got, want)
				}
			}
		}
		it.Close()
	}
}
