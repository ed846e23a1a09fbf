package conformance

import (
	"path/filepath"
	"testing"

	"github.com/edgerun/edgerun/runtime"
)

// TestConformanceThreadsSplit checks that TestConformance's 2- and
// 3-thread runs do split work, on every platform it runs on (issue 12:
// the 32-bit pool bug showed only with several threads): in each set,
// models with splittable ops get an interpreter with that many threads
// under TestConformance's options (all but hello_world, whose ops are
// too small to split, in the real-model set).
func TestConformanceThreadsSplit(t *testing.T) {
	for _, set := range []string{"visible", "models"} {
		path := filepath.Join(sharedDir, set, "manifest.json")
		m, err := ReadManifest(path)
		if err != nil {
			t.Skipf("conformance set not readable at %s (CI provides ../shared/conformance): %v", path, err)
		}
		r := NewRunner(m)
		for _, n := range threadCounts[1:] {
			models, split := map[string]bool{}, 0
			for i := range m.Cases {
				file := r.path(m.Cases[i].Model)
				if _, seen := models[file]; seen {
					continue
				}
				model, err := r.model(file)
				if err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				it, err := runtime.NewInterpreter(model, &runtime.Options{Threads: n, SplitMinMACs: -1})
				if err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				models[file] = it.Threads() == n
				if it.Threads() == n {
					split++
				}
				it.Close()
			}
			t.Logf("%s set, %d threads: %d of %d models split", set, n, split, len(models))
			if split == 0 || set == "models" && split < len(models)-1 {
				t.Errorf("%s set, %d threads: %d of %d models split", set, n, split, len(models))
			}
		}
	}
}
