package runtime

import (
	"slices"
	"time"
)

// Profile accumulates per-op execution time over InvokeProfiled calls.
// Plain Invoke never touches a clock: profiling costs nothing when unused.
type Profile struct {
	// OpNanos[i] is the total time spent in op i, with the cost of reading
	// the clock (ClockNanos per op) subtracted. An op shorter than the
	// clock's jitter can come out slightly negative.
	OpNanos []int64
	// Invokes counts the profiled invocations.
	Invokes int64
	// TotalNanos is the wall time of the profiled invocations, clock
	// reads included.
	TotalNanos int64
	// ClockNanos is the measured cost of one clock reading, which
	// InvokeProfiled subtracts from every op's time: without it a model of
	// sub-microsecond ops would look up to twice as slow profiled as it
	// runs.
	ClockNanos int64
	// epoch is the origin of the profile's clock readings: time.Since on
	// a monotonic time reads only the monotonic clock, half the cost of
	// time.Now.
	epoch time.Time
}

// NewProfile returns an empty profile for m's ops and measures the cost
// of a clock reading on this machine.
func NewProfile(m *Model) *Profile {
	epoch := time.Now()
	return &Profile{OpNanos: make([]int64, len(m.kernels)), ClockNanos: clockCost(epoch), epoch: epoch}
}

// clockCost is the mean interval between back-to-back clock readings.
// A mean, not a median: clocks often tick in steps of 10 ns or more, and
// only the average over many readings resolves the cost below a step.
// Intervals over twice the median (an interrupt, a preemption) are left
// out; the least of several trials is kept.
func clockCost(epoch time.Time) int64 {
	const samples, trials = 1023, 5
	d := make([]int64, samples)
	best := int64(-1)
	for range trials {
		prev := time.Since(epoch)
		for i := range d {
			now := time.Since(epoch)
			d[i] = int64(now - prev)
			prev = now
		}
		if m := int64(RobustMean(d) + 0.5); best < 0 || m < best {
			best = m
		}
	}
	return best
}

// RobustMean is the mean of the samples that do not exceed twice their
// median plus 100 ns: the mean resolves times finer than the clock's
// step, and the cut drops the samples an interrupt or a preemption
// inflated. It sorts s.
func RobustMean(s []int64) float64 {
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	limit := 2*max(s[len(s)/2], 0) + 100
	var sum, n int64
	for _, v := range s {
		if v > limit {
			break
		}
		sum += v
		n++
	}
	return float64(sum) / float64(n)
}

// Reset clears the accumulated times.
func (p *Profile) Reset() {
	clear(p.OpNanos)
	p.Invokes, p.TotalNanos = 0, 0
}

// InvokeProfiled runs the graph like Invoke (on as many threads) and adds
// each op's time to p. It allocates nothing.
func (it *Interpreter) InvokeProfiled(p *Profile) error {
	if err := it.ready(); err != nil {
		return err
	}
	if len(p.OpNanos) != len(it.model.kernels) {
		return ErrShapeMismatch
	}
	start := time.Since(p.epoch)
	prev := start
	for i, k := range it.model.kernels {
		if it.pool != nil {
			it.evalShared(i)
		} else {
			k.Eval(&it.env)
		}
		now := time.Since(p.epoch)
		p.OpNanos[i] += int64(now-prev) - p.ClockNanos
		prev = now
	}
	p.TotalNanos += int64(prev - start)
	p.Invokes++
	return nil
}
