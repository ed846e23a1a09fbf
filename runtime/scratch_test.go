package runtime

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/plan"
	"github.com/edgerun/edgerun/ops"
)

// sharedModels are the real models of the shared conformance set, with
// the arena TFLite Micro reports for them (arena_used_bytes at commit
// 90b983c2b3f1480642e040bbd2ddb37b998f3424, its tensor metadata included;
// issue 14). 0: no figure.
var sharedModels = map[string]int64{
	"tflm_hello_world_int8.tflite":                   0,
	"tflm_micro_speech_quantized.tflite":             7312,
	"tflm_person_detect.tflite":                      85024,
	"tiny_kws_ref_model.tflite":                      24000,
	"tiny_vww_96_int8.tflite":                        103392,
	"tflm_mobilenet_v2_quantized_1x3x224x224.tflite": 2606896,
}

// checkScratchPlan checks the plan's invariants against an independent
// scan of the graph: every op's scratch holds what its kernel asks,
// 16-byte aligned, inside the arena, overlapping no tensor the op reads or
// writes, and no tensor live across the op (a graph input before its last
// reader, any tensor between its first and last use, a graph output
// after its producer).
func checkScratchPlan(t *testing.T, m *Model) {
	t.Helper()
	g, p := m.graph, &m.scratch
	first := map[int32]int{}
	last := map[int32]int{}
	note := func(x int32, i int) {
		if x < 0 || g.Tensors[x].IsConstant() {
			return
		}
		if f, ok := first[x]; !ok || i < f {
			first[x] = i
		}
		if l, ok := last[x]; !ok || i > l {
			last[x] = i
		}
	}
	for i, op := range g.Ops {
		for _, x := range op.Inputs {
			note(x, i)
		}
		for _, x := range op.Outputs {
			note(x, i)
		}
	}
	for _, io := range g.Inputs {
		note(io.Tensor, 0)
	}
	for _, io := range g.Outputs {
		note(io.Tensor, len(g.Ops)-1)
	}
	for x := range g.Tensors {
		if g.Tensors[x].Variable {
			note(int32(x), 0)
			note(int32(x), len(g.Ops)-1)
		}
	}
	for i, k := range m.kernels {
		want := 0
		if s, ok := k.(ops.ScratchUser); ok {
			want = s.ScratchBytes()
		}
		off, size := p.offset[i], p.size[i]
		if size < int64(want) {
			t.Fatalf("op %d %s: scratch %d bytes, kernel needs %d", i, g.Ops[i].Code, size, want)
		}
		if size == 0 {
			continue
		}
		if off%plan.Alignment != 0 || off < 0 || off+size > p.arena {
			t.Fatalf("op %d: scratch [%d, %d) in a %d-byte arena", i, off, off+size, p.arena)
		}
		for x, f := range first {
			tt := &g.Tensors[x]
			if f > i || last[x] < i || tt.ByteSize() == 0 {
				continue
			}
			if off < tt.ArenaOffset+tt.ByteSize() && tt.ArenaOffset < off+size {
				t.Fatalf("op %d %s: scratch [%d, %d) overlaps tensor %d %q [%d, %d), live during ops %d..%d",
					i, g.Ops[i].Code, off, off+size, x, tt.Name, tt.ArenaOffset, tt.ArenaOffset+tt.ByteSize(), f, last[x])
			}
		}
	}
	if p.arena < g.ArenaBytes || p.arena%plan.Alignment != 0 {
		t.Fatalf("arena %d, activations %d", p.arena, g.ArenaBytes)
	}
}

// TestScratchPlan checks every built-in model's and every shared real
// model's scratch plan, and that the arena is no larger than TFLite
// Micro's for the models it has a figure for.
func TestScratchPlan(t *testing.T) {
	for _, name := range examples.Names() {
		data, err := examples.Bytes(name)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Load(data)
		if err != nil {
			t.Fatal(err)
		}
		checkScratchPlan(t, m)
	}
	dir := "../../shared/conformance/models/models"
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared models not found at %s (CI provides ../shared): %v", dir, err)
	}
	for file, tflm := range sharedModels {
		m, err := LoadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		checkScratchPlan(t, m)
		l := m.ArenaLayout()
		t.Logf("%s: arena %d (activations %d, scratch %d), TFLite Micro %d", file, m.ArenaBytes(), l.Activations, l.Scratch, tflm)
		if tflm > 0 && m.ArenaBytes() > tflm {
			t.Errorf("%s: arena %d bytes, TFLite Micro's %d", file, m.ArenaBytes(), tflm)
		}
	}
}

