package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// GEMM, AVX-512 VNNI. One call computes every row of one panel of nz·16
// columns (nz = 1..3). Packed panel layout: for each group of 4 k values
// (K rounded up to 4, zero padded), nz vectors of 16 columns × 4 bytes
// w[c][4g..4g+3]. Activations are broadcast 4 bytes at a time, offset to
// uint8 (XOR 0x80 = +128), and VPDPBUSD accumulates (a+128)·w; the
// epilogue subtracts 128·RowSums[c]. Rows go 6 at a time (18 accumulators
// at most; 8 for one-vector panels, vnniMR1), then fewer (rowBlocks).

const vnniMR = 6

// vnniMR1 is the row block of the one-vector panels (16 columns): with
// one accumulator a row, six rows are six VPDPBUSD chains, too few to
// hide the instruction's latency at two a cycle; eight rows take a
// third row pointer (rowBase2, rows 6 and 7). KernelGemm m1024-n16-k144
// (ResNet-8's 16-filter 3x3 convs) 63 → 72 % of the peak, m12544-n16-k32
// 43-45 → 48-50 %; two-vector panels at 8 rows (16 chains instead of 12)
// gained nothing measurable and keep 6.
const vnniMR1 = 8

// rowBase2 points at row 6 of a block of more than six rows in the
// VNNI K loop (set there: rowTermInit clobbers it before).
var rowBase2 = reg.R10

func gemmVNNI(nz int) {
	name := fmt.Sprintf("gemmVNNI%d", nz) + suffix()
	if bounded {
		kernel(name, NOSPLIT, "gemmArgs")
		kdoc(name + fmt.Sprintf(" computes m rows of a %d-column panel (AVX-512 VNNI) with the bounded epilogue of q, the panel's constants as asm.vnniPrepareBounded lays them out (see vnniBoundedEpi).", nz*16))
	} else {
		kernel(name, NOSPLIT, "gemmArgs")
		doc(name, fmt.Sprintf("computes m rows of a %d-column panel (AVX-512 VNNI).", nz*16))
	}

	a, lda, m, out, ldo := gemmRowArgs()
	kmask, kodd, k2 := reg.K1, reg.K2, reg.K3
	Load(arg("mask"), reg.R12)
	KMOVW(reg.R12.As32(), kmask)
	MOVL(U32(0xaaaa), reg.R12.As32())
	KMOVW(reg.R12.As32(), kodd)
	x80 := reg.Z31
	VPBROADCASTD(cX80(), x80)

	mr := vnniMR
	if nz == 1 {
		mr = vnniMR1
	}
	rowBlocks(name, mr, a, lda, m, out, ldo, func(mr int) {
		vnniTile(name, nz, mr, kmask, kodd, k2, x80)
	})
}

// gemmRowArgs loads a GEMM kernel's row arguments a, lda, m, out and
// ldo into the registers rowBlocks takes them in: RAX, R8, RBX, RDX, RDI.
func gemmRowArgs() (a, lda, m, out, ldo reg.Register) {
	a, lda, m, out, ldo = reg.RAX, reg.R8, reg.RBX, reg.RDX, reg.RDI
	Load(arg("a"), a)
	Load(arg("lda"), lda)
	Load(arg("m"), m)
	Load(arg("out"), out)
	Load(arg("ldo"), ldo)
	return
}

// rowPointers points p0 at row 0 of a block (a) and, for more than three
// rows, p1 at row 3 (rowAddr addresses rows from the two).
func rowPointers(mr int, a, lda, p0, p1 reg.Register) {
	MOVQ(a, p0)
	if mr > 3 {
		LEAQ(Mem{Base: a, Index: lda, Scale: 2}, p1)
		ADDQ(lda, p1)
	}
}

