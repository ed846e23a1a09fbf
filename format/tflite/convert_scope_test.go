package tflite

import (
	"errors"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// scopeModel is in -> op -> out over float32 or quantized int8 tensors,
// the op a builtin or a custom code.
func scopeModel(code OperatorCode, float bool) *Model {
	t := func(name string) Tensor {
		if float {
			return Tensor{Name: name, Type: TypeFloat32, Shape: []int32{1, 4}}
		}
		return Tensor{Name: name, Type: TypeInt8, Shape: []int32{1, 4},
			Quantization: &Quantization{Scale: []float32{0.1}, ZeroPoint: []int64{0}}}
	}
	return &Model{
		Version:       3,
		OperatorCodes: []OperatorCode{code},
		Buffers:       []Buffer{{}},
		Subgraphs: []Subgraph{{
			Tensors:   []Tensor{t("in"), t("out")},
			Operators: []Operator{{Inputs: []int32{0}, Outputs: []int32{1}}},
			Inputs:    []int32{0}, Outputs: []int32{1},
		}},
	}
}

// TestOutOfScopeErrors: what edgerun does not run is refused with
// ErrUnsupportedOp and a reason a user can act on.
func TestOutOfScopeErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		m     *Model
		wants []string
	}{
		{"float32 model", scopeModel(OperatorCode{BuiltinCode: OpRelu, Version: 1}, true),
			[]string{"float32 model", "post-training integer quantization"}},
		{"Edge TPU", scopeModel(OperatorCode{BuiltinCode: OpCustom, CustomCode: "edgetpu-custom-op"}, false),
			[]string{"CUSTOM(edgetpu-custom-op)", "Edge TPU"}},
		{"Ethos-U", scopeModel(OperatorCode{BuiltinCode: OpCustom, CustomCode: "ethos-u"}, false),
			[]string{"CUSTOM(ethos-u)", "Ethos-U"}},
		{"detection post-processing", scopeModel(OperatorCode{BuiltinCode: OpCustom, CustomCode: "TFLite_Detection_PostProcess"}, false),
			[]string{"CUSTOM(TFLite_Detection_PostProcess)", "post-processing"}},
		{"other custom", scopeModel(OperatorCode{BuiltinCode: OpCustom, CustomCode: "MyOp"}, false),
			[]string{"CUSTOM(MyOp)", "custom operator"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Convert(tc.m)
			if !errors.Is(err, format.ErrUnsupportedOp) {
				t.Fatalf("error %v, want ErrUnsupportedOp", err)
			}
			for _, w := range tc.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	// A quantized model with the same op converts.
	if _, err := Convert(scopeModel(OperatorCode{BuiltinCode: OpRelu, Version: 1}, false)); err != nil {
		t.Fatalf("quantized RELU: %v", err)
	}
}
