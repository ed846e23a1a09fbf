package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// The int32-output GEMM (asm.GemmInt32): the int8 GEMMs' K loops on the
// same packed panels, then, instead of the requantization epilogue, the
// exact int32 sums stored to out (rows at ldo bytes). The argument
// struct is asm.gemm32Args (gemm32_amd64.go).

// gemm32Kernels emits every int32-output kernel.
func gemm32Kernels() {
	for nz := 1; nz <= 3; nz++ {
		gemm32VNNI(nz)
	}
	gemm32AVX2(false)
	gemm32AVX2(true)
	gemm32AVXVNNI()
}

// gemm32VNNI emits gemm32VNNI<nz>: m rows of one VNNI panel of nz·16
// columns (gemmVNNI's layout). VPDPBUSD sums (a+128)·w; the store
// subtracts 128·RowSums[c]. Rows 6 at a time, then 5..1; one row (GEMV)
// sums into vnniGEMVLoop's four sets.
func gemm32VNNI(nz int) {
	name := fmt.Sprintf("gemm32VNNI%d", nz)
	kernel(name, NOSPLIT, "gemm32Args")
	kdoc(fmt.Sprintf("%s computes the int32 sums of m rows of a %d-column panel (AVX-512 VNNI): out = Σ a·w, rows at p.ldo bytes; the last vector stores through p.kmask.", name, nz*16))
	a, lda, m, out, ldo := gemmRowArgs()
	kmask := reg.K1
	Load(arg("kmask"), reg.R12)
	KMOVW(reg.R12.As32(), kmask)
	x80 := reg.Z31
	VPBROADCASTD(cX80(), x80)
	rowBlocks(name, vnniMR, a, lda, m, out, ldo, func(mr int) {
		gemm32VNNITile(name, nz, mr, kmask, x80)
	})
}

// gemm32VNNITile is one block of mr rows: the int8 GEMM's K loop
// (vnniKLoop), then the uint8-offset correction and the int32 stores.
func gemm32VNNITile(name string, nz, mr int, kmask reg.Register, x80 reg.VecPhysical) {
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
	for r := 0; r < mr; r++ {
		for j := 0; j < nz; j++ {
			VPXORD(accR(r, j), accR(r, j), accR(r, j))
		}
	}
	vnniKLoop(lbl, nz, mr, zs, x80, lda, false)
	rs, op := reg.R9, reg.R12
	Load(arg("rowsum"), rs)
	corr := zs[27]
	for j := 0; j < nz; j++ {
		last := j == nz-1
		if last {
			VMOVDQU32_Z(Mem{Base: rs, Disp: 64 * j}, kmask, corr)
		} else {
			VMOVDQU32(Mem{Base: rs, Disp: 64 * j}, corr)
		}
		VPSLLD(U8(7), corr, corr)
		MOVQ(reg.RDX, op)
		for r := 0; r < mr; r++ {
			x := accR(r, j)
			VPSUBD(corr, x, x)
			if last {
				VMOVDQU32(x, kmask, Mem{Base: op, Disp: 64 * j})
			} else {
				VMOVDQU32(x, Mem{Base: op, Disp: 64 * j})
			}
			if r < mr-1 {
				ADDQ(reg.RDI, op)
			}
		}
	}
}

// storeSums32AVX2 stores the int32 sums of mr rows (Y2r, Y2r+1: 16
// columns) at out (RDX), rows ldo (RDI) apart, through the 16 dword masks
// at p.mask (VPMASKMOVD: a last, narrower panel stores its columns only).
// Clobbers Y12, Y13, R9, R12.
func storeSums32AVX2(mr int) {
	m0, m1, op := ys[12], ys[13], reg.R12
	Load(arg("mask"), reg.R9)
	VMOVDQU(Mem{Base: reg.R9}, m0)
	VMOVDQU(Mem{Base: reg.R9, Disp: 32}, m1)
	MOVQ(reg.RDX, op)
	for r := 0; r < mr; r++ {
		VPMASKMOVD(ys[2*r], m0, Mem{Base: op})
		VPMASKMOVD(ys[2*r+1], m1, Mem{Base: op, Disp: 32})
		if r < mr-1 {
			ADDQ(reg.RDI, op)
		}
	}
}

// gemm32AVX2 emits gemm32AVX2 (widen: gemm32AVX2W): m rows of one AVX2
// panel of 16 columns (gemmAVX2's layout and K loops, avx2KDirect and
// avx2KWiden), the sums stored with VPMASKMOVD through the 16 dword
// masks at p.mask (so a last, narrower panel stores its columns only).
func gemm32AVX2(widen bool) {
	name := "gemm32AVX2"
	flags := attr.NOSPLIT
	size := 0
	if widen {
		name += "W"
		flags = 0
		size = avx2XBuf + avx2MR*avx2XRow
	}
	kernel(name, flags, "gemm32Args")
	text := "computes the int32 sums of m rows of a 16-column panel (AVX2): out = Σ a·w, rows at p.ldo bytes, columns where the dwords at p.mask are -1."
	if widen {
		text += " Rows widened to int16 in the frame first (for m >= 6)."
	}
	kdoc(name + " " + text)
	var frame Mem
	if widen {
		frame = AllocLocal(size)
	}
	a, lda, m, out, ldo := gemmRowArgs()
	rowBlocks(name, avx2MR, a, lda, m, out, ldo, func(mr int) {
		lbl := func(s string) string { return fmt.Sprintf("%s_m%d_%s", name, mr, s) }
		p0, p1 := reg.R12, reg.R13
		rowPointers(mr, a, lda, p0, p1)
		if widen {
			avx2KWiden(lbl, mr, frame)
		} else {
			avx2KDirect(lbl, mr)
		}
		Label(lbl("epi"))
		storeSums32AVX2(mr)
	})
}
