package tflite

import (
	"fmt"
	"math"

	"github.com/edgerun/edgerun/format"
)

// Conversion of the data-movement operators. They copy raw values, as
// TFLite Micro's kernels do whatever the input and output quantization
// (none of them requantizes), so one op serves every element size; their
// index and shape operands must be constants (resolved here into params),
// except the positions of GATHER, GATHER_ND and EMBEDDING_LOOKUP and the
// start of DYNAMIC_UPDATE_SLICE, which the kernels read at Invoke.

func init() {
	for op, conv := range map[BuiltinOperator]opConverter{
		OpStridedSlice: convertStridedSlice,
		OpSlice:        convertSlice,
		OpReverseV2:    convertReverseV2,

		OpGather:          convertGather,
		OpGatherND:        convertGatherND,
		OpEmbeddingLookup: convertEmbeddingLookup,

		OpPack:   convertPack,
		OpUnpack: convertUnpack,
		OpSplit:  convertSplit,
		OpSplitV: convertSplitV,

		OpResizeNearestNeighbor: convertResizeNearest,
		OpBroadcastTo:           convertBroadcastTo,
		OpMirrorPad:             convertMirrorPad,
		OpDepthToSpace:          convertDepthToSpace,
		OpSpaceToDepth:          convertSpaceToDepth,
		OpSpaceToBatchND:        convertSpaceToBatchND,
		OpBatchToSpaceND:        convertBatchToSpaceND,

		OpFill:               convertFill,
		OpZerosLike:          convertZerosLike,
		OpDynamicUpdateSlice: convertDynamicUpdateSlice,
	} {
		converters[op] = conv
	}
}

// movePair checks the counts and returns the data input 0 and output 0 of
// a data-movement op: present, same dtype.
func (c *converter) movePair(idx int, op *Operator, minIn, maxIn int) (in, out *format.Tensor, err error) {
	path := c.opPath(idx)
	if len(op.Inputs) < minIn || len(op.Inputs) > maxIn || len(op.Outputs) != 1 {
		return nil, nil, format.Malformed(path, "has %d inputs and %d outputs, want %d..%d and 1", len(op.Inputs), len(op.Outputs), minIn, maxIn)
	}
	for i, t := range op.Inputs[:minIn] {
		if t < 0 {
			return nil, nil, format.Malformed(path, "input %d is absent", i)
		}
	}
	if op.Outputs[0] < 0 {
		return nil, nil, format.Malformed(path, "output is absent")
	}
	if in, err = c.tensor(op.Inputs[0]); err != nil {
		return nil, nil, err
	}
	if out, err = c.tensor(op.Outputs[0]); err != nil {
		return nil, nil, err
	}
	if in.DType != out.DType {
		return nil, nil, format.Malformed(path, "input is %s, output %s", in.DType, out.DType)
	}
	return in, out, nil
}

// constOperand reads constant input k (axes, begins, shapes): absent or
// non-constant operands are unsupported (edgerun resolves them at
// conversion).
func (c *converter) constOperand(idx int, op *Operator, k int, what string) ([]int64, error) {
	if k >= len(op.Inputs) || op.Inputs[k] < 0 {
		return nil, format.Malformed(c.opPath(idx), "input %d (%s) is absent", k, what)
	}
	t := op.Inputs[k]
	if !c.isConstant(t) {
		return nil, unsupportedArith(c, idx, fmt.Sprintf("input %d (%s) is not a constant", k, what))
	}
	v, err := c.constInts(t)
	if err != nil {
		return nil, c.atOperand(idx, fmt.Sprintf("input %d (%s)", k, what), err)
	}
	return v, nil
}

// axisIn resolves a possibly negative axis against rank.
func axisIn(a int64, rank int) (int, bool) {
	if a < 0 {
		a += int64(rank)
	}
	return int(a), a >= 0 && a < int64(rank)
}

// oneAxis is axisIn for a constant axis operand: it must hold exactly one
// value.
func oneAxis(a []int64, rank int) (int, bool) {
	if len(a) != 1 {
		return 0, false
	}
	return axisIn(a[0], rank)
}

// sliceOp builds the SliceParams op and checks the output shape: sizes
// with the dropped (shrunk) dimensions removed.
func (c *converter) sliceOp(idx int, code format.OpCode, op *Operator, out *format.Tensor, p *format.SliceParams, drop []bool) (format.Op, error) {
	var want []int32
	for d, n := range p.Size {
		if !drop[d] {
			want = append(want, n)
		}
	}
	if !poolShapeEqual(want, out.Shape) {
		return format.Op{}, format.Malformed(c.opPath(idx), "output shape %v, the slice gives %v", out.Shape, want)
	}
	return format.Op{Code: code, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]}, Params: p}, nil
}

