package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Max pooling (asm.MaxPoolInt8/Int16) and elementwise MINIMUM/MAXIMUM
// (asm.MaxInt8 and friends): comparisons only, so every lane is exact.
// AVX2; the avx512vnni Impl runs these too.

// maxPoolAVX2 emits maxPool8AVX2 (wide: maxPool16AVX2) for *poolArgs:
// per output pixel and channel chunk, a running VPMAXSB/VPMAXSW over the
// window's taps starting from the lower clamp limit, then VPMINSB/VPMINSW
// with the upper one. Chunks go two at a time (ymm) while two are left,
// then one (xmm), so only the chunks' bytes are read and written.
func maxPoolAVX2(wide bool) {
	name, elem := "maxPool8AVX2", "int8"
	if wide {
		name, elem = "maxPool16AVX2", "int16"
	}
	kernel(name, NOSPLIT, "poolArgs")
	kdoc(fmt.Sprintf("%s: for n pixels and chunks 16-byte channel chunks, dst = min(max(lo, every window tap), hi) as %s lanes.", name, elem))
	dst, src, n, end := reg.RDI, reg.RSI, reg.RCX, reg.RBX
	rs, cs := reg.R11, reg.R13
	c, row, tap, rows, cols := reg.RAX, reg.RDX, reg.R8, reg.R9, reg.R10
	Load(arg("dst"), dst)
	Load(arg("src"), src)
	Load(arg("n"), n)
	Load(arg("chunks"), end)
	SHLQ(U8(4), end)
	Load(arg("rowStride"), rs)
	Load(arg("colStride"), cs)
	lo, hi := reg.Y14, reg.Y15
	vmax, vmin := VPMAXSB, VPMINSB
	if wide {
		VPBROADCASTW(addr("lo"), lo)
		VPBROADCASTW(addr("hi"), hi)
		vmax, vmin = VPMAXSW, VPMINSW
	} else {
		VPBROADCASTB(addr("lo"), lo)
		VPBROADCASTB(addr("hi"), hi)
	}
	Label(name + "_pixel")
	XORQ(c, c)
	// body emits one chunk step of size bytes (32: ymm, 16: xmm).
	body := func(size int) {
		l := fmt.Sprintf("%s_%d", name, size)
		var acc, lv, hv reg.Register = reg.Y0, lo, hi
		if size == 16 {
			acc, lv, hv = reg.X0, lo.AsX(), hi.AsX()
		}
		VMOVDQA(lv, acc)
		LEAQ(Mem{Base: src, Index: c, Scale: 1}, row)
		Load(arg("rows"), rows)
		Label(l + "_row")
		MOVQ(row, tap)
		Load(arg("cols"), cols)
		Label(l + "_col")
		vmax(Mem{Base: tap}, acc, acc)
		ADDQ(cs, tap)
		DECQ(cols)
		JNZ(LabelRef(l + "_col"))
		ADDQ(rs, row)
		DECQ(rows)
		JNZ(LabelRef(l + "_row"))
		vmin(hv, acc, acc)
		VMOVDQU(acc, Mem{Base: dst, Index: c, Scale: 1})
		ADDQ(U8(size), c)
	}
	Label(name + "_chunk")
	LEAQ(Mem{Base: c, Disp: 32}, reg.R12)
	CMPQ(reg.R12, end)
	JA(LabelRef(name + "_one"))
	body(32)
	JMP(LabelRef(name + "_chunk"))
	Label(name + "_one")
	CMPQ(c, end)
	JAE(LabelRef(name + "_next"))
	body(16)
	Label(name + "_next")
	ADDQ(addr("dstStep"), dst)
	ADDQ(addr("srcStep"), src)
	DECQ(n)
	JNZ(LabelRef(name + "_pixel"))
	VZEROUPPER()
	RET()
}

