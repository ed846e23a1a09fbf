// Package format defines edgerun's model: an integer-only, statically planned
// graph, and its FlatBuffers serialization (schema in edgerun.fbs).
//
// The Go types in this file are the in-memory form every other package works
// with. The converter (format/tflite) builds a *Model, Encode writes it,
// Decode verifies and reads it back, and the runtime executes it. Nothing in
// a Model needs floating point at inference time: the only float fields are
// Tensor.Scale, kept as metadata for the float32 boundary helpers and for
// `edgerun inspect`, and never read by Invoke.
package format

// Version is the format version written by Encode. Decode rejects other
// versions.
const Version = 1

// FileIdentifier is the FlatBuffers file identifier of edgerun model files
// (bytes 4..8 of the file).
const FileIdentifier = "ERM1"

// DType is a tensor element type.
type DType uint8

const (
	DTypeInvalid DType = iota
	DTypeInt8
	DTypeInt16
	DTypeInt32
	DTypeFloat32
	// DTypeUint8 is a graph input or output the source model declares
	// uint8 (inside the graph uint8 becomes int8, shifted by 128).
	DTypeUint8
	// DTypeBool is one byte per element, 0 or 1 (comparison results).
	DTypeBool
	// DTypeInt64 holds indices and shapes some operators take.
	DTypeInt64
)

// Size returns the size in bytes of one element, or 0 for an invalid type.
func (d DType) Size() int {
	switch d {
	case DTypeInt8, DTypeUint8, DTypeBool:
		return 1
	case DTypeInt16:
		return 2
	case DTypeInt32, DTypeFloat32:
		return 4
	case DTypeInt64:
		return 8
	}
	return 0
}

func (d DType) String() string {
	switch d {
	case DTypeInt8:
		return "int8"
	case DTypeInt16:
		return "int16"
	case DTypeInt32:
		return "int32"
	case DTypeFloat32:
		return "float32"
	case DTypeUint8:
		return "uint8"
	case DTypeBool:
		return "bool"
	case DTypeInt64:
		return "int64"
	}
	return "invalid"
}

// Model is a whole edgerun model: one graph with a static memory plan.
type Model struct {
	// Description is free text (for example the source file's description).
	Description string
	Tensors     []Tensor
	// Ops in execution order. Every op's inputs are produced by an earlier op,
	// are graph inputs, or are constants.
	Ops     []Op
	Inputs  []IO
	Outputs []IO
	// ArenaBytes is the size of the activation arena. Every non-constant
	// tensor lives at Tensor.ArenaOffset inside it.
	ArenaBytes int64
}

// Tensor is a constant (Data != nil) or an activation living in the arena.
type Tensor struct {
	Name  string
	DType DType
	Shape []int32
	// ZeroPoint has one entry (per-tensor) or one per channel along
	// QuantizedDim. Empty for unquantized tensors (for example int32 shapes).
	ZeroPoint    []int32
	QuantizedDim int32
	// Scale mirrors ZeroPoint. Metadata only: used by the float32 boundary
	// helpers and inspect, never by kernels.
	Scale []float32
	// Data holds a constant's bytes, little-endian, row-major. Nil for
	// activations.
	Data []byte
	// ArenaOffset is the byte offset of an activation inside the arena;
	// -1 for constants.
	ArenaOffset int64
	// Variable marks state that persists from one Invoke to the next (the
	// SVDF and LSTM state): an activation that no op produces and ops read
	// and update in place, live for the interpreter's whole life, set to
	// its zero point by NewInterpreter and Interpreter.ResetState.
	Variable bool
}

// NumElements returns the product of the shape (1 for a scalar).
func (t *Tensor) NumElements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= int64(d)
	}
	return n
}

// ByteSize returns NumElements times the element size.
func (t *Tensor) ByteSize() int64 { return t.NumElements() * int64(t.DType.Size()) }

// IsConstant reports whether the tensor holds constant data.
func (t *Tensor) IsConstant() bool { return t.Data != nil }

// IO is one graph input or output.
type IO struct {
	Tensor int32
	// Float reports that the source model had a float32 tensor here with a
	// QUANTIZE (input) or DEQUANTIZE (output) at the boundary. The graph
	// itself stays integer; the runtime's float helpers convert with the
	// tensor's Scale and ZeroPoint exactly as TFLite's kernels would.
	Float bool
}

// OpCode identifies an operator. Values are edgerun's own and stable.
type OpCode uint16

