package ops

import (
	"math"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// CONV_2D, bit-exact with TFLite Micro's reference_integer_ops::ConvPerChannel
// (and, for legacy uint8 models the converter shifted to int8, with the
// reference uint8 Conv, which is the same formula plus a filter offset):
//
//	acc = Σ over in-bounds taps (ky,kx) and input channels ci of
//	      (filter[oc,ky,kx,ci] + filter_offset) · (input[b,iy,ix,ci] + input_offset)
//	acc += bias[oc]
//	out = clamp(MultiplyByQuantizedMultiplier(acc, M[oc], shift[oc]) + output_offset)
//
// The kernel computes it as a matrix product. For each output pixel the
// receptive field is gathered ("im2col") into a patch of KH·KW·Cin int8
// values, padding taps filled with the input zero point (= -input_offset),
// so that they contribute (zp + input_offset)·f = 0 exactly as the
// reference's skipped taps do. Expanding the product over the whole patch:
//
//	acc = Σ f·x + input_offset·Σf + filter_offset·Σx + K·filter_offset·input_offset
//
// where only Σ f·x (asm's GEMM) and, for legacy models, Σx depend on the pixel;
// bias + input_offset·Σf + K·filter_offset·input_offset is folded per channel
// at prepare. Every term is computed in wrapping int32 arithmetic, which is
// a ring: the regrouped sum equals the reference's sequential int32 sum bit
// for bit, overflow included.
//
// Grouped convolutions (filter input depth Cin/G) follow the reference:
// output channel oc reads input channels of group oc / (Cout/G).
//
// One group runs on the selected asm implementation's GEMM (evalGemm), a
// legacy filter offset as the GEMM's row term filter_offset·Σpatch
// (filter_offset.go); grouped convolutions (which no real model we run
// uses), and filter offsets with patches of 2^17 values or more, take a
// per-pixel Go path (evalGo) built on asm.DotRows.

// convKernel is a prepared CONV_2D.
type convKernel struct {
	in, out int32

	convShape
	kh, kw           int
	strideH, strideW int
	dilH, dilW       int
	padTop, padLeft  int

	groups    int // input channels / filter input depth
	groupIn   int // filter input depth
	groupOut  int // output channels per group
	patchSize int // kh·kw·groupIn, one row of the filter

	// pointwise: a 1×1 filter whose taps are always inside the image, so
	// an input pixel is its own patch and im2col is skipped.
	pointwise bool

	filter       []int8        // [outC][kh][kw][groupIn]
	inputZP      int8          // fills padding taps of the patch
	filterOffset int32         // non-zero only for legacy uint8 models
	epi          *asm.Epilogue // the folded requantization

	// impl is the asm implementation selected at prepare. When packed is
	// set (one group) the conv runs as its GEMMs:
	// pointwise convolutions straight from the input rows, others over
	// im2col blocks of blockRows output pixels in scratch; packed is the
	// filter packed once at prepare. Otherwise evalGo.
	impl      *asm.Impl
	packed    *asm.PackedMatrix
	zpRow     []int8 // kw·inC input zero points (im2col's padding)
	blockRows int
	// padRow is the scratch bytes of one padded input row segment
	// (im2colRun's padRow), 0 when unused; with ring, the width of each
	// of the kh padded rows im2colRing reads (see conv_ring.go).
	padRow int
	ring   bool
	// band: the conv reads its patches in place from kh padded input rows
	// in scratch (padRow bytes each) through asm's segmented GEMM, one
	// output row per call, instead of copying them (im2col); see
	// evalBand. segK is a filter row's segment: kw·inC rounded up to the
	// kernels' 4-byte groups (packed then holds the filter with zero
	// columns after each filter row).
	band bool
	segK int
	// bandRing: the band's scratch holds 2·kh padded rows, input row iy
	// in slots iy mod kh and (iy mod kh) + kh, so that an output row's kh
	// rows run consecutively from slot iy0 mod kh and each input row is
	// padded once (and copied once more) instead of once per output row
	// that reads it. Taken when that copies less (2·strideH < kh, no row
	// dilation: an audio model's 10-row filter at stride 2 copied 10 rows
	// per output row, 60 % of its time) and the arena has the room
	// (FitScratch).
	bandRing bool
	// pairF > 1: a conv of few output channels and a short patch also has
	// the block-diagonal matrix pairPacked, pairF copies of the filter,
	// which computes pairF consecutive pixels as one GEMM row of pairF
	// patches (contiguous in im2col's block, or in the input of a
	// stride-1 pointwise conv) into pairF·outC contiguous outputs. Such
	// a GEMM is mostly epilogue (a 16-lane epilogue for 8 channels, a few
	// multiply-adds), and this fills the lanes.
	// On the band path (band set too) the pairF pixels read one window
	// per filter row instead: pairSegK bytes from the first pixel's
	// segment on, pixel q's taps at q·strideW·inC within it
	// (prepareBandPairs).
	pairF      int
	pairPacked *asm.PackedMatrix
	pairEpi    *asm.Epilogue
	pairSegK   int
	// unitPixels > 0: the conv splits (Units, EvalRange, Access) into
	// runs of unitPixels output pixels instead of output rows (see
	// pixelSplit).
	unitPixels int
	// rtRows is, with a filter offset on the GEMM path, how many rows'
	// terms (filter_offset·Σpatch, int32) the scratch holds after the
	// im2col block and padRow: blockRows, or offsetChunk for pointwise
	// convolutions; 0 without a filter offset.
	rtRows int
}

func prepareConv2D(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if inputIs(m, op, 0, format.DTypeInt16) {
		return prepareConv16(m, op, path, false)
	}
	if err := wantCounts(op, path, 2, 3, 1); err != nil {
		return nil, err
	}
	p, f, shape, err := prepareConvShape(m, op, path)
	if err != nil {
		return nil, err
	}
	k := &convKernel{in: op.Inputs[0], out: op.Outputs[0], convShape: shape}
	fpath := path + " / input 1 (filter)"
	k.kh, k.kw, k.groupIn = int(f.Shape[1]), int(f.Shape[2]), int(f.Shape[3])
	if int(f.Shape[0]) != k.outC {
		return nil, format.Malformed(fpath, "shape %v has %d output channels, output has %d", f.Shape, f.Shape[0], k.outC)
	}
	if k.inC%k.groupIn != 0 {
		return nil, format.Malformed(fpath, "input depth %d does not divide the input's %d channels", k.groupIn, k.inC)
	}
	k.groups = k.inC / k.groupIn
	if k.outC%k.groups != 0 {
		return nil, format.Malformed(fpath, "%d output channels not divisible into %d groups", k.outC, k.groups)
	}
	k.groupOut = k.outC / k.groups
	k.patchSize = k.kh * k.kw * k.groupIn
	if err := windowParams(p, k.convShape, k.kh, k.kw, path); err != nil {
		return nil, err
	}
	k.strideH, k.strideW = int(p.StrideH), int(p.StrideW)
	k.dilH, k.dilW = int(p.DilationH), int(p.DilationW)
	k.padTop, k.padLeft = int(p.PadTop), int(p.PadLeft)
	q, err := prepareRequantizer(m, op, convQuant{p.InputOffset, p.FilterOffset, p.Requant, p.OutputOffset, p.ActMin, p.ActMax}, k.outC, path)
	if err != nil {
		return nil, err
	}
	k.prepareFilter(Int8s(f.Data), p.InputOffset, p.FilterOffset, q)
	return k, nil
}

// prepareFilter takes the filter ([outC][kh][kw][groupIn]) and the
// requantizer, folds the per-channel terms into the bias and prepares the
// kernel path.
func (k *convKernel) prepareFilter(filter []int8, inputOffset, filterOffset int32, q *requantizer) {
	k.filter = filter
	k.inputZP = int8(-inputOffset)
	k.filterOffset = filterOffset
	// Fold bias + input_offset·Σf + K·filter_offset·input_offset.
	kfo := int32(k.patchSize) * filterOffset * inputOffset
	for oc := 0; oc < k.outC; oc++ {
		q.bias[oc] += inputOffset*sumInt8(k.filter[oc*k.patchSize:][:k.patchSize]) + kfo
	}
	k.pointwise = k.kh == 1 && k.kw == 1 && k.padTop == 0 && k.padLeft == 0 &&
		(k.outH-1)*k.strideH < k.inH && (k.outW-1)*k.strideW < k.inW
	k.epi = q.epilogue()
	k.impl = asm.Selected()
	if k.groups == 1 {
		if k.filterOffset == 0 {
			k.prepareGemm()
		} else if bound, ok := rowTermBound(k.filterOffset, k.patchSize); ok {
			// filter_offset·Σpatch as the GEMM's row term.
			k.epi.BoundRowTerms(bound)
			k.prepareGemm()
		}
	}
}

// prepareGemm packs the filter for the selected implementation's GEMM and
// sizes the im2col blocks.
func (k *convKernel) prepareGemm() {
	k.packed = k.impl.PackMatrix(k.filter, k.outC, k.patchSize)
	k.impl.PrepareEpilogue(k.packed, k.epi)
	k.preparePairs()
	if k.pointwise {
		if k.filterOffset != 0 {
			k.rtRows = offsetChunk
		}
		k.unitPixels = k.pixelSplit()
		return
	}
	// A filter row of input zero points: im2col copies padding from it
	// rather than filling byte by byte.
	k.zpRow = make([]int8, k.kw*k.inC)
	for i := range k.zpRow {
		k.zpRow[i] = k.inputZP
	}
	// About 48 KiB of patches per GEMM (in L2 while every column panel
	// reads them), a multiple of the kernels' row blocks.
	pixels := k.batches * k.outH * k.outW
	k.blockRows = min(max(6, (48<<10)/k.patchSize/6*6), pixels)
	if k.dilW == 1 && k.kw*k.inC <= 64 {
		k.padRow = ((k.outW-1)*k.strideW + k.kw) * k.inC
		k.ring = k.useRing()
	}
	if k.usesBand() {
		k.prepareBand()
		if k.pairF > 1 {
			k.prepareBandPairs()
		}
	}
	if k.filterOffset != 0 {
		k.rtRows = k.blockRows
	}
}

// prepareBand switches the conv to padded input rows and the segmented
// GEMM (evalBand). A filter row of kw·inC bytes that is not a multiple of
// 4 (stems: 3x3 on 3 channels, 9 bytes) is padded with zero weights to
// segK: the GEMM then also reads the segK − kw·inC bytes after each
// filter row's window (the next pixels', or the scratch's slack after the
// last padded row), finite values times zero.
func (k *convKernel) prepareBand() {
	k.band, k.ring = true, false
	k.bandRing = k.dilH == 1 && 2*k.strideH < k.kh
	k.padRow = ((k.outW-1)*k.strideW + k.kw) * k.inC
	k.blockRows = 0
	row := k.kw * k.inC
	k.segK = (row + 3) &^ 3
	if k.segK == row {
		return
	}
	w := make([]int8, k.outC*k.kh*k.segK)
	for oc := range k.outC {
		for ky := range k.kh {
			copy(w[(oc*k.kh+ky)*k.segK:][:row], k.filter[(oc*k.kh+ky)*row:][:row])
		}
	}
	k.packed = k.impl.PackMatrix(w, k.outC, k.kh*k.segK)
	k.impl.PrepareEpilogue(k.packed, k.epi)
}

// usesBand reports whether the conv (not pointwise) runs on the band: the
// implementation has the segmented GEMM, dilation 1 across, no filter
// offset, and pixel groups only where bandPairs (else on im2col).
func (k *convKernel) usesBand() bool {
	return !k.pointwise && k.filterOffset == 0 && k.dilW == 1 && k.impl.HasGemmSegments() && (k.pairF <= 1 || k.bandPairs())
}

// bandPairs reports whether pixel groups on the band read one window per
// filter row: the windows of a group's pixels overlap or touch (strideW
// <= kw: a window is no longer than their filter rows side by side), and
// the group's filter (pairLanes columns of kh windows) stays within
// maxBandPairBytes: with few output channels a group has up to 16
// pixels, and a wide patch (a 1-channel head over 512 input channels)
// would make it a hundred times the filter.
func (k *convKernel) bandPairs() bool {
	if k.pointwise || k.filterOffset != 0 || k.dilW != 1 || !k.impl.HasGemmSegments() || k.strideW > k.kw ||
		k.outC > pairLanes/2 || pairLanes%k.outC != 0 {
		return false
	}
	f := int64(pairLanes / k.outC)
	window := ((f-1)*int64(k.strideW) + int64(k.kw)) * int64(k.inC)
	return int64(pairLanes)*int64(k.kh)*((window+3)&^3) <= maxBandPairBytes
}

// maxBandPairBytes bounds the filter of band pixel groups (bandPairs).
const maxBandPairBytes = 1 << 16

// prepareBandPairs packs pairPacked, for the band path, as the
// filter of pairF consecutive pixels that read one window per filter row
// (pairSegK bytes: the (pairF−1)·strideW + kw pixels the group's taps
// span, rounded up to the kernels' 4-byte groups), pixel q's taps
// q·strideW·inC bytes in, zero weights elsewhere. A 3x3 stem of one input
// channel at stride 2 reads 5 bytes a filter row for two pixels; its
// im2col (three 3-byte copies a pixel) cost three times the GEMM.
func (k *convKernel) prepareBandPairs() {
	f, row, step := k.pairF, k.kw*k.inC, k.strideW*k.inC
	k.pairSegK = ((f-1)*step + row + 3) &^ 3
	n, kk := f*k.outC, k.kh*k.pairSegK
	w := make([]int8, n*kk)
	for q := range f {
		for c := range k.outC {
			dst := w[(q*k.outC+c)*kk:][:kk]
			for ky := range k.kh {
				copy(dst[ky*k.pairSegK+q*step:][:row], k.filter[(c*k.kh+ky)*row:][:row])
			}
		}
	}
	k.pairPacked = k.impl.PackMatrix(w, n, kk)
	k.impl.PrepareEpilogue(k.pairPacked, k.pairEpi)
}

// bandSlack is how many bytes past the last padded row the band's GEMMs
// read: a segment (or a pixel group's window) rounded up to 4 bytes
// reads that much past its taps, with zero weights.
func (k *convKernel) bandSlack() int {
	row := k.kw * k.inC
	slack := k.segK - row
	if k.pairF > 1 {
		slack = max(slack, k.pairSegK-((k.pairF-1)*k.strideW*k.inC+row))
	}
	return slack
}

// pairLanes and pairMaxPatch bound the pixel pairing (see pairF): the
// paired rows make pairLanes outputs, of patches of at most pairMaxPatch
// bytes together (beyond, the multiply-adds of the zero blocks cost more
// than the epilogues saved).
const (
	pairLanes    = 16
	pairMaxPatch = 64
)

// preparePairs packs the block-diagonal matrix of pairF = pairLanes/outC
// filter copies when the conv qualifies: kernels that compute pairLanes
// columns together (generic's time follows the multiply-adds, which the
// zero blocks double), no filter offset (a row term would mix the
// pixels' sums). A conv that will read its pixel groups' windows on the
// band (bandPairs) takes pairs whatever its patch size: there a group
// costs a window per filter row, not f patches side by side
// (micro_speech's 10x8 filter at stride 2: 80-byte patches, two pixels
// in 10 windows of 12 bytes); prepareBandPairs packs their matrix.
func (k *convKernel) preparePairs() {
	f := pairLanes / k.outC
	if k.impl.GemmLanes() < pairLanes || k.filterOffset != 0 || k.outC > pairLanes/2 || pairLanes%k.outC != 0 {
		return
	}
	if k.bandPairs() {
		k.pairF = f
		k.pairEpi = k.epi.Repeat(f)
		return
	}
	if f*k.patchSize > pairMaxPatch {
		return
	}
	w := make([]int8, f*k.outC*f*k.patchSize)
	for q := range f {
		for c := range k.outC {
			row := w[(q*k.outC+c)*f*k.patchSize:][:f*k.patchSize]
			copy(row[q*k.patchSize:], k.filter[c*k.patchSize:][:k.patchSize])
		}
	}
	k.pairF = f
	k.pairPacked = k.impl.PackMatrix(w, f*k.outC, f*k.patchSize)
	k.pairEpi = k.epi.Repeat(f)
	k.impl.PrepareEpilogue(k.pairPacked, k.pairEpi)
}

// rtBytes is the scratch of rows' terms: 4·rows int32s and the slack to
// align them (int32Scratch), none without a filter offset.
func (k *convKernel) rtBytes(rows int) int64 {
	if k.filterOffset == 0 || k.packed == nil {
		return 0
	}
	return 3 + 4*int64(rows)
}

// padScratch is the scratch beside the im2col block: the ring of padded
// input rows, or one padded row segment.
func (k *convKernel) padScratch() int {
	if k.ring {
		return k.ringBytes()
	}
	if k.band {
		if k.bandRing {
			return 2*k.kh*k.padRow + k.bandSlack()
		}
		return k.kh*k.padRow + k.bandSlack()
	}
	return k.padRow
}

// ScratchBytes: the GEMM path's im2col block, or the Go path's patch and
// int32 accumulators (plus slack to align them). Computed in int64 and
// saturated, so that it cannot wrap to a small size on 32-bit targets; the
// runtime's limits reject it then.
func (k *convKernel) ScratchBytes() int {
	if k.packed != nil {
		if k.pointwise {
			return int(k.rtBytes(k.rtRows))
		}
		return int(min(int64(k.blockRows)*int64(k.patchSize)+int64(k.padScratch())+k.rtBytes(k.blockRows), math.MaxInt))
	}
	return int(min(int64(k.kh)*int64(k.kw)*int64(k.inC)+3+4*int64(k.outC), math.MaxInt))
}

// LeanScratchBytes: on the GEMM path, im2col blocks of leanRows pixels.
func (k *convKernel) LeanScratchBytes() int {
	if k.band {
		return k.kh*k.padRow + k.bandSlack() // without the ring
	}
	if k.packed != nil && !k.pointwise {
		return min(k.ScratchBytes(), k.leanRows()*k.patchSize+k.padScratch()+int(k.rtBytes(k.leanRows())))
	}
	return k.ScratchBytes()
}

// FitScratch shrinks the im2col blocks to fit n bytes (whole row blocks of
// the GEMM kernels where it can).
func (k *convKernel) FitScratch(n int) {
	if k.band && n < k.ScratchBytes() {
		k.bandRing = false // its lean scratch
	}
	if k.packed == nil || k.pointwise || k.band || n >= k.ScratchBytes() {
		return
	}
	per := k.patchSize
	if k.filterOffset != 0 {
		per += 4 // a row's term
		n -= 3
	}
	rows := max((n-k.padScratch())/per, 1)
	if rows >= 6 && !k.ring { // the ring's blocks split output rows evenly (leanRows)
		rows = rows / 6 * 6
	}
	k.blockRows = min(k.blockRows, rows)
	if k.filterOffset != 0 {
		k.rtRows = k.blockRows
	}
}

// Units: the conv splits by output rows (over all batches) for
// Options.Threads; every output pixel is computed the same way whatever the
// split.
func (k *convKernel) Units() int {
	if u := k.unitPixels; u > 0 {
		return (k.batches*k.outH*k.outW + u - 1) / u
	}
	return k.batches * k.outH
}

// minSplitRows: a pointwise conv of fewer output rows splits by pixels
// (pixelSplit).
const minSplitRows = 16

// pixelSplit returns the pixels of a unit for a pointwise conv whose
// pixels are one contiguous matrix (stride 1, no row terms) and that has
// fewer than minSplitRows output rows: split by rows, MobileNetV2's 7x7
// layers gave one thread 4 rows and the other 3 (its last eight convs
// ran 1.25x faster on two threads instead of up to 2x). A unit is pairF
// pixels, so that a part's rows pair as the whole's do. 0: split by
// rows.
func (k *convKernel) pixelSplit() int {
	if !k.pointwise || !k.samePixels() || k.filterOffset != 0 || k.batches*k.outH >= minSplitRows {
		return 0
	}
	return max(k.pairF, 1)
}

// samePixels reports whether output pixel p reads input pixel p (stride
// 1, the input's size): a pointwise conv's patches are then the input's
// rows, one contiguous matrix.
func (k *convKernel) samePixels() bool {
	return k.strideH == 1 && k.strideW == 1 && k.outW == k.inW && k.outH == k.inH
}

func (k *convKernel) Eval(env *Env) { k.EvalRange(env, 0, k.Units()) }

// EvalRange computes output rows [lo, hi) of the batches·outH rows, or
// with unitPixels the pixels of units [lo, hi).
func (k *convKernel) EvalRange(env *Env, lo, hi int) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	if u := k.unitPixels; u > 0 {
		p0, p1 := lo*u, min(hi*u, k.batches*k.outH*k.outW)
		k.gemm(in[p0*k.inC:], k.inC, p1-p0, out[p0*k.outC:], nil)
		return
	}
	if k.packed != nil {
		var rt []int32
		if k.filterOffset != 0 {
			at := 0
			if !k.pointwise {
				at = k.blockRows*k.patchSize + k.padScratch()
			}
			rt = int32Scratch(env.Scratch[at:], k.rtRows)
		}
		k.evalGemm(in, out, Int8s(env.Scratch), rt, lo, hi)
		return
	}
	k.evalGo(in, out, env.Scratch, lo, hi)
}

