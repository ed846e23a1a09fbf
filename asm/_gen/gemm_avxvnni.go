package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/ir"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// GEMM, AVX-VNNI (the VEX-encoded VPDPBUSD on ymm registers of Intel's
// client and edge CPUs without AVX-512). Packed layout: panels of 16
// columns, for each group of 4 k values (K rounded up to 4, zero padded)
// 16 columns × 4 bytes w[c][4g..4g+3] (the AVX-512 VNNI layout with
// 16-column panels): two ymm vectors of 8 columns. Activations are
// broadcast 4 bytes at a time and offset to uint8 (XOR 0x80 = +128) as in
// gemmVNNI; the sums start at −128·RowSums[c] (plus the row term), so
// that after the K loop they hold Σ a·w (wrapping int32 arithmetic: the
// correction is exact modulo 2^32). Rows go 6 at a time (12 accumulators,
// two weight vectors, the broadcast and the 0x80 bytes: all 16 ymm
// registers), then 5..1; one row sums into four sets (avxvnniKLoop).
//
// Everything here is VEX (AVX, AVX2) or the VEX VPDPBUSD, which Go's
// assembler only knows in its EVEX form: vexDot writes it as bytes with
// the mnemonic in a comment (asm/encoding_amd64_test.go decodes them).
// The kernels reuse the AVX2 epilogues: gemmAVXVNNI* the general one
// (avx2Tile), gemmAVXVNNIB the bounded one (avx2BPanelBody).

// vexDot emits the VEX.256 form of VPDPBUSD (op 0x50) or VPDPWSSD (0x52)
// on ymm registers as bytes: acc += dot(u, s) per dword (VPDPBUSD: u as
// uint8, s as int8, in groups of 4). Go operand order: s, u, acc. The
// encoding: C4, RXB (inverted: acc's bit 3, no index, s's bit 3) and map
// 0F38, W0 vvvv (u, inverted) L1 pp=66, the opcode, ModRM 11 acc s.
func vexDot(op byte, s, u, acc reg.VecPhysical) {
	name := map[byte]string{0x50: "VPDPBUSD", 0x52: "VPDPWSSD"}[op]
	if s.Size() != 32 || u.Size() != 32 || acc.Size() != 32 {
		panic("vexDot: ymm registers only")
	}
	ns, nu, nacc := byte(s.PhysicalIndex()), byte(u.PhysicalIndex()), byte(acc.PhysicalIndex())
	if ns > 15 || nu > 15 || nacc > 15 {
		panic("vexDot: Y0-Y15 only")
	}
	b1 := byte(0x02) | 0x40 // map 0F38, X̄ = 1
	if nacc < 8 {
		b1 |= 0x80
	}
	if ns < 8 {
		b1 |= 0x20
	}
	b2 := (^nu&15)<<3 | 0x04 | 0x01
	modrm := 0xc0 | (nacc&7)<<3 | ns&7
	text := fmt.Sprintf("BYTE $0xc4; BYTE $0x%02x; BYTE $0x%02x; BYTE $0x%02x; BYTE $0x%02x // %s %s, %s, %s",
		b1, b2, op, modrm, name, s.Asm(), u.Asm(), acc.Asm())
	Instruction(&ir.Instruction{Opcode: text, Inputs: []Op{s, u, acc}, Outputs: []Op{acc}})
}

func vexVPDPBUSD(s, u, acc reg.VecPhysical) { vexDot(0x50, s, u, acc) }

// gemmAVXVNNI emits gemmAVXVNNI (Fast: gemmAVXVNNIFast), m rows of one
// 16-column panel with the general epilogue (avx2Tile's).
func gemmAVXVNNI() {
	name := "gemmAVXVNNI" + suffix()
	kernel(name, NOSPLIT, "gemmArgs")
	doc(name, "computes m rows of a 16-column panel (AVX-VNNI; the panel's row sums at p.rowsum).")
	frame := AllocLocal(avx2MR*64 + 16)
	a, lda, m, out, ldo := gemmRowArgs()
	rowBlocks(name, avx2MR, a, lda, m, out, ldo, func(mr int) {
		avx2Tile(name, mr, frame, kVNNI)
	})
}

