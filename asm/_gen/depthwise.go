package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Depthwise rows. The filter is packed as 32-bit lanes holding the weight
// as int16 in the low word and 0 in the high word, [KH·KW][Cpad] (C rounded
// up to the vector width, zero padded). For each vector of channels and a
// block of P output pixels (8, 4, 2, 1), every tap's weight vector is
// loaded once; each pixel's input, sign-extended to 32 bits (its low word
// is the int16 value), meets it in a word multiply-add: lo·w + hi·0 = x·w,
// exact. AVX-512 accumulates with VNNI's VPDPWSSD; AVX2 uses VPMADDWD +
// VPADDD (cheaper than VPMULLD on every x86).

func dwAVX512() {
	name := "dwAVX512" + suffix()
	kernel(name, NOSPLIT, "dwArgs")
	doc(name, "computes n depthwise output pixels, all channels, 16 at a time (AVX-512).")
	// Registers: R8 pixStride, R9 3·pixStride, RAX block input base,
	// RDX block output base, RBX pixels left, RCX channel offset cb.
	ps, ps3 := reg.R8, reg.R9
	Load(arg("pixStride"), ps)
	LEAQ(Mem{Base: ps, Index: ps, Scale: 2}, ps3)
	MOVL(U32(0xaaaa), reg.R10.As32())
	KMOVW(reg.R10.As32(), reg.K2)
	XORQ(reg.RCX, reg.RCX)

	Label(name + "_cb")
	// Channel mask for channels [cb, min(cb+16, c)).
	Load(arg("c"), reg.R10)
	SUBQ(reg.RCX, reg.R10)
	CMPQ(reg.R10, U8(16))
	JGE(LabelRef(name + "_full"))
	MOVL(U32(1), reg.R11.As32())
	SHLXL(reg.R10.As32(), reg.R11.As32(), reg.R11.As32())
	DECL(reg.R11.As32())
	KMOVW(reg.R11.As32(), reg.K1)
	JMP(LabelRef(name + "_mask"))
	Label(name + "_full")
	MOVL(U32(0xffff), reg.R11.As32())
	KMOVW(reg.R11.As32(), reg.K1)
	Label(name + "_mask")

	p := epiParams512{b: reg.Z8, left: reg.Z9, right: reg.Z10, m: reg.Z11, mo: reg.Z12, mask: reg.Z13, thr: reg.Z14, thr1: reg.Z27}
	off, lo, hi := reg.Z15, reg.Z16, reg.Z17
	if bounded {
		// lo, hi as bytes; off: dwPackStore's dword permutation.
		MOVL(addr("lo"), reg.R10.As32())
		VPBROADCASTB(reg.R10.As32(), lo)
		MOVL(addr("hi"), reg.R10.As32())
		VPBROADCASTB(reg.R10.As32(), hi)
		VMOVDQU32(dwPerm, off)
		// The block of channels [cb, cb+16) at bias + cb/16·640 bytes
		// (asm.dwBoundBlock): bias + 2^30, doubled multiplier, right
		// shift, sub (16 dwords each), the even and odd lanes' 64-bit
		// constants (8 qwords each), then for the 3x3 byte path
		// (dwBlockS1B) bias − 128·Σw + 2^30 (Z27) and the three weight
		// vectors (Z29-Z31); Z28 its byte permutation.
		p = epiParams512{b: reg.Z8, ke: reg.Z9, ko: reg.Z10, m: reg.Z11, mo: reg.Z12, right: reg.Z13, sub: reg.Z14}
		Load(arg("bias"), reg.R10)
		LEAQ(Mem{Base: reg.RCX, Index: reg.RCX, Scale: 4}, reg.R11) // 5·cb
		LEAQ(Mem{Base: reg.R10, Index: reg.R11, Scale: 8}, reg.R10) // + 40·cb
		VMOVDQU32(Mem{Base: reg.R10, Disp: 384}, reg.Z27)
		VMOVDQU32(Mem{Base: reg.R10, Disp: 448}, reg.Z29)
		VMOVDQU32(Mem{Base: reg.R10, Disp: 512}, reg.Z30)
		VMOVDQU32(Mem{Base: reg.R10, Disp: 576}, reg.Z31)
		VMOVDQU32(dwPermB, reg.Z28)
		VMOVDQU32(Mem{Base: reg.R10}, p.b)
		VMOVDQU32(Mem{Base: reg.R10, Disp: 64}, p.m)
		VMOVSHDUP(p.m, p.mo)
		VMOVDQU32(Mem{Base: reg.R10, Disp: 128}, p.right)
		VMOVDQU32(Mem{Base: reg.R10, Disp: 192}, p.sub)
		VMOVDQU64(Mem{Base: reg.R10, Disp: 256}, p.ke)
		VMOVDQU64(Mem{Base: reg.R10, Disp: 320}, p.ko)
	} else {
		bcast512(addr("lo"), lo)
		bcast512(addr("hi"), hi)
		bcast512(addr("outOff"), off)
		Load(arg("bias"), reg.R10)
		Load(arg("mult"), reg.R11)
		Load(arg("shift"), reg.R12)
		setupEpi512(p, reg.K1, Mem{Base: reg.R10, Index: reg.RCX, Scale: 4}, Mem{Base: reg.R11, Index: reg.RCX, Scale: 4},
			Mem{Base: reg.R12, Index: reg.RCX, Scale: 4}, nil, reg.Z18)
	}

	Load(arg("in"), reg.RAX)
	ADDQ(reg.RCX, reg.RAX)
	Load(arg("out"), reg.RDX)
	ADDQ(reg.RCX, reg.RDX)
	Load(arg("n"), reg.RBX)
	for _, P := range []int{8, 7, 6, 5, 4, 2, 1} {
		l := fmt.Sprintf("%s_p%d", name, P)
		if P > 4 && P < 8 {
			if bounded {
				dwByteRest(l, P, p, off, lo, hi)
			}
			continue
		}
		Label(l)
		CMPQ(reg.RBX, U8(P))
		JL(LabelRef(l + "_next"))
		if P == 8 {
			// Stride 1, dilation 1 across, 3 or 5 taps across: each input
			// pixel is widened once per filter row and meets every tap.
			Load(arg("mode"), reg.R10)
			CMPQ(reg.R10, U8(3))
			JEQ(LabelRef(l + "_s3"))
			CMPQ(reg.R10, U8(5))
			JEQ(LabelRef(l + "_s5"))
			CMPQ(reg.R10, U8(13))
			JEQ(LabelRef(l + "_t3"))
			CMPQ(reg.R10, U8(15))
			JEQ(LabelRef(l + "_t5"))
			if bounded {
				CMPQ(reg.R10, U8(dwModePairs))
				JEQ(LabelRef(l + "_g3"))
			}
			dwBlock512(l, P, p, off, lo, hi)
			JMP(LabelRef(l + "_adv"))
			if bounded {
				Label(l + "_g3")
				dwByte(l+"_g3b", P, bytePairs, l+"_t3w", l+"_adv", p, off, lo, hi)
			}
			Label(l + "_t3")
			if bounded {
				dwByte(l+"_t3b", P, byteS2, l+"_t3w", l+"_adv", p, off, lo, hi)
				Label(l + "_t3w")
			}
			dwBlockS2(l+"_t3", 3, p, off, lo, hi)
			JMP(LabelRef(l + "_adv"))
			Label(l + "_t5")
			dwBlockS2(l+"_t5", 5, p, off, lo, hi)
			JMP(LabelRef(l + "_adv"))
			Label(l + "_s3")
			if bounded {
				dwByte(l+"_s3b", P, byteS1, l+"_s3w", l+"_adv", p, off, lo, hi)
				Label(l + "_s3w")
			}
			dwBlockS1(l+"_s3", 3, p, off, lo, hi)
			JMP(LabelRef(l + "_adv"))
			Label(l + "_s5")
			dwBlockS1(l+"_s5", 5, p, off, lo, hi)
			Label(l + "_adv")
		} else {
			if bounded {
				// The byte path for the shorter blocks too (rows of 7
				// or 14 outputs are common).
				Load(arg("mode"), reg.R10)
				CMPQ(reg.R10, U8(3))
				JEQ(LabelRef(l + "_s3"))
				CMPQ(reg.R10, U8(dwModePairs))
				JEQ(LabelRef(l + "_g3"))
				CMPQ(reg.R10, U8(13))
				JNE(LabelRef(l + "_w"))
				dwByte(l+"_t3b", P, byteS2, l+"_w", l+"_adv", p, off, lo, hi)
				Label(l + "_g3")
				dwByte(l+"_g3b", P, bytePairs, l+"_w", l+"_adv", p, off, lo, hi)
				Label(l + "_s3")
				dwByte(l+"_s3b", P, byteS1, l+"_w", l+"_adv", p, off, lo, hi)
				Label(l + "_w")
			}
			dwBlock512(l, P, p, off, lo, hi)
			if bounded {
				Label(l + "_adv")
			}
		}
		// Advance P pixels.
		for i := 0; i < P; i++ {
			ADDQ(ps, reg.RAX)
		}
		Load(arg("ostride"), reg.R10)
		IMUL3Q(U8(P), reg.R10, reg.R10)
		ADDQ(reg.R10, reg.RDX)
		SUBQ(U8(P), reg.RBX)
		if P > 1 {
			JMP(LabelRef(l))
		}
		Label(l + "_next")
	}
	ADDQ(U8(16), reg.RCX)
	CMPQ(reg.RCX, addr("c"))
	JL(LabelRef(name + "_cb"))
	VZEROUPPER()
	RET()
}

