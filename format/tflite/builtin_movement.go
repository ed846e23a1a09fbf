package tflite

// The data-movement builtin operators (values from the schema).
const (
	OpDepthToSpace          BuiltinOperator = 5
	OpEmbeddingLookup       BuiltinOperator = 7
	OpSpaceToDepth          BuiltinOperator = 26
	OpGather                BuiltinOperator = 36
	OpBatchToSpaceND        BuiltinOperator = 37
	OpSpaceToBatchND        BuiltinOperator = 38
	OpSqueeze               BuiltinOperator = 43
	OpStridedSlice          BuiltinOperator = 45
	OpSplit                 BuiltinOperator = 49
	OpSlice                 BuiltinOperator = 65
	OpExpandDims            BuiltinOperator = 70
	OpShape                 BuiltinOperator = 77
	OpPack                  BuiltinOperator = 83
	OpUnpack                BuiltinOperator = 88
	OpZerosLike             BuiltinOperator = 93
	OpFill                  BuiltinOperator = 94
	OpResizeNearestNeighbor BuiltinOperator = 97
	OpMirrorPad             BuiltinOperator = 100
	OpSplitV                BuiltinOperator = 102
	OpReverseV2             BuiltinOperator = 105
	OpGatherND              BuiltinOperator = 107
	OpBroadcastTo           BuiltinOperator = 130
	OpDynamicUpdateSlice    BuiltinOperator = 151
)
