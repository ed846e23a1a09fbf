// Command _gen generates edgerun's amd64 kernels (asm/kernels_amd64.s and
// their Go declarations asm/kernels_amd64.go) with avo:
//
//	cd asm/_gen && go run . -out ../kernels_amd64.s -stubs ../kernels_amd64.go -pkg asm
//
// It lives in its own module so that avo is not a dependency of the
// library. CI regenerates the files and fails on any difference.
//
// Every kernel computes exactly what asm.gemmRef / asm.depthwiseRowRef
// compute (see asm/gemm.go and asm/depthwise.go); the comments here say
// how, the Go side (asm/gemm_amd64.go) says with which packed layouts.
package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/ir"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

var consts, dwPerm, dwPermB Mem

// fast selects the epilogue without left shift and INT32_MIN saturation
// (kernel names get the suffix Fast).
var fast bool

// bounded selects the depthwise kernel with the bounded epilogue (name
// suffix Bounded; see dwBoundedLanes).
var bounded bool

func suffix() string {
	if bounded {
		return "Bounded"
	}
	if fast {
		return "Fast"
	}
	return ""
}

func doc(name, text string) {
	if bounded {
		text += " Bounded epilogue: bias, weights and requantization constants as asm.dwBound prepares them (bias = its per-block parameters; mult, shift and outOff are not read)."
	} else if fast {
		text += " Fast epilogue: every Shift <= 0, no Mult is INT32_MIN."
	}
	Doc(name + " " + text)
}

func main() {
	ConstraintExpr("!purego")
	// Constants: 2^30 (SRDHM's rounding, as a qword), INT32_MIN, 1, the
	// 0x80 bytes that offset int8 activations to uint8, the odd-lane
	// blend mask.
	consts = GLOBL("kconst", RODATA|NOPTR)
	DATA(0, U64(1<<30))
	DATA(8, U32(0x80000000))
	DATA(12, U32(1))
	DATA(16, U32(0x80808080))
	DATA(20, U32(0xffffffff))

	// Every kernel twice: with the full epilogue, and a Fast one for
	// epilogues without left shifts (every Shift <= 0) and without the
	// INT32_MIN multiplier, that skips those steps (the Go side chooses).
	for _, f := range []bool{false, true} {
		fast = f
		for nz := 1; nz <= 3; nz++ {
			gemmVNNI(nz)
		}
		gemmAVX2(false)
		gemmAVX2(true)
		dwAVX512()
		dwAVX2()
	}
	gemmAVX2B()
	// dwPackStore's permutation: dword j of every 128-bit lane into lane j.
	dwPerm = GLOBL("dwperm", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U32(i%4*4+i/4))
	}
	DATA(64, U32(1<<30))
	// dwBoundedLanes' interleave of the even-lane and odd-lane products'
	// high dwords (VPERMT2D: 0-15 select e, 16-31 select o).
	for i := 0; i < 16; i++ {
		v := i | 1
		if i%2 == 1 {
			v += 16
		}
		DATA(128+4*i, U32(v))
	}
	// The bounded kernel's byte path (dwBlockS1B): column bytes of the
	// three rows, 16 channels a lane, to (row 0, row 1, row 2, zero) per
	// channel dword.
	dwPermB = GLOBL("dwpermb", RODATA|NOPTR)
	for i := 0; i < 64; i++ {
		DATA(i, U8(i%4*16+i/4))
	}
	bounded = true
	dwAVX512()
	for nz := 1; nz <= 3; nz++ {
		gemmVNNI(nz)
	}
	bounded = false
	copyRowsAVX2()
	for _, sub := range []bool{false, true} {
		addAVX512(sub)
		addAVX2(sub)
	}
	Generate()
}

var (
	cDwD    = func() Mem { return dwPerm.Offset(64) } // 2^30, the bounded depthwise sums' offset
	cRound  = func() Mem { return consts.Offset(0) }
	cIntMin = func() Mem { return consts.Offset(8) }
	cOne    = func() Mem { return consts.Offset(12) }
	cX80    = func() Mem { return consts.Offset(16) }
	cMinus1 = func() Mem { return consts.Offset(20) }
)

// vpdpbusd emits VPDPBUSD (AVX512_VNNI), which avo's instruction table
// lacks: acc += Σ_4 u8(u)·s8(s) per dword lane. Go operand order: s, u, acc.
func vpdpbusd(s, u, acc Op) {
	Instruction(&ir.Instruction{
		Opcode:   "VPDPBUSD",
		Operands: []Op{s, u, acc},
		Inputs:   []Op{s, u, acc},
		Outputs:  []Op{acc},
		ISA:      []string{"AVX512_VNNI"},
	})
}

// vpdpwssd emits VPDPWSSD (AVX512_VNNI): acc += Σ_2 s16(a)·s16(b) per
// dword lane. Go operand order: b, a, acc.
func vpdpwssd(b, a, acc Op) {
	Instruction(&ir.Instruction{
		Opcode:   "VPDPWSSD",
		Operands: []Op{b, a, acc},
		Inputs:   []Op{b, a, acc},
		Outputs:  []Op{acc},
		ISA:      []string{"AVX512_VNNI"},
	})
}

// ---------------------------------------------------------------------
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
	Load(Param("ostride"), reg.R10)
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
func dwBoundedLanes(lanes []lane512, p epiParams512, idx reg.VecPhysical) {
	e := func(l lane512) reg.VecPhysical {
		if l.e == nil {
			return l.x
		}
		return l.e
	}
	sign := func(l lane512) { VPCMPD_BCST(U8(1), cDwD(), l.x, l.kneg) } // x < 0: u < D
	var steps []func(l lane512)
	if lanes[0].e == nil {
		steps = append(steps, sign)
	}
	steps = append(steps,
		func(l lane512) { VMOVSHDUP(l.x, l.o) }, // odd lanes into the low dwords
		func(l lane512) { VPMULUDQ(p.m, l.x, e(l)) },
		func(l lane512) { VPMULUDQ(p.mo, l.o, l.o) },
	)
	if lanes[0].e != nil {
		steps = append(steps, sign)
	}
	steps = append(steps,
		func(l lane512) { VPADDQ(p.ke, e(l), e(l)) },
		func(l lane512) { VPADDQ(p.ko, l.o, l.o) },
		func(l lane512) { VPERMT2D(l.o, idx, e(l)) }, // the high dwords of e and o, interleaved
		func(l lane512) { VPSUBD(p.sub, e(l), l.kneg, e(l)) },
		func(l lane512) { VPSRAVD(p.right, e(l), l.x) },
	)
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
// follows). The packs work within 128-bit lanes: lane L of the result
// holds channels 4L..4L+3 of pixels 0..3; perm gathers dword j of every
// lane into lane j. The GEMM (vnniBoundedEpi) stores rows as pixels.
func dwPackStore(lanes []lane512, perm, lo, hi reg.VecPhysical, more bool, dst, ld, k reg.Register) {
	store := func(x Op) {
		if k == nil {
			VMOVDQU8(x, Mem{Base: dst})
		} else {
			VMOVDQU8(x, k, Mem{Base: dst})
		}
	}
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
		if j < len(lanes)-1 || more {
			ADDQ(ld, dst)
		}
	}
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

// ---------------------------------------------------------------------
// GEMM, AVX-512 VNNI. One call computes every row of one panel of nz·16
// columns (nz = 1..3). Packed panel layout: for each group of 4 k values
// (K rounded up to 4, zero padded), nz vectors of 16 columns × 4 bytes
// w[c][4g..4g+3]. Activations are broadcast 4 bytes at a time, offset to
// uint8 (XOR 0x80 = +128), and VPDPBUSD accumulates (a+128)·w; the
// epilogue subtracts 128·RowSums[c]. Rows go 6 at a time (18 accumulators
// at most), then 5..1.

const vnniMR = 6

func gemmVNNI(nz int) {
	name := fmt.Sprintf("gemmVNNI%d", nz) + suffix()
	if bounded {
		TEXT(name, NOSPLIT, "func(a *int8, lda, m, k int, w *int8, out *int8, ldo int, q *int32, lo, hi int32, mask uint16)")
		Pragma("noescape")
		Doc(name + fmt.Sprintf(" computes m rows of a %d-column panel (AVX-512 VNNI) with the bounded epilogue of q, the panel's constants as asm.vnniPrepareBounded lays them out (see vnniBoundedEpi).", nz*16))
	} else {
		TEXT(name, NOSPLIT, "func(a *int8, lda, m, k int, w *int8, out *int8, ldo int, bias, mult, shift, rowsum *int32, outOff, lo, hi int32, mask uint16)")
		Pragma("noescape")
		doc(name, fmt.Sprintf("computes m rows of a %d-column panel (AVX-512 VNNI).", nz*16))
	}

	a, lda, m, out, ldo := reg.RAX, reg.R8, reg.RBX, reg.RDX, reg.RDI
	Load(Param("a"), a)
	Load(Param("lda"), lda)
	Load(Param("m"), m)
	Load(Param("out"), out)
	Load(Param("ldo"), ldo)
	kmask, kodd, k2 := reg.K1, reg.K2, reg.K3
	Load(Param("mask"), reg.R12)
	KMOVW(reg.R12.As32(), kmask)
	MOVL(U32(0xaaaa), reg.R12.As32())
	KMOVW(reg.R12.As32(), kodd)
	x80 := reg.Z31
	VPBROADCASTD(cX80(), x80)

	rowBlocks(name, vnniMR, a, lda, m, out, ldo, func(mr int) {
		vnniTile(name, nz, mr, kmask, kodd, k2, x80)
	})
}

// rowBlocks emits a GEMM kernel's row loop: blocks of mr rows while at
// least mr are left (advancing a and out by mr strides each), then one
// block of the 1..mr-1 rows left, each block size its own copy of tile
// (labelled name_m<rows>).
func rowBlocks(name string, mr int, a, lda, m, out, ldo reg.Register, tile func(rows int)) {
	Label(name + "_rows")
	CMPQ(m, U8(mr))
	JL(LabelRef(name + "_tail"))
	tile(mr)
	for i := 0; i < mr; i++ {
		ADDQ(lda, a)
		ADDQ(ldo, out)
	}
	SUBQ(U8(mr), m)
	JMP(LabelRef(name + "_rows"))
	Label(name + "_tail")
	for r := mr - 1; r >= 1; r-- {
		CMPQ(m, U8(r))
		JEQ(LabelRef(fmt.Sprintf("%s_m%d", name, r)))
	}
	VZEROUPPER()
	RET()
	for r := mr - 1; r >= 1; r-- {
		Label(fmt.Sprintf("%s_m%d", name, r))
		tile(r)
		VZEROUPPER()
		RET()
	}
}

// rowAddr returns the address of row r (0..5) given base0 = row 0,
// base1 = row 3, ld the stride and ld3 = 3·ld (unused below 6 rows).
func rowAddr(r int, base0, base1, ld reg.Register, disp int) Mem {
	switch r {
	case 0:
		return Mem{Base: base0, Disp: disp}
	case 1:
		return Mem{Base: base0, Index: ld, Scale: 1, Disp: disp}
	case 2:
		return Mem{Base: base0, Index: ld, Scale: 2, Disp: disp}
	case 3:
		return Mem{Base: base1, Disp: disp}
	case 4:
		return Mem{Base: base1, Index: ld, Scale: 1, Disp: disp}
	case 5:
		return Mem{Base: base1, Index: ld, Scale: 2, Disp: disp}
	}
	panic("row")
}

func vnniTile(name string, nz, mr int, kmask, kodd, k2 reg.Register, x80 reg.VecPhysical) {
	lbl := func(s string) string { return fmt.Sprintf("%s_m%d_%s", name, mr, s) }
	a, lda := reg.RAX, reg.R8
	p0, p1, wp, cnt := reg.R12, reg.R13, reg.RSI, reg.RCX
	zs := []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7, reg.Z8, reg.Z9,
		reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15, reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20,
		reg.Z21, reg.Z22, reg.Z23, reg.Z24, reg.Z25, reg.Z26, reg.Z27, reg.Z28, reg.Z29, reg.Z30, reg.Z31}
	accR := func(r, j int) reg.VecPhysical { return zs[r*nz+j] }
	wv := func(j int) reg.VecPhysical { return zs[18+j] }
	t0, t1 := zs[21], zs[22]

	MOVQ(a, p0)
	if mr > 3 {
		LEAQ(Mem{Base: a, Index: lda, Scale: 2}, p1)
		ADDQ(lda, p1)
	}
	Load(Param("w"), wp)
	Load(Param("k"), cnt)
	if bounded {
		// The sums start at bias − 128·Σw + 2^30 (vnniBoundedEpi); the
		// epilogue used x80's register.
		Load(Param("q"), reg.R9)
		VPBROADCASTD(cX80(), x80)
	}
	for r := 0; r < mr; r++ {
		for j := 0; j < nz; j++ {
			if bounded {
				VMOVDQU32(Mem{Base: reg.R9, Disp: vnniBQ * 4 * j}, accR(r, j))
			} else {
				VPXORD(accR(r, j), accR(r, j), accR(r, j))
			}
		}
	}
	if mr == 1 {
		vnniGEMVLoop(lbl, nz, zs, x80)
	} else {
		SHRQ(U8(2), cnt)
	}
	JZ(LabelRef(lbl("ktail")))
	Label(lbl("k"))
	for j := 0; j < nz; j++ {
		VMOVDQU64(Mem{Base: wp, Disp: 64 * j}, wv(j))
	}
	for r := 0; r < mr; r++ {
		t := t0
		if r%2 == 1 {
			t = t1
		}
		VPBROADCASTD(rowAddr(r, p0, p1, lda, 0), t)
		VPXORD(x80, t, t)
		for j := 0; j < nz; j++ {
			vpdpbusd(wv(j), t, accR(r, j))
		}
	}
	ADDQ(U8(4), p0)
	if mr > 3 {
		ADDQ(U8(4), p1)
	}
	ADDQ(U32(64*nz), wp)
	DECQ(cnt)
	JNZ(LabelRef(lbl("k")))

	// K tail: 1..3 bytes per row, read exactly (the padded weights are 0).
	Label(lbl("ktail"))
	Load(Param("k"), cnt)
	ANDQ(U8(3), cnt)
	JZ(LabelRef(lbl("epi")))
	for j := 0; j < nz; j++ {
		VMOVDQU64(Mem{Base: wp, Disp: 64 * j}, wv(j))
	}
	g := reg.R9
	for r := 0; r < mr; r++ {
		addr := rowAddr(r, p0, p1, lda, 0)
		done := lbl(fmt.Sprintf("t%d", r))
		MOVBLZX(addr, g.As32())
		CMPQ(cnt, U8(2))
		JL(LabelRef(done))
		MOVWLZX(addr, g.As32())
		JEQ(LabelRef(done))
		MOVBLZX(rowAddr(r, p0, p1, lda, 2), reg.R10.As32())
		SHLL(U8(16), reg.R10.As32())
		ORL(reg.R10.As32(), g.As32())
		Label(done)
		VPBROADCASTD(g.As32(), t0)
		VPXORD(x80, t0, t0)
		for j := 0; j < nz; j++ {
			vpdpbusd(wv(j), t0, accR(r, j))
		}
	}

	// Epilogue, one 16-column vector at a time over the rows.
	Label(lbl("epi"))
	if mr == 1 {
		for set := 1; set < gemvSets; set++ {
			for j := 0; j < nz; j++ {
				VPADDD(zs[set*nz+j], accR(0, j), accR(0, j))
			}
		}
	}
	if bounded {
		vnniBoundedEpi(nz, mr, accR, kmask)
		return
	}
	p := epiParams512{b: zs[18], left: zs[19], right: zs[20], m: zs[21], mo: zs[22], mask: zs[23], thr: zs[24], thr1: zs[27]}
	e, o, tmp := zs[25], zs[26], zs[27]
	off, lo, hi := zs[28], zs[29], zs[30]
	bcast512(addr("outOff"), off)
	bcast512(addr("lo"), lo)
	bcast512(addr("hi"), hi)
	bias, mult, shift, rs := reg.R9, reg.R10, reg.R11, reg.RSI
	Load(Param("bias"), bias)
	Load(Param("mult"), mult)
	Load(Param("shift"), shift)
	Load(Param("rowsum"), rs)
	op := reg.R12
	for j := 0; j < nz; j++ {
		var k reg.Register
		if j == nz-1 {
			k = kmask
		}
		rsm := Mem{Base: rs, Disp: 64 * j}
		setupEpi512(p, k, Mem{Base: bias, Disp: 64 * j}, Mem{Base: mult, Disp: 64 * j}, Mem{Base: shift, Disp: 64 * j}, &rsm, tmp)
		MOVQ(reg.RDX, op)
		for r := 0; r < mr; r++ {
			x := accR(r, j)
			epi512(x, p, kodd, k2, reg.K4, off, lo, hi, e, o, false)
			if k != nil {
				VPMOVDB(x, k, Mem{Base: op, Disp: 16 * j})
			} else {
				VPMOVDB(x, Mem{Base: op, Disp: 16 * j})
			}
			if r < mr-1 {
				ADDQ(reg.RDI, op)
			}
		}
	}
}

