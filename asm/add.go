package asm

import (
	"fmt"
	"unsafe"

	"github.com/edgerun/edgerun/dyadic"
)

// AddSpec is TFLite's int8 ADD/SUB arithmetic (ArithParams), the
// definition addInt8Ref follows element by element:
//
//	s1  = MultiplyByQuantizedMultiplierSmallerThanOneExp((a + In1Offset) << LeftShift, In1Mult, In1Shift)
//	s2  = the same for b with In2Offset, In2Mult, In2Shift; negated for Sub
//	v   = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(s1 + s2, OutMult), -OutShift)
//	out = clamp(v + OutOffset, Min, Max)
//
// Offsets are negated int8 zero points (inputs, [-127, 128]) or an int8
// zero point (output); multipliers are >= 0; shifts are TFLite exponents
// in [-31, 0]; LeftShift is in [0, 22] (TFLite uses 20), which keeps
// every intermediate inside int32.
type AddSpec struct {
	In1Offset, In1Mult, In1Shift int32
	In2Offset, In2Mult, In2Shift int32
	LeftShift                    int32
	OutMult, OutShift, OutOffset int32
	Min, Max                     int32
	Sub                          bool
}

// AddParams are an AddSpec prepared once (NewAddParams) for every
// implementation of AddInt8: the per-input lookup tables of the generic one
// and the broadcast constants of the SIMD kernels. Read-only afterwards.
type AddParams struct {
	spec AddSpec
	// t1[uint8(x)], t2[uint8(x)]: s1 and s2 (s2 already negated for Sub)
	// of input value x, the generic kernel's lookup.
	t1, t2 [256]int32
	os     addOut // the generic kernel's output stage
	vec    addVec
	neon   addNeon
	// vbmi: the AVX-512 VBMI kernel's tables and constants, when the
	// implementation wants them (wantAddVBMI) and the output stage has
	// the bounded form; else nil.
	vbmi *addVBMI
}

// wantAddVBMI is set when an implementation of this build runs the
// AVX-512 VBMI ADD kernel on this CPU (arch_amd64.go), so that
// NewAddParams prepares its tables.
var wantAddVBMI bool

// addVBMI is what the AVX-512 VBMI ADD kernel (asm/_gen's addVBMI) reads.
// Per input, the 256-entry table of s1 + D (input 1) and s2 (input 2,
// negated for Sub) as four byte planes (plane j: byte j of each int32,
// indexed by uint8(x)), which the kernel looks up 64 values at a time
// (VPERMT2B) and reassembles into int32 lanes; the sum u = s1 + s2 + D,
// D = 2^30, then takes the bounded requantization (dwBoundedLanes' in
// asm/_gen: NewAddParams checked |s1 + s2| < 2^30 over all inputs and the
// output stage with boundRequant), so u lies in (0, 2^31).
type addVBMI struct {
	planes [2][4][256]uint8
	// perm is the input bytes' order for the kernel's unpacks: byte
	// 16L+4v+t takes input byte 16v+4L+t (L, v < 4, t < 4), so that the
	// unpacked int32 vector v holds values 16v..16v+15 in order.
	perm  [64]uint8
	m2    int64    // 2·OutMult (the low dword; VPMULUDQ)
	k     int64    // the 64-bit constant of the bounded form
	right [2]int64 // the output's right shift (VPSRAD's count)
	d     int32    // D, for the sign test u < D
	sub   int32    // [right >= 1]
	lo    int32
	hi    int32
	clamp int // saturationClamp(lo, hi): the bounds the kernel applies
}

