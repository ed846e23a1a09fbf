// Package ticks reads the cheapest fixed-rate counter the CPU offers, for
// the profiler: the x86 time-stamp counter (when the CPU says the TSC is
// invariant) or the arm64 virtual counter (CNTVCT_EL0), and otherwise the
// monotonic clock. Reading the monotonic clock costs about 30 ns on a
// virtual machine (kvm-clock), as long as a whole op of a small model.
//
// The readings wait for earlier instructions (LFENCE before RDTSC; ISB on
// arm64): a bare RDTSC may execute before the op it should follow has
// finished, and then part of the op goes unmeasured while part of the
// reading's cost hides behind it. On a model of three 20 ns ops that
// made the per-op times add up to 0.67 of the latency.
//
// Ticks are converted to nanoseconds with a rate measured once against
// the monotonic clock (Best), in fixed point: the conversion is integer
// arithmetic like the rest of the runtime.
package ticks

import (
	"math/bits"
	"sync"
	"time"
)

// epoch is the origin of the monotonic fallback's readings.
var epoch = time.Now()

// monotonic reads the monotonic clock, in nanoseconds since epoch.
func monotonic() int64 { return int64(time.Since(epoch)) }

// Clock reads ticks and knows their rate. The zero Clock reads the
// monotonic clock at 1 ns per tick.
type Clock struct {
	counter bool // read the CPU's counter, not the monotonic clock
	// Rate converts this clock's tick differences to nanoseconds.
	Rate Rate
}

// Read returns the clock's current value in ticks. Readings are
// comparable across goroutines and CPUs.
func (c *Clock) Read() int64 {
	if c.counter {
		return counter()
	}
	return monotonic()
}

// Source names what Read reads: "tsc", "cntvct" or "monotonic".
func (c *Clock) Source() string {
	if c.counter {
		return counterName
	}
	return "monotonic"
}

// Rate converts ticks to nanoseconds: NanosQ32 is nanoseconds per tick
// times 2^32.
type Rate struct {
	NanosQ32 uint64
}

// Nanos converts a tick count (a difference of readings) to nanoseconds,
// rounded toward zero.
func (r Rate) Nanos(t int64) int64 {
	neg := t < 0
	if neg {
		t = -t
	}
	hi, lo := bits.Mul64(uint64(t), r.NanosQ32)
	ns := int64(hi<<32 | lo>>32)
	if neg {
		return -ns
	}
	return ns
}

var (
	bestOnce sync.Once
	best     Clock
)

// Best returns the cheapest clock this machine has: the CPU's counter if
// it has a usable one, with its rate measured on first use against the
// monotonic clock over a few milliseconds; else the monotonic clock.
func Best() Clock {
	bestOnce.Do(func() {
		best = Clock{Rate: Rate{NanosQ32: 1 << 32}}
		if counterUsable() {
			if r, ok := measureRate(2 * time.Millisecond); ok {
				best = Clock{counter: true, Rate: r}
			}
		}
	})
	return best
}

// Monotonic returns the clock that reads the monotonic clock, 1 ns per
// tick.
func Monotonic() Clock { return Clock{Rate: Rate{NanosQ32: 1 << 32}} }

// measureRate times the counter against the monotonic clock over two
// windows of length d and accepts the rate when both agree within 1%: a
// counter whose rate changes (one that is not invariant, or one a
// hypervisor emulates badly) is not used.
func measureRate(d time.Duration) (Rate, bool) {
	// pair reads both clocks at one instant: the monotonic reading
	// bracketed by two counter readings, the tightest of a few tries (a
	// preemption between the two reads would skew the window's end).
	pair := func() (tick, nanos int64) {
		best := int64(-1)
		for range 8 {
			c0 := counter()
			m := monotonic()
			c1 := counter()
			if best < 0 || c1-c0 < best {
				best, tick, nanos = c1-c0, c0+(c1-c0)/2, m
			}
		}
		return tick, nanos
	}
	window := func() (ticks, nanos int64) {
		c0, m0 := pair()
		for monotonic()-m0 < int64(d) {
		}
		c1, m1 := pair()
		return c1 - c0, m1 - m0
	}
	for range 3 {
		t1, n1 := window()
		t2, n2 := window()
		if t1 <= 0 || t2 <= 0 || n1 <= 0 || n2 <= 0 {
			return Rate{}, false
		}
		// |n1/t1 - n2/t2| <= 1% of n1/t1, in integers (all below 2^40).
		a, b := n1*t2, n2*t1
		if diff := a - b; diff <= a/100 && -diff <= a/100 {
			return Rate{NanosQ32: uint64((n1 + n2) << 32 / (t1 + t2))}, true
		}
	}
	return Rate{}, false
}
