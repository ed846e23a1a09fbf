package asm

import "fmt"

// The per-row reductions of int8 SOFTMAX (ops/softmax.go): the row's
// minimum and maximum, and the sum of a 256-entry table of non-negative
// values indexed by max − x. (The output, one byte per max − x, is a
// Lookup8 of a per-row table.)

// SoftmaxExp is a table of 256 values in [0, 2^24) (SOFTMAX's Q12.19
// exponentials, at most 2^19), prepared (NewSoftmaxExp) for SumTable.
type SoftmaxExp struct {
	// acc[d] is the value at index d: the generic loop's table and the
	// AVX2 kernel's VPGATHERDD base.
	acc [256]int32
	// planes[b][d] is byte b of acc[d]: the VBMI kernel looks up each with
	// VPERMI2B and sums it with VPSADBW.
	planes [3][256]uint8
}

// NewSoftmaxExp validates and prepares acc.
func NewSoftmaxExp(acc *[256]int32) (*SoftmaxExp, error) {
	p := &SoftmaxExp{acc: *acc}
	for d, v := range acc {
		if v < 0 || v >= 1<<24 {
			return nil, fmt.Errorf("asm: softmax table entry %d = %d outside [0, 2^24)", d, v)
		}
		for b := range 3 {
			p.planes[b][d] = uint8(v >> (8 * b))
		}
	}
	return p, nil
}

// SoftmaxOutExp is a table of 256 non-negative values (SOFTMAX's Q0.31
// exponentials e[d], d = max − x), prepared (NewSoftmaxOutExp) for
// SoftmaxTable8.
type SoftmaxOutExp struct {
	e [256]int32
	// rev[i] = e[255 − i] (0 past 255): the kernels read e[top − x] for
	// x = −128..127 as the 256 consecutive values at rev[127 − top].
	rev [512]int32
}

// NewSoftmaxOutExp validates and prepares e.
func NewSoftmaxOutExp(e *[256]int32) (*SoftmaxOutExp, error) {
	p := &SoftmaxOutExp{e: *e}
	for d, v := range e {
		if v < 0 {
			return nil, fmt.Errorf("asm: softmax exponential %d = %d is negative", d, v)
		}
		p.rev[255-d] = v
	}
	return p, nil
}

// SoftmaxOut8 is int8 SOFTMAX's output for one exponential e >= 0 of a row
// whose sum's reciprocal is recip >= 0 with the output shift exponent
// (0..55): RoundingDivideByPOT(SRDHM(recip, e), exponent) − 128, clamped
// to 127. With recip and e non-negative SRDHM never saturates and is
// floor((recip·e + 2^30) / 2^31), and the rounding shift of a
// non-negative value is floor((x + 2^(exponent−1)) / 2^exponent) for any
// exponent, also past 31 (where TFLite's kernel refuses the row; see
// ops/softmax.go).
func SoftmaxOut8(recip, e int32, exponent int) int8 {
	prod := (int64(recip)*int64(e) + 1<<30) >> 31
	half := int64(1) << exponent >> 1
	return int8(min(int32((prod+half)>>exponent)-128, 127))
}

// SoftmaxTable8 makes p SOFTMAX's per-row output table: the entry of
// every x in [lo, top] is SoftmaxOut8(recip, e[top − x], exponent);
// the other entries are unspecified. It panics unless lo <= top,
// recip >= 0 and exponent is in [0, 55]. It does not allocate.
func (impl *Impl) SoftmaxTable8(p *Table8, e *SoftmaxOutExp, lo, top int8, recip int32, exponent int) {
	if lo > top || recip < 0 || exponent < 0 || exponent > 55 {
		panic(fmt.Sprintf("asm: SoftmaxTable8 of [%d, %d], reciprocal %d, exponent %d", lo, top, recip, exponent))
	}
	if impl.softmaxTable8 != nil {
		impl.softmaxTable8(p, e, lo, top, recip, exponent)
		return
	}
	softmaxTable8Generic(p, e, lo, top, recip, exponent)
}

// softmaxTable8Generic is the generic implementation's SoftmaxTable8: one
// SoftmaxOut8 per value in [lo, top].
func softmaxTable8Generic(p *Table8, e *SoftmaxOutExp, lo, top int8, recip int32, exponent int) {
	for x := int(lo); x <= int(top); x++ {
		p.t[uint8(x)] = SoftmaxOut8(recip, e.e[int(top)-x], exponent)
	}
	p.setDiff()
}

// MinMaxInt8 returns the smallest and the largest value of a non-empty
// row.
func (impl *Impl) MinMaxInt8(row []int8) (lo, hi int8) {
	if len(row) == 0 {
		panic("asm: MinMaxInt8 of an empty row")
	}
	return impl.minMax8(row)
}

// SumTable returns Σ e.acc[uint8(top − x)] over the row's values x (each
// x <= top, so that top − x is in [0, 255]; other values index the table
// modulo 256). The sum is exact (at most 2^24 · len(row)).
func (impl *Impl) SumTable(row []int8, top int8, e *SoftmaxExp) int64 {
	if len(row) == 0 {
		return 0
	}
	return impl.sumTable(row, top, e)
}

// minMax8Generic is the generic implementation's MinMaxInt8.
func minMax8Generic(row []int8) (lo, hi int8) {
	lo, hi = row[0], row[0]
	for _, v := range row[1:] {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

// sumTableGeneric is the generic implementation's SumTable.
func sumTableGeneric(row []int8, top int8, e *SoftmaxExp) int64 {
	var s int64
	acc := &e.acc
	for _, v := range row {
		s += int64(acc[uint8(top-v)])
	}
	return s
}

// sumTableRef is SumTable in plain Go, the reference.
func sumTableRef(row []int8, top int8, acc *[256]int32) int64 {
	var s int64
	for _, v := range row {
		s += int64(acc[(int(top)-int(v))&255])
	}
	return s
}

// minMax8Ref is MinMaxInt8 in plain Go, the reference.
func minMax8Ref(row []int8) (lo, hi int8) {
	lo, hi = 127, -128
	for _, v := range row {
		if v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	return lo, hi
}
