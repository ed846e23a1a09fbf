package ops

import (
	"fmt"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// batchMatMulKernel is BATCH_MATMUL on int8 (int32 accumulator) or int16
// (int64 accumulator, TFLite's MultiplyByQuantizedMultiplier for int64)
// operands: TFLite's reference BatchMatMul with broadcast batch
// dimensions. adj_x / adj_y only change the element strides, so nothing is
// transposed at run time. Each output batch's operand offsets are
// precomputed at prepare.
type batchMatMulKernel struct {
	lhs, rhs, out int32
	wide          bool // int16
	m, n, k       int
	lsi, lsk      int // lhs element strides along M and K
	rsk, rsj      int // rhs element strides along K and N
	lhsBase       []int
	rhsBase       []int
	lOff, rOff    int32
	mult, shift   int32
	off, lo, hi   int32

	// A constant int8 rhs with zero point 0 and lhs rows contiguous
	// (no adj_x) run on the selected asm implementation's GEMM: each rhs
	// batch is packed once as the N×K weight matrix with its epilogue (the
	// lhs offset folded into a per-column bias, as FULLY_CONNECTED does);
	// rhsBatch[b] is output batch b's rhs batch. impl is nil otherwise.
	impl     *asm.Impl
	packed   []*asm.PackedMatrix
	epis     []*asm.Epilogue
	rhsBatch []int
	// dyn: an activation rhs on the GEMM (batch_matmul_dyn.go), nil
	// otherwise.
	dyn *bmmDynamic
}

// maxBatchMatMulDepth bounds K so that the int8 accumulator (|product| ≤
// 2^16) cannot overflow int32.
const maxBatchMatMulDepth = 1 << 14

func prepareBatchMatMul(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 2, 2, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.BatchMatMulParams](op, path)
	if err != nil {
		return nil, err
	}
	dt := format.DTypeInt8
	if op.Inputs[0] >= 0 && int(op.Inputs[0]) < len(m.Tensors) && m.Tensors[op.Inputs[0]].DType == format.DTypeInt16 {
		dt = format.DTypeInt16
	}
	lhs, err := operand(m, op.Inputs, 0, "input", path, dt)
	if err != nil {
		return nil, err
	}
	// TFLite's int16 BATCH_MATMUL takes int16 on both sides.
	rhs, err := operand(m, op.Inputs, 1, "input", path, dt)
	if err != nil {
		return nil, err
	}
	out, err := operand(m, op.Outputs, 0, "output", path, dt)
	if err != nil {
		return nil, err
	}
	pp := path + " / params"
	if dt == format.DTypeInt16 {
		if p.ActMin < -32768 || p.ActMax > 32767 || p.ActMin > p.ActMax {
			return nil, format.Malformed(pp, "activation range [%d, %d] not within int16", p.ActMin, p.ActMax)
		}
		if p.LhsOffset != 0 || p.RhsOffset != 0 || p.OutputOffset != 0 {
			return nil, format.Malformed(pp, "int16 offsets %d, %d, %d: want 0", p.LhsOffset, p.RhsOffset, p.OutputOffset)
		}
	} else {
		if err := checkClamp(p.ActMin, p.ActMax, pp); err != nil {
			return nil, err
		}
		if p.LhsOffset < -127 || p.LhsOffset > 128 || p.RhsOffset < -127 || p.RhsOffset > 128 || p.OutputOffset < -128 || p.OutputOffset > 127 {
			return nil, format.Malformed(pp, "offsets %d, %d, %d outside the int8 zero point ranges", p.LhsOffset, p.RhsOffset, p.OutputOffset)
		}
	}
	if p.OutputMultiplier < 0 || p.OutputShift < -31 || p.OutputShift > 30 {
		return nil, format.Malformed(pp, "output multiplier %d shift %d: want multiplier >= 0 and shift in [-31, 30]", p.OutputMultiplier, p.OutputShift)
	}
	if dt == format.DTypeInt16 && p.OutputShift > 7 {
		return nil, format.Malformed(pp, "output shift %d above 7 (TFLite's int64 rescale)", p.OutputShift)
	}
	lr, rr, or := len(lhs.Shape), len(rhs.Shape), len(out.Shape)
	if lr < 2 || rr < 2 || or != max(lr, rr) || or > maxLayoutRank {
		return nil, format.Malformed(path, "shapes %v x %v -> %v: want ranks ≥ 2, the output's the larger (at most %d)", lhs.Shape, rhs.Shape, out.Shape, maxLayoutRank)
	}
	k := &batchMatMulKernel{lhs: op.Inputs[0], rhs: op.Inputs[1], out: op.Outputs[0], wide: dt == format.DTypeInt16,
		lOff: p.LhsOffset, rOff: p.RhsOffset, mult: p.OutputMultiplier, shift: p.OutputShift,
		off: p.OutputOffset, lo: p.ActMin, hi: p.ActMax}
	l0, l1 := int(lhs.Shape[lr-2]), int(lhs.Shape[lr-1])
	r0, r1 := int(rhs.Shape[rr-2]), int(rhs.Shape[rr-1])
	var rk int
	if p.AdjX { // lhs [K, M]
		k.k, k.m, k.lsk, k.lsi = l0, l1, l1, 1
	} else { // lhs [M, K]
		k.m, k.k, k.lsi, k.lsk = l0, l1, l1, 1
	}
	if p.AdjY { // rhs [N, K]
		k.n, rk, k.rsj, k.rsk = r0, r1, r1, 1
	} else { // rhs [K, N]
		rk, k.n, k.rsk, k.rsj = r0, r1, r1, 1
	}
	if rk != k.k || int(out.Shape[or-2]) != k.m || int(out.Shape[or-1]) != k.n {
		return nil, format.Malformed(path, "shapes %v x %v -> %v (adj_x %v, adj_y %v) do not multiply", lhs.Shape, rhs.Shape, out.Shape, p.AdjX, p.AdjY)
	}
	if k.k > maxBatchMatMulDepth {
		return nil, &format.UnsupportedOpError{Op: op.Code.String(), Index: -1, Reason: fmt.Sprintf("%s: depth %d above %d", path, k.k, maxBatchMatMulDepth)}
	}
	// Batch dimensions: broadcast each operand's to the output's.
	ob := out.Shape[:or-2]
	ls, err := broadcastStrides(lhs.Shape[:lr-2], ob, path, "lhs batch")
	if err != nil {
		return nil, err
	}
	rs, err := broadcastStrides(rhs.Shape[:rr-2], ob, path, "rhs batch")
	if err != nil {
		return nil, err
	}
	nb := 1
	for _, d := range ob {
		nb *= int(d)
	}
	if k.m*k.n == 0 {
		nb = 0
	}
	k.lhsBase, k.rhsBase = make([]int, nb), make([]int, nb)
	idx := make([]int, len(ob))
	for b := range nb {
		lb, rb := 0, 0
		for d := range ob {
			lb += idx[d] * ls[d]
			rb += idx[d] * rs[d]
		}
		k.lhsBase[b], k.rhsBase[b] = lb*l0*l1, rb*r0*r1
		for d := len(ob) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < int(ob[d]) {
				break
			}
			idx[d] = 0
		}
	}
	if !k.wide && !p.AdjX && rhs.IsConstant() && p.RhsOffset == 0 && nb > 0 && k.k > 0 {
		if err := k.prepareGemm(rhs, r0*r1, p, path); err != nil {
			return nil, err
		}
	} else if !k.wide && !p.AdjX && !rhs.IsConstant() && p.RhsOffset == 0 && nb > 0 && k.k > 0 {
		k.prepareDynamic()
	}
	return k, nil
}

