package tflite

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// testModel returns a small valid model: CONV_2D -> ADD -> GELU -> CUSTOM.
// Each call builds a fresh tree, so tests may mutate it.
func testModel() fbt {
	quant := func(scale []float32, zp []int64, dim int32) fbt {
		q := fbt{quantScale: scale, quantZeroPoint: zp}
		if dim != 0 {
			q[quantDim] = dim
		}
		return q
	}
	act := func(name string, shape []int32) fbt {
		return fbt{tensorName: name, tensorShape: shape, tensorType: int8(TypeInt8),
			tensorQuantization: quant([]float32{0.5}, []int64{-1}, 0)}
	}
	filter := make([]byte, 3*2*2*2)
	for i := range filter {
		filter[i] = byte(i)
	}
	return fbt{
		modelVersion:     uint32(3),
		modelDescription: "hand-made",
		modelOperatorCodes: []fbt{
			{opcodeDeprecatedBuiltin: int8(OpConv2D), opcodeVersion: int32(2)},
			{}, // ADD, everything default
			{opcodeDeprecatedBuiltin: int8(127), opcodeBuiltin: int32(150)}, // GELU
			{opcodeDeprecatedBuiltin: int8(OpCustom), opcodeCustomCode: "MyOp"},
		},
		modelSubgraphs: []fbt{{
			subgraphName: "main",
			subgraphTensors: []fbt{
				act("input", []int32{1, 4, 4, 2}),
				{tensorName: "filter", tensorShape: []int32{3, 2, 2, 2}, tensorType: int8(TypeInt8), tensorBuffer: uint32(1),
					tensorQuantization: quant([]float32{0.1, 0.2, 0.3}, []int64{0, 0, 0}, 0)},
				// Per-channel bias with the depthwise-style stale dimension 3.
				{tensorName: "bias", tensorShape: []int32{3}, tensorType: int8(TypeInt32), tensorBuffer: uint32(2),
					tensorQuantization: quant([]float32{0.05, 0.1, 0.15}, []int64{0, 0, 0}, 3)},
				act("conv", []int32{1, 3, 3, 3}),
				act("add", []int32{1, 3, 3, 3}),
				act("gelu", []int32{1, 3, 3, 3}),
				{tensorName: "custom", tensorShape: []int32{1, 3, 3, 3}, tensorType: int8(TypeFloat32), tensorIsVariable: true,
					tensorQuantization: fbt{0: []float32{-1}, 1: []float32{1}}}, // min/max only
			},
			subgraphInputs:  []int32{0},
			subgraphOutputs: []int32{6},
			subgraphOperators: []fbt{
				{operatorOpcodeIndex: uint32(0), operatorInputs: []int32{0, 1, 2}, operatorOutputs: []int32{3},
					operatorBuiltinOptions:     uint8(optConv2D),
					operatorBuiltinOptions + 1: fbt{0: int8(PaddingValid), 1: int32(1), 2: int32(2), 3: int8(ActRelu6)}},
				{operatorOpcodeIndex: uint32(1), operatorInputs: []int32{3, 3}, operatorOutputs: []int32{4},
					operatorBuiltinOptions: uint8(optAdd), operatorBuiltinOptions + 1: fbt{0: int8(ActRelu)}},
				{operatorOpcodeIndex: uint32(2), operatorInputs: []int32{4}, operatorOutputs: []int32{5}},
				{operatorOpcodeIndex: uint32(3), operatorInputs: []int32{5, -1}, operatorOutputs: []int32{6}},
			},
		}},
		modelBuffers: []fbt{
			{},
			{bufferData: filter},
			{bufferData: make([]byte, 12)},
		},
	}
}

func subgraph0(m fbt) fbt        { return m[modelSubgraphs].([]fbt)[0] }
func tensorN(m fbt, i int) fbt   { return subgraph0(m)[subgraphTensors].([]fbt)[i] }
func operatorN(m fbt, i int) fbt { return subgraph0(m)[subgraphOperators].([]fbt)[i] }