// pairMinMaxAVX2 emits one elementwise kernel for *pairMinMaxArgs (n a positive
// multiple of 16 bytes): 64 bytes a step, then 32, then 16.
func pairMinMaxAVX2(name string, op func(ops ...Op)) {
	kernel(name, NOSPLIT, "pairMinMaxArgs")
	kdoc(name + " sets out = op(a, b) lane by lane over n bytes (n a positive multiple of 16).")
	out, a, b, n, i, t := reg.RDI, reg.RSI, reg.RDX, reg.RCX, reg.RAX, reg.R8
	Load(arg("out"), out)
	Load(arg("a"), a)
	Load(arg("b"), b)
	Load(arg("n"), n)
	XORQ(i, i)
	at := func(base reg.Register, d int) Mem { return Mem{Base: base, Index: i, Scale: 1, Disp: d} }
	for _, size := range []int{64, 32, 16} {
		l := fmt.Sprintf("%s_%d", name, size)
		Label(l)
		LEAQ(Mem{Base: i, Disp: size}, t)
		CMPQ(t, n)
		JA(LabelRef(fmt.Sprintf("%s_%d", name, size/2)))
		for d := 0; d < size; d += 32 {
			var v reg.Register = reg.Y0
			if d == 32 {
				v = reg.Y1
			}
			if size == 16 {
				v = reg.X0
			}
			VMOVDQU(at(a, d), v)
			op(at(b, d), v, v)
			VMOVDQU(v, at(out, d))
		}
		MOVQ(t, i)
		if size == 64 {
			JMP(LabelRef(l))
		}
	}
	Label(name + "_8")
	VZEROUPPER()
	RET()
}

func poolKernels() {
	maxPoolAVX2(false)
	maxPoolAVX2(true)
	avgPoolAVX2(false)
	avgPoolAVX2(true)
	sumPoolAVX2()
	sumPoolAVX512()
	mulAVX2()
	mulAVX512()
	pairMinMaxAVX2("max8AVX2", VPMAXSB)
	pairMinMaxAVX2("min8AVX2", VPMINSB)
	pairMinMaxAVX2("max16AVX2", VPMAXSW)
	pairMinMaxAVX2("min16AVX2", VPMINSW)
}

