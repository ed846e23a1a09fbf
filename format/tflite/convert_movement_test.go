package tflite

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// moveSrc builds one data-movement op: an int8 input of shape in, the
// given constant int32 operands (nil: a non-constant int32 input of one
// element per entry of shapes), an int8 output of shape out.
func moveSrc(code BuiltinOperator, opts any, in []int32, consts [][]int32, out []int32) *arithSrc {
	b := newArithSrc()
	ins := []int32{b.int8s(in, 0.5, 3)}
	for _, c := range consts {
		ins = append(ins, b.tensor(TypeInt32, []int32{int32(len(c))}, 0, 0, int32Bytes(c...)))
	}
	b.op(code, opts, ins, []int32{b.int8s(out, 0.5, 3)})
	return b
}

func TestConvertStridedSlice(t *testing.T) {
	ss := func(o any, begin, end, strides []int32, out []int32) *arithSrc {
		return moveSrc(OpStridedSlice, o, []int32{4, 5}, [][]int32{begin, end, strides}, out)
	}
	// Negative begin, masked end, a reverse dimension.
	op := ss(&StridedSliceOptions{EndMask: 1}, []int32{-3, 4}, []int32{0, 0}, []int32{1, -2}, []int32{3, 2}).convert(t).Ops[0]
	p, ok := op.Params.(*format.SliceParams)
	if op.Code != format.OpStridedSlice || !ok || !slices.Equal(p.Begin, []int32{1, 4}) || !slices.Equal(p.Stride, []int32{1, -2}) || !slices.Equal(p.Size, []int32{3, 2}) {
		t.Errorf("got %s %+v", op.Code, op.Params)
	}
	// Shrink axis 0: the output drops it.
	op = ss(&StridedSliceOptions{ShrinkAxisMask: 1}, []int32{-1, 0}, []int32{0, 5}, []int32{1, 1}, []int32{5}).convert(t).Ops[0]
	if p := op.Params.(*format.SliceParams); !slices.Equal(p.Begin, []int32{3, 0}) || !slices.Equal(p.Size, []int32{1, 5}) {
		t.Errorf("shrink: got %+v", p)
	}
	// Fewer indices than dimensions: leading dimensions whole.
	op = ss(nil, []int32{1}, []int32{3}, []int32{1}, []int32{4, 2}).convert(t).Ops[0]
	if p := op.Params.(*format.SliceParams); !slices.Equal(p.Begin, []int32{0, 1}) || !slices.Equal(p.Size, []int32{4, 2}) {
		t.Errorf("padded indices: got %+v", p)
	}
	ss(&StridedSliceOptions{EllipsisMask: 1}, []int32{0, 0}, []int32{1, 1}, []int32{1, 1}, []int32{1, 1}).wantErr(t, format.ErrUnsupportedOp, "ellipsis")
	ss(&StridedSliceOptions{NewAxisMask: 2}, []int32{0, 0}, []int32{1, 1}, []int32{1, 1}, []int32{1, 1}).wantErr(t, format.ErrUnsupportedOp, "new axis")
	ss(&StridedSliceOptions{ShrinkAxisMask: 1}, []int32{0, 0}, []int32{1, 1}, []int32{-1, 1}, []int32{1}).wantErr(t, format.ErrUnsupportedOp, "shrink with negative stride")
	ss(&StridedSliceOptions{ShrinkAxisMask: 1}, []int32{9, 0}, []int32{10, 1}, []int32{1, 1}, []int32{1}).wantErr(t, format.ErrMalformedModel, "shrink past the end")
	ss(nil, []int32{0, 0}, []int32{1, 1}, []int32{0, 1}, []int32{1, 1}).wantErr(t, format.ErrMalformedModel, "zero stride")
	ss(nil, []int32{0, 0}, []int32{1, 1}, []int32{1}, []int32{1, 1}).wantErr(t, format.ErrMalformedModel, "short strides")
	ss(nil, []int32{0, 0}, []int32{2, 2}, []int32{1, 1}, []int32{1, 1}).wantErr(t, format.ErrMalformedModel, "output shape")
	ss(&GatherOptions{}, []int32{0, 0}, []int32{1, 1}, []int32{1, 1}, []int32{1, 1}).wantErr(t, format.ErrMalformedModel, "options type")
	// A begin that is not a constant.
	b := newArithSrc()
	in, beg := b.int8s([]int32{4}, 0.5, 3), b.tensor(TypeInt32, []int32{1}, 0, 0, nil)
	e, s := b.tensor(TypeInt32, []int32{1}, 0, 0, int32Bytes(2)), b.tensor(TypeInt32, []int32{1}, 0, 0, int32Bytes(1))
	b.op(OpStridedSlice, nil, []int32{in, beg, e, s}, []int32{b.int8s([]int32{2}, 0.5, 3)})
	b.wantErr(t, format.ErrUnsupportedOp, "dynamic begin")
}

