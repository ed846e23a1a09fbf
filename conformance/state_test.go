package conformance

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/edgerun/edgerun/runtime"
)

// TestStateOnRealModels: on every model of the next and wave2 sets that
// keeps state (SVDF and LSTM memories), the first Invoke of its first
// golden case from a new interpreter gives the golden outputs; invoking
// again on the same inputs moves the outputs within a few Invokes where
// the state matters (the memory carried over); ResetState then brings the
// golden outputs back byte for byte. Some whole models' outputs do not
// move (the keyword models' two outputs are saturated whatever the
// input), so the test requires the move on at least one SVDF and one LSTM
// model, and the reset on all of them.
func TestStateOnRealModels(t *testing.T) {
	const maxStateInvokes = 8
	moved := map[string]int{} // op type -> models whose outputs moved
	tested := 0
	for _, set := range []string{"next", "wave2"} {
		path := filepath.Join(sharedDir, set, "manifest.json")
		if _, err := os.Stat(path); err != nil {
			t.Skipf("conformance set not found at %s (CI provides ../shared/conformance): %v", path, err)
		}
		man, err := ReadManifest(path)
		if err != nil {
			t.Fatal(err)
		}
		r := NewRunner(man)
		seen := map[string]bool{}
		for i := range man.Cases {
			c := &man.Cases[i]
			if !c.Golden || seen[c.Model] || (set == "wave2" && c.Op != "SVDF" && c.Op != "UNIDIRECTIONAL_SEQUENCE_LSTM") {
				continue
			}
			m, err := r.model(r.path(c.Model))
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
			if m.ArenaLayout().State == 0 {
				continue
			}
			seen[c.Model] = true
			tested++
			it, err := runtime.NewInterpreter(m, nil)
			if err != nil {
				t.Fatal(err)
			}
			outputs := func() [][]byte {
				var o [][]byte
				for j := range m.Outputs() {
					o = append(o, append([]byte(nil), it.OutputBytes(j)...))
				}
				return o
			}
			invoke := func(what string) {
				t.Helper()
				if err := r.feed(it, c); err != nil {
					t.Fatal(err)
				}
				if err := it.Invoke(); err != nil {
					t.Fatalf("%s, %s: %v", c.Name, what, err)
				}
			}
			invoke("first Invoke")
			if err := r.check(it, c); err != nil {
				t.Fatalf("%s, first Invoke: %v", c.Name, err)
			}
			first := outputs()
			movedAt := 0
			for n := 2; n <= maxStateInvokes && movedAt == 0; n++ {
				invoke("another Invoke")
				for j, o := range outputs() {
					if !bytes.Equal(o, first[j]) {
						movedAt = n
					}
				}
			}
			if err := it.ResetState(); err != nil {
				t.Fatal(err)
			}
			invoke("Invoke after ResetState")
			if err := r.check(it, c); err != nil {
				t.Errorf("%s, after ResetState: %v", c.Name, err)
			}
			it.Close()
			if movedAt > 0 {
				for j := range m.NumOps() {
					if k := m.Op(j).Type; k == "SVDF" || k == "UNIDIRECTIONAL_SEQUENCE_LSTM" {
						moved[k]++
					}
				}
			}
			t.Logf("%s: state %d bytes; outputs moved at Invoke %d (0: not within %d); ResetState gives the golden outputs",
				c.Model, m.ArenaLayout().State, movedAt, maxStateInvokes)
		}
	}
	if tested == 0 {
		t.Fatal("no model with state found")
	}
	for _, k := range []string{"SVDF", "UNIDIRECTIONAL_SEQUENCE_LSTM"} {
		if moved[k] == 0 {
			t.Errorf("no %s model's outputs moved with its state", k)
		}
	}
}
