package ops

import (
	"encoding/binary"
	"fmt"

	"github.com/edgerun/edgerun/format"
)

// operand returns tensor number k of list (the op's inputs or outputs),
// checking that it exists, is present, and has the wanted dtype.
func operand(m *format.Model, list []int32, k int, what, path string, dtype format.DType) (*format.Tensor, error) {
	if k >= len(list) {
		return nil, format.Malformed(path, "missing %s %d (op has %d)", what, k, len(list))
	}
	idx := list[k]
	if idx < 0 || int(idx) >= len(m.Tensors) {
		return nil, format.Malformed(fmt.Sprintf("%s / %s %d", path, what, k), "tensor index %d out of range", idx)
	}
	t := &m.Tensors[idx]
	if t.DType != dtype {
		return nil, format.Malformed(fmt.Sprintf("%s / %s %d", path, what, k), "tensor %d is %s, want %s", idx, t.DType, dtype)
	}
	return t, nil
}

// inOut returns the op's int8 input 0 and output 0: the data tensors of
// most operators (TFLite Micro's GetInput / GetOutput).
func inOut(m *format.Model, op *format.Op, path string) (in, out *format.Tensor, err error) {
	if in, err = operand(m, op.Inputs, 0, "input", path, format.DTypeInt8); err != nil {
		return nil, nil, err
	}
	if out, err = operand(m, op.Outputs, 0, "output", path, format.DTypeInt8); err != nil {
		return nil, nil, err
	}
	return in, out, nil
}

// paramsInOut checks op's operand counts (see wantCounts) and returns its
// params and its int8 input 0 and output 0: the start of most prepares.
func paramsInOut[P any](m *format.Model, op *format.Op, path string, minIn, maxIn, outs int) (p *P, in, out *format.Tensor, err error) {
	if err = wantCounts(op, path, minIn, maxIn, outs); err != nil {
		return nil, nil, nil, err
	}
	if p, err = wantParams[P](op, path); err != nil {
		return nil, nil, nil, err
	}
	if in, out, err = inOut(m, op, path); err != nil {
		return nil, nil, nil, err
	}
	return p, in, out, nil
}

// optionalOperand is operand for inputs that may be absent (index -1); it
// returns nil, nil when absent.
func optionalOperand(m *format.Model, list []int32, k int, what, path string, dtype format.DType) (*format.Tensor, error) {
	if k >= len(list) || list[k] < 0 {
		return nil, nil
	}
	return operand(m, list, k, what, path, dtype)
}

// wantCounts checks the number of inputs and outputs.
func wantCounts(op *format.Op, path string, minIn, maxIn, outs int) error {
	if len(op.Inputs) < minIn || len(op.Inputs) > maxIn {
		return format.Malformed(path, "has %d inputs, want %d..%d", len(op.Inputs), minIn, maxIn)
	}
	if len(op.Outputs) != outs {
		return format.Malformed(path, "has %d outputs, want %d", len(op.Outputs), outs)
	}
	return nil
}

// wantParams returns op.Params as *P or a malformed error.
func wantParams[P any](op *format.Op, path string) (*P, error) {
	p, ok := any(op.Params).(*P)
	if !ok || p == nil {
		return nil, format.Malformed(path+" / params", "missing or of type %T", op.Params)
	}
	return p, nil
}

// int32s decodes a constant int32 tensor.
func int32s(t *format.Tensor, path string) ([]int32, error) {
	if t.Data == nil || int64(len(t.Data)) != t.NumElements()*4 { // int64: no wrap on 32-bit targets
		return nil, format.Malformed(path, "int32 constant has %d bytes for %d elements", len(t.Data), t.NumElements())
	}
	out := make([]int32, t.NumElements())
	for i := range out {
		out[i] = int32(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

// sameShape reports whether a and b are equal.
func sameShape(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkClamp validates an activation range inside int8.
func checkClamp(lo, hi int32, path string) error {
	if lo < -128 || hi > 127 || lo > hi {
		return format.Malformed(path, "activation range [%d, %d] not within int8", lo, hi)
	}
	return nil
}
