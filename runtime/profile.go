package runtime

import (
	"time"
)

// Profile accumulates per-op execution time over InvokeProfiled calls.
// Plain Invoke never touches a clock: profiling costs nothing when unused.
type Profile struct {
	// OpNanos[i] is the total time spent in op i.
	OpNanos []int64
	// Invokes counts the profiled invocations.
	Invokes int64
	// TotalNanos is the wall time of the profiled invocations, hooks
	// included.
	TotalNanos int64
}

// NewProfile returns an empty profile for m's ops.
func NewProfile(m *Model) *Profile {
	return &Profile{OpNanos: make([]int64, len(m.kernels))}
}

// Reset clears the accumulated times.
func (p *Profile) Reset() {
	clear(p.OpNanos)
	p.Invokes, p.TotalNanos = 0, 0
}

// InvokeProfiled runs the graph like Invoke and adds each op's time to p.
// It allocates nothing.
func (it *Interpreter) InvokeProfiled(p *Profile) error {
	if err := it.ready(); err != nil {
		return err
	}
	if len(p.OpNanos) != len(it.model.kernels) {
		return ErrShapeMismatch
	}
	start := time.Now()
	prev := start
	for i, k := range it.model.kernels {
		k.Eval(&it.env)
		now := time.Now()
		p.OpNanos[i] += int64(now.Sub(prev))
		prev = now
	}
	p.TotalNanos += int64(prev.Sub(start))
	p.Invokes++
	return nil
}