// prepareGemm packs every rhs batch (size elements each) as an N×K
// matrix with its epilogue.
func (k *batchMatMulKernel) prepareGemm(rhs *format.Tensor, size int, p *format.BatchMatMulParams, path string) error {
	data := Int8s(rhs.Data)
	if len(data) != int(rhs.NumElements()) {
		return format.Malformed(path+" / input 1", "constant has %d bytes for %d elements", len(data), rhs.NumElements())
	}
	k.impl = asm.Selected()
	index := map[int]int{} // rhs base offset -> packed matrix
	k.rhsBatch = make([]int, len(k.rhsBase))
	w := make([]int8, k.n*k.k)
	for b, base := range k.rhsBase {
		if i, ok := index[base]; ok {
			k.rhsBatch[b] = i
			continue
		}
		src := data[base : base+size]
		for j := 0; j < k.n; j++ {
			for x := 0; x < k.k; x++ {
				w[j*k.k+x] = src[j*k.rsj+x*k.rsk]
			}
		}
		q, err := newRequantizer(format.Requant{Multiplier: []int32{p.OutputMultiplier}, Shift: []int32{p.OutputShift}}, nil, k.n, p.OutputOffset, p.ActMin, p.ActMax, path)
		if err != nil {
			return err
		}
		for j := 0; j < k.n; j++ {
			q.bias[j] = p.LhsOffset * sumInt8(w[j*k.k:][:k.k])
		}
		pm := k.impl.PackMatrix(w, k.n, k.k)
		epi := q.epilogue()
		k.impl.PrepareEpilogue(pm, epi)
		index[base] = len(k.packed)
		k.rhsBatch[b] = len(k.packed)
		k.packed = append(k.packed, pm)
		k.epis = append(k.epis, epi)
	}
	return nil
}

// Units: the output batches, independent matrix products, for
// Options.Threads.
func (k *batchMatMulKernel) Units() int { return len(k.lhsBase) }

func (k *batchMatMulKernel) Eval(env *Env) { k.EvalRange(env, 0, len(k.lhsBase)) }

// EvalRange computes output batches [lo, hi).
func (k *batchMatMulKernel) EvalRange(env *Env, lo, hi int) {
	a, b, out := env.Tensors[k.lhs], env.Tensors[k.rhs], env.Tensors[k.out]
	if k.impl != nil {
		for bi := lo; bi < hi; bi++ {
			r := k.rhsBatch[bi]
			k.impl.Gemm(a[k.lhsBase[bi]:], k.k, k.m, k.packed[r], k.epis[r], out[bi*k.m*k.n:], k.n)
		}
		return
	}
	if k.dyn != nil && k.evalDynamic(env, lo, hi) {
		return
	}
	o := lo * k.m * k.n
	for bi := lo; bi < hi; bi++ {
		lb, rb := k.lhsBase[bi], k.rhsBase[bi]
		for i := 0; i < k.m; i++ {
			for j := 0; j < k.n; j++ {
				li, rj := lb+i*k.lsi, rb+j*k.rsj
				if k.wide {
					var acc int64
					for x := 0; x < k.k; x++ {
						acc += int64(getInt16(a, li+x*k.lsk)) * int64(getInt16(b, rj+x*k.rsk))
					}
					v := dyadic.MultiplyByQuantizedMultiplierInt64(acc, k.mult, k.shift) + k.off
					putInt16(out, o, int16(min(max(v, k.lo), k.hi)))
				} else {
					var acc int32
					for x := 0; x < k.k; x++ {
						acc += (int32(a[li+x*k.lsk]) + k.lOff) * (int32(b[rj+x*k.rsk]) + k.rOff)
					}
					v := dyadic.MultiplyByQuantizedMultiplier(acc, k.mult, k.shift) + k.off
					out[o] = int8(min(max(v, k.lo), k.hi))
				}
				o++
			}
		}
	}
}