// evalGo runs output rows [lo, hi) pixel by pixel: the paths no asm
// kernel covers (grouped convolutions, legacy filter offsets).
func (k *convKernel) evalGo(in, out []int8, scratch []byte, lo, hi int) {
	patchLen := k.kh * k.kw * k.inC
	patch := Int8s(scratch[:patchLen])
	acc := int32Scratch(scratch[patchLen:], k.outC)
	for p := lo * k.outW; p < hi*k.outW; p++ {
		src := k.patch(in, p, patch)
		for g := 0; g < k.groups; g++ {
			gp := src[g*k.patchSize:][:k.patchSize]
			c0, c1 := g*k.groupOut, (g+1)*k.groupOut
			asm.DotRows(gp, k.filter[c0*k.patchSize:], acc[c0:c1])
			k.addFilterOffset(gp, acc[c0:c1])
		}
		k.epi.Requantize(acc, 0, out[p*k.outC:][:k.outC])
	}
}

// gemm is the conv's GEMM of m patch rows of a: with a filter offset,
// its rows' terms computed in rt.
func (k *convKernel) gemm(a []int8, lda, m int, out []int8, rt []int32) {
	if rt != nil {
		gemmFilterOffset(k.impl, a, lda, m, k.packed, k.epi, out, k.outC, k.filterOffset, rt)
		return
	}
	if f := k.pairF; f > 1 && lda == k.patchSize && m >= f {
		// Rows of f consecutive patches (see pairF), then the rest.
		mp := m / f
		k.impl.Gemm(a, f*lda, mp, k.pairPacked, k.pairEpi, out, f*k.outC)
		a, m, out = a[mp*f*lda:], m-mp*f, out[mp*f*k.outC:]
		if m == 0 {
			return
		}
	}
	k.impl.Gemm(a, lda, m, k.packed, k.epi, out, k.outC)
}

