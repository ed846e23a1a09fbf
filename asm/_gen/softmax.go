package main

import (
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
