package ops

import (
	"math"

	"github.com/edgerun/edgerun/asm"
)

// TRANSPOSE_CONV int8 on the asm GEMM kernels: the sub-pixel (phase)
// decomposition.
//
// Along one axis (stride s, filter size kk, padding pad), output o gets
// input i through tap t when o = i·s - pad + t. The outputs of one phase p
// (o = p + s·j) are reached only by the taps t ≡ p + pad (mod s): with
// r = (p + pad) mod s and c = (p + pad - r) / s they are t = r + s·a for
// a < T = ceil((kk - r) / s), and then i = j + c - a. Numbering those taps
// backwards, u = T-1-a, gives i = j + off + u with off = c - (T-1): the
// phase is an ordinary stride-1 correlation of the input with the
// sub-filter of taps u (a T-tap filter, its input window starting at
// j + off). In two dimensions, phase (py, px) is a stride-1 convolution
// with a Th×Tw sub-filter whose outputs are every sh-th row and sw-th
// column of the output: each output row segment of a phase is an im2col
// block and one Gemm writing at stride sw·outC.
//
// Every output value is the sum of the same products as the reference's
// scatter (which adds, per input pixel, input·filter into an int32
// accumulator, taps falling outside the output dropped): the taps of a
// phase whose input lies outside the image are filled with the input zero
// point, which contributes (zp + input_offset)·f = 0, as conv's im2col.
// input_offset·Σ(sub-filter) is folded into each phase's bias. Wrapping
// int32 addition is a ring, so the regrouped sum is the reference's bit
// for bit. A phase with no taps (a filter smaller than the stride) is the
// bias alone, its output bytes computed once at prepare.

// tconvAxis is one phase of one axis.
type tconvAxis struct {
	taps int // T: sub-filter taps along the axis
	off  int // input index of output j's tap 0 is j + off
	n    int // outputs of the phase: ceil((out - p) / s)
}

func tconvAxes(stride, kk, pad, out int) []tconvAxis {
	ax := make([]tconvAxis, stride)
	for p := range ax {
		r := (p + pad) % stride
		c := (p + pad) / stride
		t := 0
		if r < kk {
			t = (kk - r + stride - 1) / stride
		}
		n := 0
		if p < out {
			n = (out - p + stride - 1) / stride
		}
		ax[p] = tconvAxis{taps: t, off: c - (t - 1), n: n}
	}
	return ax
}

// tconvPhase is the GEMM of one 2-D phase (nil packed: no taps).
type tconvPhase struct {
	th, tw int
	k      int // th·tw·inC, the patch length
	packed *asm.PackedMatrix
	epi    *asm.Epilogue
}

// tconvGemm is the int8 kernel's GEMM path.
type tconvGemm struct {
	impl       *asm.Impl
	rows, cols []tconvAxis  // per phase along H, W
	phases     []tconvPhase // [py·strideW + px]
	biasOut    []int8       // outC bytes: the output of a pixel no tap reaches
	zpRow      []int8       // twMax·inC input zero points
	kMax       int          // the longest patch
	twMax      int          // the widest sub-filter
	blockRows  int          // pixels per im2col block
	nwMax      int          // the most pixels of one output row segment
}

// prepareGemm builds the phases: sub-filters packed for the selected
// implementation, each with its folded bias.
func (k *transposeConvKernel) prepareGemm(rq *requantizer) {
	g := &tconvGemm{impl: asm.Selected()}
	g.rows = tconvAxes(k.strideH, k.kh, k.padTop, k.outH)
	g.cols = tconvAxes(k.strideW, k.kw, k.padLeft, k.outW)
	g.phases = make([]tconvPhase, k.strideH*k.strideW)
	inC := k.inC
	for py, ry := range g.rows {
		for px, rx := range g.cols {
			ph := &g.phases[py*k.strideW+px]
			ph.th, ph.tw = ry.taps, rx.taps
			ph.k = ph.th * ph.tw * inC
			g.twMax = max(g.twMax, ph.tw)
			if ph.k == 0 || ry.n == 0 || rx.n == 0 {
				continue
			}
			g.kMax = max(g.kMax, ph.k)
			g.nwMax = max(g.nwMax, rx.n)
			// Sub-filter row [u][v][ci] of channel oc is filter[oc][ky][kx][ci]
			// with ky = r + s·(th-1-u), r = (py + pad) mod s (and across).
			r0, c0 := (py+k.padTop)%k.strideH, (px+k.padLeft)%k.strideW
			sub := make([]int8, k.outC*ph.k)
			bias := make([]int32, k.outC)
			for oc := 0; oc < k.outC; oc++ {
				dst := sub[oc*ph.k:][:ph.k]
				for u := 0; u < ph.th; u++ {
					ky := r0 + k.strideH*(ph.th-1-u)
					for v := 0; v < ph.tw; v++ {
						kx := c0 + k.strideW*(ph.tw-1-v)
						copy(dst[(u*ph.tw+v)*inC:][:inC], k.filter[((oc*k.kh+ky)*k.kw+kx)*inC:][:inC])
					}
				}
				bias[oc] = rq.bias[oc] + k.inputOffset*sumInt8(dst)
			}
			ph.packed = g.impl.PackMatrix(sub, k.outC, ph.k)
			ph.epi = asm.NewEpilogue(bias, rq.mult, rq.shift, rq.outOff, rq.lo, rq.hi)
			g.impl.PrepareEpilogue(ph.packed, ph.epi)
		}
	}
	g.biasOut = make([]int8, k.outC)
	rq.epilogue().Requantize(make([]int32, k.outC), 0, g.biasOut)
	g.zpRow = make([]int8, max(g.twMax, 1)*inC)
	for i := range g.zpRow {
		g.zpRow[i] = int8(-k.inputOffset)
	}
	g.blockRows = 0
	if g.kMax > 0 {
		// About 48 KiB of patches per GEMM, whole 6-row blocks of the
		// kernels, at most one output row segment.
		g.blockRows = min(max(6, (48<<10)/g.kMax/6*6), g.nwMax)
	}
	k.gemm = g
}

