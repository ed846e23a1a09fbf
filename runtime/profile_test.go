package runtime_test

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/edgerun/edgerun/runtime"
)

// TestInvokeProfiledMatchesInvoke: a profiled invocation computes exactly
// what Invoke computes, on one thread and split over three, allocates
// nothing, and accounts its invocations.
func TestInvokeProfiledMatchesInvoke(t *testing.T) {
	for name, m := range testModels(t) {
		for _, threads := range []int{1, 3} {
			opts := &runtime.Options{Threads: threads, SplitMinMACs: -1}
			plain, err := runtime.NewInterpreter(m, opts)
			if err != nil {
				t.Fatal(err)
			}
			profiled, err := runtime.NewInterpreter(m, opts)
			if err != nil {
				t.Fatal(err)
			}
			p := runtime.NewProfile(m)
			if p.ClockNanos < 0 || len(p.OpNanos) != len(m.Graph().Ops) {
				t.Fatalf("%s: NewProfile: clock %.1f ns, %d op slots for %d ops", name, p.ClockNanos, len(p.OpNanos), len(m.Graph().Ops))
			}
			for run := uint32(0); run < 3; run++ {
				for i := range m.Inputs() {
					fill(plain.InputBytes(i), 100*run+uint32(i))
					fill(profiled.InputBytes(i), 100*run+uint32(i))
				}
				if err := plain.Invoke(); err != nil {
					t.Fatal(err)
				}
				if err := profiled.InvokeProfiled(p); err != nil {
					t.Fatal(err)
				}
				want, got := outputsOf(plain), outputsOf(profiled)
				for o := range want {
					if !bytes.Equal(got[o], want[o]) {
						t.Fatalf("%s threads %d run %d: output %d differs between Invoke and InvokeProfiled", name, threads, run, o)
					}
				}
			}
			if p.Invokes != 3 || p.TotalNanos <= 0 {
				t.Errorf("%s: after 3 profiled runs: Invokes %d, TotalNanos %d", name, p.Invokes, p.TotalNanos)
			}
			// The readings telescope: the ops' and the runtime's times sum
			// to the invocations' total less one reading's cost per op, and
			// one for the runtime, per invocation; up to the rounding of
			// each total's cost (half a nanosecond).
			sum := p.RuntimeNanos
			for _, ns := range p.OpNanos {
				sum += ns
			}
			parts := float64(len(p.OpNanos) + 1)
			want := float64(p.TotalNanos) - float64(p.Invokes)*parts*p.ClockNanos
			tol := parts/2 + 1
			if d := float64(sum) - want; d > tol || d < -tol {
				t.Errorf("%s: ops and runtime sum to %d ns; total %d ns less %d×%.0f readings of %.2f ns = %.1f", name, sum, p.TotalNanos, p.Invokes, parts, p.ClockNanos, want)
			}
			if allocs := testing.AllocsPerRun(5, func() { _ = profiled.InvokeProfiled(p) }); allocs != 0 {
				t.Errorf("%s threads %d: InvokeProfiled allocates %.1f per run", name, threads, allocs)
			}
			p.Reset()
			if p.Invokes != 0 || p.TotalNanos != 0 || p.OpNanos[0] != 0 || p.RuntimeNanos != 0 {
				t.Errorf("%s: Reset left %+v", name, p)
			}
			if err := profiled.InvokeProfiled(&runtime.Profile{}); err == nil {
				t.Errorf("%s: InvokeProfiled with a profile of another model succeeded", name)
			}
			plain.Close()
			profiled.Close()
		}
	}
}

// TestRobustMean: the mean resolves values between the clock's steps and
// drops the samples a preemption inflated.
func TestRobustMean(t *testing.T) {
	cases := []struct {
		s    []int64
		want float64
	}{
		{nil, 0},
		{[]int64{20, 20, 20, 20, 20, 20, 20, 30, 30, 30}, 23},
		{[]int64{5000, 20, 30, 20, 20, 30, 20, 20, 30, 20, 20}, 23}, // 5000 > 2*20+100
		{[]int64{1000, 1100, 900, 1000, 1000, 50000}, 1000},         // 50000 > 2*1000+100
		{[]int64{-3, -1, 2}, -2.0 / 3},                              // all below the cut 2*max(-1,0)+100
		{[]int64{100, 100, 100, 299, 301}, float64(100*3+299) / 4},  // the cut is 2*100+100 = 300
	}
	for _, c := range cases {
		if got := runtime.RobustMean(append([]int64(nil), c.s...)); got != c.want {
			t.Errorf("RobustMean(%v) = %v, want %v", c.s, got, c.want)
		}
	}
}

