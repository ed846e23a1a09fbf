package ops

import (
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/internal/quanttest"
)

// TestBatchMatMulActivationRhsGemm: an int8 rhs that is an activation
// (zero point 0) runs on every asm implementation's GEMM, packed per Eval
// into the scratch; the result equals the plain sum of products, with
// broadcast rhs batches, adj_y and panel-crossing widths, and again with
// every slot taken (the Go path).
func TestBatchMatMulActivationRhsGemm(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *asm.Impl) {
		r := rand.New(rand.NewPCG(161, 19))
		for iter := range 60 {
			c := randBatchMatMulCase(r, 60)
			lhs, rhs, mdl := c.lhs, c.rhs, c.model
			k, err := Prepare(mdl, 0)
			if err != nil {
				t.Fatal(err)
			}
			bk := k.(*batchMatMulKernel)
			if bk.dyn == nil || bk.dyn.impl != impl {
				t.Fatalf("activation rhs not on the selected GEMM")
			}
			lb, rbs := make([]byte, len(lhs)), make([]byte, len(rhs))
			for i, v := range lhs {
				lb[i] = byte(v)
			}
			for i, v := range rhs {
				rbs[i] = byte(v)
			}
			want := c.want()
			check := func(what string, got []int8) {
				t.Helper()
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("#%d %s (%v x %v adj_y %v): output %d = %d, want %d", iter, what, c.ls, c.rs, c.p.AdjY, i, got[i], want[i])
					}
				}
			}
			check("gemm", runKernel(t, mdl, Int8s(lb), Int8s(rbs)))
			// Every slot taken: the kernel falls back to the Go path.
			for i := range bk.dyn.slots {
				bk.dyn.slots[i].busy.Store(true)
			}
			r2 := newKernelRun(t, k, mdl, Int8s(lb), Int8s(rbs))
			k.Eval(r2.env)
			r2.check(t)
			check("slots taken", r2.out)
			for i := range bk.dyn.slots {
				if !bk.dyn.slots[i].busy.Load() {
					t.Fatal("a slot released that the kernel did not take")
				}
			}
		}
		// A non-zero rhs zero point, or adj_x, keeps the Go path.
		for _, p := range []*format.BatchMatMulParams{{RhsOffset: 3, OutputMultiplier: 1 << 30, ActMin: -128, ActMax: 127},
			{AdjX: true, OutputMultiplier: 1 << 30, ActMin: -128, ActMax: 127}} {
			s := []int32{1, 4, 4}
			k, err := Prepare(typedModel(format.OpBatchMatMul, p, []format.DType{format.DTypeInt8, format.DTypeInt8, format.DTypeInt8}, s, s, s), 0)
			if err != nil {
				t.Fatal(err)
			}
			if k.(*batchMatMulKernel).dyn != nil {
				t.Errorf("%+v: on the GEMM path", p)
			}
		}
	})
}

// batchMatMulCase is a random int8 BATCH_MATMUL whose rhs has zero point
// 0 (both inputs activations in model; a test may make the rhs constant),
// with broadcast rhs batches and adj_y half the time.
type batchMatMulCase struct {
	nb, rb, m, n, k int
	ls, rs, os      []int32
	p               *format.BatchMatMulParams
	lhs, rhs        []int8
	model           *format.Model
}

// randBatchMatMulCase draws a case with up to maxN output columns.
func randBatchMatMulCase(r *rand.Rand, maxN int) *batchMatMulCase {
	c := &batchMatMulCase{}
	c.m, c.n, c.k = 1+r.IntN(9), 1+r.IntN(maxN), 1+r.IntN(70)
	c.nb = 1 + r.IntN(3)
	c.rb = c.nb
	if r.IntN(2) == 0 {
		c.rb = 1 // broadcast rhs
	}
	adjY := r.IntN(2) == 0
	c.ls, c.os = []int32{int32(c.nb), int32(c.m), int32(c.k)}, []int32{int32(c.nb), int32(c.m), int32(c.n)}
	c.rs = []int32{int32(c.rb), int32(c.k), int32(c.n)}
	if adjY {
		c.rs = []int32{int32(c.rb), int32(c.n), int32(c.k)}
	}
	c.p = &format.BatchMatMulParams{AdjY: adjY, LhsOffset: -randZeroPoint(r), OutputOffset: randZeroPoint(r),
		OutputMultiplier: 1<<30 + r.Int32N(1<<30), OutputShift: -r.Int32N(14), ActMin: -128, ActMax: 127}
	c.lhs, c.rhs = randInt8s(r, numElems(c.ls)), randInt8s(r, numElems(c.rs))
	c.model = typedModel(format.OpBatchMatMul, c.p, []format.DType{format.DTypeInt8, format.DTypeInt8, format.DTypeInt8}, c.ls, c.rs, c.os)
	return c
}

// want is the output by the plain sum of products and the reference
// requantization.
func (c *batchMatMulCase) want() []int8 {
	nb, m, n, kk, p := c.nb, c.m, c.n, c.k, c.p
	out := make([]int8, nb*m*n)
	for b := range nb {
		br := b % c.rb
		for i := range m {
			for j := range n {
				var acc int32
				for x := range kk {
					w := c.rhs[br*kk*n+x*n+j]
					if p.AdjY {
						w = c.rhs[br*n*kk+j*kk+x]
					}
					acc += (int32(c.lhs[b*m*kk+i*kk+x]) + p.LhsOffset) * int32(w)
				}
				out[(b*m+i)*n+j] = quanttest.Requantize(acc, p.OutputMultiplier, p.OutputShift, p.OutputOffset, -128, 127)
			}
		}
	}
	return out
}
