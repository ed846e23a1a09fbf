package runtime

import (
	"math"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/ops"
)

// The float32 boundary of int16 graph inputs and outputs (issue 13): the
// same arithmetic as int8's, clamped to int16, on the tensor's bytes
// (little-endian int16, as on every target edgerun builds for).

// floatBoundaryType reports whether a graph input or output of dtype d
// can take or give float32 values.
func floatBoundaryType(d format.DType) bool {
	return d == format.DTypeInt8 || d == format.DTypeUint8 || d == format.DTypeInt16
}

// QuantizeFloat32Int16 is QuantizeFloat32 for an int16 tensor: dst holds
// the tensor's bytes (2·len(src)).
func QuantizeFloat32Int16(dst []int8, src []float32, scale float32, zeroPoint int32) {
	d := ops.Int16s(dst)
	for i, v := range src {
		r := math.Round(float64(float32(v / scale)))
		var q int64
		switch {
		case r != r: // NaN
			q = 0
		case r > math.MaxInt32:
			q = math.MaxInt32
		case r < math.MinInt32:
			q = math.MinInt32
		default:
			q = int64(r)
		}
		q += int64(zeroPoint)
		d[i] = int16(min(max(q, math.MinInt16), math.MaxInt16))
	}
}

// DequantizeInt16 is DequantizeInt8 for an int16 tensor's bytes src:
// float32(double(scale) · (q - zero point)).
func DequantizeInt16(dst []float32, src []int8, scale float32, zeroPoint int32) {
	s := float64(scale)
	for i, q := range ops.Int16s(src) {
		dst[i] = float32(s * float64(int32(q)-zeroPoint))
	}
}
