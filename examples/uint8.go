package examples

import (
	"encoding/binary"

	"github.com/edgerun/edgerun/format/tflite"
)

// Models with uint8 at the boundary (testdata/), the shapes public models
// take: a uint8 image QUANTIZEd to int8, an int8 graph QUANTIZEd to a
// uint8 output, and fully uint8 (asymmetric uint8 weights) models. Their
// tests compute the expected outputs from TFLite's formulas.

// Quantization of the uint8 test models (exported for their tests).
const (
	// Uint8QuantizeInScale, Uint8QuantizeInZP: the uint8 input of
	// uint8_quantize.tflite ([1, 16, 16, 3]).
	Uint8QuantizeInScale = float32(1.0 / 255)
	Uint8QuantizeInZP    = 3
	// Uint8QuantizeMidScale, Uint8QuantizeMidZP: its first QUANTIZE's int8
	// output (output 0), another scale than the input's.
	Uint8QuantizeMidScale = float32(0.0061)
	Uint8QuantizeMidZP    = -20
	// Uint8QuantizeOutScale, Uint8QuantizeOutZP: its second QUANTIZE's
	// uint8 output (output 1).
	Uint8QuantizeOutScale = float32(0.0097)
	Uint8QuantizeOutZP    = 131
)

// typedActivation adds an activation of type typ.
func (b *builder) typedActivation(name string, typ tflite.TensorType, shape []int32, scale float32, zp int64) int32 {
	t := b.activation(name, shape, scale, zp)
	b.sg.Tensors[t].Type = typ
	return t
}

// Uint8QuantizeSource is uint8_quantize.tflite: uint8 image → QUANTIZE →
// int8 (output 0) → QUANTIZE → uint8 (output 1), each QUANTIZE changing
// the scale.
func Uint8QuantizeSource() *tflite.Model {
	b := newBuilder("edgerun test: uint8 input, QUANTIZE uint8->int8->uint8 with new scales", 0)
	in := b.typedActivation("image", tflite.TypeUInt8, []int32{1, 16, 16, 3}, Uint8QuantizeInScale, Uint8QuantizeInZP)
	mid := b.typedActivation("features", tflite.TypeInt8, []int32{1, 16, 16, 3}, Uint8QuantizeMidScale, Uint8QuantizeMidZP)
	out := b.typedActivation("image_u8", tflite.TypeUInt8, []int32{1, 16, 16, 3}, Uint8QuantizeOutScale, Uint8QuantizeOutZP)
	b.op(tflite.OpQuantize, []int32{in}, []int32{mid}, nil)
	b.op(tflite.OpQuantize, []int32{mid}, []int32{out}, nil)
	b.sg.Inputs, b.sg.Outputs = []int32{in}, []int32{mid, out}
	return &b.m
}

// MLPUint8OutSource is mlp_64_10_uint8_out.tflite: the built-in MLP (int8
// throughout) whose int8 softmax output is QUANTIZEd to uint8 with
// TFLite's conventional uint8 softmax quantization (1/256, zero point 0).
func MLPUint8OutSource(seed uint64) *tflite.Model {
	m := MLPSource(seed)
	b := &builder{m: *m, code: map[tflite.BuiltinOperator]uint32{}}
	b.sg = &b.m.Subgraphs[0]
	for i, c := range b.m.OperatorCodes {
		b.code[c.BuiltinCode] = uint32(i)
	}
	probs := b.sg.Outputs[0]
	out := b.typedActivation("probabilities_u8", tflite.TypeUInt8, b.shape(probs), 1.0/256, 0)
	b.op(tflite.OpQuantize, []int32{probs}, []int32{out}, nil)
	b.sg.Outputs = []int32{out}
	b.m.Description = "edgerun test: the built-in MLP with a uint8 output (QUANTIZE int8->uint8)"
	return &b.m
}