func TestParseHandBuilt(t *testing.T) {
	data := buildFile(testModel())
	if !HasIdentifier(data) {
		t.Fatal("HasIdentifier false")
	}
	m, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != 3 || m.Description != "hand-made" {
		t.Errorf("version %d description %q", m.Version, m.Description)
	}
	wantCodes := []OperatorCode{
		{BuiltinCode: OpConv2D, Version: 2},
		{BuiltinCode: OpAdd, Version: 1},
		{BuiltinCode: 150, Version: 1},
		{BuiltinCode: OpCustom, CustomCode: "MyOp", Version: 1},
	}
	if !reflect.DeepEqual(m.OperatorCodes, wantCodes) {
		t.Errorf("operator codes %+v, want %+v", m.OperatorCodes, wantCodes)
	}
	names := []string{"CONV_2D", "ADD", "GELU", "CUSTOM(MyOp)"}
	for i, c := range m.OperatorCodes {
		if c.Name() != names[i] {
			t.Errorf("code %d name %q, want %q", i, c.Name(), names[i])
		}
	}
	sg := m.Subgraphs[0]
	if sg.Name != "main" || len(sg.Tensors) != 7 || len(sg.Operators) != 4 {
		t.Fatalf("subgraph %q: %d tensors, %d ops", sg.Name, len(sg.Tensors), len(sg.Operators))
	}
	if !reflect.DeepEqual(sg.Inputs, []int32{0}) || !reflect.DeepEqual(sg.Outputs, []int32{6}) {
		t.Errorf("inputs %v outputs %v", sg.Inputs, sg.Outputs)
	}
	f := sg.Tensors[1]
	if f.Name != "filter" || f.Type != TypeInt8 || !reflect.DeepEqual(f.Shape, []int32{3, 2, 2, 2}) || f.Buffer != 1 {
		t.Errorf("filter tensor %+v", f)
	}
	if q := f.Quantization; q == nil || !reflect.DeepEqual(q.Scale, []float32{0.1, 0.2, 0.3}) || len(q.ZeroPoint) != 3 {
		t.Errorf("filter quantization %+v", f.Quantization)
	}
	if q := sg.Tensors[2].Quantization; q == nil || q.QuantizedDimension != 0 {
		t.Errorf("rank-1 per-channel bias: quantized dimension not normalized: %+v", q)
	}
	if c := sg.Tensors[6]; c.Quantization != nil || !c.IsVariable || c.Type != TypeFloat32 {
		t.Errorf("min/max-only tensor %+v", c)
	}
	if !bytes.Equal(m.Buffers[1].Data, data[bytes.Index(data, m.Buffers[1].Data):][:24]) || len(m.Buffers[0].Data) != 0 || len(m.Buffers[2].Data) != 12 {
		t.Errorf("buffers %v", m.Buffers)
	}
	wantConv := &Conv2DOptions{Padding: PaddingValid, StrideW: 1, StrideH: 2, FusedActivation: ActRelu6, DilationWFactor: 1, DilationHFactor: 1}
	if !reflect.DeepEqual(sg.Operators[0].Options, wantConv) {
		t.Errorf("conv options %+v, want %+v", sg.Operators[0].Options, wantConv)
	}
	if o := sg.Operators[1].Options; !reflect.DeepEqual(o, &AddOptions{FusedActivation: ActRelu, PotScaleInt16: true}) {
		t.Errorf("add options %+v (pot_scale_int16 defaults to true)", o)
	}
	if sg.Operators[2].Options != nil || sg.Operators[3].Options != nil {
		t.Errorf("options decoded for GELU/CUSTOM")
	}
	if !reflect.DeepEqual(sg.Operators[3].Inputs, []int32{5, -1}) {
		t.Errorf("custom inputs %v", sg.Operators[3].Inputs)
	}
	checkInvariants(t, m, data)
}

// TestParseOptionDefaults checks that absent options tables and absent
// fields read as the schema's defaults.
func TestParseOptionDefaults(t *testing.T) {
	for _, c := range []struct {
		op   BuiltinOperator
		typ  uint8
		want any
	}{
		{OpConv2D, optConv2D, &Conv2DOptions{DilationWFactor: 1, DilationHFactor: 1}},
		{OpDepthwiseConv2D, optDepthwiseConv2D, &DepthwiseConv2DOptions{DilationWFactor: 1, DilationHFactor: 1}},
		{OpFullyConnected, optFullyConnected, &FullyConnectedOptions{}},
		{OpAdd, optAdd, &AddOptions{PotScaleInt16: true}},
		{OpSub, optSub, &SubOptions{PotScaleInt16: true}},
		{OpMul, optMul, &MulOptions{}},
		{OpAveragePool2D, optPool2D, &Pool2DOptions{}},
		{OpMaxPool2D, optPool2D, &Pool2DOptions{}},
		{OpSoftmax, optSoftmax, &SoftmaxOptions{}},
		{OpConcatenation, optConcatenation, &ConcatenationOptions{}},
		{OpReshape, optReshape, &ReshapeOptions{}},
		{OpMean, optReducer, &ReducerOptions{}},
		{OpLeakyRelu, optLeakyRelu, &LeakyReluOptions{}},
	} {
		for _, variant := range []string{"no options", "empty table", "type only"} {
			m := testModel()
			m[modelOperatorCodes].([]fbt)[2] = fbt{opcodeDeprecatedBuiltin: int8(c.op)}
			op := operatorN(m, 2)
			switch variant {
			case "empty table":
				op[operatorBuiltinOptions] = c.typ
				op[operatorBuiltinOptions+1] = fbt{}
			case "type only":
				op[operatorBuiltinOptions] = c.typ
			}
			got, err := Parse(buildFile(m))
			if err != nil {
				t.Errorf("%s %s: %v", c.op, variant, err)
				continue
			}
			if o := got.Subgraphs[0].Operators[2].Options; !reflect.DeepEqual(o, c.want) {
				t.Errorf("%s %s: options %+v, want %+v", c.op, variant, o, c.want)
			}
		}
	}
}