// newAddVBMI prepares addVBMI for p (tables t1 and t2 ready), or returns
// nil when the output stage does not have the bounded form. The struct is
// placed at a 64-byte boundary (the kernel's table loads then never split
// a cache line): the planes are first and the struct holds no pointers.
func newAddVBMI(p *AddParams) *addVBMI {
	lo1, hi1 := minMax32(p.t1[:])
	lo2, hi2 := minMax32(p.t2[:])
	b := max(abs64(int64(lo1)+int64(lo2)), abs64(int64(hi1)+int64(hi2)))
	right, sub, k, ok := boundRequant(b, p.spec.OutMult, p.spec.OutShift, p.spec.OutOffset)
	if !ok {
		return nil
	}
	buf := make([]byte, unsafe.Sizeof(addVBMI{})+63)
	off := (64 - uintptr(unsafe.Pointer(&buf[0]))%64) % 64
	v := (*addVBMI)(unsafe.Pointer(&buf[off]))
	for i := range 256 {
		for j := range 4 {
			v.planes[0][j][i] = uint8((p.t1[i] + dwBoundD) >> (8 * j))
			v.planes[1][j][i] = uint8(p.t2[i] >> (8 * j))
		}
	}
	for l := range 4 {
		for q := range 4 {
			for t := range 4 {
				v.perm[16*l+4*q+t] = uint8(16*q + 4*l + t)
			}
		}
	}
	v.m2 = int64(uint32(p.spec.OutMult) * 2)
	v.k = k
	v.right[0] = int64(right)
	v.d, v.sub, v.lo, v.hi = dwBoundD, sub, p.spec.Min, p.spec.Max
	v.clamp = saturationClamp(v.lo, v.hi)
	return v
}

