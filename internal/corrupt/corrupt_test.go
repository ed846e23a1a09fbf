package corrupt

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/tflite"
)

const conformanceDir = "../../../shared/conformance"

// TestEncodeTFLiteRoundTrip: Parse(EncodeTFLite(m)) == m for every
// conformance model (including the large and the not-yet-supported ones).
func TestEncodeTFLiteRoundTrip(t *testing.T) {
	var files []string
	for _, set := range []string{"visible", "models", "next"} {
		m, _ := filepath.Glob(filepath.Join(conformanceDir, set, "models", "*.tflite"))
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skip("conformance corpus not found")
	}
	for _, f := range files {
		data := mustRead(t, f)
		m, err := tflite.Parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		again, err := tflite.Parse(EncodeTFLite(m))
		if err != nil {
			t.Fatalf("%s: re-encoded: %v", f, err)
		}
		if !reflect.DeepEqual(m, again) {
			t.Errorf("%s: re-encoded model differs", f)
		}
	}
}

// TestEncodeERMRoundTrip: Decode(EncodeERM(m)) == m for every source.
func TestEncodeERMRoundTrip(t *testing.T) {
	srcs, err := Sources(conformanceDir, 512<<10)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		if s.Ext != ".erm" {
			continue
		}
		m, err := format.Decode(s.Data)
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		data := EncodeERM(m)
		again, err := format.Decode(data)
		if err != nil {
			t.Fatalf("%s: re-encoded: %v", s.Name, err)
		}
		if !reflect.DeepEqual(m, again) {
			t.Errorf("%s: re-encoded model differs", s.Name)
		}
	}
}

// TestCorpusShape: the corpus has cases of every kind.
func TestCorpusShape(t *testing.T) {
	srcs, err := Sources(conformanceDir, 64<<10)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	kinds := map[Expect]int{}
	err = Walk(srcs, Options{TruncateStep: 97, Flips: 4, Seed: 1}, func(c Case) {
		n++
		kinds[c.Expect]++
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cases from %d sources: %v", n, len(srcs), kinds)
	if kinds[Reject] == 0 || kinds[Valid] == 0 || kinds[Any] == 0 {
		t.Errorf("missing kinds: %v", kinds)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	d, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
