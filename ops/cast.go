package ops

import (
	"fmt"

	"github.com/edgerun/edgerun/format"
)

// castKernel is CAST between the integer dtypes (int8, int16, int32, bool):
// TFLite's static_cast of every element, which sign-extends when widening,
// keeps the low bits (two's complement) when narrowing, and turns a bool
// into 0 or 1. A float32 input (a graph input: the converter admits no
// other) is truncated toward zero from its IEEE bits with integer
// arithmetic only (float32ToInt32); a float32 output is a graph boundary,
// not a kernel.
type castKernel struct {
	in, out     int32
	from, to    format.DType
	inSz, outSz int
	n           int
}

func prepareCast(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if op.Params != nil {
		return nil, format.Malformed(path+" / params", "%T, want none", op.Params)
	}
	if err := wantCounts(op, path, 1, 1, 1); err != nil {
		return nil, err
	}
	var err error
	dtype := func(list []int32, what string) (*format.Tensor, error) {
		if len(list) < 1 || list[0] < 0 || int(list[0]) >= len(m.Tensors) {
			return nil, format.Malformed(path+" / "+what+" 0", "tensor index out of range")
		}
		t := &m.Tensors[list[0]]
		switch t.DType {
		case format.DTypeInt8, format.DTypeInt16, format.DTypeInt32, format.DTypeBool:
			return t, nil
		}
		return nil, &format.UnsupportedOpError{Op: op.Code.String(), Index: -1,
			Reason: fmt.Sprintf("%s: %s %s (edgerun casts between int8, int16, int32 and bool)", path, what, t.DType)}
	}
	var in *format.Tensor
	if len(op.Inputs) == 1 && op.Inputs[0] >= 0 && int(op.Inputs[0]) < len(m.Tensors) && m.Tensors[op.Inputs[0]].DType == format.DTypeFloat32 {
		in = &m.Tensors[op.Inputs[0]]
	} else if in, err = dtype(op.Inputs, "input"); err != nil {
		return nil, err
	}
	out, err := dtype(op.Outputs, "output")
	if err != nil {
		return nil, err
	}
	if in.NumElements() != out.NumElements() {
		return nil, format.Malformed(path, "input has %d elements, output %d", in.NumElements(), out.NumElements())
	}
	if in.DType == format.DTypeFloat32 && out.DType == format.DTypeBool {
		return nil, &format.UnsupportedOpError{Op: op.Code.String(), Index: -1, Reason: path + ": float32 to bool"}
	}
	return &castKernel{in: op.Inputs[0], out: op.Outputs[0], from: in.DType, to: out.DType,
		inSz: in.DType.Size(), outSz: out.DType.Size(), n: int(in.NumElements())}, nil
}

func (k *castKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	for i := 0; i < k.n; i++ {
		var v int32
		switch k.inSz {
		case 1:
			v = int32(in[i])
		case 2:
			v = int32(getInt16(in, i))
		default:
			v = int32(uint32(uint8(in[4*i])) | uint32(uint8(in[4*i+1]))<<8 | uint32(uint8(in[4*i+2]))<<16 | uint32(uint8(in[4*i+3]))<<24)
			if k.from == format.DTypeFloat32 {
				v = float32ToInt32(uint32(v))
			}
		}
		if k.to == format.DTypeBool {
			v = int32(b2i(v != 0))
		}
		switch k.outSz {
		case 1:
			out[i] = int8(v)
		case 2:
			putInt16(out, i, int16(v))
		default:
			putInt32(out, i, v)
		}
	}
}

// float32ToInt32 truncates the float32 with IEEE bits b toward zero, with
// integer arithmetic only. Values beyond the int32 range saturate and NaN
// gives 0 (what ARM's FCVTZS does; C++ leaves them undefined).
func float32ToInt32(b uint32) int32 {
	exp := int32(b>>23&0xff) - 127
	if exp == 128 && b&0x7fffff != 0 { // NaN
		return 0
	}
	neg := b>>31 != 0
	if exp < 0 {
		return 0
	}
	if exp >= 31 {
		if neg {
			return -1 << 31
		}
		return 1<<31 - 1
	}
	mant := int64(b&0x7fffff | 1<<23)
	var mag int64
	if exp >= 23 {
		mag = mant << uint(exp-23)
	} else {
		mag = mant >> uint(23-exp)
	}
	if neg {
		return int32(-mag)
	}
	return int32(mag)
}