func TestConvertSliceReverse(t *testing.T) {
	op := moveSrc(OpSlice, nil, []int32{4, 5}, [][]int32{{1, 2}, {-1, 2}}, []int32{3, 2}).convert(t).Ops[0]
	if p := op.Params.(*format.SliceParams); !slices.Equal(p.Begin, []int32{1, 2}) || !slices.Equal(p.Size, []int32{3, 2}) {
		t.Errorf("slice: got %+v", p)
	}
	moveSrc(OpSlice, nil, []int32{4, 5}, [][]int32{{1, 2}, {4, 2}}, []int32{4, 2}).wantErr(t, format.ErrMalformedModel, "size past the end")
	moveSrc(OpSlice, nil, []int32{4, 5}, [][]int32{{-1, 2}, {1, 2}}, []int32{1, 2}).wantErr(t, format.ErrMalformedModel, "negative begin")
	op = moveSrc(OpReverseV2, nil, []int32{4, 5}, [][]int32{{-1}}, []int32{4, 5}).convert(t).Ops[0]
	if p := op.Params.(*format.SliceParams); !slices.Equal(p.Begin, []int32{0, 4}) || !slices.Equal(p.Stride, []int32{1, -1}) {
		t.Errorf("reverse: got %+v", p)
	}
	moveSrc(OpReverseV2, nil, []int32{4, 5}, [][]int32{{1, -1}}, []int32{4, 5}).wantErr(t, format.ErrMalformedModel, "repeated axis")
	moveSrc(OpReverseV2, nil, []int32{4, 5}, [][]int32{{2}}, []int32{4, 5}).wantErr(t, format.ErrMalformedModel, "axis past rank")
}

func TestConvertGather(t *testing.T) {
	src := func(opts any, pos []int32, posShape, out []int32, typ TensorType) *arithSrc {
		b := newArithSrc()
		in := b.int8s([]int32{3, 4}, 0.5, 3)
		data := int32Bytes(pos...)
		if typ == TypeInt64 {
			var v []int64
			for _, p := range pos {
				v = append(v, int64(p))
			}
			data = int64Bytes(v...)
		}
		if typ == TypeInt16 {
			data = make([]byte, 2*len(pos))
		}
		p := b.tensor(typ, posShape, 0, 0, data)
		b.op(OpGather, opts, []int32{in, p}, []int32{b.int8s(out, 0.5, 3)})
		return b
	}
	op := src(&GatherOptions{Axis: -1}, []int32{3, 0}, []int32{2}, []int32{3, 2}, TypeInt32).convert(t).Ops[0]
	if p, ok := op.Params.(*format.GatherParams); op.Code != format.OpGather || !ok || p.Axis != 1 || p.BatchDims != 0 {
		t.Errorf("got %s %+v", op.Code, op.Params)
	}
	src(&GatherOptions{Axis: 1}, []int32{3, 0}, []int32{2}, []int32{3, 2}, TypeInt64).convert(t)
	src(&GatherOptions{Axis: 2}, []int32{0}, []int32{1}, []int32{3, 1}, TypeInt32).wantErr(t, format.ErrMalformedModel, "axis past rank")
	src(&GatherOptions{Axis: 0, BatchDims: 1}, []int32{0}, []int32{1}, []int32{3, 4}, TypeInt32).wantErr(t, format.ErrMalformedModel, "batch_dims past axis")
	src(&GatherOptions{Axis: 1}, []int32{0}, []int32{1}, []int32{3, 2}, TypeInt32).wantErr(t, format.ErrMalformedModel, "output shape")
	src(&GatherOptions{Axis: 1}, []int32{0}, []int32{1}, []int32{3, 1}, TypeInt16).wantErr(t, format.ErrUnsupportedOp, "int16 positions")
}