// avxvnniStart starts the sums of mr rows at rt[r] − 128·RowSums[c] (the
// panel's row sums at p.rowsum; rt as rowTermInit). Clobbers Y12, Y13,
// R9, R10, R11.
func avxvnniStart(mr int) {
	accR := func(r, j int) reg.VecPhysical { return ys[r*2+j] }
	c0, c1 := ys[12], ys[13]
	Load(arg("rowsum"), reg.R9)
	VMOVDQU(Mem{Base: reg.R9}, c0)
	VMOVDQU(Mem{Base: reg.R9, Disp: 32}, c1)
	VPSLLD(U8(7), c0, c0)
	VPSLLD(U8(7), c1, c1)
	rowTermInit(mr, func(r int) {
		VPSUBD(c1, accR(r, 0), accR(r, 1))
		VPSUBD(c0, accR(r, 0), accR(r, 0))
	}, func(r int) reg.VecPhysical { return accR(r, 0) })
}

// avxvnniSets is how many sets of accumulators one row (GEMV) sums into,
// so that consecutive VPDPBUSDs do not wait on each other.
const avxvnniSets = 4

// avxvnniKLoop is the K loop of an mr-row tile whose sums are started in
// ys[2r], ys[2r+1]: rows at p0 (row 0) and p1 (row 3) at stride lda
// (R8), advanced past K; the weights at RSI, advanced past the panel's
// K/4 rounded up groups; RCX counts. 4 k values a step (one row: 16 a
// step over avxvnniSets sets of sums, added up at the end), then the 1..3
// left, read exactly (VPINSRB: the padded weights are 0). Y12-Y15 are
// scratch (Y15 the 0x80 bytes).
func avxvnniKLoop(lbl func(string) string, mr int, p0, p1 reg.Register) {
	lda, wp, cnt := reg.R8, reg.RSI, reg.RCX
	accR := func(r, j int) reg.VecPhysical { return ys[r*2+j] }
	w0, w1, t, x80 := ys[12], ys[13], ys[14], ys[15]
	VPBROADCASTD(cX80(), x80)
	Load(arg("k"), cnt)
	if mr == 1 {
		for i := 2; i < 2*avxvnniSets; i++ {
			VPXOR(ys[i], ys[i], ys[i])
		}
		SHRQ(U8(4), cnt)
		JZ(LabelRef(lbl("k1")))
		Label(lbl("k4"))
		for set := 0; set < avxvnniSets; set++ {
			wa, wb := ys[8+2*(set%2)], ys[9+2*(set%2)]
			VMOVDQU(Mem{Base: wp, Disp: 64 * set}, wa)
			VMOVDQU(Mem{Base: wp, Disp: 64*set + 32}, wb)
			VPBROADCASTD(Mem{Base: p0, Disp: 4 * set}, t)
			VPXOR(x80, t, t)
			vexVPDPBUSD(wa, t, ys[2*set])
			vexVPDPBUSD(wb, t, ys[2*set+1])
		}
		ADDQ(U8(16), p0)
		ADDQ(U32(256), wp)
		DECQ(cnt)
		JNZ(LabelRef(lbl("k4")))
		Label(lbl("k1"))
		Load(arg("k"), cnt)
		SHRQ(U8(2), cnt)
		ANDQ(U8(3), cnt)
	} else {
		SHRQ(U8(2), cnt)
	}
	JZ(LabelRef(lbl("ktail")))
	Label(lbl("k"))
	VMOVDQU(Mem{Base: wp}, w0)
	VMOVDQU(Mem{Base: wp, Disp: 32}, w1)
	for r := 0; r < mr; r++ {
		VPBROADCASTD(rowAddr(r, p0, p1, lda, 0), t)
		VPXOR(x80, t, t)
		vexVPDPBUSD(w0, t, accR(r, 0))
		vexVPDPBUSD(w1, t, accR(r, 1))
	}
	ADDQ(U8(4), p0)
	if mr > 3 {
		ADDQ(U8(4), p1)
	}
	ADDQ(U8(64), wp)
	DECQ(cnt)
	JNZ(LabelRef(lbl("k")))

	// K tail: 1..3 bytes per row, read exactly.
	Label(lbl("ktail"))
	Load(arg("k"), cnt)
	ANDQ(U8(3), cnt)
	JZ(LabelRef(lbl("kdone")))
	VMOVDQU(Mem{Base: wp}, w0)
	VMOVDQU(Mem{Base: wp, Disp: 32}, w1)
	for r := 0; r < mr; r++ {
		done := lbl(fmt.Sprintf("t%d", r))
		VPXOR(t.AsX(), t.AsX(), t.AsX())
		VPINSRB(U8(0), rowAddr(r, p0, p1, lda, 0), t.AsX(), t.AsX())
		CMPQ(cnt, U8(2))
		JL(LabelRef(done))
		VPINSRB(U8(1), rowAddr(r, p0, p1, lda, 1), t.AsX(), t.AsX())
		JEQ(LabelRef(done))
		VPINSRB(U8(2), rowAddr(r, p0, p1, lda, 2), t.AsX(), t.AsX())
		Label(done)
		VPBROADCASTD(t.AsX(), t)
		VPXOR(x80, t, t)
		vexVPDPBUSD(w0, t, accR(r, 0))
		vexVPDPBUSD(w1, t, accR(r, 1))
	}
	ADDQ(U8(64), wp)
	Label(lbl("kdone"))
	if mr == 1 {
		for set := 1; set < avxvnniSets; set++ {
			VPADDD(ys[2*set], ys[0], ys[0])
			VPADDD(ys[2*set+1], ys[1], ys[1])
		}
	}
}

