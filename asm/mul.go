package asm

import (
	"fmt"

	"github.com/edgerun/edgerun/dyadic"
)

// MulSpec is TFLite's int8 MUL arithmetic (reference_integer_ops::Mul,
// MulElementwise), the definition mulInt8Ref follows element by element:
//
//	p   = (a + In1Offset) · (b + In2Offset)            (int32, exact)
//	v   = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(p << Left, Mult), Right)
//	out = clamp(v + OutOffset, Min, Max)
//
// p << Left wraps in int32 as TFLite's p * (1 << shift); at most one of
// Left and Right is nonzero in TFLite (the sign of its exponent). Offsets
// are negated int8 zero points (inputs) and an int8 zero point (output);
// Mult >= 0, so the high multiply never saturates.
type MulSpec struct {
	In1Offset, In2Offset int32
	Mult                 int32
	Left, Right          uint8 // Left in [0, 30], Right in [0, 31]
	OutOffset, Min, Max  int32
}

// mulArgs is one call of a MUL kernel: out[i] = a[i]·b[i] for i < n (n a
// positive multiple of mulStep) with the spec's constants in the form
// the kernel uses (the generator addresses the fields by name): the
// rounding shift as mask = 2^right − 1, half = mask >> 1.
type mulArgs struct {
	out, a, b         *int8
	n                 int
	off1, off2        int32
	left, mult, right int32
	mask, half        int32
	off, lo, hi       int32
}

// Check validates s.
func (s *MulSpec) Check() error {
	if s.In1Offset < -127 || s.In1Offset > 128 || s.In2Offset < -127 || s.In2Offset > 128 {
		return fmt.Errorf("asm: mul input offsets %d, %d outside [-127, 128]", s.In1Offset, s.In2Offset)
	}
	if s.Mult < 0 || s.Left > 30 || s.Right > 31 {
		return fmt.Errorf("asm: mul multiplier %d, left %d, right %d: want >= 0, <= 30, <= 31", s.Mult, s.Left, s.Right)
	}
	if s.OutOffset < -128 || s.OutOffset > 127 || s.Min < -128 || s.Max > 127 || s.Min > s.Max {
		return fmt.Errorf("asm: mul output offset %d, clamp [%d, %d] outside int8", s.OutOffset, s.Min, s.Max)
	}
	return nil
}

// MulInt8 computes out[i] = a[i]·b[i] for equal-length contiguous rows
// with TFLite's int8 MUL arithmetic (MulSpec, checked by s.Check),
// bit-exact with mulInt8Ref. It does not allocate.
func (impl *Impl) MulInt8(out, a, b []int8, s *MulSpec) {
	n := len(out)
	if len(a) != n || len(b) != n {
		panic(fmt.Sprintf("asm: MulInt8 of %d and %d values into %d", len(a), len(b), n))
	}
	body := 0
	if mulSIMD && impl.pool && n >= mulStep {
		mask := int32(int64(1)<<s.Right - 1)
		p := mulArgs{off1: s.In1Offset, off2: s.In2Offset,
			left: int32(s.Left), mult: s.Mult, right: int32(s.Right), mask: mask, half: mask >> 1,
			off: s.OutOffset, lo: s.Min, hi: s.Max}
		if impl.bw512 && n >= mul512Step {
			body = n &^ (mul512Step - 1)
			p.out, p.a, p.b, p.n = &out[0], &a[0], &b[0], body
			mul512Kernel(&p)
		}
		if m := (n - body) &^ (mulStep - 1); m > 0 {
			p.out, p.a, p.b, p.n = &out[body], &a[body], &b[body], m
			mulKernel(&p)
			body += m
		}
	}
	if body < n {
		mulInt8Generic(out[body:], a[body:], b[body:], s)
	}
}

// mulInt8Generic is the generic MulInt8: the high multiply as a floor
// shift of the rounded 64-bit product (exact for Mult >= 0), the rounding
// shift in mask/threshold form.
func mulInt8Generic(out, a, b []int8, s *MulSpec) {
	a, b = a[:len(out)], b[:len(out)]
	mult, left, right := int64(s.Mult), s.Left&31, s.Right&31
	mask := int32(int64(1)<<right - 1)
	half := mask >> 1
	for i := range out {
		x := (int32(a[i]) + s.In1Offset) * (int32(b[i]) + s.In2Offset) << left
		h := int32((int64(x)*mult + 1<<30) >> 31)
		r := h >> right
		if h&mask > half-h>>31 {
			r++
		}
		out[i] = int8(min(max(r+s.OutOffset, s.Min), s.Max))
	}
}

// mulInt8Ref is MulInt8 from MulSpec's definition with dyadic's
// arithmetic: the tests' reference.
func mulInt8Ref(out, a, b []int8, s *MulSpec) {
	for i := range out {
		p := (int32(a[i]) + s.In1Offset) * (int32(b[i]) + s.In2Offset)
		p = int32(uint32(p) << s.Left)
		v := dyadic.RoundingDivideByPOT(dyadic.SaturatingRoundingDoublingHighMul(p, s.Mult), int32(s.Right))
		out[i] = int8(min(max(v+s.OutOffset, s.Min), s.Max))
	}
}
