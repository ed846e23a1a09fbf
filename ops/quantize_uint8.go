package ops

import (
	"fmt"

	"github.com/edgerun/edgerun/format"
)

// prepareQuantize prepares an integer QUANTIZE. Between 8-bit types it is a
// table op (format.TableParams) whose input and output may also be uint8:
// the graph's uint8 inputs and outputs keep their type, and the converter
// folds the uint8↔int8 shift into the table (format/tflite/convert_uint8.go).
// The table kernel maps bytes to bytes, so it runs unchanged.
func prepareQuantize(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 1, 1, 1); err != nil {
		return nil, err
	}
	for _, o := range []struct {
		list []int32
		what string
	}{{op.Inputs, "input"}, {op.Outputs, "output"}} {
		idx := o.list[0]
		if idx < 0 || int(idx) >= len(m.Tensors) {
			return nil, format.Malformed(fmt.Sprintf("%s / %s 0", path, o.what), "tensor index %d out of range", idx)
		}
		if d := m.Tensors[idx].DType; d != format.DTypeInt8 && d != format.DTypeUint8 {
			return nil, format.Malformed(fmt.Sprintf("%s / %s 0", path, o.what), "tensor %d is %s, want int8 or uint8", idx, d)
		}
	}
	p, err := wantParams[format.TableParams](op, path)
	if err != nil {
		return nil, err
	}
	return newTableKernel(p, &m.Tensors[op.Inputs[0]], &m.Tensors[op.Outputs[0]], op, path)
}
