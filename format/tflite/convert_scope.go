package tflite

import (
	"strings"

	"github.com/edgerun/edgerun/format"
)

// What edgerun does not run, said plainly.

// floatModel reports a model with float32 tensors and no quantized tensor
// at all: a float model, which no quantized kernel can run; the error says
// how to get the quantized model instead of naming the first float tensor.
func floatModel(src *Model, sg *Subgraph) error {
	for i := range sg.Tensors {
		if q := sg.Tensors[i].Quantization; q != nil && len(q.Scale) > 0 {
			return nil
		}
	}
	// Float32 at a CAST, QUANTIZE or DEQUANTIZE is a boundary; anywhere
	// else it is float arithmetic.
	floatOp := false
	for _, op := range sg.Operators {
		if int(op.OpcodeIndex) >= len(src.OperatorCodes) {
			return nil // Parse rejects it; let the converter say so
		}
		switch src.OperatorCodes[op.OpcodeIndex].BuiltinCode {
		case OpQuantize, OpDequantize, OpCast:
			continue
		}
		for _, list := range [][]int32{op.Inputs, op.Outputs} {
			for _, t := range list {
				if t >= 0 && int(t) < len(sg.Tensors) && sg.Tensors[t].Type == TypeFloat32 {
					floatOp = true
				}
			}
		}
	}
	if !floatOp {
		return nil
	}
	return &format.UnsupportedOpError{Op: "model", Index: -1, Reason: "a float32 model: edgerun runs quantized models " +
		"(int8, or int16 activations with int8 weights); make one with TensorFlow Lite's post-training integer " +
		"quantization (converter.optimizations = [tf.lite.Optimize.DEFAULT] with a representative dataset, " +
		"int8 inputs and outputs)"}
}

// customOpReason explains custom operators edgerun recognises: code
// compiled for an accelerator, and vendor post-processing.
func customOpReason(code OperatorCode) string {
	if code.BuiltinCode != OpCustom {
		return ""
	}
	c := strings.ToLower(code.CustomCode)
	switch {
	case strings.Contains(c, "edgetpu"):
		return "the model is compiled for the Coral Edge TPU (edgetpu_compiler); use the quantized .tflite from before compilation"
	case strings.Contains(c, "ethos-u") || strings.Contains(c, "ethosu"):
		return "the model is compiled for an Arm Ethos-U NPU (Vela); use the quantized .tflite from before compilation"
	case c == "tflite_detection_postprocess":
		return "a custom detection post-processing operator (box decoding and non-max suppression) is not a TFLite Micro builtin; cut the graph before it and run it in Go"
	}
	return "a custom operator (code " + code.Name() + ") is not a TFLite builtin"
}
