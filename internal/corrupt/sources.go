package corrupt

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/tflite"
)

// Source is a valid model file the corpus is derived from.
type Source struct {
	Name string // file name, for example "tflm_person_detect.tflite"
	Ext  string // ".tflite" or ".erm"
	Data []byte
}

// Sources returns the models the corpus is built from: the built-in
// examples' .erm files and, when the conformance corpus exists at
// conformanceDir, the .tflite files of its models set and the first two of
// each operator of its visible set (the others differ only in shapes and
// parameters), up to maxSize bytes, each also converted to an .erm file. A
// missing conformanceDir is not an error (only the examples are returned).
func Sources(conformanceDir string, maxSize int64) ([]Source, error) {
	var out []Source
	for _, name := range examples.Names() {
		data, err := examples.Bytes(name)
		if err != nil {
			return nil, err
		}
		out = append(out, Source{Name: name + ".erm", Ext: ".erm", Data: data})
	}
	var files []string
	for _, set := range []string{"visible", "models"} {
		m, err := filepath.Glob(filepath.Join(conformanceDir, set, "models", "*.tflite"))
		if err != nil {
			return nil, err
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	// One model of each int16 (16x8) op family and TRANSPOSE_CONV (issue
	// 13), from wave2/ and wave2-layers/, when present.
	for _, f := range int16Sources {
		p := filepath.Join(conformanceDir, f)
		if _, err := os.Stat(p); err == nil {
			files = append(files, p)
		}
	}
	perOp := map[string]int{}
	for _, f := range files {
		if filepath.Base(filepath.Dir(filepath.Dir(f))) == "visible" {
			op := filepath.Base(f)
			if i := strings.LastIndexByte(op, '_'); i > 0 {
				op = op[:i]
			}
			if perOp[op]++; perOp[op] > 2 {
				continue
			}
		}
		st, err := os.Stat(f)
		if err != nil {
			return nil, err
		}
		if st.Size() > maxSize {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		name := filepath.Base(f)
		out = append(out, Source{Name: name, Ext: ".tflite", Data: data})
		g, err := tflite.ConvertBytes(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		erm, err := format.Encode(g)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, Source{Name: name + ".erm", Ext: ".erm", Data: erm})
	}
	return out, nil
}

// int16Sources are the issue 13 models added to the corpus: one per
// converter and kernel path (conv family, arithmetic, the rescale, sigmoid,
// softmax and mean params, pools, pads).
var int16Sources = []string{
	"wave2/models/conv2d_i16_0000.tflite",
	"wave2/models/depthwise_conv2d_i16_0000.tflite",
	"wave2/models/fully_connected_i16_0000.tflite",
	"wave2/models/transpose_conv_i16_0000.tflite",
	"wave2/models/transpose_conv_0000.tflite",
	"wave2/models/add_i16_0000.tflite",
	"wave2/models/mul_i16_0000.tflite",
	"wave2/models/leaky_relu_i16_0000.tflite",
	"wave2/models/logistic_i16_0000.tflite",
	"wave2/models/softmax_i16_0000.tflite",
	"wave2/models/mean_i16_0000.tflite",
	"wave2/models/quantize_i16_i8_0000.tflite",
	"wave2/models/max_pool_2d_i16_0000.tflite",
	"wave2-layers/models/tflm__pad3.tflite",
}

// Walk calls fn with every case derived from sources, one source after
// another (so that only one source's cases are in memory at a time): the
// structural cases of each (TFLite or ERM) and its byte-level cases (Bytes
// with o). Cases with the same name (edits whose parameters coincide on a
// model) are passed once.
func Walk(sources []Source, o Options, fn func(Case)) error {
	seen := map[string]bool{}
	for _, s := range sources {
		var structural []Case
		var err error
		if s.Ext == ".erm" {
			structural, err = ERM(s.Name, s.Data)
		} else {
			structural, err = TFLite(s.Name, s.Data)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		for _, c := range append(structural, Bytes(s.Name, s.Ext, s.Data, o)...) {
			if !seen[c.Name] {
				seen[c.Name] = true
				fn(c)
			}
		}
	}
	return nil
}