// convertStridedSlice resolves TFLite's StridedSlice index logic
// (strided_slice_logic.h: negative indices, clamping, begin/end masks,
// shrink axes, offset) into SliceParams. Ellipsis and new-axis masks are
// unsupported, as is a shrink axis with a negative stride (an empty
// slice in the reference).
func convertStridedSlice(c *converter, idx int, op *Operator) (format.Op, error) {
	in, out, err := c.movePair(idx, op, 4, 4)
	if err != nil {
		return format.Op{}, err
	}
	o, ok := op.Options.(*StridedSliceOptions)
	if !ok {
		if op.Options != nil {
			return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "options of type %T", op.Options)
		}
		o = &StridedSliceOptions{}
	}
	if o.EllipsisMask != 0 || o.NewAxisMask != 0 {
		return format.Op{}, unsupportedArith(c, idx, fmt.Sprintf("ellipsis_mask %d, new_axis_mask %d (TFLite Micro supports neither)", o.EllipsisMask, o.NewAxisMask))
	}
	begin, err := c.constOperand(idx, op, 1, "begin")
	if err != nil {
		return format.Op{}, err
	}
	end, err := c.constOperand(idx, op, 2, "end")
	if err != nil {
		return format.Op{}, err
	}
	strides, err := c.constOperand(idx, op, 3, "strides")
	if err != nil {
		return format.Op{}, err
	}
	rank := len(in.Shape)
	n := len(begin)
	if len(end) != n || len(strides) != n || n > rank || rank > 5 {
		return format.Op{}, format.Malformed(c.opPath(idx), "%d begins, %d ends, %d strides for input shape %v (at most 5 dimensions)", len(begin), len(end), len(strides), in.Shape)
	}
	// StridedSlicePadIndices: missing leading dimensions are taken whole.
	pad := rank - n
	beginMask, endMask, shrink := int64(o.BeginMask)<<pad|(1<<pad-1), int64(o.EndMask)<<pad|(1<<pad-1), int64(o.ShrinkAxisMask)<<pad
	p := &format.SliceParams{Begin: make([]int32, rank), Stride: make([]int32, rank), Size: make([]int32, rank)}
	drop := make([]bool, rank)
	for d := 0; d < rank; d++ {
		b, e, s := int64(0), int64(1), int64(1)
		if d >= pad {
			b, e, s = begin[d-pad], end[d-pad], strides[d-pad]
		}
		dim := int64(in.Shape[d])
		if s == 0 || s != int64(int32(s)) {
			return format.Op{}, format.Malformed(c.opPath(idx)+" / input 3 (strides)", "stride %d of dimension %d", s, d)
		}
		clamp := func(v int64) int64 {
			if v < 0 {
				v += dim
			}
			if s > 0 {
				return min(max(v, 0), dim)
			}
			return min(max(v, -1), dim-1)
		}
		start := clamp(b)
		if beginMask>>d&1 != 0 {
			start = 0
			if s < 0 {
				start = dim - 1
			}
		}
		var stop int64
		if shrink>>d&1 != 0 {
			if s < 0 {
				return format.Op{}, unsupportedArith(c, idx, fmt.Sprintf("shrink axis %d with negative stride %d", d, s))
			}
			if start >= dim {
				return format.Op{}, format.Malformed(c.opPath(idx), "shrink axis %d: begin %d outside [0, %d)", d, b, dim)
			}
			stop, drop[d] = start+1, true
		} else {
			if o.Offset {
				e += start
			}
			stop = clamp(e)
			if endMask>>d&1 != 0 {
				stop = dim
				if s < 0 {
					stop = -1
				}
			}
		}
		count := int64(0)
		if s > 0 && stop > start {
			count = (stop - start + s - 1) / s
		} else if s < 0 && stop < start {
			count = (start - stop - s - 1) / -s
		}
		if count == 0 {
			start = 0
		}
		p.Begin[d], p.Stride[d], p.Size[d] = int32(start), int32(s), int32(count)
	}
	return c.sliceOp(idx, format.OpStridedSlice, op, out, p, drop)
}