// avgPoolAVX2 emits avgPool8AVX2 (wide: avgPool16AVX2) for *poolArgs
// (see asm.AvgPoolInt8): per output pixel and chunk of 8 channels, the
// int32 sums of the window's taps (VPMOVSXBD/VPMOVSXWD + VPADDD), then
// |s| + half divided by the tap count (a floating-point reciprocal
// multiply corrected by the exact remainder), the sign of s restored
// (VPSIGND), clamped and narrowed (8 bytes or 16 bytes stored).
func avgPoolAVX2(wide bool) {
	name, elem, size := "avgPool8AVX2", "int8", 8
	if wide {
		name, elem, size = "avgPool16AVX2", "int16", 16
	}
	kernel(name, NOSPLIT, "poolArgs")
	kdoc(fmt.Sprintf("%s: for n pixels and chunks chunks of 8 channels, dst = clamp(round-half-away(sum of the window's taps / (rows·cols))) as %s.", name, elem))
	dst, src, n, end := reg.RDI, reg.RSI, reg.RCX, reg.RBX
	rs, cs := reg.R11, reg.R13
	c, row, tap, rows, cols := reg.RAX, reg.RDX, reg.R8, reg.R9, reg.R10
	Load(arg("dst"), dst)
	Load(arg("src"), src)
	Load(arg("n"), n)
	Load(arg("chunks"), end)
	if wide {
		SHLQ(U8(4), end)
	} else {
		SHLQ(U8(3), end)
	}
	Load(arg("rowStride"), rs)
	Load(arg("colStride"), cs)
	half, lo, hi, div := reg.Y12, reg.Y13, reg.Y14, reg.Y15
	VPBROADCASTD(addr("half"), half)
	VPBROADCASTD(addr("lo32"), lo)
	VPBROADCASTD(addr("hi32"), hi)
	if wide {
		VBROADCASTSD(addr("rcp64"), div)
	} else {
		VBROADCASTSS(addr("rcp32"), div)
	}
	VPBROADCASTD(addr("count"), reg.Y10)
	VPBROADCASTD(addr("countm1"), reg.Y11)
	Label(name + "_pixel")
	XORQ(c, c)
	Label(name + "_chunk")
	CMPQ(c, end)
	JAE(LabelRef(name + "_next"))
	s, q := reg.Y0, reg.Y1
	VPXOR(s, s, s)
	LEAQ(Mem{Base: src, Index: c, Scale: 1}, row)
	Load(arg("rows"), rows)
	Label(name + "_row")
	MOVQ(row, tap)
	Load(arg("cols"), cols)
	Label(name + "_col")
	if wide {
		VPMOVSXWD(Mem{Base: tap}, q)
	} else {
		VPMOVSXBD(Mem{Base: tap}, q)
	}
	VPADDD(q, s, s)
	ADDQ(cs, tap)
	DECQ(cols)
	JNZ(LabelRef(name + "_col"))
	ADDQ(rs, row)
	DECQ(rows)
	JNZ(LabelRef(name + "_row"))
	// a = |s| + half; q = trunc(a · (1/n)) in float32 (int8) or float64
	// (int16), at most one off the quotient (see asm.AvgPoolInt8), then
	// corrected with the exact remainder r = a − q·n: q − 1 where r < 0,
	// q + 1 where r > n − 1.
	a := reg.Y4
	VPABSD(s, a)
	VPADDD(half, a, a)
	if wide {
		VCVTDQ2PD(a.AsX(), reg.Y2)
		VEXTRACTI128(U8(1), a, reg.X3)
		VCVTDQ2PD(reg.X3, reg.Y3)
		VMULPD(div, reg.Y2, reg.Y2)
		VMULPD(div, reg.Y3, reg.Y3)
		VCVTTPD2DQY(reg.Y2, reg.X2)
		VCVTTPD2DQY(reg.Y3, reg.X3)
		VINSERTI128(U8(1), reg.X3, reg.Y2, q)
	} else {
		VCVTDQ2PS(a, q)
		VMULPS(div, q, q)
		VCVTTPS2DQ(q, q)
	}
	cnt, cntm1 := reg.Y10, reg.Y11
	VPMULLD(cnt, q, reg.Y2)
	VPSUBD(reg.Y2, a, reg.Y2) // r
	VPSRAD(U8(31), reg.Y2, reg.Y3)
	VPADDD(reg.Y3, q, q)
	VPCMPGTD(cntm1, reg.Y2, reg.Y3)
	VPSUBD(reg.Y3, q, q)
	VPSIGND(s, q, q)
	VPMAXSD(lo, q, q)
	VPMINSD(hi, q, q)
	VEXTRACTI128(U8(1), q, reg.X2)
	VPACKSSDW(reg.X2, q.AsX(), q.AsX())
	if wide {
		VMOVDQU(q.AsX(), Mem{Base: dst, Index: c, Scale: 1})
	} else {
		VPACKSSWB(q.AsX(), q.AsX(), q.AsX())
		VMOVQ(q.AsX(), Mem{Base: dst, Index: c, Scale: 1})
	}
	ADDQ(U8(size), c)
	JMP(LabelRef(name + "_chunk"))
	Label(name + "_next")
	ADDQ(addr("dstStep"), dst)
	ADDQ(addr("srcStep"), src)
	DECQ(n)
	JNZ(LabelRef(name + "_pixel"))
	VZEROUPPER()
	RET()
}

// sumPoolAVX2 emits sumPool8AVX2 for *poolArgs (asm.SumPoolInt8, which
// keeps rows·cols <= 256): per output pixel, the sums of the window's
// taps added to the int32 dst (dstStep in bytes). 64, then 32 channels a
// step sum in int16 lanes (VPMOVSXBW + VPADDW: 256 taps of -128 reach -32768, no
// further), widened (VPMOVSXWD) and added to dst at the end; then 8 a
// step in int32 lanes (VPMOVSXBD + VPADDD).
func sumPoolAVX2() { sumPoolKernel(false) }

