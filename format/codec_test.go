package format

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edgerun/edgerun/format/fb"
	"github.com/edgerun/edgerun/internal/fuzzextra"
)

// Test models. Activations are [1,2,2,4] int8 (16 bytes) and alternate
// between arena offsets 0 and 16, so every op reads one region and writes
// the other. The format does not check that shapes fit the ops (the
// runtime's prepare does), so the chain can use every op.

const actBytes = 16

func int32Bytes(xs ...int32) []byte {
	b := make([]byte, 4*len(xs))
	for i, x := range xs {
		b[4*i], b[4*i+1], b[4*i+2], b[4*i+3] = byte(x), byte(x>>8), byte(x>>16), byte(x>>24)
	}
	return b
}

func testTable(seed int) []int8 {
	t := make([]int8, 256)
	for i := range t {
		t[i] = int8(i*seed - 128)
	}
	return t
}

func testThresholds() []int32 {
	th := make([]int32, 255)
	for i := range th {
		th[i] = int32(i*3 - 300)
	}
	th[10] = th[9] // ties are allowed
	return th
}

// modelBuilder appends tensors and ops to a Model.
type modelBuilder struct{ m *Model }

func (b *modelBuilder) tensor(t Tensor) int32 {
	b.m.Tensors = append(b.m.Tensors, t)
	return int32(len(b.m.Tensors) - 1)
}

func (b *modelBuilder) act(name string, off int64) int32 {
	return b.tensor(Tensor{
		Name: name, DType: DTypeInt8, Shape: []int32{1, 2, 2, 4},
		ZeroPoint: []int32{-3}, Scale: []float32{0.25}, ArenaOffset: off,
	})
}

func (b *modelBuilder) constant(name string, dt DType, shape []int32, data []byte) int32 {
	return b.tensor(Tensor{Name: name, DType: dt, Shape: shape, Data: data, ArenaOffset: -1})
}

func (b *modelBuilder) op(code OpCode, params OpParams, outputs []int32, inputs ...int32) {
	b.m.Ops = append(b.m.Ops, Op{Code: code, Inputs: inputs, Outputs: outputs, Params: params})
}

