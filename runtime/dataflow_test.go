package runtime

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	goruntime "runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/edgerun/edgerun/examples"
)

// dataflowModels: an embedded MobileNet v1 (3x3 depthwise halos between
// lanes) and ResNet-8 (residual ADDs reading tensors written three ops
// earlier, stride-2 convs).
func dataflowModels(t *testing.T) map[string]*Model {
	t.Helper()
	ms := map[string]*Model{"mobilenet_v1_025_96": loadMobileNet(t)}
	g, err := examples.ResNet8(1, 16)
	if err != nil {
		t.Fatal(err)
	}
	if ms["resnet8"], err = FromGraph(g); err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestDataflowMatchesOneThread: the row dataflow on 2, 3 and 4 threads,
// with GOMAXPROCS 2 and 1 (workers then run only when the invoking
// goroutine yields, so it takes most parts itself, and with 3 or more
// threads a worker's part can wait for a lane whose worker has not run),
// gives exactly the bytes of one thread on many inputs, and Invoke
// allocates nothing.
func TestDataflowMatchesOneThread(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for name, m := range dataflowModels(t) {
		one, err := NewInterpreter(m, &Options{Threads: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, procs := range []int{2, 1} {
			prev := goruntime.GOMAXPROCS(procs)
			for threads := 2; threads <= 4; threads++ {
				what := fmt.Sprintf("%s, %d threads, GOMAXPROCS %d", name, threads, procs)
				it, err := NewInterpreter(m, &Options{Threads: threads, Schedule: ScheduleDataflow})
				if err != nil {
					t.Fatal(err)
				}
				if it.flow == nil || it.Threads() != threads {
					t.Fatalf("%s: no dataflow (threads %d)", what, it.Threads())
				}
				for run := range 20 {
					for i := range m.inputs {
						in := one.InputBytes(i)
						for j := range in {
							in[j] = byte(r.Uint32())
						}
						copy(it.InputBytes(i), in)
					}
					if err := one.Invoke(); err != nil {
						t.Fatal(err)
					}
					if err := it.Invoke(); err != nil {
						t.Fatal(err)
					}
					for o := range m.outputs {
						if !bytes.Equal(it.OutputBytes(o), one.OutputBytes(o)) {
							t.Fatalf("%s, run %d: output %d differs from one thread's", what, run, o)
						}
					}
				}
				if allocs := testing.AllocsPerRun(10, func() { _ = it.Invoke() }); allocs != 0 {
					t.Errorf("%s: Invoke allocates %.1f", what, allocs)
				}
				it.Close()
			}
			goruntime.GOMAXPROCS(prev)
		}
		one.Close()
	}
}

// TestDataflowProfiled: InvokeProfiled runs the dataflow too (same
// outputs, a time for every op).
func TestDataflowProfiled(t *testing.T) {
	m := loadMobileNet(t)
	one, _ := NewInterpreter(m, &Options{Threads: 1})
	it, err := NewInterpreter(m, &Options{Threads: 2, Schedule: ScheduleDataflow})
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.inputs {
		in := one.InputBytes(i)
		for j := range in {
			in[j] = byte(j * 7)
		}
		copy(it.InputBytes(i), in)
	}
	p := NewProfile(m)
	if err := it.InvokeProfiled(p); err != nil {
		t.Fatal(err)
	}
	if err := one.Invoke(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(it.OutputBytes(0), one.OutputBytes(0)) {
		t.Fatal("profiled dataflow output differs from one thread's")
	}
	if p.Invokes != 1 || p.TotalNanos <= 0 {
		t.Fatalf("profile: %d invokes, total %d ns", p.Invokes, p.TotalNanos)
	}
	it.Close()
	one.Close()
}

// TestDataflowTimeOpsRunCount: TimeOps on a dataflow interpreter runs
// exactly the ops asked for, every unit of a split op once per run.
func TestDataflowTimeOpsRunCount(t *testing.T) {
	m := loadMobileNet(t)
	const op = 1
	counted := &countingKernel{units: 37, hits: make([]atomic.Int32, 37)}
	mc := *m
	mc.kernels = slices.Clone(m.kernels)
	mc.split = slices.Clone(m.split)
	mc.kernels[op], mc.split[op] = counted, counted
	it, err := NewInterpreter(&mc, &Options{Threads: 3, Schedule: ScheduleDataflow})
	if err != nil {
		t.Fatal(err)
	}
	for i := range mc.inputs {
		it.InputBytes(i)
	}
	want := int32(0)
	for _, c := range []struct{ from, to, n, runs int }{
		{op, op + 1, 0, 0}, {op, op + 1, 1, 1}, {op, op + 1, 5, 5},
		{0, op + 2, 3, 3}, {op + 1, op + 3, 4, 0}, {0, op, 2, 0}, {0, len(mc.kernels), 2, 2},
	} {
		if _, err := it.TimeOps(c.from, c.to, c.n); err != nil {
			t.Fatal(err)
		}
		want += int32(c.runs)
		for u := range counted.hits {
			if got := counted.hits[u].Load(); got != want {
				t.Fatalf("after TimeOps(%d, %d, %d): op %d's unit %d ran %d times in all, want %d", c.from, c.to, c.n, op, u, got, want)
			}
		}
	}
	it.Close()
}

// TestDataflowThenPerOpClaimsNothingLate: a worker that reads a dataflow
// run's generation only after a per-op run was published must not claim
// that run's part for the dataflow run's generation (its task would be the
// per-op run's, and the invoking goroutine runs that part itself too).
func TestDataflowThenPerOpClaimsNothingLate(t *testing.T) {
	m := loadMobileNet(t)
	it, err := NewInterpreter(m, &Options{Threads: 3, Schedule: ScheduleDataflow})
	if err != nil {
		t.Fatal(err)
	}
	for i := range m.inputs {
		it.InputBytes(i)
	}
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	p := it.pool
	g := p.gen.Load()
	for w := range p.workers {
		if p.claim(&p.workers[w], g) {
			t.Fatalf("participant %d's per-op part of dataflow run %d could be claimed", w+1, g)
		}
	}
	it.Close()
}

// TestScheduleUnknown: an unknown Options.Schedule is an error.
func TestScheduleUnknown(t *testing.T) {
	m := loadMobileNet(t)
	for _, s := range []Schedule{-1, ScheduleDataflow + 1} {
		_, err := NewInterpreter(m, &Options{Threads: 2, Schedule: s})
		if err == nil || !strings.Contains(err.Error(), "Schedule") {
			t.Errorf("Schedule %d: err %v", s, err)
		}
	}
}