// sumPoolAVX512 emits sumPool8AVX512: sumPool8AVX2 with zmm int16 sums
// (AVX-512BW), 128, 64 and 32 channels a step, then the same 8 a step:
// half the instructions per byte of the ymm kernel. BenchmarkSumPoolGlobal
// (asm): 1.8x the ymm kernel's bytes per second with the input in L1,
// 1.15x from L2 (MobileNetV2's 7x7x1280 MEAN, ~97 GB/s here, where wider
// steps and software prefetch gained nothing more).
func sumPoolAVX512() { sumPoolKernel(true) }

// sumPoolKernel emits sumPool8AVX2 or (wide) sumPool8AVX512.
func sumPoolKernel(wide bool) {
	name, widths, lane := "sumPool8AVX2", []int{64, 32, 8}, 16
	acc16 := []reg.VecPhysical{reg.Y0, reg.Y1, reg.Y2, reg.Y3}
	t := []reg.VecPhysical{reg.Y4, reg.Y5, reg.Y6, reg.Y7}
	if wide {
		name, widths, lane = "sumPool8AVX512", []int{128, 64, 32, 8}, 32
		acc16 = []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3}
		t = []reg.VecPhysical{reg.Z16, reg.Z17, reg.Z18, reg.Z19}
	}
	kernel(name, NOSPLIT, "poolArgs")
	kdoc(name + ": for n pixels and chunks chunks of 8 channels, the int32 dst += the sum of the window's int8 taps (rows·cols <= 256).")
	dst, src, n, end := reg.RDI, reg.RSI, reg.RCX, reg.RBX
	rs, cs := reg.R11, reg.R13
	c, row, tap, rows, cols, lim := reg.RAX, reg.RDX, reg.R8, reg.R9, reg.R10, reg.R12
	Load(arg("dst"), dst)
	Load(arg("src"), src)
	Load(arg("n"), n)
	Load(arg("chunks"), end)
	SHLQ(U8(3), end)
	Load(arg("rowStride"), rs)
	Load(arg("colStride"), cs)
	Label(name + "_pixel")
	XORQ(c, c)
	for _, w := range widths {
		l := fmt.Sprintf("%s_c%d", name, w)
		nv := w / lane
		Label(l)
		LEAQ(Mem{Base: c, Disp: w}, lim)
		CMPQ(lim, end)
		JA(LabelRef(l + "_end"))
		if w >= 32 {
			for _, y := range acc16[:nv] {
				if wide {
					VPXORD(y, y, y)
				} else {
					VPXOR(y, y, y)
				}
			}
		} else {
			VMOVDQU(Mem{Base: dst, Index: c, Scale: 4}, reg.Y0)
		}
		LEAQ(Mem{Base: src, Index: c, Scale: 1}, row)
		Load(arg("rows"), rows)
		Label(l + "_row")
		MOVQ(row, tap)
		Load(arg("cols"), cols)
		Label(l + "_col")
		if w >= 32 {
			for j := range nv {
				VPMOVSXBW(Mem{Base: tap, Disp: lane * j}, t[j])
			}
			for j, y := range acc16[:nv] {
				VPADDW(t[j], y, y)
			}
		} else {
			VPMOVSXBD(Mem{Base: tap}, reg.Y4)
			VPADDD(reg.Y4, reg.Y0, reg.Y0)
		}
		ADDQ(cs, tap)
		DECQ(cols)
		JNZ(LabelRef(l + "_col"))
		ADDQ(rs, row)
		DECQ(rows)
		JNZ(LabelRef(l + "_row"))
		if w >= 32 {
			// Channels lane·j to lane·j+lane−1 in acc16[j]: each half
			// widened to dwords and added to dst.
			for j, v := range acc16[:nv] {
				lo, hi, half := reg.Y4, reg.Y5, 32 // half: bytes of dst per half
				if wide {
					lo, hi, half = reg.Z16, reg.Z17, 64
					VEXTRACTI64X4(U8(1), v, reg.Y18)
					VPMOVSXWD(v.AsY(), lo)
					VPMOVSXWD(reg.Y18, hi)
				} else {
					VEXTRACTI128(U8(1), v, reg.X6)
					VPMOVSXWD(v.AsX(), lo)
					VPMOVSXWD(reg.X6, hi)
				}
				m0 := Mem{Base: dst, Index: c, Scale: 4, Disp: 2 * half * j}
				VPADDD(m0, lo, lo)
				VPADDD(m0.Offset(half), hi, hi)
				if wide {
					VMOVDQU32(lo, m0)
					VMOVDQU32(hi, m0.Offset(half))
				} else {
					VMOVDQU(lo, m0)
					VMOVDQU(hi, m0.Offset(half))
				}
			}
		} else {
			VMOVDQU(reg.Y0, Mem{Base: dst, Index: c, Scale: 4})
		}
		ADDQ(U32(w), c)
		JMP(LabelRef(l))
		Label(l + "_end")
	}
	ADDQ(addr("dstStep"), dst)
	ADDQ(addr("srcStep"), src)
	DECQ(n)
	JNZ(LabelRef(name + "_pixel"))
	VZEROUPPER()
	RET()
}

