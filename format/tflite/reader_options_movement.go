package tflite

// Options of the data-movement operators (schema field numbers in
// declaration order).

// BuiltinOptions union types.
const (
	optSpaceToDepth          = 19
	optGather                = 23
	optSqueeze               = 30
	optStridedSlice          = 32
	optSplit                 = 35
	optPack                  = 59
	optUnpack                = 64
	optResizeNearestNeighbor = 74
	optMirrorPad             = 77
	optSplitV                = 79
	optDepthToSpace          = 94
)

func init() {
	for op, t := range map[BuiltinOperator]uint8{
		OpSpaceToDepth:          optSpaceToDepth,
		OpDepthToSpace:          optDepthToSpace,
		OpGather:                optGather,
		OpSqueeze:               optSqueeze,
		OpStridedSlice:          optStridedSlice,
		OpSplit:                 optSplit,
		OpSplitV:                optSplitV,
		OpPack:                  optPack,
		OpUnpack:                optUnpack,
		OpResizeNearestNeighbor: optResizeNearestNeighbor,
		OpMirrorPad:             optMirrorPad,
	} {
		optionsFor[op] = t
	}
}

type GatherOptions struct{ Axis, BatchDims int32 }

type StridedSliceOptions struct {
	BeginMask, EndMask, EllipsisMask, NewAxisMask, ShrinkAxisMask int32
	Offset                                                        bool
}

type SqueezeOptions struct{ SqueezeDims []int32 }

// SplitOptions serves SPLIT and SPLIT_V.
type SplitOptions struct{ NumSplits int32 }

type PackOptions struct{ ValuesCount, Axis int32 }

type UnpackOptions struct{ Num, Axis int32 }

type ResizeNearestNeighborOptions struct{ AlignCorners, HalfPixelCenters bool }

// BlockSizeOptions serves SPACE_TO_DEPTH and DEPTH_TO_SPACE.
type BlockSizeOptions struct{ BlockSize int32 }

// MirrorPadOptions: Mode 0 REFLECT, 1 SYMMETRIC.
type MirrorPadOptions struct{ Mode int8 }

// parseMovementOptions decodes the options tables above; nil for another
// union type.
func parseMovementOptions(r *optReader, typ uint8) any {
	switch typ {
	case optGather:
		return &GatherOptions{Axis: r.i32(0, "axis", 0), BatchDims: r.i32(1, "batch_dims", 0)}
	case optStridedSlice:
		return &StridedSliceOptions{
			BeginMask:      r.i32(0, "begin_mask", 0),
			EndMask:        r.i32(1, "end_mask", 0),
			EllipsisMask:   r.i32(2, "ellipsis_mask", 0),
			NewAxisMask:    r.i32(3, "new_axis_mask", 0),
			ShrinkAxisMask: r.i32(4, "shrink_axis_mask", 0),
			Offset:         r.boolean(5, "offset", false),
		}
	case optSqueeze:
		dims, err := r.f.int32s(r.t, 0, join(r.path, "squeeze_dims"))
		r.fail(err)
		return &SqueezeOptions{SqueezeDims: dims}
	case optSplit, optSplitV:
		return &SplitOptions{NumSplits: r.i32(0, "num_splits", 0)}
	case optPack:
		return &PackOptions{ValuesCount: r.i32(0, "values_count", 0), Axis: r.i32(1, "axis", 0)}
	case optUnpack:
		return &UnpackOptions{Num: r.i32(0, "num", 0), Axis: r.i32(1, "axis", 0)}
	case optResizeNearestNeighbor:
		return &ResizeNearestNeighborOptions{
			AlignCorners:     r.boolean(0, "align_corners", false),
			HalfPixelCenters: r.boolean(1, "half_pixel_centers", false),
		}
	case optSpaceToDepth, optDepthToSpace:
		return &BlockSizeOptions{BlockSize: r.i32(0, "block_size", 0)}
	case optMirrorPad:
		return &MirrorPadOptions{Mode: r.enum(0, "mode", 2)}
	}
	return nil
}
