package ops

import (
	"sync/atomic"

	"github.com/edgerun/edgerun/asm"
)

// BATCH_MATMUL with an activation as the right-hand side (int8, rhs zero
// point 0, lhs rows contiguous) on the asm GEMM: every output batch packs
// its rhs batch (the N×K matrix of columns, read through the element
// strides, so adj_y needs no transpose) into the scratch with
// asm.PackInto, which also returns the column sums; the lhs offset's fold
// lhs_offset·Σ_k rhs[k][j] becomes the epilogue's bias for that batch. The
// sum Σ a·w + lhs_offset·Σ w is Σ (a + lhs_offset)·w regrouped in
// wrapping int32, the reference's exactly.
//
// The packed matrix header and the epilogue whose bias changes per batch
// are Go objects that cannot live in the scratch; a kernel is shared by
// every interpreter of a model, so each running EvalRange takes one of a
// few slots made at prepare (an atomic flag each, no allocation). When
// more calls run at once than there are slots, a call takes the Go path,
// which gives the same bytes.
type bmmDynamic struct {
	impl   *asm.Impl
	packed int // PackedBytes(n, k)
	slots  []bmmSlot
}

// bmmSlot is one running EvalRange's matrix header and epilogue.
type bmmSlot struct {
	busy atomic.Bool
	pm   asm.PackedMatrix
	bias []int32 // the epilogue's, rewritten per batch
	epi  *asm.Epilogue
}

// bmmSlots is how many EvalRange calls of one kernel run on the GEMM at
// once (threads of all interpreters sharing the model).
const bmmSlots = 8

func (k *batchMatMulKernel) prepareDynamic() {
	d := &bmmDynamic{impl: asm.Selected(), slots: make([]bmmSlot, bmmSlots)}
	d.packed = d.impl.PackedBytes(k.n, k.k)
	mult, shift := make([]int32, k.n), make([]int32, k.n)
	for j := range mult {
		mult[j], shift[j] = k.mult, k.shift
	}
	for i := range d.slots {
		s := &d.slots[i]
		s.bias = make([]int32, k.n)
		s.epi = asm.NewEpilogueVariableBias(s.bias, mult, shift, k.off, k.lo, k.hi)
	}
	k.dyn = d
}

// ScratchBytes: the dynamic GEMM path's packed rhs batch and its column
// sums (with slack to align them); nothing otherwise.
func (k *batchMatMulKernel) ScratchBytes() int {
	if k.dyn == nil {
		return 0
	}
	return k.dyn.packed + 3 + 4*k.n
}

// evalDynamic computes output batches [lo, hi) on the GEMM; false (nothing
// done) when every slot is taken.
func (k *batchMatMulKernel) evalDynamic(env *Env, lo, hi int) bool {
	d := k.dyn
	var s *bmmSlot
	for i := range d.slots {
		if d.slots[i].busy.CompareAndSwap(false, true) {
			s = &d.slots[i]
			break
		}
	}
	if s == nil {
		return false
	}
	a, b, out := env.Tensors[k.lhs], env.Tensors[k.rhs], env.Tensors[k.out]
	buf := Int8s(env.Scratch[:d.packed])
	sums := int32Scratch(env.Scratch[d.packed:], k.n)
	prev := -1
	for bi := lo; bi < hi; bi++ {
		if rb := k.rhsBase[bi]; rb != prev {
			// A broadcast rhs batch is packed once for the batches in a row
			// that share it.
			d.impl.PackInto(&s.pm, buf, sums, b[rb:], k.rsj, k.rsk, k.n, k.k)
			for j, v := range sums {
				s.bias[j] = k.lOff * v
			}
			prev = rb
		}
		d.impl.Gemm(a[k.lhsBase[bi]:], k.k, k.m, &s.pm, s.epi, out[bi*k.m*k.n:], k.n)
	}
	s.busy.Store(false)
	return true
}