// vnniBQ is the int32 size of the bounded VNNI kernel's constants for one
// 16-column vector (asm.vnniBQ): bias − 128·Σw + 2^30, doubled
// multiplier, right shift, sub, then the even and the odd lanes' 64-bit
// constants, 16 dwords each.
const vnniBQ = 6 * 16

// vnniBoundedEpi is the VNNI GEMM's bounded epilogue (the sums, started at
// bias − 128·Σw + 2^30, hold u = x + 2^30 with x = acc + bias: the
// correction for the uint8 offset of the activations is in the start
// value): dwBoundedLanes' requantization, proved there, with the
// constants asm.vnniPrepareBounded derives per channel as
// asm.dwBoundChannel does for depthwise filters. Each 16-column vector's
// constants are loaded once for the tile's rows; rows go through the
// lanes four at a time, in place (one scratch vector each), and
// dwPackStore packs them to bytes, clamps and stores them, rows as its
// pixels. The last vector stores through kmask.
func vnniBoundedEpi(nz, mr int, accR func(r, j int) reg.VecPhysical, kmask reg.Register) {
	idx, perm, lo, hi := reg.Z18, reg.Z19, reg.Z20, reg.Z21
	p := epiParams512{m: reg.Z22, mo: reg.Z23, ke: reg.Z24, ko: reg.Z25, sub: reg.Z26, right: reg.Z27}
	scratch := []reg.VecPhysical{reg.Z28, reg.Z29, reg.Z30, reg.Z31}
	kneg := []reg.Register{reg.K3, reg.K4, reg.K5, reg.K6}
	VMOVDQU32(dwPerm.Offset(128), idx)
	VMOVDQU32(dwPerm, perm)
	MOVL(addr("lo"), reg.R10.As32())
	VPBROADCASTB(reg.R10.As32(), lo)
	MOVL(addr("hi"), reg.R10.As32())
	VPBROADCASTB(reg.R10.As32(), hi)
	q, op, ldo := reg.R9, reg.R12, reg.RDI
	Load(Param("q"), q)
	for j := 0; j < nz; j++ {
		base := vnniBQ * 4 * j
		VMOVDQU32(Mem{Base: q, Disp: base + 64}, p.m)
		VMOVSHDUP(p.m, p.mo)
		VMOVDQU32(Mem{Base: q, Disp: base + 128}, p.right)
		VMOVDQU32(Mem{Base: q, Disp: base + 192}, p.sub)
		VMOVDQU64(Mem{Base: q, Disp: base + 256}, p.ke)
		VMOVDQU64(Mem{Base: q, Disp: base + 320}, p.ko)
		LEAQ(Mem{Base: reg.RDX, Disp: 16 * j}, op)
		var k reg.Register
		if j == nz-1 {
			k = kmask
		}
		for r0 := 0; r0 < mr; r0 += 4 {
			var lanes []lane512
			for r := r0; r < min(r0+4, mr); r++ {
				i := r - r0
				lanes = append(lanes, lane512{x: accR(r, j), o: scratch[i], kneg: kneg[i]})
			}
			dwBoundedLanes(lanes, p, idx)
			dwPackStore(lanes, perm, lo, hi, r0+4 < mr, op, ldo, k)
		}
	}
}

// gemvSets is how many sets of accumulators a single row (GEMV) sums
// into: with one set, each k group's VPDPBUSDs wait on the previous ones.
const gemvSets = 4

// vnniGEMVLoop emits a single row's K loop over groups of 16 k values:
// set s takes k group 4i+s (its accumulators zs[s·nz+j]; set 0 is the
// row's, the others are zeroed here and summed into set 0 before the
// epilogue: integer sums, so exact), the weights straight from memory.
// It leaves in RCX (flags set) the 0..3 k groups left for the one-set
// loop, with R12 and RSI past the groups done.
func vnniGEMVLoop(lbl func(string) string, nz int, zs []reg.VecPhysical, x80 reg.VecPhysical) {
	p0, wp, cnt := reg.R12, reg.RSI, reg.RCX
	for set := 1; set < gemvSets; set++ {
		for j := 0; j < nz; j++ {
			VPXORD(zs[set*nz+j], zs[set*nz+j], zs[set*nz+j])
		}
	}
	SHRQ(U8(4), cnt)
	JZ(LabelRef(lbl("k1")))
	Label(lbl("k4"))
	for set := 0; set < gemvSets; set++ {
		t := zs[23+set]
		VPBROADCASTD(Mem{Base: p0, Disp: 4 * set}, t)
		VPXORD(x80, t, t)
		for j := 0; j < nz; j++ {
			vpdpbusd(Mem{Base: wp, Disp: 64 * (nz*set + j)}, t, zs[set*nz+j])
		}
	}
	ADDQ(U8(16), p0)
	ADDQ(U32(256*nz), wp)
	DECQ(cnt)
	JNZ(LabelRef(lbl("k4")))
	Label(lbl("k1"))
	Load(Param("k"), cnt)
	SHRQ(U8(2), cnt)
	ANDQ(U8(3), cnt)
}

// ---------------------------------------------------------------------
// GEMM, AVX2. One call computes every row of one panel of 16 columns.
// Packed panel layout: for each pair of k values (K rounded up to 2, zero
// padded), 16 columns × 2 int16 (w[c][2p], w[c][2p+1]): columns 0..7 then
// 8..15, 64 bytes. Each row's pair (a[2p], a[2p+1]) is broadcast to every
// dword and sign-extended to int16 (VPBROADCASTW + VPMOVSXBW); VPMADDWD
// multiplies and adds the pair exactly (|products| <= 2^14). Rows go 6 at a
// time (12 accumulators), then 5..1. The accumulators go to the frame for
// the epilogue; ncols < 16 (the last panel) stores only ncols bytes a row.

const avx2MR = 6

// The AVX2 kernel's frame: accumulators (avx2MR rows of 64 bytes), 16
// bytes for partial stores, the K count left, then the int16 rows.
const (
	avx2KC    = 256 // K chunk (even)
	avx2KLeft = avx2MR*64 + 16
	avx2XBuf  = avx2KLeft + 8
	avx2XRow  = 2*avx2KC + 4
)