// evalGemm runs output rows [lo, hi) (of batches·outH) as asm GEMMs (rt:
// the rows' terms' scratch with a filter offset, else nil).
func (k *convKernel) evalGemm(in, out, scratch []int8, rt []int32, lo, hi int) {
	plane := k.inH * k.inW * k.inC
	if k.pointwise {
		// Every output pixel's patch is an input pixel: rows of the input
		// at stride strideW·inC, or whole images when the pixels are
		// contiguous (then the rows of every batch are contiguous too).
		if k.samePixels() {
			k.gemm(in[lo*k.outW*k.inC:], k.inC, (hi-lo)*k.outW, out[lo*k.outW*k.outC:], rt)
			return
		}
		for r := lo; r < hi; r++ {
			b, oy := r/k.outH, r%k.outH
			k.gemm(in[b*plane+oy*k.strideH*k.inW*k.inC:], k.strideW*k.inC, k.outW, out[r*k.outW*k.outC:], rt)
		}
		return
	}
	if k.band {
		k.evalBand(in, out, scratch[:k.padScratch()], lo, hi)
		return
	}
	pixels := hi * k.outW
	buf := scratch[:k.blockRows*k.patchSize]
	padRow := scratch[k.blockRows*k.patchSize:][:k.padScratch()]
	ring := ringState{b: -1}
	ox, oy, b := 0, lo%k.outH, lo/k.outH // the pixel p0 + i
	for p0 := lo * k.outW; p0 < pixels; p0 += k.blockRows {
		rows := min(k.blockRows, pixels-p0)
		for i := 0; i < rows; {
			// The rest of output row oy, or of the block.
			n := min(k.outW-ox, rows-i)
			if k.ring {
				k.im2colRing(in[b*plane:][:plane], b, oy, ox, n, buf[i*k.patchSize:][:n*k.patchSize], padRow, &ring)
			} else {
				k.im2colRun(in[b*plane:][:plane], oy, ox, n, buf[i*k.patchSize:][:n*k.patchSize], padRow)
			}
			i += n
			if ox += n; ox == k.outW {
				ox = 0
				if oy++; oy == k.outH {
					oy = 0
					b++
				}
			}
		}
		k.gemm(buf, k.patchSize, rows, out[p0*k.outC:], rt)
	}
}