func TestParseOptionValues(t *testing.T) {
	for _, c := range []struct {
		op   BuiltinOperator
		typ  uint8
		tbl  fbt
		want any
	}{
		{OpDepthwiseConv2D, optDepthwiseConv2D,
			fbt{0: int8(1), 1: int32(2), 2: int32(3), 3: int32(4), 4: int8(3), 5: int32(5), 6: int32(6)},
			&DepthwiseConv2DOptions{Padding: PaddingValid, StrideW: 2, StrideH: 3, DepthMultiplier: 4, FusedActivation: ActRelu6, DilationWFactor: 5, DilationHFactor: 6}},
		{OpConv2D, optConv2D,
			fbt{4: int32(2), 5: int32(3), 6: int8(TypeInt64)},
			&Conv2DOptions{DilationWFactor: 2, DilationHFactor: 3, QuantizedBiasType: TypeInt64}},
		{OpFullyConnected, optFullyConnected,
			fbt{0: int8(1), 1: int8(1), 2: true, 3: true, 4: int8(TypeInt32)},
			&FullyConnectedOptions{FusedActivation: ActRelu, WeightsFormat: 1, KeepNumDims: true, AsymmetricQuantizeInputs: true, QuantizedBiasType: TypeInt32}},
		{OpMaxPool2D, optPool2D,
			fbt{0: int8(0), 1: int32(2), 2: int32(2), 3: int32(3), 4: int32(4), 5: int8(2)},
			&Pool2DOptions{StrideW: 2, StrideH: 2, FilterWidth: 3, FilterHeight: 4, FusedActivation: ActReluN1To1}},
		{OpSub, optSub, fbt{0: int8(1), 1: false}, &SubOptions{FusedActivation: ActRelu}},
		{OpSoftmax, optSoftmax, fbt{0: float32(0.5)}, &SoftmaxOptions{Beta: 0.5}},
		{OpConcatenation, optConcatenation, fbt{0: int32(-1), 1: int8(3)}, &ConcatenationOptions{Axis: -1, FusedActivation: ActRelu6}},
		{OpReshape, optReshape, fbt{0: []int32{1, -1}}, &ReshapeOptions{NewShape: []int32{1, -1}}},
		{OpMean, optReducer, fbt{0: true}, &ReducerOptions{KeepDims: true}},
		{OpLeakyRelu, optLeakyRelu, fbt{0: float32(0.25)}, &LeakyReluOptions{Alpha: 0.25}},
		{OpMul, optMul, fbt{0: int8(4)}, &MulOptions{FusedActivation: ActTanh}},
	} {
		m := testModel()
		m[modelOperatorCodes].([]fbt)[2] = fbt{opcodeBuiltin: int32(c.op)}
		op := operatorN(m, 2)
		op[operatorBuiltinOptions] = c.typ
		op[operatorBuiltinOptions+1] = c.tbl
		got, err := Parse(buildFile(m))
		if err != nil {
			t.Errorf("%s: %v", c.op, err)
			continue
		}
		if o := got.Subgraphs[0].Operators[2].Options; !reflect.DeepEqual(o, c.want) {
			t.Errorf("%s: options %+v, want %+v", c.op, o, c.want)
		}
	}
}