func gemmAVX2(widen bool) {
	name := "gemmAVX2" + suffix()
	flags := attr.NOSPLIT
	if widen {
		name = "gemmAVX2W" + suffix()
		flags = 0
	}
	TEXT(name, flags, "func(a *int8, lda, m, k int, w *int8, out *int8, ldo int, bias, mult, shift *int32, outOff, lo, hi int32, ncols int)")
	Pragma("noescape")
	if widen {
		doc(name, "computes m rows of a 16-column panel (AVX2), rows widened to int16 in the frame first (for m >= 6).")
	} else {
		doc(name, "computes m rows of a 16-column panel (AVX2).")
	}
	size := avx2MR*64 + 16
	if widen {
		size = avx2XBuf + avx2MR*avx2XRow
	}
	frame := AllocLocal(size)
	a, lda, m, out, ldo := reg.RAX, reg.R8, reg.RBX, reg.RDX, reg.RDI
	Load(Param("a"), a)
	Load(Param("lda"), lda)
	Load(Param("m"), m)
	Load(Param("out"), out)
	Load(Param("ldo"), ldo)
	rowBlocks(name, avx2MR, a, lda, m, out, ldo, func(mr int) {
		avx2Tile(name, mr, frame, widen)
	})
}

var ys = []reg.VecPhysical{reg.Y0, reg.Y1, reg.Y2, reg.Y3, reg.Y4, reg.Y5, reg.Y6, reg.Y7, reg.Y8, reg.Y9,
	reg.Y10, reg.Y11, reg.Y12, reg.Y13, reg.Y14, reg.Y15}

func avx2Tile(name string, mr int, frame Mem, widen bool) {
	lbl := func(s string) string { return fmt.Sprintf("%s_m%d_%s", name, mr, s) }
	a, lda := reg.RAX, reg.R8
	p0, p1 := reg.R12, reg.R13
	accR := func(r, j int) reg.VecPhysical { return ys[r*2+j] }

	MOVQ(a, p0)
	if mr > 3 {
		LEAQ(Mem{Base: a, Index: lda, Scale: 2}, p1)
		ADDQ(lda, p1)
	}
	if widen {
		avx2KWiden(lbl, mr, frame)
	} else {
		avx2KDirect(lbl, mr)
	}
	Label(lbl("epi"))
	for r := 0; r < mr; r++ {
		for j := 0; j < 2; j++ {
			VMOVDQU(accR(r, j), frame.Offset(r*64+j*32))
		}
	}
	p := epiParams256{b: ys[0], left: ys[1], right: ys[2], m: ys[3], mo: ys[4], mask: ys[5], thr: ys[6],
		round: ys[7], intMin: ys[8], off: ys[9], lo: ys[10], hi: ys[11]}
	x, e, o := ys[12], ys[13], ys[14]
	setupConst256(p, addr("outOff"), addr("lo"), addr("hi"))
	bias, mult, shift := reg.R9, reg.R10, reg.R11
	Load(Param("bias"), bias)
	Load(Param("mult"), mult)
	Load(Param("shift"), shift)
	for j := 0; j < 2; j++ {
		setupEpi256(p, Mem{Base: bias, Disp: 32 * j}, Mem{Base: mult, Disp: 32 * j}, Mem{Base: shift, Disp: 32 * j}, ys[15])
		for r := 0; r < mr; r++ {
			VMOVDQU(frame.Offset(r*64+j*32), x)
			epi256(x, p, e, o)
			VMOVDQU(x, frame.Offset(r*64+j*32))
		}
	}
	// Pack rows to bytes and store.
	op := reg.R12
	MOVQ(reg.RDX, op)
	Load(Param("ncols"), reg.R13)
	for r := 0; r < mr; r++ {
		VMOVDQU(frame.Offset(r*64), ys[0])
		VMOVDQU(frame.Offset(r*64+32), ys[1])
		packStore256(ys[0], ys[1], ys[2], op, reg.R13, frame.Offset(avx2MR*64), lbl(fmt.Sprintf("st%d", r)))
		if r < mr-1 {
			ADDQ(reg.RDI, op)
		}
	}
}

// packStore256 packs two vectors of 8 int32 (already within int8) into 16
// bytes and stores the first n (register) of them at dst; tmp16 is 16
// bytes of frame for partial stores. Clobbers y0..y2, R9, R10.
func packStore256(y0, y1, y2 reg.VecPhysical, dst, n reg.Register, tmp16 Mem, lbl string) {
	VPACKSSDW(y1, y0, y0) // words a0-3 b0-3 | a4-7 b4-7
	VPERMQ(U8(0xd8), y0, y0)
	VEXTRACTI128(U8(1), y0, y2.AsX())
	VPACKSSWB(y2.AsX(), y0.AsX(), y0.AsX())
	CMPQ(n, U8(16))
	JNE(LabelRef(lbl + "_part"))
	VMOVDQU(y0.AsX(), Mem{Base: dst})
	JMP(LabelRef(lbl + "_done"))
	Label(lbl + "_part")
	VMOVDQU(y0.AsX(), tmp16)
	XORQ(reg.R9, reg.R9)
	Label(lbl + "_byte")
	src := tmp16
	src.Index, src.Scale = reg.R9, 1
	MOVB(src, reg.R10.As8())
	MOVB(reg.R10.As8(), Mem{Base: dst, Index: reg.R9, Scale: 1})
	INCQ(reg.R9)
	CMPQ(reg.R9, n)
	JL(LabelRef(lbl + "_byte"))
	Label(lbl + "_done")
}

// ---------------------------------------------------------------------
// Depthwise rows. The filter is packed as 32-bit lanes holding the weight
// as int16 in the low word and 0 in the high word, [KH·KW][Cpad] (C rounded
// up to the vector width, zero padded). For each vector of channels and a
// block of P output pixels (8, 4, 2, 1), every tap's weight vector is
// loaded once; each pixel's input, sign-extended to 32 bits (its low word
// is the int16 value), meets it in a word multiply-add: lo·w + hi·0 = x·w,
// exact. AVX-512 accumulates with VNNI's VPDPWSSD; AVX2 uses VPMADDWD +
// VPADDD (cheaper than VPMULLD on every x86).

var dwArgs = "func(in *int8, rowStride, pixStride, dilHStride, dilWStride, kh, kw int, w *int32, wStride, c, n int, out *int8, ostride int, bias, mult, shift *int32, outOff, lo, hi int32, mode int)"

func dwAVX512() {
	name := "dwAVX512" + suffix()
	TEXT(name, NOSPLIT, dwArgs)
	Pragma("noescape")
	doc(name, "computes n depthwise output pixels, all channels, 16 at a time (AVX-512).")
	// Registers: R8 pixStride, R9 3·pixStride, RAX block input base,
	// RDX block output base, RBX pixels left, RCX channel offset cb.
	ps, ps3 := reg.R8, reg.R9
	Load(Param("pixStride"), ps)
	LEAQ(Mem{Base: ps, Index: ps, Scale: 2}, ps3)
	MOVL(U32(0xaaaa), reg.R10.As32())
	KMOVW(reg.R10.As32(), reg.K2)
	XORQ(reg.RCX, reg.RCX)

	Label(name + "_cb")
	// Channel mask for channels [cb, min(cb+16, c)).
	Load(Param("c"), reg.R10)
	SUBQ(reg.RCX, reg.R10)
	CMPQ(reg.R10, U8(16))
	JGE(LabelRef(name + "_full"))
	MOVL(U32(1), reg.R11.As32())
	SHLXL(reg.R10.As32(), reg.R11.As32(), reg.R11.As32())
	DECL(reg.R11.As32())
	KMOVW(reg.R11.As32(), reg.K1)
	JMP(LabelRef(name + "_mask"))
	Label(name + "_full")
	MOVL(U32(0xffff), reg.R11.As32())
	KMOVW(reg.R11.As32(), reg.K1)
	Label(name + "_mask")

	p := epiParams512{b: reg.Z8, left: reg.Z9, right: reg.Z10, m: reg.Z11, mo: reg.Z12, mask: reg.Z13, thr: reg.Z14, thr1: reg.Z27}
	off, lo, hi := reg.Z15, reg.Z16, reg.Z17
	if bounded {
		// lo, hi as bytes; off: dwPackStore's dword permutation.
		MOVL(addr("lo"), reg.R10.As32())
		VPBROADCASTB(reg.R10.As32(), lo)
		MOVL(addr("hi"), reg.R10.As32())
		VPBROADCASTB(reg.R10.As32(), hi)
		VMOVDQU32(dwPerm, off)
		// The block of channels [cb, cb+16) at bias + cb/16·640 bytes
		// (asm.dwBoundBlock): bias + 2^30, doubled multiplier, right
		// shift, sub (16 dwords each), the even and odd lanes' 64-bit
		// constants (8 qwords each), then for the 3x3 byte path
		// (dwBlockS1B) bias − 128·Σw + 2^30 (Z27) and the three weight
		// vectors (Z29-Z31); Z28 its byte permutation.
		p = epiParams512{b: reg.Z8, ke: reg.Z9, ko: reg.Z10, m: reg.Z11, mo: reg.Z12, right: reg.Z13, sub: reg.Z14}
		Load(Param("bias"), reg.R10)
		LEAQ(Mem{Base: reg.RCX, Index: reg.RCX, Scale: 4}, reg.R11) // 5·cb
		LEAQ(Mem{Base: reg.R10, Index: reg.R11, Scale: 8}, reg.R10) // + 40·cb
		VMOVDQU32(Mem{Base: reg.R10, Disp: 384}, reg.Z27)
		VMOVDQU32(Mem{Base: reg.R10, Disp: 448}, reg.Z29)
		VMOVDQU32(Mem{Base: reg.R10, Disp: 512}, reg.Z30)
		VMOVDQU32(Mem{Base: reg.R10, Disp: 576}, reg.Z31)
		VMOVDQU32(dwPermB, reg.Z28)
		VMOVDQU32(Mem{Base: reg.R10}, p.b)
		VMOVDQU32(Mem{Base: reg.R10, Disp: 64}, p.m)
		VMOVSHDUP(p.m, p.mo)
		VMOVDQU32(Mem{Base: reg.R10, Disp: 128}, p.right)
		VMOVDQU32(Mem{Base: reg.R10, Disp: 192}, p.sub)
		VMOVDQU64(Mem{Base: reg.R10, Disp: 256}, p.ke)
		VMOVDQU64(Mem{Base: reg.R10, Disp: 320}, p.ko)
	} else {
		bcast512(addr("lo"), lo)
		bcast512(addr("hi"), hi)
		bcast512(addr("outOff"), off)
		Load(Param("bias"), reg.R10)
		Load(Param("mult"), reg.R11)
		Load(Param("shift"), reg.R12)
		setupEpi512(p, reg.K1, Mem{Base: reg.R10, Index: reg.RCX, Scale: 4}, Mem{Base: reg.R11, Index: reg.RCX, Scale: 4},
			Mem{Base: reg.R12, Index: reg.RCX, Scale: 4}, nil, reg.Z18)
	}

	Load(Param("in"), reg.RAX)
	ADDQ(reg.RCX, reg.RAX)
	Load(Param("out"), reg.RDX)
	ADDQ(reg.RCX, reg.RDX)
	Load(Param("n"), reg.RBX)
	for _, P := range []int{8, 4, 2, 1} {
		l := fmt.Sprintf("%s_p%d", name, P)
		Label(l)
		CMPQ(reg.RBX, U8(P))
		JL(LabelRef(l + "_next"))
		if P == 8 {
			// Stride 1, dilation 1 across, 3 or 5 taps across: each input
			// pixel is widened once per filter row and meets every tap.
			Load(Param("mode"), reg.R10)
			CMPQ(reg.R10, U8(3))
			JEQ(LabelRef(l + "_s3"))
			CMPQ(reg.R10, U8(5))
			JEQ(LabelRef(l + "_s5"))
			CMPQ(reg.R10, U8(13))
			JEQ(LabelRef(l + "_t3"))
			CMPQ(reg.R10, U8(15))
			JEQ(LabelRef(l + "_t5"))
			dwBlock512(l, P, p, off, lo, hi)
			JMP(LabelRef(l + "_adv"))
			Label(l + "_t3")
			if bounded {
				dwByte(l+"_t3b", P, true, l+"_t3w", l+"_adv", p, off, lo, hi)
				Label(l + "_t3w")
			}
			dwBlockS2(l+"_t3", 3, p, off, lo, hi)
			JMP(LabelRef(l + "_adv"))
			Label(l + "_t5")
			dwBlockS2(l+"_t5", 5, p, off, lo, hi)
			JMP(LabelRef(l + "_adv"))
			Label(l + "_s3")
			if bounded {
				dwByte(l+"_s3b", P, false, l+"_s3w", l+"_adv", p, off, lo, hi)
				Label(l + "_s3w")
			}
			dwBlockS1(l+"_s3", 3, p, off, lo, hi)
			JMP(LabelRef(l + "_adv"))
			Label(l + "_s5")
			dwBlockS1(l+"_s5", 5, p, off, lo, hi)
			Label(l + "_adv")
		} else {
			if bounded {
				// The byte path for the shorter blocks too (rows of 7
				// or 14 outputs are common).
				Load(Param("mode"), reg.R10)
				CMPQ(reg.R10, U8(3))
				JEQ(LabelRef(l + "_s3"))
				CMPQ(reg.R10, U8(13))
				JNE(LabelRef(l + "_w"))
				dwByte(l+"_t3b", P, true, l+"_w", l+"_adv", p, off, lo, hi)
				Label(l + "_s3")
				dwByte(l+"_s3b", P, false, l+"_w", l+"_adv", p, off, lo, hi)
				Label(l + "_w")
			}
			dwBlock512(l, P, p, off, lo, hi)
			if bounded {
				Label(l + "_adv")
			}
		}
		// Advance P pixels.
		for i := 0; i < P; i++ {
			ADDQ(ps, reg.RAX)
		}
		Load(Param("ostride"), reg.R10)
		IMUL3Q(U8(P), reg.R10, reg.R10)
		ADDQ(reg.R10, reg.RDX)
		SUBQ(U8(P), reg.RBX)
		if P > 1 {
			JMP(LabelRef(l))
		}
		Label(l + "_next")
	}
	ADDQ(U8(16), reg.RCX)
	CMPQ(reg.RCX, addr("c"))
	JL(LabelRef(name + "_cb"))
	VZEROUPPER()
	RET()
}