// evalBand runs output rows [lo, hi) on the segmented GEMM: for each
// output row, the kh input rows its filter rows read, padded to the
// columns the row's window covers (padInputRow; rows outside the image
// are all zero points), go to band one after another, padRow bytes each;
// output pixel j's patch is then kh segments of kw·inC bytes, at
// j·strideW·inC in each padded row, which GemmSegments reads in place:
// the same values, in the same order, as im2col would copy. Rows an
// output row shares with the previous one are not padded again: they
// are in the ring (bandRing) or slide to the front.
func (k *convKernel) evalBand(in, out, scratch []int8, lo, hi int) {
	plane := k.inH * k.inW * k.inC
	// bandRing: the ring holds image img's rows before next; otherwise
	// band holds image img's rows from next on.
	img, next := -1, 0
	for r := lo; r < hi; r++ {
		b, oy := r/k.outH, r%k.outH
		iy0 := oy*k.strideH - k.padTop
		band := scratch
		if k.bandRing {
			if b != img {
				img, next = b, iy0
			}
			for iy := max(next, iy0); iy < iy0+k.kh; iy++ {
				s := (iy%k.kh + k.kh) % k.kh
				slot := scratch[s*k.padRow:][:k.padRow]
				k.padBandRow(in[b*plane:][:plane], iy, slot)
				copy(scratch[(s+k.kh)*k.padRow:][:k.padRow], slot)
			}
			next = iy0 + k.kh
			band = scratch[(iy0%k.kh+k.kh)%k.kh*k.padRow:]
		} else {
			// The rows the previous output row read that this one reads
			// too slide to the front (one memmove: an audio model's 46-byte
			// rows cost more per call than per byte), the others are
			// padded; the slack after the last row stays as it is.
			keep := 0
			if d := iy0 - next; k.dilH == 1 && b == img && d >= 0 && d < k.kh {
				keep = k.kh - d
				copy(band[:keep*k.padRow], band[d*k.padRow:k.kh*k.padRow])
			}
			for ky := keep; ky < k.kh; ky++ {
				k.padBandRow(in[b*plane:][:plane], iy0+ky*k.dilH, band[ky*k.padRow:][:k.padRow])
			}
			img, next = b, iy0
		}
		o, step := out[r*k.outW*k.outC:], k.strideW*k.inC
		if f := k.pairF; f > 1 && k.outW >= f {
			// Groups of f pixels (see pairSegK), then the rest.
			mp := k.outW / f
			k.impl.GemmSegments(band, f*step, mp, k.kh, k.padRow, k.pairPacked, k.pairEpi, o, f*k.outC)
			if rest := k.outW - mp*f; rest > 0 {
				k.impl.GemmSegments(band[mp*f*step:], step, rest, k.kh, k.padRow, k.packed, k.epi, o[mp*f*k.outC:], k.outC)
			}
			continue
		}
		k.impl.GemmSegments(band, step, k.outW, k.kh, k.padRow, k.packed, k.epi, o, k.outC)
	}
}