// convertSlice: SLICE with constant begin and size (size -1: to the end),
// as TFLite's slice.cc computes them.
func convertSlice(c *converter, idx int, op *Operator) (format.Op, error) {
	in, out, err := c.movePair(idx, op, 3, 3)
	if err != nil {
		return format.Op{}, err
	}
	begin, err := c.constOperand(idx, op, 1, "begin")
	if err != nil {
		return format.Op{}, err
	}
	size, err := c.constOperand(idx, op, 2, "size")
	if err != nil {
		return format.Op{}, err
	}
	rank := len(in.Shape)
	if len(begin) != rank || len(size) != rank {
		return format.Op{}, format.Malformed(c.opPath(idx), "%d begins and %d sizes for input shape %v", len(begin), len(size), in.Shape)
	}
	p := &format.SliceParams{Begin: make([]int32, rank), Stride: make([]int32, rank), Size: make([]int32, rank)}
	for d := 0; d < rank; d++ {
		dim, b, n := int64(in.Shape[d]), begin[d], size[d]
		if n == -1 {
			n = dim - b
		}
		if b < 0 || n < 0 || b+n > dim {
			return format.Op{}, format.Malformed(c.opPath(idx), "dimension %d: begin %d, size %d outside [0, %d]", d, begin[d], size[d], dim)
		}
		if n == 0 {
			b = 0
		}
		p.Begin[d], p.Stride[d], p.Size[d] = int32(b), 1, int32(n)
	}
	return c.sliceOp(idx, format.OpSlice, op, out, p, make([]bool, rank))
}

// convertReverseV2: the constant axes (negative ones count from the end,
// each at most once) become a slice that walks them backwards.
func convertReverseV2(c *converter, idx int, op *Operator) (format.Op, error) {
	in, out, err := c.movePair(idx, op, 2, 2)
	if err != nil {
		return format.Op{}, err
	}
	axes, err := c.constOperand(idx, op, 1, "axes")
	if err != nil {
		return format.Op{}, err
	}
	rank := len(in.Shape)
	p := &format.SliceParams{Begin: make([]int32, rank), Stride: make([]int32, rank), Size: append([]int32(nil), in.Shape...)}
	for d := range p.Stride {
		p.Stride[d] = 1
	}
	for _, a := range axes {
		d, ok := axisIn(a, rank)
		if !ok || p.Stride[d] == -1 {
			return format.Op{}, format.Malformed(c.opPath(idx)+" / input 1 (axes)", "axis %d repeated or outside the input's %d dimensions", a, rank)
		}
		p.Stride[d] = -1
		p.Begin[d] = max(in.Shape[d]-1, 0)
	}
	return c.sliceOp(idx, format.OpReverseV2, op, out, p, make([]bool, rank))
}

// wrongOptions reports options of another operator's type.
func wrongOptions(c *converter, idx int, op *Operator) error {
	return format.Malformed(c.opPath(idx)+" / options", "options of type %T", op.Options)
}

// positions checks an index operand read at Invoke or a constant: int32
// or int64 (TFLite Micro takes int32 only; int64 positions index the same
// way).
func (c *converter) positions(idx int, op *Operator, k int) error {
	if op.Inputs[k] < 0 {
		return format.Malformed(c.opPath(idx), "input %d (positions) is absent", k)
	}
	t, err := c.tensor(op.Inputs[k])
	if err != nil {
		return err
	}
	if t.DType != format.DTypeInt32 && t.DType != format.DTypeInt64 {
		return unsupportedArith(c, idx, fmt.Sprintf("positions of type %s (want int32 or int64)", t.DType))
	}
	return nil
}

// convertGather: GATHER with its axis and batch_dims resolved (negative
// axis counts from the input's rank, negative batch_dims from the
// positions' rank, as gather.cc does).
func convertGather(c *converter, idx int, op *Operator) (format.Op, error) {
	in, out, err := c.movePair(idx, op, 2, 2)
	if err != nil {
		return format.Op{}, err
	}
	o, ok := op.Options.(*GatherOptions)
	if !ok {
		if op.Options != nil {
			return format.Op{}, wrongOptions(c, idx, op)
		}
		o = &GatherOptions{}
	}
	if err := c.positions(idx, op, 1); err != nil {
		return format.Op{}, err
	}
	pos, _ := c.tensor(op.Inputs[1])
	axis, ok := axisIn(int64(o.Axis), len(in.Shape))
	bd := int64(o.BatchDims)
	if bd < 0 {
		bd += int64(len(pos.Shape))
	}
	if !ok || bd < 0 || bd > int64(axis) || bd > int64(len(pos.Shape)) {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "axis %d, batch_dims %d for input shape %v, positions shape %v", o.Axis, o.BatchDims, in.Shape, pos.Shape)
	}
	want := append(append(append([]int32(nil), in.Shape[:axis]...), pos.Shape[bd:]...), in.Shape[axis+1:]...)
	if !poolShapeEqual(want, out.Shape) {
		return format.Op{}, format.Malformed(c.opPath(idx), "output shape %v, want %v", out.Shape, want)
	}
	return format.Op{Code: format.OpGather, Inputs: []int32{op.Inputs[0], op.Inputs[1]}, Outputs: []int32{op.Outputs[0]},
		Params: &format.GatherParams{Axis: int32(axis), BatchDims: int32(bd)}}, nil
}

