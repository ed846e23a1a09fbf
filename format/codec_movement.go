package format

import (
	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edgerun/edgerun/format/fb"
)

// Encoding, decoding and buffer specs of the data-movement params
// (model_movement.go), hooked into codec.go's and verify_buffer.go's
// switches.

// movementParamsSpecs are the union members GatherParams .. BlockParams,
// in tag order, appended to paramsSpecs.
var movementParamsSpecs = []*tableSpec{
	{"GatherParams", []fieldSpec{specScalar("axis", 4), specScalar("batch_dims", 4)}},
	{"SliceParams", []fieldSpec{specInt32s("begin"), specInt32s("stride"), specInt32s("size")}},
	{"ResizeNearestParams", []fieldSpec{specInt32s("y_index"), specInt32s("x_index")}},
	{"BlockParams", []fieldSpec{specInt32s("block"), specInt32s("before"), specInt32s("after")}},
}

// movementVectors returns the int32 vectors of p, for the encoder's size
// estimate.
func movementVectors(p OpParams) [][]int32 {
	switch p := p.(type) {
	case *SliceParams:
		return [][]int32{p.Begin, p.Stride, p.Size}
	case *ResizeNearestParams:
		return [][]int32{p.YIndex, p.XIndex}
	case *BlockParams:
		return [][]int32{p.Block, p.Before, p.After}
	}
	return nil
}

// encodeMovementParams writes p if it is a data-movement params type.
func encodeMovementParams(b *flatbuffers.Builder, p OpParams) (flatbuffers.UOffsetT, bool) {
	// addVec adds a vector field when it is non-empty (an absent vector
	// reads back as empty).
	addVec := func(off flatbuffers.UOffsetT, add func(*flatbuffers.Builder, flatbuffers.UOffsetT)) {
		if off != 0 {
			add(b, off)
		}
	}
	switch p := p.(type) {
	case *GatherParams:
		fb.GatherParamsStart(b)
		fb.GatherParamsAddAxis(b, p.Axis)
		fb.GatherParamsAddBatchDims(b, p.BatchDims)
		return fb.GatherParamsEnd(b), true
	case *SliceParams:
		begin, stride, size := int32Vector(b, p.Begin), int32Vector(b, p.Stride), int32Vector(b, p.Size)
		fb.SliceParamsStart(b)
		addVec(begin, fb.SliceParamsAddBegin)
		addVec(stride, fb.SliceParamsAddStride)
		addVec(size, fb.SliceParamsAddSize)
		return fb.SliceParamsEnd(b), true
	case *ResizeNearestParams:
		y, x := int32Vector(b, p.YIndex), int32Vector(b, p.XIndex)
		fb.ResizeNearestParamsStart(b)
		addVec(y, fb.ResizeNearestParamsAddYIndex)
		addVec(x, fb.ResizeNearestParamsAddXIndex)
		return fb.ResizeNearestParamsEnd(b), true
	case *BlockParams:
		block, before, after := int32Vector(b, p.Block), int32Vector(b, p.Before), int32Vector(b, p.After)
		fb.BlockParamsStart(b)
		addVec(block, fb.BlockParamsAddBlock)
		addVec(before, fb.BlockParamsAddBefore)
		addVec(after, fb.BlockParamsAddAfter)
		return fb.BlockParamsEnd(b), true
	}
	return 0, false
}

