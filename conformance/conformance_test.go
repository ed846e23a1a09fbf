package conformance

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/edgerun/edgerun/runtime"
)

// sharedDir is where CI (and developers) keep the shared conformance set.
const sharedDir = "../../shared/conformance"

// threadCounts: every case must give the same bytes however the kernels'
// work is split.
var threadCounts = []int{1, 2, 3}

// TestConformance runs every golden case of the visible single-op set and
// the real-model set, with 1, 2 and 3 threads; any byte difference fails.
func TestConformance(t *testing.T) {
	for _, set := range []string{"visible", "models"} {
		path := filepath.Join(sharedDir, set, "manifest.json")
		if _, err := os.Stat(path); err != nil {
			t.Skipf("conformance set not found at %s (CI provides ../shared/conformance): %v", path, err)
		}
		m, err := ReadManifest(path)
		if err != nil {
			t.Fatal(err)
		}
		runners := make([]*Runner, len(threadCounts))
		for i, n := range threadCounts {
			runners[i] = NewRunner(m)
			runners[i].Options = &runtime.Options{Threads: n, SplitMinMACs: -1}
		}
		t.Run(set, func(t *testing.T) {
			for i := range m.Cases {
				c := &m.Cases[i]
				t.Run(c.Name, func(t *testing.T) {
					for k, r := range runners {
						res := r.Run(c)
						switch res.Status {
						case Failed:
							t.Errorf("%s (%s) with %d threads: %s", c.Name, c.Op, threadCounts[k], res.Detail)
						case Skipped:
							t.Skipf("%s: %s", c.Name, res.Detail)
						}
					}
				})
			}
		})
	}
}
