package runtime

import (
	"fmt"
	goruntime "runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

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

// TestSplitByTime: with several threads, an op is split only when the
// timing run allows it (a threshold no op reaches splits none, and the
// timing run only removes ops from those MACs allow); a negative
// SplitMinNanos (or SplitMinMACs) leaves the choice to MACs alone.
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
	timed := split(&Options{Threads: 2, SplitMinNanos: 1})
	if byMACs == 0 || all < byMACs || never != 0 || timed > byMACs {
		t.Errorf("ops split: by MACs %d, all %d, with an hour's threshold %d (want 0), with 1 ns %d (want at most %d)", byMACs, all, never, timed, byMACs)
	}
	if d := split(&Options{Threads: 2}); d > byMACs {
		t.Errorf("default options split %d ops, more than MACs alone allow (%d)", d, byMACs)
	}
}

// TestChooseSplits: an op stays split when it took the threshold on one
// thread and ran splitGain times faster split, whatever the others did.
func TestChooseSplits(t *testing.T) {
	us := time.Microsecond
	serial := []time.Duration{10 * us, 10 * us, 10 * us, 1 * us, 2 * us, 0}
	split := []time.Duration{5 * us, 9500 * time.Nanosecond, 11 * us, 400 * time.Nanosecond, 2 * us / 3, 0}
	want := []bool{true, false, false, false, true, false}
	got := chooseSplits(serial, split, 2*us)
	if !slices.Equal(got, want) {
		t.Fatalf("chooseSplits(%v, %v, 2us) = %v, want %v", serial, split, got, want)
	}
}

