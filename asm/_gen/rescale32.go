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