func TestConvertPackSplit(t *testing.T) {
	b := newArithSrc()
	x, y := b.int8s([]int32{2, 3}, 0.5, 3), b.int8s([]int32{2, 3}, 0.5, 3)
	b.op(OpPack, &PackOptions{ValuesCount: 2, Axis: -1}, []int32{x, y}, []int32{b.int8s([]int32{2, 3, 2}, 0.5, 3)})
	if p := b.convert(t).Ops[0].Params.(*format.ConcatenationParams); p.Axis != 2 {
		t.Errorf("pack axis %d, want 2", p.Axis)
	}
	b = newArithSrc()
	x, y = b.int8s([]int32{2, 3}, 0.5, 3), b.int8s([]int32{2, 3}, 0.5, 3)
	b.op(OpPack, &PackOptions{ValuesCount: 3}, []int32{x, y}, []int32{b.int8s([]int32{2, 2, 3}, 0.5, 3)})
	b.wantErr(t, format.ErrMalformedModel, "values_count")

	split := func(axis []int32, n int, out []int32) *arithSrc {
		b := newArithSrc()
		a := b.tensor(TypeInt32, []int32{int32(len(axis))}, 0, 0, int32Bytes(axis...))
		in := b.int8s([]int32{4, 6}, 0.5, 3)
		var outs []int32
		for range n {
			outs = append(outs, b.int8s(out, 0.5, 3))
		}
		b.op(OpSplit, &SplitOptions{NumSplits: int32(n)}, []int32{a, in}, outs)
		return b
	}
	if op := split([]int32{-1}, 3, []int32{4, 2}).convert(t).Ops[0]; op.Params.(*format.ConcatenationParams).Axis != 1 || len(op.Inputs) != 1 || len(op.Outputs) != 3 {
		t.Errorf("split: got %+v", op)
	}
	split([]int32{1}, 4, []int32{4, 1}).wantErr(t, format.ErrMalformedModel, "uneven split")
	split([]int32{2}, 2, []int32{4, 3}).wantErr(t, format.ErrMalformedModel, "axis past rank")
	split([]int32{0, 1}, 2, []int32{2, 6}).wantErr(t, format.ErrMalformedModel, "two axes")

	splitV := func(sizes []int32, outs ...[]int32) *arithSrc {
		b := newArithSrc()
		in := b.int8s([]int32{4, 6}, 0.5, 3)
		s := b.tensor(TypeInt32, []int32{int32(len(sizes))}, 0, 0, int32Bytes(sizes...))
		a := b.tensor(TypeInt32, []int32{1}, 0, 0, int32Bytes(1))
		var os []int32
		for _, o := range outs {
			os = append(os, b.int8s(o, 0.5, 3))
		}
		b.op(OpSplitV, &SplitOptions{NumSplits: int32(len(outs))}, []int32{in, s, a}, os)
		return b
	}
	splitV([]int32{2, -1}, []int32{4, 2}, []int32{4, 4}).convert(t)
	splitV([]int32{2, 3}, []int32{4, 2}, []int32{4, 4}).wantErr(t, format.ErrMalformedModel, "sizes disagree with outputs")
	splitV([]int32{-1, -1}, []int32{4, 2}, []int32{4, 4}).wantErr(t, format.ErrMalformedModel, "two unknown sizes")

	b = newArithSrc()
	in := b.int8s([]int32{2, 3}, 0.5, 3)
	b.op(OpUnpack, &UnpackOptions{Num: 2, Axis: 1}, []int32{in}, []int32{b.int8s([]int32{2}, 0.5, 3), b.int8s([]int32{2}, 0.5, 3)})
	b.wantErr(t, format.ErrMalformedModel, "unpack num differs from the axis")
}

