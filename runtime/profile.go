package runtime

import (
	"fmt"
	"slices"
	"time"
)

// Profile accumulates per-op execution time over InvokeProfiled calls.
// Plain Invoke never touches a clock: profiling costs nothing when unused.
type Profile struct {
	// OpNanos[i] is the total time spent in op i, with the cost of reading
	// the clock (ClockNanos per op per invocation) subtracted. An op
	// shorter than the clock's jitter can come out slightly negative.
	OpNanos []int64
	// RuntimeNanos is the total time spent outside the ops: the checks
	// every Invoke makes before running them (the interpreter is open, its
	// inputs are set), less the clock's cost, like an op's.
	RuntimeNanos int64
	// Invokes counts the profiled invocations.
	Invokes int64
	// TotalNanos is the wall time of the profiled invocations, clock
	// reads included.
	TotalNanos int64
	// ClockNanos is the measured cost of one clock reading, which is
	// subtracted from every op's time: without it a model of
	// sub-microsecond ops would look up to twice as slow profiled as it
	// runs.
	ClockNanos float64

	// epoch is the origin of the readings: time.Since on a monotonic
	// time reads only the monotonic clock, half the cost of time.Now.
	epoch time.Time
	// opNanos[i] is op i's raw total, runtimeNanos the checks', both
	// clock reads included; stamps holds one invocation's readings
	// (ops + 2).
	opNanos      []int64
	runtimeNanos int64
	stamps       []int64
	clockQ16     int64 // the cost of a reading, in 2^-16 ns
}

// NewProfile returns an empty profile for m's ops and measures the cost
// of a clock reading on this machine.
func NewProfile(m *Model) *Profile {
	n := len(m.kernels)
	p := &Profile{OpNanos: make([]int64, n), opNanos: make([]int64, n), stamps: make([]int64, n+2), epoch: time.Now()}
	p.clockQ16 = clockCost(p.epoch)
	p.ClockNanos = float64(p.clockQ16) / (1 << 16)
	return p
}

// ClockReadingNanos measures, in ns, the cost of reading the monotonic
// clock as InvokeProfiled reads it (time.Since an epoch): what an interval
// between two such readings holds beyond the work between them.
func ClockReadingNanos() float64 { return float64(clockCost(time.Now())) / (1 << 16) }

// clockCost is the mean interval between back-to-back clock readings,
// stored the way InvokeProfiled stores them, in 2^-16 ns. A mean, not a
// median: clocks often tick in steps of 10 ns or more, and only the
// average over many readings resolves the cost below a step. Intervals
// over twice the median (an interrupt, a preemption) are left out; the
// least of several trials is kept.
func clockCost(epoch time.Time) int64 {
	const samples, trials = 1024, 5
	s := make([]int64, samples+1)
	d := make([]int64, samples)
	best := int64(-1)
	for range trials {
		for i := range s {
			s[i] = int64(time.Since(epoch))
		}
		for i := range d {
			d[i] = s[i+1] - s[i]
		}
		if m := int64(RobustMean(d)*(1<<16) + 0.5); best < 0 || m < best {
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
	clear(p.opNanos)
	p.Invokes, p.TotalNanos = 0, 0
	p.RuntimeNanos, p.runtimeNanos = 0, 0
}

// InvokeProfiled runs the graph like Invoke (on as many threads) and adds
// each op's time to p. It allocates nothing.
func (it *Interpreter) InvokeProfiled(p *Profile) error {
	if len(p.OpNanos) != len(it.model.kernels) || len(p.stamps) != len(p.OpNanos)+2 {
		return ErrShapeMismatch
	}
	// Between two readings only the work measured runs: the bookkeeping
	// waits until the invocation is over. Readings: s[0] before Invoke's
	// own checks, s[1] after them, s[i+2] after op i.
	s := p.stamps
	s[0] = int64(time.Since(p.epoch))
	if err := it.ready(); err != nil {
		return err
	}
	s[1] = int64(time.Since(p.epoch))
	if it.flow != nil {
		// Ops overlap: op i's time is the invoking goroutine's, from
		// the end of its part of op i-1 to the end of its part of op i
		// (waits for the other threads' parts included).
		it.runFlow(0, len(it.model.kernels), s, p.epoch)
	} else {
		for i := range it.model.kernels {
			if it.pool != nil {
				it.evalShared(i)
			} else {
				it.eval(i)
			}
			s[i+2] = int64(time.Since(p.epoch))
		}
	}
	if err := it.takeErr(); err != nil {
		return err
	}
	p.Invokes++
	// Each total less one reading's cost per invocation, rounded once on
	// the running total (rounding every invocation would bias a 30 ns op
	// by half a nanosecond each time).
	cost := (p.Invokes*p.clockQ16 + 1<<15) >> 16
	p.runtimeNanos += s[1] - s[0]
	p.RuntimeNanos = p.runtimeNanos - cost
	for i := range p.opNanos {
		p.opNanos[i] += s[i+2] - s[i+1]
		p.OpNanos[i] = p.opNanos[i] - cost
	}
	p.TotalNanos += s[len(s)-1] - s[0]
	return nil
}

// TimeOps runs n invocations cut short: each makes Invoke's checks and
// runs only ops from, from+1, ..., to-1 (on as many threads as Invoke). It
// returns the time the n took, read from the clock only before the first
// and after the last.
//
// It is for ops too short to time one run at a time: an op of 20 ns costs
// about as much as a clock reading, and how much of the reading overlaps
// the op varies, so InvokeProfiled's figure for such an op is off by a
// sizeable fraction however the reading's cost is subtracted. The time
// of ops from..k-1 followed by op k, less that of ops from..k-1
// (TimeOps(from, from, n) times the checks alone), is op k's time as it
// runs in Invoke, after the ops before it. TimeOps(0, len(Graph().Ops), n)
// times n whole invocations. It allocates nothing.
//
// Like Invoke it needs every input set. The ops read whatever their input
// tensors hold (kernels take any bytes), and afterwards the activations,
// outputs included, are unspecified: Invoke again before reading them.
func (it *Interpreter) TimeOps(from, to, n int) (time.Duration, error) {
	if err := it.ready(); err != nil {
		return 0, err
	}
	if from < 0 || from > to || to > len(it.model.kernels) {
		return 0, fmt.Errorf("ops %d to %d: out of range (model has %d ops)", from, to, len(it.model.kernels))
	}
	t0 := time.Now()
	for range n {
		_ = it.invoke(from, to)
	}
	return time.Since(t0), nil
}
