package main

import (
	"fmt"
	"strings"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The 16x8 kernels (asm/gemm16.go, asm/depthwise16.go): int16
// activations times int8 weights packed as int16, int32 sums stored for a
// Go epilogue.
//
// gemm16: four rows by one panel (avx2: 16 columns in two ymm; vnni: 32
// in two zmm). Per k-pair, each row's (a[2j], a[2j+1]) is broadcast as a
// dword and VPMADDWD (avx2, then VPADDD) or VPDPWSSD (vnni) multiplies it
// with the panel's (W[c][2j], W[c][2j+1]) pairs: one dword lane per
// column. A pair's sum never overflows (weights are >= -128), and the Go
// side chooses the k-pairs per call so that the int32 sums are exact.
//
// depthwise16: per output pixel, blocks of 32 channels (then 8), the
// taps inner: VPMOVSXWD widens 8 activations to dwords (x, sign), and
// VPMADDWD / VPDPWSSD with the weights' dwords (w, 0) gives x·w per lane.

// vex16 makes the avx2 (vnni false) 16x8 kernels the avxvnni ones
// (names with AVXVNNI for AVX2): VPDPWSSD in its VEX form (vexDot).
var vex16 bool

// name16 is the kernel name for the avx2 or vnni name.
func name16(name string) string {
	if vex16 {
		return strings.Replace(name, "AVX2", "AVXVNNI", 1)
	}
	return name
}

func int16Kernels() {
	gemm16AMD64(false)
	gemm16AMD64(true)
	gemm16VNNINarrow()
	gemm16AMD64Row(false)
	gemm16AMD64Row(true)
	gemm16VNNIRow8()
	requant16AVX2()
	requant16AVX512()
	dw16AMD64(false)
	dw16AMD64(true)
	// The avxvnni kernels: avx2's, VPMADDWD + VPADDD replaced by the VEX
	// VPDPWSSD (exact alike: a pair's sum never overflows).
	vex16 = true
	gemm16AMD64(false)
	gemm16AMD64Row(false)
	dw16AMD64(false)
	vex16 = false
	dw16PairsVNNI()
}

// regs16 is what gemm16AMD64 and gemm16AMD64Row share: sixteen vector
// registers (zmm for VNNI, ymm for AVX2) and the instructions that differ
// between the two.
type regs16 struct{ vnni bool }

func (r regs16) v(i int) reg.VecPhysical {
	if r.vnni {
		return []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7,
			reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15}[i]
	}
	return []reg.VecPhysical{reg.Y0, reg.Y1, reg.Y2, reg.Y3, reg.Y4, reg.Y5, reg.Y6, reg.Y7,
		reg.Y8, reg.Y9, reg.Y10, reg.Y11, reg.Y12, reg.Y13, reg.Y14, reg.Y15}[i]
}

// zero clears registers 0..n-1.
func (r regs16) zero(n int) {
	for i := 0; i < n; i++ {
		if r.vnni {
			VPXORD(r.v(i), r.v(i), r.v(i))
		} else {
			VPXOR(r.v(i), r.v(i), r.v(i))
		}
	}
}

func (r regs16) load(m Mem, x reg.VecPhysical) {
	if r.vnni {
		VMOVDQU32(m, x)
	} else {
		VMOVDQU(m, x)
	}
}

func (r regs16) store(x reg.VecPhysical, m Mem) {
	if r.vnni {
		VMOVDQU32(x, m)
	} else {
		VMOVDQU(x, m)
	}
}

// dot adds the word pairs' products of w and b to acc: VPDPWSSD, its VEX
// form (vex16), or VPMADDWD into tmp then VPADDD (tmp may be w).
func (r regs16) dot(w, b, acc, tmp reg.VecPhysical) {
	switch {
	case r.vnni:
		vpdpwssd(w, b, acc)
	case vex16:
		vexDot(0x52, w, b, acc)
	default:
		VPMADDWD(w, b, tmp)
		VPADDD(tmp, acc, acc)
	}
}