// dwByteRest emits, for the bounded kernel, a block of exactly P (5, 6 or
// 7) pixels left after the 8-pixel blocks, on the byte path only (else,
// or for another count, on to the 4-, 2- and 1-pixel blocks): rows of 5
// to 7 pixels (KWS's 25x5 layers) were a 4-pixel block and one or two
// more, each building its own columns.
func dwByteRest(l string, P int, p epiParams512, off, lo, hi reg.VecPhysical) {
	Label(l)
	CMPQ(reg.RBX, U8(P))
	JNE(LabelRef(l + "_next"))
	Load(arg("mode"), reg.R10)
	CMPQ(reg.R10, U8(3))
	JEQ(LabelRef(l + "_s3"))
	CMPQ(reg.R10, U8(dwModePairs))
	JEQ(LabelRef(l + "_g3"))
	CMPQ(reg.R10, U8(13))
	JNE(LabelRef(l + "_next"))
	dwByte(l+"_t3b", P, byteS2, l+"_next", l+"_adv", p, off, lo, hi)
	Label(l + "_g3")
	dwByte(l+"_g3b", P, bytePairs, l+"_next", l+"_adv", p, off, lo, hi)
	Label(l + "_s3")
	dwByte(l+"_s3b", P, byteS1, l+"_next", l+"_adv", p, off, lo, hi)
	Label(l + "_adv")
	for i := 0; i < P; i++ {
		ADDQ(reg.R8, reg.RAX)
	}
	Load(arg("ostride"), reg.R10)
	IMUL3Q(U8(P), reg.R10, reg.R10)
	ADDQ(reg.R10, reg.RDX)
	SUBQ(U8(P), reg.RBX)
	Label(l + "_next")
}

