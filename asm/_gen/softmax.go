package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The per-row reductions of int8 SOFTMAX (asm/softmax.go): the row's
// minimum and maximum, and Σ acc[top − x].

// minMaxAVX2: any n >= 32. The last vector is the row's last 32 bytes,
// overlapping the one before it when n is not a multiple of 32 (min and
// max do not mind seeing a value twice), and the two vectors are reduced
// to bytes here: the Go side only reads out[0] and out[1]. Both
// implementations use it: the loop is bound by loads either way.
func minMaxAVX2() {
	name := "minMax8AVX2"
	kernel(name, NOSPLIT, "minMaxArgs")
	kdoc(name + " stores into p.out[0] and p.out[1] the minimum and the maximum of the n >= 32 values at row.")
	row, n, end := reg.RSI, reg.RCX, reg.RDX
	Load(arg("row"), row)
	Load(arg("n"), n)
	LEAQ(Mem{Base: row, Index: n, Scale: 1, Disp: -32}, end) // the last vector
	lo, hi := reg.Y0, reg.Y1
	VMOVDQU(Mem{Base: end}, lo)
	VMOVDQA(lo, hi)
	SHRQ(U8(5), n) // the whole vectors from the start (n >= 32: at least one)
	Label(name + "_loop")
	VMOVDQU(Mem{Base: row}, reg.Y2)
	VPMINSB(reg.Y2, lo, lo)
	VPMAXSB(reg.Y2, hi, hi)
	ADDQ(U8(32), row)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	VEXTRACTI128(U8(1), lo, reg.X2)
	VPMINSB(reg.X2, lo.AsX(), reg.X0)
	VEXTRACTI128(U8(1), hi, reg.X3)
	VPMAXSB(reg.X3, hi.AsX(), reg.X1)
	for _, sh := range []int{8, 4, 2, 1} {
		VPSRLDQ(U8(sh), reg.X0, reg.X2)
		VPMINSB(reg.X2, reg.X0, reg.X0)
		VPSRLDQ(U8(sh), reg.X1, reg.X3)
		VPMAXSB(reg.X3, reg.X1, reg.X1)
	}
	VPEXTRB(U8(0), reg.X0, reg.R8.As32())
	VPEXTRB(U8(0), reg.X1, reg.R9.As32())
	Load(arg("out"), reg.RAX)
	MOVB(reg.R8.As8(), Mem{Base: reg.RAX})
	MOVB(reg.R9.As8(), Mem{Base: reg.RAX, Disp: 1})
	VZEROUPPER()
	RET()
}

// softmaxTableAVX512 and softmaxTableAVX2 build SOFTMAX's per-row output
// table (asm.SoftmaxTable8): for j = 0..255, out byte
// sat8(((src[j]·recip + 2^30) >> 31 + c) >> exp), the first 128 bytes
// at dst + 128, the next 128 at dst (t[uint8(x)] for x = j − 128).
// The Go side folds TFLite's −128 and the rounding half of the exponent
// shift into c (AVX-512: c = 2^(exp−1) − 128·2^exp, an arithmetic shift
// floors the negative sums exactly) or c = 2^(exp−1) and subtracts 128
// after the shift (AVX2 has no 64-bit arithmetic shift).
func softmaxTableAVX512() {
	name := "softmaxTableAVX512"
	kernel(name, NOSPLIT, "softmaxTableArgs")
	kdoc(name + " builds SOFTMAX's per-row output table (see asm.SoftmaxTable8) with AVX-512: 8 entries per VPMULUDQ.")
	src, dst, half := reg.RSI, reg.RDI, reg.RCX
	Load(arg("src"), src)
	Load(arg("dst"), dst)
	r, r30, c := reg.Z16, reg.Z17, reg.Z18
	VPBROADCASTD(addr("recip"), r)
	VPBROADCASTQ(consts, r30) // 2^30
	VPBROADCASTQ(addr("c"), c)
	VMOVQ(addr("exp"), reg.X19)
	ADDQ(U8(128), dst)
	MOVQ(U32(2), half)
	Label(name + "_half")
	for i := 0; i < 16; i++ {
		z := []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7}[i%8]
		VPMOVZXDQ(Mem{Base: src, Disp: 32 * i}, z)
		VPMULUDQ(r, z, z)
		VPADDQ(r30, z, z)
		VPSRLQ(U8(31), z, z)
		VPADDQ(c, z, z)
		VPSRAQ(reg.X19, z, z)
		VPMOVSQB(z, Mem{Base: dst, Disp: 8 * i})
	}
	ADDQ(U32(4*128), src)
	SUBQ(U8(128), dst)
	DECQ(half)
	JNZ(LabelRef(name + "_half"))
	VZEROUPPER()
	RET()
}

