// Package tflite reads TensorFlow Lite flatbuffer files (the subset of the
// public schema edgerun needs, written by hand and verified before use) and
// converts them to edgerun's integer-only format.
package tflite

import "strconv"

// FileIdentifier is the flatbuffer file identifier of .tflite files.
const FileIdentifier = "TFL3"

// TensorType mirrors the schema's TensorType enum.
type TensorType int8

const (
	TypeFloat32    TensorType = 0
	TypeFloat16    TensorType = 1
	TypeInt32      TensorType = 2
	TypeUInt8      TensorType = 3
	TypeInt64      TensorType = 4
	TypeString     TensorType = 5
	TypeBool       TensorType = 6
	TypeInt16      TensorType = 7
	TypeComplex64  TensorType = 8
	TypeInt8       TensorType = 9
	TypeFloat64    TensorType = 10
	TypeComplex128 TensorType = 11
	TypeUInt64     TensorType = 12
	TypeResource   TensorType = 13
	TypeVariant    TensorType = 14
	TypeUInt32     TensorType = 15
	TypeUInt16     TensorType = 16
	TypeInt4       TensorType = 17
	TypeBFloat16   TensorType = 18
)

// tensorTypeNames are the schema's TensorType names, indexed by value.
var tensorTypeNames = [...]string{
	"FLOAT32", "FLOAT16", "INT32", "UINT8", "INT64", "STRING", "BOOL", "INT16",
	"COMPLEX64", "INT8", "FLOAT64", "COMPLEX128", "UINT64", "RESOURCE", "VARIANT",
	"UINT32", "UINT16", "INT4", "BFLOAT16",
}

// String returns the schema name of the type ("INT8"), or "TensorType(n)"
// for a value the schema does not name.
func (t TensorType) String() string {
	if t >= 0 && int(t) < len(tensorTypeNames) {
		return tensorTypeNames[t]
	}
	return "TensorType(" + strconv.Itoa(int(t)) + ")"
}

// elemBits returns the storage size of one element in bits, or 0 when the
// type has no fixed size (STRING, RESOURCE, VARIANT) or is unknown. INT4 is
// stored packed, two elements per byte.
func (t TensorType) elemBits() uint64 {
	switch t {
	case TypeInt4:
		return 4
	case TypeUInt8, TypeInt8, TypeBool:
		return 8
	case TypeFloat16, TypeInt16, TypeUInt16, TypeBFloat16:
		return 16
	case TypeFloat32, TypeInt32, TypeUInt32:
		return 32
	case TypeInt64, TypeUInt64, TypeFloat64, TypeComplex64:
		return 64
	case TypeComplex128:
		return 128
	}
	return 0
}

// Model is a parsed .tflite file. Every index in it has been checked to be
// in range by Parse (tensor indices of operators may be -1 for absent
// optional inputs).
type Model struct {
	Version       uint32
	Description   string
	OperatorCodes []OperatorCode
	Subgraphs     []Subgraph
	Buffers       []Buffer
}

// OperatorCode is one entry of the model's operator code table.
type OperatorCode struct {
	// BuiltinCode is max(deprecated_builtin_code, builtin_code), as the
	// schema's compatibility rule requires.
	BuiltinCode BuiltinOperator
	CustomCode  string
	Version     int32
}

// Subgraph is one graph of the model.
type Subgraph struct {
	Name      string
	Tensors   []Tensor
	Inputs    []int32
	Outputs   []int32
	Operators []Operator
}

// Tensor is a tensor declaration.
type Tensor struct {
	Name       string
	Type       TensorType
	Shape      []int32
	Buffer     uint32 // index into Model.Buffers; 0 is the empty sentinel buffer
	IsVariable bool
	// Quantization is nil when the tensor has none.
	Quantization *Quantization
}

// Quantization holds affine quantization parameters: one scale and zero
// point (per-tensor) or one per channel along QuantizedDimension. Parse
// checks len(Scale) == len(ZeroPoint) >= 1 and, for per-channel parameters,
// that QuantizedDimension is a valid axis of that length (Parse sets it to 0
// on rank-1 tensors, whose per-channel biases converters mark with the
// filter's axis); for per-tensor parameters QuantizedDimension is whatever
// the file says and must be ignored.
type Quantization struct {
	Scale              []float32
	ZeroPoint          []int64
	QuantizedDimension int32
}

// Buffer is constant data; empty for activations. Data aliases the slice
// given to Parse (it is not copied): callers must not modify either.
type Buffer struct {
	Data []byte
}

// Operator is one node. Options holds the decoded builtin options for the
// operators edgerun knows (a pointer to one of the *Options types below:
// CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, SUB, MUL, AVERAGE_POOL_2D,
// MAX_POOL_2D and L2_POOL_2D, SOFTMAX, CONCATENATION, RESHAPE, MEAN and the
// other reducers, LEAKY_RELU), never nil for those (absent options read as
// the schema's defaults), and nil for every other operator.
type Operator struct {
	OpcodeIndex uint32
	Inputs      []int32
	Outputs     []int32
	Options     any
}

// Padding mirrors the schema's Padding enum.
type Padding int8

const (
	PaddingSame  Padding = 0
	PaddingValid Padding = 1
)

// Activation mirrors the schema's ActivationFunctionType enum.
type Activation int8

const (
	ActNone      Activation = 0
	ActRelu      Activation = 1
	ActReluN1To1 Activation = 2
	ActRelu6     Activation = 3
	ActTanh      Activation = 4
	ActSignBit   Activation = 5
)

type Conv2DOptions struct {
	Padding          Padding
	StrideW, StrideH int32
	FusedActivation  Activation
	DilationWFactor  int32
	DilationHFactor  int32
	// QuantizedBiasType is the schema's quantized_bias_type (version 8+);
	// TypeFloat32 (0) when unset.
	QuantizedBiasType TensorType
}

type DepthwiseConv2DOptions struct {
	Padding          Padding
	StrideW, StrideH int32
	DepthMultiplier  int32
	FusedActivation  Activation
	DilationWFactor  int32
	DilationHFactor  int32
}

type FullyConnectedOptions struct {
	FusedActivation          Activation
	WeightsFormat            int8 // 0 DEFAULT; others unsupported
	KeepNumDims              bool
	AsymmetricQuantizeInputs bool
	// QuantizedBiasType is the schema's quantized_bias_type (version 11+);
	// TypeFloat32 (0) when unset.
	QuantizedBiasType TensorType
}

type Pool2DOptions struct {
	Padding          Padding
	StrideW, StrideH int32
	FilterWidth      int32
	FilterHeight     int32
	FusedActivation  Activation
}

type AddOptions struct {
	FusedActivation Activation
	PotScaleInt16   bool
}

type SubOptions struct {
	FusedActivation Activation
	PotScaleInt16   bool
}

type MulOptions struct {
	FusedActivation Activation
}

type SoftmaxOptions struct {
	Beta float32
}

type ConcatenationOptions struct {
	Axis            int32
	FusedActivation Activation
}

type ReshapeOptions struct {
	NewShape []int32
}

type ReducerOptions struct {
	KeepDims bool
}

// SVDFOptions: the SVDF's rank (filters per unit); the integer kernel
// ignores the fused activation (its output is clamped to int8 only).
type SVDFOptions struct {
	Rank                     int32
	FusedActivation          Activation
	AsymmetricQuantizeInputs bool
}

type LeakyReluOptions struct {
	Alpha float32
}
