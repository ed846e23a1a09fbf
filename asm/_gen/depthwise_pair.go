package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// dwPairPerm is dwAVX2Pair's VPERMD index: after VPACKSSDW (pixels 0, 1
// and 2, 3) and VPACKSSWB, dword j of a 128-bit lane holds 4 channels of
// pixel j (channels 0-3 in the low lane, 4-7 in the high one); this puts
// each pixel's 8 bytes together.
var dwPairPerm Mem

// dwAVX2Pair is the AVX2 depthwise kernel for a filter 3 or 5 taps across
// (kw), stride 1 or 2 across (s), dilation 1 across, any number of rows
// (kh), with the bounded epilogue (asm.dwBound, as dwBoundedLanes derives
// it: the sums start at bias + 2^30).
//
// The plain AVX2 kernel (dwAVX2) spends a VPMADDWD on 8 products, the high
// word of each lane being zero. This one puts two filter rows in each
// VPMADDWD: the bytes of rows ky and ky+1 at the same input column are
// interleaved (VPUNPCKLBW) and sign-extended to words (VPMOVSXBW), so one
// VPMADDWD with the weights (w[ky][kx][c], w[ky+1][kx][c]) (asm's Pair16
// layout) sums 16 products into 8 dwords (exact: each product is at most
// 128·2^15 in magnitude for wide int16 weights). A column is built once
// and meets every tap that reads it: for P output pixels the block reads
// (P−1)·s + kw columns, not P·kw. An odd last row takes the plain path
// (VPMOVSXBD, weights (w, 0)).
//
// The epilogue is dwBoundedLanes' in ymm registers (VPMULUDQ on the even
// and odd lanes, the high dwords blended back), then four pixels are
// narrowed together (VPACKSSDW, VPACKSSWB, VPERMD), clamped as bytes and
// stored 8 bytes a pixel.
//
// n >= 1; blocks of 8 pixels, then one of 4, then the rest: when n >= 4
// the last block of 4 is moved back to end at pixel n−1 (pixels it
// shares with the block before are written twice, with the same values),
// else single pixels.
func dwAVX2Pair() {
	name := "dwAVX2Pair"
	kernel(name, NOSPLIT, "dwArgs")
	kdoc(name + " computes n depthwise output pixels, channels [0, c) with c a multiple of 8, for mode = kw (stride 1) or 10+kw (stride 2), kw 3 or 5, dilation 1 across (AVX2, two filter rows a VPMADDWD, the bounded epilogue: bias = asm.dwBound's parameters, w = Pair16).")
	// Registers: RAX block input, RDX block output, RBX pixels left, RCX
	// channel offset cb, R8 C (bytes per pixel), R9 dilHStride, RSI the
	// block's epilogue parameters, RDI its weights; R10-R13 the blocks'.
	Load(arg("ostride"), reg.R8)
	Load(arg("dilHStride"), reg.R9)
	Load(arg("w"), reg.RDI)
	XORQ(reg.RCX, reg.RCX)
	Label(name + "_cb")
	Load(arg("in"), reg.RAX)
	ADDQ(reg.RCX, reg.RAX)
	Load(arg("out"), reg.RDX)
	ADDQ(reg.RCX, reg.RDX)
	Load(arg("n"), reg.RBX)
	// Parameters of channels [cb, cb+8): block cb/16 of dwBound
	// (640 bytes), its half (cb%16)/8 (32 bytes into every field).
	MOVQ(reg.RCX, reg.RSI)
	SHRQ(U8(4), reg.RSI)
	IMUL3Q(U32(640), reg.RSI, reg.RSI)
	ADDQ(addr("bias"), reg.RSI)
	MOVQ(reg.RCX, reg.R10)
	ANDQ(U8(8), reg.R10)
	LEAQ(Mem{Base: reg.RSI, Index: reg.R10, Scale: 4}, reg.RSI)

	modes := []int{3, 5, 13, 15}
	for _, m := range modes {
		CMPQ(addr("mode"), U8(m))
		JEQ(LabelRef(fmt.Sprintf("%s_m%d", name, m)))
	}
	Label(name + "_next")
	ADDQ(addr("wStride"), reg.RDI)
	ADDQ(U8(8), reg.RCX)
	CMPQ(reg.RCX, addr("c"))
	JL(LabelRef(name + "_cb"))
	VZEROUPPER()
	RET()

	for _, m := range modes {
		l := fmt.Sprintf("%s_m%d", name, m)
		kw, s := m%10, 1+m/10
		Label(l)
		for _, P := range []int{8, 4} {
			lp := fmt.Sprintf("%s_p%d", l, P)
			Label(lp)
			CMPQ(reg.RBX, U8(P))
			JL(LabelRef(lp + "_short"))
			dwPairBlock(lp, P, kw, s)
			Load(arg("pixStride"), reg.R10)
			IMUL3Q(U8(P), reg.R10, reg.R10)
			ADDQ(reg.R10, reg.RAX)
			IMUL3Q(U8(P), reg.R8, reg.R10)
			ADDQ(reg.R10, reg.RDX)
			SUBQ(U8(P), reg.RBX)
			JMP(LabelRef(lp))
			Label(lp + "_short")
		}
		// 1..3 pixels left: with n >= 4, one more block of 4 ending at
		// pixel n−1.
		TESTQ(reg.RBX, reg.RBX)
		JZ(LabelRef(name + "_next"))
		CMPQ(addr("n"), U8(4))
		JL(LabelRef(l + "_p1"))
		MOVQ(U32(4), reg.R10)
		SUBQ(reg.RBX, reg.R10)
		MOVQ(reg.R10, reg.R11)
		IMULQ(addr("pixStride"), reg.R11)
		SUBQ(reg.R11, reg.RAX)
		IMULQ(reg.R8, reg.R10)
		SUBQ(reg.R10, reg.RDX)
		MOVQ(U32(4), reg.RBX)
		JMP(LabelRef(l + "_p4"))
		Label(l + "_p1")
		dwPairBlock(l+"_p1", 1, kw, s)
		ADDQ(addr("pixStride"), reg.RAX)
		ADDQ(reg.R8, reg.RDX)
		DECQ(reg.RBX)
		JNZ(LabelRef(l + "_p1"))
		JMP(LabelRef(name + "_next"))
	}
}