// padBandRow fills slot with input row iy of the image in, padded
// (padInputRow), or with zero points when iy is outside the image.
func (k *convKernel) padBandRow(in []int8, iy int, slot []int8) {
	if iy >= 0 && iy < k.inH {
		k.padInputRow(in[iy*k.inW*k.inC:][:k.inW*k.inC], slot)
		return
	}
	fillFromRow(slot, k.zpRow)
}

// im2colRun writes the patches of n consecutive output pixels of row oy,
// from column ox, for one group: filter row by filter row, so that row
// checks and offsets are worked out once per run; taps of a pixel whose
// filter row lies inside the image horizontally (dilation 1 across) are
// one short copy.
//
// With padRow (when k.padRow > 0: filter rows of at most 64 bytes, no
// dilation across), a run with border pixels goes through a padded copy
// of the input columns it reads.
func (k *convKernel) im2colRun(in []int8, oy, ox, n int, patches, padRow []int8) {
	// Fields in locals: the stores through dst would make the compiler
	// reload them.
	ps, inC, kw, inW, dilW := k.patchSize, k.inC, k.kw, k.inW, k.dilW
	row := kw * inC
	step := k.strideW * inC
	x0 := ox*k.strideW - k.padLeft
	// Pixels [jLo, jHi) of the run have the filter row inside the image
	// horizontally (with dilation 1 across).
	jLo, jHi := 0, 0
	if dilW == 1 {
		jLo = min(max((-x0+k.strideW-1)/k.strideW, 0), n)
		jHi = min(max((inW-kw-x0)/k.strideW+1, jLo), n)
		if inW-kw-x0 < 0 {
			jHi = jLo
		}
	}
	zpRow := k.zpRow
	for ky := 0; ky < k.kh; ky++ {
		iy := oy*k.strideH - k.padTop + ky*k.dilH
		if iy < 0 || iy >= k.inH {
			// The whole filter row is padding, for every pixel.
			k.impl.CopyRows(patches[ky*row:], ps, zpRow, 0, row, n)
			continue
		}
		src := in[iy*inW*inC:][:inW*inC]
		edge := func(j int) {
			dst := patches[j*ps+ky*row:][:row]
			xj := x0 + j*k.strideW
			if dilW == 1 {
				// Taps [lo, hi) lie inside the image: padding, one copy,
				// padding.
				lo, hi := min(max(-xj, 0), kw), max(min(inW-xj, kw), 0)
				if hi <= lo {
					copy(dst, zpRow)
					return
				}
				copy(dst[:lo*inC], zpRow)
				copy(dst[lo*inC:hi*inC], src[(xj+lo)*inC:])
				copy(dst[hi*inC:], zpRow)
				return
			}
			for kx := 0; kx < kw; kx++ {
				ix := xj + kx*dilW
				seg := dst[kx*inC:][:inC]
				if ix >= 0 && ix < inW {
					copy(seg, src[ix*inC:][:inC])
				} else {
					copy(seg, zpRow)
				}
			}
		}
		if k.padRow > 0 && (jLo > 0 || jHi < n) {
			// Short filter rows: pad the input columns the whole run
			// reads once, then one strided copy for every pixel, instead
			// of three short copies per border pixel.
			width := (n-1)*k.strideW + kw
			pad := padRow[:width*inC]
			lo, hi := min(max(-x0, 0), width), max(min(inW-x0, width), 0)
			if hi <= lo { // every column is padding
				lo, hi = width, width
			} else {
				copy(pad[lo*inC:hi*inC], src[(x0+lo)*inC:])
			}
			fillFromRow(pad[:lo*inC], zpRow)
			fillFromRow(pad[hi*inC:], zpRow)
			k.impl.CopyRows(patches[ky*row:], ps, pad, step, row, n)
			continue
		}
		for j := 0; j < jLo; j++ {
			edge(j)
		}
		if jHi > jLo {
			// One strided copy for the run: row j's filter row is the
			// row bytes at (x0 + j·strideW)·inC, patch j's at j·ps.
			at := (x0 + jLo*k.strideW) * inC
			k.impl.CopyRows(patches[jLo*ps+ky*row:], ps, src[at:], step, row, jHi-jLo)
		}
		for j := jHi; j < n; j++ {
			edge(j)
		}
	}
}

