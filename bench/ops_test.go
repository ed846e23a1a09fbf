package bench

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/runtime"
)

// Single-op models of any operator, for the copy-like operators' GB/s
// (BenchmarkCopyOps) and the per-operator summary (BenchmarkOps).

// tspec is one tensor of a single-op model: a constant when data is set,
// else an activation in the arena.
type tspec struct {
	dtype format.DType
	shape []int32
	data  []byte
}

func act(shape ...int32) tspec { return tspec{dtype: format.DTypeInt8, shape: shape} }

// act16 is an int16 activation.
func act16(shape ...int32) tspec { return tspec{dtype: format.DTypeInt16, shape: shape} }

// constI8 is a constant int8 tensor of seeded pseudo-random values.
func constI8(seed uint64, shape ...int32) tspec {
	r := rand.New(rand.NewPCG(seed, 3))
	t := tspec{dtype: format.DTypeInt8, shape: shape, data: make([]byte, numel(shape))}
	for i := range t.data {
		t.data[i] = byte(r.IntN(256))
	}
	return t
}

// constI32 is a constant int32 tensor of the given values.
func constI32(shape []int32, v ...int32) tspec {
	t := tspec{dtype: format.DTypeInt32, shape: shape, data: make([]byte, 4*len(v))}
	for i, x := range v {
		binary.LittleEndian.PutUint32(t.data[4*i:], uint32(x))
	}
	return t
}

func numel(shape []int32) int {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	return n
}

// single builds a model of one op on ins and outs; the non-constant
// inputs are the model's inputs, outs its outputs, all placed one after
// another in the arena (64-byte aligned).
func single(code format.OpCode, params format.OpParams, ins []tspec, outs ...tspec) *format.Model {
	m := &format.Model{Description: "benchmark"}
	arena := int64(0)
	add := func(s tspec, name string) int32 {
		t := format.Tensor{Name: name, DType: s.dtype, Shape: s.shape, Data: s.data, ArenaOffset: -1}
		if s.dtype == format.DTypeInt8 || s.dtype == format.DTypeInt16 {
			t.ZeroPoint, t.Scale = []int32{0}, []float32{0.05}
		}
		if s.data == nil {
			t.ArenaOffset = arena
			arena = (arena + t.ByteSize() + 63) &^ 63
		}
		m.Tensors = append(m.Tensors, t)
		return int32(len(m.Tensors) - 1)
	}
	op := format.Op{Code: code, Params: params}
	for _, s := range ins {
		i := add(s, "in")
		op.Inputs = append(op.Inputs, i)
		if s.data == nil {
			m.Inputs = append(m.Inputs, format.IO{Tensor: i})
		}
	}
	for _, s := range outs {
		i := add(s, "out")
		op.Outputs = append(op.Outputs, i)
		m.Outputs = append(m.Outputs, format.IO{Tensor: i})
	}
	m.Ops = []format.Op{op}
	m.ArenaBytes = arena
	return m
}

// runBytes loads g with the selected kernels and times Invoke, reporting
// GB/s of output bytes (b.SetBytes) and, when macs > 0, GMAC/s.
func runBytes(b *testing.B, g *format.Model, macs int64) {
	m, err := runtime.FromGraph(g)
	if err != nil {
		b.Fatal(err)
	}
	var out int64
	for _, o := range g.Outputs {
		out += g.Tensors[o.Tensor].ByteSize()
	}
	b.SetBytes(out)
	runModel(b, m, macs)
}

// halves returns n output positions each reading position i/2 (2x
// nearest-neighbour upsampling).
func halves(n int) []int32 {
	t := make([]int32, n)
	for i := range t {
		t[i] = int32(i / 2)
	}
	return t
}

// copyCase is one copy-like operator on a realistic shape.
type copyCase struct {
	name string
	g    *format.Model
}