// TestScratchPlanGaps: on a hand-made plan, scratch goes into the free
// range that fits during its op, and a kernel that can shrink its scratch
// is fitted to the room the arena leaves.
func TestScratchPlanGaps(t *testing.T) {
	// Tensors: a [0,32) live during ops 0..1, b [64,96) during 1..2,
	// c [32,48) during op 2 only.
	g := &format.Model{
		Tensors: []format.Tensor{
			{Name: "a", DType: format.DTypeInt8, Shape: []int32{32}, ArenaOffset: 0},
			{Name: "b", DType: format.DTypeInt8, Shape: []int32{32}, ArenaOffset: 64},
			{Name: "c", DType: format.DTypeInt8, Shape: []int32{16}, ArenaOffset: 32},
		},
		Ops: []format.Op{
			{Inputs: []int32{0}, Outputs: []int32{0}},
			{Inputs: []int32{0}, Outputs: []int32{1}},
			{Inputs: []int32{1}, Outputs: []int32{2}},
		},
		Inputs:     []format.IO{{Tensor: 0}},
		Outputs:    []format.IO{{Tensor: 2}},
		ArenaBytes: 96,
	}
	fit := &fitter{min: 16, pref: 64}
	p := planScratch(g, []ops.Kernel{fixed(32), fixed(40), fit})
	// Op 0: only a is live: [32, 96) is free, 32 bytes go at 32.
	// Op 1: a and b: [32, 64) is 32 bytes, 40 go after b at 96 (arena 136).
	// Op 2: b and c: [0, 32) is free, and [48, 64), and [96, 144) past
	// the 136-byte arena: the fitter gets the largest below 136, 40 bytes
	// at 96.
	if got, want := p.offset, []int64{32, 96, 96}; !equal(got, want) {
		t.Errorf("offsets %v, want %v", got, want)
	}
	if got, want := p.size, []int64{32, 40, 40}; !equal(got, want) {
		t.Errorf("sizes %v, want %v", got, want)
	}
	if p.arena != 144 || fit.got != 40 || p.peakOp != 1 {
		t.Errorf("arena %d, fitted to %d, peak op %d; want 144, 40, 1", p.arena, fit.got, p.peakOp)
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type fixed int

func (fixed) Eval(*ops.Env)             {}
func (f fixed) ScratchBytes() int       { return int(f) }
func (f *fitter) Eval(*ops.Env)         {}
func (f *fitter) LeanScratchBytes() int { return f.min }
func (f *fitter) ScratchBytes() int {
	if f.got > 0 {
		return f.got
	}
	return f.pref
}
func (f *fitter) FitScratch(n int) { f.got = n }

type fitter struct{ min, pref, got int }

// TestResNet8Arena: MLPerf Tiny's ResNet-8 built with the examples' builder
// (testdata/resnet8.tflite: the real model's shapes, random weights) and
// a 32-filter build (ResNet-8 large's size as far as we know: about 3.9x
// the MACs, as its measured times) plan within the arena TFLite Micro
// reports for the real files (issue 14: 55,712 and 133,472 bytes), the
// scratch plan valid.
func TestResNet8Arena(t *testing.T) {
	m, err := LoadFile(filepath.Join("..", "testdata", "resnet8.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := examples.ResNet8(1, 32)
	if err != nil {
		t.Fatal(err)
	}
	large, err := FromGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		m    *Model
		tflm int64
	}{{"ResNet-8", m, 55712}, {"ResNet-8 (32 filters)", large, 133472}} {
		checkScratchPlan(t, c.m)
		l := c.m.ArenaLayout()
		t.Logf("%s: arena %d (activations %d, scratch %d), TFLite Micro %d", c.name, c.m.ArenaBytes(), l.Activations, l.Scratch, c.tflm)
		if c.m.ArenaBytes() > c.tflm {
			t.Errorf("%s: arena %d bytes, TFLite Micro's %d", c.name, c.m.ArenaBytes(), c.tflm)
		}
	}
}
