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

// TestTimeOp: TimeOp runs the op it names as many times as asked, on as
// many threads as Invoke, allocating nothing; it and TimeChecks refuse
// what Invoke refuses; the interpreter works as before afterwards.
func TestTimeOp(t *testing.T) {
	for name, m := range testModels(t) {
		g := m.Graph()
		last := len(g.Ops) - 1
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
		for _, threads := range []int{1, 3} {
			it, err := runtime.NewInterpreter(m, &runtime.Options{Threads: threads, SplitMinMACs: -1})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := it.TimeOp(0, 1); !errors.Is(err, runtime.ErrInputNotSet) {
				t.Errorf("%s: TimeOp before the inputs are set: %v, want ErrInputNotSet", name, err)
			}
			if _, err := it.TimeChecks(1); !errors.Is(err, runtime.ErrInputNotSet) {
				t.Errorf("%s: TimeChecks before the inputs are set: %v, want ErrInputNotSet", name, err)
			}
			for i := range m.Inputs() {
				fill(it.InputBytes(i), 5+uint32(i))
			}
			if err := it.Invoke(); err != nil {
				t.Fatal(err)
			}
			want := outputsOf(it)
			for _, n := range []int{0, 2} {
				for k := range lastWrites {
					clear(it.OutputBytes(k))
				}
				if _, err := it.TimeOp(last, n); err != nil {
					t.Fatalf("%s: TimeOp(%d, %d): %v", name, last, n, err)
				}
				for k, rewritten := range lastWrites {
					got := it.OutputBytes(k)
					if rewritten && n > 0 && !bytes.Equal(got, want[k]) {
						t.Errorf("%s threads %d: output %d after TimeOp(last, %d) differs from Invoke's", name, threads, k, n)
					}
					if rewritten && n == 0 && slices.ContainsFunc(got, func(b byte) bool { return b != 0 }) {
						t.Errorf("%s threads %d: TimeOp(last, 0) wrote output %d", name, threads, k)
					}
				}
			}
			for _, i := range []int{-1, len(g.Ops)} {
				if _, err := it.TimeOp(i, 1); err == nil {
					t.Errorf("%s: TimeOp(%d, 1) succeeded on %d ops", name, i, len(g.Ops))
				}
			}
			if d, err := it.TimeChecks(100); err != nil || d <= 0 {
				t.Errorf("%s: TimeChecks(100) = %v, %v", name, d, err)
			}
			runs := 5
			if g.ArenaBytes > 1<<20 {
				runs = 1
			}
			if allocs := testing.AllocsPerRun(runs, func() {
				_, _ = it.TimeOp(last, 1)
				_, _ = it.TimeChecks(10)
			}); allocs != 0 {
				t.Errorf("%s threads %d: TimeOp and TimeChecks allocate %.1f per run", name, threads, allocs)
			}
			// Still usable: set the inputs again and Invoke.
			for i := range m.Inputs() {
				fill(it.InputBytes(i), 5+uint32(i))
			}
			if err := it.Invoke(); err != nil {
				t.Fatal(err)
			}
			for k, got := range outputsOf(it) {
				if !bytes.Equal(got, want[k]) {
					t.Errorf("%s threads %d: output %d differs after TimeOp", name, threads, k)
				}
			}
			it.Close()
			if _, err := it.TimeOp(0, 1); !errors.Is(err, runtime.ErrClosed) {
				t.Errorf("%s: TimeOp after Close: %v, want ErrClosed", name, err)
			}
			if _, err := it.TimeChecks(1); !errors.Is(err, runtime.ErrClosed) {
				t.Errorf("%s: TimeChecks after Close: %v, want ErrClosed", name, err)
			}
		}
	}
}
