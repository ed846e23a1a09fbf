package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// GEMM, AVX2, bounded epilogue (gemmAVX2B). For epilogues whose
// parameters a load-time check (asm.avx2PrepareBounded) proved to satisfy,
// for every channel c of every full panel:
//
//	|acc + bias| <= 128·Σ_k|w[c][k]| + |bias| < 2^30   (any int8 input)
//
// (acc including a row term, GemmRowTerm: the check adds its bound),
//	1 <= e <= 31 where e = -shift (right shift only), mult >= 0
//
// the requantization needs no wrapping, saturation or left shift and
// becomes, with x = acc + bias (exact, |x| < 2^30):
//
//  1. The rows are widened to 2·a (int16, |2a| <= 256, so VPMADDWD's pair
//     sums stay below 2^17) and the accumulators start at 2·bias: they
//     hold 2x exactly (|2x| < 2^31), no doubling step (plus 2·rowTerm).
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
	kernel(name, 0, "gemmArgs")
	kdoc(name + " computes m rows of panels full 16-column panels and, if tail > 0 (a multiple of 4), one panel of tail columns (AVX2) with the bounded epilogue of q (see avx2PrepareBounded); k <= 2048.")
	frame := AllocLocal(avx2MR * avx2BStride)
	a, lda, m, out, ldo := gemmRowArgs()
	rowBlocks(name, avx2MR, a, lda, m, out, ldo, func(mr int) {
		avx2BBlock(fmt.Sprintf("%s_m%d", name, mr), frame, mr)
	})
}