// dwByte emits the bounded kernel's byte path for a block of P pixels
// (dwBlockS1B, or dwBlockS2B when s2), jumping to fail unless it applies
// (3 filter rows; the mode said 3 taps across), in a full-block and a
// partial-block (byte-masked loads) version, then to done.
func dwByte(l string, P int, s2 bool, fail, done string, p epiParams512, off, lo, hi reg.VecPhysical) {
	Load(Param("kh"), reg.R10)
	CMPQ(reg.R10, U8(3))
	JNE(LabelRef(fail))
	Load(Param("c"), reg.R10)
	SUBQ(reg.RCX, reg.R10)
	CMPQ(reg.R10, U8(16))
	JL(LabelRef(l + "_part"))
	for _, partial := range []bool{false, true} {
		ll := l
		if partial {
			ll = l + "_part"
			Label(ll)
		}
		if s2 {
			dwBlockS2B(ll, P, partial, p, off, lo, hi)
		} else {
			dwBlockS1B(ll, P, partial, p, off, lo, hi)
		}
		JMP(LabelRef(done))
	}
}

// dwColumn loads the 16 bytes at a0, a1, a2 (rows 0, 1, 2 of an input
// column) into lanes 0, 1, 2 of t, lane 3 zero, and makes them one dword
// per channel, (row 0, row 1, row 2, 0) + 128 (Z28 holds the byte
// permutation). partial: only the channels in K1 are read (the others
// are zero), through tmp.
func dwColumn(t reg.VecPhysical, a0, a1, a2 Mem, partial bool, tmp reg.VecPhysical) {
	if partial {
		VMOVDQU8_Z(a0, reg.K1, t.AsX())
		VMOVDQU8_Z(a1, reg.K1, tmp.AsX())
		VINSERTI32X4(U8(1), tmp.AsX(), t, t)
		VMOVDQU8_Z(a2, reg.K1, tmp.AsX())
		VINSERTI32X4(U8(2), tmp.AsX(), t, t)
	} else {
		VMOVDQU8(a0, t.AsX())
		VINSERTI32X4(U8(1), a1, t, t)
		VINSERTI32X4(U8(2), a2, t, t)
	}
	VPERMB(t, reg.Z28, t)
	VPXORD_BCST(cX80(), t, t)
}

// dwBlock512 accumulates P pixels starting at RAX (channel block already
// added) and stores them at RDX, pixel stride c.
func dwBlock512(l string, P int, p epiParams512, off, lo, hi reg.VecPhysical) {
	accs := []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7}
	w := reg.Z18
	xs := []reg.VecPhysical{reg.Z19, reg.Z20, reg.Z21, reg.Z22, reg.Z23, reg.Z24, reg.Z25, reg.Z26}
	for i := 0; i < P; i++ {
		VMOVDQA32(p.b, accs[i]) // the bias is the sum's start
	}
	// R11 tap row pointer, R12 tap pointer, R13 second base (+4 pixels),
	// RSI weight pointer, R14-free: counters in R10 (ky) and DI (kx).
	row, tap, tap4, wp := reg.R11, reg.R12, reg.R13, reg.RSI
	MOVQ(reg.RAX, row)
	Load(Param("w"), wp)
	LEAQ(Mem{Base: wp, Index: reg.RCX, Scale: 4}, wp)
	Load(Param("kh"), reg.R10)
	Label(l + "_ky")
	MOVQ(row, tap)
	Load(Param("kw"), reg.RDI)
	Label(l + "_kx")
	VMOVDQU32(Mem{Base: wp}, w)
	if P > 4 {
		LEAQ(Mem{Base: tap, Index: reg.R8, Scale: 4}, tap4)
	}
	for i := 0; i < P; i++ {
		base := tap
		j := i
		if i >= 4 {
			base, j = tap4, i-4
		}
		a := pixelAddr(base, j)
		VPMOVSXBD_Z(a, reg.K1, xs[i])
		vpdpwssd(w, xs[i], accs[i])
	}
	ADDQ(addr("dilWStride"), tap)
	ADDQ(addr("wStride"), wp)
	DECQ(reg.RDI)
	JNZ(LabelRef(l + "_kx"))
	ADDQ(addr("dilHStride"), row)
	DECQ(reg.R10)
	JNZ(LabelRef(l + "_ky"))

	// Epilogue and masked stores.
	dwEpilogue(accs, P, p, off, lo, hi)
}

// dwBlockS1 is dwBlock512 for 8 pixels at stride 1 and dilation 1 across,
// kw taps across (3 or 5): per filter row the kw weight vectors stay in
// registers and each of the 8+kw-1 input pixels is widened once, then
// meets tap kx of output pixel q−kx.
func dwBlockS1(l string, kw int, p epiParams512, off, lo, hi reg.VecPhysical) {
	const P = 8
	accs := []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7}
	ws := []reg.VecPhysical{reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22}
	xs := []reg.VecPhysical{reg.Z23, reg.Z24}
	for i := 0; i < P; i++ {
		VMOVDQA32(p.b, accs[i])
	}
	row, tap4, tap8, wp := reg.R11, reg.R13, reg.RDI, reg.RSI
	MOVQ(reg.RAX, row)
	Load(Param("w"), wp)
	LEAQ(Mem{Base: wp, Index: reg.RCX, Scale: 4}, wp)
	Load(Param("kh"), reg.R10)
	Label(l + "_ky")
	for kx := 0; kx < kw; kx++ {
		VMOVDQU32(Mem{Base: wp}, ws[kx])
		ADDQ(addr("wStride"), wp)
	}
	LEAQ(Mem{Base: row, Index: reg.R8, Scale: 4}, tap4)
	LEAQ(Mem{Base: tap4, Index: reg.R8, Scale: 4}, tap8)
	for q := 0; q < P+kw-1; q++ {
		base := []reg.Register{row, tap4, tap8}[q/4]
		a := pixelAddr(base, q%4)
		x := xs[q%2]
		VPMOVSXBD_Z(a, reg.K1, x)
		for kx := 0; kx < kw; kx++ {
			if j := q - kx; j >= 0 && j < P {
				vpdpwssd(ws[kx], x, accs[j])
			}
		}
	}
	ADDQ(addr("dilHStride"), row)
	DECQ(reg.R10)
	JNZ(LabelRef(l + "_ky"))

	dwEpilogue(accs, P, p, off, lo, hi)
}

// dwBlockS1B is dwBlockS1 for 3x3 filters in the bounded kernel, for P
// (8, 4, 2 or 1) pixels, on bytes: each input column q (P+2 of them) is
// loaded from the three rows (partial: the channels in K1 only) and
// arranged to one dword per channel, (row 0, row 1, row 2, 0) offset to
// unsigned (+128, XOR 0x80; dwColumn), then meets the three taps' weight dwords (w[0][kx], w[1][kx], w[2][kx],
// 0) (Z29-Z31) in VPDPBUSD: one instruction for three taps. The sums
// start at bias − 128·Σw + 2^30 (Z27), which makes them exactly x + 2^30
// (x = acc + bias), as dwBoundedLanes wants.
func dwBlockS1B(l string, P int, partial bool, p epiParams512, off, lo, hi reg.VecPhysical) {
	accs := []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7}
	ws := []reg.VecPhysical{reg.Z29, reg.Z30, reg.Z31}
	cols := []reg.VecPhysical{reg.Z23, reg.Z24, reg.Z25, reg.Z26}
	for i := 0; i < P; i++ {
		VMOVDQA32(reg.Z27, accs[i])
	}
	r0, r1, r2 := reg.R11, reg.R12, reg.R13
	MOVQ(reg.RAX, r0)
	Load(Param("dilHStride"), r1)
	LEAQ(Mem{Base: r0, Index: r1, Scale: 2}, r2)
	ADDQ(r0, r1)
	for q := 0; q < P+2; q++ {
		if q > 0 && q%4 == 0 {
			for _, b := range []reg.Register{r0, r1, r2} {
				LEAQ(Mem{Base: b, Index: reg.R8, Scale: 4}, b)
			}
		}
		at := func(b reg.Register) Mem { return pixelAddr(b, q%4) }
		t := cols[q%4]
		dwColumn(t, at(r0), at(r1), at(r2), partial, reg.Z18)
		for kx := 0; kx < 3; kx++ {
			if j := q - kx; j >= 0 && j < P {
				vpdpbusd(ws[kx], t, accs[j])
			}
		}
	}
	dwEpilogue(accs, P, p, off, lo, hi)
}

