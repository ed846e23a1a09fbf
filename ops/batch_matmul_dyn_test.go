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
			m, n, kk := 1+r.IntN(9), 1+r.IntN(60), 1+r.IntN(70)
			nb := 1 + r.IntN(3)
			rb := nb
			if r.IntN(2) == 0 {
				rb = 1 // broadcast rhs
			}
			adjY := r.IntN(2) == 0
			ls, os := []int32{int32(nb), int32(m), int32(kk)}, []int32{int32(nb), int32(m), int32(n)}
			rs := []int32{int32(rb), int32(kk), int32(n)}
			if adjY {
				rs = []int32{int32(rb), int32(n), int32(kk)}
			}
			p := &format.BatchMatMulParams{AdjY: adjY, LhsOffset: -randZeroPoint(r), OutputOffset: randZeroPoint(r),
				OutputMultiplier: 1<<30 + r.Int32N(1<<30), OutputShift: -r.Int32N(14), ActMin: -128, ActMax: 127}
			lhs, rhs := randInt8s(r, numElems(ls)), randInt8s(r, numElems(rs))
			mdl := typedModel(format.OpBatchMatMul, p, []format.DType{format.DTypeInt8, format.DTypeInt8, format.DTypeInt8}, ls, rs, os)
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
			want := make([]int8, nb*m*n)
			for b := range nb {
				br := b % rb
				for i := range m {
					for j := range n {
						var acc int32
						for x := range kk {
							w := rhs[br*kk*n+x*n+j]
							if adjY {
								w = rhs[br*n*kk+j*kk+x]
							}
							acc += (int32(lhs[b*m*kk+i*kk+x]) + p.LhsOffset) * int32(w)
						}
						want[(b*m+i)*n+j] = quanttest.Requantize(acc, p.OutputMultiplier, p.OutputShift, p.OutputOffset, -128, 127)
					}
				}
			}
			check := func(what string, got []int8) {
				t.Helper()
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("#%d %s (%v x %v adj_y %v): output %d = %d, want %d", iter, what, ls, rs, adjY, i, got[i], want[i])
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
