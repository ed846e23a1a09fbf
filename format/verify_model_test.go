package format

import (
	"errors"
	"math"
	"testing"
)

func tensorIndex(t testing.TB, m *Model, name string) int {
	for i := range m.Tensors {
		if m.Tensors[i].Name == name {
			return i
		}
	}
	t.Fatalf("no tensor %q", name)
	return -1
}

func opIndex(t testing.TB, m *Model, code OpCode) int {
	for i := range m.Ops {
		if m.Ops[i].Code == code {
			return i
		}
	}
	t.Fatalf("no %s op", code)
	return -1
}

// decodeMutated writes m without Encode's checks and decodes it.
func decodeMutated(m *Model) error {
	_, err := Decode(encodeModel(m, Version, 0))
	return err
}

// TestVerifyModelRejects has one case per semantic check. Each mutates the
// valid test model, writes it without checking, and expects Decode (and
// Encode) to fail with a malformed-model error mentioning the path.
func TestVerifyModelRejects(t *testing.T) {
	type mut = func(t *testing.T, m *Model)
	tensor := func(name string, f func(*Tensor)) mut {
		return func(t *testing.T, m *Model) { f(&m.Tensors[tensorIndex(t, m, name)]) }
	}
	op := func(code OpCode, f func(*Op)) mut {
		return func(t *testing.T, m *Model) { f(&m.Ops[opIndex(t, m, code)]) }
	}
	for _, tc := range []struct {
		name   string
		mutate mut
		want   []string
	}{
		{"dtype invalid", tensor("conv/w", func(x *Tensor) { x.DType = DTypeInvalid }),
			[]string{`tensor 1 "conv/w" / dtype`}},
		{"dtype unknown", tensor("conv/w", func(x *Tensor) { x.DType = 9 }),
			[]string{`tensor 1 "conv/w" / dtype`, "9"}},
		{"negative dimension", tensor("fc/w", func(x *Tensor) { x.Shape[1] = -4 }),
			[]string{`"fc/w" / shape`, "-4"}},
		{"element count overflow", tensor("fc/w", func(x *Tensor) { x.Shape = []int32{1 << 16, 1 << 16, 0} }),
			[]string{`"fc/w" / shape`, "elements"}},
		{"element count overflow int64", tensor("spare", func(x *Tensor) {
			x.Shape = []int32{math.MaxInt32, math.MaxInt32, math.MaxInt32, math.MaxInt32, math.MaxInt32}
		}), []string{`"spare" / shape`}},
		{"data too short", tensor("conv/b", func(x *Tensor) { x.Data = x.Data[:15] }),
			[]string{`tensor 2 "conv/b" / data`, "15 bytes, want 16"}},
		{"data too long", tensor("fc/w", func(x *Tensor) { x.Data = append(x.Data, 0) }),
			[]string{`"fc/w" / data`}},
		{"zero point count", tensor("conv/w", func(x *Tensor) { x.ZeroPoint = []int32{0, 0} }),
			[]string{`"conv/w" / zero_point`, "2 entries"}},
		{"scale count", tensor("conv/w", func(x *Tensor) { x.Scale = []float32{1, 2, 3} }),
			[]string{`"conv/w" / scale`, "3 entries"}},
		{"scale and zero point counts differ", tensor("conv/w", func(x *Tensor) { x.Scale = x.Scale[:1] }),
			[]string{`"conv/w" / scale`, "zero_point has 4"}},
		{"per-channel on a scalar", tensor("scalar", func(x *Tensor) { x.ZeroPoint = []int32{1, 2} }),
			[]string{`"scalar" / zero_point`}},
		{"quantized dim negative", tensor("conv/w", func(x *Tensor) { x.QuantizedDim = -1 }),
			[]string{`"conv/w" / quantized_dim`}},
		{"quantized dim past rank", tensor("conv/w", func(x *Tensor) { x.QuantizedDim = 4 }),
			[]string{`"conv/w" / quantized_dim`}},
		{"quantized dim of wrong size", tensor("conv/w", func(x *Tensor) { x.QuantizedDim = 1 }),
			[]string{`"conv/w" / zero_point`, "dimension 1"}},
		{"constant with arena offset", tensor("conv/w", func(x *Tensor) { x.ArenaOffset = 0 }),
			[]string{`"conv/w" / arena_offset`, "want -1"}},
		{"activation with negative offset", tensor("input", func(x *Tensor) { x.ArenaOffset = -1 }),
			[]string{`tensor 0 "input" / arena_offset`}},
		{"activation past arena end", tensor("spare", func(x *Tensor) { x.ArenaOffset = 41 }),
			[]string{`"spare" / arena_offset`, "48-byte arena"}},
		{"constant variable", tensor("conv/w", func(x *Tensor) { x.Variable = true }),
			[]string{`"conv/w" / variable`, "constant"}},
		{"arena size negative", func(t *testing.T, m *Model) { m.ArenaBytes = -1 },
			[]string{"arena_bytes", "-1"}},
		{"op code invalid", op(OpAdd, func(o *Op) { o.Code = OpInvalid }),
			[]string{"op 3 INVALID / code"}},
		{"op code unknown", op(OpAdd, func(o *Op) { o.Code = 300 }),
			[]string{"op 3 UNKNOWN / code", "300"}},
		{"op input below -1", op(OpConv2D, func(o *Op) { o.Inputs[1] = -2 }),
			[]string{"op 0 CONV_2D / input 1", "-2"}},
		{"op input past end", op(OpConv2D, func(o *Op) { o.Inputs[2] = 1000 }),
			[]string{"op 0 CONV_2D / input 2", "1000"}},
		{"op output -1", op(OpSoftmax, func(o *Op) { o.Outputs[0] = -1 }),
			[]string{"op 8 SOFTMAX / output 0", "-1"}},
		{"op output past end", op(OpSoftmax, func(o *Op) { o.Outputs[0] = 1000 }),
			[]string{"op 8 SOFTMAX / output 0"}},
		{"params missing", op(OpConv2D, func(o *Op) { o.Params = nil }),
			[]string{"op 0 CONV_2D / params", "no params, want ConvParams"}},
		{"params of another type", op(OpFullyConnected, func(o *Op) { o.Params = &ConvParams{Requant: Requant{[]int32{1}, []int32{1}}} }),
			[]string{"op 2 FULLY_CONNECTED / params", "ConvParams, want FullyConnectedParams"}},
		{"table op with pool params", op(OpRelu, func(o *Op) { o.Params = &PoolParams{} }),
			[]string{"RELU / params", "want TableParams"}},
		{"reshape with params", op(OpReshape, func(o *Op) { o.Params = &TransposeParams{} }),
			[]string{"RESHAPE / params", "want no params"}},
		{"conv requant lengths differ", op(OpConv2D, func(o *Op) {
			p := o.Params.(*ConvParams)
			p.Requant.Shift = p.Requant.Shift[:3]
		}), []string{"op 0 CONV_2D / params / requant", "4 multipliers and 3 shifts"}},
		{"conv requant empty", op(OpDepthwiseConv2D, func(o *Op) { o.Params.(*ConvParams).Requant = Requant{} }),
			[]string{"DEPTHWISE_CONV_2D / params / requant"}},
		{"fully connected requant lengths differ", op(OpFullyConnected, func(o *Op) {
			o.Params.(*FullyConnectedParams).Requant.Multiplier = nil
		}), []string{"FULLY_CONNECTED / params / requant"}},
		{"table too short", op(OpTanh, func(o *Op) { o.Params.(*TableParams).Table = make([]int8, 255) }),
			[]string{"TANH / params / table", "255 entries, want 256"}},
		{"table too long", op(OpQuantize, func(o *Op) { o.Params.(*TableParams).Table = make([]int8, 257) }),
			[]string{"QUANTIZE / params / table"}},
		{"pad before/after lengths differ", op(OpPad, func(o *Op) { o.Params.(*PadParams).After = []int32{1} }),
			[]string{"PAD / params / after"}},
		{"mean threshold count", op(OpMean, func(o *Op) {
			p := o.Params.(*MeanParams)
			p.Thresholds = p.Thresholds[:254]
		}), []string{"MEAN / params / thresholds", "254 entries, want 255"}},
		{"mean thresholds decrease", op(OpMean, func(o *Op) { o.Params.(*MeanParams).Thresholds[100] = math.MinInt32 }),
			[]string{"MEAN / params / thresholds", "entry 100"}},
		{"concatenation axis negative", op(OpConcatenation, func(o *Op) { o.Params.(*ConcatenationParams).Axis = -1 }),
			[]string{"CONCATENATION / params / axis"}},
		{"transpose perm repeats", op(OpTranspose, func(o *Op) { o.Params.(*TransposeParams).Perm = []int32{0, 1, 1, 3} }),
			[]string{"TRANSPOSE / params / perm", "entry 2"}},
		{"transpose perm out of range", op(OpTranspose, func(o *Op) { o.Params.(*TransposeParams).Perm = []int32{0, 1, 2, 4} }),
			[]string{"TRANSPOSE / params / perm", "entry 3"}},
		{"comparison table short", op(OpLess, func(o *Op) { o.Params.(*ScaledPairParams).Table2 = make([]int32, 255) }),
			[]string{"LESS / params", "256 and 255 entries"}},
		{"squared difference table missing", op(OpSquaredDifference, func(o *Op) { o.Params.(*ScaledPairParams).Table1 = nil }),
			[]string{"SQUARED_DIFFERENCE / params", "0 and 256"}},
		{"comparison without tables", op(OpGreater, func(o *Op) {
			p := o.Params.(*ScaledPairParams)
			p.Table1, p.Table2 = nil, nil
		}), []string{"GREATER / params", "0 and 0"}},
		{"reduce axis negative", op(OpReduceMax, func(o *Op) { o.Params.(*ReduceParams).Axes = []int32{1, -1} }),
			[]string{"REDUCE_MAX / params / axes", "entry 1"}},
		{"sum thresholds short", op(OpSum, func(o *Op) { o.Params.(*ReduceParams).Thresholds = make([]int32, 254) }),
			[]string{"SUM / params / thresholds", "254 entries"}},
		{"sum with mean params", op(OpSum, func(o *Op) { o.Params = &MeanParams{Thresholds: make([]int32, 255)} }),
			[]string{"SUM / params", "want ReduceParams"}},
		{"arg max with mean params", op(OpArgMax, func(o *Op) { o.Params = &MeanParams{} }),
			[]string{"ARG_MAX / params", "want ReduceParams"}},
		{"minimum with params", op(OpMinimum, func(o *Op) { o.Params = &TableParams{} }),
			[]string{"MINIMUM / params", "want no params"}},
		{"cumsum axis negative", op(OpCumSum, func(o *Op) { o.Params.(*CumSumParams).Axis = -1 }),
			[]string{"CUMSUM / params / axis"}},
		{"graph input index", func(t *testing.T, m *Model) { m.Inputs[0].Tensor = -1 },
			[]string{"input 0 / tensor", "-1"}},
		{"graph output index", func(t *testing.T, m *Model) { m.Outputs[1].Tensor = int32(len(m.Tensors)) },
			[]string{"output 1 / tensor"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := testModel()
			tc.mutate(t, m)
			wantMalformed(t, decodeMutated(m), tc.want...)
			_, err := Encode(m)
			wantMalformed(t, err, tc.want...)
		})
	}
}

