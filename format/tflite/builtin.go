package tflite

// BuiltinOperator mirrors the schema's BuiltinOperator enum.
type BuiltinOperator int32

// The builtin operators edgerun converts (and a few it names in errors).
const (
	OpAdd             BuiltinOperator = 0
	OpAveragePool2D   BuiltinOperator = 1
	OpConcatenation   BuiltinOperator = 2
	OpConv2D          BuiltinOperator = 3
	OpDepthwiseConv2D BuiltinOperator = 4
	OpDequantize      BuiltinOperator = 6
	OpFullyConnected  BuiltinOperator = 9
	OpLogistic        BuiltinOperator = 14
	OpMaxPool2D       BuiltinOperator = 17
	OpMul             BuiltinOperator = 18
	OpRelu            BuiltinOperator = 19
	OpReluN1To1       BuiltinOperator = 20
	OpRelu6           BuiltinOperator = 21
	OpReshape         BuiltinOperator = 22
	OpSoftmax         BuiltinOperator = 25
	OpTanh            BuiltinOperator = 28
	OpPad             BuiltinOperator = 34
	OpTranspose       BuiltinOperator = 39
	OpMean            BuiltinOperator = 40
	OpSub             BuiltinOperator = 41
	OpCustom          BuiltinOperator = 32
	OpPadV2           BuiltinOperator = 60
	OpLeakyRelu       BuiltinOperator = 98
	OpHardSwish       BuiltinOperator = 117
	OpQuantize        BuiltinOperator = 114
)