func TestParseExternalBuffer(t *testing.T) {
	m := testModel()
	m[modelBuffers].([]fbt)[2] = fbt{bufferOffset: uint64(0), bufferSize: uint64(12)} // offset patched below
	data := buildFile(m)
	// Find the placeholder: rebuild with the real offset (the flatbuffer's
	// length does not depend on the offset value).
	ext := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	m[modelBuffers].([]fbt)[2][bufferOffset] = uint64(len(data))
	data = append(buildFile(m), ext...)
	got, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Buffers[2].Data, ext) {
		t.Errorf("external buffer %v, want %v", got.Buffers[2].Data, ext)
	}
	// One byte short.
	if _, err := Parse(data[:len(data)-1]); !isMalformed(err, "buffer 2", "runs past the end") {
		t.Errorf("truncated external data: %v", err)
	}
	// Huge offset and size (would overflow a naive offset+size).
	m[modelBuffers].([]fbt)[2][bufferOffset] = uint64(1) << 63
	m[modelBuffers].([]fbt)[2][bufferSize] = uint64(1) << 63
	if _, err := Parse(append(buildFile(m), ext...)); !isMalformed(err, "buffer 2", "runs past the end") {
		t.Errorf("huge external offset: %v", err)
	}
	// Both inline and external data.
	m[modelBuffers].([]fbt)[2] = fbt{bufferData: make([]byte, 12), bufferOffset: uint64(len(data) - 12), bufferSize: uint64(12)}
	if _, err := Parse(buildFile(m)); !isMalformed(err, "buffer 2", "both inline") {
		t.Errorf("inline and external data: %v", err)
	}
}

// isMalformed reports whether err is a malformed-model error whose path
// contains path and whose message contains msg.
func isMalformed(err error, path, msg string) bool {
	var me *format.MalformedError
	if !errors.Is(err, format.ErrMalformedModel) || !errors.As(err, &me) {
		return false
	}
	return strings.Contains(me.Path, path) && strings.Contains(me.Msg, msg)
}

