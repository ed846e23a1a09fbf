package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Byte table lookup (asm.Lookup8): out[i] = t[uint8(in[i])] for a
// 256-entry table, the kernel of every op the converter folds into a table
// (LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, 8-bit QUANTIZE, ...).

// lookupVBMI: the table in four zmm registers; per 64 bytes two VPERMI2B
// (each a 128-entry lookup by the index's low 7 bits: t[0:128] and
// t[128:256]) and a byte blend by the index's top bit. Any n >= 1: the
// last partial vector is loaded and stored with a byte mask (masked loads
// do not touch, nor fault on, the bytes they leave out).
func lookupVBMI() {
	name := "lookup8VBMI"
	kernel(name, NOSPLIT, "lookupArgs")
	kdoc(name + " maps out[i] = p.t.t[uint8(in[i])] for i < n (n >= 1) with AVX-512 VBMI.")
	out, in, n, t := reg.RDI, reg.RSI, reg.RCX, reg.RAX
	Load(arg("out"), out)
	Load(arg("in"), in)
	Load(arg("n"), n)
	Load(arg("t"), t)
	tv := arg("t").Dereference(t)
	tab := resolve(tv.Field("t").Index(0))
	t0, t1, t2, t3 := reg.Z16, reg.Z17, reg.Z18, reg.Z19
	for i, z := range []reg.VecPhysical{t0, t1, t2, t3} {
		VMOVDQU64(tab.Offset(64*i), z)
	}
	// step looks up one vector of indices x (clobbered) into x, with y as
	// scratch and k the top bits.
	step := func(x, y reg.VecPhysical, k reg.Register) {
		VPMOVB2M(x, k)
		VMOVDQA64(x, y)
		VPERMI2B(t1, t0, x) // t[0:128] by bits 0..6
		VPERMI2B(t3, t2, y) // t[128:256]
		VPBLENDMB(y, x, k, x)
	}
	Label(name + "_loop")
	CMPQ(n, U8(128))
	JB(LabelRef(name + "_one"))
	VMOVDQU64(Mem{Base: in}, reg.Z0)
	VMOVDQU64(Mem{Base: in, Disp: 64}, reg.Z2)
	step(reg.Z0, reg.Z1, reg.K1)
	step(reg.Z2, reg.Z3, reg.K2)
	VMOVDQU64(reg.Z0, Mem{Base: out})
	VMOVDQU64(reg.Z2, Mem{Base: out, Disp: 64})
	ADDQ(U32(128), in)
	ADDQ(U32(128), out)
	SUBQ(U32(128), n)
	JMP(LabelRef(name + "_loop"))

	// 0..127 bytes left: 64-byte vectors, the last masked.
	Label(name + "_one")
	TESTQ(n, n)
	JLE(LabelRef(name + "_done"))
	MOVQ(U64(0xffffffffffffffff), reg.R8)
	CMPQ(n, U8(64))
	JAE(LabelRef(name + "_mask"))
	BZHIQ(n, reg.R8, reg.R8) // low n bits
	Label(name + "_mask")
	KMOVQ(reg.R8, reg.K3)
	VMOVDQU8_Z(Mem{Base: in}, reg.K3, reg.Z0)
	step(reg.Z0, reg.Z1, reg.K1)
	VMOVDQU8(reg.Z0, reg.K3, Mem{Base: out})
	ADDQ(U8(64), in)
	ADDQ(U8(64), out)
	SUBQ(U8(64), n)
	JMP(LabelRef(name + "_one"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// lookupAVX2: n a multiple of 32 (the Go side does the rest). Sixteen
// VPSHUFB lookups per vector on the differenced 16-entry slices of
// Table8.diff (asm/table.go says why the XORs telescope): indices x − 16j
// for j = 0..15 (a running subtraction of 16), XOR-summed into a low sum
// (j < 8) and a high one, and x's top bit picks between them. Slices
// 6..15 stay in registers, 0..5 are loaded where used.
func lookupAVX2() {
	name := "lookup8AVX2"
	kernel(name, NOSPLIT, "lookupArgs")
	kdoc(name + " maps out[i] = p.t.t[uint8(in[i])] for i < n (n a multiple of 32) with AVX2 (VPSHUFB on p.t.diff).")
	out, in, n, t := reg.RDI, reg.RSI, reg.RCX, reg.RAX
	Load(arg("out"), out)
	Load(arg("in"), in)
	Load(arg("n"), n)
	Load(arg("t"), t)
	tv := arg("t").Dereference(t)
	diff := resolve(tv.Field("diff").Index(0).Index(0))
	ys := []reg.VecPhysical{reg.Y0, reg.Y1, reg.Y2, reg.Y3, reg.Y4, reg.Y5, reg.Y6, reg.Y7, reg.Y8, reg.Y9, reg.Y10, reg.Y11, reg.Y12, reg.Y13, reg.Y14, reg.Y15}
	x, idx, lo, hi, tmp, sixteen := ys[0], ys[1], ys[2], ys[3], ys[4], ys[5]
	const resident = 6 // slices resident..15 in ys[resident..15]
	MOVL(U32(0x10101010), reg.R8.As32())
	VMOVD(reg.R8.As32(), sixteen.AsX())
	VPBROADCASTD(sixteen.AsX(), sixteen)
	for j := resident; j < 16; j++ {
		VMOVDQU(diff.Offset(32*j), ys[j])
	}
	SHRQ(U8(5), n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	VMOVDQU(Mem{Base: in}, x)
	for j := 0; j < 16; j++ {
		src := x
		if j > 0 {
			if j == 1 {
				VPSUBB(sixteen, x, idx)
			} else {
				VPSUBB(sixteen, idx, idx)
			}
			src = idx
		}
		table := tmp
		if j >= resident {
			table = ys[j]
		} else {
			VMOVDQU(diff.Offset(32*j), tmp)
		}
		sum := lo
		if j >= 8 {
			sum = hi
		}
		if j%8 == 0 {
			VPSHUFB(src, table, sum)
		} else {
			VPSHUFB(src, table, tmp)
			VPXOR(tmp, sum, sum)
		}
	}
	VPBLENDVB(x, hi, lo, lo) // hi where x >= 128
	VMOVDQU(lo, Mem{Base: out})
	ADDQ(U8(32), in)
	ADDQ(U8(32), out)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}