func softmaxTableAVX2() {
	name := "softmaxTableAVX2"
	kernel(name, NOSPLIT, "softmaxTableArgs")
	kdoc(name + " builds SOFTMAX's per-row output table (see asm.SoftmaxTable8) with AVX2: 4 entries per VPMULUDQ.")
	src, dst, cnt := reg.RSI, reg.RDI, reg.RCX
	Load(arg("src"), src)
	Load(arg("dst"), dst)
	r, r30, c, x128, idx := reg.Y8, reg.Y9, reg.Y10, reg.Y11, reg.Y12
	VPBROADCASTD(addr("recip"), r)
	VPBROADCASTQ(consts, r30) // 2^30
	VPBROADCASTQ(addr("c"), c)
	VMOVQ(addr("exp"), reg.X13)
	MOVL(U32(128), reg.R8.As32())
	VMOVD(reg.R8.As32(), x128.AsX())
	VPBROADCASTD(x128.AsX(), x128)
	// VPERMD index: the low dwords of the 4 qwords, into dwords 0..3.
	lows := GLOBL("smlowdw", RODATA|NOPTR)
	for i := 0; i < 8; i++ {
		DATA(4*i, U32(2*(i%4)))
	}
	VMOVDQU(lows, idx)
	ADDQ(U8(128), dst)
	MOVQ(U32(32), cnt) // 32 blocks of 8 entries
	Label(name + "_loop")
	for i, z := range []reg.VecPhysical{reg.Y0, reg.Y1} {
		VPMOVZXDQ(Mem{Base: src, Disp: 16 * i}, z)
		VPMULUDQ(r, z, z)
		VPADDQ(r30, z, z)
		VPSRLQ(U8(31), z, z)
		VPADDQ(c, z, z)
		VPSRLQ(reg.X13, z, z)
		VPERMD(z, idx, z) // the 4 results' low dwords into the low half
	}
	VINSERTI128(U8(1), reg.X1, reg.Y0, reg.Y0)
	VPSUBD(x128, reg.Y0, reg.Y0)
	VEXTRACTI128(U8(1), reg.Y0, reg.X1)
	VPACKSSDW(reg.X1, reg.X0, reg.X0)
	VPACKSSWB(reg.X0, reg.X0, reg.X0)
	VMOVQ(reg.X0, Mem{Base: dst})
	ADDQ(U8(32), src)
	ADDQ(U8(8), dst)
	DECQ(cnt)
	CMPQ(cnt, U8(16))
	JNE(LabelRef(name + "_next"))
	SUBQ(U32(256), dst) // entries 128..255 go to t[0:128]
	Label(name + "_next")
	TESTQ(cnt, cnt)
	JNZ(LabelRef(name + "_loop"))
	VZEROUPPER()
	RET()
}