func gemm16AMD64(vnni bool) {
	name, vec, bytes := "gemm16AVX2Kernel", 32, 64
	if vnni {
		name, vec, bytes = "gemm16VNNIKernel", 64, 128
	}
	name = name16(name)
	kernel(name, NOSPLIT, "gemm16Args")
	kdoc(fmt.Sprintf("%s stores the int32 sums of four rows a0..a3 of kp k-pairs times one packed panel w of %d columns to out (4 rows of %d dwords, ldo bytes apart).",
		name, bytes/4, bytes/4))
	a := []reg.Physical{reg.RAX, reg.RBX, reg.RCX, reg.RDX}
	w, n, out := reg.RSI, reg.RDI, reg.R8
	for i, r := range a {
		Load(arg(fmt.Sprintf("a%d", i)), r)
	}
	Load(arg("w"), w)
	Load(arg("kp"), n)
	Load(arg("out"), out)
	r16 := regs16{vnni}
	v := r16.v
	r16.zero(8)
	Label(name + "_k")
	load := r16.load
	load(Mem{Base: w}, v(8))
	load(Mem{Base: w, Disp: vec}, v(9))
	for i, r := range a {
		b := v(10 + i%2)
		VPBROADCASTD(Mem{Base: r}, b)
		for h := 0; h < 2; h++ {
			r16.dot(v(8+h), b, v(2*i+h), v(12+2*(i%2)+h))
		}
	}
	for _, r := range a {
		ADDQ(U8(4), r)
	}
	ADDQ(U32(bytes), w)
	DECQ(n)
	JNZ(LabelRef(name + "_k"))
	// Row r at out + r·ldo.
	ldo, ldo3 := reg.R9, reg.R11
	Load(arg("ldo"), ldo)
	LEAQ(Mem{Base: ldo, Index: ldo, Scale: 2}, ldo3)
	rowAt := []Mem{{Base: out}, {Base: out, Index: ldo, Scale: 1}, {Base: out, Index: ldo, Scale: 2}, {Base: out, Index: ldo3, Scale: 1}}
	for i := 0; i < 8; i++ {
		r16.store(v(i), rowAt[i/2].Offset(i%2*vec))
	}
	VZEROUPPER()
	RET()
}

// gemm16VNNINarrow emits gemm16VNNINarrowKernel: gemm16VNNIKernel for a
// panel of 16 columns (matrices of at most 16 rows: with 32-column panels
// half of every VPDPWSSD would be padding). One zmm per row holds its 16
// sums; two k-pairs per iteration go into separate zmm (eight chains, not
// four, to cover VPDPWSSD's latency), added at the end.
func gemm16VNNINarrow() {
	name := "gemm16VNNINarrowKernel"
	kernel(name, NOSPLIT, "gemm16Args")
	kdoc(name + " stores the int32 sums of four rows a0..a3 of kp k-pairs times one packed panel w of 16 columns to out (4 rows of 16 dwords, ldo bytes apart).")
	a := []reg.Physical{reg.RAX, reg.RBX, reg.RCX, reg.RDX}
	w, n, out := reg.RSI, reg.RDI, reg.R8
	for i, r := range a {
		Load(arg(fmt.Sprintf("a%d", i)), r)
	}
	Load(arg("w"), w)
	Load(arg("kp"), n)
	Load(arg("out"), out)
	z := []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7,
		reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12, reg.Z13}
	// z[2i+h]: row i's sums of the k-pairs of parity h.
	for i := 0; i < 8; i++ {
		VPXORD(z[i], z[i], z[i])
	}
	CMPQ(n, U8(2))
	JB(LabelRef(name + "_tail"))
	Label(name + "_k2")
	VMOVDQU32(Mem{Base: w}, z[8])
	VMOVDQU32(Mem{Base: w, Disp: 64}, z[9])
	for i, r := range a {
		b0, b1 := z[10+2*(i%2)], z[11+2*(i%2)]
		VPBROADCASTD(Mem{Base: r}, b0)
		VPBROADCASTD(Mem{Base: r, Disp: 4}, b1)
		vpdpwssd(z[8], b0, z[2*i])
		vpdpwssd(z[9], b1, z[2*i+1])
	}
	for _, r := range a {
		ADDQ(U8(8), r)
	}
	ADDQ(U32(128), w)
	SUBQ(U8(2), n)
	CMPQ(n, U8(2))
	JAE(LabelRef(name + "_k2"))
	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_store"))
	VMOVDQU32(Mem{Base: w}, z[8])
	for i, r := range a {
		b := z[10+i%2]
		VPBROADCASTD(Mem{Base: r}, b)
		vpdpwssd(z[8], b, z[2*i])
	}
	Label(name + "_store")
	ldo, ldo3 := reg.R9, reg.R11
	Load(arg("ldo"), ldo)
	LEAQ(Mem{Base: ldo, Index: ldo, Scale: 2}, ldo3)
	rowAt := []Mem{{Base: out}, {Base: out, Index: ldo, Scale: 1}, {Base: out, Index: ldo, Scale: 2}, {Base: out, Index: ldo3, Scale: 1}}
	for i := range a {
		VPADDD(z[2*i+1], z[2*i], z[2*i])
		VMOVDQU32(z[2*i], rowAt[i])
	}
	VZEROUPPER()
	RET()
}