// byteKind selects the byte path's column pattern (dwByte).
type byteKind int

const (
	byteS1    byteKind = iota // stride 1 (dwBlockS1B)
	byteS2                    // stride 2 (dwBlockS2B)
	bytePairs                 // pairs of 8-channel pixels at stride 1 (dwBlockS2B, pairs)
)

// dwModePairs is the mode (asm.dwModePairs) of 3x3 filters on pairs of
// 8-channel pixels at stride 1, dilation 1 across, taken as 16-channel
// pixels: the stride-2 path's geometry (column q at q·8 bytes, pixel j's
// taps at columns 2j..2j+2), whose odd columns are halves of the even
// ones (dwBlockS2B).
const dwModePairs = 23

// dwByte emits the bounded kernel's byte path for a block of P pixels
// (dwBlockS1B or dwBlockS2B, as kind says), jumping to fail unless it applies
// (3 filter rows of int8 weights; the mode said 3 taps across), in a full-block and a
// partial-block (byte-masked loads) version, then to done.
func dwByte(l string, P int, kind byteKind, fail, done string, p epiParams512, off, lo, hi reg.VecPhysical) {
	Load(arg("kh"), reg.R10)
	CMPQ(reg.R10, U8(3))
	JNE(LabelRef(fail))
	// Wide (int16) filters have no byte weights.
	CMPQ(addr("wide"), U8(0))
	JNE(LabelRef(fail))
	Load(arg("c"), reg.R10)
	SUBQ(reg.RCX, reg.R10)
	CMPQ(reg.R10, U8(16))
	JL(LabelRef(l + "_part"))
	for _, partial := range []bool{false, true} {
		ll := l
		if partial {
			ll = l + "_part"
			Label(ll)
		}
		if kind == byteS1 {
			dwBlockS1B(ll, P, partial, p, off, lo, hi)
		} else {
			dwBlockS2B(ll, P, partial, kind == bytePairs, p, off, lo, hi)
		}
		JMP(LabelRef(done))
	}
}

