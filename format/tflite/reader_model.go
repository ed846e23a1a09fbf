package tflite

import (
	"fmt"
	"math/bits"
	"strconv"

	"github.com/edgerun/edgerun/format"
)

// SchemaVersion is the only Model.version Parse accepts (the schema's
// version 3, as TFLite writes and requires).
const SchemaVersion = 3

// HasIdentifier reports whether data carries the .tflite file identifier
// "TFL3" at bytes 4..8.
func HasIdentifier(data []byte) bool {
	return len(data) >= 8 && string(data[4:8]) == FileIdentifier
}

// Field ids (declaration order in the schema) of the tables Parse reads.
const (
	modelVersion       = 0
	modelOperatorCodes = 1
	modelSubgraphs     = 2
	modelDescription   = 3
	modelBuffers       = 4

	opcodeDeprecatedBuiltin = 0
	opcodeCustomCode        = 1
	opcodeVersion           = 2
	opcodeBuiltin           = 3

	subgraphTensors   = 0
	subgraphInputs    = 1
	subgraphOutputs   = 2
	subgraphOperators = 3
	subgraphName      = 4

	tensorShape        = 0
	tensorType         = 1
	tensorBuffer       = 2
	tensorName         = 3
	tensorQuantization = 4
	tensorIsVariable   = 5
	tensorSparsity     = 6

	quantScale     = 2
	quantZeroPoint = 3
	quantDetails   = 4 // union type field; 5 is its value
	quantDim       = 6

	operatorOpcodeIndex    = 0
	operatorInputs         = 1
	operatorOutputs        = 2
	operatorBuiltinOptions = 3 // union type field; 4 is its value

	bufferData   = 0
	bufferOffset = 1
	bufferSize   = 2
)

// Values of the schema's BuiltinOptions union type Parse decodes.
const (
	optConv2D          = 1
	optDepthwiseConv2D = 2
	optPool2D          = 5
	optSVDF            = 6
	optFullyConnected  = 8
	optSoftmax         = 9
	optConcatenation   = 10
	optAdd             = 11
	optReshape         = 17
	optMul             = 21
	optReducer         = 27
	optSub             = 28
	optLeakyRelu       = 75
)

// builtinOptionsNames are the schema's BuiltinOptions union members, indexed
// by union type (0 is NONE), for error messages.
var builtinOptionsNames = [...]string{
	"NONE", "Conv2DOptions", "DepthwiseConv2DOptions", "ConcatEmbeddingsOptions",
	"LSHProjectionOptions", "Pool2DOptions", "SVDFOptions", "RNNOptions",
	"FullyConnectedOptions", "SoftmaxOptions", "ConcatenationOptions", "AddOptions",
	"L2NormOptions", "LocalResponseNormalizationOptions", "LSTMOptions",
	"ResizeBilinearOptions", "CallOptions", "ReshapeOptions", "SkipGramOptions",
	"SpaceToDepthOptions", "EmbeddingLookupSparseOptions", "MulOptions", "PadOptions",
	"GatherOptions", "BatchToSpaceNDOptions", "SpaceToBatchNDOptions", "TransposeOptions",
	"ReducerOptions", "SubOptions", "DivOptions", "SqueezeOptions", "SequenceRNNOptions",
	"StridedSliceOptions", "ExpOptions", "TopKV2Options", "SplitOptions",
	"LogSoftmaxOptions", "CastOptions", "DequantizeOptions", "MaximumMinimumOptions",
	"ArgMaxOptions", "LessOptions", "NegOptions", "PadV2Options", "GreaterOptions",
	"GreaterEqualOptions", "LessEqualOptions", "SelectOptions", "SliceOptions",
	"TransposeConvOptions", "SparseToDenseOptions", "TileOptions", "ExpandDimsOptions",
	"EqualOptions", "NotEqualOptions", "ShapeOptions", "PowOptions", "ArgMinOptions",
	"FakeQuantOptions", "PackOptions", "LogicalOrOptions", "OneHotOptions",
	"LogicalAndOptions", "LogicalNotOptions", "UnpackOptions", "FloorDivOptions",
	"SquareOptions", "ZerosLikeOptions", "FillOptions", "BidirectionalSequenceLSTMOptions",
	"BidirectionalSequenceRNNOptions", "UnidirectionalSequenceLSTMOptions",
	"FloorModOptions", "RangeOptions", "ResizeNearestNeighborOptions", "LeakyReluOptions",
}