func copyCases() []copyCase {
	cat := &format.ConcatenationParams{Axis: 3}
	gatherIdx := make([]int32, 128)
	for i := range gatherIdx {
		gatherIdx[i] = int32((i * 37) % 512)
	}
	return []copyCase{
		{"RESIZE_NEAREST_NEIGHBOR/2x-24x24x64", single(format.OpResizeNearestNeighbor,
			&format.ResizeNearestParams{YIndex: halves(48), XIndex: halves(48)}, []tspec{act(1, 24, 24, 64)}, act(1, 48, 48, 64))},
		{"RESIZE_BILINEAR/2x-24x24x64", single(format.OpResizeBilinear,
			&format.ResizeBilinearParams{HalfPixelCenters: true}, []tspec{act(1, 24, 24, 64)}, act(1, 48, 48, 64))},
		{"GATHER/128-of-512-rows-256", single(format.OpGather, &format.GatherParams{},
			[]tspec{act(512, 256), constI32([]int32{128}, gatherIdx...)}, act(128, 256))},
		{"STRIDED_SLICE/channels-16-48-of-48x48x64", single(format.OpStridedSlice,
			&format.SliceParams{Begin: []int32{0, 0, 0, 16}, Stride: []int32{1, 1, 1, 1}, Size: []int32{1, 48, 48, 32}},
			[]tspec{act(1, 48, 48, 64)}, act(1, 48, 48, 32))},
		{"PACK/2x96x96-last-axis", single(format.OpPack, &format.ConcatenationParams{Axis: 2},
			[]tspec{act(96, 96), act(96, 96)}, act(96, 96, 2))},
		{"PACK/4x48x48-last-axis", single(format.OpPack, &format.ConcatenationParams{Axis: 2},
			[]tspec{act(48, 48), act(48, 48), act(48, 48), act(48, 48)}, act(48, 48, 4))},
		{"PACK/3x24x24x64-axis0", single(format.OpPack, &format.ConcatenationParams{Axis: 0},
			[]tspec{act(24, 24, 64), act(24, 24, 64), act(24, 24, 64)}, act(3, 24, 24, 64))},
		{"UNPACK/96x96x2-last-axis", single(format.OpUnpack, &format.ConcatenationParams{Axis: 2},
			[]tspec{act(96, 96, 2)}, act(96, 96), act(96, 96))},
		{"UNPACK/48x48x4-last-axis", single(format.OpUnpack, &format.ConcatenationParams{Axis: 2},
			[]tspec{act(48, 48, 4)}, act(48, 48), act(48, 48), act(48, 48), act(48, 48))},
		{"SPLIT/48x48x64-channels-2", single(format.OpSplit, cat,
			[]tspec{act(1, 48, 48, 64)}, act(1, 48, 48, 32), act(1, 48, 48, 32))},
		{"CONCATENATION/2x48x48x32-channels", single(format.OpConcatenation, cat,
			[]tspec{act(1, 48, 48, 32), act(1, 48, 48, 32)}, act(1, 48, 48, 64))},
		{"CONCATENATION/3x24x24x16-channels", single(format.OpConcatenation, cat,
			[]tspec{act(1, 24, 24, 16), act(1, 24, 24, 16), act(1, 24, 24, 16)}, act(1, 24, 24, 48))},
	}
}

// BenchmarkCopyOps: the copy-like operators' GB/s of output (the MB/s
// column / 1000) with the selected implementation on one thread; issue
// 16's target is >= 4 GB/s.
func BenchmarkCopyOps(b *testing.B) {
	for _, c := range copyCases() {
		b.Run(c.name, func(b *testing.B) { runBytes(b, c.g, 0) })
	}
}

// table256 is a TableParams table (the identity; the kernel's speed does
// not depend on the values).
func table256() []int8 {
	t := make([]int8, 256)
	for i := range t {
		t[i] = int8(i - 128)
	}
	return t
}

