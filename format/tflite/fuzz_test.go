package tflite

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/internal/fuzzextra"
)

// smallConformanceModels returns the conformance models of at most maxSize
// bytes (none when the corpus is absent).
func smallConformanceModels(t testing.TB, maxSize int64) [][]byte {
	var out [][]byte
	for _, set := range conformanceSets {
		files, _ := filepath.Glob(filepath.Join(conformanceDir, set, "models", "*.tflite"))
		for _, f := range files {
			if st, err := os.Stat(f); err != nil || st.Size() > maxSize {
				continue
			}
			d, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, d)
		}
	}
	return out
}

// FuzzParse checks that Parse never panics, returns only malformed-model
// errors, and that every model it accepts satisfies its invariants. Seeds:
// the conformance models (up to 512 KiB; the multi-megabyte MobileNet only
// slows mutation down) and small hand-made files.
func FuzzParse(f *testing.F) {
	for _, d := range smallConformanceModels(f, 512<<10) {
		f.Add(d)
	}
	f.Add(buildFile(testModel()))
	f.Add(buildFile(fbt{modelVersion: uint32(3)}))
	f.Add(buildFile(fbt{modelVersion: uint32(3), modelSubgraphs: []fbt{{}}, modelBuffers: []fbt{{}}}))
	f.Add([]byte("\x08\x00\x00\x00TFL3"))
	fuzzextra.Add(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			if !errors.Is(err, format.ErrMalformedModel) {
				t.Fatalf("error %v does not match ErrMalformedModel", err)
			}
			return
		}
		checkInvariants(t, m, data)
	})
}