// testModel returns a valid model that uses every op code and params type,
// per-channel quantization, absent optional inputs, scalars, empty
// constants and every dtype.
func testModel() *Model {
	b := &modelBuilder{m: &Model{Description: "edgerun test model: every op", ArenaBytes: 3 * actBytes}}
	cur := b.act("input", 0)
	b.m.Inputs = []IO{{Tensor: cur, Float: true}}
	step := 0
	next := func(code OpCode, params OpParams, extra ...int32) {
		step++
		out := b.act(code.String()+"/out", int64(step%2)*actBytes)
		b.op(code, params, []int32{out}, append([]int32{cur}, extra...)...)
		cur = out
	}
	rq := func(n int) Requant {
		r := Requant{}
		for i := 0; i < n; i++ {
			r.Multiplier = append(r.Multiplier, int32(1<<30+i))
			r.Shift = append(r.Shift, int32(-i))
		}
		return r
	}

	convW := b.tensor(Tensor{
		Name: "conv/w", DType: DTypeInt8, Shape: []int32{4, 1, 1, 4},
		ZeroPoint: []int32{0, 0, 0, 0}, Scale: []float32{0.5, 0.25, 0.125, 1}, QuantizedDim: 0,
		Data: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, ArenaOffset: -1,
	})
	convB := b.tensor(Tensor{
		Name: "conv/b", DType: DTypeInt32, Shape: []int32{4},
		ZeroPoint: []int32{0, 0, 0, 0}, Scale: []float32{1, 2, 3, 4},
		Data: int32Bytes(1, -2, 3, -4), ArenaOffset: -1,
	})
	next(OpConv2D, &ConvParams{
		StrideH: 1, StrideW: 2, DilationH: 1, DilationW: 3, PadTop: 1, PadLeft: 0,
		DepthMultiplier: 0, InputOffset: 3, FilterOffset: 0, OutputOffset: -5,
		Requant: rq(4), ActMin: -128, ActMax: 100,
	}, convW, convB)
	dwW := b.tensor(Tensor{
		Name: "dw/w", DType: DTypeInt8, Shape: []int32{1, 1, 1, 4}, QuantizedDim: 3,
		ZeroPoint: []int32{0, 0, 0, 0}, Scale: []float32{1, 1, 1, 1},
		Data: []byte{1, 0xff, 2, 0xfe}, ArenaOffset: -1,
	})
	next(OpDepthwiseConv2D, &ConvParams{
		StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, DepthMultiplier: 1,
		InputOffset: 128, Requant: rq(4), ActMin: -128, ActMax: 127,
	}, dwW, -1)
	fcW := b.constant("fc/w", DTypeInt8, []int32{4, 4}, bytes.Repeat([]byte{7}, 16))
	next(OpFullyConnected, &FullyConnectedParams{
		InputOffset: 1, FilterOffset: 2, OutputOffset: 3, Requant: rq(1), ActMin: -10, ActMax: 10,
	}, fcW, -1)
	c := b.constant("addend", DTypeInt8, []int32{1, 2, 2, 4}, bytes.Repeat([]byte{0x80}, 16))
	arith := func(k int32) *ArithParams {
		return &ArithParams{
			Input1Offset: k, Input2Offset: k + 1, OutputOffset: k + 2, LeftShift: 20,
			Input1Multiplier: 1 << 30, Input1Shift: -1, Input2Multiplier: 1<<30 + 1, Input2Shift: -2,
			OutputMultiplier: 1<<30 + 2, OutputShift: -3, ActMin: -128, ActMax: 127,
		}
	}
	next(OpAdd, arith(1), c)
	next(OpSub, arith(2), cur) // both inputs the same tensor
	next(OpMul, arith(3), c)
	next(OpAveragePool2D, &PoolParams{StrideH: 1, StrideW: 1, FilterH: 2, FilterW: 2, PadTop: 0, PadLeft: 1, ActMin: -128, ActMax: 127})
	next(OpMaxPool2D, &PoolParams{StrideH: 2, StrideW: 2, FilterH: 1, FilterW: 1, ActMin: -100, ActMax: 100})
	next(OpSoftmax, &SoftmaxParams{InputBetaMultiplier: 1 << 30, InputBetaLeftShift: 23, DiffMin: -248})
	for i, code := range []OpCode{OpLogistic, OpTanh, OpHardSwish, OpLeakyRelu, OpRelu, OpRelu6, OpReluN1To1, OpQuantize} {
		next(code, &TableParams{Table: testTable(i + 1)})
	}
	next(OpQuantize, &Int32TableParams{Table: testInt32Table()})
	padding := b.constant("paddings", DTypeInt32, []int32{4, 2}, int32Bytes(0, 0, 1, 1, 0, 0, 0, 0))
	next(OpPad, &PadParams{Before: []int32{0, 1, 0, 0}, After: []int32{0, 1, 2, 0}, Value: -3}, padding)
	next(OpPadV2, &PadParams{Before: []int32{0, 0, 0, 0}, After: []int32{0, 0, 0, 0}, Value: 7}, padding, -1)
	next(OpMean, &MeanParams{Axes: []int32{1, 2}, KeepDims: true, Thresholds: testThresholds()})
	next(OpConcatenation, &ConcatenationParams{Axis: 3}, c)
	shape := b.constant("shape", DTypeInt32, []int32{2}, int32Bytes(1, 16))
	next(OpReshape, nil, shape)
	next(OpTranspose, &TransposeParams{Perm: []int32{0, 2, 1, 3}})
	// State live throughout, after the spare bytes (below).
	state := b.tensor(Tensor{Name: "state", DType: DTypeInt16, Shape: []int32{4}, ZeroPoint: []int32{0}, Scale: []float32{0.5},
		ArenaOffset: 2*actBytes + 8, Variable: true})
	wf := b.constant("svdf/wf", DTypeInt8, []int32{2, 16}, bytes.Repeat([]byte{3}, 32))
	wt := b.constant("svdf/wt", DTypeInt16, []int32{2, 2}, []byte{1, 0, 2, 0, 3, 0, 4, 0})
	next(OpSVDF, &SVDFParams{Rank: 2, InputOffset: 5, OutputOffset: -6, StateZeroPoint: 0,
		FeatureMultiplier: 1 << 30, FeatureShift: -3, OutputMultiplier: 1<<30 + 5, OutputShift: 2}, wf, wt, -1, state)
	addMovementOps(b, next)
	// issue 13 (int16): TRANSPOSE_CONV takes ConvParams, the table ops
	// RescaleParams on int16 tensors.
	tcW := b.constant("tconv/w", DTypeInt8, []int32{4, 1, 1, 4}, bytes.Repeat([]byte{3}, 16))
	next(OpTransposeConv, &ConvParams{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, DepthMultiplier: 1,
		Requant: rq(1), ActMin: -128, ActMax: 127}, tcW, -1)
	next(OpLeakyRelu, &RescaleParams{InputZeroPoint: 1, OutputZeroPoint: -2, Multiplier: 1 << 30, Shift: 1,
		NegMultiplier: 1<<30 + 5, NegShift: -3, ActMin: -128, ActMax: 127})
	next(OpTanh, &Sigmoid16Params{InputMultiplier: 24576, InputLeftShift: 3})
	next(OpMean, &Mean16Params{Axes: []int32{1, 2}, KeepDims: true, Multiplier: 1 << 29, Shift: -3, InputZeroPoint: 1, OutputZeroPoint: -1})
	// Compute ops (model_compute.go).
	next(OpMinimum, nil, c)
	next(OpMaximum, nil, c)
	next(OpCast, nil)
	for i, code := range []OpCode{OpElu, OpRsqrt} {
		next(code, &TableParams{Table: testTable(i + 9)})
	}
	next(OpAbs, arith(7))
	next(OpAddN, arith(6), c, c)
	next(OpL2Normalization, nil)
	next(OpBatchMatMul, &BatchMatMulParams{AdjY: true, LhsOffset: 5, RhsOffset: -6, OutputOffset: 7, OutputMultiplier: 1<<30 + 1, OutputShift: 2, ActMin: -100, ActMax: 100}, c)
	next(OpUnidirectionalSequenceLSTM, &LSTMParams{TimeMajor: true, InputOffset: 3, HiddenOffset: -4, HiddenZeroPoint: 4,
		InputMultipliers: []int32{1 << 30, 2, 3, 4}, InputShifts: []int32{-1, -2, -3, -4},
		RecurrentMultipliers: []int32{5, 6, 7, 8}, RecurrentShifts: []int32{1, 2, 3, 4},
		ForgetMultiplier: 9, ForgetShift: -5, CellMultiplier: 10, CellShift: -6, HiddenMultiplier: 11, HiddenShift: -7,
		CellTanhMultiplier: 6, CellTanhLeftShift: 0, CellClip: 100})
	next(OpLogSoftmax, &LogSoftmaxParams{InputMultiplier: 1<<30 + 9, InputLeftShift: 21, ReverseMultiplier: 1<<30 + 11, ReverseShift: -3, DiffMin: -248})
	next(OpResizeBilinear, &ResizeBilinearParams{HalfPixelCenters: true})
	next(OpCumSum, &CumSumParams{Axis: 2, Exclusive: true, InputOffset: 3, OutputOffset: -4, LeftShift: 20,
		InputMultiplier: 1 << 30, InputShift: -1, OutputMultiplier: 1<<30 + 5, OutputShift: -7, ActMin: -128, ActMax: 127})
	for i, code := range []OpCode{OpDiv, OpPRelu} {
		next(code, arith(int32(i+4)), c)
	}
	next(OpSum, &ReduceParams{Axes: []int32{3}, KeepDims: true, Thresholds: testThresholds()})
	next(OpSum, &ReduceParams{Axes: []int32{0, 2}, Multiplier: 1<<30 + 3, Shift: -4})
	pair := func(k int32) *ScaledPairParams {
		p := &ScaledPairParams{OutputMultiplier: 1<<30 + k, OutputShift: -k, OutputOffset: k, ActMin: -100, ActMax: 99}
		for x := range int32(256) {
			p.Table1 = append(p.Table1, x*k-7)
			p.Table2 = append(p.Table2, -x*k)
		}
		return p
	}
	for i, code := range []OpCode{OpEqual, OpNotEqual, OpLess, OpLessEqual, OpGreater, OpGreaterEqual, OpSquaredDifference} {
		next(code, pair(int32(i+1)), c)
	}
	next(OpSquaredDifference, &ScaledPairParams{OutputMultiplier: 1 << 30, OutputShift: -3, ActMin: -32768, ActMax: 32767,
		Input1Multiplier: 1<<30 + 1, Input1Shift: -1, Input2Multiplier: 1<<30 + 2, Input2Shift: -2}, c)
	next(OpSelectV2, nil, c, c)
	for i, code := range []OpCode{OpArgMax, OpArgMin, OpReduceMax, OpReduceMin} {
		next(code, &ReduceParams{Axes: []int32{int32(i)}, KeepDims: i%2 == 1})
	}
	b.m.Outputs = []IO{{Tensor: cur, Float: true}, {Tensor: cur}}

	// Tensors no op uses: a scalar, an empty constant, int16 and float32.
	b.constant("scalar", DTypeInt32, nil, int32Bytes(42))
	b.constant("empty", DTypeInt8, []int32{0, 3}, []byte{})
	b.constant("int16", DTypeInt16, []int32{2}, []byte{1, 2, 3, 4})
	b.constant("float", DTypeFloat32, []int32{1}, []byte{0, 0, 0x80, 0x3f})
	b.tensor(Tensor{Name: "spare", DType: DTypeInt16, Shape: []int32{4}, ArenaOffset: 2 * actBytes})
	return b.m
}