func optionsName(t uint8) string {
	if int(t) < len(builtinOptionsNames) {
		return builtinOptionsNames[t]
	}
	return "BuiltinOptions(" + strconv.Itoa(int(t)) + ")"
}

// optionsFor maps the operators whose options Parse decodes to the union
// type their builtin_options must have.
var optionsFor = map[BuiltinOperator]uint8{
	OpConv2D:          optConv2D,
	OpDepthwiseConv2D: optDepthwiseConv2D,
	OpFullyConnected:  optFullyConnected,
	OpAdd:             optAdd,
	OpSub:             optSub,
	OpMul:             optMul,
	OpAveragePool2D:   optPool2D,
	OpMaxPool2D:       optPool2D,
	12:                optPool2D, // L2_POOL_2D
	OpSoftmax:         optSoftmax,
	OpConcatenation:   optConcatenation,
	OpReshape:         optReshape,
	OpMean:            optReducer,
	74:                optReducer, // SUM
	81:                optReducer, // REDUCE_PROD
	82:                optReducer, // REDUCE_MAX
	89:                optReducer, // REDUCE_MIN
	91:                optReducer, // REDUCE_ANY
	140:               optReducer, // REDUCE_ALL
	OpLeakyRelu:       optLeakyRelu,
	OpSVDF:            optSVDF,
}

