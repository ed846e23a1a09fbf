package tflite

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// conformanceDir is the shared conformance corpus, relative to this package.
const conformanceDir = "../../../shared/conformance"

var conformanceSets = []string{"visible", "models", "next"}

// conformanceModels returns every .tflite file of the shared corpus, or
// skips the test when the corpus is absent.
func conformanceModels(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, set := range conformanceSets {
		m, err := filepath.Glob(filepath.Join(conformanceDir, set, "models", "*.tflite"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Skipf("conformance corpus not found at %s (shared/conformance beside the repository); skipping", conformanceDir)
	}
	return files
}

type manifestTensor struct {
	File         string  `json:"file"`
	DType        string  `json:"dtype"`
	Shape        []int32 `json:"shape"`
	Quantization *struct {
		Scale     []float64 `json:"scale"`
		ZeroPoint []int64   `json:"zero_point"`
	} `json:"quantization"`
}

type manifestCase struct {
	Name    string           `json:"name"`
	Op      string           `json:"op"`
	Model   string           `json:"model"`
	Params  map[string]any   `json:"params"`
	Inputs  []manifestTensor `json:"inputs"`
	Outputs []manifestTensor `json:"outputs"`
}

func TestParseConformanceModels(t *testing.T) {
	for _, file := range conformanceModels(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(data)
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if len(m.Subgraphs) == 0 || len(m.Subgraphs[0].Operators) == 0 {
			t.Errorf("%s: no operators parsed", file)
		}
		// Every operator whose options Parse decodes has them.
		for _, sg := range m.Subgraphs {
			for j, op := range sg.Operators {
				code := m.OperatorCodes[op.OpcodeIndex]
				if _, ok := optionsFor[code.BuiltinCode]; ok && op.Options == nil {
					t.Errorf("%s: op %d %s: options not decoded", file, j, code.Name())
				}
			}
		}
	}
}

func TestParseConformanceManifests(t *testing.T) {
	conformanceModels(t) // skip if absent
	cases := 0
	for _, set := range conformanceSets {
		dir := filepath.Join(conformanceDir, set)
		raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var mf []manifestCase
		if err := json.Unmarshal(raw, &mf); err != nil {
			t.Fatalf("%s manifest: %v", set, err)
		}
		parsed := map[string]*Model{}
		for _, c := range mf {
			m, ok := parsed[c.Model]
			if !ok {
				data, err := os.ReadFile(filepath.Join(dir, c.Model))
				if err != nil {
					t.Errorf("%s/%s: %v", set, c.Name, err)
					continue
				}
				if m, err = Parse(data); err != nil {
					t.Errorf("%s/%s: %v", set, c.Name, err)
					continue
				}
				parsed[c.Model] = m
			}
			cases++
			sg := &m.Subgraphs[0]
			checkIO(t, set+"/"+c.Name+" input", sg, sg.Inputs, c.Inputs)
			checkIO(t, set+"/"+c.Name+" output", sg, sg.Outputs, c.Outputs)
			if c.Op != "" && c.Op != "MODEL" {
				found := false
				for _, op := range sg.Operators {
					if m.OperatorCodes[op.OpcodeIndex].Name() == c.Op {
						found = true
						checkParams(t, set+"/"+c.Name, op.Options, c.Params)
					}
				}
				if !found {
					t.Errorf("%s/%s: no %s operator in the model", set, c.Name, c.Op)
				}
			}
		}
	}
	if cases == 0 {
		t.Skip("no manifest cases found")
	}
	t.Logf("checked %d manifest cases", cases)
}

func checkIO(t *testing.T, what string, sg *Subgraph, idx []int32, want []manifestTensor) {
	t.Helper()
	if len(idx) != len(want) {
		t.Errorf("%s: model has %d, manifest %d", what, len(idx), len(want))
		return
	}
	for i, w := range want {
		ts := &sg.Tensors[idx[i]]
		name := what + " " + string(rune('0'+i))
		if got := strings.ToLower(ts.Type.String()); got != w.DType {
			t.Errorf("%s: dtype %s, manifest %s", name, got, w.DType)
		}
		if !equalShape(ts.Shape, w.Shape) {
			t.Errorf("%s: shape %v, manifest %v", name, ts.Shape, w.Shape)
		}
		if w.Quantization == nil {
			continue
		}
		q := ts.Quantization
		if q == nil {
			t.Errorf("%s: no quantization, manifest has %+v", name, *w.Quantization)
			continue
		}
		if len(q.Scale) != len(w.Quantization.Scale) || len(q.ZeroPoint) != len(w.Quantization.ZeroPoint) {
			t.Errorf("%s: quantization %v/%v, manifest %v/%v", name, q.Scale, q.ZeroPoint, w.Quantization.Scale, w.Quantization.ZeroPoint)
			continue
		}
		for k, s := range w.Quantization.Scale {
			if math.Abs(float64(q.Scale[k])-s) > 1e-6*math.Abs(s) {
				t.Errorf("%s: scale[%d] %v, manifest %v", name, k, q.Scale[k], s)
			}
		}
		for k, z := range w.Quantization.ZeroPoint {
			if q.ZeroPoint[k] != z {
				t.Errorf("%s: zero_point[%d] %d, manifest %d", name, k, q.ZeroPoint[k], z)
			}
		}
	}
}

func equalShape(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

var paddingNames = map[Padding]string{PaddingSame: "SAME", PaddingValid: "VALID"}

var activationNames = map[Activation]string{
	ActNone: "NONE", ActRelu: "RELU", ActReluN1To1: "RELU_N1_TO_1",
	ActRelu6: "RELU6", ActTanh: "TANH", ActSignBit: "SIGN_BIT",
}

// checkParams compares the decoded options of a single-operator model with
// the descriptive params of its manifest case (stride, filter and dilation
// are [h, w] there).
func checkParams(t *testing.T, name string, options any, params map[string]any) {
	t.Helper()
	got := map[string]any{}
	switch o := options.(type) {
	case *Conv2DOptions:
		got["padding"] = paddingNames[o.Padding]
		got["activation"] = activationNames[o.FusedActivation]
		got["stride"] = []any{float64(o.StrideH), float64(o.StrideW)}
		got["dilation"] = []any{float64(o.DilationHFactor), float64(o.DilationWFactor)}
	case *DepthwiseConv2DOptions:
		got["padding"] = paddingNames[o.Padding]
		got["activation"] = activationNames[o.FusedActivation]
		got["stride"] = []any{float64(o.StrideH), float64(o.StrideW)}
		got["dilation"] = []any{float64(o.DilationHFactor), float64(o.DilationWFactor)}
		got["depth_multiplier"] = float64(o.DepthMultiplier)
	case *Pool2DOptions:
		got["padding"] = paddingNames[o.Padding]
		got["activation"] = activationNames[o.FusedActivation]
		got["stride"] = []any{float64(o.StrideH), float64(o.StrideW)}
		got["filter"] = []any{float64(o.FilterHeight), float64(o.FilterWidth)}
	case *FullyConnectedOptions:
		got["activation"] = activationNames[o.FusedActivation]
		got["keep_num_dims"] = o.KeepNumDims
	case *AddOptions:
		got["activation"] = activationNames[o.FusedActivation]
	case *SubOptions:
		got["activation"] = activationNames[o.FusedActivation]
	case *MulOptions:
		got["activation"] = activationNames[o.FusedActivation]
	case *SoftmaxOptions:
		got["beta"] = float64(o.Beta)
	case *LeakyReluOptions:
		got["alpha"] = float64(o.Alpha)
	case *ReducerOptions:
		got["keep_dims"] = o.KeepDims
	case *ConcatenationOptions:
		got["axis"] = float64(o.Axis)
	}
	for k, g := range got {
		w, ok := params[k]
		if !ok {
			continue
		}
		if gs, ws := fmt.Sprint(g), fmt.Sprint(w); gs != ws {
			if gf, ok := g.(float64); ok {
				if wf, ok := w.(float64); ok && math.Abs(gf-wf) <= 1e-6*math.Abs(wf) {
					continue
				}
			}
			t.Errorf("%s: option %s = %s, manifest %s", name, k, gs, ws)
		}
	}
}