// tinyModel is a one-op model.
func tinyModel() *Model {
	b := &modelBuilder{m: &Model{ArenaBytes: 2 * actBytes}}
	in := b.act("in", 0)
	out := b.act("out", actBytes)
	b.op(OpRelu, &TableParams{Table: testTable(1)}, []int32{out}, in)
	b.m.Inputs = []IO{{Tensor: in}}
	b.m.Outputs = []IO{{Tensor: out}}
	return b.m
}

func mustEncode(t testing.TB, m *Model) []byte {
	t.Helper()
	data, err := Encode(m)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return data
}

func TestRoundTrip(t *testing.T) {
	for name, m := range map[string]*Model{
		"every op": testModel(),
		"tiny":     tinyModel(),
		"empty":    {},
	} {
		t.Run(name, func(t *testing.T) {
			data := mustEncode(t, m)
			if bound := encodedSizeBound(m); int64(len(data)) > bound {
				t.Errorf("encoded %d bytes, more than the bound %d", len(data), bound)
			}
			if !HasIdentifier(data) {
				t.Fatal("no file identifier")
			}
			got, err := Decode(data)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, m) {
				t.Fatalf("round trip differs:\n got %+v\nwant %+v", got, m)
			}
		})
	}
}

func TestRoundTripCoversEveryParamsType(t *testing.T) {
	seen := map[fb.OpParams]bool{}
	codes := map[OpCode]bool{}
	for _, op := range testModel().Ops {
		tag, _ := paramsTag(op.Params)
		seen[tag] = true
		codes[op.Code] = true
	}
	for tag := range fb.EnumNamesOpParams {
		if !seen[tag] {
			t.Errorf("testModel has no %s", fb.EnumNamesOpParams[tag])
		}
	}
	for c := OpInvalid + 1; c < opCodeCount; c++ {
		if _, carried := expectedParamsTag(c); carried && !codes[c] {
			t.Errorf("testModel has no %s op", c)
		}
	}
}

