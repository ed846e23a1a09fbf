package bench

import (
	"testing"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/runtime"
)

// TestBenchModels: the one-op models the benchmarks time load, and the
// runtime counts the MACs the benchmarks compute from the shapes (the
// GMAC/s they report divide by it), so go test checks the benchmarks'
// inputs without running them.
func TestBenchModels(t *testing.T) {
	type model struct {
		name string
		g    *format.Model
		macs int64
	}
	var models []model
	add := func(name string, g *format.Model, macs int64) { models = append(models, model{name, g, macs}) }
	g, macs := conv(48, 48, 64, 128, 1, 1)
	add("pointwise", g, macs)
	g, macs = conv(32, 32, 16, 16, 3, 1)
	add("conv3x3", g, macs)
	g, macs = depthwise(24, 24, 128, 3, 2)
	add("depthwise", g, macs)
	g, macs = fullyConnected(16, 256, 256)
	add("fully connected", g, macs)
	add("add", addModel([]int32{1, 14, 14, 64}), 0)
	for _, m := range models {
		rm, err := runtime.FromGraph(m.g)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		if rm.MACs() != m.macs {
			t.Errorf("%s: runtime counts %d MACs, the benchmark %d", m.name, rm.MACs(), m.macs)
		}
	}
}