// mulAVX512 emits mulInt8AVX512: mulAVX2's arithmetic, 32 values a step
// in zmm (AVX512BW word multiplies; see mulKernel).
func mulAVX512() { mulKernel(true) }

// mulAVX2 emits mulInt8AVX2 (see mulKernel).
func mulAVX2() { mulKernel(false) }

// mulKernel's arithmetic (asm.MulInt8, *mulArgs): the offset inputs are
// int16 (VPMOVSXBW + VPADDW) and their exact int32 products come from VPMULLW/VPMULHW interleaved by
// VPUNPCKLWD/VPUNPCKHWD (within 128-bit lanes; VPACKSSDW at the end
// undoes that order). Each product vector is shifted left (wrapping,
// VPSLLD), then SRDHM by mult >= 0 is floor((x·mult + 2^30) / 2^31) =
// the high dword of 2·x·mult + 2^31 (|x·mult| < 2^62, so doubling stays
// in int64): VPMULDQ on the even and (shifted down) odd lanes, doubled,
// rounded and recombined with VPBLENDD. RoundingDivideByPOT keeps the
// mask/threshold form: r = h >> right, plus one where h & mask > half −
// (h >> 31). Then the offset and the clamp in int32, and narrowing.
//
// mulKernel emits mulInt8AVX2 (16 values a step in ymm) or, wide,
// mulInt8AVX512 (32 in zmm). EVEX has no VPBLENDD: the wide kernel merges
// the even and odd high dwords under the mask 0xAAAA (VPBLENDMD), does the
// rounding fix-up as a masked add of one where h & mask > half − (h >>
// 31), and narrows the 32 words (in order, as VPACKSSDW undoes the
// in-lane unpack order) with VPMOVSWB.
func mulKernel(wide bool) {
	name, step, isa := "mulInt8AVX2", 16, "AVX2"
	v := []reg.VecPhysical{reg.Y0, reg.Y1, reg.Y2, reg.Y3, reg.Y4, reg.Y5, reg.Y6, reg.Y7, reg.Y8, reg.Y9, reg.Y10, reg.Y11, reg.Y12, reg.Y13, reg.Y14, reg.Y15}
	if wide {
		name, step, isa = "mulInt8AVX512", 32, "AVX-512BW"
		v = []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7, reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15}
	}
	kernel(name, NOSPLIT, "mulArgs")
	kdoc(fmt.Sprintf("%s computes out[i] = a[i]·b[i] for i < n (n a positive multiple of %d) with asm.MulInt8's arithmetic (%s).", name, step, isa))
	out, a, b, n := reg.RDI, reg.RSI, reg.RDX, reg.RCX
	Load(arg("out"), out)
	Load(arg("a"), a)
	Load(arg("b"), b)
	Load(arg("n"), n)
	off1, off2, mult, mask, half, off, lo, hi := v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]
	left, right, round := reg.X6, reg.X7, v[5]
	VPBROADCASTW(addr("off1"), off1) // int16 lanes: the low half of the int32 field
	VPBROADCASTW(addr("off2"), off2)
	for _, f := range []struct {
		n string
		r reg.VecPhysical
	}{{"mult", mult}, {"mask", mask}, {"half", half}, {"off", off}, {"lo", lo}, {"hi", hi}} {
		VPBROADCASTD(addr(f.n), f.r)
	}
	VMOVD(addr("left"), left)
	VMOVD(addr("right"), right)
	one, odd, above := reg.Z16, reg.K1, reg.K2
	if wide {
		VPTERNLOGD(U8(0xff), round, round, round)
		VPSRLD(U8(31), round, one) // 1 in every dword
		MOVL(U32(0xaaaa), reg.EAX)
		KMOVW(reg.EAX, odd)
	} else {
		VPCMPEQD(round, round, round)
	}
	// 2^31 in every qword: 1 << 31 from a dword of ones.
	VPSRLQ(U8(63), round, round)
	VPSLLQ(U8(31), round, round)
	Label(name + "_loop")
	x0, x1, p0, p1, t := v[0], v[1], v[2], v[3], v[4]
	VPMOVSXBW(Mem{Base: a}, x0)
	VPMOVSXBW(Mem{Base: b}, x1)
	VPADDW(off1, x0, x0)
	VPADDW(off2, x1, x1)
	VPMULLW(x1, x0, p0)
	VPMULHW(x1, x0, p1)
	VPUNPCKLWD(p1, p0, x0)
	VPUNPCKHWD(p1, p0, x1)
	for _, x := range []reg.VecPhysical{x0, x1} {
		VPSLLD(left, x, x)
		VPMULDQ(mult, x, p0)
		VPSRLQ(U8(32), x, p1)
		VPMULDQ(mult, p1, p1)
		VPADDQ(p0, p0, p0)
		VPADDQ(p1, p1, p1)
		VPADDQ(round, p0, p0)
		VPADDQ(round, p1, p1)
		VPSRLQ(U8(32), p0, p0)
		// h: the high dwords of the even and odd products.
		if wide {
			VPBLENDMD(p1, p0, odd, x)
		} else {
			VPBLENDD(U8(0xaa), p1, p0, x)
		}
		VPSRAD(right, x, p1) // h >> right
		if wide {
			VPANDD(mask, x, p0) // h & mask
		} else {
			VPAND(mask, x, p0)
		}
		VPSRAD(U8(31), x, t)
		VPSUBD(t, half, t) // half − (h >> 31)
		// One more where h & mask > that threshold.
		if wide {
			VPCMPGTD(t, p0, above)
			VPADDD(one, p1, above, p1)
			VPADDD(off, p1, x)
		} else {
			VPCMPGTD(t, p0, p0)
			VPSUBD(p0, p1, x)
			VPADDD(off, x, x)
		}
		VPMAXSD(lo, x, x)
		VPMINSD(hi, x, x)
	}
	VPACKSSDW(x1, x0, x0) // int16, back in the original order
	if wide {
		VPMOVSWB(x0, x0.AsY())
		VMOVDQU(x0.AsY(), Mem{Base: out})
	} else {
		VEXTRACTI128(U8(1), x0, t.AsX())
		VPACKSSWB(t.AsX(), x0.AsX(), x0.AsX())
		VMOVDQU(x0.AsX(), Mem{Base: out})
	}
	ADDQ(U8(step), a)
	ADDQ(U8(step), b)
	ADDQ(U8(step), out)
	SUBQ(U8(step), n)
	JNZ(LabelRef(name + "_loop"))
	VZEROUPPER()
	RET()
}