// dwBlockS2B is dwBlockS1B at stride 2: output pixel j meets columns 2j,
// 2j+1, 2j+2; even columns are addressed from one base per row, odd ones
// from another (one pixel further), stepping by the pixel stride.
func dwBlockS2B(l string, P int, partial bool, p epiParams512, off, lo, hi reg.VecPhysical) {
	accs := []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7}
	ws := []reg.VecPhysical{reg.Z29, reg.Z30, reg.Z31}
	cols := []reg.VecPhysical{reg.Z23, reg.Z24, reg.Z25, reg.Z26}
	for i := 0; i < P; i++ {
		VMOVDQA32(reg.Z27, accs[i])
	}
	// Bases: rows 0, 1, 2, even (R11, R12, R13) and odd (RDI, RSI, R10).
	even := []reg.Register{reg.R11, reg.R12, reg.R13}
	odd := []reg.Register{reg.RDI, reg.RSI, reg.R10}
	MOVQ(reg.RAX, even[0])
	Load(Param("dilHStride"), even[1])
	LEAQ(Mem{Base: even[0], Index: even[1], Scale: 2}, even[2])
	ADDQ(even[0], even[1])
	Load(Param("dilWStride"), odd[2])
	for r := 0; r < 2; r++ {
		LEAQ(Mem{Base: even[r], Index: odd[2], Scale: 1}, odd[r])
	}
	ADDQ(even[2], odd[2])
	for q := 0; q < 2*(P-1)+3; q++ {
		h := q / 2
		if h > 0 && h%4 == 0 && q%2 == 0 {
			for _, b := range append(append([]reg.Register{}, even...), odd...) {
				LEAQ(Mem{Base: b, Index: reg.R8, Scale: 4}, b)
			}
		}
		bases := even
		if q%2 == 1 {
			bases = odd
		}
		at := func(b reg.Register) Mem { return pixelAddr(b, h%4) }
		t := cols[q%4]
		dwColumn(t, at(bases[0]), at(bases[1]), at(bases[2]), partial, reg.Z18)
		for kx := 0; kx < 3; kx++ {
			if d := q - kx; d >= 0 && d%2 == 0 && d/2 < P {
				vpdpbusd(ws[kx], t, accs[d/2])
			}
		}
	}
	dwEpilogue(accs, P, p, off, lo, hi)
}

// dwBlockS2 is dwBlockS1 at stride 2: output pixel j, tap kx reads input
// pixel q = 2j + kx. Even input pixels are addressed from one base, odd
// ones from another (one pixel further), both stepping by the pixel
// stride (2 pixels) and advanced four steps at a time.
func dwBlockS2(l string, kw int, p epiParams512, off, lo, hi reg.VecPhysical) {
	const P = 8
	accs := []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7}
	ws := []reg.VecPhysical{reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22}
	xs := []reg.VecPhysical{reg.Z23, reg.Z24}
	for i := 0; i < P; i++ {
		VMOVDQA32(p.b, accs[i])
	}
	row, even, odd, wp := reg.R11, reg.R13, reg.RDI, reg.RSI
	MOVQ(reg.RAX, row)
	Load(Param("w"), wp)
	LEAQ(Mem{Base: wp, Index: reg.RCX, Scale: 4}, wp)
	Load(Param("kh"), reg.R10)
	Label(l + "_ky")
	for kx := 0; kx < kw; kx++ {
		VMOVDQU32(Mem{Base: wp}, ws[kx])
		ADDQ(addr("wStride"), wp)
	}
	MOVQ(row, even)
	MOVQ(row, odd)
	ADDQ(addr("dilWStride"), odd) // one pixel (dilation 1)
	for q := 0; q < 2*(P-1)+kw; q++ {
		h := q / 2 // step of the pixel stride
		if h > 0 && h%4 == 0 && q%2 == 0 {
			LEAQ(Mem{Base: even, Index: reg.R8, Scale: 4}, even)
			LEAQ(Mem{Base: odd, Index: reg.R8, Scale: 4}, odd)
		}
		base := even
		if q%2 == 1 {
			base = odd
		}
		a := pixelAddr(base, h%4)
		x := xs[q%2]
		VPMOVSXBD_Z(a, reg.K1, x)
		for kx := 0; kx < kw; kx++ {
			if d := q - kx; d >= 0 && d%2 == 0 && d/2 < P {
				vpdpwssd(ws[kx], x, accs[d/2])
			}
		}
	}
	ADDQ(addr("dilHStride"), row)
	DECQ(reg.R10)
	JNZ(LabelRef(l + "_ky"))

	dwEpilogue(accs, P, p, off, lo, hi)
}

// dwAVX2 handles channels [0, c) with c a multiple of 8 (the Go side does
// the rest), 8 at a time; the per-channel epilogue parameters stay in the
// frame... (loaded per block).
func dwAVX2() {
	name := "dwAVX2" + suffix()
	TEXT(name, NOSPLIT, dwArgs)
	Pragma("noescape")
	doc(name, "computes n depthwise output pixels, channels [0, c) with c a multiple of 8 (AVX2).")
	frame := AllocLocal(8 * 32)
	ps, ps3 := reg.R8, reg.R9
	Load(Param("pixStride"), ps)
	LEAQ(Mem{Base: ps, Index: ps, Scale: 2}, ps3)
	XORQ(reg.RCX, reg.RCX)
	Label(name + "_cb")
	Load(Param("in"), reg.RAX)
	ADDQ(reg.RCX, reg.RAX)
	Load(Param("out"), reg.RDX)
	ADDQ(reg.RCX, reg.RDX)
	Load(Param("n"), reg.RBX)
	for _, P := range []int{8, 4, 2, 1} {
		l := fmt.Sprintf("%s_p%d", name, P)
		Label(l)
		CMPQ(reg.RBX, U8(P))
		JL(LabelRef(l + "_next"))
		dwBlock256(l, P, frame)
		for i := 0; i < P; i++ {
			ADDQ(ps, reg.RAX)
		}
		Load(Param("ostride"), reg.R10)
		IMUL3Q(U8(P), reg.R10, reg.R10)
		ADDQ(reg.R10, reg.RDX)
		SUBQ(U8(P), reg.RBX)
		if P > 1 {
			JMP(LabelRef(l))
		}
		Label(l + "_next")
	}
	ADDQ(U8(8), reg.RCX)
	CMPQ(reg.RCX, addr("c"))
	JL(LabelRef(name + "_cb"))
	VZEROUPPER()
	RET()
}

func dwBlock256(l string, P int, frame Mem) {
	accs := ys[:8]
	w, x := ys[8], ys[9]
	for i := 0; i < P; i++ {
		VPXOR(accs[i], accs[i], accs[i])
	}
	row, tap, tap4, wp := reg.R11, reg.R12, reg.R13, reg.RSI
	MOVQ(reg.RAX, row)
	Load(Param("w"), wp)
	LEAQ(Mem{Base: wp, Index: reg.RCX, Scale: 4}, wp)
	Load(Param("kh"), reg.R10)
	Label(l + "_ky")
	MOVQ(row, tap)
	Load(Param("kw"), reg.RDI)
	Label(l + "_kx")
	VMOVDQU(Mem{Base: wp}, w)
	if P > 4 {
		LEAQ(Mem{Base: tap, Index: reg.R8, Scale: 4}, tap4)
	}
	for i := 0; i < P; i++ {
		base := tap
		j := i
		if i >= 4 {
			base, j = tap4, i-4
		}
		a := pixelAddr(base, j)
		VPMOVSXBD(a, x)
		VPMADDWD(w, x, x)
		VPADDD(x, accs[i], accs[i])
	}
	ADDQ(addr("dilWStride"), tap)
	ADDQ(addr("wStride"), wp)
	DECQ(reg.RDI)
	JNZ(LabelRef(l + "_kx"))
	ADDQ(addr("dilHStride"), row)
	DECQ(reg.R10)
	JNZ(LabelRef(l + "_ky"))

	for i := 0; i < P; i++ {
		VMOVDQU(accs[i], frame.Offset(32*i))
	}
	p := epiParams256{b: ys[0], left: ys[1], right: ys[2], m: ys[3], mo: ys[4], mask: ys[5], thr: ys[6],
		round: ys[7], intMin: ys[8], off: ys[9], lo: ys[10], hi: ys[11]}
	setupConst256(p, addr("outOff"), addr("lo"), addr("hi"))
	Load(Param("bias"), reg.R10)
	Load(Param("mult"), reg.R11)
	Load(Param("shift"), reg.R12)
	setupEpi256(p, Mem{Base: reg.R10, Index: reg.RCX, Scale: 4}, Mem{Base: reg.R11, Index: reg.RCX, Scale: 4},
		Mem{Base: reg.R12, Index: reg.RCX, Scale: 4}, ys[15])
	Load(Param("ostride"), reg.R10)
	MOVQ(reg.RDX, reg.R11)
	for i := 0; i < P; i++ {
		xv := ys[12]
		VMOVDQU(frame.Offset(32*i), xv)
		epi256(xv, p, ys[13], ys[14])
		VEXTRACTI128(U8(1), xv, ys[13].AsX())
		VPACKSSDW(ys[13].AsX(), xv.AsX(), xv.AsX())
		VPACKSSWB(xv.AsX(), xv.AsX(), xv.AsX())
		VMOVQ(xv.AsX(), Mem{Base: reg.R11})
		if i < P-1 {
			ADDQ(reg.R10, reg.R11)
		}
	}
}

// pixelAddr is the address of the pixel step (0..3) pixels after base,
// with R8 holding the pixel stride and R9 three times it: the depthwise
// kernels address four pixels from one base register, then advance it.
func pixelAddr(base reg.Register, step int) Mem {
	switch step {
	case 1:
		return Mem{Base: base, Index: reg.R8, Scale: 1}
	case 2:
		return Mem{Base: base, Index: reg.R8, Scale: 2}
	case 3:
		return Mem{Base: base, Index: reg.R9, Scale: 1}
	}
	return Mem{Base: base}
}

// addr is the memory operand of a parameter.
func addr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// bcast512 broadcasts an int32 parameter to a zmm register (through R10,
// since vet's asmdecl wants 4-byte arguments read as such).
func bcast512(m Mem, dst reg.VecPhysical) {
	MOVL(m, reg.R10.As32())
	VPBROADCASTD(reg.R10.As32(), dst)
}

// bcast256 broadcasts an int32 parameter to a ymm register (through R10).
func bcast256(m Mem, dst reg.VecPhysical) {
	MOVL(m, reg.R10.As32())
	VMOVD(reg.R10.As32(), dst.AsX())
	VPBROADCASTD(dst.AsX(), dst)
}

// avx2KDirect is the K loop broadcasting each row's byte pair and
// sign-extending it in place (VPBROADCASTW + VPMOVSXBW); an odd last k
// meets zero weights.
func avx2KDirect(lbl func(string) string, mr int) {
	a, lda := reg.RAX, reg.R8
	p0, p1, wp, cnt := reg.R12, reg.R13, reg.RSI, reg.RCX
	accR := func(r, j int) reg.VecPhysical { return ys[r*2+j] }
	w0, w1, t, u := ys[12], ys[13], ys[14], ys[15]
	_ = a
	Load(Param("w"), wp)
	Load(Param("k"), cnt)
	for r := 0; r < mr; r++ {
		for j := 0; j < 2; j++ {
			VPXOR(accR(r, j), accR(r, j), accR(r, j))
		}
	}
	SHRQ(U8(1), cnt)
	JZ(LabelRef(lbl("ktail")))
	Label(lbl("k"))
	VMOVDQU(Mem{Base: wp}, w0)
	VMOVDQU(Mem{Base: wp, Disp: 32}, w1)
	for r := 0; r < mr; r++ {
		VPBROADCASTW(rowAddr(r, p0, p1, lda, 0), t.AsX())
		VPMOVSXBW(t.AsX(), t)
		VPMADDWD(w0, t, u)
		VPADDD(u, accR(r, 0), accR(r, 0))
		VPMADDWD(w1, t, t)
		VPADDD(t, accR(r, 1), accR(r, 1))
	}
	ADDQ(U8(2), p0)
	if mr > 3 {
		ADDQ(U8(2), p1)
	}
	ADDQ(U8(64), wp)
	DECQ(cnt)
	JNZ(LabelRef(lbl("k")))

	Label(lbl("ktail"))
	Load(Param("k"), cnt)
	ANDQ(U8(1), cnt)
	JZ(LabelRef(lbl("epi")))
	VMOVDQU(Mem{Base: wp}, w0)
	VMOVDQU(Mem{Base: wp, Disp: 32}, w1)
	for r := 0; r < mr; r++ {
		// The high word of each dword meets a zero weight.
		MOVBLSX(rowAddr(r, p0, p1, lda, 0), reg.R9.As32())
		VMOVD(reg.R9.As32(), t.AsX())
		VPBROADCASTD(t.AsX(), t)
		VPMADDWD(w0, t, u)
		VPADDD(u, accR(r, 0), accR(r, 0))
		VPMADDWD(w1, t, t)
		VPADDD(t, accR(r, 1), accR(r, 1))
	}

}