// minMax32 returns the smallest and largest value of a non-empty slice.
func minMax32(v []int32) (lo, hi int32) {
	lo, hi = v[0], v[0]
	for _, x := range v[1:] {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// addOut is ADD's output stage in the generic kernel's form: SRDHM by a
// non-negative multiplier as a floor shift of the rounded 64-bit product,
// then the mask/threshold rounding shift, the offset and the clamp.
type addOut struct {
	mult        int64
	right       uint8
	mask, half  int32
	off, lo, hi int32
}

// apply is the output stage of one sum x.
func (o *addOut) apply(x int32) int8 {
	h := int32((int64(x)*o.mult + 1<<30) >> 31)
	r := h >> (o.right & 31)
	// Round half away from zero: the threshold is one higher for negative
	// h (h>>31 is -1 there, 0 otherwise).
	if h&o.mask > o.half-h>>31 {
		r++
	}
	return int8(min(max(r+o.off, o.lo), o.hi))
}

// addNeon holds the arm64 kernels' constants (gen_arm64.go's addInt8),
// each a 16-byte vector, in the order the kernel loads them into
// consecutive registers (TestAddNeonLayout checks it). The shifts are
// TFLite's exponents as they are (<= 0): SRSHL by a negative amount is
// the rounding right shift, and a negative value marks e >= 1 for the
// sign fix-up.
type addNeon struct {
	off1, off2 [8]int16 // input offsets
	left       [4]int32 // LeftShift
	m1, sh1    [4]int32 // input 1 multiplier and shift
	m2, sh2    [4]int32 // input 2's
	mo, sho    [4]int32 // output multiplier and shift
	off        [4]int32 // output offset
	lo, hi     [16]int8 // clamp
}

// addVec holds the SIMD kernels' constants, each repeated across a
// 32-byte vector so that AVX2 instructions take it as a memory operand
// (AVX-512 broadcasts element 0). The generator (_gen/add.go) reads this
// type through avo's Package and addresses the fields by name.
//
// Per input (i = 1, 2), with t = x + offset, L = LeftShift, r = -shift and
// half = 2^r >> 1, the kernels compute TFLite's double rounding exactly as
//
//	h' = ((x << (L+1)) · m + k) >> 32       (64-bit product, high dword)
//	s  = (h' − [x << (L+1) < thr]) >> r     (arithmetic)
//
// where k = offset·m·2^(L+1) + 2^31 + half·2^32. Why: SRDHM(t·2^L, m) is
// floor((t·2^L·m + 2^30) / 2^31) for m >= 0, which scaled by 2^(L+1)
// above and below is the high dword of x·2^(L+1)·m + offset·m·2^(L+1) +
// 2^31 (x·2^(L+1) fits int32 for L <= 22, so VPMULDQ's 32×32 product is
// exact). RoundingDivideByPOT(h, r) rounds half away from zero, which is
// floor((h + half − [h < 0]) / 2^r) for r > 0 and h for r = 0; adding half
// inside the 64-bit sum costs nothing, and h < 0 may be replaced by t < 0
// (h has t's sign or is 0, and h = 0 gives 0 either way), which is
// x·2^(L+1) < thr = −offset·2^(L+1); thr = INT32_MIN (never true) when
// r = 0. |h| < 2^30 and half <= 2^30, so h + half stays inside int32.
type addVec struct {
	m1, m2     [8]int32 // input multipliers
	k1, k2     [4]int64 // the 64-bit addends k above
	thr1, thr2 [8]int32 // sign thresholds
	r1, r2     [8]int32 // input rounding shifts r
	xs         [8]int32 // L + 1
	mo         [8]int32 // output multiplier
	round      [4]int64 // 2^30, SRDHM's rounding
	omask      [8]int32 // 2^right − 1 of the output shift
	othr       [8]int32 // omask >> 1
	oright     [8]int32 // output rounding shift
	off        [8]int32 // output offset
	lo, hi     [8]int32 // clamp
}

// NewAddParams validates s and prepares it.
func NewAddParams(s AddSpec) (*AddParams, error) {
	for _, o := range []struct {
		name   string
		v      int32
		lo, hi int32
	}{
		{"input 1 offset", s.In1Offset, -127, 128},
		{"input 2 offset", s.In2Offset, -127, 128},
		{"output offset", s.OutOffset, -128, 127},
		{"input 1 shift", s.In1Shift, -31, 0},
		{"input 2 shift", s.In2Shift, -31, 0},
		{"output shift", s.OutShift, -31, 0},
		{"left shift", s.LeftShift, 0, 22},
		{"min", s.Min, -128, 127},
		{"max", s.Max, s.Min, 127},
	} {
		if o.v < o.lo || o.v > o.hi {
			return nil, fmt.Errorf("asm: add %s %d outside [%d, %d]", o.name, o.v, o.lo, o.hi)
		}
	}
	if s.In1Mult < 0 || s.In2Mult < 0 || s.OutMult < 0 {
		return nil, fmt.Errorf("asm: add multipliers %d, %d, %d: want >= 0", s.In1Mult, s.In2Mult, s.OutMult)
	}
	p := &AddParams{spec: s}
	for i := range 256 {
		x := int32(int8(uint8(i)))
		p.t1[i] = addInput(x, s.In1Offset, s.In1Mult, s.In1Shift, s.LeftShift)
		p.t2[i] = addInput(x, s.In2Offset, s.In2Mult, s.In2Shift, s.LeftShift)
		if s.Sub {
			p.t2[i] = -p.t2[i]
		}
	}
	if wantAddVBMI {
		p.vbmi = newAddVBMI(p)
	}
	right := uint8(-s.OutShift)
	mask := int32(int64(1)<<right - 1)
	p.os = addOut{mult: int64(s.OutMult), right: right, mask: mask, half: mask >> 1, off: s.OutOffset, lo: s.Min, hi: s.Max}

	v := &p.vec
	xs := uint(s.LeftShift + 1)
	input := func(m, thr, r []int32, k []int64, off, mult, shift int32) {
		right := -shift
		half := int64(1) << right >> 1
		kv := int64(off)*int64(mult)<<xs + 1<<31 + half<<32
		t := int32(-off) << xs
		if right == 0 {
			t = -1 << 31
		}
		for j := range 8 {
			m[j], thr[j], r[j] = mult, t, right
		}
		for j := range 4 {
			k[j] = kv
		}
	}
	input(v.m1[:], v.thr1[:], v.r1[:], v.k1[:], s.In1Offset, s.In1Mult, s.In1Shift)
	input(v.m2[:], v.thr2[:], v.r2[:], v.k2[:], s.In2Offset, s.In2Mult, s.In2Shift)
	for j := range 8 {
		v.xs[j] = int32(xs)
		v.mo[j] = s.OutMult
		v.omask[j] = p.os.mask
		v.othr[j] = p.os.half
		v.oright[j] = int32(p.os.right)
		v.off[j], v.lo[j], v.hi[j] = s.OutOffset, s.Min, s.Max
	}
	for j := range 4 {
		v.round[j] = 1 << 30
	}
	n := &p.neon
	for j := range 8 {
		n.off1[j], n.off2[j] = int16(s.In1Offset), int16(s.In2Offset)
	}
	for j := range 4 {
		n.left[j] = s.LeftShift
		n.m1[j], n.sh1[j] = s.In1Mult, s.In1Shift
		n.m2[j], n.sh2[j] = s.In2Mult, s.In2Shift
		n.mo[j], n.sho[j] = s.OutMult, s.OutShift
		n.off[j] = s.OutOffset
	}
	for j := range 16 {
		n.lo[j], n.hi[j] = int8(s.Min), int8(s.Max)
	}
	return p, nil
}

// addInput is TFLite's per-input rescale of ADD/SUB.
func addInput(x, off, mult, shift, left int32) int32 {
	return dyadic.MultiplyByQuantizedMultiplierSmallerThanOneExp((x+off)<<uint(left), mult, shift)
}

// Spec returns the parameters p was prepared from.
func (p *AddParams) Spec() AddSpec { return p.spec }

// AddInt8 computes out[i] = a[i] + b[i] (a[i] − b[i] for Sub) for
// equal-length contiguous rows with TFLite's int8 ADD/SUB arithmetic
// (AddSpec), bit-exact with addInt8Ref. It does not allocate.
func (impl *Impl) AddInt8(out, a, b []int8, p *AddParams) {
	n := len(out)
	if len(a) != n || len(b) != n {
		panic(fmt.Sprintf("asm: AddInt8 of %d and %d values into %d", len(a), len(b), n))
	}
	if n == 0 {
		return
	}
	impl.addInt8(out, a, b, p)
}

// addInt8Generic is the generic implementation's AddInt8: two table
// lookups, an add and the output stage per element.
func addInt8Generic(out, a, b []int8, p *AddParams) {
	a, b = a[:len(out)], b[:len(out)]
	t1, t2, os := &p.t1, &p.t2, p.os // os by value: kept in registers
	for i := range out {
		out[i] = os.apply(t1[uint8(a[i])] + t2[uint8(b[i])])
	}
}

// AddInt8Broadcast is AddInt8 for a row whose inputs may be broadcast:
// input 1's element i is a[i·aStride] and input 2's b[i·bStride], each
// stride 1 (contiguous) or 0 (one value for the whole row). It is the
// generic kernel's loop with strides, exported for the broadcast rows of
// ops' ADD and SUB, which no SIMD kernel covers. It does not allocate.
func (p *AddParams) AddInt8Broadcast(out, a []int8, aStride int, b []int8, bStride int) {
	if len(out) == 0 {
		return
	}
	if aStride&^1 != 0 || bStride&^1 != 0 {
		panic(fmt.Sprintf("asm: AddInt8Broadcast strides %d, %d (want 0 or 1)", aStride, bStride))
	}
	_, _ = a[(len(out)-1)*aStride], b[(len(out)-1)*bStride]
	// Indexing with i&m (m = -1 or 0) selects element i or element 0
	// without a branch in the loop.
	m1, m2 := -aStride, -bStride
	t1, t2, os := &p.t1, &p.t2, p.os
	for i := range out {
		out[i] = os.apply(t1[uint8(a[i&m1])] + t2[uint8(b[i&m2])])
	}
}

// addInt8Ref is AddInt8 in plain Go, straight from AddSpec's definition
// with dyadic's arithmetic: the reference every implementation is tested
// against.
func addInt8Ref(out, a, b []int8, p *AddParams) {
	s := &p.spec
	for i := range out {
		s1 := addInput(int32(a[i]), s.In1Offset, s.In1Mult, s.In1Shift, s.LeftShift)
		s2 := addInput(int32(b[i]), s.In2Offset, s.In2Mult, s.In2Shift, s.LeftShift)
		if s.Sub {
			s2 = -s2
		}
		v := dyadic.RoundingDivideByPOT(dyadic.SaturatingRoundingDoublingHighMul(s1+s2, s.OutMult), -s.OutShift)
		out[i] = int8(min(max(v+s.OutOffset, s.Min), s.Max))
	}
}
