package format

import (
	"errors"
	"testing"
)

// addMovementOps adds one op of every data-movement op code to testModel
// (structurally valid: Decode checks params, not their fit to shapes).
func addMovementOps(b *modelBuilder, next func(OpCode, OpParams, ...int32)) {
	idx := b.constant("indices", DTypeInt32, []int32{2}, int32Bytes(1, 0))
	idx64 := b.constant("indices64", DTypeInt64, []int32{1}, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	next(OpGather, &GatherParams{Axis: 3, BatchDims: 1}, idx)
	next(OpGatherND, nil, idx64)
	next(OpEmbeddingLookup, nil, idx)
	for _, c := range []OpCode{OpPack, OpUnpack, OpSplit, OpSplitV} {
		next(c, &ConcatenationParams{Axis: 2})
	}
	slice := &SliceParams{Begin: []int32{0, 1, 1, 3}, Stride: []int32{1, -1, 1, 2}, Size: []int32{1, 2, 1, 1}}
	for _, c := range []OpCode{OpStridedSlice, OpSlice, OpReverseV2} {
		next(c, slice)
	}
	next(OpResizeNearestNeighbor, &ResizeNearestParams{YIndex: []int32{0, 0}, XIndex: []int32{1, 0}})
	next(OpDepthToSpace, &BlockParams{Block: []int32{2}})
	next(OpSpaceToDepth, &BlockParams{Block: []int32{2}})
	next(OpSpaceToBatchND, &BlockParams{Block: []int32{2, 1}, Before: []int32{0, 1}, After: []int32{1, 0}})
	next(OpBatchToSpaceND, &BlockParams{Block: []int32{1, 2}, Before: []int32{0, 0}, After: []int32{0, 0}})
	next(OpMirrorPad, &PadParams{Before: []int32{0, 1, 0, 0}, After: []int32{0, 0, 1, 0}, Value: 1})
	for _, c := range []OpCode{OpFill, OpZerosLike, OpBroadcastTo, OpDynamicUpdateSlice} {
		next(c, nil)
	}
}

// TestVerifyMovementParams: params that cannot be right whatever the
// tensors are rejected by VerifyModel (so by Decode); each round-trips when
// valid (TestRoundTrip covers testModel).
func TestVerifyMovementParams(t *testing.T) {
	for _, tc := range []struct {
		code OpCode
		p    OpParams
	}{
		{OpGather, &GatherParams{Axis: -1}},
		{OpGather, &GatherParams{Axis: 1, BatchDims: 2}},
		{OpStridedSlice, &SliceParams{Begin: []int32{0}, Stride: []int32{1, 1}, Size: []int32{1}}},
		{OpResizeNearestNeighbor, &ResizeNearestParams{YIndex: []int32{0, -1}, XIndex: []int32{0}}},
		{OpResizeNearestNeighbor, &ResizeNearestParams{YIndex: []int32{0}, XIndex: []int32{-2}}},
		{OpSpaceToBatchND, &BlockParams{Block: []int32{2, 0}, Before: []int32{0, 0}, After: []int32{0, 0}}},
		{OpBatchToSpaceND, &BlockParams{Block: []int32{2, 2}, Before: []int32{0, 0}, After: []int32{0}}},
		{OpGather, &SliceParams{}},    // params of another op
		{OpGatherND, &GatherParams{}}, // an op without params
		{OpPack, &GatherParams{}},
	} {
		m := testModel()
		found := false
		for i := range m.Ops {
			if m.Ops[i].Code == tc.code {
				m.Ops[i].Params, found = tc.p, true
				break
			}
		}
		if !found {
			t.Fatalf("testModel has no %s", tc.code)
		}
		if err := VerifyModel(m, Limits{}); !errors.Is(err, ErrMalformedModel) {
			t.Errorf("%s with %+v: got %v, want a malformed-model error", tc.code, tc.p, err)
		}
	}
}