// gemmAVXVNNIB emits gemmAVXVNNIB: gemmAVX2B's structure and bounded
// epilogue (its proof holds as is: the sums, started at rt + bias −
// 128·RowSums, hold x = acc + bias exactly after the K loop, |x| < 2^30,
// and are doubled to gemmAVX2B's 2x), with the AVX-VNNI K loop on the
// rows in place (no widening, so no K limit and no frame).
func gemmAVXVNNIB() {
	name := "gemmAVXVNNIB"
	kernel(name, NOSPLIT, "gemmArgs")
	kdoc(name + " computes m rows of panels full 16-column panels and, if tail > 0 (a multiple of 4), one panel of tail columns (AVX-VNNI) with the bounded epilogue of q (see avx2PrepareBounded; the panels' first constants are bias − 128·RowSums).")
	a, lda, m, out, ldo := gemmRowArgs()
	rowBlocks(name, avx2MR, a, lda, m, out, ldo, func(mr int) {
		avx2BPanels(fmt.Sprintf("%s_m%d", name, mr), Mem{}, mr, true)
	})
}

// gemm32AVXVNNI emits gemm32AVXVNNI: the int32 sums of m rows of one
// 16-column AVX-VNNI panel, stored with VPMASKMOVD as gemm32AVX2 does.
func gemm32AVXVNNI() {
	name := "gemm32AVXVNNI"
	kernel(name, NOSPLIT, "gemm32Args")
	kdoc(name + " computes the int32 sums of m rows of a 16-column panel (AVX-VNNI; its row sums at p.rowsum): out = Σ a·w, rows at p.ldo bytes, columns where the dwords at p.mask are -1.")
	a, lda, m, out, ldo := gemmRowArgs()
	rowBlocks(name, avx2MR, a, lda, m, out, ldo, func(mr int) {
		lbl := func(s string) string { return fmt.Sprintf("%s_m%d_%s", name, mr, s) }
		p0, p1 := reg.R12, reg.R13
		rowPointers(mr, a, lda, p0, p1)
		Load(arg("w"), reg.RSI)
		avxvnniStart(mr)
		avxvnniKLoop(lbl, mr, p0, p1)
		storeSums32AVX2(mr)
	})
}
