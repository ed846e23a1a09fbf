package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Strided row copy (im2col's inner loop): rows rows of rowLen bytes, each
// with two possibly overlapping moves of the widest size that fits (a
// 32-byte loop plus a last 32 bytes ending at rowLen above 32), so every
// row length is a handful of instructions and no byte outside a row is
// read or written.

func copyRowsAVX2() {
	name := "copyRowsAVX2Kernel"
	kernel(name, NOSPLIT, "copyArgs")
	kdoc(name + " copies rows rows of rowLen >= 1 bytes from src to dst, advancing each by its stride.")
	dst, ds, src, ss, n, rows := reg.RDI, reg.R8, reg.RSI, reg.R9, reg.RCX, reg.RBX
	i, last := reg.R10, reg.R11
	Load(arg("dst"), dst)
	Load(arg("dstStride"), ds)
	Load(arg("src"), src)
	Load(arg("srcStride"), ss)
	Load(arg("rowLen"), n)
	Load(arg("rows"), rows)
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