// rowBlocks emits a GEMM kernel's row loop: blocks of at most mr rows,
// each block size its own copy of tile (labelled name_m<rows>), followed
// by advancing a, out and the row terms by its rows. The block sizes
// balance the last rows: while more than 3·mr rows are left a block takes
// mr, then the rest goes in three (more than 2·mr left) or two (more than
// mr) blocks as equal as they can be, larger first. A few-row block has
// few accumulators, too few independent VPDPBUSD/VPMADDWD chains to hide
// their latency: 32 rows run as 6,6,6,5,5,4 rather than 6,6,6,6,6,2.
// Clobbers RCX and R9 between blocks (tile reloads them).
func rowBlocks(name string, mr int, a, lda, m, out, ldo reg.Register, tile func(rows int)) {
	s := reg.RCX
	Label(name + "_rows")
	MOVQ(m, s)
	CMPQ(m, U32(3*mr))
	JG(LabelRef(fmt.Sprintf("%s_m%d", name, mr)))
	CMPQ(m, U8(2*mr))
	JLE(LabelRef(name + "_half"))
	// ceil(m/3) = (m+2)·43691 >> 17, exact for m+2 < 2^16.
	ADDQ(U8(2), s)
	IMUL3Q(U32(43691), s, s)
	SHRQ(U8(17), s)
	JMP(LabelRef(name + "_pick"))
	Label(name + "_half")
	CMPQ(m, U8(mr))
	JLE(LabelRef(name + "_pick"))
	INCQ(s) // ceil(m/2)
	SHRQ(U8(1), s)
	Label(name + "_pick")
	for r := mr; r >= 1; r-- {
		CMPQ(s, U8(r))
		JEQ(LabelRef(fmt.Sprintf("%s_m%d", name, r)))
	}
	VZEROUPPER()
	RET()
	for r := mr; r >= 1; r-- {
		Label(fmt.Sprintf("%s_m%d", name, r))
		tile(r)
		for i := 0; i < r; i++ {
			ADDQ(lda, a)
			ADDQ(ldo, out)
		}
		SUBQ(U8(r), m)
		end := fmt.Sprintf("%s_m%d_end", name, r)
		JZ(LabelRef(end))
		// The row terms of the next block: rt += r·rts, only when rows
		// remain. After the last block rt would point past the row terms
		// (another object, or a free one, to a garbage collector that
		// scans the caller's copy of the arguments).
		Load(arg("rts"), reg.R9)
		if r > 1 {
			IMUL3Q(U8(r), reg.R9, reg.R9)
		}
		ADDQ(reg.R9, addr("rt"))
		JMP(LabelRef(name + "_rows"))
		Label(end)
		VZEROUPPER()
		RET()
	}
}

// rowTermInit starts the sums of rows 0..mr-1: it broadcasts row r's
// term (*rt, then every rts bytes; rts = 0 repeats the zero Gemm passes)
// into acc(r), then calls rest(r) to start the row's other sums from it.
// Clobbers R10, R11.
func rowTermInit(mr int, rest func(r int), acc func(r int) reg.VecPhysical) {
	rtp, rts := reg.R10, reg.R11
	Load(arg("rt"), rtp)
	Load(arg("rts"), rts)
	for r := 0; r < mr; r++ {
		VPBROADCASTD(Mem{Base: rtp}, acc(r))
		if r < mr-1 {
			ADDQ(rts, rtp)
		}
		rest(r)
	}
}

// rowAddr returns the address of row r (0..7) given base0 = row 0,
// base1 = row 3, rowBase2 = row 6 (rows 6 and 7 only) and ld the stride.
func rowAddr(r int, base0, base1, ld reg.Register, disp int) Mem {
	switch r {
	case 0:
		return Mem{Base: base0, Disp: disp}
	case 1:
		return Mem{Base: base0, Index: ld, Scale: 1, Disp: disp}
	case 2:
		return Mem{Base: base0, Index: ld, Scale: 2, Disp: disp}
	case 3:
		return Mem{Base: base1, Disp: disp}
	case 4:
		return Mem{Base: base1, Index: ld, Scale: 1, Disp: disp}
	case 5:
		return Mem{Base: base1, Index: ld, Scale: 2, Disp: disp}
	case 6:
		return Mem{Base: rowBase2, Disp: disp}
	case 7:
		return Mem{Base: rowBase2, Index: ld, Scale: 1, Disp: disp}
	}
	panic("row")
}

