package runtime

import (
	"sync/atomic"
	"testing"

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
			p.run(k)
			p.run(k)
			for u := range k.hits {
				if got := k.hits[u].Load(); got != 2 {
					t.Fatalf("threads %d units %d: unit %d ran %d times in 2 runs", threads, units, u, got)
				}
			}
			if allocs := testing.AllocsPerRun(10, func() { p.run(k) }); allocs != 0 {
				t.Errorf("threads %d: run allocates %.1f", threads, allocs)
			}
		}
		p.stop()
	}
}