// Quantization of fc_uint8.tflite, a fully uint8 FULLY_CONNECTED layer
// (the legacy uint8 kernel: asymmetric per-tensor uint8 weights), with ReLU.
const (
	FCUint8In, FCUint8Out               = 48, 16
	FCUint8InScale, FCUint8InZP         = float32(0.023), 121
	FCUint8WeightScale, FCUint8WeightZP = float32(0.0041), 134
	FCUint8OutScale, FCUint8OutZP       = float32(0.071), 9
)

// FCUint8Source is fc_uint8.tflite: uint8 input [1, 48] → FULLY_CONNECTED
// with uint8 weights (zero point 134), int32 bias and ReLU → uint8 output
// [1, 16].
func FCUint8Source() *tflite.Model {
	b := newBuilder("edgerun test: fully uint8 FULLY_CONNECTED (uint8 weights, zero point 134), RELU", 8)
	in := b.typedActivation("x", tflite.TypeUInt8, []int32{1, FCUint8In}, FCUint8InScale, FCUint8InZP)
	w := make([]byte, FCUint8Out*FCUint8In)
	for i := range w {
		w[i] = byte(b.next())
	}
	wq := &tflite.Quantization{Scale: []float32{FCUint8WeightScale}, ZeroPoint: []int64{FCUint8WeightZP}}
	wt := b.constant("fc/weights", tflite.TypeUInt8, []int32{FCUint8Out, FCUint8In}, w, wq)
	bias := make([]byte, 4*FCUint8Out)
	for c := 0; c < FCUint8Out; c++ {
		binary.LittleEndian.PutUint32(bias[4*c:], uint32(int32(b.next()%6001)-3000))
	}
	bq := &tflite.Quantization{Scale: []float32{FCUint8InScale * FCUint8WeightScale}, ZeroPoint: []int64{0}}
	bt := b.constant("fc/bias", tflite.TypeInt32, []int32{FCUint8Out}, bias, bq)
	out := b.typedActivation("y", tflite.TypeUInt8, []int32{1, FCUint8Out}, FCUint8OutScale, FCUint8OutZP)
	b.op(tflite.OpFullyConnected, []int32{in, wt, bt}, []int32{out}, &tflite.FullyConnectedOptions{FusedActivation: tflite.ActRelu})
	b.sg.Inputs, b.sg.Outputs = []int32{in}, []int32{out}
	return &b.m
}

// Quantization of float_uint8.tflite.
const (
	FloatUint8QScale, FloatUint8QZP     = float32(0.02), 100
	FloatUint8MidScale, FloatUint8MidZP = float32(0.03), -5
)

// FloatUint8Source is float_uint8.tflite: float32 input [1, 64] →
// QUANTIZE → uint8 (the float boundary's quantized tensor is uint8) →
// QUANTIZE → int8 → DEQUANTIZE → float32 output.
func FloatUint8Source() *tflite.Model {
	b := newBuilder("edgerun test: float32 input quantized to uint8, int8 inside, float32 output", 0)
	shape := []int32{1, 64}
	b.sg.Tensors = append(b.sg.Tensors, tflite.Tensor{Name: "x", Type: tflite.TypeFloat32, Shape: shape})
	in := int32(len(b.sg.Tensors) - 1)
	q := b.typedActivation("x_u8", tflite.TypeUInt8, shape, FloatUint8QScale, FloatUint8QZP)
	mid := b.typedActivation("x_i8", tflite.TypeInt8, shape, FloatUint8MidScale, FloatUint8MidZP)
	b.sg.Tensors = append(b.sg.Tensors, tflite.Tensor{Name: "y", Type: tflite.TypeFloat32, Shape: shape})
	out := int32(len(b.sg.Tensors) - 1)
	b.op(tflite.OpQuantize, []int32{in}, []int32{q}, nil)
	b.op(tflite.OpQuantize, []int32{q}, []int32{mid}, nil)
	b.op(tflite.OpDequantize, []int32{mid}, []int32{out}, nil)
	b.sg.Inputs, b.sg.Outputs = []int32{in}, []int32{out}
	return &b.m
}