func vnniTile(name string, nz, mr int, kmask, kodd, k2 reg.Register, x80 reg.VecPhysical) {
	lbl := func(s string) string { return fmt.Sprintf("%s_m%d_%s", name, mr, s) }
	a, lda := reg.RAX, reg.R8
	p0, p1, wp, cnt := reg.R12, reg.R13, reg.RSI, reg.RCX
	zs := []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7, reg.Z8, reg.Z9,
		reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15, reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20,
		reg.Z21, reg.Z22, reg.Z23, reg.Z24, reg.Z25, reg.Z26, reg.Z27, reg.Z28, reg.Z29, reg.Z30, reg.Z31}
	accR := func(r, j int) reg.VecPhysical { return zs[r*nz+j] }

	rowPointers(mr, a, lda, p0, p1)
	Load(arg("w"), wp)
	Load(arg("k"), cnt)
	if bounded {
		// The sums start at bias − 128·Σw + 2^30 (vnniBoundedEpi) plus
		// the row's term; the epilogue used x80's register.
		Load(arg("q"), reg.R9)
		VPBROADCASTD(cX80(), x80)
	}
	if bounded && mr > 1 {
		// With one row term for every row (rts = 0: Gemm's zero), the
		// start values are the same for all rows: computed once, in the
		// weight registers the K loop has not loaded yet, then copied.
		// A plain int8 GEMM's rows so start with mr·nz register copies
		// and nz adds instead of mr·nz adds and mr broadcasts.
		Load(arg("rts"), reg.R11)
		TESTQ(reg.R11, reg.R11)
		JNZ(LabelRef(lbl("rowterms")))
		Load(arg("rt"), reg.R10)
		t := func(j int) reg.VecPhysical { return zs[18+j] }
		VPBROADCASTD(Mem{Base: reg.R10}, t(0))
		for j := nz - 1; j >= 1; j-- {
			VPADDD(Mem{Base: reg.R9, Disp: vnniBQ * 4 * j}, t(0), t(j))
		}
		VPADDD(Mem{Base: reg.R9}, t(0), t(0))
		for r := 0; r < mr; r++ {
			for j := 0; j < nz; j++ {
				VMOVDQA32(t(j), accR(r, j))
			}
		}
		JMP(LabelRef(lbl("started")))
		Label(lbl("rowterms"))
	}
	// Each row's sums start at its row term (rowTermInit).
	rowTermInit(mr, func(r int) {
		for j := nz - 1; j >= 1; j-- {
			if bounded {
				VPADDD(Mem{Base: reg.R9, Disp: vnniBQ * 4 * j}, accR(r, 0), accR(r, j))
			} else {
				VMOVDQA32(accR(r, 0), accR(r, j))
			}
		}
		if bounded {
			VPADDD(Mem{Base: reg.R9}, accR(r, 0), accR(r, 0))
		}
	}, func(r int) reg.VecPhysical { return accR(r, 0) })
	if bounded && mr > 1 {
		Label(lbl("started"))
	}
	vnniKLoop(lbl, nz, mr, zs, x80, lda, true)
	if bounded {
		vnniBoundedEpi(nz, mr, accR, kmask)
		return
	}
	p := epiParams512{b: zs[18], left: zs[19], right: zs[20], m: zs[21], mo: zs[22], mask: zs[23], thr: zs[24], thr1: zs[27]}
	e, o, tmp := zs[25], zs[26], zs[27]
	off, lo, hi := zs[28], zs[29], zs[30]
	bcast512(addr("outOff"), off)
	bcast512(addr("lo"), lo)
	bcast512(addr("hi"), hi)
	bias, mult, shift, rs := reg.R9, reg.R10, reg.R11, reg.RSI
	Load(arg("bias"), bias)
	Load(arg("mult"), mult)
	Load(arg("shift"), shift)
	Load(arg("rowsum"), rs)
	op := reg.R12
	for j := 0; j < nz; j++ {
		var k reg.Register
		if j == nz-1 {
			k = kmask
		}
		rsm := Mem{Base: rs, Disp: 64 * j}
		setupEpi512(p, k, Mem{Base: bias, Disp: 64 * j}, Mem{Base: mult, Disp: 64 * j}, Mem{Base: shift, Disp: 64 * j}, &rsm, tmp)
		MOVQ(reg.RDX, op)
		for r := 0; r < mr; r++ {
			x := accR(r, j)
			epi512(x, p, kodd, k2, reg.K4, off, lo, hi, e, o, false)
			if k != nil {
				VPMOVDB(x, k, Mem{Base: op, Disp: 16 * j})
			} else {
				VPMOVDB(x, Mem{Base: op, Disp: 16 * j})
			}
			if r < mr-1 {
				ADDQ(reg.RDI, op)
			}
		}
	}
}

