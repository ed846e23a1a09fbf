package ops

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// int16 ("16x8") activations: what the int16 paths of every op family
// share. Activations are int16 with zero point 0; the views below read
// the arena's bytes as int16 in the host's byte order, which is the
// little-endian order of the model's data on every target edgerun builds
// for (amd64, arm64, arm, riscv64). Arena offsets are 16-byte aligned
// (format/plan), so the views are aligned.

// Int16s views b as []int16 without copying (len(b)/2 elements).
func Int16s(b []int8) []int16 {
	if len(b) < 2 {
		return nil
	}
	return unsafe.Slice((*int16)(unsafe.Pointer(&b[0])), len(b)/2)
}

// inputIs reports whether the op's input k exists and has dtype d: the
// op families that take int8 and int16 dispatch on it before their own
// checks (each path then checks every operand itself).
func inputIs(m *format.Model, op *format.Op, k int, d format.DType) bool {
	if k >= len(op.Inputs) {
		return false
	}
	i := op.Inputs[k]
	return i >= 0 && int(i) < len(m.Tensors) && m.Tensors[i].DType == d
}

// inOut16 is inOut for int16 input 0 and output 0.
func inOut16(m *format.Model, op *format.Op, path string) (in, out *format.Tensor, err error) {
	if in, err = operand(m, op.Inputs, 0, "input", path, format.DTypeInt16); err != nil {
		return nil, nil, err
	}
	if out, err = operand(m, op.Outputs, 0, "output", path, format.DTypeInt16); err != nil {
		return nil, nil, err
	}
	return in, out, nil
}

// checkClamp16 validates an activation range inside int16.
func checkClamp16(lo, hi int32, path string) error {
	if lo < math.MinInt16 || hi > math.MaxInt16 || lo > hi {
		return format.Malformed(path, "activation range [%d, %d] not within int16", lo, hi)
	}
	return nil
}

// out16 is the output stage of the 16x8 conv family (TFLite's int16
// ConvPerChannel, DepthwiseConvPerChannel, FullyConnected and
// TransposeConv): per output channel, the accumulator plus the bias,
// scaled by the channel's multiplier, clamped to [lo, hi]. TFLite picks
// the accumulator's width from the bias: with an int64 bias (wide) it
// sums in int64 and requantizes with the 64-bit-input
// MultiplyByQuantizedMultiplier (single rounding through a 16-bit
// multiplier); with an int32 bias, or none where the kernel is templated
// on it, it sums in wrapping int32 and uses the int32 form (double
// rounding). The kernels sum products in int64 either way: a wrapping
// int32 sum is the low 32 bits of the exact sum, which never overflows
// int64 (products are below 2^23, and an op has far fewer than 2^40 taps).
type out16 struct {
	wide        bool
	bias64      []int64 // wide: per channel (zeros when absent)
	bias32      []int32 // narrow: per channel (zeros when absent)
	mult, shift []int32 // per channel
	lo, hi      int32
}

// requant returns output channel c's value for accumulator acc.
func (q *out16) requant(acc int64, c int) int16 {
	var v int32
	if q.wide {
		v = dyadic.MultiplyByQuantizedMultiplier64(acc+q.bias64[c], q.mult[c], q.shift[c])
	} else {
		v = dyadic.MultiplyByQuantizedMultiplier(int32(acc)+q.bias32[c], q.mult[c], q.shift[c])
	}
	return int16(min(max(v, q.lo), q.hi))
}