func TestConvertShapeOpsAreFree(t *testing.T) {
	// EXPAND_DIMS then SQUEEZE: two views of the input, no op.
	b := newArithSrc()
	in := b.int8s([]int32{2, 3}, 0.5, 3)
	axis := b.tensor(TypeInt32, []int32{1}, 0, 0, int32Bytes(-1))
	mid := b.int8s([]int32{2, 3, 1}, 0.5, 3)
	b.op(OpExpandDims, nil, []int32{in, axis}, []int32{mid})
	out := b.int8s([]int32{2, 3}, 0.5, 3)
	b.op(OpSqueeze, &SqueezeOptions{SqueezeDims: []int32{2}}, []int32{mid}, []int32{out})
	b.m.Subgraphs[0].Inputs, b.m.Subgraphs[0].Outputs = []int32{in}, []int32{out}
	m, err := Convert(b.m)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Ops) != 0 || m.Tensors[m.Outputs[0].Tensor].ArenaOffset != m.Tensors[m.Inputs[0].Tensor].ArenaOffset {
		t.Errorf("%d ops, output at %d, input at %d: want views", len(m.Ops), m.Tensors[m.Outputs[0].Tensor].ArenaOffset, m.Tensors[m.Inputs[0].Tensor].ArenaOffset)
	}
	// SHAPE: a constant.
	b = newArithSrc()
	in = b.int8s([]int32{2, 3, 5}, 0.5, 3)
	b.op(OpShape, nil, []int32{in}, []int32{b.tensor(TypeInt32, []int32{3}, 0, 0, nil)})
	m, err = Convert(b.m)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Tensors[m.Outputs[0].Tensor].Data; len(m.Ops) != 0 || !slices.Equal(got, int32Bytes(2, 3, 5)) {
		t.Errorf("SHAPE: %d ops, output data %v", len(m.Ops), got)
	}

	bad := func(code BuiltinOperator, opts any, consts [][]int32, out []int32) *arithSrc {
		return moveSrc(code, opts, []int32{2, 1, 3}, consts, out)
	}
	bad(OpExpandDims, nil, [][]int32{{4}}, []int32{2, 1, 3, 1}).wantErr(t, format.ErrMalformedModel, "expand axis past rank")
	bad(OpExpandDims, nil, [][]int32{{0}}, []int32{2, 1, 1, 3}).wantErr(t, format.ErrMalformedModel, "expand output shape")
	bad(OpSqueeze, &SqueezeOptions{SqueezeDims: []int32{0}}, nil, []int32{1, 3}).wantErr(t, format.ErrMalformedModel, "squeeze a non-1 dimension")
	bad(OpSqueeze, nil, nil, []int32{2, 1, 3}).wantErr(t, format.ErrMalformedModel, "squeeze nothing")
}