// avx2BBlock is one block of mr rows of gemmAVX2B: widen them, then run
// every panel over them.
func avx2BBlock(name string, frame Mem, mr int) {
	a, lda := reg.RAX, reg.R8
	cnt, idx, tmp := reg.RCX, reg.R11, reg.R13
	t := ys[14]
	xrow := func(r int) Mem { return frame.Offset(r * avx2BStride) }
	// Widen the rows to 2·a as int16, a zero word after the last (an
	// odd k's pair meets zero weights, but keep the frame defined).
	MOVQ(a, tmp)
	for r := 0; r < mr; r++ {
		xr := xrow(r)
		xr.Index, xr.Scale = idx, 2
		Load(arg("k"), cnt)
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
		Load(arg("k"), idx)
		SUBQ(U8(16), idx)
		VPMOVSXBW(Mem{Base: tmp, Index: idx, Scale: 1}, t)
		VPADDW(t, t, t)
		VMOVDQU(t, xr)
		Load(arg("k"), idx)
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
	avx2BPanels(name, frame, mr, false)
}

// avx2BPanels runs every panel of gemmAVX2B (vnni: gemmAVXVNNIB) over a
// block of mr rows.
func avx2BPanels(name string, frame Mem, mr int, vnni bool) {
	out := reg.RDX
	wp, qp, pc, op := reg.RSI, reg.R9, reg.R10, reg.R12
	Load(arg("w"), wp)
	Load(arg("q"), qp)
	ADDQ(U8(avx2BHdr), qp)
	Load(arg("panels"), pc)
	MOVQ(out, op)
	TESTQ(pc, pc)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_panel")
	avx2BPanelBody(name+"_f", frame, false, mr, vnni)
	ADDQ(U32(avx2BPanel), qp)
	ADDQ(U8(16), op)
	DECQ(pc)
	JNZ(LabelRef(name + "_panel"))
	Label(name + "_tail")
	CMPQ(addr("tail"), U8(0))
	JEQ(LabelRef(name + "_next"))
	avx2BPanelBody(name+"_t", frame, true, mr, vnni)
	Label(name + "_next")
}

// avx2BPanelBody is one panel of gemmAVX2B over the 6 widened rows: the K
// loop, the epilogue and the stores (masked: the first tail columns only,
// VPMASKMOVD with the header's dword mask).
//
// vnni (gemmAVXVNNIB): the sums start at rt + (bias − 128·RowSums), the
// panel's first constants there (avxvnniPrepareBounded), run the AVX-VNNI
// K loop (avxvnniKLoop, rows from RAX in place; R13 and R11 walk them),
// and are doubled after it to the 2x the epilogue expects (exact: |x| <
// 2^30).
func avx2BPanelBody(name string, frame Mem, masked bool, mr int, vnni bool) {
	a, lda := reg.RAX, reg.R8
	cnt, idx, qp, tmp := reg.RCX, reg.R11, reg.R9, reg.R13
	accR := func(r, j int) reg.VecPhysical { return ys[r*2+j] }
	t := ys[14]
	// Accumulators start at 2·bias + 2·rt[r] (the row term doubled like
	// the rows; the proof's bound includes it).
	rtp, rts := cnt, idx
	Load(arg("rt"), rtp)
	Load(arg("rts"), rts)
	for r := 0; r < mr; r++ {
		VPBROADCASTD(Mem{Base: rtp}, t)
		if r < mr-1 {
			ADDQ(rts, rtp)
		}
		if !vnni {
			VPADDD(t, t, t)
		}
		VPADDD(Mem{Base: qp, Disp: bOffBias2}, t, accR(r, 0))
		VPADDD(Mem{Base: qp, Disp: bOffBias2 + 32}, t, accR(r, 1))
	}
	if vnni {
		p0, p1 := tmp, idx
		rowPointers(mr, a, lda, p0, p1)
		avxvnniKLoop(func(s string) string { return name + "_" + s }, mr, p0, p1)
		for r := 0; r < mr; r++ {
			VPADDD(accR(r, 0), accR(r, 0), accR(r, 0))
			VPADDD(accR(r, 1), accR(r, 1), accR(r, 1))
		}
	} else {
		avx2BKLoop(name, frame, mr)
	}
	avx2BEpilogue(name, masked, mr)
}

// avx2BKLoop is gemmAVX2B's K loop over the widened rows in the frame.
func avx2BKLoop(name string, frame Mem, mr int) {
	wp, cnt, idx := reg.RSI, reg.RCX, reg.R11
	accR := func(r, j int) reg.VecPhysical { return ys[r*2+j] }
	w0, w1, t, u := ys[12], ys[13], ys[14], ys[15]
	xrow := func(r int) Mem { return frame.Offset(r * avx2BStride) }
	Load(arg("k"), cnt)
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
}

// avx2BHdrRelu is the byte offset of the header's relu flag (asm's
// avx2BHdrRelu int32 index, times 4).
const avx2BHdrRelu = 36 * 4

// avx2BEpilogue is gemmAVX2B's epilogue and stores of mr rows of one panel:
// twice, the second copy (taken when the header's relu flag is set:
// asm.clampsNegatives) without the [x<0] correction, which only lowers
// results of negative sums: they are at most the offset either way (h >> e
// with h <= 2^(e−1) for s <= 0) and the clamp makes them lo.
func avx2BEpilogue(name string, masked bool, mr int) {
	cnt := reg.RCX
	Load(arg("q"), cnt)
	CMPL(Mem{Base: cnt, Disp: avx2BHdrRelu}, U8(0))
	JNE(LabelRef(name + "_relu"))
	avx2BEpilogueRows(masked, mr, false)
	JMP(LabelRef(name + "_stored"))
	Label(name + "_relu")
	avx2BEpilogueRows(masked, mr, true)
	Label(name + "_stored")
}

// avx2BEpilogueRows requantizes and stores the rows (avx2BEpilogue).
func avx2BEpilogueRows(masked bool, mr int, relu bool) {
	ldo := reg.RDI
	cnt, qp, op, tmp := reg.RCX, reg.R9, reg.R12, reg.R13
	accR := func(r, j int) reg.VecPhysical { return ys[r*2+j] }
	w0, w1, t, u := ys[12], ys[13], ys[14], ys[15]

	// Epilogue and stores, two rows (four vectors) at a time.
	// The header through cnt (free after the K loop; avx2BEpilogue loaded it).
	hdr := func(off int) Mem { return Mem{Base: cnt, Disp: off} }
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
			}
			if !relu {
				steps = append(steps, func(l lane) { VPSRAD(U8(31), l.x, l.x) }) // −[x<0]
			}
			steps = append(steps,
				func(l lane) { VMOVSHDUP(l.e, l.e) }, // even results: the high dwords
				func(l lane) { VPBLENDD(U8(0xaa), l.o, l.e, l.e) },
			)
			if relu {
				steps = append(steps, func(l lane) { VPSRAVD(Mem{Base: qp, Disp: bOffShr + 32*l.j}, l.e, l.x) })
			} else {
				steps = append(steps,
					func(l lane) { VPADDD(l.e, l.x, l.x) },
					func(l lane) { VPSRAVD(Mem{Base: qp, Disp: bOffShr + 32*l.j}, l.x, l.x) },
				)
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