// dwColumn loads the 16 bytes at a0, a1, a2 (rows 0, 1, 2 of an input
// column) into lanes 0, 1, 2 of t, lane 3 zero, and makes them one dword
// per channel, (row 0, row 1, row 2, 0) + 128 (Z28 holds the byte
// permutation). partial: only the channels in K1 are read (the others
// are zero), through tmp.
func dwColumn(t reg.VecPhysical, a0, a1, a2 Mem, partial bool, tmp reg.VecPhysical) {
	if partial {
		VMOVDQU8_Z(a0, reg.K1, t.AsX())
		VMOVDQU8_Z(a1, reg.K1, tmp.AsX())
		VINSERTI32X4(U8(1), tmp.AsX(), t, t)
		VMOVDQU8_Z(a2, reg.K1, tmp.AsX())
		VINSERTI32X4(U8(2), tmp.AsX(), t, t)
	} else {
		VMOVDQU8(a0, t.AsX())
		VINSERTI32X4(U8(1), a1, t, t)
		VINSERTI32X4(U8(2), a2, t, t)
	}
	VPERMB(t, reg.Z28, t)
	VPXORD_BCST(cX80(), t, t)
}

// dwBlock512 accumulates P pixels starting at RAX (channel block already
// added) and stores them at RDX, pixel stride c.
func dwBlock512(l string, P int, p epiParams512, off, lo, hi reg.VecPhysical) {
	accs := []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7}
	w := reg.Z18
	xs := []reg.VecPhysical{reg.Z19, reg.Z20, reg.Z21, reg.Z22, reg.Z23, reg.Z24, reg.Z25, reg.Z26}
	for i := 0; i < P; i++ {
		VMOVDQA32(p.b, accs[i]) // the bias is the sum's start
	}
	// R11 tap row pointer, R12 tap pointer, R13 second base (+4 pixels),
	// RSI weight pointer, R14-free: counters in R10 (ky) and DI (kx).
	row, tap, tap4, wp := reg.R11, reg.R12, reg.R13, reg.RSI
	MOVQ(reg.RAX, row)
	Load(arg("w"), wp)
	LEAQ(Mem{Base: wp, Index: reg.RCX, Scale: 4}, wp)
	Load(arg("kh"), reg.R10)
	Label(l + "_ky")
	MOVQ(row, tap)
	Load(arg("kw"), reg.RDI)
	Label(l + "_kx")
	VMOVDQU32(Mem{Base: wp}, w)
	if P > 4 {
		LEAQ(Mem{Base: tap, Index: reg.R8, Scale: 4}, tap4)
	}
	for i := 0; i < P; i++ {
		base := tap
		j := i
		if i >= 4 {
			base, j = tap4, i-4
		}
		a := pixelAddr(base, j)
		VPMOVSXBD_Z(a, reg.K1, xs[i])
		vpdpwssd(w, xs[i], accs[i])
	}
	ADDQ(addr("dilWStride"), tap)
	ADDQ(addr("wStride"), wp)
	DECQ(reg.RDI)
	JNZ(LabelRef(l + "_kx"))
	ADDQ(addr("dilHStride"), row)
	DECQ(reg.R10)
	JNZ(LabelRef(l + "_ky"))

	// Epilogue and masked stores.
	dwEpilogue(accs, P, p, off, lo, hi)
}