// vnniBQ is the int32 size of the bounded VNNI kernel's constants for one
// 16-column vector (asm.vnniBQ): bias − 128·Σw + 2^30, doubled
// multiplier, right shift, sub, then the even and the odd lanes' 64-bit
// constants, 16 dwords each.
const vnniBQ = 6 * 16

// vnniBoundedEpi is the VNNI GEMM's bounded epilogue (the sums, started at
// bias − 128·Σw + 2^30, hold u = x + 2^30 with x = acc + bias: the
// correction for the uint8 offset of the activations is in the start
// value): dwBoundedLanes' requantization, proved there, with the
// constants asm.vnniPrepareBounded derives per channel as
// asm.dwBoundChannel does for depthwise filters. Each 16-column vector's
// constants are loaded once for the tile's rows; rows go through the
// lanes four at a time, in place (one scratch vector each), and
// dwPackStore packs them to bytes, clamps and stores them, rows as its
// pixels. The last vector stores through kmask.
func vnniBoundedEpi(nz, mr int, accR func(r, j int) reg.VecPhysical, kmask reg.Register) {
	idx, perm, lo, hi := reg.Z18, reg.Z19, reg.Z20, reg.Z21
	p := epiParams512{m: reg.Z22, mo: reg.Z23, ke: reg.Z24, ko: reg.Z25, sub: reg.Z26, right: reg.Z27}
	scratch := []reg.VecPhysical{reg.Z28, reg.Z29, reg.Z30, reg.Z31}
	kneg := []reg.Register{reg.K3, reg.K4, reg.K5, reg.K6}
	VMOVDQU32(dwPerm.Offset(128), idx)
	VMOVDQU32(dwPerm, perm)
	MOVL(addr("lo"), reg.R10.As32())
	VPBROADCASTB(reg.R10.As32(), lo)
	MOVL(addr("hi"), reg.R10.As32())
	VPBROADCASTB(reg.R10.As32(), hi)
	q, op, ldo := reg.R9, reg.R12, reg.RDI
	Load(arg("q"), q)
	for j := 0; j < nz; j++ {
		base := vnniBQ * 4 * j
		VMOVDQU32(Mem{Base: q, Disp: base + 64}, p.m)
		VMOVSHDUP(p.m, p.mo)
		VMOVDQU32(Mem{Base: q, Disp: base + 128}, p.right)
		VMOVDQU32(Mem{Base: q, Disp: base + 192}, p.sub)
		VMOVDQU64(Mem{Base: q, Disp: base + 256}, p.ke)
		VMOVDQU64(Mem{Base: q, Disp: base + 320}, p.ko)
		LEAQ(Mem{Base: reg.RDX, Disp: 16 * j}, op)
		var k reg.Register
		if j == nz-1 {
			k = kmask
		}
		for r0 := 0; r0 < mr; r0 += 4 {
			var lanes []lane512
			for r := r0; r < min(r0+4, mr); r++ {
				i := r - r0
				lanes = append(lanes, lane512{x: accR(r, j), o: scratch[i], kneg: kneg[i]})
			}
			dwBoundedLanes(lanes, p, idx)
			dwPackStore(lanes, perm, lo, hi, r0+4 < mr, op, ldo, k)
		}
	}
}