// Parse reads a .tflite file without trusting it. Every flatbuffer offset,
// vtable, field, vector and string is bounds-checked, and the decoded model
// is checked for consistency: every index is in range, shapes are static
// and non-negative, quantization parameters match their tensor, and every
// constant buffer has exactly the size its tensor needs. Errors match
// format.ErrMalformedModel and name the offending field.
//
// Buffer data is not copied: Model.Buffers[i].Data aliases data.
func Parse(data []byte) (*Model, error) {
	if len(data) < 8 {
		return nil, format.Malformed("header", "file is %d bytes, too short for a flatbuffer", len(data))
	}
	if !HasIdentifier(data) {
		return nil, format.Malformed("header", "file identifier %q, want %q (not a .tflite file)", data[4:8], FileIdentifier)
	}
	f := newFB(data)
	root, err := f.deref(0, "root")
	if err != nil {
		return nil, err
	}
	mt, err := f.table(root, "root")
	if err != nil {
		return nil, err
	}
	m := &Model{}
	if m.Version, err = f.uint32(mt, modelVersion, 0, "version"); err != nil {
		return nil, err
	}
	if m.Version != SchemaVersion {
		return nil, format.Malformed("version", "schema version %d, want %d", m.Version, SchemaVersion)
	}
	if m.Description, err = f.string(mt, modelDescription, "description"); err != nil {
		return nil, err
	}
	if m.OperatorCodes, err = parseOperatorCodes(f, mt); err != nil {
		return nil, err
	}
	if m.Buffers, err = parseBuffers(f, mt); err != nil {
		return nil, err
	}
	sgs, err := f.vector(mt, modelSubgraphs, 4, "subgraphs")
	if err != nil {
		return nil, err
	}
	if sgs.n == 0 {
		return nil, format.Malformed("subgraphs", "model has no subgraph")
	}
	if err := f.spend(sgs.n, "subgraphs"); err != nil {
		return nil, err
	}
	m.Subgraphs = make([]Subgraph, sgs.n)
	for i := range m.Subgraphs {
		if err := parseSubgraph(f, m, sgs, i); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func parseOperatorCodes(f *fb, mt fbTable) ([]OperatorCode, error) {
	v, err := f.vector(mt, modelOperatorCodes, 4, "operator_codes")
	if err != nil || v.n == 0 {
		return nil, err
	}
	if err := f.spend(v.n, "operator_codes"); err != nil {
		return nil, err
	}
	codes := make([]OperatorCode, v.n)
	for i := range codes {
		path := "operator_code " + strconv.Itoa(i)
		t, err := f.tableAt(v, uint64(i), path)
		if err != nil {
			return nil, err
		}
		c := &codes[i]
		dep, err := f.int8(t, opcodeDeprecatedBuiltin, 0, join(path, "deprecated_builtin_code"))
		if err != nil {
			return nil, err
		}
		code, err := f.int32(t, opcodeBuiltin, 0, join(path, "builtin_code"))
		if err != nil {
			return nil, err
		}
		c.BuiltinCode = BuiltinOperator(max(int32(dep), code))
		if c.BuiltinCode < 0 {
			return nil, format.Malformed(join(path, "builtin_code"), "negative builtin code %d", c.BuiltinCode)
		}
		if c.CustomCode, err = f.string(t, opcodeCustomCode, join(path, "custom_code")); err != nil {
			return nil, err
		}
		if c.Version, err = f.int32(t, opcodeVersion, 1, join(path, "version")); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

func parseBuffers(f *fb, mt fbTable) ([]Buffer, error) {
	v, err := f.vector(mt, modelBuffers, 4, "buffers")
	if err != nil || v.n == 0 {
		return nil, err
	}
	if err := f.spend(v.n, "buffers"); err != nil {
		return nil, err
	}
	bufs := make([]Buffer, v.n)
	for i := range bufs {
		path := "buffer " + strconv.Itoa(i)
		t, err := f.tableAt(v, uint64(i), path)
		if err != nil {
			return nil, err
		}
		data, err := f.bytes(t, bufferData, join(path, "data"))
		if err != nil {
			return nil, err
		}
		off, err := f.uint64(t, bufferOffset, 0, join(path, "offset"))
		if err != nil {
			return nil, err
		}
		size, err := f.uint64(t, bufferSize, 0, join(path, "size"))
		if err != nil {
			return nil, err
		}
		// The schema says offset is only meaningful when > 1 (large
		// models keep their constants after the flatbuffer, addressed
		// from the start of the file).
		if off > 1 {
			if len(data) != 0 {
				return nil, format.Malformed(path, "has both inline data (%d bytes) and external data at offset %d", len(data), off)
			}
			if off > f.n || size > f.n-off {
				return nil, format.Malformed(path, "external data at offset %d, size %d runs past the end of the %d-byte file", off, size, f.n)
			}
			if size > 0 {
				data = f.b[off : off+size : off+size]
			}
		}
		if i == 0 && len(data) != 0 {
			return nil, format.Malformed(path, "buffer 0 must be the empty sentinel, has %d bytes", len(data))
		}
		bufs[i].Data = data
	}
	return bufs, nil
}

// indices decodes a vector of tensor indices and checks each is in
// [lo, n).
func indices(f *fb, t fbTable, id int, lo int32, n int, path, what string) ([]int32, error) {
	idx, err := f.int32s(t, id, join(path, what+"s"))
	if err != nil {
		return nil, err
	}
	for j, x := range idx {
		if x < lo || int64(x) >= int64(n) {
			return nil, format.Malformed(join(path, what+" "+strconv.Itoa(j)),
				"tensor index %d out of range [%d, %d)", x, lo, n)
		}
	}
	return idx, nil
}

func parseSubgraph(f *fb, m *Model, sgs fbVector, i int) error {
	path := "subgraph " + strconv.Itoa(i)
	t, err := f.tableAt(sgs, uint64(i), path)
	if err != nil {
		return err
	}
	sg := &m.Subgraphs[i]
	if sg.Name, err = f.string(t, subgraphName, join(path, "name")); err != nil {
		return err
	}
	tv, err := f.vector(t, subgraphTensors, 4, join(path, "tensors"))
	if err != nil {
		return err
	}
	if err := f.spend(tv.n, join(path, "tensors")); err != nil {
		return err
	}
	sg.Tensors = make([]Tensor, tv.n)
	// A constant of the wrong size is reported after the operators are
	// read, at the first operand that uses it.
	var badSize *bufferSizeError
	for j := range sg.Tensors {
		if err := parseTensor(f, m, &sg.Tensors[j], tv, j, path, &badSize); err != nil {
			return err
		}
	}
	nt := len(sg.Tensors)
	if sg.Inputs, err = indices(f, t, subgraphInputs, 0, nt, path, "input"); err != nil {
		return err
	}
	if sg.Outputs, err = indices(f, t, subgraphOutputs, 0, nt, path, "output"); err != nil {
		return err
	}
	ov, err := f.vector(t, subgraphOperators, 4, join(path, "operators"))
	if err != nil {
		return err
	}
	if err := f.spend(ov.n, join(path, "operators")); err != nil {
		return err
	}
	sg.Operators = make([]Operator, ov.n)
	for j := range sg.Operators {
		if err := parseOperator(f, m, sg, &sg.Operators[j], ov, j, path); err != nil {
			return err
		}
	}
	if badSize != nil {
		return badSize.at(m, sg, path)
	}
	return nil
}

// bufferSizeError is a constant whose buffer does not have the size its
// shape and type need.
type bufferSizeError struct {
	tensor     int32
	tensorPath string // "tensor 5 \"w\""
	buffer     uint32
	msg        string
}

// at returns the error with a path through the first operator operand
// that uses the tensor ("subgraph 0 / op 12 CONV_2D / input 1 / tensor 5
// "w" / buffer 7"), or through the tensor alone if no operator uses it.
func (e *bufferSizeError) at(m *Model, sg *Subgraph, sgPath string) error {
	tail := e.tensorPath + " / buffer " + strconv.FormatUint(uint64(e.buffer), 10)
	for j := range sg.Operators {
		op := &sg.Operators[j]
		for _, io := range []struct {
			what string
			list []int32
		}{{"input", op.Inputs}, {"output", op.Outputs}} {
			for k, t := range io.list {
				if t == e.tensor {
					opPath := join(sgPath, "op "+strconv.Itoa(j)) + " " + m.OperatorCodes[op.OpcodeIndex].Name()
					return format.Malformed(join(opPath, io.what+" "+strconv.Itoa(k)+" / "+tail), "%s", e.msg)
				}
			}
		}
	}
	return format.Malformed(join(sgPath, tail), "%s", e.msg)
}

func parseTensor(f *fb, m *Model, ts *Tensor, tv fbVector, j int, sgPath string, badSize **bufferSizeError) error {
	path := join(sgPath, "tensor "+strconv.Itoa(j))
	short := "tensor " + strconv.Itoa(j) // path within the subgraph
	t, err := f.tableAt(tv, uint64(j), path)
	if err != nil {
		return err
	}
	if ts.Name, err = f.string(t, tensorName, join(path, "name")); err != nil {
		return err
	}
	if ts.Name != "" {
		path += " " + quoteName(ts.Name)
		short += " " + quoteName(ts.Name)
	}
	typ, err := f.int8(t, tensorType, 0, join(path, "type"))
	if err != nil {
		return err
	}
	ts.Type = TensorType(typ)
	if typ < 0 || int(typ) >= len(tensorTypeNames) {
		return format.Malformed(join(path, "type"), "unknown tensor type %d", typ)
	}
	if ts.Shape, err = f.int32s(t, tensorShape, join(path, "shape")); err != nil {
		return err
	}
	for k, d := range ts.Shape {
		if d < 0 {
			return format.Malformed(join(path, "shape"), "dimension %d is %d (shape %v); only static, non-negative shapes are supported", k, d, ts.Shape)
		}
	}
	if ts.IsVariable, err = f.bool(t, tensorIsVariable, false, join(path, "is_variable")); err != nil {
		return err
	}
	if _, ok, err := f.field(t, tensorSparsity, 4, join(path, "sparsity")); err != nil {
		return err
	} else if ok {
		return format.Malformed(join(path, "sparsity"), "sparse tensors are not supported")
	}
	if err := parseQuantization(f, ts, t, path); err != nil {
		return err
	}
	if ts.Buffer, err = f.uint32(t, tensorBuffer, 0, join(path, "buffer")); err != nil {
		return err
	}
	bpath := join(path, "buffer "+strconv.FormatUint(uint64(ts.Buffer), 10))
	if uint64(ts.Buffer) >= uint64(len(m.Buffers)) {
		return format.Malformed(bpath, "buffer index out of range [0, %d)", len(m.Buffers))
	}
	need, ok := tensorBytes(ts.Type, ts.Shape)
	if !ok {
		return format.Malformed(join(path, "shape"), "shape %v %s is too large", ts.Shape, ts.Type)
	}
	data := m.Buffers[ts.Buffer].Data
	if len(data) != 0 && ts.Type.elemBits() != 0 && uint64(len(data)) != need && *badSize == nil {
		*badSize = &bufferSizeError{tensor: int32(j), tensorPath: short, buffer: ts.Buffer,
			msg: fmt.Sprintf("%d bytes, shape %v %s needs %d", len(data), ts.Shape, ts.Type, need)}
	}
	return nil
}

// quoteName quotes a tensor name for an error path, shortened if long.
func quoteName(name string) string {
	const max = 80
	if len(name) > max {
		return strconv.Quote(name[:max]) + "..."
	}
	return strconv.Quote(name)
}

// maxTensorBytes bounds a tensor's size; larger shapes are rejected.
const maxTensorBytes = 1 << 48

// tensorBytes returns the storage size of a dense tensor (0 for types
// without a fixed element size), or ok=false if it exceeds maxTensorBytes.
func tensorBytes(typ TensorType, shape []int32) (n uint64, ok bool) {
	n = 1
	for _, d := range shape { // d >= 0, checked by the caller
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > maxTensorBytes {
			return 0, false
		}
		n = lo
	}
	// n <= 2^48, so n*elemBits cannot overflow.
	n = (n*typ.elemBits() + 7) / 8
	return n, n <= maxTensorBytes
}

func parseQuantization(f *fb, ts *Tensor, t fbTable, path string) error {
	qpath := join(path, "quantization")
	qt, ok, err := f.subTable(t, tensorQuantization, qpath)
	if err != nil || !ok {
		return err
	}
	details, err := f.uint8(qt, quantDetails, 0, join(qpath, "details_type"))
	if err != nil {
		return err
	}
	if details != 0 {
		return format.Malformed(join(qpath, "details"), "custom quantization (details type %d) is not supported", details)
	}
	q := &Quantization{}
	if q.Scale, err = f.float32s(qt, quantScale, join(qpath, "scale")); err != nil {
		return err
	}
	if q.ZeroPoint, err = f.int64s(qt, quantZeroPoint, join(qpath, "zero_point")); err != nil {
		return err
	}
	if q.QuantizedDimension, err = f.int32(qt, quantDim, 0, join(qpath, "quantized_dimension")); err != nil {
		return err
	}
	if len(q.Scale) != len(q.ZeroPoint) {
		return format.Malformed(qpath, "%d scales but %d zero points", len(q.Scale), len(q.ZeroPoint))
	}
	if len(q.Scale) == 0 {
		// min/max only (float tensors) or an empty table: no quantization.
		return nil
	}
	// quantized_dimension only matters (and is only checked) for
	// per-channel parameters: converters leave stale values in per-tensor
	// ones (for example 3 on a rank-1 bias).
	if len(q.Scale) > 1 {
		qd := int64(q.QuantizedDimension)
		if len(ts.Shape) == 1 {
			// A rank-1 tensor has one axis, whatever the file says:
			// converters write the filter's dimension (3) on
			// per-channel depthwise biases.
			qd = 0
			q.QuantizedDimension = 0
		}
		if qd < 0 || qd >= int64(len(ts.Shape)) {
			return format.Malformed(join(qpath, "quantized_dimension"), "dimension %d out of range for shape %v with %d per-channel scales", qd, ts.Shape, len(q.Scale))
		}
		if int64(len(q.Scale)) != int64(ts.Shape[qd]) {
			return format.Malformed(qpath, "%d per-channel scales, but shape %v has %d channels along dimension %d",
				len(q.Scale), ts.Shape, ts.Shape[qd], qd)
		}
	}
	ts.Quantization = q
	return nil
}

func parseOperator(f *fb, m *Model, sg *Subgraph, op *Operator, ov fbVector, j int, sgPath string) error {
	path := join(sgPath, "op "+strconv.Itoa(j))
	t, err := f.tableAt(ov, uint64(j), path)
	if err != nil {
		return err
	}
	if op.OpcodeIndex, err = f.uint32(t, operatorOpcodeIndex, 0, join(path, "opcode_index")); err != nil {
		return err
	}
	if uint64(op.OpcodeIndex) >= uint64(len(m.OperatorCodes)) {
		return format.Malformed(join(path, "opcode_index"), "opcode index %d out of range [0, %d)", op.OpcodeIndex, len(m.OperatorCodes))
	}
	code := m.OperatorCodes[op.OpcodeIndex]
	path += " " + code.Name()
	nt := len(sg.Tensors)
	if op.Inputs, err = indices(f, t, operatorInputs, -1, nt, path, "input"); err != nil {
		return err
	}
	if op.Outputs, err = indices(f, t, operatorOutputs, 0, nt, path, "output"); err != nil {
		return err
	}
	want, known := optionsFor[code.BuiltinCode]
	if !known {
		return nil
	}
	opath := join(path, "builtin_options")
	typ, err := f.uint8(t, operatorBuiltinOptions, 0, join(opath, "type"))
	if err != nil {
		return err
	}
	var ot fbTable // absent options: every field reads as its default
	if typ != 0 {
		if typ != want {
			return format.Malformed(opath, "%s options, %s needs %s", optionsName(typ), code.Name(), optionsName(want))
		}
		st, ok, err := f.subTable(t, operatorBuiltinOptions+1, opath)
		if err != nil {
			return err
		}
		if ok {
			ot = st
		}
	}
	op.Options, err = parseOptions(f, want, ot, opath)
	return err
}