// prepareOut16 validates the quantization of a 16x8 conv-family op
// (zero offsets, multipliers, clamp), decodes its optional bias (input
// biasInput: int64, or int32 unless int64Only) and returns the output
// stage of channels outputs. noBiasWide is the accumulator width TFLite
// uses without a bias (true for kernels that always sum in int64).
func prepareOut16(m *format.Model, op *format.Op, biasInput int, q convQuant, channels int, noBiasWide, int64Only bool, path string) (*out16, error) {
	if q.inputOffset != 0 || q.filterOffset != 0 || q.outputOffset != 0 {
		return nil, format.Malformed(path+" / params", "offsets %d, %d, %d: int16 activations and their int8 weights have zero point 0",
			q.inputOffset, q.filterOffset, q.outputOffset)
	}
	o := &out16{wide: noBiasWide, lo: q.lo, hi: q.hi}
	if err := checkClamp16(q.lo, q.hi, path+" / params"); err != nil {
		return nil, err
	}
	if biasInput < len(op.Inputs) && op.Inputs[biasInput] >= 0 {
		bi := op.Inputs[biasInput]
		bpath := fmt.Sprintf("%s / input %d (bias)", path, biasInput)
		if int(bi) >= len(m.Tensors) {
			return nil, format.Malformed(bpath, "tensor index %d out of range", bi)
		}
		t := &m.Tensors[bi]
		if !t.IsConstant() {
			return nil, format.Malformed(bpath, "bias must be a constant")
		}
		if t.NumElements() != int64(channels) {
			return nil, format.Malformed(bpath, "has %d elements (shape %v), want %d (one per output channel)", t.NumElements(), t.Shape, channels)
		}
		switch {
		case t.DType == format.DTypeInt64:
			if int64(len(t.Data)) != 8*int64(channels) {
				return nil, format.Malformed(bpath, "int64 constant has %d bytes for %d elements", len(t.Data), channels)
			}
			o.wide = true
			o.bias64 = make([]int64, channels)
			for i := range o.bias64 {
				o.bias64[i] = int64(binary.LittleEndian.Uint64(t.Data[8*i:]))
			}
		case t.DType == format.DTypeInt32 && !int64Only:
			b, err := int32s(t, bpath)
			if err != nil {
				return nil, err
			}
			o.wide, o.bias32 = false, b
		default:
			want := "int64 or int32"
			if int64Only {
				want = "int64"
			}
			return nil, format.Malformed(bpath, "tensor %d is %s, want %s", bi, t.DType, want)
		}
	}
	if o.wide && o.bias64 == nil {
		o.bias64 = make([]int64, channels)
	}
	if !o.wide && o.bias32 == nil {
		o.bias32 = make([]int32, channels)
	}
	r := q.requant
	if len(r.Multiplier) != len(r.Shift) || (len(r.Multiplier) != 1 && len(r.Multiplier) != channels) {
		return nil, format.Malformed(path+" / params / requant", "%d multipliers and %d shifts for %d output channels (want 1 or %d of each)",
			len(r.Multiplier), len(r.Shift), channels, channels)
	}
	// The 64-bit form shifts right by 15 - shift: shift must stay below 15.
	maxShift := int32(30)
	if o.wide {
		maxShift = 14
	}
	o.mult, o.shift = make([]int32, channels), make([]int32, channels)
	for c := range o.mult {
		i := c
		if len(r.Multiplier) == 1 {
			i = 0
		}
		mu, s := r.Multiplier[i], r.Shift[i]
		if mu < 0 || s < -31 || s > maxShift {
			return nil, format.Malformed(fmt.Sprintf("%s / params / requant %d", path, i), "multiplier %d, shift %d out of range (want multiplier >= 0, shift in [-31, %d])", mu, s, maxShift)
		}
		o.mult[c], o.shift[c] = mu, s
	}
	return o, nil
}

// dot16 returns Σ f[i]·x[i] over len(x) in int64: four int32 partial
// sums over blocks of at most 2000 products (each at most 127·32768 <
// 2^22 in magnitude, so a partial sum of at most 503 of them stays below
// 2^31), added into int64.
func dot16(f []int8, x []int16) int64 {
	f = f[:len(x)]
	var s int64
	for len(x) > 0 {
		n := min(len(x), 2000)
		xb, fb := x[:n], f[:n]
		var s0, s1, s2, s3 int32
		i := 0
		for ; i+4 <= n; i += 4 {
			s0 += int32(fb[i]) * int32(xb[i])
			s1 += int32(fb[i+1]) * int32(xb[i+1])
			s2 += int32(fb[i+2]) * int32(xb[i+2])
			s3 += int32(fb[i+3]) * int32(xb[i+3])
		}
		for ; i < n; i++ {
			s0 += int32(fb[i]) * int32(xb[i])
		}
		s += int64(s0) + int64(s1) + int64(s2) + int64(s3)
		x, f = x[n:], f[n:]
	}
	return s
}