// avx2KWiden is the K loop over rows first widened to int16 in the frame.
func avx2KWiden(lbl func(string) string, mr int, frame Mem) {
	lda := reg.R8
	p0, p1, wp, cnt := reg.R12, reg.R13, reg.RSI, reg.RCX
	accR := func(r, j int) reg.VecPhysical { return ys[r*2+j] }
	w0, w1, t, u := ys[12], ys[13], ys[14], ys[15]
	Load(Param("w"), wp)
	for r := 0; r < mr; r++ {
		for j := 0; j < 2; j++ {
			VPXOR(accR(r, j), accR(r, j), accR(r, j))
		}
	}
	// K goes in chunks of avx2KC: each row's chunk is first sign-extended
	// to int16 in the frame (xbuf, a zero word after it for an odd K), so
	// that the inner loop broadcasts ready pairs of words with a plain
	// load (no shuffle per pair and row).
	kleft := frame.Offset(avx2KLeft)
	kc, idx, src := reg.R10, reg.R11, reg.R9
	Load(Param("k"), cnt)
	MOVQ(cnt, kleft)
	Label(lbl("chunk"))
	MOVQ(kleft, kc)
	CMPQ(kc, U32(avx2KC))
	JLE(LabelRef(lbl("kc")))
	MOVQ(U32(avx2KC), kc)
	Label(lbl("kc"))
	for r := 0; r < mr; r++ {
		xr := frame.Offset(avx2XBuf + r*avx2XRow)
		xr.Index, xr.Scale = idx, 2
		LEAQ(rowAddr(r, p0, p1, lda, 0), src)
		XORQ(idx, idx)
		MOVQ(kc, cnt)
		SHRQ(U8(4), cnt)
		JZ(LabelRef(lbl(fmt.Sprintf("x%d_tail", r))))
		Label(lbl(fmt.Sprintf("x%d", r)))
		VPMOVSXBW(Mem{Base: src, Index: idx, Scale: 1}, t)
		VMOVDQU(t, xr)
		ADDQ(U8(16), idx)
		DECQ(cnt)
		JNZ(LabelRef(lbl(fmt.Sprintf("x%d", r))))
		Label(lbl(fmt.Sprintf("x%d_tail", r)))
		CMPQ(idx, kc)
		JGE(LabelRef(lbl(fmt.Sprintf("x%d_done", r))))
		MOVBWSX(Mem{Base: src, Index: idx, Scale: 1}, cnt.As16())
		MOVW(cnt.As16(), xr)
		INCQ(idx)
		JMP(LabelRef(lbl(fmt.Sprintf("x%d_tail", r))))
		Label(lbl(fmt.Sprintf("x%d_done", r)))
		MOVW(U16(0), xr) // word kc: read only when kc is odd
	}
	MOVQ(kc, cnt)
	INCQ(cnt)
	SHRQ(U8(1), cnt) // pairs in the chunk
	XORQ(idx, idx)
	Label(lbl("k"))
	VMOVDQU(Mem{Base: wp}, w0)
	VMOVDQU(Mem{Base: wp, Disp: 32}, w1)
	for r := 0; r < mr; r++ {
		xr := frame.Offset(avx2XBuf + r*avx2XRow)
		xr.Index, xr.Scale = idx, 1
		VPBROADCASTD(xr, t)
		VPMADDWD(w0, t, u)
		VPADDD(u, accR(r, 0), accR(r, 0))
		VPMADDWD(w1, t, t)
		VPADDD(t, accR(r, 1), accR(r, 1))
	}
	ADDQ(U8(4), idx)
	ADDQ(U8(64), wp)
	DECQ(cnt)
	JNZ(LabelRef(lbl("k")))
	ADDQ(kc, p0)
	if mr > 3 {
		ADDQ(kc, p1)
	}
	SUBQ(kc, kleft)
	JNZ(LabelRef(lbl("chunk")))

}

// ---------------------------------------------------------------------
// GEMM, AVX2, bounded epilogue (gemmAVX2B). For epilogues whose
// parameters a load-time check (asm.avx2PrepareBounded) proved to satisfy,
// for every channel c of every full panel:
//
//	|acc + bias| <= 128·Σ_k|w[c][k]| + |bias| < 2^30   (any int8 input)
//	1 <= e <= 31 where e = -shift (right shift only), mult >= 0
//
// the requantization needs no wrapping, saturation or left shift and
// becomes, with x = acc + bias (exact, |x| < 2^30):
//
//  1. The rows are widened to 2·a (int16, |2a| <= 256, so VPMADDWD's pair
//     sums stay below 2^17) and the accumulators start at 2·bias: they
//     hold 2x exactly (|2x| < 2^31), no doubling step.
//  2. SRDHM(x, mult) = floor((x·mult + 2^30) / 2^31)
//     = floor((2x·mult + 2^31) / 2^32) =: s (the high dword of the 64-bit
//     VPMULDQ product plus 2^31; mult = INT32_MIN, the one saturating
//     case, is excluded by mult >= 0). |s| <= 2^30 − 1 for |x| <= 2^30−1.
//  3. RoundingDivideByPOT(s, e) = (s >> e) + [s&mask > (mask>>1) + [s<0]]
//     with mask = 2^e−1 equals floor((s + 2^(e−1) − [s<0]) / 2^e): with
//     s = q·2^e + r, 0 <= r < 2^e, the compare r >= 2^(e−1) + [s<0] is
//     the carry of r + 2^(e−1) − [s<0] (which lies in [0, 2^(e+1))).
//  4. 2^(e−1) is folded into the 64-bit constant added to the product:
//     C = 2^31 + 2^(e−1)·2^32 (< 2^63; |2x·mult| < 2^62 so no overflow),
//     and h = high dword of (2x·mult + C) = s + 2^(e−1) <= 2^31 − 1.
//  5. [s<0] is replaced by [x<0] (the sign of the accumulator, a VPSRAD):
//     with mult >= 0, x >= 0 gives s >= 0, and x < 0 gives s <= 0; they
//     differ only when s = 0, x < 0, where both (2^(e−1) − 1) >> e and
//     2^(e−1) >> e are 0 (e >= 1). h − [x<0] >= −2^30: no wrap.
//  6. out = clamp(v + off, lo, hi) is computed after narrowing: VPACKSSDW
//     saturates v to int16, VPADDSW adds off with saturation, VPACKSSWB
//     saturates to int8, VPMAXSB / VPMINSB clamp. For |off| < 32640 this
//     equals the int32 result: a v saturated to ±32767/−32768 still lands
//     beyond ±127/−128 after adding off, as v + off does; and clamping to
//     [lo, hi] ⊂ [−128, 127] after saturating to int8 is clamping.
//
// One call computes m rows of panels full 16-column panels and possibly
// one last panel of tail columns (a multiple of 4, stored with
// VPMASKMOVD): for each block of 6 rows (then one of the 1..5 left) it
// widens the rows once into the frame (K <= avx2BKMax), then runs every
// panel over them, the epilogue on the accumulator registers with the
// per-channel constants as memory operands (layout:
// asm.avx2PrepareBounded). Two rows are narrowed together: VPACKSSDW per
// row, VPACKSSWB of the pair, one VPERMD to put each row's 16 bytes in
// one 128-bit half.

const (
	avx2BKMax   = 2048
	avx2BStride = 2*avx2BKMax + 64 // bytes per widened row (4K aliasing)
	// Parameter block: header, then per panel.
	avx2BHdr    = 160 // off16 [16]int16, lo [32]int8, hi [32]int8, perm [8]int32, tail mask [4]int32, pad
	avx2BPanel  = 384 // bias2, mult, multOdd, shr [16]int32; cEven, cOdd [2][4]int64
	bOffBias2   = 0
	bOffMult    = 64
	bOffMultOdd = 128
	bOffShr     = 192
	bOffCEven   = 256
	bOffCOdd    = 320
)

func gemmAVX2B() {
	name := "gemmAVX2B"
	TEXT(name, 0, "func(a *int8, lda, m, k int, w *int8, panels, tail int, out *int8, ldo int, q *int32)")
	Pragma("noescape")
	Doc(name + " computes m rows of panels full 16-column panels and, if tail > 0 (a multiple of 4), one panel of tail columns (AVX2) with the bounded epilogue of q (see avx2PrepareBounded); k <= 2048.")
	frame := AllocLocal(avx2MR * avx2BStride)
	a, lda, m, out, ldo := reg.RAX, reg.R8, reg.RBX, reg.RDX, reg.RDI
	Load(Param("a"), a)
	Load(Param("lda"), lda)
	Load(Param("m"), m)
	Load(Param("out"), out)
	Load(Param("ldo"), ldo)
	rowBlocks(name, avx2MR, a, lda, m, out, ldo, func(mr int) {
		avx2BBlock(fmt.Sprintf("%s_m%d", name, mr), frame, mr)
	})
}

// avx2BBlock is one block of mr rows of gemmAVX2B: widen them, then run
// every panel over them.
func avx2BBlock(name string, frame Mem, mr int) {
	a, lda, out := reg.RAX, reg.R8, reg.RDX
	wp, cnt, idx, qp, pc, op, tmp := reg.RSI, reg.RCX, reg.R11, reg.R9, reg.R10, reg.R12, reg.R13
	t := ys[14]
	xrow := func(r int) Mem { return frame.Offset(r * avx2BStride) }
	// Widen the rows to 2·a as int16, a zero word after the last (an
	// odd k's pair meets zero weights, but keep the frame defined).
	MOVQ(a, tmp)
	for r := 0; r < mr; r++ {
		xr := xrow(r)
		xr.Index, xr.Scale = idx, 2
		Load(Param("k"), cnt)
		XORQ(idx, idx)
		SHRQ(U8(4), cnt)
		JZ(LabelRef(fmt.Sprintf("%s_x%d_tail", name, r)))
		Label(fmt.Sprintf("%s_x%d", name, r))
		VPMOVSXBW(Mem{Base: tmp, Index: idx, Scale: 1}, t)
		VPADDW(t, t, t)
		VMOVDQU(t, xr)
		ADDQ(U8(16), idx)
		DECQ(cnt)
		JNZ(LabelRef(fmt.Sprintf("%s_x%d", name, r)))
		Label(fmt.Sprintf("%s_x%d_tail", name, r))
		CMPQ(idx, addr("k"))
		JGE(LabelRef(fmt.Sprintf("%s_x%d_done", name, r)))
		// k >= 16: the last 16 bytes again, ending at k; else byte by byte.
		CMPQ(idx, U8(0))
		JEQ(LabelRef(fmt.Sprintf("%s_x%d_byte", name, r)))
		Load(Param("k"), idx)
		SUBQ(U8(16), idx)
		VPMOVSXBW(Mem{Base: tmp, Index: idx, Scale: 1}, t)
		VPADDW(t, t, t)
		VMOVDQU(t, xr)
		Load(Param("k"), idx)
		JMP(LabelRef(fmt.Sprintf("%s_x%d_done", name, r)))
		Label(fmt.Sprintf("%s_x%d_byte", name, r))
		MOVBWSX(Mem{Base: tmp, Index: idx, Scale: 1}, cnt.As16())
		ADDW(cnt.As16(), cnt.As16())
		MOVW(cnt.As16(), xr)
		INCQ(idx)
		CMPQ(idx, addr("k"))
		JL(LabelRef(fmt.Sprintf("%s_x%d_byte", name, r)))
		Label(fmt.Sprintf("%s_x%d_done", name, r))
		MOVW(U16(0), xr)
		if r < mr-1 {
			ADDQ(lda, tmp)
		}
	}

	Load(Param("w"), wp)
	Load(Param("q"), qp)
	ADDQ(U8(avx2BHdr), qp)
	Load(Param("panels"), pc)
	MOVQ(out, op)
	TESTQ(pc, pc)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_panel")
	avx2BPanelBody(name+"_f", frame, false, mr)
	ADDQ(U32(avx2BPanel), qp)
	ADDQ(U8(16), op)
	DECQ(pc)
	JNZ(LabelRef(name + "_panel"))
	Label(name + "_tail")
	CMPQ(addr("tail"), U8(0))
	JEQ(LabelRef(name + "_next"))
	avx2BPanelBody(name+"_t", frame, true, mr)
	Label(name + "_next")
}