func dw16AMD64(vnni bool) {
	name := "dw16AVX2Kernel"
	if vnni {
		name = "dw16VNNIKernel"
	}
	name = name16(name)
	kernel(name, NOSPLIT, "dw16Args")
	kdoc(name + " sets out[c] = Σ_i x[xoff[i] + c]·w[tap[i]·stride + 2c] (weights as dwords (w, 0)) for c < n, n a multiple of 8, taps >= 1, for npix pixels (x and out advanced by xstep and ostep bytes; npix counted down in *p).")
	x, xoff, tap, taps, w, stride, n, out := reg.RSI, reg.RDI, reg.R8, reg.R9, reg.R10, reg.R11, reg.R12, reg.R13
	c, t, xi, wi := reg.RBX, reg.RCX, reg.RAX, reg.RDX
	Load(arg("x"), x)
	Load(arg("xoff"), xoff)
	Load(arg("tap"), tap)
	Load(arg("taps"), taps)
	Load(arg("w"), w)
	Load(arg("stride"), stride)
	Load(arg("n"), n)
	Load(arg("out"), out)
	ys := []reg.VecPhysical{reg.Y0, reg.Y1, reg.Y2, reg.Y3, reg.Y4, reg.Y5, reg.Y6, reg.Y7}
	// Pixels: the channel loops, then x and out advanced by their steps.
	Label(name + "_pix")
	XORQ(c, c)
	for _, cw := range []int{32, 8} {
		l := fmt.Sprintf("%s_c%d", name, cw)
		next := fmt.Sprintf("%s_c%d_end", name, cw)
		nv := cw / 8
		Label(l)
		// c + cw <= n?
		LEAQ(Mem{Base: c, Disp: cw}, xi)
		CMPQ(xi, n)
		JA(LabelRef(next))
		for j := 0; j < nv; j++ {
			VPXOR(ys[j], ys[j], ys[j])
		}
		XORQ(t, t)
		Label(l + "_t")
		MOVQ(Mem{Base: xoff, Index: t, Scale: 8}, xi)
		ADDQ(c, xi)
		MOVQ(Mem{Base: tap, Index: t, Scale: 8}, wi)
		IMULQ(stride, wi)
		LEAQ(Mem{Base: wi, Index: c, Scale: 2}, wi)
		for j := 0; j < nv; j++ {
			p := ys[4+j]
			VPMOVSXWD(Mem{Base: x, Index: xi, Scale: 2, Disp: 16 * j}, p)
			wm := Mem{Base: w, Index: wi, Scale: 2, Disp: 32 * j}
			if vnni {
				vpdpwssd(wm, p, ys[j])
			} else if vex16 {
				wv := []reg.VecPhysical{reg.Y8, reg.Y9, reg.Y10, reg.Y11}[j]
				VMOVDQU(wm, wv)
				vexDot(0x52, wv, p, ys[j])
			} else {
				VPMADDWD(wm, p, p)
				VPADDD(p, ys[j], ys[j])
			}
		}
		INCQ(t)
		CMPQ(t, taps)
		JB(LabelRef(l + "_t"))
		for j := 0; j < nv; j++ {
			VMOVDQU(ys[j], Mem{Base: out, Index: c, Scale: 4, Disp: 32 * j})
		}
		ADDQ(U8(cw), c)
		JMP(LabelRef(l))
		Label(next)
	}
	ADDQ(addr("xstep"), x)
	ADDQ(addr("ostep"), out)
	DECQ(addr("npix"))
	JNZ(LabelRef(name + "_pix"))
	VZEROUPPER()
	RET()
}