// dwWideP is how many output pixels dwBlockS1 and dwBlockS2 compute.
const dwWideP = 8

// dwBlockWide emits what dwBlockS1 and dwBlockS2 share: the sums start at
// the bias, then for each filter row (R10 counts them, row walks the
// input by dilHStride) the kw weight vectors are loaded and body runs the
// row's taps (xs: two scratch vectors for widened pixels; R13, RDI free),
// then the epilogue and stores.
func dwBlockWide(l string, kw int, p epiParams512, off, lo, hi reg.VecPhysical, body func(row reg.Register, ws, xs, accs []reg.VecPhysical)) {
	const P = dwWideP
	accs := []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7}
	ws := []reg.VecPhysical{reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22}
	xs := []reg.VecPhysical{reg.Z23, reg.Z24}
	for i := 0; i < P; i++ {
		VMOVDQA32(p.b, accs[i])
	}
	row, wp := reg.R11, reg.RSI
	MOVQ(reg.RAX, row)
	Load(arg("w"), wp)
	LEAQ(Mem{Base: wp, Index: reg.RCX, Scale: 4}, wp)
	Load(arg("kh"), reg.R10)
	Label(l + "_ky")
	for kx := 0; kx < kw; kx++ {
		VMOVDQU32(Mem{Base: wp}, ws[kx])
		ADDQ(addr("wStride"), wp)
	}
	body(row, ws, xs, accs)
	ADDQ(addr("dilHStride"), row)
	DECQ(reg.R10)
	JNZ(LabelRef(l + "_ky"))

	dwEpilogue(accs, P, p, off, lo, hi)
}

// dwBlockS1 is dwBlock512 for 8 pixels at stride 1 and dilation 1 across,
// kw taps across (3 or 5): per filter row the kw weight vectors stay in
// registers and each of the 8+kw-1 input pixels is widened once, then
// meets tap kx of output pixel q−kx.
func dwBlockS1(l string, kw int, p epiParams512, off, lo, hi reg.VecPhysical) {
	dwBlockWide(l, kw, p, off, lo, hi, func(row reg.Register, ws, xs, accs []reg.VecPhysical) {
		const P = dwWideP
		tap4, tap8 := reg.R13, reg.RDI
		LEAQ(Mem{Base: row, Index: reg.R8, Scale: 4}, tap4)
		LEAQ(Mem{Base: tap4, Index: reg.R8, Scale: 4}, tap8)
		for q := 0; q < P+kw-1; q++ {
			base := []reg.Register{row, tap4, tap8}[q/4]
			a := pixelAddr(base, q%4)
			x := xs[q%2]
			VPMOVSXBD_Z(a, reg.K1, x)
			for kx := 0; kx < kw; kx++ {
				if j := q - kx; j >= 0 && j < P {
					vpdpwssd(ws[kx], x, accs[j])
				}
			}
		}
	})
}