// dwPairBlock computes P output pixels at RAX into RDX: the sums in
// Y0..Y(P−1), the row pairs' columns in Y8 (Y12, Y13 the two rows' bytes),
// the single row's in Y9, products in Y10/Y11.
func dwPairBlock(l string, P, kw, s int) {
	accs := ys[:P]
	VMOVDQU(Mem{Base: reg.RSI}, accs[0]) // bias + 2^30
	for i := 1; i < P; i++ {
		VMOVDQA(accs[0], accs[i])
	}
	row, col, wp, pairs := reg.R11, reg.R12, reg.R13, reg.R10
	MOVQ(reg.RAX, row)
	MOVQ(reg.RDI, wp)
	Load(arg("kh"), pairs)
	SHRQ(U8(1), pairs)
	JZ(LabelRef(l + "_single"))
	cols := (P-1)*s + kw
	// uses calls f(j, kx) for every output pixel j that reads column q
	// with tap kx.
	uses := func(q int, f func(j, kx int)) {
		for kx := 0; kx < kw; kx++ {
			if d := q - kx; d >= 0 && d%s == 0 && d/s < P {
				f(d/s, kx)
			}
		}
	}
	Label(l + "_pair")
	MOVQ(row, col)
	for q := 0; q < cols; q++ {
		x0, x1, x := reg.X12, reg.X13, reg.Y8
		VMOVQ(Mem{Base: col}, x0)
		VMOVQ(Mem{Base: col, Index: reg.R9, Scale: 1}, x1)
		VPUNPCKLBW(x1, x0, x0) // (row ky, row ky+1) byte pairs, 8 channels
		VPMOVSXBW(x0, x)
		n := 0
		uses(q, func(j, kx int) {
			t := ys[10+n%2]
			n++
			VPMADDWD(Mem{Base: wp, Disp: 32 * kx}, x, t)
			VPADDD(t, accs[j], accs[j])
		})
		if q+1 < cols {
			ADDQ(reg.R8, col)
		}
	}
	LEAQ(Mem{Base: row, Index: reg.R9, Scale: 2}, row)
	ADDQ(U8(32*kw), wp)
	DECQ(pairs)
	JNZ(LabelRef(l + "_pair"))

	Label(l + "_single")
	TESTQ(U32(1), addr("kh"))
	JZ(LabelRef(l + "_epi"))
	MOVQ(row, col)
	for q := 0; q < cols; q++ {
		x := reg.Y9
		VPMOVSXBD(Mem{Base: col}, x)
		n := 0
		uses(q, func(j, kx int) {
			t := ys[10+n%2]
			n++
			VPMADDWD(Mem{Base: wp, Disp: 32 * kx}, x, t)
			VPADDD(t, accs[j], accs[j])
		})
		if q+1 < cols {
			ADDQ(reg.R8, col)
		}
	}

	Label(l + "_epi")
	// Constants: Y8 the odd lanes' doubled multipliers, Y9 2^30, Y13 the
	// narrowing permutation, Y14 / Y15 lo / hi as bytes. dwBound's
	// fields: bias+D +0, 2m +64, e +128, sub +192, K even +256, odd +320.
	VMOVDQU(Mem{Base: reg.RSI, Disp: 64}, reg.Y8)
	VPSRLQ(U8(32), reg.Y8, reg.Y8)
	VPBROADCASTD(cDwD(), reg.Y9)
	VMOVDQU(dwPairPerm, reg.Y13)
	MOVL(addr("lo"), reg.R10.As32())
	VMOVD(reg.R10.As32(), reg.X14)
	VPBROADCASTB(reg.X14, reg.Y14)
	MOVL(addr("hi"), reg.R10.As32())
	VMOVD(reg.R10.As32(), reg.X15)
	VPBROADCASTB(reg.X15, reg.Y15)
	e, o, k := reg.Y10, reg.Y11, reg.Y12
	// Twice: the second copy, for p.relu (asm.clampsNegatives), without
	// the sign correction (dwBoundedLanes' relu argument).
	CMPQ(addr("relu"), U8(0))
	JNE(LabelRef(l + "_relu"))
	for _, relu := range []bool{false, true} {
		if relu {
			JMP(LabelRef(l + "_narrow"))
			Label(l + "_relu")
		}
		for _, u := range accs {
			VPMULUDQ(Mem{Base: reg.RSI, Disp: 64}, u, e) // even lanes: u·2m
			VPSRLQ(U8(32), u, o)
			VPMULUDQ(reg.Y8, o, o)                      // odd lanes
			VPADDQ(Mem{Base: reg.RSI, Disp: 256}, e, e) // + K: hi = y + h + outOff·2^e
			VPADDQ(Mem{Base: reg.RSI, Disp: 320}, o, o)
			if !relu {
				VPCMPGTD(u, reg.Y9, k) // u < 2^30: x < 0
				VPAND(Mem{Base: reg.RSI, Disp: 192}, k, k)
			}
			VMOVSHDUP(e, e)
			VPBLENDD(U8(0xaa), o, e, u) // the high dwords, in lane order
			if !relu {
				VPSUBD(k, u, u)
			}
			VPSRAVD(Mem{Base: reg.RSI, Disp: 128}, u, u)
		}
	}
	Label(l + "_narrow")
	// Narrow and store four pixels at a time (one pixel: itself four
	// times, one store). R10 3·C, R11 the group's first output pixel.
	LEAQ(Mem{Base: reg.R8, Index: reg.R8, Scale: 2}, reg.R10)
	MOVQ(reg.RDX, reg.R11)
	for g := 0; g < P; g += 4 {
		a := [4]reg.VecPhysical{accs[0], accs[0], accs[0], accs[0]}
		if P > 1 {
			a = [4]reg.VecPhysical{accs[g], accs[g+1], accs[g+2], accs[g+3]}
		}
		VPACKSSDW(a[1], a[0], a[0])
		if P > 1 {
			VPACKSSDW(a[3], a[2], a[2])
		}
		VPACKSSWB(a[2], a[0], a[0])
		VPERMD(a[0], reg.Y13, a[0])
		VPMAXSB(reg.Y14, a[0], a[0])
		VPMINSB(reg.Y15, a[0], a[0])
		VMOVQ(a[0].AsX(), Mem{Base: reg.R11})
		if P == 1 {
			break
		}
		VPEXTRQ(U8(1), a[0].AsX(), Mem{Base: reg.R11, Index: reg.R8, Scale: 1})
		VEXTRACTI128(U8(1), a[0], reg.X10)
		VMOVQ(reg.X10, Mem{Base: reg.R11, Index: reg.R8, Scale: 2})
		VPEXTRQ(U8(1), reg.X10, Mem{Base: reg.R11, Index: reg.R10, Scale: 1})
		if g+4 < P {
			LEAQ(Mem{Base: reg.R11, Index: reg.R8, Scale: 4}, reg.R11)
		}
	}
}