func TestConvertLayoutOps(t *testing.T) {
	// RESIZE_NEAREST_NEIGHBOR: TFLite's source indices.
	for _, tc := range []struct {
		in, out     int
		align, half bool
		want        []int32
	}{
		{2, 4, false, false, []int32{0, 0, 1, 1}},
		{4, 2, false, false, []int32{0, 2}},
		{3, 5, true, false, []int32{0, 1, 1, 2, 2}}, // round((o)·0.5), half away from zero
		{2, 5, false, true, []int32{0, 0, 1, 1, 1}}, // floor((o+0.5)·0.4)
		{1, 3, true, false, []int32{0, 0, 0}},
	} {
		var got []int32
		for o := 0; o < tc.out; o++ {
			got = append(got, nearestIndex(o, tc.in, tc.out, tc.align, tc.half))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%d→%d align %v half %v: got %v, want %v", tc.in, tc.out, tc.align, tc.half, got, tc.want)
		}
	}
	moveSrc(OpResizeNearestNeighbor, nil, []int32{1, 2, 2, 3}, [][]int32{{4, 4}}, []int32{1, 4, 4, 3}).convert(t)
	moveSrc(OpResizeNearestNeighbor, nil, []int32{1, 2, 2, 3}, [][]int32{{4, 4}}, []int32{1, 4, 3, 3}).wantErr(t, format.ErrMalformedModel, "size disagrees with output")
	moveSrc(OpResizeNearestNeighbor, nil, []int32{1, 2, 2, 3}, [][]int32{{4}}, []int32{1, 4, 4, 3}).wantErr(t, format.ErrMalformedModel, "short size")
	moveSrc(OpResizeNearestNeighbor, nil, []int32{1, 2, 2, 3}, [][]int32{{1 << 30, 1}}, []int32{1, 1 << 30, 1, 3}).wantErr(t, format.ErrUnsupportedOp, "2^30 rows")

	moveSrc(OpBroadcastTo, nil, []int32{1, 3}, [][]int32{{2, 3}}, []int32{2, 3}).convert(t)
	moveSrc(OpBroadcastTo, nil, []int32{1, 3}, [][]int32{{4, 3}}, []int32{2, 3}).wantErr(t, format.ErrMalformedModel, "shape disagrees with output")

	pairs := func(code BuiltinOperator, opts any, in []int32, block []int32, pads []int32, out []int32) *arithSrc {
		b := newArithSrc()
		x := b.int8s(in, 0.5, 3)
		ins := []int32{x}
		if block != nil {
			ins = append(ins, b.tensor(TypeInt32, []int32{int32(len(block))}, 0, 0, int32Bytes(block...)))
		}
		ins = append(ins, b.tensor(TypeInt32, []int32{int32(len(pads) / 2), 2}, 0, 0, int32Bytes(pads...)))
		b.op(code, opts, ins, []int32{b.int8s(out, 0.5, 3)})
		return b
	}
	op := pairs(OpMirrorPad, &MirrorPadOptions{Mode: 1}, []int32{3}, nil, []int32{1, 2}, []int32{6}).convert(t).Ops[0]
	if p := op.Params.(*format.PadParams); p.Value != 0 || !slices.Equal(p.Before, []int32{1}) || !slices.Equal(p.After, []int32{2}) {
		t.Errorf("mirror pad SYMMETRIC: %+v", p)
	}
	pairs(OpMirrorPad, nil, []int32{3}, nil, []int32{-1, 2}, []int32{4}).wantErr(t, format.ErrMalformedModel, "negative padding")
	pairs(OpMirrorPad, nil, []int32{3, 2}, nil, []int32{1, 2}, []int32{6, 2}).wantErr(t, format.ErrMalformedModel, "paddings shape")
	pairs(OpSpaceToBatchND, nil, []int32{1, 4, 4, 2}, []int32{2, 2}, []int32{0, 0, 0, 0}, []int32{4, 2, 2, 2}).convert(t)
	pairs(OpBatchToSpaceND, nil, []int32{4, 2, 2, 2}, []int32{2}, []int32{0, 0, 0, 0}, []int32{1, 4, 4, 2}).wantErr(t, format.ErrMalformedModel, "block shape length")
	pairs(OpSpaceToBatchND, nil, []int32{1, 4, 4, 2}, []int32{0, 2}, []int32{0, 0, 0, 0}, []int32{4, 2, 2, 2}).wantErr(t, format.ErrMalformedModel, "zero block")
	pairs(OpSpaceToBatchND, nil, []int32{4, 2}, []int32{2}, []int32{0, 0}, []int32{8, 1}).wantErr(t, format.ErrUnsupportedOp, "rank 2")
	moveSrc(OpDepthToSpace, &BlockSizeOptions{BlockSize: 0}, []int32{1, 1, 1, 4}, nil, []int32{1, 2, 2, 1}).wantErr(t, format.ErrMalformedModel, "block size 0")
	moveSrc(OpSpaceToDepth, nil, []int32{1, 2, 2, 1}, nil, []int32{1, 1, 1, 4}).wantErr(t, format.ErrMalformedModel, "no options")
}