// dwBlockS1B is dwBlockS1 for 3x3 filters in the bounded kernel, for P
// (8, 4, 2 or 1) pixels, on bytes: each input column q (P+2 of them) is
// loaded from the three rows (partial: the channels in K1 only) and
// arranged to one dword per channel, (row 0, row 1, row 2, 0) offset to
// unsigned (+128, XOR 0x80; dwColumn), then meets the three taps' weight dwords (w[0][kx], w[1][kx], w[2][kx],
// 0) (Z29-Z31) in VPDPBUSD: one instruction for three taps. The sums
// start at bias − 128·Σw + 2^30 (Z27), which makes them exactly x + 2^30
// (x = acc + bias), as dwBoundedLanes wants.
func dwBlockS1B(l string, P int, partial bool, p epiParams512, off, lo, hi reg.VecPhysical) {
	accs := []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7}
	ws := []reg.VecPhysical{reg.Z29, reg.Z30, reg.Z31}
	cols := []reg.VecPhysical{reg.Z23, reg.Z24, reg.Z25, reg.Z26}
	for i := 0; i < P; i++ {
		VMOVDQA32(reg.Z27, accs[i])
	}
	r0, r1, r2 := reg.R11, reg.R12, reg.R13
	MOVQ(reg.RAX, r0)
	Load(arg("dilHStride"), r1)
	LEAQ(Mem{Base: r0, Index: r1, Scale: 2}, r2)
	ADDQ(r0, r1)
	for q := 0; q < P+2; q++ {
		if q > 0 && q%4 == 0 {
			for _, b := range []reg.Register{r0, r1, r2} {
				LEAQ(Mem{Base: b, Index: reg.R8, Scale: 4}, b)
			}
		}
		at := func(b reg.Register) Mem { return pixelAddr(b, q%4) }
		t := cols[q%4]
		dwColumn(t, at(r0), at(r1), at(r2), partial, reg.Z18)
		for kx := 0; kx < 3; kx++ {
			if j := q - kx; j >= 0 && j < P {
				vpdpbusd(ws[kx], t, accs[j])
			}
		}
	}
	dwEpilogue(accs, P, p, off, lo, hi)
}

// dwBlockS2B is dwBlockS1B at stride 2: output pixel j meets columns 2j,
// 2j+1, 2j+2; even columns are addressed from one base per row, odd ones
// from another (one pixel further), stepping by the pixel stride.
//
// pairs: the pixels are pairs of 8-channel pixels (dwModePairs), so odd
// column 2h+1 starts 8 bytes into even column 2h: its dwords 0-7 are
// dwords 8-15 of column 2h and its dwords 8-15 dwords 0-7 of column
// 2h+2 (dwColumn keeps a channel's dword in its lane), one VALIGND
// instead of three loads, two inserts, a VPERMB and the offset's XOR.
// Each odd column is made once the even column after it is.
func dwBlockS2B(l string, P int, partial, pairs bool, p epiParams512, off, lo, hi reg.VecPhysical) {
	accs := []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7}
	ws := []reg.VecPhysical{reg.Z29, reg.Z30, reg.Z31}
	cols := []reg.VecPhysical{reg.Z23, reg.Z24, reg.Z25, reg.Z26}
	for i := 0; i < P; i++ {
		VMOVDQA32(reg.Z27, accs[i])
	}
	// Bases: rows 0, 1, 2, even (R11, R12, R13) and odd (RDI, RSI, R10;
	// none for pairs, whose odd columns are made from the even ones).
	even := []reg.Register{reg.R11, reg.R12, reg.R13}
	var odd []reg.Register
	MOVQ(reg.RAX, even[0])
	Load(arg("dilHStride"), even[1])
	LEAQ(Mem{Base: even[0], Index: even[1], Scale: 2}, even[2])
	ADDQ(even[0], even[1])
	if !pairs {
		odd = []reg.Register{reg.RDI, reg.RSI, reg.R10}
		Load(arg("dilWStride"), odd[2])
		for r := 0; r < 2; r++ {
			LEAQ(Mem{Base: even[r], Index: odd[2], Scale: 1}, odd[r])
		}
		ADDQ(even[2], odd[2])
	}
	// meet adds column q's taps to the pixels that read it.
	meet := func(q int) {
		for kx := 0; kx < 3; kx++ {
			if d := q - kx; d >= 0 && d%2 == 0 && d/2 < P {
				vpdpbusd(ws[kx], cols[q%4], accs[d/2])
			}
		}
	}
	for q := 0; q < 2*(P-1)+3; q++ {
		h := q / 2
		if h > 0 && h%4 == 0 && q%2 == 0 {
			for _, b := range append(append([]reg.Register{}, even...), odd...) {
				LEAQ(Mem{Base: b, Index: reg.R8, Scale: 4}, b)
			}
		}
		if pairs && q%2 == 1 {
			continue // made after column q+1
		}
		bases := even
		if q%2 == 1 {
			bases = odd
		}
		at := func(b reg.Register) Mem { return pixelAddr(b, h%4) }
		dwColumn(cols[q%4], at(bases[0]), at(bases[1]), at(bases[2]), partial, reg.Z18)
		if pairs && q > 0 {
			VALIGND(U8(8), cols[(q-2)%4], cols[q%4], cols[(q-1)%4])
			meet(q - 1)
		}
		meet(q)
	}
	dwEpilogue(accs, P, p, off, lo, hi)
}