// convertGatherND: GATHER_ND (no options; shapes checked by the kernel).
func convertGatherND(c *converter, idx int, op *Operator) (format.Op, error) {
	if _, _, err := c.movePair(idx, op, 2, 2); err != nil {
		return format.Op{}, err
	}
	if err := c.positions(idx, op, 1); err != nil {
		return format.Op{}, err
	}
	return format.Op{Code: format.OpGatherND, Inputs: []int32{op.Inputs[0], op.Inputs[1]}, Outputs: []int32{op.Outputs[0]}}, nil
}

// convertEmbeddingLookup: EMBEDDING_LOOKUP with int32 ids (input 0) and a
// value table (input 1) copied row by row. An int8 table with a float32
// output is TFLite Micro's hybrid path, value·scale (zero point 0): on a
// graph output it becomes the int8 rows marked Float, which
// OutputFloat32 dequantizes to the same float32 values (the product of an
// int8 and a float32 scale is exact in double, so rounding it once to
// float32 gives what the reference's float multiply gives).
func convertEmbeddingLookup(c *converter, idx int, op *Operator) (format.Op, error) {
	if len(op.Inputs) != 2 || len(op.Outputs) != 1 || op.Inputs[0] < 0 || op.Inputs[1] < 0 || op.Outputs[0] < 0 {
		return format.Op{}, format.Malformed(c.opPath(idx), "want ids, a value table and one output")
	}
	ids, err := c.tensor(op.Inputs[0])
	if err != nil {
		return format.Op{}, err
	}
	if ids.DType != format.DTypeInt32 {
		return format.Op{}, unsupportedArith(c, idx, fmt.Sprintf("ids of type %s (TFLite Micro takes int32)", ids.DType))
	}
	value, err := c.tensor(op.Inputs[1])
	if err != nil {
		return format.Op{}, err
	}
	o := op.Outputs[0]
	if c.sg.Tensors[o].Type == TypeFloat32 && value.DType == format.DTypeInt8 {
		if err := c.floatRows(idx, o, value); err != nil {
			return format.Op{}, err
		}
	}
	out, err := c.tensor(o)
	if err != nil {
		return format.Op{}, err
	}
	if value.DType != out.DType {
		return format.Op{}, format.Malformed(c.opPath(idx), "value is %s, output %s", value.DType, out.DType)
	}
	return format.Op{Code: format.OpEmbeddingLookup, Inputs: []int32{op.Inputs[0], op.Inputs[1]}, Outputs: []int32{o}}, nil
}

// floatRows turns float32 output o of a hybrid EMBEDDING_LOOKUP into an
// int8 graph output with the value table's quantization, marked Float.
func (c *converter) floatRows(idx int, o int32, value *format.Tensor) error {
	if len(value.Scale) != 1 || value.ZeroPoint[0] != 0 {
		return unsupportedArith(c, idx, "float32 output of an int8 table without per-tensor quantization of zero point 0 (TFLite Micro requires it)")
	}
	k := -1
	for i := range c.outputs {
		if c.outputs[i].Tensor == o {
			k = i
		}
	}
	if k < 0 || c.ok[o] {
		return unsupportedArith(c, idx, "float32 output inside the graph (only a graph output may be float)")
	}
	st := &c.sg.Tensors[o]
	c.tensors[o] = format.Tensor{Name: st.Name, DType: format.DTypeInt8, Shape: append([]int32(nil), st.Shape...),
		Scale: []float32{value.Scale[0]}, ZeroPoint: []int32{0}, ArenaOffset: -1}
	c.ok[o] = true
	c.outputs[k].Float = true
	return nil
}