func TestDecodeAliasesConstantData(t *testing.T) {
	data := mustEncode(t, testModel())
	m, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	w := m.Tensors[1].Data // conv/w
	if len(w) != 16 || cap(w) != 16 {
		t.Fatalf("len %d cap %d, want 16 16", len(w), cap(w))
	}
	base, p := uintptr(unsafe.Pointer(&data[0])), uintptr(unsafe.Pointer(&w[0]))
	if p < base || p >= base+uintptr(len(data)) {
		t.Fatal("constant data was copied")
	}
	start := int(p - base)
	if start%16 != 0 {
		t.Errorf("constant data at offset %d, not 16-byte aligned", start)
	}
}

func TestEncodeDeterministic(t *testing.T) {
	a := mustEncode(t, testModel())
	b := mustEncode(t, testModel())
	if !bytes.Equal(a, b) {
		t.Fatal("two encodings of the same model differ")
	}
	m, err := Decode(a)
	if err != nil {
		t.Fatal(err)
	}
	if c := mustEncode(t, m); !bytes.Equal(a, c) {
		t.Fatal("re-encoding a decoded model changes the bytes")
	}
}

func TestEncodeRejectsInvalidModel(t *testing.T) {
	m := testModel()
	m.Tensors[0].DType = DTypeInvalid
	if _, err := Encode(m); !errors.Is(err, ErrMalformedModel) {
		t.Fatalf("Encode of an invalid model: %v", err)
	}
	if _, err := Encode(nil); !errors.Is(err, ErrMalformedModel) {
		t.Fatalf("Encode(nil): %v", err)
	}
}