// TestScheduleRounds: the timing runs fill about scheduleBudget with
// rounds, no fewer than splitRounds (large graphs) and no more than
// maxScheduleRounds (tiny ones, or a clock that read no time).
func TestScheduleRounds(t *testing.T) {
	for _, c := range []struct {
		round time.Duration
		want  int
	}{
		{0, maxScheduleRounds},
		{-time.Microsecond, maxScheduleRounds},
		{time.Nanosecond, maxScheduleRounds},
		{scheduleBudget / maxScheduleRounds, maxScheduleRounds},
		{scheduleBudget / 12, 12},
		{scheduleBudget/12 + 1, 11},
		{scheduleBudget / splitRounds, splitRounds},
		{scheduleBudget, splitRounds},
		{time.Second, splitRounds},
	} {
		if got := scheduleRounds(c.round); got != c.want {
			t.Errorf("scheduleRounds(%v) = %d, want %d", c.round, got, c.want)
		}
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

// rangeKernel counts how often each unit ran, and the calls whose range
// is not within [0, units) or empty.
type rangeKernel struct {
	units int
	hits  []atomic.Int32
	bad   atomic.Int32
}

func (k *rangeKernel) Eval(env *ops.Env) { k.EvalRange(env, 0, k.units) }
func (k *rangeKernel) Units() int        { return k.units }
func (k *rangeKernel) EvalRange(env *ops.Env, lo, hi int) {
	if lo < 0 || hi > k.units || lo >= hi {
		k.bad.Add(1)
		return
	}
	for u := lo; u < hi; u++ {
		k.hits[u].Add(1)
	}
}

func newRangeKernel(units int) *rangeKernel {
	return &rangeKernel{units: units, hits: make([]atomic.Int32, units)}
}

// check reports the first unit that did not run want times, and any bad
// range.
func (k *rangeKernel) check(t *testing.T, what string, want int32) {
	t.Helper()
	if n := k.bad.Load(); n != 0 {
		t.Fatalf("%s: %d calls with a range outside [0, %d)", what, n, k.units)
	}
	for u := range k.hits {
		if got := k.hits[u].Load(); got != want {
			t.Fatalf("%s: unit %d of %d ran %d times, want %d", what, u, k.units, got, want)
		}
	}
}

// TestWorkerPoolLateClaimsNothing is issue 12's bug, deterministically:
// a claim that comes after its run ended (a worker that saw the run's
// generation but lost its core until the run was over) must claim
// nothing, so that it never runs a part of a later run's task.
func TestWorkerPoolLateClaimsNothing(t *testing.T) {
	for _, threads := range []int{2, 3} {
		envs := make([]ops.Env, threads)
		p := newWorkerPool(envs)
		k := newRangeKernel(100)
		task := p.newTask(k)
		p.run(task)
		k.check(t, fmt.Sprintf("%d threads, first run", threads), 1)
		g := p.gen.Load()
		for w := range p.workers {
			// A late claimer of the run that ended, and of an older one.
			for _, late := range []uint64{g, g - 1} {
				if p.claim(&p.workers[w], late) {
					t.Fatalf("%d threads: participant %d's part of ended run %d (current %d) could be claimed", threads, w+1, late, g)
				}
			}
		}
		p.run(task)
		k.check(t, fmt.Sprintf("%d threads, second run", threads), 2)
		p.stop()
	}
}

// TestWorkerPoolManyChunksThreads: tasks with more units than one chunk
// (and a few with fewer units than threads), on several threads, run back
// to back many times: the pattern in which issue 12's bug showed, a
// worker claiming after its run closed (it finished its chunk just as the
// invoking goroutine closed the run, or lost its core). Every unit runs
// exactly once per run, no range is outside its task, and the runs end:
// a bad claim used to unbalance the count of finished units, and run then
// waited forever. (Under qemu-arm-static the old pool failed this in most
// runs; TestWorkerPoolLateClaimsNothing is the deterministic check.)
func TestWorkerPoolManyChunksThreads(t *testing.T) {
	const runs = 2000
	for _, procs := range []int{1, 0} {
		for _, threads := range []int{2, 3, 4} {
			for _, set := range [][]int{{100}, {1, 2, 7, 40, 3, 100}, {threads + 1, 37, 1000}} {
				prev := goruntime.GOMAXPROCS(procs)
				envs := make([]ops.Env, threads)
				p := newWorkerPool(envs)
				var kernels []*rangeKernel
				var tasks []*poolTask
				for _, units := range set {
					k := newRangeKernel(units)
					kernels = append(kernels, k)
					tasks = append(tasks, p.newTask(k))
				}
				what := fmt.Sprintf("GOMAXPROCS %d, %d threads, tasks of %v units", procs, threads, set)
				finished := make(chan struct{})
				go func() {
					for r := 0; r < runs; r++ {
						p.run(tasks[r%len(tasks)])
					}
					close(finished)
				}()
				bad := func() (n int32) {
					for _, k := range kernels {
						n += k.bad.Load()
					}
					return n
				}
				tick := time.NewTicker(10 * time.Millisecond)
				for deadline := time.Now().Add(time.Minute); ; {
					select {
					case <-finished:
					case <-tick.C:
						if n := bad(); n != 0 {
							t.Fatalf("%s: %d calls with a range outside the task", what, n)
						}
						if time.Now().After(deadline) {
							t.Fatalf("%s: %d runs did not finish in a minute", what, runs)
						}
						continue
					}
					break
				}
				tick.Stop()
				p.stop()
				goruntime.GOMAXPROCS(prev)
				for i, k := range kernels {
					want := int32(runs / len(tasks))
					if i < runs%len(tasks) {
						want++
					}
					k.check(t, fmt.Sprintf("%s, task %d (%d units)", what, i, k.units), want)
				}
			}
		}
	}
}

// TestWorkerPoolParts: a task's parts cover every unit once, in order,
// differ in size by at most one unit, for unit counts up to the largest
// int (no overflow on 32-bit platforms).
func TestWorkerPoolParts(t *testing.T) {
	const maxInt = int(^uint(0) >> 1)
	for _, threads := range []int{1, 2, 3, 8} {
		for _, units := range []int{0, 1, threads - 1, threads, threads + 1, 2*threads - 1, 2 * threads, 25, 1000, 1<<31 - 1, maxInt} {
			task := &poolTask{units: units}
			end, least, most := 0, maxInt, 0
			for w := range threads {
				lo, hi := task.part(w, threads)
				if lo != end || hi < lo {
					t.Fatalf("%d threads, %d units: part %d is [%d, %d), previous ended at %d", threads, units, w, lo, hi, end)
				}
				end = hi
				least, most = min(least, hi-lo), max(most, hi-lo)
			}
			if end != units {
				t.Fatalf("%d threads, %d units: parts end at %d", threads, units, end)
			}
			if most-least > 1 {
				t.Fatalf("%d threads, %d units: parts of %d to %d units", threads, units, least, most)
			}
		}
	}
}

// spinKernel busies each unit for a fixed number of loop iterations.
type spinKernel struct {
	units, iters int
	sink         atomic.Int64
}

func (k *spinKernel) Eval(env *ops.Env) { k.EvalRange(env, 0, k.units) }
func (k *spinKernel) Units() int        { return k.units }
func (k *spinKernel) EvalRange(env *ops.Env, lo, hi int) {
	s := int64(0)
	for u := lo; u < hi; u++ {
		for i := 0; i < k.iters; i++ {
			s += int64(i ^ u)
		}
	}
	k.sink.Add(s)
}

// BenchmarkPoolHandoff measures what one split op costs beyond its work:
// run a task of two units of about `work` each, back to back as ops run in
// a model. With two threads the time per op minus one unit's work is the
// hand-off cost (publish, claim, join); with one the work of both units.
func BenchmarkPoolHandoff(b *testing.B) {
	for _, iters := range []int{0, 1000, 4000, 40000} {
		for _, threads := range []int{1, 2} {
			b.Run(fmt.Sprintf("iters=%d/threads=%d", iters, threads), func(b *testing.B) {
				envs := make([]ops.Env, threads)
				p := newWorkerPool(envs)
				defer p.stop()
				k := &spinKernel{units: 2, iters: iters}
				task := p.newTask(k)
				for b.Loop() {
					p.run(task)
				}
			})
		}
	}
}

// TestWorkerPoolWake: wake leaves every worker's slot done for its
// generation, whether the workers come (they take their empty parts) or
// not (GOMAXPROCS 1: the deadline passes and the invoking goroutine takes
// them, or they ran while it yielded); runs before and after it still
// cover every unit once, and wake returns within its deadline plus a
// scheduling delay.
func TestWorkerPoolWake(t *testing.T) {
	for _, procs := range []int{1, 0} {
		old := goruntime.GOMAXPROCS(procs)
		for threads := 2; threads <= 4; threads++ {
			envs := make([]ops.Env, threads)
			p := newWorkerPool(envs)
			k := &countingKernel{units: 11, hits: make([]atomic.Int32, 11)}
			task := p.newTask(k)
			for i := range 50 {
				p.run(task)
				t0 := time.Now()
				p.wake(2 * time.Millisecond)
				if d := time.Since(t0); d > time.Second {
					t.Fatalf("procs %d threads %d: wake took %v", procs, threads, d)
				}
				g := p.gen.Load()
				for w := range p.workers {
					if d := p.workers[w].done.Load(); d != g {
						t.Fatalf("procs %d threads %d, wake %d: worker %d done %d, want %d", procs, threads, i, w+1, d, g)
					}
				}
			}
			p.run(task)
			for u := range k.hits {
				if got := k.hits[u].Load(); got != 51 {
					t.Fatalf("procs %d threads %d: unit %d ran %d times in 51 runs", procs, threads, u, got)
				}
			}
			p.stop()
		}
		goruntime.GOMAXPROCS(old)
	}
}
