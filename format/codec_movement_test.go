package format

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