// wantMalformed fails unless err is a malformed-model error whose text
// contains every fragment.
func wantMalformed(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", fragments)
	}
	if !errors.Is(err, ErrMalformedModel) {
		t.Fatalf("error %q does not match ErrMalformedModel", err)
	}
	var me *MalformedError
	if !errors.As(err, &me) {
		t.Fatalf("error %q is not a *MalformedError", err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Fatalf("error %q does not mention %q", err, f)
		}
	}
}

// --- structural (buffer) checks ---

func TestDecodeHeader(t *testing.T) {
	good := mustEncode(t, tinyModel())
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"nil", nil, "file"},
		{"short", good[:7], "file"},
		{"identifier", append(append(append([]byte{}, good[:4]...), "TFL3"...), good[8:]...), "file identifier"},
		{"root offset past end", append([]byte{0xff, 0xff, 0, 0}, good[4:]...), "root offset"},
		{"root offset in header", append([]byte{4, 0, 0, 0}, good[4:]...), "root offset"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.data)
			wantMalformed(t, err, tc.want)
		})
	}
	if HasIdentifier(good[:7]) || HasIdentifier([]byte("xxxxTFL3")) || !HasIdentifier([]byte("xxxxERM1")) {
		t.Error("HasIdentifier is wrong")
	}
}

func TestDecodeVersion(t *testing.T) {
	m := tinyModel()
	_, err := Decode(encodeModel(m, Version+1, 0))
	wantMalformed(t, err, "version", "2")
	_, err = Decode(encodeModel(m, 0, 0))
	wantMalformed(t, err, "version")
}

// patch returns a copy of data with the 4 bytes at p replaced by v.
func patch32(data []byte, p int, v uint32) []byte {
	d := append([]byte(nil), data...)
	d[p], d[p+1], d[p+2], d[p+3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
	return d
}

func TestDecodeBadTables(t *testing.T) {
	good := mustEncode(t, tinyModel())
	root := int(flatbuffers.GetUOffsetT(good))
	soff := int(flatbuffers.GetSOffsetT(good[root:]))
	vt := root - soff
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"vtable outside file", patch32(good, root, uint32(root+1000000)), "vtable"},
		{"odd vtable", patch32(good, root, uint32(soff+1)), "vtable"},
		{"vtable size odd", patch32(good, vt, uint32(flatbuffers.GetUint16(good[vt+2:]))<<16|5), "vtable size"},
		{"vtable size 2", patch32(good, vt, uint32(flatbuffers.GetUint16(good[vt+2:]))<<16|2), "vtable size"},
		{"table size 2", patch32(good, vt, 2<<16|uint32(flatbuffers.GetUint16(good[vt:]))), "table size"},
		{"table size past end", patch32(good, vt, 0xfffc<<16|uint32(flatbuffers.GetUint16(good[vt:]))), "table size"},
		{"root misaligned", patch32(good, 0, uint32(root+1)), "table"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(tc.data)
			wantMalformed(t, err, tc.want)
		})
	}
}

// rawModel builds a Model table by hand around the given fields, for
// structural tests the encoder cannot produce.
func rawModel(build func(b *flatbuffers.Builder) (tensors, ops flatbuffers.UOffsetT)) []byte {
	b := flatbuffers.NewBuilder(0)
	tensors, ops := build(b)
	fb.ModelStart(b)
	fb.ModelAddVersion(b, Version)
	if tensors != 0 {
		fb.ModelAddTensors(b, tensors)
	}
	if ops != 0 {
		fb.ModelAddOps(b, ops)
	}
	b.FinishWithFileIdentifier(fb.ModelEnd(b), []byte(FileIdentifier))
	return b.FinishedBytes()
}

func rawOp(b *flatbuffers.Builder, code fb.OpCode, tag fb.OpParams, params flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	fb.OpStart(b)
	fb.OpAddCode(b, code)
	if tag != 0 {
		fb.OpAddParamsType(b, tag)
	}
	if params != 0 {
		fb.OpAddParams(b, params)
	}
	return fb.OpEnd(b)
}