func TestParseSemanticErrors(t *testing.T) {
	for _, c := range []struct {
		name      string
		mutate    func(m fbt)
		path, msg string
	}{
		{"version", func(m fbt) { m[modelVersion] = uint32(2) }, "version", "schema version 2"},
		{"no version", func(m fbt) { delete(m, modelVersion) }, "version", "schema version 0"},
		{"no subgraphs", func(m fbt) { delete(m, modelSubgraphs) }, "subgraphs", "no subgraph"},
		{"opcode index", func(m fbt) { operatorN(m, 1)[operatorOpcodeIndex] = uint32(4) },
			"subgraph 0 / op 1 / opcode_index", "opcode index 4 out of range [0, 4)"},
		{"op input -2", func(m fbt) { operatorN(m, 1)[operatorInputs] = []int32{3, -2} },
			"subgraph 0 / op 1 ADD / input 1", "tensor index -2 out of range [-1, 7)"},
		{"op input too large", func(m fbt) { operatorN(m, 0)[operatorInputs] = []int32{0, 7, 2} },
			"subgraph 0 / op 0 CONV_2D / input 1", "tensor index 7 out of range"},
		{"op output -1", func(m fbt) { operatorN(m, 3)[operatorOutputs] = []int32{-1} },
			"subgraph 0 / op 3 CUSTOM(MyOp) / output 0", "tensor index -1 out of range [0, 7)"},
		{"subgraph input", func(m fbt) { subgraph0(m)[subgraphInputs] = []int32{0, 99} },
			"subgraph 0 / input 1", "tensor index 99"},
		{"subgraph output", func(m fbt) { subgraph0(m)[subgraphOutputs] = []int32{-1} },
			"subgraph 0 / output 0", "tensor index -1"},
		{"buffer index", func(m fbt) { tensorN(m, 3)[tensorBuffer] = uint32(3) },
			`subgraph 0 / tensor 3 "conv" / buffer 3`, "buffer index out of range [0, 3)"},
		{"long name", func(m fbt) {
			tensorN(m, 3)[tensorName] = strings.Repeat("x", 200)
			tensorN(m, 3)[tensorBuffer] = uint32(9)
		}, `subgraph 0 / tensor 3 "` + strings.Repeat("x", 80) + `"... / buffer 9`, "buffer index out of range"},
		{"buffer size", func(m fbt) { m[modelBuffers].([]fbt)[1][bufferData] = make([]byte, 100) },
			`subgraph 0 / op 0 CONV_2D / input 1 / tensor 1 "filter" / buffer 1`, "100 bytes, shape [3 2 2 2] INT8 needs 24"},
		{"buffer size int32", func(m fbt) { m[modelBuffers].([]fbt)[2][bufferData] = make([]byte, 3) },
			`tensor 2 "bias" / buffer 2`, "3 bytes, shape [3] INT32 needs 12"},
		{"sentinel buffer", func(m fbt) { m[modelBuffers].([]fbt)[0][bufferData] = []byte{1} },
			"buffer 0", "empty sentinel"},
		{"negative dim", func(m fbt) { tensorN(m, 4)[tensorShape] = []int32{1, -1, 3, 3} },
			`tensor 4 "add" / shape`, "dimension 1 is -1"},
		{"huge shape", func(m fbt) { tensorN(m, 4)[tensorShape] = []int32{1 << 30, 1 << 30, 1 << 30} },
			`tensor 4 "add" / shape`, "too large"},
		{"unknown type", func(m fbt) { tensorN(m, 4)[tensorType] = int8(19) },
			`tensor 4 "add" / type`, "unknown tensor type 19"},
		{"negative type", func(m fbt) { tensorN(m, 4)[tensorType] = int8(-3) },
			`tensor 4 "add" / type`, "unknown tensor type -3"},
		{"scale/zero point lengths", func(m fbt) { tensorN(m, 0)[tensorQuantization].(fbt)[quantZeroPoint] = []int64{1, 2} },
			`tensor 0 "input" / quantization`, "1 scales but 2 zero points"},
		{"zero point missing", func(m fbt) { delete(tensorN(m, 0)[tensorQuantization].(fbt), quantZeroPoint) },
			`tensor 0 "input" / quantization`, "1 scales but 0 zero points"},
		{"per-channel count", func(m fbt) {
			q := tensorN(m, 1)[tensorQuantization].(fbt)
			q[quantScale] = []float32{1, 2}
			q[quantZeroPoint] = []int64{0, 0}
		}, `tensor 1 "filter" / quantization`, "2 per-channel scales, but shape [3 2 2 2] has 3 channels along dimension 0"},
		{"quantized dimension", func(m fbt) { tensorN(m, 1)[tensorQuantization].(fbt)[quantDim] = int32(4) },
			`tensor 1 "filter" / quantization / quantized_dimension`, "dimension 4 out of range"},
		{"negative quantized dimension", func(m fbt) { tensorN(m, 1)[tensorQuantization].(fbt)[quantDim] = int32(-1) },
			`quantization / quantized_dimension`, "dimension -1 out of range"},
		{"custom quantization", func(m fbt) {
			q := tensorN(m, 0)[tensorQuantization].(fbt)
			q[quantDetails] = uint8(1)
			q[quantDetails+1] = fbt{0: []byte{1}}
		}, `tensor 0 "input" / quantization / details`, "not supported"},
		{"sparsity", func(m fbt) { tensorN(m, 1)[tensorSparsity] = fbt{} },
			`tensor 1 "filter" / sparsity`, "not supported"},
		{"wrong options type", func(m fbt) { operatorN(m, 0)[operatorBuiltinOptions] = uint8(optPool2D) },
			"subgraph 0 / op 0 CONV_2D / builtin_options", "Pool2DOptions options, CONV_2D needs Conv2DOptions"},
		{"unknown options type", func(m fbt) { operatorN(m, 1)[operatorBuiltinOptions] = uint8(200) },
			"op 1 ADD / builtin_options", "BuiltinOptions(200) options"},
		{"bad padding", func(m fbt) { operatorN(m, 0)[operatorBuiltinOptions+1].(fbt)[0] = int8(2) },
			"op 0 CONV_2D / builtin_options / padding", "value 2 not in the schema's enum"},
		{"bad activation", func(m fbt) { operatorN(m, 1)[operatorBuiltinOptions+1].(fbt)[0] = int8(6) },
			"op 1 ADD / builtin_options / fused_activation_function", "value 6"},
		{"negative builtin code", func(m fbt) {
			m[modelOperatorCodes].([]fbt)[1] = fbt{opcodeDeprecatedBuiltin: int8(-3), opcodeBuiltin: int32(-5)}
		},
			"operator_code 1 / builtin_code", "negative builtin code -3"},
	} {
		m := testModel()
		c.mutate(m)
		_, err := Parse(buildFile(m))
		if !isMalformed(err, c.path, c.msg) {
			t.Errorf("%s: got %v, want malformed at %q saying %q", c.name, err, c.path, c.msg)
		}
	}
}