func TestConvertFillUpdate(t *testing.T) {
	fill := func(dims []int32, out []int32) *arithSrc {
		b := newArithSrc()
		d := b.tensor(TypeInt32, []int32{int32(len(dims))}, 0, 0, int32Bytes(dims...))
		v := b.int8s(nil, 0.5, 3)
		b.op(OpFill, nil, []int32{d, v}, []int32{b.int8s(out, 0.5, 3)})
		return b
	}
	if op := fill([]int32{2, 3}, []int32{2, 3}).convert(t).Ops[0]; op.Code != format.OpFill || len(op.Inputs) != 1 {
		t.Errorf("fill: %+v", op)
	}
	fill([]int32{2, 4}, []int32{2, 3}).wantErr(t, format.ErrMalformedModel, "dims disagree with output")
	moveSrc(OpZerosLike, nil, []int32{2, 3}, nil, []int32{3, 2}).wantErr(t, format.ErrMalformedModel, "zeros like shape")

	b := newArithSrc()
	x, u := b.int8s([]int32{4, 5}, 0.5, 3), b.int8s([]int32{2, 2}, 0.5, 3)
	s := b.tensor(TypeInt32, []int32{2}, 0, 0, nil)
	b.op(OpDynamicUpdateSlice, nil, []int32{x, u, s}, []int32{b.int8s([]int32{4, 5}, 0.5, 3)})
	if op := b.convert(t).Ops[0]; op.Code != format.OpDynamicUpdateSlice || len(op.Inputs) != 3 {
		t.Errorf("dynamic update slice: %+v", op)
	}
	b = newArithSrc()
	x, u = b.int8s([]int32{4, 5}, 0.5, 3), b.tensor(TypeInt16, []int32{2, 2}, 0.5, 0, nil)
	s = b.tensor(TypeInt32, []int32{2}, 0, 0, nil)
	b.op(OpDynamicUpdateSlice, nil, []int32{x, u, s}, []int32{b.int8s([]int32{4, 5}, 0.5, 3)})
	b.wantErr(t, format.ErrMalformedModel, "update dtype")
}

func TestConvertEmbeddingLookupFloat(t *testing.T) {
	src := func(zp int64, outType TensorType) *arithSrc {
		b := newArithSrc()
		ids := b.tensor(TypeInt32, []int32{2}, 0, 0, nil)
		value := b.tensor(TypeInt8, []int32{3, 4}, 0.25, zp, make([]byte, 12))
		b.op(OpEmbeddingLookup, nil, []int32{ids, value}, []int32{b.tensor(outType, []int32{2, 4}, 0, 0, nil)})
		return b
	}
	m := src(0, TypeFloat32).convert(t)
	out := m.Tensors[m.Outputs[0].Tensor]
	if !m.Outputs[0].Float || out.DType != format.DTypeInt8 || len(out.Scale) != 1 || out.Scale[0] != 0.25 || out.ZeroPoint[0] != 0 {
		t.Errorf("float output: %+v as %+v", m.Outputs[0], out)
	}
	src(1, TypeFloat32).wantErr(t, format.ErrUnsupportedOp, "table zero point 1")
	src(0, TypeInt16).wantErr(t, format.ErrMalformedModel, "int16 output of an int8 table")
}