// gemvSets is how many sets of accumulators a single row (GEMV) sums
// into: with one set, each k group's VPDPBUSDs wait on the previous ones.
const gemvSets = 4

// vnniGEMVLoop emits a single row's K loop over groups of 16 k values:
// set s takes k group 4i+s (its accumulators zs[s·nz+j]; set 0 is the
// row's, the others are zeroed here and summed into set 0 before the
// epilogue: integer sums, so exact), the weights straight from memory.
// It leaves in RCX (flags set) the 0..3 k groups left for the one-set
// loop, with R12 and RSI past the groups done.
func vnniGEMVLoop(lbl func(string) string, nz int, zs []reg.VecPhysical, x80 reg.VecPhysical) {
	p0, wp, cnt := reg.R12, reg.RSI, reg.RCX
	MOVQ(cnt, reg.R10) // the k values of this segment
	SHRQ(U8(4), cnt)
	JZ(LabelRef(lbl("k1")))
	Label(lbl("k4"))
	for set := 0; set < gemvSets; set++ {
		t := zs[23+set]
		VPBROADCASTD(Mem{Base: p0, Disp: 4 * set}, t)
		VPXORD(x80, t, t)
		for j := 0; j < nz; j++ {
			vpdpbusd(Mem{Base: wp, Disp: 64 * (nz*set + j)}, t, zs[set*nz+j])
		}
	}
	ADDQ(U8(16), p0)
	ADDQ(U32(256*nz), wp)
	DECQ(cnt)
	JNZ(LabelRef(lbl("k4")))
	Label(lbl("k1"))
	MOVQ(reg.R10, cnt)
	SHRQ(U8(2), cnt)
	ANDQ(U8(3), cnt)
}

// gemvZeroSets zeroes the accumulator sets 1.. of a one-row tile
// (vnniGEMVLoop).
func gemvZeroSets(nz int, zs []reg.VecPhysical) {
	for set := 1; set < gemvSets; set++ {
		for j := 0; j < nz; j++ {
			VPXORD(zs[set*nz+j], zs[set*nz+j], zs[set*nz+j])
		}
	}
}

