package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The int8 LSTM's per-step gate math (asm.Impl.LSTMCell), AVX2, 8 units a
// step with all four gates, the cell and the hidden value in registers.
// Constants come from p.v (*asm.lstmVec, 32-byte vectors used as memory
// operands); asm/lstm.go's lstmQVec derives the rescale's form. The
// int16 LOGISTIC and TANH gather SigmoidTable16[i] and [i+1] as one
// dword at byte 2i (i <= 254 keeps it inside the table).

func lstmKernels() {
	name := "lstmCellAVX2Kernel"
	kernel(name, NOSPLIT, "lstmArgs")
	kdoc(name + " runs asm.LSTMCell's step for n units (a multiple of 8): gates from ai, ar, bi, br (p.stride bytes apart), the cell c updated, the hidden h written (AVX2).")
	ai, ar, bi, br, c, h, n, st, st3, v, tab := reg.RAX, reg.RBX, reg.RCX, reg.RDX, reg.RSI, reg.RDI, reg.R8, reg.R9, reg.R11, reg.R12, reg.R13
	Load(arg("ai"), ai)
	Load(arg("ar"), ar)
	Load(arg("bi"), bi)
	Load(arg("br"), br)
	Load(arg("c"), c)
	Load(arg("h"), h)
	Load(arg("n"), n)
	Load(arg("stride"), st)
	Load(arg("v"), v)
	Load(arg("table"), tab)
	LEAQ(Mem{Base: st, Index: st, Scale: 2}, st3)
	pv := arg("v").Dereference(v)
	cv := func(f string) Mem { return resolve(pv.Field(f).Index(0)) }
	qv := func(i int, f string) Mem { return resolve(pv.Field("q").Index(i).Field(f).Index(0)) }
	y := func(i int) reg.VecPhysical {
		return []reg.VecPhysical{reg.Y0, reg.Y1, reg.Y2, reg.Y3, reg.Y4, reg.Y5, reg.Y6, reg.Y7,
			reg.Y8, reg.Y9, reg.Y10, reg.Y11, reg.Y12, reg.Y13, reg.Y14, reg.Y15}[i]
	}
	lo16, hi16 := y(14), y(15)
	VMOVDQU(cv("lo16"), lo16)
	VMOVDQU(cv("hi16"), hi16)
	gate := func(base reg.Register, q int) Mem {
		switch q {
		case 0:
			return Mem{Base: base}
		case 1:
			return Mem{Base: base, Index: st, Scale: 1}
		case 2:
			return Mem{Base: base, Index: st, Scale: 2}
		}
		return Mem{Base: base, Index: st3, Scale: 1}
	}
	// rescale: x = MBQM(x) of rescale i (lstmQVec's form); t1, t2 temps.
	rescale := func(x, t1, t2 reg.VecPhysical, i int) {
		rescaleAVX2(x, t1, t2, func(f string) Mem { return qv(i, f) })
	}
	clamp16 := func(x reg.VecPhysical) {
		VPMAXSD(lo16, x, x)
		VPMINSD(hi16, x, x)
	}
	// act: dst = LOGISTIC (tanh: TANH) of x (x kept); t1..t4 temps (t4
	// only for TANH).
	act := func(x, dst, t1, t2, t3, t4 reg.VecPhysical, tanh bool) {
		bits, mask, pos, neg, out := 9, "mask9", "lpos", "lneg", 10
		if tanh {
			bits, mask, pos, neg, out = 8, "mask8", "tpos", "tneg", 8
		}
		VPABSD(x, t1)            // ax
		VPSRLD(U8(bits), t1, t2) // index
		if tanh {
			VPCMPGTD(cv("c254"), t2, t4) // saturated
			VPMINSD(cv("c254"), t2, t2)
		}
		VPCMPEQD(t3, t3, t3)
		VPGATHERDD(t3, Mem{Base: tab, Index: t2, Scale: 2}, dst)
		VPAND(cv(mask), t1, t1)       // interpolation bits
		VPSRLD(U8(16), dst, t2)       // table[i+1]
		VPAND(cv("mask16"), dst, dst) // table[i]
		VPSUBD(dst, t2, t2)
		VPMADDWD(t2, t1, t1) // (b − a)·frac: both in the low word
		VPSLLD(U8(bits), dst, dst)
		VPADDD(t1, dst, dst)
		if tanh {
			VBLENDVPS(t4, cv("tsat"), dst, dst)
		}
		VMOVDQU(cv(neg), t1)
		VPSUBD(dst, t1, t1) // x < 0: neg − r
		VPADDD(cv(pos), dst, dst)
		VBLENDVPS(x, t1, dst, dst)
		VPSRAD(U8(out), dst, dst)
	}
	// gateAct: y(q) = gate q of the 8 units (temps y4..y8).
	gateAct := func(q int) {
		x, z := y(4), y(8)
		VMOVDQU(gate(ai, q), x)
		VPADDD(gate(bi, q), x, x)
		rescale(x, y(5), y(6), q)
		clamp16(x)
		VMOVDQU(gate(ar, q), z)
		VPADDD(gate(br, q), z, z)
		rescale(z, y(5), y(6), 4+q)
		clamp16(z)
		VPADDD(z, x, x)
		clamp16(x)
		VPADDD(x, x, z)
		VPADDD(z, x, x) // 3·x
		act(x, y(q), y(5), y(6), y(7), y(8), q == 2)
	}
	Label(name + "_loop")
	for q := 0; q < 3; q++ {
		gateAct(q)
	}
	// The cell: clamp(sat16(MBQM(f·c)) + sat16(MBQM(i·g))).
	VPMOVSXWD(Mem{Base: c}, y(4))
	VPMULLD(y(4), y(0), y(4))
	rescale(y(4), y(5), y(6), 8)
	clamp16(y(4))
	VPMULLD(y(2), y(1), y(5))
	rescale(y(5), y(6), y(7), 9)
	clamp16(y(5))
	VPADDD(y(5), y(4), y(4))
	VPMAXSD(cv("clo"), y(4), y(4))
	VPMINSD(cv("chi"), y(4), y(4))
	VEXTRACTI128(U8(1), y(4), y(5).AsX())
	VPACKSSDW(y(5).AsX(), y(4).AsX(), y(5).AsX())
	VMOVDQU(y(5).AsX(), Mem{Base: c})
	// The hidden value: clamp8(MBQM(TANH((c·tm + tr) >> ts)·o) + zp).
	VPMULLD(cv("tm"), y(4), y(4))
	VPADDD(cv("tr"), y(4), y(4))
	VPSRAVD(cv("ts"), y(4), y(4))
	act(y(4), y(1), y(5), y(6), y(7), y(8), true)
	gateAct(3)
	VPMULLD(y(3), y(1), y(1))
	rescale(y(1), y(5), y(6), 10)
	VPADDD(cv("zp"), y(1), y(1))
	VPMAXSD(cv("lo8"), y(1), y(1))
	VPMINSD(cv("hi8"), y(1), y(1))
	VEXTRACTI128(U8(1), y(1), y(5).AsX())
	VPACKSSDW(y(5).AsX(), y(1).AsX(), y(5).AsX())
	VPACKSSWB(y(5).AsX(), y(5).AsX(), y(5).AsX())
	VMOVQ(y(5).AsX(), Mem{Base: h})
	for _, r := range []reg.Register{ai, ar, bi, br} {
		ADDQ(U8(32), r)
	}
	ADDQ(U8(16), c)
	ADDQ(U8(8), h)
	SUBQ(U8(8), n)
	JNZ(LabelRef(name + "_loop"))
	VZEROUPPER()
	RET()
}

