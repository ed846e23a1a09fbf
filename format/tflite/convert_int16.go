package tflite

import (
	"fmt"
	"math"

	"github.com/edgerun/edgerun/format"
)

// int16 ("16x8") activations: the operand checks and ranges the int16
// paths of every op family share. TFLite Micro requires int16 activations
// to have zero point 0 (symmetric) in every kernel that takes them, and the
// 16x8 weights to be int8 symmetric.

// quantized16 is quantized for int16 tensors: per-tensor quantization,
// zero point 0.
func (c *converter) quantized16(t int32) (*format.Tensor, float64, int32, error) {
	ft, err := c.tensor(t)
	if err != nil {
		return nil, 0, 0, err
	}
	path := fmt.Sprintf("subgraph 0 / tensor %d %q", t, ft.Name)
	if ft.DType != format.DTypeInt16 {
		return nil, 0, 0, &format.UnsupportedOpError{Op: "tensor", Index: -1, Reason: fmt.Sprintf("tensor %d %q is %s, want int16", t, ft.Name, ft.DType)}
	}
	if len(ft.Scale) < 1 {
		return nil, 0, 0, format.Malformed(path, "int16 tensor without quantization")
	}
	if len(ft.Scale) != 1 {
		return nil, 0, 0, &format.UnsupportedOpError{Op: "tensor", Index: -1,
			Reason: fmt.Sprintf("tensor %d %q has %d scales (per-channel); this operand needs per-tensor quantization", t, ft.Name, len(ft.Scale))}
	}
	if ft.ZeroPoint[0] != 0 {
		return nil, 0, 0, &format.UnsupportedOpError{Op: "tensor", Index: -1,
			Reason: fmt.Sprintf("int16 tensor %d %q has zero point %d (TFLite's int16 kernels take zero point 0)", t, ft.Name, ft.ZeroPoint[0])}
	}
	return ft, float64(ft.Scale[0]), 0, nil
}

// quantizedAny is quantized or quantized16 by the tensor's dtype.
func (c *converter) quantizedAny(t int32) (*format.Tensor, float64, int32, error) {
	if ft, err := c.tensor(t); err == nil && ft.DType == format.DTypeInt16 {
		return c.quantized16(t)
	}
	return c.quantized(t)
}

// activationRange16 is CalculateActivationRangeQuantized for an int16
// output (zero point 0): the fused activation's bounds quantized in float,
// within [-32768, 32767].
func (c *converter) activationRange16(act Activation, t int32) (int32, int32, error) {
	_, scale, zp, err := c.quantized16(t)
	if err != nil {
		return 0, 0, err
	}
	s := float32(scale)
	q := func(f float32) int32 {
		v := math.Round(float64(f / s))
		return zp + int32(max(min(v, math.MaxInt32/2), math.MinInt32/2))
	}
	lo, hi := int32(math.MinInt16), int32(math.MaxInt16)
	switch act {
	case ActNone:
	case ActRelu:
		lo = max(lo, q(0))
	case ActRelu6:
		lo, hi = max(lo, q(0)), min(hi, q(6))
	case ActReluN1To1:
		lo, hi = max(lo, q(-1)), min(hi, q(1))
	default:
		return 0, 0, &format.UnsupportedOpError{Op: "fused activation", Index: -1, Reason: fmt.Sprintf("activation %d", act)}
	}
	return lo, hi, nil
}

// check16 is the 16x8 part of weighted: weights symmetric (zero point 0
// in every channel), as TFLite's int16 conv kernels ignore the weights'
// zero point.
func (w *weightedOp) check16(c *converter) error {
	for i, z := range w.filterT.ZeroPoint {
		if z != 0 {
			return w.unsupported(c, fmt.Sprintf("16x8 weights with zero point %d in channel %d (want symmetric int8 weights)", z, i))
		}
	}
	return nil
}

// addLeftShift16 is the pre-scaling shift of TFLite Micro's int16 ADD and
// SUB general path (add_common.cc / sub_common.cc: 15 for an int16
// output, 20 otherwise).
const addLeftShift16 = 15

// addLeftShift returns the ADD/SUB pre-scaling shift for op's output type.
func (c *converter) addLeftShift(op *Operator) int32 {
	if ft, err := c.tensor(op.Outputs[0]); err == nil && ft.DType == format.DTypeInt16 {
		return addLeftShift16
	}
	return addLeftShift
}