// unknownTag is the first OpParams union tag past the schema's.
var unknownTag = fb.OpParams(len(fb.EnumNamesOpParams))

func TestDecodeBadUnion(t *testing.T) {
	unknownTag := fb.OpParams(len(fb.EnumNamesOpParams)) // one past the last member
	pool := func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		fb.PoolParamsStart(b)
		return fb.PoolParamsEnd(b)
	}
	for _, tc := range []struct {
		name string
		tag  fb.OpParams
		with bool
		want string
	}{
		{"unknown tag", unknownTag, true, fmt.Sprintf("unknown type %d", unknownTag)},
		{"value without tag", 0, true, "type is NONE"},
		{"tag without value", fb.OpParamsPoolParams, false, "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := rawModel(func(b *flatbuffers.Builder) (flatbuffers.UOffsetT, flatbuffers.UOffsetT) {
				var p flatbuffers.UOffsetT
				if tc.with {
					p = pool(b)
				}
				op := rawOp(b, fb.OpCodeMAX_POOL_2D, tc.tag, p)
				return 0, b.CreateVectorOfTables([]flatbuffers.UOffsetT{op})
			})
			_, err := Decode(data)
			wantMalformed(t, err, "op 0 / params", tc.want)
		})
	}
	t.Run("params verified as the tagged type", func(t *testing.T) {
		// A TableParams whose vector offset field is read as a pointer:
		// tag it as TableParams but build a PoolParams with a huge
		// stride_h (slot 0), which then points outside the file.
		data := rawModel(func(b *flatbuffers.Builder) (flatbuffers.UOffsetT, flatbuffers.UOffsetT) {
			fb.PoolParamsStart(b)
			fb.PoolParamsAddStrideH(b, 0x7ffffff0)
			p := fb.PoolParamsEnd(b)
			op := rawOp(b, fb.OpCodeRELU, fb.OpParamsTableParams, p)
			return 0, b.CreateVectorOfTables([]flatbuffers.UOffsetT{op})
		})
		_, err := Decode(data)
		wantMalformed(t, err, "op 0 / params / table", "outside the file")
	})
}

func TestDecodeBadBool(t *testing.T) {
	data := rawModel(func(b *flatbuffers.Builder) (flatbuffers.UOffsetT, flatbuffers.UOffsetT) {
		fb.MeanParamsStart(b)
		b.PrependByteSlot(1, 2, 0) // keep_dims = 2
		p := fb.MeanParamsEnd(b)
		op := rawOp(b, fb.OpCodeMEAN, fb.OpParamsMeanParams, p)
		return 0, b.CreateVectorOfTables([]flatbuffers.UOffsetT{op})
	})
	_, err := Decode(data)
	wantMalformed(t, err, "op 0 / params / keep_dims", "bool")
}

func TestDecodeBadVectors(t *testing.T) {
	tensor := func(b *flatbuffers.Builder, shapeLen int) flatbuffers.UOffsetT {
		fb.TensorStartShapeVector(b, shapeLen)
		for i := 0; i < shapeLen; i++ {
			b.PrependInt32(1)
		}
		shape := b.EndVector(shapeLen)
		fb.TensorStart(b)
		fb.TensorAddDtype(b, fb.DTypeINT8)
		fb.TensorAddShape(b, shape)
		return fb.TensorEnd(b)
	}
	t.Run("length overruns the file", func(t *testing.T) {
		data := rawModel(func(b *flatbuffers.Builder) (flatbuffers.UOffsetT, flatbuffers.UOffsetT) {
			return b.CreateVectorOfTables([]flatbuffers.UOffsetT{tensor(b, 3)}), 0
		})
		// The shape vector is the first object built: last in the file.
		n := len(data) - 16
		if flatbuffers.GetUint32(data[n:]) != 3 {
			t.Fatal("test setup: shape vector not found")
		}
		for _, l := range []uint32{4, 1 << 30, 0xffffffff} {
			_, err := Decode(patch32(data, n, l))
			wantMalformed(t, err, "tensor 0 / shape", "overrun")
		}
	})
	t.Run("shared objects exceed the budget", func(t *testing.T) {
		// 2000 references to one tensor with a 500-entry shape: a few KiB
		// of file describing a megabyte of shapes.
		data := rawModel(func(b *flatbuffers.Builder) (flatbuffers.UOffsetT, flatbuffers.UOffsetT) {
			tt := tensor(b, 500)
			refs := make([]flatbuffers.UOffsetT, 2000)
			for i := range refs {
				refs[i] = tt
			}
			return b.CreateVectorOfTables(refs), 0
		})
		_, err := Decode(data)
		wantMalformed(t, err, "not a tree")
	})
	t.Run("string without NUL", func(t *testing.T) {
		m := &Model{Description: "abc"}
		data := mustEncode(t, m)
		i := bytes.Index(data, []byte("abc\x00"))
		data[i+3] = 'd'
		_, err := Decode(data)
		wantMalformed(t, err, "description", "NUL")
	})
}