// convertPack: PACK along an axis of the output (negative: from the
// output's rank, as pack.cc does).
func convertPack(c *converter, idx int, op *Operator) (format.Op, error) {
	if len(op.Inputs) < 1 {
		return format.Op{}, format.Malformed(c.opPath(idx), "has no inputs")
	}
	in, out, err := c.movePair(idx, op, len(op.Inputs), len(op.Inputs))
	if err != nil {
		return format.Op{}, err
	}
	o, ok := op.Options.(*PackOptions)
	if !ok {
		return format.Op{}, wrongOptions(c, idx, op)
	}
	if int(o.ValuesCount) != len(op.Inputs) {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "values_count %d, %d inputs", o.ValuesCount, len(op.Inputs))
	}
	axis, ok := axisIn(int64(o.Axis), len(in.Shape)+1)
	if !ok {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "axis %d for input shape %v", o.Axis, in.Shape)
	}
	for k, t := range op.Inputs {
		ti, err := c.tensor(t)
		if err != nil {
			return format.Op{}, err
		}
		if ti.DType != out.DType || !poolShapeEqual(ti.Shape, in.Shape) {
			return format.Op{}, format.Malformed(c.opPath(idx), "input %d is %v %s, input 0 %v %s", k, ti.Shape, ti.DType, in.Shape, in.DType)
		}
	}
	return format.Op{Code: format.OpPack, Inputs: append([]int32(nil), op.Inputs...), Outputs: []int32{op.Outputs[0]},
		Params: &format.ConcatenationParams{Axis: int32(axis)}}, nil
}

// splitOutputs checks every output of UNPACK / SPLIT / SPLIT_V against
// the input's dtype.
func (c *converter) splitOutputs(idx int, op *Operator, in *format.Tensor) error {
	if len(op.Outputs) < 1 {
		return format.Malformed(c.opPath(idx), "has no outputs")
	}
	for k, t := range op.Outputs {
		if t < 0 {
			return format.Malformed(c.opPath(idx), "output %d is absent", k)
		}
		to, err := c.tensor(t)
		if err != nil {
			return err
		}
		if to.DType != in.DType {
			return format.Malformed(c.opPath(idx), "output %d is %s, input %s", k, to.DType, in.DType)
		}
	}
	return nil
}

// splitOp emits the split kernel's op on data input in.
func splitOp(code format.OpCode, op *Operator, in int32, axis int) format.Op {
	return format.Op{Code: code, Inputs: []int32{in}, Outputs: append([]int32(nil), op.Outputs...),
		Params: &format.ConcatenationParams{Axis: int32(axis)}}
}

// convertUnpack: UNPACK into num outputs along an axis of the input.
func convertUnpack(c *converter, idx int, op *Operator) (format.Op, error) {
	if len(op.Inputs) != 1 || op.Inputs[0] < 0 {
		return format.Op{}, format.Malformed(c.opPath(idx), "has %d inputs, want 1", len(op.Inputs))
	}
	in, err := c.tensor(op.Inputs[0])
	if err != nil {
		return format.Op{}, err
	}
	if err := c.splitOutputs(idx, op, in); err != nil {
		return format.Op{}, err
	}
	o, ok := op.Options.(*UnpackOptions)
	if !ok {
		return format.Op{}, wrongOptions(c, idx, op)
	}
	axis, ok := axisIn(int64(o.Axis), len(in.Shape))
	if !ok || int(o.Num) != len(op.Outputs) || in.Shape[axis] != o.Num {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "num %d, axis %d for input shape %v and %d outputs", o.Num, o.Axis, in.Shape, len(op.Outputs))
	}
	return splitOp(format.OpUnpack, op, op.Inputs[0], axis), nil
}

// convertSplit: SPLIT (input 0 the constant axis, input 1 the data) into
// num_splits equal parts.
func convertSplit(c *converter, idx int, op *Operator) (format.Op, error) {
	if len(op.Inputs) != 2 || op.Inputs[1] < 0 {
		return format.Op{}, format.Malformed(c.opPath(idx), "has %d inputs, want an axis and the data", len(op.Inputs))
	}
	in, err := c.tensor(op.Inputs[1])
	if err != nil {
		return format.Op{}, err
	}
	if err := c.splitOutputs(idx, op, in); err != nil {
		return format.Op{}, err
	}
	a, err := c.constOperand(idx, op, 0, "axis")
	if err != nil {
		return format.Op{}, err
	}
	axis, ok := oneAxis(a, len(in.Shape))
	if !ok {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / input 0 (axis)", "%v for input shape %v", a, in.Shape)
	}
	n := int32(len(op.Outputs))
	if o, isSplit := op.Options.(*SplitOptions); isSplit && o.NumSplits != n || in.Shape[axis]%n != 0 {
		return format.Op{}, format.Malformed(c.opPath(idx), "%d outputs do not split dimension %d of %v evenly", n, axis, in.Shape)
	}
	return splitOp(format.OpSplit, op, op.Inputs[1], axis), nil
}