// vnniKLoop is the K loop of an mr-row VNNI tile whose sums are already
// started in accR (zs[r·nz+j]): 4 k values a step (the one-row form
// through vnniGEMVLoop's sets), then the 1..3 left, read exactly, then
// label epi with the sets of a one-row tile added up. The int8 GEMM
// (vnniTile) and the int32 one (gemm32VNNITile) differ only before and
// after it. Registers: rows from RAX/R12/R13 at stride lda, weights RSI,
// counter RCX (holding k on entry), rows 6 and 7 from rowBase2 (R10);
// clobbers R9, R10, R11 and zs[18:23].
//
// segmented (the int8 GEMM, gemmArgs.segs): a row's k values may lie in
// segs segments of segK values (a multiple of 4), segment s at
// s·segStride bytes after the row's start (Impl.GemmSegments: a
// convolution's filter rows read in place from padded input rows), and
// there is no K tail. segs <= 1 is the contiguous row of k values. R11
// counts the segments, R9 holds the current one's row 0.
func vnniKLoop(lbl func(string) string, nz, mr int, zs []reg.VecPhysical, x80 reg.VecPhysical, lda reg.Register, segmented bool) {
	p0, p1, wp, cnt := reg.R12, reg.R13, reg.RSI, reg.RCX
	accR := func(r, j int) reg.VecPhysical { return zs[r*nz+j] }
	wv := func(j int) reg.VecPhysical { return zs[18+j] }
	t0, t1 := zs[21], zs[22]
	if mr == 1 {
		gemvZeroSets(nz, zs)
	}
	if segmented {
		Load(arg("segs"), reg.R11)
		MOVQ(p0, reg.R9)
		CMPQ(reg.R11, U8(1))
		JLE(LabelRef(lbl("seg")))
		Load(arg("segK"), cnt)
		Label(lbl("seg"))
	}
	if mr > 6 {
		LEAQ(Mem{Base: p1, Index: lda, Scale: 2}, rowBase2)
		ADDQ(lda, rowBase2)
	}
	if mr == 1 {
		vnniGEMVLoop(lbl, nz, zs, x80)
	} else {
		SHRQ(U8(2), cnt)
	}
	next := lbl("ktail")
	if segmented {
		next = lbl("knext")
	}
	JZ(LabelRef(next))
	Label(lbl("k"))
	for j := 0; j < nz; j++ {
		VMOVDQU64(Mem{Base: wp, Disp: 64 * j}, wv(j))
	}
	for r := 0; r < mr; r++ {
		t := t0
		if r%2 == 1 {
			t = t1
		}
		VPBROADCASTD(rowAddr(r, p0, p1, lda, 0), t)
		VPXORD(x80, t, t)
		for j := 0; j < nz; j++ {
			vpdpbusd(wv(j), t, accR(r, j))
		}
	}
	ADDQ(U8(4), p0)
	if mr > 3 {
		ADDQ(U8(4), p1)
	}
	if mr > 6 {
		ADDQ(U8(4), rowBase2)
	}
	ADDQ(U32(64*nz), wp)
	DECQ(cnt)
	JNZ(LabelRef(lbl("k")))
	if segmented {
		// The next segment, if any (segments have no K tail).
		Label(lbl("knext"))
		DECQ(reg.R11)
		JLE(LabelRef(lbl("ktail")))
		ADDQ(addr("segStride"), reg.R9)
		MOVQ(reg.R9, p0)
		if mr > 3 {
			LEAQ(Mem{Base: reg.R9, Index: lda, Scale: 2}, p1)
			ADDQ(lda, p1)
		}
		Load(arg("segK"), cnt)
		JMP(LabelRef(lbl("seg")))
	}

	// K tail: 1..3 bytes per row, read exactly (the padded weights are 0).
	Label(lbl("ktail"))
	Load(arg("k"), cnt)
	ANDQ(U8(3), cnt)
	JZ(LabelRef(lbl("epi")))
	for j := 0; j < nz; j++ {
		VMOVDQU64(Mem{Base: wp, Disp: 64 * j}, wv(j))
	}
	g := reg.R9
	for r := 0; r < mr; r++ {
		addr := rowAddr(r, p0, p1, lda, 0)
		done := lbl(fmt.Sprintf("t%d", r))
		MOVBLZX(addr, g.As32())
		CMPQ(cnt, U8(2))
		JL(LabelRef(done))
		MOVWLZX(addr, g.As32())
		JEQ(LabelRef(done))
		MOVBLZX(rowAddr(r, p0, p1, lda, 2), reg.R11.As32()) // R10 may be rowBase2
		SHLL(U8(16), reg.R11.As32())
		ORL(reg.R11.As32(), g.As32())
		Label(done)
		VPBROADCASTD(g.As32(), t0)
		VPXORD(x80, t0, t0)
		for j := 0; j < nz; j++ {
			vpdpbusd(wv(j), t0, accR(r, j))
		}
	}

	Label(lbl("epi"))
	if mr == 1 {
		for set := 1; set < gemvSets; set++ {
			for j := 0; j < nz; j++ {
				VPADDD(zs[set*nz+j], accR(0, j), accR(0, j))
			}
		}
	}
}
