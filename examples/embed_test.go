package examples

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/tflite"
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

// TestTestdataUpToDate regenerates the shared test models and compares
// them with the files in the repository's testdata/ (run go generate
// ./examples when the generator, the converter or the format changes).
func TestTestdataUpToDate(t *testing.T) {
	for name, gen := range Testdata {
		want, err := gen()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := os.ReadFile(filepath.Join("..", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("testdata/%s is stale: run go generate ./examples", name)
		}
	}
}

// TestTFLiteFile: the written .tflite file reads back as its source, and
// converts to the embedded .erm byte for byte.
func TestTFLiteFile(t *testing.T) {
	data, err := Testdata["mlp_64_10.tflite"]()
	if err != nil {
		t.Fatal(err)
	}
	src, err := tflite.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(src, MLPSource(mlpSeed)) {
		t.Errorf("mlp_64_10.tflite does not read back as its source")
	}
	g, err := tflite.ConvertBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	erm, err := format.Encode(g)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := Bytes("mlp_64_10"); !bytes.Equal(erm, want) {
		t.Errorf("mlp_64_10.tflite converts to other bytes than the embedded mlp_64_10.erm")
	}
}