func TestParseStructuralErrors(t *testing.T) {
	good := buildFile(testModel())
	for _, c := range []struct {
		name      string
		data      func() []byte
		path, msg string
	}{
		{"empty", func() []byte { return nil }, "header", "too short"},
		{"short", func() []byte { return good[:7] }, "header", "too short"},
		{"identifier", func() []byte {
			d := bytes.Clone(good)
			copy(d[4:], "TFL2")
			return d
		}, "header", `file identifier "TFL2"`},
		{"root outside", func() []byte {
			d := bytes.Clone(good)
			d[0], d[1], d[2], d[3] = 0xff, 0xff, 0xff, 0x7f
			return d
		}, "root", "outside"},
		{"root at end", func() []byte {
			d := bytes.Clone(good)
			d[0], d[1], d[2], d[3] = byte(len(d)-2), byte((len(d)-2)>>8), 0, 0
			return d
		}, "root", "outside"},
		{"vtable outside", func() []byte {
			d := bytes.Clone(good)
			root := int(d[0]) | int(d[1])<<8
			d[root], d[root+1], d[root+2], d[root+3] = 0xf0, 0xff, 0xff, 0x7f // soffset: vtable far before the file
			return d
		}, "root", "vtable"},
		{"vtable past end", func() []byte {
			d := bytes.Clone(good)
			root := int(d[0]) | int(d[1])<<8
			d[root], d[root+1], d[root+2], d[root+3] = 0x00, 0x00, 0x00, 0x80 // negative soffset: vtable after the end
			return d
		}, "root", "vtable"},
		{"subgraph offset outside", func() []byte {
			m := testModel()
			m[modelSubgraphs] = rawOff(1 << 30)
			return buildFile(m)
		}, "subgraphs", "outside"},
		{"tensor offset outside", func() []byte {
			m := testModel()
			ts := subgraph0(m)[subgraphTensors].([]fbt)
			refs := make([]any, len(ts))
			for i := range ts {
				refs[i] = ts[i]
			}
			refs[5] = rawOff(0xfffffff0)
			subgraph0(m)[subgraphTensors] = refs
			return buildFile(m)
		}, "subgraph 0 / tensor 5", "outside"},
		{"huge vector length", func() []byte {
			m := testModel()
			tensorN(m, 3)[tensorShape] = badVec{n: 0xffffffff, data: []byte{1, 0, 0, 0}}
			return buildFile(m)
		}, `tensor 3 "conv" / shape`, "4294967295 elements of 4 bytes run past the end"},
		{"huge tables vector", func() []byte {
			m := testModel()
			subgraph0(m)[subgraphOperators] = badVec{n: 0x40000000}
			return buildFile(m)
		}, "subgraph 0 / operators", "1073741824 elements of 4 bytes"},
		{"huge int64 vector", func() []byte {
			m := testModel()
			tensorN(m, 0)[tensorQuantization].(fbt)[quantZeroPoint] = badVec{n: 0x20000001}
			return buildFile(m)
		}, "quantization / zero_point", "elements of 8 bytes"},
		{"huge buffer", func() []byte {
			m := testModel()
			m[modelBuffers].([]fbt)[1][bufferData] = badVec{n: 0x7fffffff, data: []byte{1, 2, 3}}
			return buildFile(m)
		}, "buffer 1 / data", "run past the end"},
		{"huge string", func() []byte {
			m := testModel()
			m[modelDescription] = badVec{n: 0xfffffff0, data: []byte("abc")}
			return buildFile(m)
		}, "description", "run past the end"},
		{"unterminated string", func() []byte {
			m := testModel()
			delete(m, modelBuffers)
			delete(m, modelSubgraphs)
			delete(m, modelOperatorCodes)
			m[modelDescription] = badStr("abc") // last object: nothing after it
			return buildFile(m)
		}, "description", "not NUL-terminated"},
		{"field outside table", func() []byte {
			d := buildFile(fbt{modelVersion: uint32(3)})
			// Layout: header(8) vtable(4+2) pad(2) table. Field 0 at
			// offset 4 of a table declared 8 bytes: shrink the declared
			// size to 6.
			d[10], d[11] = 6, 0
			return d
		}, "version", "outside its table of 6 bytes"},
		{"vtable odd size", func() []byte {
			d := buildFile(fbt{modelVersion: uint32(3)})
			d[8] = 5
			return d
		}, "root", "vtable at byte 8 has bad size 5"},
	} {
		_, err := Parse(c.data())
		if !isMalformed(err, c.path, c.msg) {
			t.Errorf("%s: got %v, want malformed at %q saying %q", c.name, err, c.path, c.msg)
		}
	}
}

