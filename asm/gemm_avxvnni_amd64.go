//go:build !purego

package asm

// Go side of the AVX-VNNI GEMM kernels (gemmAVXVNNI*, gemmAVXVNNIB,
// gemm32AVXVNNI; asm/_gen/gemm_avxvnni.go): the VEX VPDPBUSD on ymm
// registers of CPUs with AVX-VNNI but without AVX-512 (Alder Lake-N,
// Raptor Lake, Arrow Lake). Panels of 16 columns in the AVX-512 VNNI
// layout (vnniPackPanels), the AVX2 kernels' epilogues (the bounded one
// with avx2PrepareBounded's constants, its bias replaced by bias −
// 128·RowSums).

const avxvnniPanel = 16

type avxvnniGemm struct{}

func (avxvnniGemm) pack(w []int8, n, k int) *PackedMatrix {
	return vnniPackPanels(w, n, k, avxvnniPanel)
}

func (avxvnniGemm) gemm(a []int8, lda, m int, w *PackedMatrix, e *Epilogue, out []int8, ldo int, rt []int32) {
	n, k := w.N, w.K
	if b := e.avx2Bounded; b != nil && b.w == w {
		// Every full panel, and a last partial one of a multiple of 4
		// columns, with the bounded epilogue; any other partial panel
		// below.
		full := n / avxvnniPanel
		var zero int32
		rt0, rts := rowTerms(rt, &zero)
		gemmAVXVNNIB(&gemmArgs{a: &a[0], lda: lda, m: m, k: k, w: &w.Data[0], panels: full, tail: b.tail, out: &out[0], ldo: ldo, q: &b.q[0], rt: rt0, rts: rts})
		if nb := full*avxvnniPanel + b.tail; nb < n {
			avxvnniPanels(a, lda, m, w, e, out, ldo, full*avxvnniPanel, n, rt)
		}
		return
	}
	avxvnniPanels(a, lda, m, w, e, out, ldo, 0, n, rt)
}

// avxvnniPanels computes columns [c0, c1) (c0 a multiple of 16) of m
// rows, one 16-column panel per kernel call, with the general epilogue.
func avxvnniPanels(a []int8, lda, m int, w *PackedMatrix, e *Epilogue, out []int8, ldo int, c0, c1 int, rt []int32) {
	n, k := w.N, w.K
	var zero int32
	rt0, rts := rowTerms(rt, &zero)
	panelBytes := ((k + 3) &^ 3) * avxvnniPanel
	fast := fastEpilogue(e, n)
	args := gemmArgs{a: &a[0], lda: lda, m: m, k: k, ldo: ldo, outOff: e.outOffset, lo: e.lo, hi: e.hi, rts: rts}
	for p := c0 / avxvnniPanel; c0 < c1; c0, p = c0+avxvnniPanel, p+1 {
		cols := min(avxvnniPanel, n-c0)
		args.w, args.out, args.ncols, args.rt = &w.Data[p*panelBytes], &out[c0], cols, rt0
		if cols == avxvnniPanel {
			args.bias, args.mult, args.shift, args.rowsum = &e.bias[c0], &e.mult[c0], &e.shift[c0], &w.RowSums[c0]
			avxvnniPanel16(fast, &args)
			continue
		}
		// The kernel reads 16 channels of parameters (see avx2Panels).
		var bias, mult, shift, rowsum [avxvnniPanel]int32
		copy(bias[:], e.bias[c0:n])
		copy(mult[:], e.mult[c0:n])
		copy(shift[:], e.shift[c0:n])
		copy(rowsum[:], w.RowSums[c0:n])
		last := args
		last.bias, last.mult, last.shift, last.rowsum = &bias[0], &mult[0], &shift[0], &rowsum[0]
		avxvnniPanel16(fast, &last)
	}
}

func avxvnniPanel16(fast bool, args *gemmArgs) {
	if fast {
		gemmAVXVNNIFast(args)
	} else {
		gemmAVXVNNI(args)
	}
}

func (avxvnniGemm) prepare(w *PackedMatrix, e *Epilogue) {
	e.avx2Bounded = avxvnniPrepareBounded(w, e)
}

// avxvnniPrepareBounded is avx2PrepareBounded for the AVX-VNNI kernel
// (gemmAVXVNNIB): the same conditions but no limit on K (the rows are not
// widened into a frame), and each panel's first 16 constants are bias −
// 128·RowSums (the sums' start; gemmAVXVNNIB doubles the sums after the K
// loop) instead of 2·bias.
func avxvnniPrepareBounded(w *PackedMatrix, e *Epilogue) *avx2Bounded {
	// |bias| < 2^30 and 128·|RowSums| < 2^30 where the bound holds.
	return prepareBounded16(w, e, func(c int) int32 { return e.bias[c] - 128*w.RowSums[c] })
}

func (avxvnniGemm) gemm32(a []int8, lda, m int, w *PackedMatrix, out []int32, ldo int) {
	n, k := w.N, w.K
	panelBytes := ((k + 3) &^ 3) * avxvnniPanel
	var zero int32 // the row term the shared tile code starts every sum from
	args := gemm32Args{a: &a[0], lda: lda, m: m, k: k, ldo: 4 * ldo, rt: &zero}
	for c0, p := 0, 0; c0 < n; c0, p = c0+avxvnniPanel, p+1 {
		cols := min(avxvnniPanel, n-c0)
		args.w, args.out, args.mask = &w.Data[p*panelBytes], &out[c0], &gemm32Masks[avxvnniPanel-cols]
		if cols == avxvnniPanel {
			args.rowsum = &w.RowSums[c0]
			gemm32AVXVNNI(&args)
			continue
		}
		var rowsum [avxvnniPanel]int32
		copy(rowsum[:], w.RowSums[c0:n])
		last := args
		last.rowsum = &rowsum[0]
		gemm32AVXVNNI(&last)
	}
}

var _ gemm32Impl = avxvnniGemm{}
