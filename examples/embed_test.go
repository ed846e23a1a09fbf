package examples

import (
	"bytes"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// TestEmbeddedUpToDate regenerates every built-in model and compares it
// with the embedded file, so a change to the generator, the converter or
// the format cannot leave stale models in the binary (run go generate).
func TestEmbeddedUpToDate(t *testing.T) {
	for _, name := range Names() {
		m, err := Generators[name]()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := format.Encode(m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := Bytes(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s.erm is stale: run go generate ./examples", name)
		}
	}
}