// TestParseSharedAmplification builds a small file whose tensors all share
// one tensor table with a long shape: Parse must stop at its work budget
// rather than decode (and allocate) the product.
func TestParseSharedAmplification(t *testing.T) {
	m := testModel()
	shape := make([]int32, 20000)
	for i := range shape {
		shape[i] = 1
	}
	one := &shared{v: fbt{tensorShape: shape, tensorType: int8(TypeInt8)}}
	refs := make([]any, 20000)
	for i := range refs {
		refs[i] = one
	}
	subgraph0(m)[subgraphTensors] = refs
	data := buildFile(m)
	_, err := Parse(data)
	if !isMalformed(err, "", "more data than") {
		t.Errorf("%d-byte file: got %v, want work budget error", len(data), err)
	}
}

// TestParseTruncations parses every prefix of a small model: each must be
// rejected, and none may panic.
func TestParseTruncations(t *testing.T) {
	data := buildFile(testModel())
	if _, err := Parse(data); err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(data); n++ {
		_, err := Parse(bytes.Clone(data[:n]))
		if err == nil {
			t.Errorf("prefix of %d/%d bytes parsed without error", n, len(data))
		} else if !errors.Is(err, format.ErrMalformedModel) {
			t.Errorf("prefix of %d bytes: error %v does not match ErrMalformedModel", n, err)
		}
	}
}

