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
