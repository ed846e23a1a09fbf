package asm

import "fmt"

// Short SOFTMAX rows, sixteen at a time. A row of ten values costs ~90 ns
// one at a time (its min/max, sum, TFLite's reciprocal with three Newton
// steps, ten outputs), mostly latency the row's few values cannot hide;
// the AVX-512 kernel runs the same arithmetic on sixteen rows at once,
// one row a dword lane: the rows' bytes are transposed into one vector
// per column (VPERMI2B), the exponentials gathered, the reciprocals'
// Newton steps done for all sixteen lanes, and the outputs transposed
// back.

// SoftmaxRowsMaxDepth is the longest row SoftmaxRows8 takes: sixteen rows
// fill the kernel's four 64-byte registers.
const SoftmaxRowsMaxDepth = 16

// SoftmaxRows8 is the depth-dependent part of SoftmaxRows8's kernel,
// prepared once per op (NewSoftmaxRows8). Read-only afterwards.
type SoftmaxRows8 struct {
	depth int
	// fwd[r] = r·depth for r < 16: the byte offsets, in a block of
	// sixteen rows, of column 0 (the kernel adds the column).
	fwd [64]uint8
	// inv[o][i] is where output byte 64o+i of the block (row-major) sits
	// in the column-major block of results: 16·column + row.
	inv [4][64]uint8
	// mask[o] has bit i set when byte 64o+i is one of the block's
	// 16·depth bytes (the kernel's masked loads and stores).
	mask [4]uint64
}

// NewSoftmaxRows8 prepares rows of depth values; it panics unless depth
// is in [1, SoftmaxRowsMaxDepth].
func NewSoftmaxRows8(depth int) *SoftmaxRows8 {
	if depth < 1 || depth > SoftmaxRowsMaxDepth {
		panic(fmt.Sprintf("asm: NewSoftmaxRows8 of depth %d", depth))
	}
	p := &SoftmaxRows8{depth: depth}
	for r := range 16 {
		p.fwd[r] = uint8(r * depth)
	}
	for b := range 16 * depth {
		p.inv[b/64][b%64] = uint8(16*(b%depth) + b/depth)
		p.mask[b/64] |= 1 << (b % 64)
	}
	return p
}

// SoftmaxRows8 computes int8 SOFTMAX (as ops' softmax: output
// SoftmaxOut8(recip, e[max − x], exponent) with TFLite's reciprocal of the
// row's Q12.19 sum of Rescale(e[max − x], 0 → 12 integer bits)) for the
// leading rows of in, sixteen at a time, and returns how many it did: a
// multiple of 16, 0 when this implementation has no such kernel. in and
// out hold rows·p.depth values.
func (impl *Impl) SoftmaxRows8(out, in []int8, rows int, p *SoftmaxRows8, e *SoftmaxOutExp) int {
	if n := rows * p.depth; len(in) < n || len(out) < n {
		panic(fmt.Sprintf("asm: SoftmaxRows8 of %d rows of %d into %d and %d values", rows, p.depth, len(in), len(out)))
	}
	if impl.softmaxRows == nil || rows < 16 {
		return 0
	}
	blocks := rows / 16
	impl.softmaxRows(out, in, blocks, p, e)
	return 16 * blocks
}
