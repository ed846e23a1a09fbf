package runtime

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/format"
)

// TestThreadedPlanDelaysReuse: the arena of interpreters with more than
// one thread is a valid plan (format.VerifyGraph) in which no op writes
// bytes that the op before it reads, for the example models and the real
// models of the conformance set; the file's plan does reuse such bytes in
// ResNet-8 (the case the threaded plan exists for), so the check can fail.
func TestThreadedPlanDelaysReuse(t *testing.T) {
	models := map[string]*Model{}
	g, err := examples.ResNet8(1, 32)
	if err != nil {
		t.Fatal(err)
	}
	if models["resnet8_32"], err = FromGraph(g); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../../shared/conformance/models/models/*.tflite")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Load(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		models[filepath.Base(f)] = m
	}
	if len(models) < 2 {
		t.Fatalf("only %d models (is ../shared/conformance there?)", len(models))
	}
	for name, m := range models {
		tp := m.threadedPlan()
		if tp.graph == m.graph {
			t.Errorf("%s: no threaded plan (the replanned graph failed verification)", name)
			continue
		}
		if err := format.VerifyGraph(tp.graph); err != nil {
			t.Errorf("%s: threaded plan: %v", name, err)
		}
		if name == "resnet8_32" && reusesPreviousInputs(m.graph) == "" {
			t.Errorf("%s: the file's plan reuses no memory of the op before: the test proves nothing", name)
		}
		if s := reusesPreviousInputs(tp.graph); s != "" {
			t.Errorf("%s: threaded plan: %s", name, s)
		}
		if tp.scratch.arena < tp.graph.ArenaBytes {
			t.Errorf("%s: arena %d below its activations' %d", name, tp.scratch.arena, tp.graph.ArenaBytes)
		}
	}
}

// reusesPreviousInputs describes the first output of an op that overlaps
// an activation input of the op before it in g's arena ("" if none).
func reusesPreviousInputs(g *format.Model) string {
	for k := 1; k < len(g.Ops); k++ {
		for _, o := range g.Ops[k].Outputs {
			a := &g.Tensors[o]
			for _, i := range g.Ops[k-1].Inputs {
				if i < 0 || g.Tensors[i].IsConstant() {
					continue
				}
				b := &g.Tensors[i]
				if a.ByteSize() > 0 && b.ByteSize() > 0 && a.ArenaOffset < b.ArenaOffset+b.ByteSize() && b.ArenaOffset < a.ArenaOffset+a.ByteSize() {
					return "op " + g.Ops[k].Code.String() + " writes " + a.Name + " over " + b.Name + ", read by the op before"
				}
			}
		}
	}
	return ""
}
