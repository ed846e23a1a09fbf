package ops

import (
	"fmt"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// maxLayoutRank bounds the rank the data-movement and broadcasting kernels
// (ADD, SUB, MUL, PAD, TRANSPOSE) handle after merging dimensions, so that
// their index counters live in fixed-size arrays on the stack and Eval never
// allocates. TFLite Micro itself stops at 6 (broadcast, transpose) or 5
// (pad) dimensions.
const maxLayoutRank = 8

// arithMaxLeftShift bounds ArithParams.LeftShift for ADD and SUB. TFLite
// Micro always uses 20 for int8 (add_common.cc / sub_common.cc); any shift up
// to 22 keeps (x + offset) << shift, |x + offset| <= 255, inside int32.
const arithMaxLeftShift = 22

// arithKernel is int8 ADD, SUB and MUL with NumPy-style broadcasting.
//
// ADD/SUB follow TFLite Micro's AddFunc and SubElementwise/
// BroadcastQuantSubSlow: each input is offset, shifted left by LeftShift and
// rescaled with its own multiplier (MultiplyByQuantizedMultiplierSmallerThanOneExp);
// the two are added (subtracted), and the sum is rescaled to the output.
// That arithmetic is asm's AddInt8 (asm.AddSpec, prepared once as
// asm.AddParams): rows with both inputs contiguous run on the selected
// implementation's kernel, broadcast rows through
// AddParams.AddInt8Broadcast.
//
// MUL follows MulElementwise/BroadcastMul6DSlow: the product of the offset
// inputs goes through MultiplyByQuantizedMultiplier (double rounding).
type arithKernel struct {
	in1, in2, out int32
	mul           bool

	// MUL: input offsets (negated zero points).
	off1, off2 int32

	// outLeft is MUL's left shift of the product (TFLite's positive
	// output shift); the rest of the output rescale is in os (MUL only).
	outLeft uint8
	os      outStage
	// ms is the same for asm.MulInt8 (contiguous rows, on impl).
	ms asm.MulSpec

	bc broadcastLayout

	// ADD/SUB: rows whose inputs are both contiguous run on impl (the
	// asm implementation selected at prepare) with ap, broadcast rows on
	// ap.AddInt8Broadcast.
	impl *asm.Impl
	ap   *asm.AddParams
}

// outStage is TFLite's double-rounding rescale of an int32 to the output,
// SaturatingRoundingDoublingHighMul by a non-negative multiplier then
// RoundingDivideByPOT, followed by the output offset and the activation
// clamp. It is dyadic's arithmetic specialised for the hot loop: with
// mult >= 0 the high multiply can never saturate, so it reduces to a
// floor shift of the rounded product (ties toward +inf, as gemmlowp's
// nudge-and-truncate), and the rounding shift keeps gemmlowp's
// mask/threshold form. The tests compare it against dyadic and a separate
// reference on every input pair.
type outStage struct {
	mult        int64 // in [0, 2^31)
	right       uint8 // rounding right shift, 0..31
	mask, half  int32 // 2^right - 1 and mask >> 1
	off, lo, hi int32
}

func newOutStage(mult int32, right uint8, off, lo, hi int32) outStage {
	mask := int32(int64(1)<<right - 1)
	return outStage{mult: int64(mult), right: right, mask: mask, half: mask >> 1, off: off, lo: lo, hi: hi}
}

// scale is x·mult·2^(-31-right) with TFLite's two roundings.
func (s *outStage) scale(x int32) int32 {
	h := int32((int64(x)*s.mult + 1<<30) >> 31)
	r := h >> (s.right & 31)
	// Round half away from zero: the threshold is one higher for
	// negative h (h>>31 is -1 there, 0 otherwise).
	if h&s.mask > s.half-h>>31 {
		r++
	}
	return r
}

// apply rescales x, adds the output offset and clamps.
func (s *outStage) apply(x int32) int8 {
	return int8(min(max(s.scale(x)+s.off, s.lo), s.hi))
}

func prepareAdd(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return prepareArith(m, op, path, false, false)
}

func prepareSub(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return prepareArith(m, op, path, true, false)
}

func prepareMul(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return prepareArith(m, op, path, false, true)
}

func prepareArith(m *format.Model, op *format.Op, path string, sub, mul bool) (Kernel, error) {
	if inputIs(m, op, 0, format.DTypeInt16) {
		return prepareArith16(m, op, path, sub, mul)
	}
	if err := wantCounts(op, path, 2, 2, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.ArithParams](op, path)
	if err != nil {
		return nil, err
	}
	in1, err := operand(m, op.Inputs, 0, "input", path, format.DTypeInt8)
	if err != nil {
		return nil, err
	}
	in2, err := operand(m, op.Inputs, 1, "input", path, format.DTypeInt8)
	if err != nil {
		return nil, err
	}
	out, err := operand(m, op.Outputs, 0, "output", path, format.DTypeInt8)
	if err != nil {
		return nil, err
	}
	pp := path + " / params"
	// Offsets are negated int8 zero points (input) or an int8 zero point
	// (output); this also bounds every intermediate below inside int32.
	for _, o := range []struct {
		name   string
		v      int32
		lo, hi int32
	}{
		{"input 1 offset", p.Input1Offset, -127, 128},
		{"input 2 offset", p.Input2Offset, -127, 128},
		{"output offset", p.OutputOffset, -128, 127},
	} {
		if o.v < o.lo || o.v > o.hi {
			return nil, format.Malformed(pp, "%s %d outside [%d, %d] (int8 zero point)", o.name, o.v, o.lo, o.hi)
		}
	}
	if err := checkClamp(p.ActMin, p.ActMax, pp); err != nil {
		return nil, err
	}
	k := &arithKernel{
		in1: op.Inputs[0], in2: op.Inputs[1], out: op.Outputs[0],
		mul:  mul,
		off1: p.Input1Offset,
		off2: p.Input2Offset,
	}
	if p.OutputMultiplier < 0 {
		return nil, format.Malformed(pp, "output multiplier %d is negative", p.OutputMultiplier)
	}
	if mul {
		// TFLite's MultiplyByQuantizedMultiplier: shift > 0 is a left shift
		// of the product (1 << shift must be an int32), shift < 0 a
		// rounding right shift of at most 31.
		if p.OutputShift < -31 || p.OutputShift > 30 {
			return nil, format.Malformed(pp, "output shift %d outside [-31, 30]", p.OutputShift)
		}
		var right uint8
		if p.OutputShift > 0 {
			k.outLeft = uint8(p.OutputShift)
		} else {
			right = uint8(-p.OutputShift)
		}
		k.os = newOutStage(p.OutputMultiplier, right, p.OutputOffset, p.ActMin, p.ActMax)
		k.ms = asm.MulSpec{In1Offset: p.Input1Offset, In2Offset: p.Input2Offset, Mult: p.OutputMultiplier,
			Left: k.outLeft, Right: right, OutOffset: p.OutputOffset, Min: p.ActMin, Max: p.ActMax}
		if err := k.ms.Check(); err != nil {
			return nil, format.Malformed(pp, "%v", err)
		}
		k.impl = asm.Selected()
	} else {
		if p.LeftShift < 0 || p.LeftShift > arithMaxLeftShift {
			return nil, format.Malformed(pp, "left shift %d outside [0, %d]", p.LeftShift, arithMaxLeftShift)
		}
		for _, s := range []struct {
			name  string
			m, sh int32
		}{
			{"input 1", p.Input1Multiplier, p.Input1Shift},
			{"input 2", p.Input2Multiplier, p.Input2Shift},
			{"output", p.OutputMultiplier, p.OutputShift},
		} {
			// MultiplyByQuantizedMultiplierSmallerThanOneExp takes a
			// non-positive exponent.
			if s.m < 0 || s.sh < -31 || s.sh > 0 {
				return nil, format.Malformed(pp, "%s multiplier %d shift %d: want multiplier >= 0 and shift in [-31, 0]", s.name, s.m, s.sh)
			}
		}
		k.ap, err = asm.NewAddParams(asm.AddSpec{
			In1Offset: p.Input1Offset, In1Mult: p.Input1Multiplier, In1Shift: p.Input1Shift,
			In2Offset: p.Input2Offset, In2Mult: p.Input2Multiplier, In2Shift: p.Input2Shift,
			LeftShift: p.LeftShift,
			OutMult:   p.OutputMultiplier, OutShift: p.OutputShift, OutOffset: p.OutputOffset,
			Min: p.ActMin, Max: p.ActMax, Sub: sub,
		})
		if err != nil {
			// Every range NewAddParams checks was checked above.
			return nil, format.Malformed(pp, "%v", err)
		}
		k.impl = asm.Selected()
	}
	k.bc, err = newBroadcastLayout(in1.Shape, in2.Shape, out.Shape, path)
	if err != nil {
		return nil, err
	}
	return k, nil
}

// broadcastLayout describes an elementwise binary op over broadcast shapes,
// with dimensions merged as far as possible: the output is contiguous, and
// str1/str2 are the inputs' element strides per output dimension (0 where an
// input is broadcast). Equal shapes merge to a single dimension, a scalar
// operand to a single dimension with stride 0.
type broadcastLayout struct {
	rank       int
	n          int // output elements
	dims       [maxLayoutRank]int
	str1, str2 [maxLayoutRank]int
}

// newBroadcastLayout checks that out is the broadcast of s1 and s2 (shapes
// aligned at their last dimension, each input dimension 1 or equal to the
// output's) and builds the merged layout.
func newBroadcastLayout(s1, s2, so []int32, path string) (broadcastLayout, error) {
	var bl broadcastLayout
	r := max(len(s1), len(s2), len(so))
	ext := func(s []int32) []int {
		e := make([]int, r)
		for i := range e {
			e[i] = 1
		}
		for i, d := range s {
			e[r-len(s)+i] = int(d)
		}
		return e
	}
	e1, e2, eo := ext(s1), ext(s2), ext(so)
	for d := range r {
		a, b, o := e1[d], e2[d], eo[d]
		if a < 0 || b < 0 || o < 0 || (a != o && a != 1) || (b != o && b != 1) || (o != 1 && a != o && b != o) {
			return bl, format.Malformed(path, "output shape %v is not the broadcast of input shapes %v and %v", so, s1, s2)
		}
	}
	// Contiguous strides of each input in the extended shape; 0 where the
	// input is broadcast along a longer output dimension.
	strides := func(e []int) []int {
		st := make([]int, r)
		acc := 1
		for d := r - 1; d >= 0; d-- {
			if e[d] == 1 && eo[d] != 1 {
				st[d] = 0
			} else {
				st[d] = acc
			}
			acc *= e[d]
		}
		return st
	}
	st1, st2 := strides(e1), strides(e2)
	bl.n = 1
	for _, o := range eo {
		bl.n *= o
	}
	// Drop output dimensions of size 1, then merge neighbours that are
	// contiguous (or equally broadcast) in both inputs.
	var dims, m1, m2 []int
	for d := range r {
		if eo[d] == 1 {
			continue
		}
		k := len(dims) - 1
		if k >= 0 && m1[k] == st1[d]*eo[d] && m2[k] == st2[d]*eo[d] {
			dims[k] *= eo[d]
			m1[k], m2[k] = st1[d], st2[d]
			continue
		}
		dims = append(dims, eo[d])
		m1 = append(m1, st1[d])
		m2 = append(m2, st2[d])
	}
	if len(dims) == 0 { // a single element (or rank 0)
		dims, m1, m2 = []int{1}, []int{1}, []int{1}
	}
	if len(dims) > maxLayoutRank {
		return bl, &format.UnsupportedOpError{Op: "broadcast", Index: -1,
			Reason: fmt.Sprintf("%s: shapes %v and %v need %d broadcast dimensions (at most %d supported)", path, s1, s2, len(dims), maxLayoutRank)}
	}
	bl.rank = len(dims)
	copy(bl.dims[:], dims)
	copy(bl.str1[:], m1)
	copy(bl.str2[:], m2)
	return bl, nil
}

// elementwiseUnit is the split granularity of elementwise ops (elements
// per unit): a whole number of every implementation's vectors, so that
// a split adds no tail loops, and small enough that a split's halves
// match those of the row-split convolutions around it (each thread then
// reads what it wrote).
const elementwiseUnit = 256

// Units: with equal input shapes (no broadcast) the op splits by runs of
// elementwiseUnit elements for Options.Threads; otherwise it does not
// split (1 unit).
func (k *arithKernel) Units() int {
	if !k.contiguous() {
		return 1
	}
	return (k.bc.n + elementwiseUnit - 1) / elementwiseUnit
}

// contiguous: both inputs and the output are one run of n elements.
func (k *arithKernel) contiguous() bool {
	return k.bc.rank == 1 && k.bc.str1[0] == 1 && k.bc.str2[0] == 1
}

// EvalRange computes units [lo, hi) (see Units).
func (k *arithKernel) EvalRange(env *Env, lo, hi int) {
	if !k.contiguous() {
		k.Eval(env)
		return
	}
	a, b, out := env.Tensors[k.in1], env.Tensors[k.in2], env.Tensors[k.out]
	e0, e1 := lo*elementwiseUnit, min(hi*elementwiseUnit, k.bc.n)
	if e0 >= e1 {
		return
	}
	if k.mul {
		k.impl.MulInt8(out[e0:e1], a[e0:e1], b[e0:e1], &k.ms)
	} else {
		k.impl.AddInt8(out[e0:e1], a[e0:e1], b[e0:e1], k.ap)
	}
}

func (k *arithKernel) Eval(env *Env) {
	a, b, out := env.Tensors[k.in1], env.Tensors[k.in2], env.Tensors[k.out]
	bl := &k.bc
	if bl.n == 0 {
		return
	}
	last := bl.rank - 1
	inner, s1, s2 := bl.dims[last], bl.str1[last], bl.str2[last]
	var idx [maxLayoutRank]int
	p1, p2 := 0, 0
	for o := 0; o < bl.n; o += inner {
		switch {
		case k.mul && s1 == 1 && s2 == 1:
			k.impl.MulInt8(out[o:o+inner], a[p1:p1+inner], b[p2:p2+inner], &k.ms)
		case k.mul:
			k.mulRow(out[o:o+inner], a[p1:], s1, b[p2:], s2)
		case s1 == 1 && s2 == 1:
			k.impl.AddInt8(out[o:o+inner], a[p1:p1+inner], b[p2:p2+inner], k.ap)
		default:
			k.ap.AddInt8Broadcast(out[o:o+inner], a[p1:], s1, b[p2:], s2)
		}
		// Odometer over the outer dimensions.
		for d := last - 1; d >= 0; d-- {
			idx[d]++
			p1 += bl.str1[d]
			p2 += bl.str2[d]
			if idx[d] < bl.dims[d] {
				break
			}
			idx[d] = 0
			p1 -= bl.str1[d] * bl.dims[d]
			p2 -= bl.str2[d] * bl.dims[d]
		}
	}
}

// mulRow handles one innermost run; s1 and s2 are 1 (contiguous) or 0
// (broadcast), indexing with i&-s as AddInt8Broadcast does: TFLite's MulElementwise,
// the offset product shifted left (wrapping in int32 exactly as TFLite's
// x * (1 << left)) and rescaled.
func (k *arithKernel) mulRow(out, a []int8, s1 int, b []int8, s2 int) {
	m1, m2 := -s1, -s2
	o1, o2, left, os := k.off1, k.off2, k.outLeft&31, k.os
	for i := range out {
		prod := (int32(a[i&m1]) + o1) * (int32(b[i&m2]) + o2)
		out[i] = os.apply(prod << left)
	}
}