const (
	OpInvalid OpCode = iota
	OpConv2D
	OpDepthwiseConv2D
	OpFullyConnected
	OpAdd
	OpSub
	OpMul
	OpAveragePool2D
	OpMaxPool2D
	OpSoftmax
	OpLogistic
	OpTanh
	OpHardSwish
	OpLeakyRelu
	OpRelu
	OpRelu6
	OpReluN1To1
	OpPad
	OpPadV2
	OpMean
	OpConcatenation
	OpReshape
	OpTranspose
	OpQuantize
	// Codes from here on were reserved together (one numbering for the
	// int16, LSTM/SVDF and new int8 operators); an op without a kernel in
	// ops/registry.go is rejected at load as unsupported.
	OpDequantize
	OpTransposeConv
	OpBatchMatMul
	OpGather
	OpGatherND
	OpEmbeddingLookup
	OpPack
	OpUnpack
	OpStridedSlice
	OpSlice
	OpSplit
	OpSplitV
	OpMinimum
	OpMaximum
	OpShape
	OpFill
	OpExpandDims
	OpSqueeze
	OpBroadcastTo
	OpZerosLike
	OpResizeNearestNeighbor
	OpResizeBilinear
	OpArgMax
	OpArgMin
	OpCast
	OpPRelu
	OpDiv
	OpDepthToSpace
	OpSpaceToDepth
	OpSpaceToBatchND
	OpBatchToSpaceND
	OpSquaredDifference
	OpRsqrt
	OpAbs
	OpElu
	OpLogSoftmax
	OpL2Normalization
	OpReduceMax
	OpReduceMin
	OpSum
	OpAddN
	OpCumSum
	OpMirrorPad
	OpReverseV2
	OpDynamicUpdateSlice
	OpEqual
	OpNotEqual
	OpLess
	OpLessEqual
	OpGreater
	OpGreaterEqual
	OpSelectV2
	OpUnidirectionalSequenceLSTM
	OpSVDF
	opCodeCount
)

var opNames = [...]string{
	OpInvalid:                    "INVALID",
	OpConv2D:                     "CONV_2D",
	OpDepthwiseConv2D:            "DEPTHWISE_CONV_2D",
	OpFullyConnected:             "FULLY_CONNECTED",
	OpAdd:                        "ADD",
	OpSub:                        "SUB",
	OpMul:                        "MUL",
	OpAveragePool2D:              "AVERAGE_POOL_2D",
	OpMaxPool2D:                  "MAX_POOL_2D",
	OpSoftmax:                    "SOFTMAX",
	OpLogistic:                   "LOGISTIC",
	OpTanh:                       "TANH",
	OpHardSwish:                  "HARD_SWISH",
	OpLeakyRelu:                  "LEAKY_RELU",
	OpRelu:                       "RELU",
	OpRelu6:                      "RELU6",
	OpReluN1To1:                  "RELU_N1_TO_1",
	OpPad:                        "PAD",
	OpPadV2:                      "PADV2",
	OpMean:                       "MEAN",
	OpConcatenation:              "CONCATENATION",
	OpReshape:                    "RESHAPE",
	OpTranspose:                  "TRANSPOSE",
	OpQuantize:                   "QUANTIZE",
	OpDequantize:                 "DEQUANTIZE",
	OpTransposeConv:              "TRANSPOSE_CONV",
	OpBatchMatMul:                "BATCH_MATMUL",
	OpGather:                     "GATHER",
	OpGatherND:                   "GATHER_ND",
	OpEmbeddingLookup:            "EMBEDDING_LOOKUP",
	OpPack:                       "PACK",
	OpUnpack:                     "UNPACK",
	OpStridedSlice:               "STRIDED_SLICE",
	OpSlice:                      "SLICE",
	OpSplit:                      "SPLIT",
	OpSplitV:                     "SPLIT_V",
	OpMinimum:                    "MINIMUM",
	OpMaximum:                    "MAXIMUM",
	OpShape:                      "SHAPE",
	OpFill:                       "FILL",
	OpExpandDims:                 "EXPAND_DIMS",
	OpSqueeze:                    "SQUEEZE",
	OpBroadcastTo:                "BROADCAST_TO",
	OpZerosLike:                  "ZEROS_LIKE",
	OpResizeNearestNeighbor:      "RESIZE_NEAREST_NEIGHBOR",
	OpResizeBilinear:             "RESIZE_BILINEAR",
	OpArgMax:                     "ARG_MAX",
	OpArgMin:                     "ARG_MIN",
	OpCast:                       "CAST",
	OpPRelu:                      "PRELU",
	OpDiv:                        "DIV",
	OpDepthToSpace:               "DEPTH_TO_SPACE",
	OpSpaceToDepth:               "SPACE_TO_DEPTH",
	OpSpaceToBatchND:             "SPACE_TO_BATCH_ND",
	OpBatchToSpaceND:             "BATCH_TO_SPACE_ND",
	OpSquaredDifference:          "SQUARED_DIFFERENCE",
	OpRsqrt:                      "RSQRT",
	OpAbs:                        "ABS",
	OpElu:                        "ELU",
	OpLogSoftmax:                 "LOG_SOFTMAX",
	OpL2Normalization:            "L2_NORMALIZATION",
	OpReduceMax:                  "REDUCE_MAX",
	OpReduceMin:                  "REDUCE_MIN",
	OpSum:                        "SUM",
	OpAddN:                       "ADD_N",
	OpCumSum:                     "CUMSUM",
	OpMirrorPad:                  "MIRROR_PAD",
	OpReverseV2:                  "REVERSE_V2",
	OpDynamicUpdateSlice:         "DYNAMIC_UPDATE_SLICE",
	OpEqual:                      "EQUAL",
	OpNotEqual:                   "NOT_EQUAL",
	OpLess:                       "LESS",
	OpLessEqual:                  "LESS_EQUAL",
	OpGreater:                    "GREATER",
	OpGreaterEqual:               "GREATER_EQUAL",
	OpSelectV2:                   "SELECT_V2",
	OpUnidirectionalSequenceLSTM: "UNIDIRECTIONAL_SEQUENCE_LSTM",
	OpSVDF:                       "SVDF",
}

