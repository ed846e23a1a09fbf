package runtime_test

import (
	"slices"
	"testing"

	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/runtime"
)

// loadMLP loads the built-in MLP (mlp_64_10) for the tests of this package.
func loadMLP(t testing.TB) *runtime.Model {
	t.Helper()
	data, err := examples.Bytes("mlp_64_10")
	if err != nil {
		t.Fatal(err)
	}
	m, err := runtime.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestInputsOutputsAreCopies: what Inputs and Outputs return belongs to
// the caller; the model (and what its interpreters check) is unchanged.
func TestInputsOutputsAreCopies(t *testing.T) {
	m := loadMLP(t)
	for _, get := range []func() []runtime.TensorInfo{m.Inputs, m.Outputs} {
		want := get()
		want0 := want[0]
		want0.Shape = slices.Clone(want0.Shape)
		got := get()
		got[0].Name, got[0].Bytes, got[0].Float = "changed", 1, true
		got[0].Shape[0] = 99
		got[0] = runtime.TensorInfo{}
		again := get()
		if again[0].Name != want0.Name || again[0].Bytes != want0.Bytes || !slices.Equal(again[0].Shape, want0.Shape) {
			t.Errorf("changing a result changed the model: %+v, want %+v", again[0], want0)
		}
		again[0].Shape[0] = 99
		if s := get()[0].Shape; s[0] == 99 {
			t.Errorf("changing a result's Shape changed the model: %v", s)
		}
	}
	if _, err := m.InputIndex("input"); err != nil {
		t.Errorf("InputIndex after changing a copy: %v", err)
	}
	it, err := runtime.NewInterpreter(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if err := it.SetInput(0, make([]byte, 64)); err != nil {
		t.Fatal(err)
	}
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
}

// TestOpInfo: Op describes every op of the graph with its MACs; MACs is
// their sum; the result is a copy.
func TestOpInfo(t *testing.T) {
	m := loadMLP(t)
	g := m.Graph()
	if m.NumOps() != len(g.Ops) {
		t.Fatalf("NumOps %d, graph has %d ops", m.NumOps(), len(g.Ops))
	}
	// 64·128 + 128·64 + 64·10 multiply-accumulates, softmax none.
	wantMACs := []int64{64 * 128, 128 * 64, 64 * 10, 0}
	wantTypes := []string{"FULLY_CONNECTED", "FULLY_CONNECTED", "FULLY_CONNECTED", "SOFTMAX"}
	var sum int64
	for i := range m.NumOps() {
		op := m.Op(i)
		if i < len(wantMACs) && (op.MACs != wantMACs[i] || op.Type != wantTypes[i]) {
			t.Errorf("op %d: %s with %d MACs, want %s with %d", i, op.Type, op.MACs, wantTypes[i], wantMACs[i])
		}
		if op.Code != g.Ops[i].Code || op.Type != g.Ops[i].Code.String() || !slices.Equal(op.Inputs, g.Ops[i].Inputs) || !slices.Equal(op.Outputs, g.Ops[i].Outputs) {
			t.Errorf("op %d: %+v does not describe %+v", i, op, g.Ops[i])
		}
		sum += op.MACs
		op.Inputs[0] = -7
		if g.Ops[i].Inputs[0] == -7 {
			t.Errorf("op %d: changing OpInfo.Inputs changed the graph", i)
		}
	}
	if m.NumOps() != len(wantMACs) {
		t.Errorf("%d ops, want %d", m.NumOps(), len(wantMACs))
	}
	if m.MACs() != sum {
		t.Errorf("MACs() = %d, ops sum to %d", m.MACs(), sum)
	}
	if g.Ops[0].Code != format.OpFullyConnected {
		t.Errorf("op 0 is %s", g.Ops[0].Code)
	}
	if runtime.KernelsDescription() == "" {
		t.Error("KernelsDescription is empty")
	}
}
