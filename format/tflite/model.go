// Package tflite reads TensorFlow Lite flatbuffer files (the subset of the
// public schema edgerun needs, written by hand and verified before use) and
// converts them to edgerun's integer-only format.
package tflite

// FileIdentifier is the flatbuffer file identifier of .tflite files.
const FileIdentifier = "TFL3"

// TensorType mirrors the schema's TensorType enum.
type TensorType int8

const (
	TypeFloat32 TensorType = 0
	TypeFloat16 TensorType = 1
	TypeInt32   TensorType = 2
	TypeUInt8   TensorType = 3
	TypeInt64   TensorType = 4
	TypeString  TensorType = 5
	TypeBool    TensorType = 6
	TypeInt16   TensorType = 7
	TypeInt8    TensorType = 9
)

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

// Quantization holds affine quantization parameters.
type Quantization struct {
	Scale              []float32
	ZeroPoint          []int64
	QuantizedDimension int32
}

// Buffer is constant data; empty for activations.
type Buffer struct {
	Data []byte
}

// Operator is one node. Options holds the decoded builtin options for the
// operators edgerun knows (a pointer to one of the *Options types below), or
// nil.
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

type LeakyReluOptions struct {
	Alpha float32
}