// convertSplitV: SPLIT_V (data, constant size_splits with at most one -1,
// constant axis).
func convertSplitV(c *converter, idx int, op *Operator) (format.Op, error) {
	if len(op.Inputs) != 3 || op.Inputs[0] < 0 {
		return format.Op{}, format.Malformed(c.opPath(idx), "has %d inputs, want the data, sizes and an axis", len(op.Inputs))
	}
	in, err := c.tensor(op.Inputs[0])
	if err != nil {
		return format.Op{}, err
	}
	if err := c.splitOutputs(idx, op, in); err != nil {
		return format.Op{}, err
	}
	sizes, err := c.constOperand(idx, op, 1, "size_splits")
	if err != nil {
		return format.Op{}, err
	}
	a, err := c.constOperand(idx, op, 2, "axis")
	if err != nil {
		return format.Op{}, err
	}
	axis, ok := oneAxis(a, len(in.Shape))
	if !ok || len(sizes) != len(op.Outputs) {
		return format.Op{}, format.Malformed(c.opPath(idx), "axis %v, %d sizes for input shape %v and %d outputs", a, len(sizes), in.Shape, len(op.Outputs))
	}
	// The kernel takes each output's size from its shape; check they are
	// the sizes given (one -1 takes the rest).
	rest, unknown := int64(in.Shape[axis]), -1
	for k, s := range sizes {
		if s == -1 && unknown < 0 {
			unknown = k
			continue
		}
		if s < 0 {
			return format.Op{}, format.Malformed(c.opPath(idx)+" / input 1 (size_splits)", "%v", sizes)
		}
		rest -= s
	}
	for k, t := range op.Outputs {
		want := sizes[k]
		if k == unknown {
			want = rest
		}
		if to, _ := c.tensor(t); len(to.Shape) != len(in.Shape) || int64(to.Shape[axis]) != want {
			return format.Op{}, format.Malformed(c.opPath(idx), "output %d has shape %v, size_splits %v along axis %d", k, to.Shape, sizes, axis)
		}
	}
	return splitOp(format.OpSplitV, op, op.Inputs[0], axis), nil
}

// maxResizeSide bounds RESIZE_NEAREST_NEIGHBOR's output height and width.
const maxResizeSide = 1 << 20

// nearestIndex is TFLite's GetNearestNeighbor, in float32 as the reference
// computes it.
func nearestIndex(o, inSize, outSize int, alignCorners, halfPixel bool) int32 {
	scale := float32(inSize) / float32(outSize)
	if alignCorners && outSize > 1 {
		scale = float32(inSize-1) / float32(outSize-1)
	}
	offset := float32(0)
	if halfPixel {
		offset = 0.5
	}
	f := (float32(o) + offset) * scale
	var v int
	if alignCorners {
		v = int(math.Round(float64(f)))
	} else {
		v = int(math.Floor(float64(f)))
	}
	v = min(v, inSize-1)
	if halfPixel {
		v = max(v, 0)
	}
	return int32(v)
}

// convertResizeNearest: RESIZE_NEAREST_NEIGHBOR on [N, H, W, C] with a
// constant size; the source row and column of every output row and column
// are computed here.
func convertResizeNearest(c *converter, idx int, op *Operator) (format.Op, error) {
	in, out, err := c.movePair(idx, op, 2, 2)
	if err != nil {
		return format.Op{}, err
	}
	o, ok := op.Options.(*ResizeNearestNeighborOptions)
	if !ok {
		if op.Options != nil {
			return format.Op{}, wrongOptions(c, idx, op)
		}
		o = &ResizeNearestNeighborOptions{}
	}
	size, err := c.constOperand(idx, op, 1, "size")
	if err != nil {
		return format.Op{}, err
	}
	if len(in.Shape) != 4 || len(size) != 2 || !poolShapeEqual(out.Shape, []int32{in.Shape[0], int32(size[0]), int32(size[1]), in.Shape[3]}) ||
		size[0] != int64(out.Shape[1]) || size[1] != int64(out.Shape[2]) {
		return format.Op{}, format.Malformed(c.opPath(idx), "input %v, size %v, output %v", in.Shape, size, out.Shape)
	}
	if in.Shape[1] < 1 || in.Shape[2] < 1 {
		return format.Op{}, format.Malformed(c.opPath(idx), "empty input %v", in.Shape)
	}
	// The params hold one entry per output row and column: bound them
	// before allocating (no image has a million rows).
	if out.Shape[1] > maxResizeSide || out.Shape[2] > maxResizeSide {
		return format.Op{}, unsupportedArith(c, idx, fmt.Sprintf("output %v: more than %d rows or columns", out.Shape, maxResizeSide))
	}
	p := &format.ResizeNearestParams{YIndex: make([]int32, out.Shape[1]), XIndex: make([]int32, out.Shape[2])}
	for y := range p.YIndex {
		p.YIndex[y] = nearestIndex(y, int(in.Shape[1]), int(out.Shape[1]), o.AlignCorners, o.HalfPixelCenters)
	}
	for x := range p.XIndex {
		p.XIndex[x] = nearestIndex(x, int(in.Shape[2]), int(out.Shape[2]), o.AlignCorners, o.HalfPixelCenters)
	}
	return format.Op{Code: format.OpResizeNearestNeighbor, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]}, Params: p}, nil
}