// gemm16AMD64Row emits the one-row kernel (name suffix Row: batch-1 fully
// connected layers): two k-pairs per iteration into separate sums (the
// VPDPWSSD chains' latency), added at the end.
func gemm16AMD64Row(vnni bool) {
	name, vec, bytes := "gemm16AVX2KernelRow", 32, 64
	if vnni {
		name, vec, bytes = "gemm16VNNIKernelRow", 64, 128
	}
	name = name16(name)
	kernel(name, NOSPLIT, "gemm16Args")
	kdoc(fmt.Sprintf("%s stores the int32 sums of row a0 of kp k-pairs times one packed panel w of %d columns to out (one row of %d dwords).",
		name, bytes/4, bytes/4))
	a, w, n, out := reg.RAX, reg.RSI, reg.RDI, reg.R8
	Load(arg("a0"), a)
	Load(arg("w"), w)
	Load(arg("kp"), n)
	Load(arg("out"), out)
	r16 := regs16{vnni}
	v := r16.v
	r16.zero(4)
	load := r16.load
	// step multiplies the pair at a+4j by the panel's pair at w+bytes·j
	// into sums 2j%4, 2j%4+1.
	step := func(j int) {
		b := v(4 + j)
		VPBROADCASTD(Mem{Base: a, Disp: 4 * j}, b)
		for h := 0; h < 2; h++ {
			wv := v(6 + 2*j + h)
			load(Mem{Base: w, Disp: bytes*j + vec*h}, wv)
			r16.dot(wv, b, v(2*j+h), wv)
		}
	}
	CMPQ(n, U8(2))
	JB(LabelRef(name + "_tail"))
	Label(name + "_k")
	step(0)
	step(1)
	ADDQ(U8(8), a)
	ADDQ(U32(2*bytes), w)
	SUBQ(U8(2), n)
	CMPQ(n, U8(2))
	JAE(LabelRef(name + "_k"))
	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_store"))
	step(0)
	Label(name + "_store")
	for h := 0; h < 2; h++ {
		VPADDD(v(2+h), v(h), v(h))
		r16.store(v(h), Mem{Base: out, Disp: h * vec})
	}
	VZEROUPPER()
	RET()
}

// requant16AVX2 emits requant16AVX2Kernel (asm.Requant16's amd64 kernel):
// per 8 channels, the even and odd channels' 64-bit
// ((acc·red + off + 2^63) >>> total) − 2^(63−total), their low dwords
// interleaved back, clamped and packed to int16.
func requant16AVX2() {
	name := "requant16AVX2Kernel"
	kernel(name, NOSPLIT, "rq16Args")
	kdoc(name + " writes rows rows of n (a multiple of 8) int16 outputs, back to back, from int32 sums acc with the packed constants c (see asm.Requant16).")
	acc, c, n, out := reg.RSI, reg.RDI, reg.R8, reg.R9
	Load(arg("acc"), acc)
	Load(arg("c"), c)
	Load(arg("n"), n)
	Load(arg("out"), out)
	lo, hi := reg.Y14, reg.Y15
	bcast256(addr("lo"), lo)
	bcast256(addr("hi"), hi)
	c0, n0, rows := reg.RBX, reg.RCX, reg.RAX
	MOVQ(c, c0)
	MOVQ(n, n0)
	Load(arg("rows"), rows)
	Label(name + "_row")
	MOVQ(c0, c)
	MOVQ(n0, n)
	Label(name + "_g")
	VMOVDQU(Mem{Base: acc}, reg.Y0)
	VPSRLQ(U8(32), reg.Y0, reg.Y1)
	VPMULDQ(Mem{Base: c}, reg.Y0, reg.Y2)
	VPMULDQ(Mem{Base: c, Disp: 32}, reg.Y1, reg.Y3)
	VPADDQ(Mem{Base: c, Disp: 64}, reg.Y2, reg.Y2)
	VPADDQ(Mem{Base: c, Disp: 96}, reg.Y3, reg.Y3)
	VPSRLVQ(Mem{Base: c, Disp: 128}, reg.Y2, reg.Y2)
	VPSRLVQ(Mem{Base: c, Disp: 160}, reg.Y3, reg.Y3)
	VPSUBQ(Mem{Base: c, Disp: 192}, reg.Y2, reg.Y2)
	VPSUBQ(Mem{Base: c, Disp: 224}, reg.Y3, reg.Y3)
	VPSLLQ(U8(32), reg.Y3, reg.Y3)
	VPBLENDD(U8(0xAA), reg.Y3, reg.Y2, reg.Y2)
	VPMAXSD(lo, reg.Y2, reg.Y2)
	VPMINSD(hi, reg.Y2, reg.Y2)
	VPACKSSDW(reg.Y2, reg.Y2, reg.Y2)
	VPERMQ(U8(0x08), reg.Y2, reg.Y2)
	VMOVDQU(reg.X2, Mem{Base: out})
	ADDQ(U8(32), acc)
	ADDQ(U32(256), c)
	ADDQ(U8(16), out)
	SUBQ(U8(8), n)
	JNZ(LabelRef(name + "_g"))
	DECQ(rows)
	JNZ(LabelRef(name + "_row"))
	VZEROUPPER()
	RET()
}

