package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The requantization epilogue (TFLite's MultiplyByQuantizedMultiplier with
// double rounding, zero point, clamp), lane by lane:
//
//	x = acc + bias                       wrapping
//	x = x << left                        left = max(shift, 0), wrapping
//	x = SRDHM(x, mult) = (x·mult + 2^30) >> 31   (64-bit product; this
//	    floor form equals TFLite's truncating division with its sign-
//	    dependent nudge), except x = mult = INT32_MIN gives INT32_MAX: the
//	    64-bit result's low word is then INT32_MIN, which no other input
//	    produces, so lanes equal to INT32_MIN become INT32_MAX.
//	x = RoundingDivideByPOT(x, right)    right = max(-shift, 0):
//	    (x >> right) + (x & mask > (mask >> 1) + (x < 0)), mask = 2^right - 1
//	out = clamp(x + outOff, lo, hi)
//
// Even dword lanes use VPMULDQ directly; odd lanes after shifting each
// qword right by 32; the two halves are blended back.

// epiParams512 are the per-channel values of one 16-lane vector; thr1 is
// thr + 1 (the threshold of negative values).
type epiParams512 struct {
	b, left, right, m, mo, mask, thr, thr1 reg.VecPhysical
	// The bounded depthwise epilogue only (dwBoundedLanes): the 64-bit
	// constants of the even and odd lanes, and the per-channel 1 (0 for
	// channels without right shift) subtracted from negative sums.
	ke, ko, sub reg.VecPhysical
}

// setupEpi512 loads the parameters of 16 channels. k masks partial loads
// (nil: full vector). rowsum, if non-nil, is the VNNI correction: bias −
// 128·rowsum. tmp may be p.thr1 (written last).
func setupEpi512(p epiParams512, k reg.Register, bias, mult, shift Mem, rowsum *Mem, tmp reg.VecPhysical) {
	load := func(m Mem, dst reg.VecPhysical) {
		if k != nil {
			VMOVDQU32_Z(m, k, dst)
		} else {
			VMOVDQU32(m, dst)
		}
	}
	load(bias, p.b)
	if rowsum != nil {
		load(*rowsum, tmp)
		VPSLLD(U8(7), tmp, tmp)
		VPSUBD(tmp, p.b, p.b)
	}
	load(shift, p.right)
	VPXORD(tmp, tmp, tmp)
	VPMAXSD(p.right, tmp, p.left)  // left = max(shift, 0)
	VPSUBD(p.right, tmp, p.right)  // -shift
	VPMAXSD(tmp, p.right, p.right) // right = max(-shift, 0)
	load(mult, p.m)
	VMOVSHDUP(p.m, p.mo) // odd multipliers in the even (low) dwords
	VPBROADCASTD(cOne(), p.mask)
	VPSLLVD(p.right, p.mask, p.mask)
	VPADDD_BCST(cMinus1(), p.mask, p.mask) // 2^right - 1
	VPSRLD(U8(1), p.mask, p.thr)
	VPADDD_BCST(cOne(), p.thr, p.thr1)
}

// epi512 requantizes x in place. kodd holds 0xAAAA; k2, kneg are scratch;
// off, lo, hi are broadcast registers; e, o scratch vectors. It keeps off
// the shift units where it can: the products' rounding and doubling are
// additions ((p + 2^30)·2 puts SRDHM's result in the high dword), the
// dword moves are VMOVSHDUP.
func epi512(x reg.VecPhysical, p epiParams512, kodd, k2, kneg reg.Register, off, lo, hi, e, o reg.VecPhysical, biasAdded bool) {
	epi512Lanes([]lane512{{x, e, o, k2, kneg}}, p, kodd, off, lo, hi, biasAdded)
}

// lane512 is one vector going through the epilogue with its scratch.
type lane512 struct {
	x, e, o  reg.VecPhysical
	k2, kneg reg.Register
}

// epi512Lanes requantizes several vectors, step by step interleaved, so
// that their dependency chains overlap.
func epi512Lanes(lanes []lane512, p epiParams512, kodd reg.Register, off, lo, hi reg.VecPhysical, biasAdded bool) {
	var steps []func(l lane512)
	add := func(f func(l lane512)) { steps = append(steps, f) }
	if !biasAdded {
		add(func(l lane512) { VPADDD(p.b, l.x, l.x) })
	}
	if !fast {
		add(func(l lane512) { VPSLLVD(p.left, l.x, l.x) })
	}
	add(func(l lane512) { VMOVSHDUP(l.x, l.o) }) // odd lanes into the low dwords
	add(func(l lane512) { VPMULDQ(p.m, l.x, l.e) })
	add(func(l lane512) { VPMULDQ(p.mo, l.o, l.o) })
	add(func(l lane512) { VPADDQ_BCST(cRound(), l.e, l.e) })
	add(func(l lane512) { VPADDQ_BCST(cRound(), l.o, l.o) })
	add(func(l lane512) { VPADDQ(l.e, l.e, l.e) })
	add(func(l lane512) { VPADDQ(l.o, l.o, l.o) })
	add(func(l lane512) { VMOVSHDUP(l.e, l.x) })            // even results: the high dwords of e
	add(func(l lane512) { VPBLENDMD(l.o, l.x, kodd, l.x) }) // odd results: the high dwords of o
	if !fast {
		add(func(l lane512) { VPCMPEQD_BCST(cIntMin(), l.x, l.k2) })
		add(func(l lane512) { VPSUBD_BCST(cOne(), l.x, l.k2, l.x) }) // INT32_MIN − 1 = INT32_MAX
	}
	add(func(l lane512) { VPMOVD2M(l.x, l.kneg) })
	add(func(l lane512) { VPBLENDMD(p.thr1, p.thr, l.kneg, l.o) }) // threshold: thr + 1 for negative x
	add(func(l lane512) { VPANDD(p.mask, l.x, l.e) })              // remainder
	add(func(l lane512) { VPSRAVD(p.right, l.x, l.x) })
	add(func(l lane512) { VPCMPGTD(l.o, l.e, l.k2) })
	add(func(l lane512) { VPADDD_BCST(cOne(), l.x, l.k2, l.x) })
	add(func(l lane512) { VPADDD(off, l.x, l.x) })
	add(func(l lane512) { VPMAXSD(lo, l.x, l.x) })
	add(func(l lane512) { VPMINSD(hi, l.x, l.x) })
	for _, f := range steps {
		for _, l := range lanes {
			f(l)
		}
	}
}

// dwEpilogue requantizes and stores the P accumulators of a depthwise
// block at R11 += ostride (in R10), four interleaved: one vector's
// epilogue is a chain of ~16 dependent steps, so its latency, not the
// vector units, bounds a lone one. Each lane's two mask registers can be
// one: k2 (the INT32_MIN check, then the rounding compare) and kneg (the
// sign, for the threshold) are never live at once, and K1, K2 are taken.
// The bounded kernel loads dwBoundedLanes' permutation into Z22 (free
// once the sums are done) and clamps and stores through dwPackStore (off then
// holds its permutation, lo and hi are byte broadcasts).
func dwEpilogue(accs []reg.VecPhysical, P int, p epiParams512, off, lo, hi reg.VecPhysical) {
	Load(arg("ostride"), reg.R10)
	MOVQ(reg.RDX, reg.R11)
	all := []lane512{
		{nil, reg.Z25, reg.Z26, reg.K3, reg.K3},
		{nil, reg.Z23, reg.Z24, reg.K4, reg.K4},
		{nil, reg.Z18, reg.Z19, reg.K5, reg.K5},
		{nil, reg.Z20, reg.Z21, reg.K6, reg.K6},
	}
	const group = 4
	for i := 0; i < P; i += group {
		var lanes []lane512
		for n := 0; n < group && i+n < P; n++ {
			l := all[n]
			l.x = accs[i+n]
			lanes = append(lanes, l)
		}
		if bounded {
			if i == 0 {
				VMOVDQU32(dwPerm.Offset(128), reg.Z22)
			}
			dwBoundedLanes(lanes, p, reg.Z22)
			dwPackStore(lanes, off, lo, hi, i+len(lanes) < P, reg.R11, reg.R10, reg.K1)
			continue
		} else {
			epi512Lanes(lanes, p, reg.K2, off, lo, hi, true)
		}
		for n, l := range lanes {
			VPMOVDB(l.x, reg.K1, Mem{Base: reg.R11})
			if i+n < P-1 {
				ADDQ(reg.R10, reg.R11)
			}
		}
	}
}

// dwBoundedLanes is the depthwise epilogue for filters and epilogues whose
// every sum is small (asm.dwBound checks it at load, per channel, and
// prepares the constants): x = acc + bias satisfies |x| < 2^30 for every
// int8 input, the multiplier m >= 0, the right shift e in [0, 31], no left
// shift. The sums start at bias + D, D = 2^30, so the accumulator holds
// u = x + D in (0, 2^31) exactly (int32 wrapping of partial sums cancels).
// Then, with h = 2^(e-1) (0 for e = 0), sub = [e >= 1] and, per channel,
// K = 2^31 + (h + outOff·2^e)·2^32 − 2^31·m (= K0 − 2D·m):
//
//   - u·2m + K (64-bit, VPMULUDQ: 2m < 2^32 is unsigned) = 2x·m + K0,
//     whose high dword is y + h + outOff·2^e, where y = floor((x·m +
//     2^30)/2^31) = floor((2x·m + 2^31)/2^32) is TFLite's SRDHM(x, m)
//     (see epi512Lanes for the floor form; x = INT32_MIN cannot occur).
//     Adding a multiple of 2^32 leaves floor(·/2^32) exact, and dwBound
//     checked that y + h + outOff·2^e − sub stays in int32 over x's whole
//     range (so the 64-bit sum, taken mod 2^64, is that value exactly).
//   - RoundingDivideByPOT(y, e) = (y + h − [y < 0]) >> e for e >= 1:
//     with y = q·2^e + r, the reference adds 1 to q iff
//     r > h − 1 + [y < 0], i.e. r + h − [y < 0] >= 2^e (as 2^e − h = h),
//     and r + h − [y < 0] >= 0 as h >= 1. For e = 0 it is y itself (h =
//     sub = 0). outOff·2^e added before the shift comes out as outOff.
//   - [x < 0] stands for [y < 0]: m >= 0 makes y >= 0 when x >= 0 and
//     y <= 0 when x < 0; when y = 0, (h − 1 + outOff·2^e) >> e = outOff
//     and (h + outOff·2^e) >> e = outOff alike, as 0 <= h − 1 < h < 2^e.
//
// So out = clamp(((hi(u·2m + K) − sub·[u < D]) >> e), lo, hi): 9
// instructions per vector to the shift (one VPERMT2D, idx, gathers the
// high dwords), against 15 for epi512Lanes' fast form; dwPackStore clamps
// and stores four vectors at a time.
//
// A lane without e (nil) computes in place: x takes e's role once the
// sign is taken, so that one scratch vector (o) a lane suffices.
//
// With relu (lo >= outOff, asm.clampsNegatives) the sign correction goes:
// for x < 0, y <= 0 and both (y + h − sub + outOff·2^e) >> e and
// (y + h + outOff·2^e) >> e are at most outOff (h < 2^e), so both clamp
// to lo; for x >= 0 the two forms are the same. 7 instructions a vector.
func dwBoundedLanes(lanes []lane512, p epiParams512, idx reg.VecPhysical) {
	e := func(l lane512) reg.VecPhysical {
		if l.e == nil {
			return l.x
		}
		return l.e
	}
	sign := func(l lane512) { VPCMPD_BCST(U8(1), cDwD(), l.x, l.kneg) } // x < 0: u < D
	var steps []func(l lane512)
	if lanes[0].e == nil && !relu {
		steps = append(steps, sign)
	}
	steps = append(steps,
		func(l lane512) { VMOVSHDUP(l.x, l.o) }, // odd lanes into the low dwords
		func(l lane512) { VPMULUDQ(p.m, l.x, e(l)) },
		func(l lane512) { VPMULUDQ(p.mo, l.o, l.o) },
	)
	if lanes[0].e != nil && !relu {
		steps = append(steps, sign)
	}
	steps = append(steps,
		func(l lane512) { VPADDQ(p.ke, e(l), e(l)) },
		func(l lane512) { VPADDQ(p.ko, l.o, l.o) },
		func(l lane512) { VPERMT2D(l.o, idx, e(l)) }, // the high dwords of e and o, interleaved
	)
	if !relu {
		steps = append(steps, func(l lane512) { VPSUBD(p.sub, e(l), l.kneg, e(l)) })
	}
	steps = append(steps, func(l lane512) { VPSRAVD(p.right, e(l), l.x) })
	for _, f := range steps {
		for _, l := range lanes {
			f(l)
		}
	}
}

// dwPackStore narrows up to four vectors of int32 results (pixels j <
// len(lanes)) to bytes with saturation, clamps them to [lo, hi] (byte
// broadcasts; saturating to [−128, 127] first changes nothing as lo and
// hi lie inside), and stores pixel j's 16 bytes (masked by k; nil: all)
// at dst + j·ld, leaving dst at the last pixel (after it when more
// follows). The GEMM (vnniBoundedEpi) stores rows as pixels.
//
// clamp is the kernel's clamp argument (asm.saturationClamp), which says
// which bounds the saturation leaves to do: 0 none (lo = −128, hi = 127,
// the layers without activation), 1 lo only (hi = 127: a fused ReLU),
// 2 both. For 0 and 1 each vector narrows on its own (VPMOVSDB, in
// place) and, for 1, takes VPMAXSB: one or two vector instructions a
// vector. For 2 the packs below do four vectors in nine (two VPACKSSDW,
// VPACKSSWB, VPERMD, the clamp, three VEXTRACTI32X4), fewer than the
// twelve of the per-vector form. The kernels are bound by the vector
// pipes (every instruction counts; bench/ Kernel benchmarks): the packs'
// shuffles were 15 % of a short-K GEMM's time. The packs work within
// 128-bit lanes: lane L of their result holds channels 4L..4L+3 of pixels
// 0..3; perm gathers dword j of every lane into lane j.
func dwPackStore(lanes []lane512, perm, lo, hi reg.VecPhysical, more bool, dst, ld, k reg.Register) {
	store := func(x Op) {
		if k == nil {
			VMOVDQU8(x, Mem{Base: dst})
		} else {
			VMOVDQU8(x, k, Mem{Base: dst})
		}
	}
	next := func(j int) {
		if j < len(lanes)-1 || more {
			ADDQ(ld, dst)
		}
	}
	l := uniqueLabel("pack")
	CMPQ(addr("clamp"), U8(1))
	JA(LabelRef(l + "_both"))
	for _, v := range lanes {
		VPMOVSDB(v.x, v.x.AsX())
	}
	JNE(LabelRef(l + "_store")) // clamp 0 (the flags are CMPQ's still)
	for _, v := range lanes {
		VPMAXSB(lo.AsX(), v.x.AsX(), v.x.AsX())
	}
	Label(l + "_store")
	for j, v := range lanes {
		store(v.x.AsX())
		next(j)
	}
	JMP(LabelRef(l + "_done"))

	Label(l + "_both")
	x := make([]reg.VecPhysical, 4)
	for j := range x {
		x[j] = lanes[min(j, len(lanes)-1)].x
	}
	a, b := x[0], x[2]
	VPACKSSDW(x[1], x[0], a)
	if len(lanes) > 2 {
		VPACKSSDW(x[3], x[2], b)
	} else {
		b = a
	}
	VPACKSSWB(b, a, a)
	VPERMD(a, perm, a)
	VPMAXSB(lo, a, a)
	VPMINSB(hi, a, a)
	for j := range lanes {
		if j == 0 {
			store(a.AsX())
		} else {
			t := lanes[j].e
			if t == nil {
				t = lanes[j].o
			}
			VEXTRACTI32X4(U8(j), a, t.AsX())
			store(t.AsX())
		}
		next(j)
	}
	Label(l + "_done")
}

// epiParams256 is the AVX2 version: 8 lanes, plus the broadcast constants.
type epiParams256 struct {
	b, left, right, m, mo, mask, thr reg.VecPhysical
	round, intMin, off, lo, hi       reg.VecPhysical
}

// setupEpi256 loads the parameters of 8 channels (all 8 readable).
func setupEpi256(p epiParams256, bias, mult, shift Mem, tmp reg.VecPhysical) {
	VMOVDQU(bias, p.b)
	VMOVDQU(shift, p.right)
	VPXOR(tmp, tmp, tmp)
	VPMAXSD(p.right, tmp, p.left)
	VPSUBD(p.right, tmp, p.right)
	VPMAXSD(tmp, p.right, p.right)
	VMOVDQU(mult, p.m)
	VMOVSHDUP(p.m, p.mo)
	VPBROADCASTD(cOne(), p.mask)
	VPSLLVD(p.right, p.mask, p.mask)
	VPCMPEQD(tmp, tmp, tmp)
	VPADDD(tmp, p.mask, p.mask)
	VPSRLD(U8(1), p.mask, p.thr)
}

// setupConst256 loads the constants that do not depend on the channel.
func setupConst256(p epiParams256, outOff, lo, hi Mem) {
	VPBROADCASTQ(cRound(), p.round)
	VPBROADCASTD(cIntMin(), p.intMin)
	bcast256(outOff, p.off)
	bcast256(lo, p.lo)
	bcast256(hi, p.hi)
}

// epi256 requantizes x in place; e, o are scratch.
func epi256(x reg.VecPhysical, p epiParams256, e, o reg.VecPhysical) {
	VPADDD(p.b, x, x)
	if !fast {
		VPSLLVD(p.left, x, x)
	}
	VMOVSHDUP(x, o)
	VPMULDQ(p.m, x, e)
	VPMULDQ(p.mo, o, o)
	VPADDQ(p.round, e, e)
	VPADDQ(p.round, o, o)
	VPADDQ(e, e, e)
	VPADDQ(o, o, o)
	VMOVSHDUP(e, x)
	VPBLENDD(U8(0xaa), o, x, x)
	if !fast {
		VPCMPEQD(p.intMin, x, e)
		VPXOR(e, x, x) // INT32_MIN ^ -1 = INT32_MAX
	}
	VPAND(p.mask, x, e)
	VPSRAD(U8(31), x, o)
	VPSUBD(o, p.thr, o)
	VPSRAVD(p.right, x, x)
	VPCMPGTD(o, e, o)
	VPSUBD(o, x, x)
	VPADDD(p.off, x, x)
	VPMAXSD(p.lo, x, x)
	VPMINSD(p.hi, x, x)
}