// convertBroadcastTo: the constant shape must be the output's.
func convertBroadcastTo(c *converter, idx int, op *Operator) (format.Op, error) {
	_, out, err := c.movePair(idx, op, 2, 2)
	if err != nil {
		return format.Op{}, err
	}
	shape, err := c.constOperand(idx, op, 1, "shape")
	if err != nil {
		return format.Op{}, err
	}
	if len(shape) != len(out.Shape) {
		return format.Op{}, format.Malformed(c.opPath(idx), "shape %v, output shape %v", shape, out.Shape)
	}
	for d, v := range shape {
		if v != int64(out.Shape[d]) {
			return format.Op{}, format.Malformed(c.opPath(idx), "shape %v, output shape %v", shape, out.Shape)
		}
	}
	return format.Op{Code: format.OpBroadcastTo, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]}}, nil
}

// pairs reads a constant [n, 2] operand (paddings, crops) into befores and
// afters.
func (c *converter) pairs(idx int, op *Operator, k, n int, what string) (before, after []int32, err error) {
	v, err := c.constOperand(idx, op, k, what)
	if err != nil {
		return nil, nil, err
	}
	if len(v) != 2*n || !poolShapeEqual(c.sg.Tensors[op.Inputs[k]].Shape, []int32{int32(n), 2}) {
		return nil, nil, format.Malformed(c.opPath(idx), "input %d (%s) has shape %v, want [%d 2]", k, what, c.sg.Tensors[op.Inputs[k]].Shape, n)
	}
	for i := 0; i < n; i++ {
		b, a := v[2*i], v[2*i+1]
		if b < 0 || a < 0 || b > math.MaxInt32 || a > math.MaxInt32 {
			return nil, nil, format.Malformed(c.opPath(idx), "input %d (%s): %d and %d for dimension %d", k, what, b, a, i)
		}
		before, after = append(before, int32(b)), append(after, int32(a))
	}
	return before, after, nil
}

// convertMirrorPad: constant paddings; PadParams.Value is 1 for REFLECT
// (the edge is not repeated), 0 for SYMMETRIC.
func convertMirrorPad(c *converter, idx int, op *Operator) (format.Op, error) {
	in, _, err := c.movePair(idx, op, 2, 2)
	if err != nil {
		return format.Op{}, err
	}
	o, ok := op.Options.(*MirrorPadOptions)
	if !ok {
		if op.Options != nil {
			return format.Op{}, wrongOptions(c, idx, op)
		}
		o = &MirrorPadOptions{}
	}
	before, after, err := c.pairs(idx, op, 1, len(in.Shape), "paddings")
	if err != nil {
		return format.Op{}, err
	}
	p := &format.PadParams{Before: before, After: after, Value: 1}
	if o.Mode == 1 {
		p.Value = 0
	}
	return format.Op{Code: format.OpMirrorPad, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]}, Params: p}, nil
}

func blockOp(c *converter, idx int, op *Operator, code format.OpCode) (format.Op, error) {
	if _, _, err := c.movePair(idx, op, 1, 1); err != nil {
		return format.Op{}, err
	}
	o, ok := op.Options.(*BlockSizeOptions)
	if !ok || o.BlockSize < 1 {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "missing or block size below 1")
	}
	return format.Op{Code: code, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]},
		Params: &format.BlockParams{Block: []int32{o.BlockSize}}}, nil
}

func convertDepthToSpace(c *converter, idx int, op *Operator) (format.Op, error) {
	return blockOp(c, idx, op, format.OpDepthToSpace)
}

func convertSpaceToDepth(c *converter, idx int, op *Operator) (format.Op, error) {
	return blockOp(c, idx, op, format.OpSpaceToDepth)
}