// checkDecode decodes data and fails on anything but success or a
// malformed-model error; a successfully decoded model must re-encode to a
// file that decodes to the same encoding.
func checkDecode(t testing.TB, data []byte) (*Model, error) {
	m, err := Decode(data)
	if err != nil {
		if !errors.Is(err, ErrMalformedModel) {
			t.Fatalf("Decode error %q does not match ErrMalformedModel", err)
		}
		return nil, err
	}
	enc, err := Encode(m)
	if err != nil {
		t.Fatalf("Decode accepted a model Encode rejects: %v", err)
	}
	m2, err := Decode(enc)
	if err != nil {
		t.Fatalf("re-encoded model does not decode: %v", err)
	}
	if enc2, err := Encode(m2); err != nil || !bytes.Equal(enc, enc2) {
		t.Fatalf("re-encoding is not stable (err %v)", err)
	}
	return m, nil
}

func TestDecodeTruncated(t *testing.T) {
	for _, m := range []*Model{testModel(), tinyModel(), {}, {Description: "x"}} {
		data := mustEncode(t, m)
		for n := 0; n < len(data); n++ {
			if _, err := checkDecode(t, bytes.Clone(data[:n])); err == nil {
				t.Fatalf("prefix of %d of %d bytes decodes", n, len(data))
			}
		}
	}
}

func TestDecodeRandomCorruption(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	seeds := [][]byte{mustEncode(t, testModel()), mustEncode(t, tinyModel())}
	n := 20000
	if testing.Short() {
		n = 2000
	}
	accepted := 0
	for i := 0; i < n; i++ {
		data := bytes.Clone(seeds[i%len(seeds)])
		flips := 1 + rng.IntN(4)
		for f := 0; f < flips; f++ {
			p := rng.IntN(len(data))
			switch rng.IntN(3) {
			case 0:
				data[p] ^= 1 << rng.IntN(8)
			case 1:
				data[p] = byte(rng.IntN(256))
			default:
				data[p] = []byte{0, 0xff, 0x7f, 0x80}[rng.IntN(4)]
			}
		}
		if _, err := checkDecode(t, data); err == nil {
			accepted++
		}
	}
	t.Logf("%d of %d corrupted files still decode (changed weights, names, params...)", accepted, n)
}

// fuzzSeeds returns the encoded test models and the .erm files of the
// repository (testdata, examples).
func fuzzSeeds(t testing.TB, maxSize int) [][]byte {
	seeds := [][]byte{
		mustEncode(t, testModel()),
		mustEncode(t, tinyModel()),
		mustEncode(t, &Model{}),
		mustEncode(t, aliasModel(false)),
		mustEncode(t, aliasModel(true)),
	}
	var files []string
	for _, pattern := range []string{"../testdata/*.erm", "../testdata/*/*.erm", "../examples/*.erm"} {
		more, _ := filepath.Glob(filepath.FromSlash(pattern))
		files = append(files, more...)
	}
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil && len(data) <= maxSize {
			seeds = append(seeds, data)
		}
	}
	return seeds
}

func TestDecodeRepositoryModels(t *testing.T) {
	for i, data := range fuzzSeeds(t, 1<<30) {
		m, err := checkDecode(t, data)
		if err != nil {
			t.Errorf("seed %d: %v", i, err)
			continue
		}
		if enc := mustEncode(t, m); !bytes.Equal(enc, data) {
			t.Errorf("seed %d: re-encoding changes the file", i)
		}
	}
}

func FuzzDecode(f *testing.F) {
	// Large models slow the fuzzer down (mostly while it minimizes inputs)
	// more than they help it.
	for _, s := range fuzzSeeds(f, 64<<10) {
		f.Add(s)
	}
	fuzzextra.Add(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data)
	})
}
