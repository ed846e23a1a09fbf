package conformance

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDir is where CI (and developers) keep the shared conformance set.
const sharedDir = "../../shared/conformance"

// TestConformance runs every golden case of the visible single-op set and
// the real-model set; any byte difference fails.
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
		r := NewRunner(m)
		t.Run(set, func(t *testing.T) {
			for i := range m.Cases {
				c := &m.Cases[i]
				t.Run(c.Name, func(t *testing.T) {
					res := r.Run(c)
					switch res.Status {
					case Failed:
						t.Errorf("%s (%s): %s", c.Name, c.Op, res.Detail)
					case Skipped:
						t.Skipf("%s: %s", c.Name, res.Detail)
					}
				})
			}
		})
	}
}
