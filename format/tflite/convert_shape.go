package tflite

import (
	"encoding/binary"
	"fmt"

	"github.com/edgerun/edgerun/format"
)

// Shape operators that cost nothing at Invoke: EXPAND_DIMS and SQUEEZE
// become views (like RESHAPE: the output shares the input's memory), SHAPE
// becomes a constant (shapes are static).

// freeConverters resolve an operator entirely at conversion (no op).
var freeConverters = map[BuiltinOperator]func(c *converter, idx int, op *Operator) error{
	OpExpandDims: convertExpandDims,
	OpSqueeze:    convertSqueeze,
	OpShape:      convertShape,
}

// convertExpandDims checks that the output is the input with a 1 inserted
// at the constant axis (negative: from rank+1), then makes it a view.
func convertExpandDims(c *converter, idx int, op *Operator) error {
	in, out, err := c.movePair(idx, op, 2, 2)
	if err != nil {
		return err
	}
	a, err := c.constOperand(idx, op, 1, "axis")
	if err != nil {
		return err
	}
	axis, ok := oneAxis(a, len(in.Shape)+1)
	if !ok {
		return format.Malformed(c.opPath(idx)+" / input 1 (axis)", "%v for input shape %v", a, in.Shape)
	}
	want := append(append(append([]int32(nil), in.Shape[:axis]...), 1), in.Shape[axis:]...)
	if !poolShapeEqual(want, out.Shape) {
		return format.Malformed(c.opPath(idx), "output shape %v, want %v", out.Shape, want)
	}
	return c.convertReshape(idx, op)
}

// convertSqueeze checks that the output is the input without the listed
// size-1 dimensions (all size-1 dimensions when none are listed), then
// makes it a view.
func convertSqueeze(c *converter, idx int, op *Operator) error {
	in, out, err := c.movePair(idx, op, 1, 1)
	if err != nil {
		return err
	}
	var dims []int32
	switch o := op.Options.(type) {
	case nil:
	case *SqueezeOptions:
		dims = o.SqueezeDims
	default:
		return wrongOptions(c, idx, op)
	}
	rank := len(in.Shape)
	drop := make([]bool, rank)
	for _, d := range dims {
		a, ok := axisIn(int64(d), rank)
		if !ok || in.Shape[a] != 1 {
			return format.Malformed(c.opPath(idx)+" / options", "squeeze_dims %v for input shape %v", dims, in.Shape)
		}
		drop[a] = true
	}
	var want []int32
	for d, n := range in.Shape {
		if (len(dims) == 0 && n == 1) || drop[d] {
			continue
		}
		want = append(want, n)
	}
	if !poolShapeEqual(want, out.Shape) {
		return format.Malformed(c.opPath(idx), "output shape %v, want %v", out.Shape, want)
	}
	return c.convertReshape(idx, op)
}

// convertShape makes the output (int32 or int64, one entry per input
// dimension) a constant holding the input's shape.
func convertShape(c *converter, idx int, op *Operator) error {
	if len(op.Inputs) != 1 || len(op.Outputs) != 1 || op.Inputs[0] < 0 || op.Outputs[0] < 0 {
		return format.Malformed(c.opPath(idx), "want one input and one output")
	}
	in, err := c.tensor(op.Inputs[0])
	if err != nil {
		return err
	}
	out, err := c.tensor(op.Outputs[0])
	if err != nil {
		return err
	}
	if !poolShapeEqual(out.Shape, []int32{int32(len(in.Shape))}) {
		return format.Malformed(c.opPath(idx), "output shape %v for a rank-%d input", out.Shape, len(in.Shape))
	}
	var data []byte
	for _, d := range in.Shape {
		switch out.DType {
		case format.DTypeInt32:
			data = binary.LittleEndian.AppendUint32(data, uint32(d))
		case format.DTypeInt64:
			data = binary.LittleEndian.AppendUint64(data, uint64(int64(d)))
		default:
			return unsupportedArith(c, idx, fmt.Sprintf("output of type %s (want int32 or int64)", out.DType))
		}
	}
	if data == nil {
		data = []byte{}
	}
	out.Data = data
	return nil
}