// decodeMovementParams reads a data-movement params table of a verified
// buffer.
func decodeMovementParams(tag fb.OpParams, t flatbuffers.Table) (OpParams, bool) {
	switch tag {
	case fb.OpParamsGatherParams:
		var p fb.GatherParams
		p.Init(t.Bytes, t.Pos)
		return &GatherParams{Axis: p.Axis(), BatchDims: p.BatchDims()}, true
	case fb.OpParamsSliceParams:
		var p fb.SliceParams
		p.Init(t.Bytes, t.Pos)
		return &SliceParams{
			Begin:  readInt32s(p.BeginLength(), p.Begin),
			Stride: readInt32s(p.StrideLength(), p.Stride),
			Size:   readInt32s(p.SizeLength(), p.Size),
		}, true
	case fb.OpParamsResizeNearestParams:
		var p fb.ResizeNearestParams
		p.Init(t.Bytes, t.Pos)
		return &ResizeNearestParams{
			YIndex: readInt32s(p.YIndexLength(), p.YIndex),
			XIndex: readInt32s(p.XIndexLength(), p.XIndex),
		}, true
	case fb.OpParamsBlockParams:
		var p fb.BlockParams
		p.Init(t.Bytes, t.Pos)
		return &BlockParams{
			Block:  readInt32s(p.BlockLength(), p.Block),
			Before: readInt32s(p.BeforeLength(), p.Before),
			After:  readInt32s(p.AfterLength(), p.After),
		}, true
	}
	return nil, false
}

// movementExpectedTag is expectedParamsTag for the data-movement ops.
func movementExpectedTag(c OpCode) (fb.OpParams, bool) {
	switch c {
	case OpGather:
		return fb.OpParamsGatherParams, true
	case OpStridedSlice, OpSlice, OpReverseV2:
		return fb.OpParamsSliceParams, true
	case OpResizeNearestNeighbor:
		return fb.OpParamsResizeNearestParams, true
	case OpDepthToSpace, OpSpaceToDepth, OpSpaceToBatchND, OpBatchToSpaceND:
		return fb.OpParamsBlockParams, true
	case OpPack, OpUnpack, OpSplit, OpSplitV:
		return fb.OpParamsConcatenationParams, true
	case OpMirrorPad:
		return fb.OpParamsPadParams, true
	case OpGatherND, OpEmbeddingLookup, OpFill, OpZerosLike, OpBroadcastTo, OpDynamicUpdateSlice:
		return fb.OpParamsNONE, true
	}
	return fb.OpParamsNONE, false
}

// movementParamsTag is paramsTag for the data-movement params types.
func movementParamsTag(p OpParams) (fb.OpParams, bool, bool) {
	switch p := p.(type) {
	case *GatherParams:
		return fb.OpParamsGatherParams, p != nil, true
	case *SliceParams:
		return fb.OpParamsSliceParams, p != nil, true
	case *ResizeNearestParams:
		return fb.OpParamsResizeNearestParams, p != nil, true
	case *BlockParams:
		return fb.OpParamsBlockParams, p != nil, true
	}
	return fb.OpParamsNONE, false, false
}

// verifyMovementParams checks what can be checked of the params alone
// (ops.Prepare checks them against the tensors).
func verifyMovementParams(p OpParams, at func(string) string) error {
	switch p := p.(type) {
	case *GatherParams:
		if p.Axis < 0 || p.BatchDims < 0 || p.BatchDims > p.Axis {
			return Malformed(at("params"), "axis %d, batch_dims %d: want 0 <= batch_dims <= axis", p.Axis, p.BatchDims)
		}
	case *SliceParams:
		if len(p.Stride) != len(p.Begin) || len(p.Size) != len(p.Begin) {
			return Malformed(at("params"), "%d begins, %d strides, %d sizes: want one of each per dimension", len(p.Begin), len(p.Stride), len(p.Size))
		}
	case *ResizeNearestParams:
		for k, v := range p.YIndex {
			if v < 0 {
				return Malformed(at("params / y_index"), "entry %d is %d", k, v)
			}
		}
		for k, v := range p.XIndex {
			if v < 0 {
				return Malformed(at("params / x_index"), "entry %d is %d", k, v)
			}
		}
	case *BlockParams:
		if len(p.Before) != len(p.After) {
			return Malformed(at("params / after"), "%d entries but before has %d", len(p.After), len(p.Before))
		}
		for k, v := range p.Block {
			if v < 1 {
				return Malformed(at("params / block"), "entry %d is %d, want >= 1", k, v)
			}
		}
	}
	return nil
}
