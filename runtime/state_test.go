package runtime_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/runtime"
)

// svdfModel is a one-op SVDF (1 input of 4 values, 2 filters of rank 1,
// memory 3, int16 state): in [0,4), out [4,6), state [16,28).
func svdfModel() *format.Model {
	wt := make([]byte, 12)
	for i, v := range []int16{300, -200, 100, 50, 400, -300} {
		binary.LittleEndian.PutUint16(wt[2*i:], uint16(v))
	}
	return &format.Model{
		Tensors: []format.Tensor{
			{Name: "in", DType: format.DTypeInt8, Shape: []int32{1, 4}, ZeroPoint: []int32{0}, Scale: []float32{1}, ArenaOffset: 0},
			{Name: "wf", DType: format.DTypeInt8, Shape: []int32{2, 4}, Data: []byte{10, 20, 30, 40, 0xf0, 5, 0xfb, 100}, ArenaOffset: -1},
			{Name: "wt", DType: format.DTypeInt16, Shape: []int32{2, 3}, Data: wt, ArenaOffset: -1},
			{Name: "state", DType: format.DTypeInt16, Shape: []int32{1, 6}, ZeroPoint: []int32{0}, Scale: []float32{1}, ArenaOffset: 16, Variable: true},
			{Name: "out", DType: format.DTypeInt8, Shape: []int32{1, 2}, ZeroPoint: []int32{0}, Scale: []float32{1}, ArenaOffset: 4},
		},
		Ops: []format.Op{{Code: format.OpSVDF, Inputs: []int32{0, 1, 2, -1, 3}, Outputs: []int32{4}, Params: &format.SVDFParams{
			Rank: 1, FeatureMultiplier: 1 << 30, FeatureShift: 0, OutputMultiplier: 1 << 30, OutputShift: -10,
		}}},
		Inputs:     []format.IO{{Tensor: 0}},
		Outputs:    []format.IO{{Tensor: 4}},
		ArenaBytes: 32,
	}
}

// TestStatePersistsAndResets: an SVDF's state carries from one Invoke to
// the next (the same input gives a different output while the memory
// fills), stays with its interpreter (another one starts fresh), and
// ResetState returns to the start; the arena layout counts it as state.
func TestStatePersistsAndResets(t *testing.T) {
	m, err := runtime.FromGraph(svdfModel())
	if err != nil {
		t.Fatal(err)
	}
	if l := m.ArenaLayout(); l.State != 12 || l.Activations+l.State+l.Scratch != m.ArenaBytes() {
		t.Fatalf("layout %+v, arena %d: want 12 bytes of state, parts summing to the arena", l, m.ArenaBytes())
	}
	a, err := runtime.NewInterpreter(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	in := []byte{3, 0xfe, 7, 1}
	run := func(it *runtime.Interpreter) []byte {
		t.Helper()
		if err := it.SetInput(0, in); err != nil {
			t.Fatal(err)
		}
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		return bytes.Clone(it.OutputBytes(0))
	}
	var seq [][]byte
	for i := 0; i < 4; i++ {
		seq = append(seq, run(a))
	}
	if bytes.Equal(seq[0], seq[1]) || bytes.Equal(seq[1], seq[2]) {
		t.Fatalf("outputs %v: the state does not carry over", seq)
	}
	if !bytes.Equal(seq[2], seq[3]) {
		t.Fatalf("outputs %v: with memory 3 and a constant input, the third and later invocations agree", seq)
	}
	b, err := runtime.NewInterpreter(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got := run(b); !bytes.Equal(got, seq[0]) {
		t.Fatalf("a new interpreter's first output %v, want %v (its own state)", got, seq[0])
	}
	if err := a.ResetState(); err != nil {
		t.Fatal(err)
	}
	for i, want := range seq {
		if got := run(a); !bytes.Equal(got, want) {
			t.Fatalf("after ResetState, invocation %d: %v, want %v", i, got, want)
		}
	}
	a.Close()
	if err := a.ResetState(); !errors.Is(err, runtime.ErrClosed) {
		t.Fatalf("ResetState after Close: %v, want ErrClosed", err)
	}
}