func (c OpCode) String() string {
	if int(c) < len(opNames) {
		return opNames[c]
	}
	return "UNKNOWN"
}

// Valid reports whether c is a known op code.
func (c OpCode) Valid() bool { return c > OpInvalid && c < opCodeCount }

// Op is one node of the graph. Inputs and Outputs are tensor indices; an
// absent optional input (for example a missing bias) is -1.
type Op struct {
	Code    OpCode
	Inputs  []int32
	Outputs []int32
	// Params holds the op's prepared parameters; its concrete type depends on
	// Code (see each params type). Nil for ops without parameters (RESHAPE).
	Params OpParams
}

// OpParams is implemented by the parameter types below.
type OpParams interface{ isOpParams() }

// Requant is a per-tensor (len 1) or per-channel list of dyadic multipliers:
// real ≈ Multiplier[i] · 2^(Shift[i]-31), as TFLite's QuantizeMultiplier
// produces them (positive shift = left shift).
type Requant struct {
	Multiplier []int32
	Shift      []int32
}

// ConvParams serves CONV_2D and DEPTHWISE_CONV_2D.
// Inputs: input [N,H,W,Cin], filter, optional int32 bias; output [N,OH,OW,Cout].
// Filter layout: CONV_2D [Cout,KH,KW,Cin]; DEPTHWISE_CONV_2D [1,KH,KW,Cout].
type ConvParams struct {
	StrideH, StrideW     int32
	DilationH, DilationW int32
	// PadTop and PadLeft are TFLite's computed padding offsets.
	PadTop, PadLeft int32
	// DepthMultiplier is used by DEPTHWISE_CONV_2D only.
	DepthMultiplier int32
	// Offsets are negated zero points, as TFLite's kernels take them.
	InputOffset, FilterOffset, OutputOffset int32
	Requant                                 Requant
	ActMin, ActMax                          int32
}

// FullyConnectedParams: inputs input, filter [Out, In], optional int32 bias.
type FullyConnectedParams struct {
	InputOffset, FilterOffset, OutputOffset int32
	Requant                                 Requant
	ActMin, ActMax                          int32
}

// ArithParams serves ADD, SUB (all fields) and MUL (offsets, Output, clamp).
// Broadcasting follows the input and output shapes.
type ArithParams struct {
	Input1Offset, Input2Offset, OutputOffset int32
	LeftShift                                int32
	Input1Multiplier, Input1Shift            int32
	Input2Multiplier, Input2Shift            int32
	OutputMultiplier, OutputShift            int32
	ActMin, ActMax                           int32
}

// PoolParams serves AVERAGE_POOL_2D and MAX_POOL_2D.
type PoolParams struct {
	StrideH, StrideW int32
	FilterH, FilterW int32
	PadTop, PadLeft  int32
	ActMin, ActMax   int32
}

// SoftmaxParams: TFLite's int8 softmax parameters (beta folded in).
type SoftmaxParams struct {
	InputBetaMultiplier int32
	InputBetaLeftShift  int32
	DiffMin             int32
}

// TableParams serves every elementwise int8→int8 op whose result depends on
// the input value alone (LOGISTIC, TANH, HARD_SWISH, LEAKY_RELU, RELU, RELU6,
// RELU_N1_TO_1, QUANTIZE int8→int8): Table[x+128] is the output for input x.
// The converter fills it by running TFLite's integer reference computation
// on all 256 inputs.
type TableParams struct {
	Table []int8 // len 256
}

// PadParams serves PAD and PADV2. Before/After have one entry per input
// dimension.
type PadParams struct {
	Before, After []int32
	Value         int32
}

// MeanParams: MEAN over Axes. The sum of each reduced group of int8 inputs
// (a plain int32 sum of the stored values) maps to the output through a
// monotone step function: output = -128 + number of k with sum >= Thresholds[k].
// The converter derives the 255 thresholds from TFLite's exact computation,
// so the kernel needs neither floats nor the division.
type MeanParams struct {
	Axes       []int32
	KeepDims   bool
	Thresholds []int32 // len 255, non-decreasing
}

// ConcatenationParams: Axis is non-negative.
type ConcatenationParams struct {
	Axis int32
}

// TransposeParams: Perm has one entry per dimension.
type TransposeParams struct {
	Perm []int32
}

func (*ConvParams) isOpParams()           {}
func (*FullyConnectedParams) isOpParams() {}
func (*ArithParams) isOpParams()          {}
func (*PoolParams) isOpParams()           {}
func (*SoftmaxParams) isOpParams()        {}
func (*TableParams) isOpParams()          {}
func (*PadParams) isOpParams()            {}
func (*MeanParams) isOpParams()           {}
func (*ConcatenationParams) isOpParams()  {}
func (*TransposeParams) isOpParams()      {}