// fillFromRow fills dst with copies of row (the input zero point).
func fillFromRow(dst, row []int8) {
	for len(dst) > 0 {
		dst = dst[copy(dst, row):]
	}
}

// addFilterOffset adds filter_offset·Σpatch (legacy uint8 models only).
func (k *convKernel) addFilterOffset(patch []int8, acc []int32) {
	if k.filterOffset == 0 {
		return
	}
	s := k.filterOffset * sumInt8(patch)
	for i := range acc {
		acc[i] += s
	}
}

// patch returns the receptive field of output pixel p (row-major over
// batch, row, column): the input pixel itself for pointwise convolutions,
// else gathered into buf.
func (k *convKernel) patch(in []int8, p int, buf []int8) []int8 {
	ox := p % k.outW
	oy := (p / k.outW) % k.outH
	b := p / (k.outW * k.outH)
	plane := k.inH * k.inW * k.inC
	inB := in[b*plane:][:plane]
	if k.pointwise {
		return inB[(oy*k.strideH*k.inW+ox*k.strideW)*k.inC:][:k.inC]
	}
	k.im2col(inB, oy, ox, buf)
	return buf
}

// im2col gathers the receptive field of output pixel (oy, ox) into patch,
// laid out [group][ky][kx][groupIn] to match the filter rows. Taps outside
// the image hold the input zero point, whose offset product is zero.
func (k *convKernel) im2col(in []int8, oy, ox int, patch []int8) {
	y0 := oy*k.strideH - k.padTop
	x0 := ox*k.strideW - k.padLeft
	zp := k.inputZP
	for g := 0; g < k.groups; g++ {
		dst := patch[g*k.patchSize:][:k.patchSize]
		c0 := g * k.groupIn
		i := 0
		for ky := 0; ky < k.kh; ky++ {
			iy := y0 + ky*k.dilH
			rowIn := iy >= 0 && iy < k.inH
			for kx := 0; kx < k.kw; kx++ {
				ix := x0 + kx*k.dilW
				seg := dst[i:][:k.groupIn]
				if rowIn && ix >= 0 && ix < k.inW {
					copy(seg, in[(iy*k.inW+ix)*k.inC+c0:][:k.groupIn])
				} else {
					for j := range seg {
						seg[j] = zp
					}
				}
				i += k.groupIn
			}
		}
	}
}