// spaceBatchOp: SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND with constant block
// shape and paddings / crops (rank 3 or 4).
func spaceBatchOp(c *converter, idx int, op *Operator, code format.OpCode, what string) (format.Op, error) {
	in, _, err := c.movePair(idx, op, 3, 3)
	if err != nil {
		return format.Op{}, err
	}
	if r := len(in.Shape); r != 3 && r != 4 {
		return format.Op{}, unsupportedArith(c, idx, fmt.Sprintf("input shape %v (TFLite Micro takes 3 or 4 dimensions)", in.Shape))
	}
	block, err := c.constOperand(idx, op, 1, "block_shape")
	if err != nil {
		return format.Op{}, err
	}
	n := len(in.Shape) - 2
	if len(block) != n {
		return format.Op{}, format.Malformed(c.opPath(idx), "block shape %v for input shape %v", block, in.Shape)
	}
	p := &format.BlockParams{}
	for _, b := range block {
		if b < 1 || b > math.MaxInt32 {
			return format.Op{}, format.Malformed(c.opPath(idx), "block shape %v", block)
		}
		p.Block = append(p.Block, int32(b))
	}
	if p.Before, p.After, err = c.pairs(idx, op, 2, n, what); err != nil {
		return format.Op{}, err
	}
	return format.Op{Code: code, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]}, Params: p}, nil
}

func convertSpaceToBatchND(c *converter, idx int, op *Operator) (format.Op, error) {
	return spaceBatchOp(c, idx, op, format.OpSpaceToBatchND, "paddings")
}

func convertBatchToSpaceND(c *converter, idx int, op *Operator) (format.Op, error) {
	return spaceBatchOp(c, idx, op, format.OpBatchToSpaceND, "crops")
}

// convertFill: FILL with constant dims (the output's shape) and a scalar
// value of the output's dtype, copied raw.
func convertFill(c *converter, idx int, op *Operator) (format.Op, error) {
	if len(op.Inputs) != 2 || len(op.Outputs) != 1 || op.Inputs[1] < 0 || op.Outputs[0] < 0 {
		return format.Op{}, format.Malformed(c.opPath(idx), "want dims, a value and one output")
	}
	dims, err := c.constOperand(idx, op, 0, "dims")
	if err != nil {
		return format.Op{}, err
	}
	value, err := c.tensor(op.Inputs[1])
	if err != nil {
		return format.Op{}, err
	}
	out, err := c.tensor(op.Outputs[0])
	if err != nil {
		return format.Op{}, err
	}
	if value.DType != out.DType || value.NumElements() != 1 || len(dims) != len(out.Shape) {
		return format.Op{}, format.Malformed(c.opPath(idx), "value %v %s, dims %v, output %v %s", value.Shape, value.DType, dims, out.Shape, out.DType)
	}
	for d, v := range dims {
		if v != int64(out.Shape[d]) {
			return format.Op{}, format.Malformed(c.opPath(idx), "dims %v, output shape %v", dims, out.Shape)
		}
	}
	return format.Op{Code: format.OpFill, Inputs: []int32{op.Inputs[1]}, Outputs: []int32{op.Outputs[0]}}, nil
}

// convertZerosLike: raw zeros of the input's shape and dtype.
func convertZerosLike(c *converter, idx int, op *Operator) (format.Op, error) {
	in, out, err := c.movePair(idx, op, 1, 1)
	if err != nil {
		return format.Op{}, err
	}
	if !poolShapeEqual(in.Shape, out.Shape) {
		return format.Op{}, format.Malformed(c.opPath(idx), "input shape %v, output %v", in.Shape, out.Shape)
	}
	return format.Op{Code: format.OpZerosLike, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]}}, nil
}

// convertDynamicUpdateSlice: operand, update (same dtype) and int32/int64
// start indices (a constant or read at Invoke).
func convertDynamicUpdateSlice(c *converter, idx int, op *Operator) (format.Op, error) {
	_, out, err := c.movePair(idx, op, 3, 3)
	if err != nil {
		return format.Op{}, err
	}
	up, err := c.tensor(op.Inputs[1])
	if err != nil {
		return format.Op{}, err
	}
	if up.DType != out.DType {
		return format.Op{}, format.Malformed(c.opPath(idx), "update is %s, output %s", up.DType, out.DType)
	}
	if err := c.positions(idx, op, 2); err != nil {
		return format.Op{}, err
	}
	return format.Op{Code: format.OpDynamicUpdateSlice, Inputs: append([]int32(nil), op.Inputs...), Outputs: []int32{op.Outputs[0]}}, nil
}