// avx2BPanelBody is one panel of gemmAVX2B over the 6 widened rows: the K
// loop, the epilogue and the stores (masked: the first tail columns only,
// VPMASKMOVD with the header's dword mask).
func avx2BPanelBody(name string, frame Mem, masked bool, mr int) {
	a, lda, m, out, ldo := reg.RAX, reg.R8, reg.RBX, reg.RDX, reg.RDI
	wp, cnt, idx, qp, pc, op, tmp := reg.RSI, reg.RCX, reg.R11, reg.R9, reg.R10, reg.R12, reg.R13
	_, _, _, _, _ = a, lda, m, out, pc
	accR := func(r, j int) reg.VecPhysical { return ys[r*2+j] }
	w0, w1, t, u := ys[12], ys[13], ys[14], ys[15]
	xrow := func(r int) Mem { return frame.Offset(r * avx2BStride) }
	// Accumulators start at 2·bias.
	VMOVDQU(Mem{Base: qp, Disp: bOffBias2}, accR(0, 0))
	VMOVDQU(Mem{Base: qp, Disp: bOffBias2 + 32}, accR(0, 1))
	for r := 1; r < mr; r++ {
		VMOVDQA(accR(0, 0), accR(r, 0))
		VMOVDQA(accR(0, 1), accR(r, 1))
	}
	Load(Param("k"), cnt)
	INCQ(cnt)
	SHRQ(U8(1), cnt) // pairs
	XORQ(idx, idx)
	Label(name + "_k")
	VMOVDQU(Mem{Base: wp}, w0)
	VMOVDQU(Mem{Base: wp, Disp: 32}, w1)
	for r := 0; r < mr; r++ {
		xr := xrow(r)
		xr.Index, xr.Scale = idx, 1
		VPBROADCASTD(xr, t)
		VPMADDWD(w0, t, u)
		VPADDD(u, accR(r, 0), accR(r, 0))
		VPMADDWD(w1, t, t)
		VPADDD(t, accR(r, 1), accR(r, 1))
	}
	ADDQ(U8(4), idx)
	ADDQ(U8(64), wp)
	DECQ(cnt)
	JNZ(LabelRef(name + "_k"))

	// Epilogue and stores, two rows (four vectors) at a time.
	// The header through cnt (free after the K loop).
	hdr := func(off int) Mem { return Mem{Base: cnt, Disp: off} }
	Load(Param("q"), cnt)
	MOVQ(op, tmp)
	for r := 0; r < mr; r += 2 {
		type lane struct {
			x, e, o reg.VecPhysical
			j       int
		}
		pairs := [][2]lane{{{accR(r, 0), w0, w1, 0}, {accR(r, 1), t, u, 1}}}
		two := r+1 < mr // else the last row alone
		if two {
			pairs = append(pairs, [2]lane{{accR(r+1, 0), w0, w1, 0}, {accR(r+1, 1), t, u, 1}})
		}
		for _, pair := range pairs {
			steps := []func(l lane){
				func(l lane) { VPSRLQ(U8(32), l.x, l.o) }, // odd lanes into the low dwords
				func(l lane) { VPMULDQ(Mem{Base: qp, Disp: bOffMult + 32*l.j}, l.x, l.e) },
				func(l lane) { VPMULDQ(Mem{Base: qp, Disp: bOffMultOdd + 32*l.j}, l.o, l.o) },
				func(l lane) { VPADDQ(Mem{Base: qp, Disp: bOffCEven + 32*l.j}, l.e, l.e) },
				func(l lane) { VPADDQ(Mem{Base: qp, Disp: bOffCOdd + 32*l.j}, l.o, l.o) },
				func(l lane) { VPSRAD(U8(31), l.x, l.x) }, // −[x<0]
				func(l lane) { VMOVSHDUP(l.e, l.e) },      // even results: the high dwords
				func(l lane) { VPBLENDD(U8(0xaa), l.o, l.e, l.e) },
				func(l lane) { VPADDD(l.e, l.x, l.x) },
				func(l lane) { VPSRAVD(Mem{Base: qp, Disp: bOffShr + 32*l.j}, l.x, l.x) },
			}
			for _, f := range steps {
				for _, l := range pair {
					f(l)
				}
			}
		}
		x0, x1 := accR(r, 0), accR(r, 1)
		y0 := x0              // a last row alone packs with itself
		VPACKSSDW(x1, x0, x0) // row r: cols 0-3 8-11 | 4-7 12-15 (words)
		VPADDSW(hdr(0), x0, x0)
		if two {
			y0 = accR(r+1, 0)
			VPACKSSDW(accR(r+1, 1), y0, y0)
			VPADDSW(hdr(0), y0, y0)
		}
		// dwords: r 0-3, r 8-11, r+1 0-3, r+1 8-11 | r 4-7, r 12-15,
		// r+1 4-7, r+1 12-15 (row r again for a last row alone)
		VPACKSSWB(y0, x0, x0)
		VMOVDQU(hdr(96), w0)
		VPERMD(x0, w0, x0) // r 0-15 | r+1 0-15
		VPMAXSB(hdr(32), x0, x0)
		VPMINSB(hdr(64), x0, x0)
		if masked {
			VMOVDQU(hdr(128), w0.AsX())
			VPMASKMOVD(x0.AsX(), w0.AsX(), Mem{Base: tmp})
			if two {
				VEXTRACTI128(U8(1), x0, t.AsX())
				VPMASKMOVD(t.AsX(), w0.AsX(), Mem{Base: tmp, Index: ldo, Scale: 1})
			}
		} else {
			VMOVDQU(x0.AsX(), Mem{Base: tmp})
			if two {
				VEXTRACTI128(U8(1), x0, Mem{Base: tmp, Index: ldo, Scale: 1})
			}
		}
		if r+2 < mr {
			LEAQ(Mem{Base: tmp, Index: ldo, Scale: 2}, tmp)
		}
	}
}

// ---------------------------------------------------------------------
// Strided row copy (im2col's inner loop): rows rows of rowLen bytes, each
// with two possibly overlapping moves of the widest size that fits (a
// 32-byte loop plus a last 32 bytes ending at rowLen above 32), so every
// row length is a handful of instructions and no byte outside a row is
// read or written.