// requant16AVX512 emits requant16AVX512Kernel (asm.Requant16's
// avx512vnni kernel): per 8 channels, the sums sign-extended to qwords,
// VPMULDQ by red, VPADDQ off, VPSRAVQ total (AVX-512 has the 64-bit
// arithmetic shift), truncated to dwords (int32(...) as the reference),
// clamped and narrowed to int16. It reads the plain per-channel
// constants red, off and total, not the AVX2 kernel's packed ones.
func requant16AVX512() {
	name := "requant16AVX512Kernel"
	kernel(name, NOSPLIT, "rq16Args")
	kdoc(name + " writes rows rows of n (a multiple of 8) int16 outputs, back to back, from int32 sums acc with the per-channel constants red, off and total (see asm.Requant16).")
	acc, red, off, total, n, out := reg.RSI, reg.RDI, reg.R10, reg.R11, reg.R8, reg.R9
	Load(arg("acc"), acc)
	Load(arg("n"), n)
	Load(arg("out"), out)
	lo, hi := reg.Y14, reg.Y15
	bcast256(addr("lo"), lo)
	bcast256(addr("hi"), hi)
	c, rows := reg.RBX, reg.RAX
	Load(arg("rows"), rows)
	Load(arg("red"), red)
	Load(arg("off"), off)
	Load(arg("total"), total)
	Label(name + "_row")
	XORQ(c, c)
	Label(name + "_g")
	for j := 0; j < 2; j++ {
		if j == 1 {
			// The second group of 8 when there is one.
			LEAQ(Mem{Base: c, Disp: 8}, reg.RCX)
			CMPQ(reg.RCX, n)
			JAE(LabelRef(name + "_next"))
		}
		z, y := []reg.VecPhysical{reg.Z0, reg.Z2}[j], []reg.VecPhysical{reg.Y1, reg.Y3}[j]
		VPMOVSXDQ(Mem{Base: acc, Disp: 32 * j}, z)
		VPMULDQ(Mem{Base: red, Index: c, Scale: 8, Disp: 64 * j}, z, z)
		VPADDQ(Mem{Base: off, Index: c, Scale: 8, Disp: 64 * j}, z, z)
		VPSRAVQ(Mem{Base: total, Index: c, Scale: 8, Disp: 64 * j}, z, z)
		VPMOVQD(z, y)
		VPMAXSD(lo, y, y)
		VPMINSD(hi, y, y)
		VPMOVDW(y, Mem{Base: out, Disp: 16 * j})
	}
	ADDQ(U8(64), acc)
	ADDQ(U8(32), out)
	ADDQ(U8(16), c)
	CMPQ(c, n)
	JB(LabelRef(name + "_g"))
	JMP(LabelRef(name + "_rowend"))
	Label(name + "_next")
	// n mod 16 = 8: the row's last group was one of 8.
	ADDQ(U8(32), acc)
	ADDQ(U8(16), out)
	Label(name + "_rowend")
	DECQ(rows)
	JNZ(LabelRef(name + "_row"))
	VZEROUPPER()
	RET()
}

