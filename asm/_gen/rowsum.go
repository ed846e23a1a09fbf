package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Row terms of a GEMM with a filter offset f: out[r] = f·Σ_{i<k} a[r·lda+i]
// for n rows of k >= 8 int8 values. Each byte is offset to uint8 (XOR
// 0x80) and VPSADBW against zero adds groups of eight into 64-bit lanes
// (exact); the row's last bytes come from one load ending at the row's
// end whose bytes already counted are masked off (AND with 32 zero bytes
// then 32 0xff bytes, read at the right offset), so nothing outside a row
// is read. Then 128·k is subtracted and the total multiplied by f, in
// wrapping 32-bit arithmetic as the Go definition.

var rowSumMask Mem

func rowSumAVX2() {
	rowSumMask = GLOBL("rowsummask", RODATA|NOPTR)
	for i := 0; i < 64; i++ {
		v := U8(0)
		if i >= 32 {
			v = U8(0xff)
		}
		DATA(i, v)
	}
	name := "rowSumAVX2Kernel"
	kernel(name, NOSPLIT, "rowSumArgs")
	kdoc(name + " sets out[r] = f·Σ a[r·lda : r·lda+k] for r < n, k >= 8 (AVX2).")
	a, lda, rows, k, out, f, off := reg.RSI, reg.R8, reg.RBX, reg.RCX, reg.RDI, reg.R9, reg.R11
	last, i, tab := reg.R10, reg.RAX, reg.R12
	Load(arg("a"), a)
	Load(arg("lda"), lda)
	Load(arg("n"), rows)
	Load(arg("k"), k)
	Load(arg("out"), out)
	MOVL(addr("f"), f.As32())
	MOVQ(k, off)
	SHLQ(U8(7), off)
	VPBROADCASTD(cX80(), reg.Y15)
	VPXOR(reg.Y14, reg.Y14, reg.Y14)
	LEAQ(rowSumMask, tab)
	TESTQ(rows, rows)
	JZ(LabelRef(name + "_done"))
	rowSumPacked(name, a, lda, rows, k, out, f, off)
	// finish reduces the 64-bit lanes of Y0 (X0 when x), subtracts
	// 128·k, multiplies by f, stores and moves to the next row.
	finish := func(l string, x bool) {
		if !x {
			VEXTRACTI128(U8(1), reg.Y0, reg.X1)
			VPADDQ(reg.X1, reg.X0, reg.X0)
		}
		VPSHUFD(U8(0x4e), reg.X0, reg.X1)
		VPADDQ(reg.X1, reg.X0, reg.X0)
		VMOVQ(reg.X0, i)
		SUBL(off.As32(), i.As32())
		IMULL(f.As32(), i.As32())
		MOVL(i.As32(), Mem{Base: out})
		ADDQ(U8(4), out)
		ADDQ(lda, a)
		DECQ(rows)
		JNZ(LabelRef(l))
		JMP(LabelRef(name + "_done"))
	}
	CMPQ(k, U8(32))
	JB(LabelRef(name + "_lt32"))
	// k >= 32: 32-byte chunks at 0, 32, ... below last = k − 32, then the
	// chunk at last with its first 32 − rem bytes masked, rem = k − (the
	// chunks' end) in [1, 32]: the mask is rowsummask[rem:].
	MOVQ(k, last)
	SUBQ(U8(32), last)
	LEAQ(Mem{Base: last, Disp: 31}, i)
	ANDQ(I8(-32), i)
	MOVQ(k, reg.RDX)
	SUBQ(i, reg.RDX)
	VMOVDQU(Mem{Base: tab, Index: reg.RDX, Scale: 1}, reg.Y13)
	Label(name + "_r32")
	VPXOR(reg.Y0, reg.Y0, reg.Y0)
	XORQ(i, i)
	CMPQ(i, last)
	JAE(LabelRef(name + "_t32"))
	Label(name + "_c32")
	VPXOR(Mem{Base: a, Index: i, Scale: 1}, reg.Y15, reg.Y1)
	VPSADBW(reg.Y14, reg.Y1, reg.Y1)
	VPADDQ(reg.Y1, reg.Y0, reg.Y0)
	ADDQ(U8(32), i)
	CMPQ(i, last)
	JB(LabelRef(name + "_c32"))
	Label(name + "_t32")
	VPXOR(Mem{Base: a, Index: last, Scale: 1}, reg.Y15, reg.Y1)
	VPAND(reg.Y13, reg.Y1, reg.Y1)
	VPSADBW(reg.Y14, reg.Y1, reg.Y1)
	VPADDQ(reg.Y1, reg.Y0, reg.Y0)
	finish(name+"_r32", false)

	// 16 <= k < 32: bytes [0, 16), then [k − 16, k) with its first
	// 32 − k bytes masked (rowsummask[k:]).
	Label(name + "_lt32")
	CMPQ(k, U8(16))
	JB(LabelRef(name + "_lt16"))
	MOVQ(k, last)
	SUBQ(U8(16), last)
	VMOVDQU(Mem{Base: tab, Index: k, Scale: 1}, reg.X13)
	Label(name + "_r16")
	VPXOR(Mem{Base: a}, reg.X15, reg.X0)
	VPSADBW(reg.X14, reg.X0, reg.X0)
	VPXOR(Mem{Base: a, Index: last, Scale: 1}, reg.X15, reg.X1)
	VPAND(reg.X13, reg.X1, reg.X1)
	VPSADBW(reg.X14, reg.X1, reg.X1)
	VPADDQ(reg.X1, reg.X0, reg.X0)
	finish(name+"_r16", true)

	// 8 <= k < 16: bytes [0, 8) in the low half of X0 and [k − 8, k) in
	// the high half, its first 16 − k bytes masked (rowsummask[16+k:]).
	Label(name + "_lt16")
	MOVQ(k, last)
	SUBQ(U8(8), last)
	VMOVQ(Mem{Base: tab, Index: k, Scale: 1, Disp: 16}, reg.X13)
	VPCMPEQB(reg.X12, reg.X12, reg.X12)
	VPUNPCKLQDQ(reg.X13, reg.X12, reg.X13) // low 8 bytes 0xff, high the mask
	Label(name + "_r8")
	VMOVQ(Mem{Base: a}, reg.X0)
	VMOVQ(Mem{Base: a, Index: last, Scale: 1}, reg.X1)
	VPUNPCKLQDQ(reg.X1, reg.X0, reg.X0)
	VPXOR(reg.X15, reg.X0, reg.X0)
	VPAND(reg.X13, reg.X0, reg.X0)
	VPSADBW(reg.X14, reg.X0, reg.X0)
	finish(name+"_r8", true)

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// rowSumPacked emits the paths for contiguous short rows (lda = k = 8 or
// 16: a pointwise convolution's input pixels of 8 or 16 channels), which
// share one load and one reduction among several rows: 4 rows of 8 bytes
// (VPSADBW gives each row's sum in its own 64-bit lane) or 2 rows of 16
// (two lanes each, added), the sums gathered into dwords, 128·k
// subtracted and multiplied by f in vector registers. The rows left
// (fewer than a block) go on to the general paths.
func rowSumPacked(name string, a, lda, rows, k, out, f, off reg.GPPhysical) {
	CMPQ(lda, k)
	JNE(LabelRef(name + "_general"))
	VMOVD(f.As32(), reg.X10)
	VPBROADCASTD(reg.X10, reg.X10)
	VMOVD(off.As32(), reg.X11)
	VPBROADCASTD(reg.X11, reg.X11)
	CMPQ(k, U8(8))
	JEQ(LabelRef(name + "_k8"))
	CMPQ(k, U8(16))
	JNE(LabelRef(name + "_general"))

	// k = 16: 2 rows per 32 bytes, lanes [r0a, r0b, r1a, r1b].
	Label(name + "_k16")
	CMPQ(rows, U8(2))
	JB(LabelRef(name + "_general"))
	VPXOR(Mem{Base: a}, reg.Y15, reg.Y1)
	VPSADBW(reg.Y14, reg.Y1, reg.Y1)
	VEXTRACTI128(U8(1), reg.Y1, reg.X2) // [r1a, r1b]
	VPUNPCKLQDQ(reg.X2, reg.X1, reg.X3) // [r0a, r1a]
	VPUNPCKHQDQ(reg.X2, reg.X1, reg.X4) // [r0b, r1b]
	VPADDQ(reg.X4, reg.X3, reg.X3)      // [r0, r1] as qwords
	VPSHUFD(U8(0x08), reg.X3, reg.X3)   // dwords [r0, r1, ...]
	VPSUBD(reg.X11, reg.X3, reg.X3)
	VPMULLD(reg.X10, reg.X3, reg.X3)
	VMOVQ(reg.X3, Mem{Base: out})
	ADDQ(U8(32), a)
	ADDQ(U8(8), out)
	SUBQ(U8(2), rows)
	JMP(LabelRef(name + "_k16"))

	// k = 8: 4 rows per 32 bytes, one lane each.
	Label(name + "_k8")
	CMPQ(rows, U8(4))
	JB(LabelRef(name + "_general"))
	VPXOR(Mem{Base: a}, reg.Y15, reg.Y1)
	VPSADBW(reg.Y14, reg.Y1, reg.Y1)
	VEXTRACTI128(U8(1), reg.Y1, reg.X2)
	VPSHUFD(U8(0x08), reg.X1, reg.X1)   // dwords [r0, r1, ...]
	VPSHUFD(U8(0x08), reg.X2, reg.X2)   // dwords [r2, r3, ...]
	VPUNPCKLQDQ(reg.X2, reg.X1, reg.X3) // [r0, r1, r2, r3]
	VPSUBD(reg.X11, reg.X3, reg.X3)
	VPMULLD(reg.X10, reg.X3, reg.X3)
	VMOVDQU(reg.X3, Mem{Base: out})
	ADDQ(U8(32), a)
	ADDQ(U8(16), out)
	SUBQ(U8(4), rows)
	JMP(LabelRef(name + "_k8"))

	Label(name + "_general")
	TESTQ(rows, rows)
	JZ(LabelRef(name + "_done"))
}