// dwBlockS2 is dwBlockS1 at stride 2: output pixel j, tap kx reads input
// pixel q = 2j + kx. Even input pixels are addressed from one base, odd
// ones from another (one pixel further), both stepping by the pixel
// stride (2 pixels) and advanced four steps at a time.
func dwBlockS2(l string, kw int, p epiParams512, off, lo, hi reg.VecPhysical) {
	dwBlockWide(l, kw, p, off, lo, hi, func(row reg.Register, ws, xs, accs []reg.VecPhysical) {
		const P = dwWideP
		even, odd := reg.R13, reg.RDI
		MOVQ(row, even)
		MOVQ(row, odd)
		ADDQ(addr("dilWStride"), odd) // one pixel (dilation 1)
		for q := 0; q < 2*(P-1)+kw; q++ {
			h := q / 2 // step of the pixel stride
			if h > 0 && h%4 == 0 && q%2 == 0 {
				LEAQ(Mem{Base: even, Index: reg.R8, Scale: 4}, even)
				LEAQ(Mem{Base: odd, Index: reg.R8, Scale: 4}, odd)
			}
			base := even
			if q%2 == 1 {
				base = odd
			}
			a := pixelAddr(base, h%4)
			x := xs[q%2]
			VPMOVSXBD_Z(a, reg.K1, x)
			for kx := 0; kx < kw; kx++ {
				if d := q - kx; d >= 0 && d%2 == 0 && d/2 < P {
					vpdpwssd(ws[kx], x, accs[d/2])
				}
			}
		}
	})
}

// dwAVX2 handles channels [0, c) with c a multiple of 8 (the Go side does
// the rest), 8 at a time; the per-channel epilogue parameters stay in the
// frame... (loaded per block).
func dwAVX2() {
	name := "dwAVX2" + suffix()
	kernel(name, NOSPLIT, "dwArgs")
	doc(name, "computes n depthwise output pixels, channels [0, c) with c a multiple of 8 (AVX2).")
	frame := AllocLocal(8 * 32)
	ps, ps3 := reg.R8, reg.R9
	Load(arg("pixStride"), ps)
	LEAQ(Mem{Base: ps, Index: ps, Scale: 2}, ps3)
	XORQ(reg.RCX, reg.RCX)
	Label(name + "_cb")
	Load(arg("in"), reg.RAX)
	ADDQ(reg.RCX, reg.RAX)
	Load(arg("out"), reg.RDX)
	ADDQ(reg.RCX, reg.RDX)
	Load(arg("n"), reg.RBX)
	for _, P := range []int{8, 4, 2, 1} {
		l := fmt.Sprintf("%s_p%d", name, P)
		Label(l)
		CMPQ(reg.RBX, U8(P))
		JL(LabelRef(l + "_next"))
		dwBlock256(l, P, frame)
		for i := 0; i < P; i++ {
			ADDQ(ps, reg.RAX)
		}
		Load(arg("ostride"), reg.R10)
		IMUL3Q(U8(P), reg.R10, reg.R10)
		ADDQ(reg.R10, reg.RDX)
		SUBQ(U8(P), reg.RBX)
		if P > 1 {
			JMP(LabelRef(l))
		}
		Label(l + "_next")
	}
	ADDQ(U8(8), reg.RCX)
	CMPQ(reg.RCX, addr("c"))
	JL(LabelRef(name + "_cb"))
	VZEROUPPER()
	RET()
}