// sumGatherAVX2: n a multiple of 8 (the Go side does the rest): per 8
// values, the indices (top − x) & 255 as dwords, a VPGATHERDD of acc, and
// the dwords widened into two qword accumulators.
func sumGatherAVX2() {
	name := "sumTableAVX2"
	kernel(name, NOSPLIT, "sumTableArgs")
	kdoc(name + " stores into p.sum Σ p.acc[(p.top − x) & 255] over the n values x at p.row (n a multiple of 8) with AVX2's VPGATHERDD.")
	row, n, acc := reg.RSI, reg.RCX, reg.RAX
	Load(arg("row"), row)
	Load(arg("n"), n)
	Load(arg("acc"), acc)
	top, m255, sa, sb := reg.Y8, reg.Y9, reg.Y10, reg.Y11
	MOVL(addr("top"), reg.R8.As32())
	VMOVD(reg.R8.As32(), top.AsX())
	VPBROADCASTD(top.AsX(), top)
	MOVL(U32(255), reg.R8.As32())
	VMOVD(reg.R8.As32(), m255.AsX())
	VPBROADCASTD(m255.AsX(), m255)
	VPXOR(sa, sa, sa)
	VPXOR(sb, sb, sb)
	SHRQ(U8(3), n)
	JZ(LabelRef(name + "_done"))
	Label(name + "_loop")
	VPMOVSXBD(Mem{Base: row}, reg.Y0)
	VPSUBD(reg.Y0, top, reg.Y1)
	VPAND(m255, reg.Y1, reg.Y1)
	VPCMPEQD(reg.Y2, reg.Y2, reg.Y2) // gather every lane (VPGATHERDD clears the mask)
	VPGATHERDD(reg.Y2, Mem{Base: acc, Index: reg.Y1, Scale: 4}, reg.Y3)
	VPMOVZXDQ(reg.X3, reg.Y4)
	VEXTRACTI128(U8(1), reg.Y3, reg.X5)
	VPMOVZXDQ(reg.X5, reg.Y5)
	VPADDQ(reg.Y4, sa, sa)
	VPADDQ(reg.Y5, sb, sb)
	ADDQ(U8(8), row)
	DECQ(n)
	JNZ(LabelRef(name + "_loop"))
	Label(name + "_done")
	VPADDQ(sb, sa, sa)
	VEXTRACTI128(U8(1), sa, reg.X5)
	VPADDQ(reg.X5, sa.AsX(), reg.X4)
	VPSHUFD(U8(0x4e), reg.X4, reg.X5)
	VPADDQ(reg.X5, reg.X4, reg.X4)
	VMOVQ(reg.X4, reg.R8)
	MOVQ(reg.R8, addr("sum"))
	VZEROUPPER()
	RET()
}

// sumPlanesVBMI: any n >= 1. acc's three byte planes in twelve zmm
// registers; per 64 values d = top − x, each plane looked up as Lookup8's
// VBMI kernel does (two VPERMI2B and a blend), summed by VPSADBW into
// qwords; the planes' sums are weighted 1, 2^8, 2^16 at the end. The last
// partial vector is loaded with a byte mask and its lookups zeroed
// outside it.
func sumPlanesVBMI() {
	name := "sumTableVBMI"
	kernel(name, NOSPLIT, "sumTableArgs")
	kdoc(name + " stores into p.sum Σ p.acc[(p.top − x) & 255] over the n values x at p.row (n >= 1) from the byte planes at p.planes with AVX-512 VBMI.")
	row, n, pl := reg.RSI, reg.RCX, reg.RAX
	Load(arg("row"), row)
	Load(arg("n"), n)
	Load(arg("planes"), pl)
	z := func(i int) reg.VecPhysical {
		return []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7, reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15, reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22, reg.Z23, reg.Z24, reg.Z25, reg.Z26, reg.Z27, reg.Z28, reg.Z29, reg.Z30, reg.Z31}[i]
	}
	for i := range 12 {
		VMOVDQU64(Mem{Base: pl, Disp: 64 * i}, z(20+i))
	}
	top, zero := z(8), z(7)
	MOVL(addr("top"), reg.R8.As32())
	VPBROADCASTB(reg.R8.As32(), top)
	VPXORQ(zero, zero, zero)
	sums := []reg.VecPhysical{z(4), z(5), z(6)}
	for _, s := range sums {
		VPXORQ(s, s, s)
	}
	// block sums the planes of the 64 indices in d (k: top bits; tail:
	// the mask of valid bytes, nil for all).
	block := func(d reg.VecPhysical, k, tail reg.Register) {
		VPMOVB2M(d, k)
		for b := range 3 {
			y, w := z(1), z(2)
			VMOVDQA64(d, y)
			VMOVDQA64(d, w)
			VPERMI2B(z(21+4*b), z(20+4*b), y)
			VPERMI2B(z(23+4*b), z(22+4*b), w)
			VPBLENDMB(w, y, k, y)
			if tail != nil {
				VMOVDQU8_Z(y, tail, y)
			}
			VPSADBW(zero, y, y)
			VPADDQ(y, sums[b], sums[b])
		}
	}
	Label(name + "_loop")
	CMPQ(n, U8(64))
	JB(LabelRef(name + "_tail"))
	VMOVDQU64(Mem{Base: row}, z(0))
	VPSUBB(z(0), top, z(0))
	block(z(0), reg.K1, nil)
	ADDQ(U8(64), row)
	SUBQ(U8(64), n)
	JMP(LabelRef(name + "_loop"))
	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_done"))
	MOVQ(U64(0xffffffffffffffff), reg.R8)
	BZHIQ(n, reg.R8, reg.R8) // n < 64 here
	KMOVQ(reg.R8, reg.K2)
	VMOVDQU8_Z(Mem{Base: row}, reg.K2, z(0))
	VPSUBB(z(0), top, z(0))
	block(z(0), reg.K1, reg.K2)
	Label(name + "_done")
	VPSLLQ(U8(8), sums[1], sums[1])
	VPSLLQ(U8(16), sums[2], sums[2])
	VPADDQ(sums[1], sums[0], sums[0])
	VPADDQ(sums[2], sums[0], sums[0])
	VEXTRACTI64X4(U8(1), sums[0], reg.Y1)
	VPADDQ(reg.Y1, sums[0].AsY(), reg.Y0)
	VEXTRACTI128(U8(1), reg.Y0, reg.X1)
	VPADDQ(reg.X1, reg.X0, reg.X0)
	VPSHUFD(U8(0x4e), reg.X0, reg.X1)
	VPADDQ(reg.X1, reg.X0, reg.X0)
	VMOVQ(reg.X0, reg.R8)
	MOVQ(reg.R8, addr("sum"))
	VZEROUPPER()
	RET()
}

