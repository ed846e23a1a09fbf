package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

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
	kernel(name, flags, "gemmArgs")
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
	a, lda, m, out, ldo := gemmRowArgs()
	rowBlocks(name, avx2MR, a, lda, m, out, ldo, func(mr int) {
		mode := kDirect
		if widen {
			mode = kWiden
		}
		avx2Tile(name, mr, frame, mode)
	})
}

var ys = []reg.VecPhysical{reg.Y0, reg.Y1, reg.Y2, reg.Y3, reg.Y4, reg.Y5, reg.Y6, reg.Y7, reg.Y8, reg.Y9,
	reg.Y10, reg.Y11, reg.Y12, reg.Y13, reg.Y14, reg.Y15}

// The K loops avx2Tile can run before its epilogue.
const (
	kDirect = iota // avx2KDirect
	kWiden         // avx2KWiden
	kVNNI          // avxvnniStart and avxvnniKLoop (gemmAVXVNNI)
)

func avx2Tile(name string, mr int, frame Mem, mode int) {
	lbl := func(s string) string { return fmt.Sprintf("%s_m%d_%s", name, mr, s) }
	a, lda := reg.RAX, reg.R8
	p0, p1 := reg.R12, reg.R13
	accR := func(r, j int) reg.VecPhysical { return ys[r*2+j] }

	rowPointers(mr, a, lda, p0, p1)
	switch mode {
	case kWiden:
		avx2KWiden(lbl, mr, frame)
		Label(lbl("epi"))
	case kDirect:
		avx2KDirect(lbl, mr)
		Label(lbl("epi"))
	case kVNNI:
		Load(arg("w"), reg.RSI)
		avxvnniStart(mr)
		avxvnniKLoop(lbl, mr, p0, p1)
	}
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
	Load(arg("bias"), bias)
	Load(arg("mult"), mult)
	Load(arg("shift"), shift)
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
	Load(arg("ncols"), reg.R13)
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

// avx2KDirect is the K loop broadcasting each row's byte pair and
// sign-extending it in place (VPBROADCASTW + VPMOVSXBW); an odd last k
// meets zero weights.
func avx2KDirect(lbl func(string) string, mr int) {
	a, lda := reg.RAX, reg.R8
	p0, p1, wp, cnt := reg.R12, reg.R13, reg.RSI, reg.RCX
	accR := func(r, j int) reg.VecPhysical { return ys[r*2+j] }
	w0, w1, t, u := ys[12], ys[13], ys[14], ys[15]
	_ = a
	Load(arg("w"), wp)
	Load(arg("k"), cnt)
	rowTermInit(mr, func(r int) { VMOVDQA(accR(r, 0), accR(r, 1)) }, func(r int) reg.VecPhysical { return accR(r, 0) })
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
	Load(arg("k"), cnt)
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
	Load(arg("w"), wp)
	rowTermInit(mr, func(r int) { VMOVDQA(accR(r, 0), accR(r, 1)) }, func(r int) reg.VecPhysical { return accR(r, 0) })
	// K goes in chunks of avx2KC: each row's chunk is first sign-extended
	// to int16 in the frame (xbuf, a zero word after it for an odd K), so
	// that the inner loop broadcasts ready pairs of words with a plain
	// load (no shuffle per pair and row).
	kleft := frame.Offset(avx2KLeft)
	kc, idx, src := reg.R10, reg.R11, reg.R9
	Load(arg("k"), cnt)
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
