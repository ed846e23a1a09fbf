package asm

import (
	"fmt"

	"github.com/edgerun/edgerun/dyadic"
)

// Rescale32 is TFLite's per-tensor output stage on int32 sums, prepared
// once (NewRescale32) for every implementation of Impl.Rescale32:
//
//	out[i] = clamp(MultiplyByQuantizedMultiplier(acc[i] + bias[i], m, shift) + zp, lo, hi)
//
// with the sum wrapping in int32 (rescale32Ref). The ops that requantize
// per tensor outside a GEMM's epilogue use it: SVDF's feature values
// (into the state) and its outputs.
//
// The SIMD kernels run multipliers m >= 0 (every multiplier
// QuantizeMultiplier makes): amd64 in the LSTM kernel's form (lstmQVec:
// SRDHM and the rounding division merged into one 64-bit floor shift),
// arm64 as the GEMM epilogue (SQRDMULH, the sign fix-up, SRSHL). A
// negative multiplier runs the Go code.
type Rescale32 struct {
	m, shift, zp, lo, hi int32
	vec                  *rescale32Vec // amd64's constants; nil: m < 0
}

// rescale32Vec is the amd64 kernel's constants (32-byte vectors the
// generator addresses by name, _gen/rescale32.go).
type rescale32Vec struct {
	q          lstmQVec
	zp, lo, hi [8]int32
}

// NewRescale32 prepares the stage. It panics on a shift outside TFLite's
// [-31, 30] or lo > hi (ops validate them first).
func NewRescale32(m, shift, zp, lo, hi int32) *Rescale32 {
	if shift < -31 || shift > 30 || lo > hi {
		panic(fmt.Sprintf("asm: rescale shift %d, clamp [%d, %d]", shift, lo, hi))
	}
	r := &Rescale32{m: m, shift: shift, zp: zp, lo: lo, hi: hi}
	if m >= 0 {
		r.vec = &rescale32Vec{q: newLSTMQVec(m, shift), zp: splat(zp), lo: splat(lo), hi: splat(hi)}
	}
	return r
}

// Rescale32 sets out[i] for i < len(acc) (bias and out at least as long;
// out may be acc). It does not allocate.
func (impl *Impl) Rescale32(acc, bias []int32, r *Rescale32, out []int32) {
	n := len(acc)
	if n == 0 {
		return
	}
	bias, out = bias[:n], out[:n]
	done := 0
	if impl.rescale32 != nil && r.vec != nil {
		done = impl.rescale32(acc, bias, r, out)
	}
	for i := done; i < n; i++ {
		v := dyadic.MultiplyByQuantizedMultiplier(acc[i]+bias[i], r.m, r.shift) + r.zp
		out[i] = min(max(v, r.lo), r.hi)
	}
}

// rescale32Ref is the definition.
func rescale32Ref(acc, bias []int32, m, shift, zp, lo, hi int32, out []int32) {
	for i, a := range acc {
		out[i] = min(max(dyadic.MultiplyByQuantizedMultiplier(a+bias[i], m, shift)+zp, lo), hi)
	}
}
