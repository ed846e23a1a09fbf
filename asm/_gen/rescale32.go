package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// rescaleAVX2 emits x = MultiplyByQuantizedMultiplier(x) on 8 int32 lanes
// in asm.lstmQVec's form (asm/lstm.go derives it): x' = x << left, the
// even and odd lanes' 64-bit products with m, plus the rounding constant
// for the product's sign (biased by 2^63), one logical shift by 31 +
// right, the odd lanes' low dwords blended back, minus 2^(32−right).
// q addresses the lstmQVec's fields; t1, t2 are temps.
func rescaleAVX2(x, t1, t2 reg.VecPhysical, q func(field string) Mem) {
	VPSLLVD(q("left"), x, x)
	VPSRLQ(U8(32), x, t1) // odd lanes
	VPMULDQ(q("m"), x, x)
	VPMULDQ(q("m"), t1, t1)
	VMOVDQU(q("kpos"), t2)
	VBLENDVPD(x, q("kneg"), t2, t2)
	VPADDQ(t2, x, x)
	VMOVDQU(q("kpos"), t2)
	VBLENDVPD(t1, q("kneg"), t2, t2)
	VPADDQ(t2, t1, t1)
	VPSRLVQ(q("sh"), x, x)
	VPSRLVQ(q("sh"), t1, t1)
	VPSLLQ(U8(32), t1, t1)
	VPBLENDD(U8(0xAA), t1, x, x)
	VPSUBD(q("sub"), x, x)
}

// rescale32AVX2 emits rescale32AVX2Kernel (asm.Impl.Rescale32): out =
// clamp(MBQM(acc + bias) + zp, lo, hi), 8 values a step, two steps
// interleaved where n allows (the rescale is one long dependency chain).
func rescale32AVX2() {
	name := "rescale32AVX2Kernel"
	kernel(name, NOSPLIT, "rescale32Args")
	kdoc(name + " sets out = clamp(MBQM(acc + bias) + zp, lo, hi) for n values, a multiple of 8 (AVX2).")
	acc, bias, out, n, v := reg.RSI, reg.RDX, reg.RDI, reg.RCX, reg.R8
	Load(arg("acc"), acc)
	Load(arg("bias"), bias)
	Load(arg("out"), out)
	Load(arg("n"), n)
	Load(arg("v"), v)
	pv := arg("v").Dereference(v)
	cv := func(f string) Mem { return resolve(pv.Field(f).Index(0)) }
	qv := func(f string) Mem { return resolve(pv.Field("q").Field(f).Index(0)) }
	VMOVDQU(cv("zp"), reg.Y13)
	VMOVDQU(cv("lo"), reg.Y14)
	VMOVDQU(cv("hi"), reg.Y15)
	step := func(x, t1, t2 reg.VecPhysical, off int) {
		VMOVDQU(Mem{Base: acc, Disp: off}, x)
		VPADDD(Mem{Base: bias, Disp: off}, x, x)
		rescaleAVX2(x, t1, t2, qv)
		VPADDD(reg.Y13, x, x)
		VPMAXSD(reg.Y14, x, x)
		VPMINSD(reg.Y15, x, x)
		VMOVDQU(x, Mem{Base: out, Disp: off})
	}
	Label(name + "_16")
	CMPQ(n, U8(16))
	JB(LabelRef(name + "_8"))
	step(reg.Y0, reg.Y1, reg.Y2, 0)
	step(reg.Y3, reg.Y4, reg.Y5, 32)
	ADDQ(U8(64), acc)
	ADDQ(U8(64), bias)
	ADDQ(U8(64), out)
	SUBQ(U8(16), n)
	JMP(LabelRef(name + "_16"))
	Label(name + "_8")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	step(reg.Y0, reg.Y1, reg.Y2, 0)
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// rescaleInt16AVX2 emits the RescaleInt16 kernels (asm/rescale16.go):
// rescaleInt16To{16,8}[Sel]AVX2Kernel, 8 values a step: VPMOVSXWD, + bias,
// the pos rescale (and with Sel the neg one on a copy, VBLENDVPS by the
// sign of x), + zp, the clamp, then VPACKSSDW (and VPACKSSWB for int8).
func rescaleInt16AVX2() {
	for _, to8 := range []bool{false, true} {
		for _, sel := range []bool{false, true} {
			name := "rescaleInt16To16"
			if to8 {
				name = "rescaleInt16To8"
			}
			if sel {
				name += "Sel"
			}
			name += "AVX2Kernel"
			kernel(name, NOSPLIT, "rescaleInt16Args")
			kdoc(name + " runs asm.RescaleInt16 on n values, a multiple of 8 (AVX2).")
			in, out, n, pos, neg := reg.RSI, reg.RDI, reg.RCX, reg.R8, reg.R9
			Load(arg("in"), in)
			if to8 {
				Load(arg("out8"), out)
			} else {
				Load(arg("out16"), out)
			}
			Load(arg("n"), n)
			Load(arg("pos"), pos)
			pp := arg("pos").Dereference(pos)
			cv := func(f string) Mem { return resolve(pp.Field(f).Index(0)) }
			qp := func(f string) Mem { return resolve(pp.Field("q").Field(f).Index(0)) }
			var qn func(f string) Mem
			if sel {
				Load(arg("neg"), neg)
				pn := arg("neg").Dereference(neg)
				qn = func(f string) Mem { return resolve(pn.Field("q").Field(f).Index(0)) }
			}
			VPBROADCASTD(addr("bias"), reg.Y12)
			VMOVDQU(cv("zp"), reg.Y13)
			VMOVDQU(cv("lo"), reg.Y14)
			VMOVDQU(cv("hi"), reg.Y15)
			Label(name + "_loop")
			VPMOVSXWD(Mem{Base: in}, reg.Y0)
			VPADDD(reg.Y12, reg.Y0, reg.Y0)
			VMOVDQA(reg.Y0, reg.Y1)
			rescaleAVX2(reg.Y1, reg.Y2, reg.Y3, qp)
			if sel {
				VMOVDQA(reg.Y0, reg.Y4)
				rescaleAVX2(reg.Y4, reg.Y5, reg.Y6, qn)
				VBLENDVPS(reg.Y0, reg.Y4, reg.Y1, reg.Y1) // x < 0: neg's
			}
			VPADDD(reg.Y13, reg.Y1, reg.Y1)
			VPMAXSD(reg.Y14, reg.Y1, reg.Y1)
			VPMINSD(reg.Y15, reg.Y1, reg.Y1)
			VEXTRACTI128(U8(1), reg.Y1, reg.X2)
			VPACKSSDW(reg.X2, reg.X1, reg.X1)
			if to8 {
				VPACKSSWB(reg.X1, reg.X1, reg.X1)
				VMOVQ(reg.X1, Mem{Base: out})
				ADDQ(U8(8), out)
			} else {
				VMOVDQU(reg.X1, Mem{Base: out})
				ADDQ(U8(16), out)
			}
			ADDQ(U8(16), in)
			SUBQ(U8(8), n)
			JNZ(LabelRef(name + "_loop"))
			VZEROUPPER()
			RET()
		}
	}
}