// softmaxRowsAVX512 emits softmaxRowsAVX512 (asm.SoftmaxRows8,
// *softmaxRowsArgs): SOFTMAX of blocks of 16 rows of depth <= 16 values,
// row r of a block in dword lane r. Per block:
//
//   - the block's 16·depth bytes in Z0-Z3 (masked loads), then column j
//     (byte r·depth + j of every row r) by VPERMI2B of the first and the
//     last 128 bytes, blended on the index's bit 7; the rows' maxima
//     (VPMAXSB);
//   - per column, the exponential e[max − x] (VPGATHERDD of
//     SoftmaxOutExp.e) kept in Z4-Z19, and the Q12.19 sum of Rescale(e, 0
//     → 12 integer bits) = (e + 2^11) >> 12 (e >= 0);
//   - TFLite's GetReciprocal of the sums for all 16 lanes: VPLZCNTD
//     normalises, then gemmlowp's one_over_one_plus_x_for_x_in_0_1 (three
//     Newton steps, SRDHM and saturating shifts as in package dyadic);
//   - per column the output SoftmaxOut8(recip, e, 35 − clz): the 64-bit
//     products by VPMULUDQ (both factors non-negative), then a rounding
//     shift by the lane's exponent (23..27 for sums of at most 16 values,
//     so 32-bit unsigned lanes hold prod + half), − 128, min 127;
//     VPMOVDB into the column-major results in Z0-Z3;
//   - the results back to row-major order by VPERMI2B with
//     SoftmaxRows8.inv, masked stores.
func softmaxRowsAVX512() {
	name := "softmaxRowsAVX512"
	kernel(name, NOSPLIT, "softmaxRowsArgs")
	kdoc(name + " computes int8 SOFTMAX of blocks blocks of 16 rows of depth <= 16 values, one row a dword lane (see asm.SoftmaxRows8).")
	in, out, blocks, depth, expTab, rows, step := reg.RSI, reg.RDI, reg.RCX, reg.RDX, reg.RAX, reg.RBX, reg.R9
	Load(arg("in"), in)
	Load(arg("out"), out)
	Load(arg("blocks"), blocks)
	Load(arg("exp"), expTab)
	Load(arg("rows"), rows)
	rv := arg("rows").Dereference(rows)
	Load(rv.Field("depth"), depth)
	fwdM := resolve(rv.Field("fwd").Index(0))
	invM := resolve(rv.Field("inv").Index(0).Index(0))
	maskM := resolve(rv.Field("mask").Index(0))
	MOVQ(depth, step)
	SHLQ(U8(4), step) // 16·depth bytes a block
	z := zmm
	blk := func(i int) reg.VecPhysical { return z(i) }     // Z0-Z3: the block, then the results
	col := func(j int) reg.VecPhysical { return z(4 + j) } // Z4-Z19: columns
	fwd, idx, top, sum, tmp := z(20), z(21), z(22), z(23), z(24)
	recip, recipOdd, expo, half, t1, t2, t3 := z(25), z(26), z(27), z(28), z(29), z(30), z(31)
	chunkMask := []reg.Register{reg.K4, reg.K5, reg.K6, reg.K7}
	kodd, kbit7, kall := reg.K2, reg.K1, reg.K3
	bcast := func(v uint32, dst reg.VecPhysical) {
		MOVL(U32(v), reg.R10.As32())
		VPBROADCASTD(reg.R10.As32(), dst)
	}
	VMOVDQU64(fwdM, fwd)
	for c := range 4 {
		KMOVQ(maskM.Offset(8*c), chunkMask[c])
	}
	MOVL(U32(0xaaaa), reg.R10.As32())
	KMOVW(reg.R10.As32(), kodd)
	// permute256: dst = the bytes of the 256-byte table in Z0-Z3 at the
	// byte indices idx: VPERMI2B of the first and of the last 128 bytes
	// (each reads the index's low seven bits), blended on bit 7.
	permute256 := func(idx, dst, tmp reg.VecPhysical) {
		VMOVDQA64(idx, dst)
		VPERMI2B(blk(1), blk(0), dst)
		VMOVDQA64(idx, tmp)
		VPERMI2B(blk(3), blk(2), tmp)
		VPMOVB2M(idx, kbit7)
		VMOVDQU8(tmp, kbit7, dst)
	}
	// columns runs body for columns 0..depth-1 (unrolled; the rest
	// skipped).
	nlab := 0
	columns := func(body func(j int)) {
		nlab++
		end := fmt.Sprintf("%s_cols%d", name, nlab)
		for j := range 16 {
			if j > 0 {
				CMPQ(depth, U8(j))
				JLE(LabelRef(end))
			}
			body(j)
		}
		Label(end)
	}
	// srdhm: dst = SRDHM(a, b) for 16 lanes, floor((a·b + 2^30) / 2^31)
	// (TFLite's nudged truncation, the same value); a = b = INT32_MIN,
	// the one saturating case, never occurs here (the Newton steps' d
	// and x are positive). dst differs from a and b; t1, t2 scratch.
	srdhm := func(a, b, dst reg.VecPhysical) {
		VMOVSHDUP(a, t1)
		VMOVSHDUP(b, t2)
		VPMULDQ(t2, t1, t1) // odd lanes' products
		VPMULDQ(b, a, dst)  // even lanes'
		VPADDQ_BCST(cRound(), dst, dst)
		VPADDQ_BCST(cRound(), t1, t1)
		VPSRAQ(U8(31), dst, dst)
		VPSRAQ(U8(31), t1, t1)
		VPSLLQ(U8(32), t1, t1)
		VPBLENDMD(t1, dst, kodd, dst)
	}
	// satShl: v = SaturatingRoundingMultiplyByPOT(v, e) for 0 < e < 31:
	// v << e, INT32_MAX above 2^(31−e) − 1, INT32_MIN at or below
	// −2^(31−e) (the clamp before the shift gives that).
	satShl := func(v reg.VecPhysical, e int) {
		bcast(uint32(1)<<(31-e)-1, t3)
		VPCMPGTD(t3, v, kall) // v > limit
		bcast(uint32(-(int32(1) << (31 - e))), t3)
		VPMAXSD(t3, v, v)
		VPSLLD(U8(e), v, v)
		bcast(0x7fffffff, t3)
		VMOVDQA32(t3, kall, v)
	}

	Label(name + "_block")
	for c := range 4 {
		VMOVDQU8_Z(Mem{Base: in, Disp: 64 * c}, chunkMask[c], blk(c))
	}
	// Columns and the rows' maxima.
	VMOVDQA64(fwd, idx)
	MOVL(U32(0x01010101), reg.R10.As32())
	VPBROADCASTD(reg.R10.As32(), half) // bytes of 1
	columns(func(j int) {
		x := col(j)
		permute256(idx, x, tmp)
		VPADDB(half, idx, idx)
		if j == 0 {
			VMOVDQA64(x, top)
		} else {
			VPMAXSB(x, top, top)
		}
	})
	// Exponentials and the sums.
	VPXORD(sum, sum, sum)
	bcast(1<<11, half)
	columns(func(j int) {
		x := col(j)
		VPSUBB(x, top, tmp) // max − x, 0..255
		VPMOVZXBD(tmp.AsX(), tmp)
		KXNORW(kall, kall, kall)
		VPGATHERDD(Mem{Base: expTab, Index: tmp, Scale: 4}, kall, x)
		VPADDD(half, x, idx)
		VPSRLD(U8(12), idx, idx)
		VPADDD(idx, sum, sum)
	})
	// The reciprocals: sum in [2^19, 2^23] (the maximum's e is 2^31 − 1).
	VPLZCNTD(sum, expo)
	VPSLLVD(expo, sum, idx)
	VPXORD_BCST(cIntMin(), idx, idx) // f: the leading one dropped, Q0.31
	VPSRLD(U8(1), idx, idx)
	VPADDD_BCST(cRound(), idx, idx) // d = RoundingHalfSum(f, INT32_MAX) = f/2 + 2^30
	bcast(uint32(0xc3c3c3c4), half) // −32/17 in Q2.29
	srdhm(idx, half, top)
	bcast(0x5a5a5a5a, half) // 48/17 in Q2.29
	VPADDD(half, top, top)  // x
	for range 3 {
		srdhm(idx, top, tmp) // d·x
		bcast(1<<29, half)
		VPSUBD(tmp, half, tmp) // 1 − d·x (Q2.29, wrapping)
		srdhm(top, tmp, recip)
		satShl(recip, 2)
		VPADDD(recip, top, top)
	}
	VMOVDQA64(top, recip)
	satShl(recip, 1)
	VMOVSHDUP(recip, recipOdd)
	bcast(35, half)
	VPSUBD(expo, half, expo) // exponent = 12 − clz + 23
	bcast(1, tmp)
	VPSUBD(tmp, expo, idx)
	VPSLLVD(idx, tmp, half) // 2^(exponent−1)
	bcast(128, tmp)
	bcast(127, top)
	// Outputs, column-major into Z0-Z3.
	columns(func(j int) {
		e := col(j)
		VPMULUDQ(recip, e, t1)
		VMOVSHDUP(e, t2)
		VPMULUDQ(recipOdd, t2, t2)
		VPADDQ_BCST(cRound(), t1, t1)
		VPADDQ_BCST(cRound(), t2, t2)
		VPSRLQ(U8(31), t1, t1)
		VPSRLQ(U8(31), t2, t2)
		VPSLLQ(U8(32), t2, t2)
		VPORD(t2, t1, t1)
		VPADDD(half, t1, t1)
		VPSRLVD(expo, t1, t1)
		VPSUBD(tmp, t1, t1)
		VPMINSD(top, t1, t1)
		VPMOVDB(t1, t2.AsX())
		VINSERTI32X4(U8(j%4), t2.AsX(), blk(j/4), blk(j/4))
	})
	// Back to row-major order.
	for o := range 4 {
		VMOVDQU64(invM.Offset(64*o), t1)
		permute256(t1, t2, t3)
		VMOVDQU8(t2, chunkMask[o], Mem{Base: out, Disp: 64 * o})
	}
	ADDQ(step, in)
	ADDQ(step, out)
	DECQ(blocks)
	JNZ(LabelRef(name + "_block"))
	VZEROUPPER()
	RET()
}