// lstmAVX512 emits lstmCellAVX512Kernel: the AVX2 kernel's arithmetic on
// 16 units a vector, any n >= 1 (the last partial vector under a lane
// mask: masked loads neither read nor fault outside it, masked stores
// write only it). Constants are broadcast from element 0 of lstmVec's
// fields; the blends use mask registers; the rescale shifts arithmetically
// (lstmQVec.karith, no 2^63 bias to subtract) and VPERMT2D interleaves
// its even and odd halves.
func lstmAVX512() {
	lstmAVX512Kernel(false)
	lstmAVX512Kernel(true)
}

// lstmAVX512Kernel emits lstmCellAVX512Kernel or, tail4, the kernel of 1
// to 4 units with all four gates in one vector (asm.lstmTail4: lane 4q+j
// is gate q of unit j, with per-lane constants; the four gates' values
// then move to lanes 0-3 of their own vectors for the cell and the
// hidden value).
func lstmAVX512Kernel(tail4 bool) {
	name := "lstmCellAVX512Kernel"
	if tail4 {
		name = "lstmCellAVX512Tail4Kernel"
	}
	kernel(name, NOSPLIT, "lstmArgs")
	if tail4 {
		kdoc(name + " runs asm.LSTMCell's step for 1 <= n <= 4 units: gates from ai, ar (p.stride bytes apart) and p.v.t4's biases, the cell c updated, the hidden h written (AVX-512).")
	} else {
		kdoc(name + " runs asm.LSTMCell's step for n >= 1 units: gates from ai, ar, bi, br (p.stride bytes apart), the cell c updated, the hidden h written (AVX-512).")
	}
	ai, ar, bi, br, c, h, n, st, st3, v, tab := reg.RAX, reg.RBX, reg.RCX, reg.RDX, reg.RSI, reg.RDI, reg.R8, reg.R9, reg.R11, reg.R12, reg.R13
	kload, kg, ksat, ksign, ktail, kq := reg.K1, reg.K3, reg.K4, reg.K5, reg.K6, reg.K7
	Load(arg("n"), n)
	// The tail mask: (1 << (n mod 16)) − 1.
	MOVQ(n, reg.R10)
	ANDQ(U8(15), reg.R10)
	MOVL(U32(0xFFFF), tab.As32())
	BZHIL(reg.R10.As32(), tab.As32(), tab.As32())
	KMOVW(tab.As32(), ktail)
	Load(arg("ai"), ai)
	Load(arg("ar"), ar)
	if !tail4 {
		Load(arg("bi"), bi)
		Load(arg("br"), br)
	}
	Load(arg("c"), c)
	Load(arg("h"), h)
	Load(arg("stride"), st)
	Load(arg("v"), v)
	Load(arg("table"), tab)
	LEAQ(Mem{Base: st, Index: st, Scale: 2}, st3)
	pv := arg("v").Dereference(v)
	cv := func(f string) Mem { return resolve(pv.Field(f).Index(0)) }
	qv := func(i int, f string) Mem { return resolve(pv.Field("q").Index(i).Field(f).Index(0)) }
	tv := func(f string) Mem { return resolve(pv.Field("t4").Field(f).Index(0)) }
	tq := func(i int, f string) Mem { return resolve(pv.Field("t4").Field("q").Index(i).Field(f).Index(0)) }
	z := func(i int) reg.VecPhysical {
		return []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7,
			reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15}[i]
	}
	lo16, hi16 := z(14), z(15)
	VPBROADCASTD(cv("lo16"), lo16)
	VPBROADCASTD(cv("hi16"), hi16)
	// SigmoidTable16 in Z16-Z23 (32 entries each), word constants 0x40
	// and 0x80 (index bits 6, 7) and dword 0x10000 in Z24-Z26, lookup's
	// temporaries Z27-Z30.
	tabv := []reg.VecPhysical{reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22, reg.Z23}
	for k, r := range tabv {
		VMOVDQU64(Mem{Base: tab, Disp: 64 * k}, r)
	}
	bit6, bit7, one16, comb := reg.Z24, reg.Z25, reg.Z26, reg.Z13
	VMOVDQU32(cv("comb"), comb)
	pairs := []reg.VecPhysical{reg.Z27, reg.Z28, reg.Z29, reg.Z30}
	MOVL(U32(0x40), reg.R10.As32())
	VPBROADCASTW(reg.R10.As32(), bit6)
	MOVL(U32(0x80), reg.R10.As32())
	VPBROADCASTW(reg.R10.As32(), bit7)
	MOVL(U32(0x10000), reg.R10.As32())
	VPBROADCASTD(reg.R10.As32(), one16)
	gate := func(base reg.Register, q int) Mem {
		switch q {
		case 0:
			return Mem{Base: base}
		case 1:
			return Mem{Base: base, Index: st, Scale: 1}
		case 2:
			return Mem{Base: base, Index: st, Scale: 2}
		}
		return Mem{Base: base, Index: st3, Scale: 1}
	}
	rescale := func(x, t1 reg.VecPhysical, i int) {
		VPSLLVD_BCST(qv(i, "left"), x, x)
		VPSRLQ(U8(32), x, t1) // odd lanes
		VPMULDQ_BCST(qv(i, "m"), x, x)
		VPMULDQ_BCST(qv(i, "m"), t1, t1)
		for _, r := range []reg.VecPhysical{x, t1} {
			VPMOVQ2M(r, kq)
			VPADDQ_BCST(qv(i, "karith"), r, r)
			VPADDQ_BCST(qv(i, "kdiff"), r, kq, r)
			VPSRAVQ_BCST(qv(i, "sh"), r, r)
		}
		VPERMT2D(t1, comb, x) // low dwords of x's and t1's qwords, interleaved
	}
	clamp16 := func(x reg.VecPhysical) {
		VPMAXSD(lo16, x, x)
		VPMINSD(hi16, x, x)
	}
	// lookup: dst = table[i] | table[i+1]<<16 per dword of idx (i in
	// [0, 254] in the low word; idx clobbered), from the table in
	// registers: the index words become i (low) and i+1 (high), VPERMI2W
	// looks each word up in the 4 pairs of table vectors (64 entries a
	// pair, index bits 0-5), and index bits 6 and 7 pick the pair.
	lookup := func(idx, dst reg.VecPhysical) {
		VPSLLD(U8(16), idx, dst)
		VPADDD(dst, idx, idx)
		VPADDD(one16, idx, idx)
		for k, r := range pairs {
			VMOVDQA64(idx, r)
			VPERMI2W(tabv[2*k+1], tabv[2*k], r)
		}
		VPTESTMW(bit6, idx, kg)
		VPTESTMW(bit7, idx, ksign)
		VPBLENDMW(pairs[1], pairs[0], kg, pairs[0])
		VPBLENDMW(pairs[3], pairs[2], kg, pairs[2])
		VPBLENDMW(pairs[2], pairs[0], ksign, dst)
	}
	act := func(x, dst, t1, t2 reg.VecPhysical, tanh bool) {
		bits, mask, pos, neg, out := 9, "mask9", "lpos", "lneg", 10
		if tanh {
			bits, mask, pos, neg, out = 8, "mask8", "tpos", "tneg", 8
		}
		VPABSD(x, t1)
		VPSRLD(U8(bits), t1, t2)
		if tanh {
			VPCMPGTD_BCST(cv("c254"), t2, ksat)
			VPMINSD_BCST(cv("c254"), t2, t2)
		}
		lookup(t2, dst)
		VPANDD_BCST(cv(mask), t1, t1)
		VPSRLD(U8(16), dst, t2)
		VPANDD_BCST(cv("mask16"), dst, dst)
		VPSUBD(dst, t2, t2)
		VPMADDWD(t2, t1, t1)
		VPSLLD(U8(bits), dst, dst)
		VPADDD(t1, dst, dst)
		if tanh {
			VPBLENDMD_BCST(cv("tsat"), dst, ksat, dst)
		}
		VPMOVD2M(x, ksign)
		VPBROADCASTD(cv(neg), t1)
		VPSUBD(dst, t1, t1)
		VPADDD_BCST(cv(pos), dst, dst)
		VPBLENDMD(t1, dst, ksign, dst)
		VPSRAD(U8(out), dst, dst)
	}
	// rescaleL is rescale with per-lane constants (tail4: rescale i of 0
	// input, 1 recurrent, each lane its gate's).
	rescaleL := func(x, t1 reg.VecPhysical, i int) {
		VPSLLVD(tq(i, "left"), x, x)
		VPSRLQ(U8(32), x, t1)
		VPMULDQ(tq(i, "m"), x, x) // m[2k] = m[2k+1]: one gate a qword
		VPMULDQ(tq(i, "m"), t1, t1)
		for _, r := range []reg.VecPhysical{x, t1} {
			VPMOVQ2M(r, kq)
			VPADDQ(tq(i, "karith"), r, r)
			VPADDQ(tq(i, "kdiff"), r, kq, r)
			VPSRAVQ(tq(i, "shift"), r, r)
		}
		VPERMT2D(t1, comb, x)
	}
	// actL is act with LOGISTIC's or TANH's constants per lane (the
	// saturation test and index clamp are act's TANH ones: LOGISTIC's
	// index is at most 3·32768 >> 9 = 192, never clamped).
	actL := func(x, dst, t1, t2 reg.VecPhysical) {
		VPABSD(x, t1)
		VPSRLVD(tv("bits"), t1, t2)
		VPCMPGTD_BCST(cv("c254"), t2, ksat)
		VPMINSD_BCST(cv("c254"), t2, t2)
		lookup(t2, dst)
		VPANDD(tv("mask"), t1, t1)
		VPSRLD(U8(16), dst, t2)
		VPANDD_BCST(cv("mask16"), dst, dst)
		VPSUBD(dst, t2, t2)
		VPMADDWD(t2, t1, t1)
		VPSLLVD(tv("bits"), dst, dst)
		VPADDD(t1, dst, dst)
		VPBLENDMD_BCST(cv("tsat"), dst, ksat, dst)
		VPMOVD2M(x, ksign)
		VMOVDQU32(tv("neg"), t1)
		VPSUBD(dst, t1, t1)
		VPADDD(tv("pos"), dst, dst)
		VPBLENDMD(t1, dst, ksign, dst)
		VPSRAVD(tv("sh"), dst, dst)
	}
	// gatesTail4: the four gates of the 1 to 4 units in lanes 4q+j of
	// z(0), then gate q's in lanes 0-3 of z(q).
	gatesTail4 := func() {
		x, y := z(4), z(8)
		for _, g := range []struct {
			base reg.Register
			dst  reg.VecPhysical
			bias string
			i    int
		}{{ai, x, "bi", 0}, {ar, y, "br", 1}} {
			VMOVDQU32(Mem{Base: g.base}, g.dst.AsX())
			for q := 1; q < 4; q++ {
				VINSERTI32X4(U8(q), gate(g.base, q), g.dst, g.dst)
			}
			VPADDD(tv(g.bias), g.dst, g.dst)
			rescaleL(g.dst, z(5), g.i)
			clamp16(g.dst)
		}
		VPADDD(y, x, x)
		clamp16(x)
		VPADDD(x, x, y)
		VPADDD(y, x, x)
		actL(x, z(0), z(5), z(6))
		for q := 1; q < 4; q++ {
			VEXTRACTI32X4(U8(q), z(0), z(q).AsX())
		}
	}
	gateAct := func(q int) {
		x, y := z(4), z(8)
		VMOVDQU32_Z(gate(ai, q), kload, x)
		VPADDD_Z(gate(bi, q), x, kload, x)
		rescale(x, z(5), q)
		clamp16(x)
		VMOVDQU32_Z(gate(ar, q), kload, y)
		VPADDD_Z(gate(br, q), y, kload, y)
		rescale(y, z(5), 4+q)
		clamp16(y)
		VPADDD(y, x, x)
		clamp16(x)
		VPADDD(x, x, y)
		VPADDD(y, x, x)
		act(x, z(q), z(5), z(6), q == 2)
	}
	body := func() {
		if tail4 {
			gatesTail4()
		} else {
			for q := 0; q < 3; q++ {
				gateAct(q)
			}
		}
		VPMOVSXWD_Z(Mem{Base: c}, kload, z(4))
		VPMULLD(z(4), z(0), z(4))
		rescale(z(4), z(5), 8)
		clamp16(z(4))
		VPMULLD(z(2), z(1), z(5))
		rescale(z(5), z(6), 9)
		clamp16(z(5))
		VPADDD(z(5), z(4), z(4))
		VPMAXSD_BCST(cv("clo"), z(4), z(4))
		VPMINSD_BCST(cv("chi"), z(4), z(4))
		VPMOVDW(z(4), kload, Mem{Base: c})
		VPMULLD_BCST(cv("tm"), z(4), z(4))
		VPADDD_BCST(cv("tr"), z(4), z(4))
		VPSRAVD_BCST(cv("ts"), z(4), z(4))
		act(z(4), z(1), z(5), z(6), true)
		if !tail4 {
			gateAct(3)
		}
		VPMULLD(z(3), z(1), z(1))
		rescale(z(1), z(5), 10)
		VPADDD_BCST(cv("zp"), z(1), z(1))
		VPMAXSD_BCST(cv("lo8"), z(1), z(1))
		VPMINSD_BCST(cv("hi8"), z(1), z(1))
		VPMOVDB(z(1), kload, Mem{Base: h})
	}
	if tail4 {
		KMOVW(ktail, kload)
		body()
		VZEROUPPER()
		RET()
		return
	}
	KXNORW(kload, kload, kload)
	CMPQ(n, U8(16))
	JLT(LabelRef(name + "_tail"))
	Label(name + "_loop")
	body()
	for _, r := range []reg.Register{ai, ar, bi, br} {
		ADDQ(U8(64), r)
	}
	ADDQ(U8(32), c)
	ADDQ(U8(16), h)
	SUBQ(U8(16), n)
	CMPQ(n, U8(16))
	JGE(LabelRef(name + "_loop"))
	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	KMOVW(ktail, kload)
	body()
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