func dwBlock256(l string, P int, frame Mem) {
	accs := ys[:8]
	w, x := ys[8], ys[9]
	for i := 0; i < P; i++ {
		VPXOR(accs[i], accs[i], accs[i])
	}
	row, tap, tap4, wp := reg.R11, reg.R12, reg.R13, reg.RSI
	MOVQ(reg.RAX, row)
	Load(arg("w"), wp)
	LEAQ(Mem{Base: wp, Index: reg.RCX, Scale: 4}, wp)
	Load(arg("kh"), reg.R10)
	Label(l + "_ky")
	MOVQ(row, tap)
	Load(arg("kw"), reg.RDI)
	Label(l + "_kx")
	VMOVDQU(Mem{Base: wp}, w)
	if P > 4 {
		LEAQ(Mem{Base: tap, Index: reg.R8, Scale: 4}, tap4)
	}
	for i := 0; i < P; i++ {
		base := tap
		j := i
		if i >= 4 {
			base, j = tap4, i-4
		}
		a := pixelAddr(base, j)
		VPMOVSXBD(a, x)
		VPMADDWD(w, x, x)
		VPADDD(x, accs[i], accs[i])
	}
	ADDQ(addr("dilWStride"), tap)
	ADDQ(addr("wStride"), wp)
	DECQ(reg.RDI)
	JNZ(LabelRef(l + "_kx"))
	ADDQ(addr("dilHStride"), row)
	DECQ(reg.R10)
	JNZ(LabelRef(l + "_ky"))

	for i := 0; i < P; i++ {
		VMOVDQU(accs[i], frame.Offset(32*i))
	}
	p := epiParams256{b: ys[0], left: ys[1], right: ys[2], m: ys[3], mo: ys[4], mask: ys[5], thr: ys[6],
		round: ys[7], intMin: ys[8], off: ys[9], lo: ys[10], hi: ys[11]}
	setupConst256(p, addr("outOff"), addr("lo"), addr("hi"))
	Load(arg("bias"), reg.R10)
	Load(arg("mult"), reg.R11)
	Load(arg("shift"), reg.R12)
	setupEpi256(p, Mem{Base: reg.R10, Index: reg.RCX, Scale: 4}, Mem{Base: reg.R11, Index: reg.RCX, Scale: 4},
		Mem{Base: reg.R12, Index: reg.RCX, Scale: 4}, ys[15])
	Load(arg("ostride"), reg.R10)
	MOVQ(reg.RDX, reg.R11)
	for i := 0; i < P; i++ {
		xv := ys[12]
		VMOVDQU(frame.Offset(32*i), xv)
		epi256(xv, p, ys[13], ys[14])
		VEXTRACTI128(U8(1), xv, ys[13].AsX())
		VPACKSSDW(ys[13].AsX(), xv.AsX(), xv.AsX())
		VPACKSSWB(xv.AsX(), xv.AsX(), xv.AsX())
		VMOVQ(xv.AsX(), Mem{Base: reg.R11})
		if i < P-1 {
			ADDQ(reg.R10, reg.R11)
		}
	}
}

// pixelAddr is the address of the pixel step (0..3) pixels after base,
// with R8 holding the pixel stride and R9 three times it: the depthwise
// kernels address four pixels from one base register, then advance it.
func pixelAddr(base reg.Register, step int) Mem {
	switch step {
	case 1:
		return Mem{Base: base, Index: reg.R8, Scale: 1}
	case 2:
		return Mem{Base: base, Index: reg.R8, Scale: 2}
	case 3:
		return Mem{Base: base, Index: reg.R9, Scale: 1}
	}
	return Mem{Base: base}
}