// TestConvertMovementHostile: random operands (constants of any values,
// activations, absent inputs) and options for every data-movement
// operator: Convert returns a model or an error, never panics.
func TestConvertMovementHostile(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	codes := []BuiltinOperator{OpStridedSlice, OpSlice, OpReverseV2, OpGather, OpGatherND, OpEmbeddingLookup, OpPack, OpUnpack,
		OpSplit, OpSplitV, OpResizeNearestNeighbor, OpBroadcastTo, OpMirrorPad, OpDepthToSpace, OpSpaceToDepth, OpSpaceToBatchND,
		OpBatchToSpaceND, OpFill, OpZerosLike, OpDynamicUpdateSlice, OpExpandDims, OpSqueeze, OpShape}
	val := func() int32 { return []int32{0, 1, 2, 3, -1, -2, -7, 1 << 30, -1 << 31, 5}[r.IntN(10)] }
	opts := []func() any{
		func() any { return nil },
		func() any {
			return &StridedSliceOptions{BeginMask: val(), EndMask: val(), ShrinkAxisMask: val(), Offset: r.IntN(2) == 0}
		},
		func() any { return &GatherOptions{Axis: val(), BatchDims: val()} },
		func() any { return &PackOptions{ValuesCount: val(), Axis: val()} },
		func() any { return &UnpackOptions{Num: val(), Axis: val()} },
		func() any { return &SplitOptions{NumSplits: val()} },
		func() any { return &SqueezeOptions{SqueezeDims: []int32{val(), val()}[:r.IntN(3)]} },
		func() any {
			return &ResizeNearestNeighborOptions{AlignCorners: r.IntN(2) == 0, HalfPixelCenters: r.IntN(2) == 0}
		},
		func() any { return &BlockSizeOptions{BlockSize: val()} },
		func() any { return &MirrorPadOptions{Mode: int8(r.IntN(2))} },
	}
	types := []TensorType{TypeInt8, TypeInt16, TypeInt32, TypeInt64, TypeFloat32}
	converted := 0
	for iter := 0; iter < 20000; iter++ {
		b := newArithSrc()
		tensor := func() int32 {
			shape := make([]int32, r.IntN(5))
			for i := range shape {
				shape[i] = int32(r.IntN(5))
			}
			typ := types[r.IntN(len(types))]
			if r.IntN(2) == 0 {
				typ = TypeInt8
			}
			var data []byte
			if r.IntN(3) == 0 && typ != TypeInt8 {
				n := 1
				for _, d := range shape {
					n *= int(d)
				}
				for range n {
					data = append(data, int32Bytes(val())...)
				}
				if typ != TypeInt32 {
					data = nil
				}
			}
			scale := float32(0.5)
			if typ != TypeInt8 && typ != TypeInt16 {
				scale = 0
			}
			return b.tensor(typ, shape, scale, 0, data)
		}
		var ins, outs []int32
		for k := range r.IntN(5) {
			if k == 0 && r.IntN(2) == 0 {
				ins = append(ins, b.int8s([]int32{int32(1 + r.IntN(3)), int32(1 + r.IntN(3))}, 0.5, 0))
				continue
			}
			if r.IntN(10) == 0 {
				ins = append(ins, -1)
			} else {
				ins = append(ins, tensor())
			}
		}
		for range 1 + r.IntN(3) {
			shape := []int32{int32(r.IntN(4)), int32(r.IntN(4))}[:r.IntN(3)]
			if len(ins) > 0 && ins[0] >= 0 && r.IntN(2) == 0 { // plausible: the input's shape
				shape = b.m.Subgraphs[0].Tensors[ins[0]].Shape
			}
			outs = append(outs, b.int8s(shape, 0.5, 0))
		}
		b.op(codes[r.IntN(len(codes))], opts[r.IntN(len(opts))](), ins, outs)
		func() {
			defer func() {
				if e := recover(); e != nil {
					t.Fatalf("%s inputs %v outputs %v options %+v: panic %v", b.m.OperatorCodes[0].BuiltinCode, ins, outs, b.m.Subgraphs[0].Operators[0].Options, e)
				}
			}()
			if _, err := Convert(b.m); err == nil {
				converted++
			}
		}()
	}
	t.Logf("%d of the random models converted", converted)
}
