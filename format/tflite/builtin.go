package tflite

import "strconv"

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
	OpSVDF            BuiltinOperator = 27
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
	OpTransposeConv   BuiltinOperator = 67
)

// builtinNames lists the schema's BuiltinOperator names, indexed by value.
var builtinNames = [...]string{
	"ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D",
	"DEPTH_TO_SPACE", "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED",
	// 10
	"HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC",
	"LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU",
	// 20
	"RELU_N1_TO_1", "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN",
	"SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH", "CONCAT_EMBEDDINGS",
	// 30
	"SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD",
	"UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE",
	// 40
	"MEAN", "SUB", "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM",
	"STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP", "TOPK_V2", "SPLIT",
	// 50
	"LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU",
	"MAXIMUM", "ARG_MAX", "MINIMUM", "LESS", "NEG",
	// 60
	"PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT",
	"SLICE", "SIN", "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE",
	// 70
	"EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM",
	"SQRT", "RSQRT", "SHAPE", "POW", "ARG_MIN",
	// 80
	"FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR",
	"ONE_HOT", "LOGICAL_AND", "LOGICAL_NOT", "UNPACK", "REDUCE_MIN",
	// 90
	"FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL",
	"FLOOR_MOD", "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE",
	// 100
	"MIRROR_PAD", "ABS", "SPLIT_V", "UNIQUE", "CEIL",
	"REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE",
	// 110
	"RANK", "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE",
	"MATRIX_SET_DIAG", "ROUND", "HARD_SWISH", "IF", "WHILE",
	// 120
	"NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5", "SCATTER_ND", "SELECT_V2", "DENSIFY",
	"SEGMENT_SUM", "BATCH_MATMUL", "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE",
	// 130
	"BROADCAST_TO", "RFFT2D", "CONV_3D", "IMAG", "REAL",
	"COMPLEX_ABS", "HASHTABLE", "HASHTABLE_FIND", "HASHTABLE_IMPORT", "HASHTABLE_SIZE",
	// 140
	"REDUCE_ALL", "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE",
	"BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL", "BUCKETIZE", "RANDOM_UNIFORM", "MULTINOMIAL",
	// 150
	"GELU", "DYNAMIC_UPDATE_SLICE", "RELU_0_TO_1", "UNSORTED_SEGMENT_PROD", "UNSORTED_SEGMENT_MAX",
	"UNSORTED_SEGMENT_SUM", "ATAN2", "UNSORTED_SEGMENT_MIN", "SIGN", "BITCAST",
	// 160
	"BITWISE_XOR", "RIGHT_SHIFT", "STABLEHLO_LOGISTIC", "STABLEHLO_ADD", "STABLEHLO_DIVIDE",
	"STABLEHLO_MULTIPLY", "STABLEHLO_MAXIMUM", "STABLEHLO_RESHAPE", "STABLEHLO_CLAMP", "STABLEHLO_CONCATENATE",
	// 170
	"STABLEHLO_BROADCAST_IN_DIM", "STABLEHLO_CONVOLUTION", "STABLEHLO_SLICE", "STABLEHLO_CUSTOM_CALL", "STABLEHLO_REDUCE",
	"STABLEHLO_ABS", "STABLEHLO_AND", "STABLEHLO_COSINE", "STABLEHLO_EXPONENTIAL", "STABLEHLO_FLOOR",
	// 180
	"STABLEHLO_LOG", "STABLEHLO_MINIMUM", "STABLEHLO_NEGATE", "STABLEHLO_OR", "STABLEHLO_POWER",
	"STABLEHLO_REMAINDER", "STABLEHLO_RSQRT", "STABLEHLO_SELECT", "STABLEHLO_SUBTRACT", "STABLEHLO_TANH",
	// 190
	"STABLEHLO_SCATTER", "STABLEHLO_COMPARE", "STABLEHLO_CONVERT", "STABLEHLO_DYNAMIC_SLICE", "STABLEHLO_DYNAMIC_UPDATE_SLICE",
	"STABLEHLO_PAD", "STABLEHLO_IOTA", "STABLEHLO_DOT_GENERAL", "STABLEHLO_REDUCE_WINDOW", "STABLEHLO_SORT",
	// 200
	"STABLEHLO_WHILE", "STABLEHLO_GATHER", "STABLEHLO_TRANSPOSE", "DILATE", "STABLEHLO_RNG_BIT_GENERATOR",
	"REDUCE_WINDOW", "STABLEHLO_COMPOSITE", "COMPLEX",
}

// String returns the schema name of the operator ("CONV_2D"), or
// "BUILTIN(n)" for a value the schema does not name.
func (b BuiltinOperator) String() string {
	if b >= 0 && int(b) < len(builtinNames) {
		return builtinNames[b]
	}
	return "BUILTIN(" + strconv.Itoa(int(b)) + ")"
}

// Name returns the operator's schema name ("CONV_2D"), or "CUSTOM(code)" for
// a custom operator.
func (c OperatorCode) Name() string {
	if c.BuiltinCode != OpCustom {
		return c.BuiltinCode.String()
	}
	code := c.CustomCode
	for i := 0; i < len(code); i++ {
		if code[i] < 0x20 || code[i] > 0x7e || code[i] == '(' || code[i] == ')' {
			code = strconv.Quote(code)
			break
		}
	}
	return "CUSTOM(" + code + ")"
}

// Arithmetic, comparison and reduction operators (issue 16).
const (
	OpDiv               BuiltinOperator = 42
	OpCast              BuiltinOperator = 53
	OpPRelu             BuiltinOperator = 54
	OpMaximum           BuiltinOperator = 55
	OpArgMax            BuiltinOperator = 56
	OpMinimum           BuiltinOperator = 57
	OpLess              BuiltinOperator = 58
	OpGreater           BuiltinOperator = 61
	OpGreaterEqual      BuiltinOperator = 62
	OpLessEqual         BuiltinOperator = 63
	OpEqual             BuiltinOperator = 71
	OpNotEqual          BuiltinOperator = 72
	OpSum               BuiltinOperator = 74
	OpRsqrt             BuiltinOperator = 76
	OpArgMin            BuiltinOperator = 79
	OpReduceMax         BuiltinOperator = 82
	OpReduceMin         BuiltinOperator = 89
	OpSquaredDifference BuiltinOperator = 99
	OpAbs               BuiltinOperator = 101
	OpElu               BuiltinOperator = 111
	OpSelectV2          BuiltinOperator = 123
	OpAddN              BuiltinOperator = 106
	OpL2Normalization   BuiltinOperator = 11
	OpCumSum            BuiltinOperator = 128
	OpResizeBilinear    BuiltinOperator = 23
	OpLogSoftmax        BuiltinOperator = 50
	OpBatchMatMul       BuiltinOperator = 126
)