// opCases is one op of every family on a representative shape.
func opCases() []copyCase {
	conv3, _ := conv(48, 48, 32, 32, 3, 1)
	dw, _ := depthwise(48, 48, 64, 3, 1)
	fc, _ := fullyConnected(1, 1024, 256)
	tc, _ := transposeConv(24, 24, 64, 32, 3, 2)
	arith := &format.ArithParams{Input1Offset: 3, Input2Offset: -2, OutputOffset: 1, LeftShift: 20,
		Input1Multiplier: 1 << 30, Input1Shift: -1, Input2Multiplier: 1 << 30, Input2Shift: -1,
		OutputMultiplier: 1 << 30, OutputShift: -18, ActMin: -128, ActMax: 127}
	mul := &format.ArithParams{Input1Offset: 3, Input2Offset: -2, OutputOffset: 1,
		OutputMultiplier: 1 << 30, OutputShift: -7, ActMin: -128, ActMax: 127}
	pool := &format.PoolParams{StrideH: 2, StrideW: 2, FilterH: 2, FilterW: 2, ActMin: -128, ActMax: 127}
	softmax := &format.SoftmaxParams{InputBetaMultiplier: 1 << 30, InputBetaLeftShift: 20, DiffMin: -248}
	pool16 := &format.PoolParams{StrideH: 2, StrideW: 2, FilterH: 2, FilterW: 2, ActMin: -32768, ActMax: 32767}
	// MobileNet-style 3x3 stride 2 with SAME padding (clipped windows at
	// the bottom and right edges).
	pool3 := &format.PoolParams{StrideH: 2, StrideW: 2, FilterH: 3, FilterW: 3, ActMin: -128, ActMax: 127}
	// The int16 rescales: LEAKY_RELU's two multipliers (alpha 0.1 and
	// identity at equal scales), a QUANTIZE to int8.
	leaky16 := &format.RescaleParams{Multiplier: 1 << 30, Shift: 1, NegMultiplier: 1717986918, NegShift: -3,
		ActMin: -32768, ActMax: 32767}
	quant16 := &format.RescaleParams{Multiplier: 1 << 30, Shift: -7, NegMultiplier: 1 << 30, NegShift: -7,
		OutputZeroPoint: -3, ActMin: -128, ActMax: 127}
	bmm := &format.BatchMatMulParams{LhsOffset: 3, OutputMultiplier: 1 << 30, OutputShift: -9, ActMin: -128, ActMax: 127}
	cases := []copyCase{
		{"CONV_2D/3x3-48x48x32-32", conv3},
		{"DEPTHWISE_CONV_2D/3x3-48x48x64", dw},
		{"FULLY_CONNECTED/1024-256", fc},
		{"TRANSPOSE_CONV/3x3-s2-24x24x64-48x48x32", tc},
		{"BATCH_MATMUL/const-rhs-4x64x128-128x64", single(format.OpBatchMatMul, bmm,
			[]tspec{act(4, 64, 128), constI8(5, 128, 64)}, act(4, 64, 64))},
		{"BATCH_MATMUL/activation-rhs-4x64x128-4x128x64", single(format.OpBatchMatMul, bmm,
			[]tspec{act(4, 64, 128), act(4, 128, 64)}, act(4, 64, 64))},
		{"ADD/48x48x64", single(format.OpAdd, arith, []tspec{act(1, 48, 48, 64), act(1, 48, 48, 64)}, act(1, 48, 48, 64))},
		{"MUL/48x48x64", single(format.OpMul, mul, []tspec{act(1, 48, 48, 64), act(1, 48, 48, 64)}, act(1, 48, 48, 64))},
		{"MAX_POOL_2D/2x2-s2-48x48x64", single(format.OpMaxPool2D, pool, []tspec{act(1, 48, 48, 64)}, act(1, 24, 24, 64))},
		{"AVERAGE_POOL_2D/2x2-s2-48x48x64", single(format.OpAveragePool2D, pool, []tspec{act(1, 48, 48, 64)}, act(1, 24, 24, 64))},
		{"LOGISTIC/table-48x48x64", single(format.OpLogistic, &format.TableParams{Table: table256()},
			[]tspec{act(1, 48, 48, 64)}, act(1, 48, 48, 64))},
		{"TANH/table-48x48x64", single(format.OpTanh, &format.TableParams{Table: table256()},
			[]tspec{act(1, 48, 48, 64)}, act(1, 48, 48, 64))},
		{"HARD_SWISH/table-48x48x64", single(format.OpHardSwish, &format.TableParams{Table: table256()},
			[]tspec{act(1, 48, 48, 64)}, act(1, 48, 48, 64))},
		{"LEAKY_RELU/table-48x48x64", single(format.OpLeakyRelu, &format.TableParams{Table: table256()},
			[]tspec{act(1, 48, 48, 64)}, act(1, 48, 48, 64))},
		{"QUANTIZE/int8-table-48x48x64", single(format.OpQuantize, &format.TableParams{Table: table256()},
			[]tspec{act(1, 48, 48, 64)}, act(1, 48, 48, 64))},
		{"SOFTMAX/64x1000", single(format.OpSoftmax, &format.SoftmaxParams{InputBetaMultiplier: 1 << 30, InputBetaLeftShift: 20, DiffMin: -248},
			[]tspec{act(64, 1000)}, act(64, 1000))},
		{"SOFTMAX/1x1000", single(format.OpSoftmax, softmax, []tspec{act(1, 1000)}, act(1, 1000))},
		{"SOFTMAX/64x10", single(format.OpSoftmax, softmax, []tspec{act(64, 10)}, act(64, 10))},
		{"PAD/1-48x48x64", single(format.OpPad, &format.PadParams{Before: []int32{0, 1, 1, 0}, After: []int32{0, 1, 1, 0}},
			[]tspec{act(1, 48, 48, 64)}, act(1, 50, 50, 64))},
		{"TRANSPOSE/48x48x64-0312", single(format.OpTranspose, &format.TransposeParams{Perm: []int32{0, 3, 1, 2}},
			[]tspec{act(1, 48, 48, 64)}, act(1, 64, 48, 48))},
		{"MINIMUM/48x48x64", single(format.OpMinimum, nil, []tspec{act(1, 48, 48, 64), act(1, 48, 48, 64)}, act(1, 48, 48, 64))},
		{"MAXIMUM/48x48x64", single(format.OpMaximum, nil, []tspec{act(1, 48, 48, 64), act(1, 48, 48, 64)}, act(1, 48, 48, 64))},
		{"MINIMUM/int16-48x48x64", single(format.OpMinimum, nil, []tspec{act16(1, 48, 48, 64), act16(1, 48, 48, 64)}, act16(1, 48, 48, 64))},
		{"MAX_POOL_2D/int16-2x2-s2-48x48x64", single(format.OpMaxPool2D, pool16, []tspec{act16(1, 48, 48, 64)}, act16(1, 24, 24, 64))},
		{"MAX_POOL_2D/3x3-s2-same-48x48x64", single(format.OpMaxPool2D, pool3, []tspec{act(1, 48, 48, 64)}, act(1, 24, 24, 64))},
		{"MEAN/global-7x7x1280", single(format.OpMean, meanParams(49), []tspec{act(1, 7, 7, 1280)}, act(1, 1, 1, 1280))},
		{"AVERAGE_POOL_2D/int16-2x2-s2-48x48x64", single(format.OpAveragePool2D, pool16, []tspec{act16(1, 48, 48, 64)}, act16(1, 24, 24, 64))},
		{"LEAKY_RELU/int16-48x48x64", single(format.OpLeakyRelu, leaky16, []tspec{act16(1, 48, 48, 64)}, act16(1, 48, 48, 64))},
		{"QUANTIZE/int16-int8-48x48x64", single(format.OpQuantize, quant16, []tspec{act16(1, 48, 48, 64)}, act(1, 48, 48, 64))},
	}
	return append(cases, copyCases()...)
}

// meanParams is a MEAN over H and W (keep_dims) of groups of n values
// whose thresholds map a group sum s to about s/n (what the converter
// writes when input and output share a scale).
func meanParams(n int32) *format.MeanParams {
	p := &format.MeanParams{Axes: []int32{1, 2}, KeepDims: true, Thresholds: make([]int32, 255)}
	for j := range p.Thresholds {
		p.Thresholds[j] = (int32(j)-127)*n - n/2
	}
	return p
}

// BenchmarkOps is the per-operator summary: one op of every family on a
// representative shape, the selected implementation, one thread. It
// reports ns/op, MB/s of output and, for the MAC ops, GMAC/s. With
// -benchtime=100ms it runs in well under a minute.
func BenchmarkOps(b *testing.B) {
	for _, c := range opCases() {
		b.Run(c.name, func(b *testing.B) {
			m, err := runtime.FromGraph(c.g)
			if err != nil {
				b.Fatal(err)
			}
			var out int64
			for _, o := range c.g.Outputs {
				out += c.g.Tensors[o.Tensor].ByteSize()
			}
			b.SetBytes(out)
			runModel(b, m, m.MACs())
		})
	}
}
