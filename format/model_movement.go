package format

// Parameters of the data-movement operators (GATHER, STRIDED_SLICE, …).
// These operators copy elements and never look at their values: every
// kernel works on raw bytes, so one kernel serves int8, int16 and any other
// element size. Operators this file does not list take no params
// (GATHER_ND, EMBEDDING_LOOKUP, FILL, ZEROS_LIKE, BROADCAST_TO,
// DYNAMIC_UPDATE_SLICE: everything they need is in their tensors' shapes)
// or reuse another family's (PACK, UNPACK, SPLIT, SPLIT_V:
// ConcatenationParams; MIRROR_PAD: PadParams).

// GatherParams: GATHER. Axis and BatchDims are non-negative (the converter
// resolves negative values against the ranks), BatchDims <= Axis.
type GatherParams struct {
	Axis, BatchDims int32
}

// SliceParams serves STRIDED_SLICE, SLICE and REVERSE_V2, resolved to one
// entry per input dimension: output element (i0, i1, …) reads input
// element (Begin[0] + i0·Stride[0], …), with i_d in [0, Size[d]). The
// output shape is Size, from which size-1 entries may have been dropped
// (STRIDED_SLICE's shrink axes).
type SliceParams struct {
	Begin, Stride, Size []int32
}

// ResizeNearestParams: RESIZE_NEAREST_NEIGHBOR, resolved at conversion
// (TFLite computes the source coordinates in float): output row y reads
// input row YIndex[y], output column x input column XIndex[x].
type ResizeNearestParams struct {
	YIndex, XIndex []int32
}

// BlockParams serves DEPTH_TO_SPACE and SPACE_TO_DEPTH (Block has one
// entry, the block size; Before and After are empty) and SPACE_TO_BATCH_ND
// and BATCH_TO_SPACE_ND (one Block entry per spatial dimension; Before and
// After are the paddings, respectively the crops, of each).
type BlockParams struct {
	Block, Before, After []int32
}

func (*GatherParams) isOpParams()        {}
func (*SliceParams) isOpParams()         {}
func (*ResizeNearestParams) isOpParams() {}
func (*BlockParams) isOpParams()         {}