// padBytes is the scratch of the padded input row segment of blockRows
// pixels.
func (g *tconvGemm) padBytes(blockRows, inC int) int64 {
	return int64(blockRows+g.twMax-1) * int64(inC)
}

func (g *tconvGemm) scratchBytes(blockRows, inC int) int {
	if g.kMax == 0 {
		return 0
	}
	return int(min(int64(blockRows)*int64(g.kMax)+g.padBytes(blockRows, inC), math.MaxInt))
}

// FitScratch shrinks the im2col blocks to fit n bytes (whole 6-row blocks
// where it can).
func (k *transposeConvKernel) FitScratch(n int) {
	g := k.gemm
	if g == nil || g.kMax == 0 || n >= k.ScratchBytes() {
		return
	}
	rows := max((n-(g.twMax-1)*k.inC)/(g.kMax+k.inC), 1)
	if rows >= 6 {
		rows = rows / 6 * 6
	}
	g.blockRows = min(g.blockRows, rows)
}

// LeanScratchBytes: blocks of two of the GEMM kernels' 6-row blocks.
func (k *transposeConvKernel) LeanScratchBytes() int {
	if k.gemm == nil || k.gemm.kMax == 0 {
		return k.ScratchBytes()
	}
	return min(k.ScratchBytes(), k.gemm.scratchBytes(min(12, k.gemm.blockRows), k.inC))
}

// evalGemm computes output rows [lo, hi) of batches·outH: per row, the
// row segments of its strideW phases.
func (k *transposeConvKernel) evalGemm(in, out, scratch []int8, lo, hi int) {
	g := k.gemm
	inC, inW := k.inC, k.inW
	plane := k.inH * inW * inC
	ldo := k.strideW * k.outC
	var patches, pad []int8
	if g.kMax > 0 {
		patches = scratch[:g.blockRows*g.kMax]
		pad = scratch[g.blockRows*g.kMax:][:g.padBytes(g.blockRows, inC)]
	}
	for r := lo; r < hi; r++ {
		b, oy := r/k.outH, r%k.outH
		py, j := oy%k.strideH, oy/k.strideH
		ry := g.rows[py]
		src := in[b*plane:][:plane]
		rowOut := out[r*k.outW*k.outC:][:k.outW*k.outC]
		for px, rx := range g.cols {
			if rx.n == 0 {
				continue
			}
			ph := &g.phases[py*k.strideW+px]
			dst := rowOut[px*k.outC:]
			if ph.packed == nil {
				for i := 0; i < rx.n; i++ {
					copy(dst[i*ldo:][:k.outC], g.biasOut)
				}
				continue
			}
			rowLen := ph.tw * inC
			for i0 := 0; i0 < rx.n; i0 += g.blockRows {
				m := min(g.blockRows, rx.n-i0)
				buf := patches[:m*ph.k]
				// Input columns [x0, x0 + m + tw - 1) feed the block.
				x0 := i0 + rx.off
				width := m + ph.tw - 1
				for u := 0; u < ph.th; u++ {
					iy := j + ry.off + u
					if iy < 0 || iy >= k.inH {
						g.impl.CopyRows(buf[u*rowLen:], ph.k, g.zpRow, 0, rowLen, m)
						continue
					}
					line := src[iy*inW*inC:][:inW*inC]
					if x0 >= 0 && x0+width <= inW {
						g.impl.CopyRows(buf[u*rowLen:], ph.k, line[x0*inC:], inC, rowLen, m)
						continue
					}
					// Border: a padded copy of the columns, then one
					// strided copy.
					p := pad[:width*inC]
					cl, ch := min(max(-x0, 0), width), max(min(inW-x0, width), 0)
					if ch <= cl {
						cl, ch = width, width
					} else {
						copy(p[cl*inC:ch*inC], line[(x0+cl)*inC:])
					}
					fillFromRow(p[:cl*inC], g.zpRow)
					fillFromRow(p[ch*inC:], g.zpRow)
					g.impl.CopyRows(buf[u*rowLen:], ph.k, p, inC, rowLen, m)
				}
				g.impl.Gemm(buf, ph.k, m, ph.packed, ph.epi, dst[i0*ldo:], ldo)
			}
		}
	}
}