// dw16PairsVNNI emits dw16PairsVNNIKernel: the avx512vnni depthwise16 on
// the full tap list (tap[i] = i) with the weights of taps 2j and 2j+1
// interleaved as int16 pairs (asm.PackDepthwise16's pairs layout), so
// that one VPDPWSSD lane sums two taps: per pair, the two taps'
// activations (cw int16 each) are interleaved by VPUNPCKLWD/VPUNPCKHWD,
// which puts channels 8L+i (i < 4) of each 128-bit lane L in the low
// half and 8L+4+i in the high half; the packed weights follow that order
// and the sums are put back in channel order before the store
// (VPERMT2Q for 32 channels, a lane swap for 16, none for 8). An odd last
// tap is paired with zeros. Channel blocks of 32 (zmm), then 16 (ymm),
// then 8 (xmm); per block, every pixel.
func dw16PairsVNNI() {
	perm := GLOBL("dw16perm", RODATA|NOPTR)
	for i, q := range []int{0, 1, 8, 9, 2, 3, 10, 11, 4, 5, 12, 13, 6, 7, 14, 15} {
		DATA(8*i, U64(q))
	}
	name := "dw16PairsVNNIKernel"
	kernel(name, NOSPLIT, "dw16Args")
	kdoc(name + " sets out[c] = Σ_{t<taps} x[xoff[t] + c]·W[t][c] for c < n, n a multiple of 8, taps >= 1, w the pairs layout (stride int16 values per tap pair), for npix pixels (x and out advanced by xstep and ostep bytes).")
	xoff, w, stride := reg.RDI, reg.R10, reg.R11
	c, px, xp, op, xo, wp, ra, rb, pairs := reg.RBX, reg.RCX, reg.RAX, reg.RDX, reg.R8, reg.R12, reg.RSI, reg.R13, reg.R9
	Load(arg("xoff"), xoff)
	Load(arg("w"), w)
	Load(arg("stride"), stride)
	SHLQ(U8(1), stride) // bytes per pair
	VMOVDQU64(perm, reg.Z28)
	VMOVDQU64(perm.Offset(64), reg.Z29)
	VPXORD(reg.Z31, reg.Z31, reg.Z31)
	XORQ(c, c)
	for _, cw := range []int{32, 16, 8} {
		l := fmt.Sprintf("%s_c%d", name, cw)
		next := l + "_end"
		var za, zb, lo, hi, a0, a1, t0, zero reg.VecPhysical
		switch cw {
		case 32:
			za, zb, lo, hi, a0, a1, t0, zero = reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z31
		case 16:
			za, zb, lo, hi, a0, a1, t0, zero = reg.Y0, reg.Y1, reg.Y2, reg.Y3, reg.Y4, reg.Y5, reg.Y6, reg.Y31
		default:
			za, zb, lo, hi, a0, a1, t0, zero = reg.X0, reg.X1, reg.X2, reg.X3, reg.X4, reg.X5, reg.X6, reg.X31
		}
		load := func(m Mem, r reg.VecPhysical) {
			if cw == 32 {
				VMOVDQU16(m, r)
			} else {
				VMOVDQU(m, r)
			}
		}
		Label(l)
		LEAQ(Mem{Base: c, Disp: cw}, xp)
		CMPQ(xp, addr("n"))
		JA(LabelRef(next))
		// Pixels of this block: xp and op walk x + 2c and out + 4c.
		Load(arg("x"), xp)
		LEAQ(Mem{Base: xp, Index: c, Scale: 2}, xp)
		Load(arg("out"), op)
		LEAQ(Mem{Base: op, Index: c, Scale: 4}, op)
		Load(arg("npix"), px)
		Label(l + "_pix")
		VPXORD(a0, a0, a0)
		VPXORD(a1, a1, a1)
		MOVQ(xoff, xo)
		LEAQ(Mem{Base: w, Index: c, Scale: 4}, wp)
		Load(arg("taps"), pairs)
		SHRQ(U8(1), pairs)
		JZ(LabelRef(l + "_odd"))
		Label(l + "_t")
		MOVQ(Mem{Base: xo}, ra)
		MOVQ(Mem{Base: xo, Disp: 8}, rb)
		load(Mem{Base: xp, Index: ra, Scale: 2}, za)
		load(Mem{Base: xp, Index: rb, Scale: 2}, zb)
		VPUNPCKLWD(zb, za, lo)
		VPUNPCKHWD(zb, za, hi)
		vpdpwssd(Mem{Base: wp}, lo, a0)
		vpdpwssd(Mem{Base: wp, Disp: 2 * cw}, hi, a1)
		ADDQ(U8(16), xo)
		ADDQ(stride, wp)
		DECQ(pairs)
		JNZ(LabelRef(l + "_t"))
		Label(l + "_odd")
		// An odd last tap, paired with zeros.
		Load(arg("taps"), pairs)
		TESTQ(U32(1), pairs)
		JZ(LabelRef(l + "_store"))
		MOVQ(Mem{Base: xo}, ra)
		load(Mem{Base: xp, Index: ra, Scale: 2}, za)
		VPUNPCKLWD(zero, za, lo)
		VPUNPCKHWD(zero, za, hi)
		vpdpwssd(Mem{Base: wp}, lo, a0)
		vpdpwssd(Mem{Base: wp, Disp: 2 * cw}, hi, a1)
		Label(l + "_store")
		switch cw {
		case 32:
			VMOVDQA64(a0, t0)
			VPERMT2Q(a1, reg.Z28, t0)
			VPERMT2Q(a1, reg.Z29, a0)
			VMOVDQU32(t0, Mem{Base: op})
			VMOVDQU32(a0, Mem{Base: op, Disp: 64})
		case 16:
			VINSERTI128(U8(1), a1.AsX(), a0, t0)
			VPERM2I128(U8(0x31), a1, a0, a0)
			VMOVDQU(t0, Mem{Base: op})
			VMOVDQU(a0, Mem{Base: op, Disp: 32})
		default:
			VMOVDQU(a0, Mem{Base: op})
			VMOVDQU(a1, Mem{Base: op, Disp: 16})
		}
		ADDQ(addr("xstep"), xp)
		ADDQ(addr("ostep"), op)
		DECQ(px)
		JNZ(LabelRef(l + "_pix"))
		ADDQ(U8(cw), c)
		JMP(LabelRef(l))
		Label(next)
	}
	VZEROUPPER()
	RET()
}