func copyRowsAVX2() {
	name := "copyRowsAVX2"
	TEXT(name, NOSPLIT, "func(dst *int8, dstStride int, src *int8, srcStride int, rowLen, rows int)")
	Pragma("noescape")
	Doc(name + " copies rows rows of rowLen >= 1 bytes from src to dst, advancing each by its stride.")
	dst, ds, src, ss, n, rows := reg.RDI, reg.R8, reg.RSI, reg.R9, reg.RCX, reg.RBX
	i, last := reg.R10, reg.R11
	Load(Param("dst"), dst)
	Load(Param("dstStride"), ds)
	Load(Param("src"), src)
	Load(Param("srcStride"), ss)
	Load(Param("rowLen"), n)
	Load(Param("rows"), rows)
	TESTQ(rows, rows)
	JZ(LabelRef(name + "_done"))
	at := func(base, idx reg.Register) Mem { return Mem{Base: base, Index: idx, Scale: 1} }
	// Rows of 32 bytes or more.
	CMPQ(n, U8(32))
	JB(LabelRef(name + "_lt32"))
	MOVQ(n, last)
	SUBQ(U8(32), last)
	Label(name + "_r32")
	XORQ(i, i)
	Label(name + "_c32")
	VMOVDQU(at(src, i), reg.Y0)
	VMOVDQU(reg.Y0, at(dst, i))
	ADDQ(U8(32), i)
	CMPQ(i, last)
	JB(LabelRef(name + "_c32"))
	VMOVDQU(at(src, last), reg.Y0)
	VMOVDQU(reg.Y0, at(dst, last))
	ADDQ(ss, src)
	ADDQ(ds, dst)
	DECQ(rows)
	JNZ(LabelRef(name + "_r32"))
	VZEROUPPER()
	RET()
	// Shorter rows: two moves of 16, 8, 4 or 1 bytes (the last at
	// rowLen - size), and a third byte for rows of 3.
	Label(name + "_lt32")
	MOVQ(n, last)
	type width struct {
		size int
		move func(src, dst Mem)
	}
	widths := []width{
		{16, func(s, d Mem) { VMOVDQU(s, reg.X0); VMOVDQU(reg.X0, d) }},
		{8, func(s, d Mem) { MOVQ(s, reg.R12); MOVQ(reg.R12, d) }},
		{4, func(s, d Mem) { MOVL(s, reg.R12.As32()); MOVL(reg.R12.As32(), d) }},
		{1, func(s, d Mem) { MOVB(s, reg.R12.As8()); MOVB(reg.R12.As8(), d) }},
	}
	for k, w := range widths {
		l := fmt.Sprintf("%s_w%d", name, w.size)
		next := fmt.Sprintf("%s_w%d", name, 0)
		if k+1 < len(widths) {
			next = fmt.Sprintf("%s_w%d", name, widths[k+1].size)
		}
		Label(l)
		if w.size > 1 {
			CMPQ(n, U8(w.size))
			JB(LabelRef(next))
		}
		SUBQ(U8(w.size), last)
		MOVQ(n, i)
		SHRQ(U8(1), i) // rows of 3: the middle byte
		Label(l + "_row")
		w.move(Mem{Base: src}, Mem{Base: dst})
		w.move(at(src, last), at(dst, last))
		if w.size == 1 {
			w.move(at(src, i), at(dst, i))
		}
		ADDQ(ss, src)
		ADDQ(ds, dst)
		DECQ(rows)
		JNZ(LabelRef(l + "_row"))
		JMP(LabelRef(name + "_done"))
	}
	Label(name + "_w0")
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// ---------------------------------------------------------------------
// Elementwise int8 ADD/SUB (asm.AddInt8): out = clamp(RDBP(SRDHM(s1 ± s2,
// mo), ro) + off), each input rescaled on its own. asm/add.go's addVec
// comment derives the per-input form used here (one 64-bit product and
// add, a sign correction, an arithmetic shift); the output stage is the
// requantization epilogue's (floor form of SRDHM, mask/threshold rounding).
// Constants come from p (*asm.addVec, each 32 bytes: the AVX2 kernel takes
// them as memory operands, the AVX-512 one broadcasts element 0).

// Byte offsets of asm.addVec's fields (TestAddVecLayout checks them).
const (
	addOffM1     = 0
	addOffM2     = 32
	addOffK1     = 64
	addOffK2     = 96
	addOffThr1   = 128
	addOffThr2   = 160
	addOffR1     = 192
	addOffR2     = 224
	addOffXs     = 256
	addOffMo     = 288
	addOffRound  = 320
	addOffOMask  = 352
	addOffOThr   = 384
	addOffORight = 416
	addOffOff    = 448
	addOffLo     = 480
	addOffHi     = 512
)

func addName(base string, sub bool) string {
	if sub {
		return base + "Sub"
	}
	return base
}

// addAVX512 handles any n >= 1: 32 values a step, then 16 at a time with a
// byte mask for the last partial vector (masked loads do not touch, nor
// fault on, the bytes they leave out; masked stores write only the rest).
func addAVX512(sub bool) {
	name := addName("addInt8AVX512", sub)
	TEXT(name, NOSPLIT, "func(out, a, b *int8, n int, p *int32)")
	Pragma("noescape")
	op := "a[i] + b[i]"
	if sub {
		op = "a[i] - b[i]"
	}
	Doc(name + " computes out[i] = " + op + " for i < n (n >= 1) with asm.AddInt8's arithmetic (AVX-512); p is the *addVec.")
	out, a, b, n, p := reg.RDI, reg.RSI, reg.RDX, reg.RCX, reg.RAX
	Load(Param("out"), out)
	Load(Param("a"), a)
	Load(Param("b"), b)
	Load(Param("n"), n)
	Load(Param("p"), p)
	c := func(off int) Mem { return Mem{Base: p, Disp: off} }
	z := func(i int) reg.VecPhysical {
		return []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7, reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15, reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22, reg.Z23, reg.Z24, reg.Z25, reg.Z26, reg.Z27, reg.Z28, reg.Z29, reg.Z30, reg.Z31}[i]
	}
	m1, m2, k1, k2, thr1, thr2, r1, r2 := z(12), z(13), z(14), z(15), z(16), z(17), z(18), z(19)
	xs, mo, round, omask, othr, othr1, oright, off := z(20), z(21), z(22), z(23), z(24), z(25), z(26), z(27)
	lo, hi := z(28), z(29)
	for _, d := range []struct {
		off int
		r   reg.VecPhysical
	}{{addOffM1, m1}, {addOffM2, m2}, {addOffThr1, thr1}, {addOffThr2, thr2}, {addOffR1, r1}, {addOffR2, r2},
		{addOffXs, xs}, {addOffMo, mo}, {addOffOMask, omask}, {addOffOThr, othr}, {addOffORight, oright},
		{addOffOff, off}, {addOffLo, lo}, {addOffHi, hi}} {
		VPBROADCASTD(c(d.off), d.r)
	}
	VPBROADCASTQ(c(addOffK1), k1)
	VPBROADCASTQ(c(addOffK2), k2)
	VPBROADCASTQ(c(addOffRound), round)
	VPADDD_BCST(cOne(), othr, othr1) // the threshold of negative sums
	kodd, ktail := reg.K1, reg.K2
	MOVL(U32(0xaaaa), reg.R8.As32())
	KMOVW(reg.R8.As32(), kodd)

	// vec computes 16 values at byte offset disp; k masks a partial
	// vector (nil: all 16). Registers: base..base+5, masks ka, kb.
	vec := func(disp int, base int, ka, kb reg.Register, k reg.Register) {
		xa, oa, ea, xb, ob, eb := z(base), z(base+1), z(base+2), z(base+3), z(base+4), z(base+5)
		if k != nil {
			VPMOVSXBD_Z(Mem{Base: a, Disp: disp}, k, xa)
			VPMOVSXBD_Z(Mem{Base: b, Disp: disp}, k, xb)
		} else {
			VPMOVSXBD(Mem{Base: a, Disp: disp}, xa)
			VPMOVSXBD(Mem{Base: b, Disp: disp}, xb)
		}
		in := func(x, o, e reg.VecPhysical, kn reg.Register, m, kk, thr, r reg.VecPhysical) {
			VPSLLVD(xs, x, x)             // x·2^(L+1)
			VPCMPGTD(x, thr, kn)          // input below its zero point (r > 0)
			VMOVSHDUP(x, o)               // odd lanes into the low dwords
			VPMULDQ(m, x, e)              // even products
			VPMULDQ(m, o, o)              // odd products
			VPADDQ(kk, e, e)              // + offset·m·2^(L+1) + 2^31 + half·2^32
			VPADDQ(kk, o, o)              //
			VMOVSHDUP(e, x)               // even results: the high dwords of e
			VPBLENDMD(o, x, kodd, x)      // odd results: the high dwords of o
			VPSUBD_BCST(cOne(), x, kn, x) // ties toward zero below zero
			VPSRAVD(r, x, x)
		}
		in(xa, oa, ea, ka, m1, k1, thr1, r1)
		in(xb, ob, eb, kb, m2, k2, thr2, r2)
		if sub {
			VPSUBD(xb, xa, xa)
		} else {
			VPADDD(xb, xa, xa)
		}
		// Output stage on s = xa.
		VPMOVD2M(xa, ka) // sign of s (h has it, or is 0 and does not round)
		VMOVSHDUP(xa, oa)
		VPMULDQ(mo, xa, ea)
		VPMULDQ(mo, oa, oa)
		VPADDQ(round, ea, ea)
		VPADDQ(round, oa, oa)
		VPSRLQ(U8(31), ea, ea)         // h of even lanes: bits 31..62 into the low dword
		VPSLLQ(U8(1), oa, oa)          // h of odd lanes: bits 31..62 into the high dword
		VPBLENDMD(oa, ea, kodd, xa)    // h
		VPANDD(omask, xa, ea)          // remainder
		VPBLENDMD(othr1, othr, ka, oa) // threshold: one higher for negative
		VPSRAVD(oright, xa, xa)
		VPCMPGTD(oa, ea, kb)
		VPADDD_BCST(cOne(), xa, kb, xa)
		VPADDD(off, xa, xa)
		VPMAXSD(lo, xa, xa)
		VPMINSD(hi, xa, xa)
		if k != nil {
			VPMOVDB(xa, k, Mem{Base: out, Disp: disp})
		} else {
			VPMOVDB(xa, Mem{Base: out, Disp: disp})
		}
	}

	Label(name + "_loop")
	CMPQ(n, U8(32))
	JL(LabelRef(name + "_tail"))
	vec(0, 0, reg.K3, reg.K4, nil)
	vec(16, 6, reg.K5, reg.K6, nil)
	ADDQ(U8(32), a)
	ADDQ(U8(32), b)
	ADDQ(U8(32), out)
	SUBQ(U8(32), n)
	JMP(LabelRef(name + "_loop"))

	// 1..31 values left: 16-value vectors, the last masked.
	Label(name + "_tail")
	TESTQ(n, n)
	JLE(LabelRef(name + "_done"))
	MOVL(U32(0xffff), reg.R8.As32())
	CMPQ(n, U8(16))
	JGE(LabelRef(name + "_mask"))
	BZHIL(n.As32(), reg.R8.As32(), reg.R8.As32()) // low n bits
	Label(name + "_mask")
	KMOVW(reg.R8.As32(), ktail)
	vec(0, 0, reg.K3, reg.K4, ktail)
	ADDQ(U8(16), a)
	ADDQ(U8(16), b)
	ADDQ(U8(16), out)
	SUBQ(U8(16), n)
	JMP(LabelRef(name + "_tail"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// addAVX2 handles n a multiple of 16 (the Go side runs the rest through a
// 16-byte buffer): two 8-value vectors a step, packed to 16 bytes. Two
// sign thresholds stay in registers (VPCMPGTD's first source must be one);
// every other constant is a memory operand.
func addAVX2(sub bool) {
	name := addName("addInt8AVX2", sub)
	TEXT(name, NOSPLIT, "func(out, a, b *int8, n int, p *int32)")
	Pragma("noescape")
	op := "a[i] + b[i]"
	if sub {
		op = "a[i] - b[i]"
	}
	Doc(name + " computes out[i] = " + op + " for i < n (n a multiple of 16) with asm.AddInt8's arithmetic (AVX2); p is the *addVec.")
	out, a, b, n, p := reg.RDI, reg.RSI, reg.RDX, reg.RCX, reg.RAX
	Load(Param("out"), out)
	Load(Param("a"), a)
	Load(Param("b"), b)
	Load(Param("n"), n)
	Load(Param("p"), p)
	c := func(off int) Mem { return Mem{Base: p, Disp: off} }
	thr1, thr2 := ys[14], ys[15]
	VMOVDQU(c(addOffThr1), thr1)
	VMOVDQU(c(addOffThr2), thr2)
	SHRQ(U8(4), n)
	JZ(LabelRef(name + "_done"))

	// vec computes 8 values at byte offset disp into res.
	vec := func(disp int, res reg.VecPhysical) {
		in := func(src reg.Register, x, o, e, sg reg.VecPhysical, m, kk, thr, r int, thrR reg.VecPhysical) {
			VPMOVSXBD(Mem{Base: src, Disp: disp}, x)
			VPSLLVD(c(addOffXs), x, x) // x·2^(L+1)
			VPCMPGTD(x, thrR, sg)      // -1: input below its zero point (r > 0)
			VMOVSHDUP(x, o)            // odd lanes into the low dwords
			VPMULDQ(c(m), x, e)
			VPMULDQ(c(m), o, o)
			VPADDQ(c(kk), e, e) // + offset·m·2^(L+1) + 2^31 + half·2^32
			VPADDQ(c(kk), o, o)
			VPSRLQ(U8(32), e, e)        // even results: high dwords down
			VPBLENDD(U8(0xaa), o, e, x) // odd results: the high dwords of o
			VPADDD(sg, x, x)            // ties toward zero below zero
			VPSRAVD(c(r), x, x)
		}
		in(a, ys[0], ys[1], ys[2], ys[3], addOffM1, addOffK1, addOffThr1, addOffR1, thr1)
		in(b, ys[4], ys[5], ys[6], ys[7], addOffM2, addOffK2, addOffThr2, addOffR2, thr2)
		if sub {
			VPSUBD(ys[4], ys[0], res)
		} else {
			VPADDD(ys[4], ys[0], res)
		}
		e, o, sg := ys[10], ys[11], ys[13]
		VPSRAD(U8(31), res, sg) // sign of s (h has it, or is 0 and does not round)
		VMOVSHDUP(res, o)
		VPMULDQ(c(addOffMo), res, e)
		VPMULDQ(c(addOffMo), o, o)
		VPADDQ(c(addOffRound), e, e)
		VPADDQ(c(addOffRound), o, o)
		VPSRLQ(U8(31), e, e)          // h of even lanes: bits 31..62 into the low dword
		VPSLLQ(U8(1), o, o)           // h of odd lanes: bits 31..62 into the high dword
		VPBLENDD(U8(0xaa), o, e, res) // h
		VPAND(c(addOffOMask), res, e) // remainder
		VPADDD(sg, e, e)              // remainder − 1 for negative: same as threshold + 1
		VPCMPGTD(c(addOffOThr), e, e) // -1: round away
		VPSRAVD(c(addOffORight), res, res)
		VPSUBD(e, res, res)
		VPADDD(c(addOffOff), res, res)
		VPMAXSD(c(addOffLo), res, res)
		VPMINSD(c(addOffHi), res, res)
	}

	Label(name + "_loop")
	vec(0, ys[8])
	vec(8, ys[9])
	// Values are clamped to int8 already, so the saturating packs are
	// plain narrowing; VPERMQ undoes the 128-bit lanes' interleave.
	VPACKSSDW(ys[9], ys[8], ys[8])
	VPERMQ(U8(0xd8), ys[8], ys[8])
	VEXTRACTI128(U8(1), ys[8], ys[9].AsX())
	VPACKSSWB(ys[9].AsX(), ys[8].AsX(), ys[8].AsX())
	VMOVDQU(ys[8].AsX(), Mem{Base: out})
	ADDQ(U8(16), a)
	ADDQ(U8(16), b)
	ADDQ(U8(16), out)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
