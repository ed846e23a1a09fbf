package ops

import (
	"math"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// FULLY_CONNECTED, bit-exact with TFLite Micro's
// reference_integer_ops::FullyConnected (per-tensor weights) and
// FullyConnectedPerChannel. With D the filter's input depth and O its rows,
// the input is read as batches rows of D values (batches = output elements
// / O, whatever the input's and output's ranks; the output's last dimension
// is O), and for each row b and output o:
//
//	acc = Σ_d (filter[o,d] + filter_offset) · (input[b,d] + input_offset) + bias[o]
//	out = clamp(MultiplyByQuantizedMultiplier(acc, M[o], shift[o]) + output_offset)
//
// filter_offset is whatever the converter put in the params: TFLite applies
// the weights zero point only in the per-tensor kernel, so the converter
// sets it to 0 for per-channel weights. As in CONV_2D the sum is expanded
// into Σ f·x + filter_offset·Σx, with bias + input_offset·Σf +
// D·filter_offset·input_offset folded per output at prepare, exactly equal
// in wrapping int32 arithmetic. The whole op is one GEMM of the selected
// asm implementation, a legacy filter offset as its row term
// filter_offset·Σx (filter_offset.go); only depths of 2^17 and more with
// an offset take a Go path built on asm.DotRows.
type fullyConnectedKernel struct {
	in, out      int32
	batches      int
	depth, units int // D, O
	filter       []int8
	filterOffset int32
	epi          *asm.Epilogue // the folded requantization

	// impl is the asm implementation selected at prepare; the op is one
	// of its GEMMs (every batch row against the filter packed once at
	// prepare, requantization fused, a filter offset as row terms), or,
	// when the row terms cannot be bounded, packed is nil and Eval takes
	// the Go path.
	impl   *asm.Impl
	packed *asm.PackedMatrix

	// cols, for one batch row of many outputs without a filter offset:
	// the outputs in column blocks, each its own packed matrix and
	// epilogue (packed is then nil), so that threads can split a batch-1
	// layer (a classifier head) by columns.
	cols []fcColumns
}

// fcColumns is one column block of a batch-1 FULLY_CONNECTED: outputs
// [lo, hi).
type fcColumns struct {
	lo, hi int
	packed *asm.PackedMatrix
	epi    *asm.Epilogue
}

// fcColumnBlocks is how many column blocks a batch-1 layer of at least
// fcColumnMinMACs and fcColumnAlign·fcColumnBlocks outputs is packed in:
// enough for an even split over 2 or 4 threads and a near-even one over 3.
// Each block is a whole number of fcColumnAlign columns (a multiple of
// every implementation's panel width: 8, 16, 48) but the last.
const (
	fcColumnBlocks  = 4
	fcColumnAlign   = 48
	fcColumnMinMACs = 1 << 17
)

func prepareFullyConnected(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if inputIs(m, op, 0, format.DTypeInt16) {
		return prepareFullyConnected16(m, op, path)
	}
	p, in, out, err := paramsInOut[format.FullyConnectedParams](m, op, path, 2, 3, 1)
	if err != nil {
		return nil, err
	}
	f, err := constFilter(m, op, 2, path)
	if err != nil {
		return nil, err
	}
	k := &fullyConnectedKernel{in: op.Inputs[0], out: op.Outputs[0],
		units: int(f.Shape[0]), depth: int(f.Shape[1])}
	opath := path + " / output 0"
	if len(out.Shape) == 0 || int(out.Shape[len(out.Shape)-1]) != k.units {
		return nil, format.Malformed(opath, "shape %v, want last dimension %d (filter rows)", out.Shape, k.units)
	}
	k.batches = int(out.NumElements() / int64(k.units))
	if k.batches < 1 {
		return nil, format.Malformed(opath, "shape %v is empty", out.Shape)
	}
	if in.NumElements() != int64(k.batches)*int64(k.depth) {
		return nil, format.Malformed(path+" / input 0", "shape %v has %d elements, want %d rows of the filter's depth %d",
			in.Shape, in.NumElements(), k.batches, k.depth)
	}
	q, err := prepareRequantizer(m, op, convQuant{p.InputOffset, p.FilterOffset, p.Requant, p.OutputOffset, p.ActMin, p.ActMax}, k.units, path)
	if err != nil {
		return nil, err
	}
	k.filter = Int8s(f.Data)
	k.filterOffset = p.FilterOffset
	dfo := int32(k.depth) * p.FilterOffset * p.InputOffset
	for o := 0; o < k.units; o++ {
		q.bias[o] += p.InputOffset*sumInt8(k.filter[o*k.depth:][:k.depth]) + dfo
	}
	k.epi = q.epilogue()
	k.impl = asm.Selected()
	bound, ok := rowTermBound(k.filterOffset, k.depth)
	if k.filterOffset == 0 || ok {
		if k.filterOffset != 0 {
			// filter_offset·Σx as the GEMM's row term.
			k.epi.BoundRowTerms(bound)
		}
		if k.batches == 1 && k.filterOffset == 0 && k.units >= fcColumnAlign*fcColumnBlocks &&
			int64(k.units)*int64(k.depth) >= fcColumnMinMACs {
			k.packColumns()
			return k, nil
		}
		k.packed = k.impl.PackMatrix(k.filter, k.units, k.depth)
		k.impl.PrepareEpilogue(k.packed, k.epi)
	}
	return k, nil
}

// packColumns packs the filter as fcColumnBlocks column blocks.
func (k *fullyConnectedKernel) packColumns() {
	per := (k.units + fcColumnBlocks - 1) / fcColumnBlocks
	per = (per + fcColumnAlign - 1) / fcColumnAlign * fcColumnAlign
	for lo := 0; lo < k.units; lo += per {
		hi := min(lo+per, k.units)
		c := fcColumns{lo: lo, hi: hi, epi: k.epi.Columns(lo, hi),
			packed: k.impl.PackMatrix(k.filter[lo*k.depth:hi*k.depth], hi-lo, k.depth)}
		k.impl.PrepareEpilogue(c.packed, c.epi)
		k.cols = append(k.cols, c)
	}
}

// rtRows is how many batch rows' terms the GEMM path with a filter
// offset computes at a time (its scratch).
func (k *fullyConnectedKernel) rtRows() int { return min(k.batches, offsetChunk) }

// ScratchBytes: the Go path's int32 accumulator per output unit, in int64
// and saturated (4·units must not wrap on 32-bit targets); on the GEMM
// path with a filter offset, the rows' terms.
func (k *fullyConnectedKernel) ScratchBytes() int {
	if k.cols != nil {
		return 0
	}
	if k.packed != nil {
		if k.filterOffset != 0 {
			return 3 + 4*k.rtRows()
		}
		return 0
	}
	return int(min(3+4*int64(k.units), math.MaxInt))
}

// Units: batched FULLY_CONNECTED splits by batch rows for Options.Threads,
// a batch-1 layer packed in column blocks by blocks.
func (k *fullyConnectedKernel) Units() int {
	if k.cols != nil {
		return len(k.cols)
	}
	return k.batches
}

func (k *fullyConnectedKernel) Eval(env *Env) { k.EvalRange(env, 0, k.Units()) }

// EvalRange computes batch rows [lo, hi), or column blocks [lo, hi).
func (k *fullyConnectedKernel) EvalRange(env *Env, lo, hi int) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	if k.cols != nil {
		for _, c := range k.cols[lo:hi] {
			k.impl.Gemm(in[:k.depth], k.depth, 1, c.packed, c.epi, out[c.lo:c.hi], k.units)
		}
		return
	}
	if k.packed != nil {
		if k.filterOffset != 0 {
			gemmFilterOffset(k.impl, in[lo*k.depth:], k.depth, hi-lo, k.packed, k.epi, out[lo*k.units:], k.units,
				k.filterOffset, int32Scratch(env.Scratch, k.rtRows()))
			return
		}
		k.impl.Gemm(in[lo*k.depth:], k.depth, hi-lo, k.packed, k.epi, out[lo*k.units:], k.units)
		return
	}
	acc := int32Scratch(env.Scratch, k.units)
	for b := lo; b < hi; b++ {
		x := in[b*k.depth:][:k.depth]
		asm.DotRows(x, k.filter, acc)
		s := k.filterOffset * sumInt8(x)
		for i := range acc {
			acc[i] += s
		}
		k.epi.Requantize(acc, 0, out[b*k.units:][:k.units])
	}
}
