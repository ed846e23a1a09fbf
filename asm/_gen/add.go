package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Elementwise int8 ADD/SUB (asm.AddInt8): out = clamp(RDBP(SRDHM(s1 ± s2,
// mo), ro) + off), each input rescaled on its own. asm/add.go's addVec
// comment derives the per-input form used here (one 64-bit product and
// add, a sign correction, an arithmetic shift); the output stage is the
// requantization epilogue's (floor form of SRDHM, mask/threshold rounding).
// Constants come from p.p (*asm.addVec, each 32 bytes: the AVX2 kernel
// takes them as memory operands, the AVX-512 one broadcasts element 0),
// addressed by field name through the Go type (avo's Package).

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
	kernel(name, NOSPLIT, "addArgs")
	op := "a[i] + b[i]"
	if sub {
		op = "a[i] - b[i]"
	}
	kdoc(name + " computes out[i] = " + op + " for i < n (n >= 1) with asm.AddInt8's arithmetic (AVX-512); p.p is the *addVec.")
	out, a, b, n, p := reg.RDI, reg.RSI, reg.RDX, reg.RCX, reg.RAX
	Load(arg("out"), out)
	Load(arg("a"), a)
	Load(arg("b"), b)
	Load(arg("n"), n)
	Load(arg("p"), p)
	pv := arg("p").Dereference(p)
	c := func(field string) Mem { return resolve(pv.Field(field).Index(0)) } // element 0 of a vector field
	z := zmm
	m1, m2, k1, k2, thr1, thr2, r1, r2 := z(12), z(13), z(14), z(15), z(16), z(17), z(18), z(19)
	xs, mo, round, omask, othr, othr1, oright, off := z(20), z(21), z(22), z(23), z(24), z(25), z(26), z(27)
	lo, hi := z(28), z(29)
	for _, d := range []struct {
		f string
		r reg.VecPhysical
	}{{"m1", m1}, {"m2", m2}, {"thr1", thr1}, {"thr2", thr2}, {"r1", r1}, {"r2", r2},
		{"xs", xs}, {"mo", mo}, {"omask", omask}, {"othr", othr}, {"oright", oright},
		{"off", off}, {"lo", lo}, {"hi", hi}} {
		VPBROADCASTD(c(d.f), d.r)
	}
	VPBROADCASTQ(c("k1"), k1)
	VPBROADCASTQ(c("k2"), k2)
	VPBROADCASTQ(c("round"), round)
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
	kernel(name, NOSPLIT, "addArgs")
	op := "a[i] + b[i]"
	if sub {
		op = "a[i] - b[i]"
	}
	kdoc(name + " computes out[i] = " + op + " for i < n (n a multiple of 16) with asm.AddInt8's arithmetic (AVX2); p.p is the *addVec.")
	out, a, b, n, p := reg.RDI, reg.RSI, reg.RDX, reg.RCX, reg.RAX
	Load(arg("out"), out)
	Load(arg("a"), a)
	Load(arg("b"), b)
	Load(arg("n"), n)
	Load(arg("p"), p)
	pv := arg("p").Dereference(p)
	c := func(field string) Mem { return resolve(pv.Field(field).Index(0)) } // element 0 of a vector field
	thr1, thr2 := ys[14], ys[15]
	VMOVDQU(c("thr1"), thr1)
	VMOVDQU(c("thr2"), thr2)
	SHRQ(U8(4), n)
	JZ(LabelRef(name + "_done"))

	// vec computes 8 values at byte offset disp into res.
	vec := func(disp int, res reg.VecPhysical) {
		in := func(src reg.Register, x, o, e, sg reg.VecPhysical, m, kk, thr, r string, thrR reg.VecPhysical) {
			VPMOVSXBD(Mem{Base: src, Disp: disp}, x)
			VPSLLVD(c("xs"), x, x) // x·2^(L+1)
			VPCMPGTD(x, thrR, sg)  // -1: input below its zero point (r > 0)
			VMOVSHDUP(x, o)        // odd lanes into the low dwords
			VPMULDQ(c(m), x, e)
			VPMULDQ(c(m), o, o)
			VPADDQ(c(kk), e, e) // + offset·m·2^(L+1) + 2^31 + half·2^32
			VPADDQ(c(kk), o, o)
			VPSRLQ(U8(32), e, e)        // even results: high dwords down
			VPBLENDD(U8(0xaa), o, e, x) // odd results: the high dwords of o
			VPADDD(sg, x, x)            // ties toward zero below zero
			VPSRAVD(c(r), x, x)
		}
		in(a, ys[0], ys[1], ys[2], ys[3], "m1", "k1", "thr1", "r1", thr1)
		in(b, ys[4], ys[5], ys[6], ys[7], "m2", "k2", "thr2", "r2", thr2)
		if sub {
			VPSUBD(ys[4], ys[0], res)
		} else {
			VPADDD(ys[4], ys[0], res)
		}
		e, o, sg := ys[10], ys[11], ys[13]
		VPSRAD(U8(31), res, sg) // sign of s (h has it, or is 0 and does not round)
		VMOVSHDUP(res, o)
		VPMULDQ(c("mo"), res, e)
		VPMULDQ(c("mo"), o, o)
		VPADDQ(c("round"), e, e)
		VPADDQ(c("round"), o, o)
		VPSRLQ(U8(31), e, e)          // h of even lanes: bits 31..62 into the low dword
		VPSLLQ(U8(1), o, o)           // h of odd lanes: bits 31..62 into the high dword
		VPBLENDD(U8(0xaa), o, e, res) // h
		VPAND(c("omask"), res, e)     // remainder
		VPADDD(sg, e, e)              // remainder − 1 for negative: same as threshold + 1
		VPCMPGTD(c("othr"), e, e)     // -1: round away
		VPSRAVD(c("oright"), res, res)
		VPSUBD(e, res, res)
		VPADDD(c("off"), res, res)
		VPMAXSD(c("lo"), res, res)
		VPMINSD(c("hi"), res, res)
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

// addVBMI (addInt8VBMI) handles any n >= 1, 64 values a step (the last
// step masked), with the tables and constants of asm.addVBMI: per input,
// its bytes are permuted (VPERMB, addVBMI.perm), each of the four byte
// planes of its int32 table is looked up (VPERMT2B on each 128-entry half,
// blended by the index's top bit) and the planes are interleaved back
// into four int32 vectors (byte then word unpacks, in 128-bit lanes: the
// permutation makes vector v hold values 16v..16v+15). Input 2's table is
// already negated for SUB, so the kernel adds. The sum u = s1 + s2 + 2^30
// then takes dwBoundedLanes' requantization (NewAddParams checked its
// conditions), the clamp, and VPMOVDB stores 16 bytes per vector.
//
// Per 64 values: 16 table permutes and 8 blends, 16 unpacks, 2 input
// permutes, 4 adds and 4 × 11 output steps, against 4 × 43 vector steps
// for addInt8AVX512's per-value arithmetic.
func addVBMI() {
	name := "addInt8VBMI"
	kernel(name, NOSPLIT, "addArgs")
	kdoc(name + " computes out[i] = a[i] + b[i] (or a[i] - b[i]) for i < n (n >= 1) with asm.AddInt8's arithmetic from p.v's tables (AVX-512 VBMI); p.v is the *addVBMI.")
	out, a, b, n, v := reg.RDI, reg.RSI, reg.RDX, reg.RCX, reg.RAX
	Load(arg("out"), out)
	Load(arg("a"), a)
	Load(arg("b"), b)
	Load(arg("n"), n)
	Load(arg("v"), v)
	vv := arg("v").Dereference(v)
	f := func(field string) Mem { return resolve(vv.Field(field)) }
	fa := func(field string) Mem { return resolve(vv.Field(field).Index(0)) } // an array field
	plane := func(in, pl int) Mem { return resolve(vv.Field("planes").Index(in).Index(pl).Index(0)) }
	z := zmm
	perm, idx := z(31), z(30)
	VMOVDQU64(fa("perm"), perm)
	VMOVDQU32(dwPerm.Offset(128), idx) // dwBoundedLanes' high-dword interleave

	// lookup returns input in's four int32 vectors for the 64 bytes in x
	// (clobbered), in registers base..base+3; scratch base+4..base+9.
	lookup := func(x reg.VecPhysical, in, base int, kneg reg.Register) [4]reg.VecPhysical {
		VPERMB(x, perm, x)
		VPMOVB2M(x, kneg) // indices 128..255
		var pl [4]reg.VecPhysical
		for j := range pl {
			lo, hi := z(base+4), z(base+5)
			m := plane(in, j)
			VMOVDQU64(m, lo)
			VPERMT2B(m.Offset(64), x, lo) // entries 0..127
			VMOVDQU64(m.Offset(128), hi)
			VPERMT2B(m.Offset(192), x, hi) // entries 128..255
			pl[j] = z(base + 6 + j%4)
			if j < 2 {
				pl[j] = z(base + j) // free until the word unpacks
			}
			VPBLENDMB(hi, lo, kneg, pl[j])
		}
		// Planes 0, 1 into words, then with planes 2, 3 into dwords.
		lo01, hi01, lo23, hi23 := z(base+4), z(base+5), z(base+2), z(base+3)
		VPUNPCKLBW(pl[1], pl[0], lo01)
		VPUNPCKHBW(pl[1], pl[0], hi01)
		VPUNPCKLBW(pl[3], pl[2], lo23)
		VPUNPCKHBW(pl[3], pl[2], hi23)
		r := [4]reg.VecPhysical{z(base), z(base + 1), z(base + 6), z(base + 7)}
		VPUNPCKLWD(lo23, lo01, r[0])
		VPUNPCKHWD(lo23, lo01, r[1])
		VPUNPCKLWD(hi23, hi01, r[2])
		VPUNPCKHWD(hi23, hi01, r[3])
		return r
	}

	// body computes 64 values at a, b into out; k masks a partial step
	// (nil: all 64). clamp is addVBMI.clamp (asm.saturationClamp): the bounds
	// that VPMOVSDB's saturation to int8 leaves to apply.
	body := func(k reg.Register, clamp int) {
		xa, xb := z(28), z(29)
		if k != nil {
			VMOVDQU8_Z(Mem{Base: a}, k, xa)
			VMOVDQU8_Z(Mem{Base: b}, k, xb)
		} else {
			VMOVDQU64(Mem{Base: a}, xa)
			VMOVDQU64(Mem{Base: b}, xb)
		}
		s1 := lookup(xa, 0, 0, reg.K1)
		s2 := lookup(xb, 1, 10, reg.K2)
		kn := []reg.Register{reg.K3, reg.K4, reg.K5, reg.K6}
		for i, u := range s1 {
			VPADDD(s2[i], u, u)
			e, o := s2[i], z(20+i)
			VPCMPD_BCST(U8(1), f("d"), u, kn[i]) // u < D: x < 0
			VMOVSHDUP(u, o)                      // odd lanes into the low dwords
			VPMULUDQ_BCST(f("m2"), u, e)
			VPMULUDQ_BCST(f("m2"), o, o)
			VPADDQ_BCST(f("k"), e, e)
			VPADDQ_BCST(f("k"), o, o)
			VPERMT2D(o, idx, e) // the high dwords, in lane order
			VPSUBD_BCST(f("sub"), e, kn[i], e)
			VPSRAD(fa("right"), e, e)
			if clamp >= 1 {
				VPMAXSD_BCST(f("lo"), e, e)
			}
			if clamp == 2 {
				VPMINSD_BCST(f("hi"), e, e)
			}
			if k != nil {
				ks := reg.K1 // (the lookups' masks are done)
				KSHIFTRQ(U8(16*i), k, ks)
				VPMOVSDB(e, ks, Mem{Base: out, Disp: 16 * i})
			} else {
				VPMOVSDB(e, Mem{Base: out, Disp: 16 * i})
			}
		}
	}

	// One loop per clamp form (no branch in the body): 0 and 1 skip the
	// bounds that are −128 or 127, two or one vector instructions of ~24
	// per 16 values.
	CMPQ(f("clamp"), U8(1))
	JEQ(LabelRef(name + "_c1_loop"))
	JA(LabelRef(name + "_c2_loop"))
	for clamp := 0; clamp < 3; clamp++ {
		l := fmt.Sprintf("%s_c%d", name, clamp)
		Label(l + "_loop")
		CMPQ(n, U8(64))
		JL(LabelRef(l + "_tail"))
		body(nil, clamp)
		ADDQ(U8(64), a)
		ADDQ(U8(64), b)
		ADDQ(U8(64), out)
		SUBQ(U8(64), n)
		JMP(LabelRef(l + "_loop"))

		// 1..63 values left: one masked step.
		Label(l + "_tail")
		TESTQ(n, n)
		JLE(LabelRef(name + "_done"))
		MOVQ(U64(0xffffffffffffffff), reg.R8)
		BZHIQ(n, reg.R8, reg.R8) // low n bits
		KMOVQ(reg.R8, reg.K7)
		body(reg.K7, clamp)
		JMP(LabelRef(name + "_done"))
	}
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