// TestParseByteFlips mutates small models at random (fixed seed): Parse
// must never panic, must return only malformed-model errors, and whatever
// it accepts must satisfy the Model invariants.
func TestParseByteFlips(t *testing.T) {
	seeds := [][]byte{buildFile(testModel())}
	for _, f := range smallConformanceModels(t, 4096) {
		seeds = append(seeds, f)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	iters := 20000
	if testing.Short() {
		iters = 2000
	}
	accepted := 0
	for i := 0; i < iters; i++ {
		d := bytes.Clone(seeds[i%len(seeds)])
		for k := 1 + rng.IntN(4); k > 0; k-- {
			p := rng.IntN(len(d))
			switch rng.IntN(3) {
			case 0:
				d[p] ^= 1 << rng.IntN(8)
			case 1:
				d[p] = byte(rng.IntN(256))
			case 2:
				d[p] = []byte{0, 0xff, 0x7f, 0x80}[rng.IntN(4)]
			}
		}
		m, err := Parse(d)
		if err != nil {
			if !errors.Is(err, format.ErrMalformedModel) {
				t.Fatalf("iteration %d: error %v does not match ErrMalformedModel", i, err)
			}
			continue
		}
		accepted++
		checkInvariants(t, m, d)
	}
	t.Logf("%d of %d mutated files accepted", accepted, iters)
}

// checkInvariants verifies what Parse promises about an accepted model.
func checkInvariants(t *testing.T, m *Model, data []byte) {
	t.Helper()
	if m.Version != SchemaVersion || len(m.Subgraphs) == 0 {
		t.Fatalf("version %d, %d subgraphs", m.Version, len(m.Subgraphs))
	}
	if len(m.Buffers) > 0 && len(m.Buffers[0].Data) != 0 {
		t.Fatalf("buffer 0 not empty")
	}
	for _, c := range m.OperatorCodes {
		if c.BuiltinCode < 0 || c.Name() == "" {
			t.Fatalf("operator code %+v", c)
		}
	}
	for si, sg := range m.Subgraphs {
		nt := int32(len(sg.Tensors))
		for _, ts := range sg.Tensors {
			if int(ts.Buffer) >= len(m.Buffers) {
				t.Fatalf("subgraph %d tensor %q: buffer %d of %d", si, ts.Name, ts.Buffer, len(m.Buffers))
			}
			for _, d := range ts.Shape {
				if d < 0 {
					t.Fatalf("negative dim in %v", ts.Shape)
				}
			}
			if ts.Type < 0 || int(ts.Type) >= len(tensorTypeNames) {
				t.Fatalf("tensor type %d", ts.Type)
			}
			need, ok := tensorBytes(ts.Type, ts.Shape)
			if !ok {
				t.Fatalf("tensor %q: shape %v too large", ts.Name, ts.Shape)
			}
			if d := m.Buffers[ts.Buffer].Data; len(d) != 0 && ts.Type.elemBits() != 0 && uint64(len(d)) != need {
				t.Fatalf("tensor %q: %d bytes, needs %d", ts.Name, len(d), need)
			}
			if q := ts.Quantization; q != nil {
				if len(q.Scale) == 0 || len(q.Scale) != len(q.ZeroPoint) {
					t.Fatalf("tensor %q: quantization %+v", ts.Name, q)
				}
				if len(q.Scale) > 1 && (q.QuantizedDimension < 0 || int(q.QuantizedDimension) >= len(ts.Shape) ||
					int(ts.Shape[q.QuantizedDimension]) != len(q.Scale)) {
					t.Fatalf("tensor %q: per-channel quantization %+v for shape %v", ts.Name, q, ts.Shape)
				}
			}
		}
		for _, x := range append(append([]int32{}, sg.Inputs...), sg.Outputs...) {
			if x < 0 || x >= nt {
				t.Fatalf("subgraph io index %d of %d", x, nt)
			}
		}
		for _, op := range sg.Operators {
			if int(op.OpcodeIndex) >= len(m.OperatorCodes) {
				t.Fatalf("opcode index %d", op.OpcodeIndex)
			}
			for _, x := range op.Inputs {
				if x < -1 || x >= nt {
					t.Fatalf("op input %d of %d", x, nt)
				}
			}
			for _, x := range op.Outputs {
				if x < 0 || x >= nt {
					t.Fatalf("op output %d of %d", x, nt)
				}
			}
			if want, ok := optionsFor[m.OperatorCodes[op.OpcodeIndex].BuiltinCode]; ok && op.Options == nil {
				t.Fatalf("%s: no options (union %s)", m.OperatorCodes[op.OpcodeIndex].Name(), optionsName(want))
			}
		}
	}
	for _, b := range m.Buffers {
		if len(b.Data) > len(data) {
			t.Fatalf("buffer larger than the file")
		}
	}
}

func TestNames(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{OpConv2D.String(), "CONV_2D"},
		{BuiltinOperator(27).String(), "SVDF"},
		{BuiltinOperator(44).String(), "UNIDIRECTIONAL_SEQUENCE_LSTM"},
		{OpHardSwish.String(), "HARD_SWISH"},
		{OpQuantize.String(), "QUANTIZE"},
		{OpLeakyRelu.String(), "LEAKY_RELU"},
		{OpPadV2.String(), "PADV2"},
		{BuiltinOperator(127).String(), "PLACEHOLDER_FOR_GREATER_OP_CODES"},
		{BuiltinOperator(150).String(), "GELU"},
		{BuiltinOperator(162).String(), "STABLEHLO_LOGISTIC"},
		{BuiltinOperator(203).String(), "DILATE"},
		{BuiltinOperator(207).String(), "COMPLEX"},
		{BuiltinOperator(208).String(), "BUILTIN(208)"},
		{BuiltinOperator(-1).String(), "BUILTIN(-1)"},
		{OperatorCode{BuiltinCode: OpCustom, CustomCode: "TFLite_Detection_PostProcess"}.Name(), "CUSTOM(TFLite_Detection_PostProcess)"},
		{OperatorCode{BuiltinCode: OpCustom, CustomCode: "a\nb"}.Name(), `CUSTOM("a\nb")`},
		{OperatorCode{BuiltinCode: OpMean}.Name(), "MEAN"},
		{TypeInt8.String(), "INT8"},
		{TypeFloat32.String(), "FLOAT32"},
		{TypeInt4.String(), "INT4"},
		{TypeBFloat16.String(), "BFLOAT16"},
		{TensorType(19).String(), "TensorType(19)"},
		{optionsName(optConv2D), "Conv2DOptions"},
		{optionsName(optDepthwiseConv2D), "DepthwiseConv2DOptions"},
		{optionsName(optPool2D), "Pool2DOptions"},
		{optionsName(optFullyConnected), "FullyConnectedOptions"},
		{optionsName(optSoftmax), "SoftmaxOptions"},
		{optionsName(optConcatenation), "ConcatenationOptions"},
		{optionsName(optAdd), "AddOptions"},
		{optionsName(optReshape), "ReshapeOptions"},
		{optionsName(optMul), "MulOptions"},
		{optionsName(optReducer), "ReducerOptions"},
		{optionsName(optSub), "SubOptions"},
		{optionsName(optLeakyRelu), "LeakyReluOptions"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if len(builtinNames) != 208 {
		t.Errorf("%d builtin names, want 208 (ADD..COMPLEX)", len(builtinNames))
	}
	if HasIdentifier([]byte("\x00\x00\x00\x00TFL")) || HasIdentifier(nil) {
		t.Errorf("HasIdentifier accepts a short file")
	}
}