// gemm16VNNIRow8 emits gemm16VNNIKernelRow8: gemm16VNNIKernelRow on the
// panel's int8 copy (asm.PackedMatrix16.data8, the same layout), each
// 32 weights sign-extended by VPMOVSXBW as they are loaded: batch-1 fully
// connected layers stream their weights once, and half the bytes is what
// keeps a large matrix in cache.
func gemm16VNNIRow8() {
	name := "gemm16VNNIKernelRow8"
	kernel(name, NOSPLIT, "gemm16Args")
	kdoc(name + " stores the int32 sums of row a0 of kp k-pairs times one int8 panel w8 of 32 columns to out (one row of 32 dwords).")
	a, w, n, out := reg.RAX, reg.RSI, reg.RDI, reg.R8
	Load(arg("a0"), a)
	Load(arg("w8"), w)
	Load(arg("kp"), n)
	Load(arg("out"), out)
	z := []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7,
		reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15}
	for i := 0; i < 4; i++ {
		VPXORD(z[i], z[i], z[i])
	}
	step := func(j int) {
		b := z[4+j]
		VPBROADCASTD(Mem{Base: a, Disp: 4 * j}, b)
		for h := 0; h < 2; h++ {
			wv := z[6+2*j+h]
			VPMOVSXBW(Mem{Base: w, Disp: 64*j + 32*h}, wv)
			vpdpwssd(wv, b, z[2*j+h])
		}
	}
	CMPQ(n, U8(2))
	JB(LabelRef(name + "_tail"))
	Label(name + "_k")
	step(0)
	step(1)
	ADDQ(U8(8), a)
	ADDQ(U8(128), w)
	SUBQ(U8(2), n)
	CMPQ(n, U8(2))
	JAE(LabelRef(name + "_k"))
	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_store"))
	step(0)
	Label(name + "_store")
	for h := 0; h < 2; h++ {
		VPADDD(z[2+h], z[h], z[h])
		VMOVDQU32(z[h], Mem{Base: out, Disp: h * 64})
	}
	VZEROUPPER()
	RET()
}