// TestTimeOps: TimeOps runs the ops it names as many times as asked, on
// as many threads as Invoke, allocating nothing; it refuses what Invoke
// refuses; the interpreter works as before afterwards.
func TestTimeOps(t *testing.T) {
	for name, m := range testModels(t) {
		g := m.Graph()
		nops := len(g.Ops)
		last := nops - 1
		// The last op's inputs are still in the arena after Invoke (no op
		// runs after it), so rerunning it alone rewrites its outputs.
		lastWrites := map[int]bool{}
		for k, io := range g.Outputs {
			for _, t := range g.Ops[last].Outputs {
				lastWrites[k] = lastWrites[k] || t == io.Tensor
			}
		}
		if !slices.Contains(slices.Collect(maps.Values(lastWrites)), true) {
			t.Fatalf("%s: the last op writes no graph output", name)
		}
		setInputs := func(it *runtime.Interpreter) {
			for i := range m.Inputs() {
				fill(it.InputBytes(i), 5+uint32(i))
			}
		}
		for _, threads := range []int{1, 3} {
			it, err := runtime.NewInterpreter(m, &runtime.Options{Threads: threads, SplitMinMACs: -1})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := it.TimeOps(0, 1, 1); !errors.Is(err, runtime.ErrInputNotSet) {
				t.Errorf("%s: TimeOps before the inputs are set: %v, want ErrInputNotSet", name, err)
			}
			if _, err := it.TimeOps(0, 0, 1); !errors.Is(err, runtime.ErrInputNotSet) {
				t.Errorf("%s: TimeOps(0, 0, 1) before the inputs are set: %v, want ErrInputNotSet", name, err)
			}
			setInputs(it)
			if err := it.Invoke(); err != nil {
				t.Fatal(err)
			}
			want := outputsOf(it)
			for _, n := range []int{0, 2} {
				for k := range lastWrites {
					clear(it.OutputBytes(k))
				}
				if _, err := it.TimeOps(last, nops, n); err != nil {
					t.Fatalf("%s: TimeOps(%d, %d, %d): %v", name, last, nops, n, err)
				}
				for k, rewritten := range lastWrites {
					got := it.OutputBytes(k)
					if rewritten && n > 0 && !bytes.Equal(got, want[k]) {
						t.Errorf("%s threads %d: output %d after TimeOps(last, end, %d) differs from Invoke's", name, threads, k, n)
					}
					if rewritten && n == 0 && slices.ContainsFunc(got, func(b byte) bool { return b != 0 }) {
						t.Errorf("%s threads %d: TimeOps(last, end, 0) wrote output %d", name, threads, k)
					}
				}
			}
			// Once over every op, from fresh inputs, is an Invoke.
			setInputs(it)
			if _, err := it.TimeOps(0, nops, 1); err != nil {
				t.Fatal(err)
			}
			for k, got := range outputsOf(it) {
				if !bytes.Equal(got, want[k]) {
					t.Errorf("%s threads %d: output %d after TimeOps(0, end, 1) differs from Invoke's", name, threads, k)
				}
			}
			for _, r := range [][2]int{{-1, 0}, {1, 0}, {0, nops + 1}} {
				if _, err := it.TimeOps(r[0], r[1], 1); err == nil {
					t.Errorf("%s: TimeOps(%d, %d, 1) succeeded on %d ops", name, r[0], r[1], nops)
				}
			}
			if d, err := it.TimeOps(0, 0, 100); err != nil || d <= 0 {
				t.Errorf("%s: TimeOps(0, 0, 100) = %v, %v", name, d, err)
			}
			runs := 5
			if g.ArenaBytes > 1<<20 {
				runs = 1
			}
			if allocs := testing.AllocsPerRun(runs, func() {
				_, _ = it.TimeOps(last, nops, 1)
				_, _ = it.TimeOps(0, 0, 10)
			}); allocs != 0 {
				t.Errorf("%s threads %d: TimeOps allocates %.1f per run", name, threads, allocs)
			}
			// Still usable: set the inputs again and Invoke.
			setInputs(it)
			if err := it.Invoke(); err != nil {
				t.Fatal(err)
			}
			for k, got := range outputsOf(it) {
				if !bytes.Equal(got, want[k]) {
					t.Errorf("%s threads %d: output %d differs after TimeOps", name, threads, k)
				}
			}
			it.Close()
			if _, err := it.TimeOps(0, 1, 1); !errors.Is(err, runtime.ErrClosed) {
				t.Errorf("%s: TimeOps after Close: %v, want ErrClosed", name, err)
			}
			if _, err := it.TimeOps(0, 0, 1); !errors.Is(err, runtime.ErrClosed) {
				t.Errorf("%s: TimeOps(0, 0, 1) after Close: %v, want ErrClosed", name, err)
			}
		}
	}
}