func TestArenaLimit(t *testing.T) {
	m := testModel()
	m.ArenaBytes = DefaultMaxArenaBytes + 1
	data := mustEncode(t, m) // Encode has no arena limit
	_, err := Decode(data)
	wantMalformed(t, err, "arena_bytes", "outside")
	if _, err := DecodeWithLimits(data, Limits{MaxArenaBytes: DefaultMaxArenaBytes + 1}); err != nil {
		t.Fatalf("with a higher limit: %v", err)
	}
	_, err = DecodeWithLimits(mustEncode(t, testModel()), Limits{MaxArenaBytes: 47})
	wantMalformed(t, err, "arena_bytes", "[0, 47]")
}

func TestVerifyModelNilParams(t *testing.T) {
	m := testModel()
	m.Ops[0].Params = (*ConvParams)(nil)
	err := VerifyModel(m, Limits{})
	wantMalformed(t, err, "op 0 CONV_2D / params", "nil")
	if _, err := Encode(m); !errors.Is(err, ErrMalformedModel) {
		t.Fatalf("Encode: %v", err)
	}
	wantMalformed(t, VerifyModel(nil, Limits{}), "nil model")
}

func TestTensorPathTruncatesLongNames(t *testing.T) {
	m := tinyModel()
	long := make([]byte, 10000)
	for i := range long {
		long[i] = 'a'
	}
	m.Tensors[0].Name = string(long)
	m.Tensors[0].DType = 0
	err := VerifyModel(m, Limits{})
	wantMalformed(t, err, "tensor 0", "dtype")
	if len(err.Error()) > 200 {
		t.Fatalf("error is %d bytes long", len(err.Error()))
	}
}
