package examples

import (
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/tflite"
)

// relu6Scale is the usual quantization of ReLU6 outputs: [0, 6] over the
// int8 range with zero point -128.
const relu6Scale = 6.0 / 255

// MobileNetV1 returns a MobileNetV1 with width multiplier 0.25 on a
// 96×96×3 input and two classes (the shape of TFLite Micro's person
// detector), with pseudo-random weights from seed.
func MobileNetV1(seed uint64) (*format.Model, error) { return tflite.Convert(MobileNetV1Source(seed)) }

// MobileNetV1Source is MobileNetV1 before conversion: the .tflite model.
func MobileNetV1Source(seed uint64) *tflite.Model {
	b := newBuilder("edgerun example: MobileNetV1-0.25 96x96x3, 2 classes, random weights", seed)
	in := b.activation("input", []int32{1, 96, 96, 3}, 1.0/128, 0)
	b.sg.Inputs = []int32{in}
	x := b.conv("conv0", in, 8, 3, 2, relu6Scale)
	// (stride of the depthwise, channels of the pointwise) per block.
	blocks := []struct{ stride, channels int32 }{
		{1, 16}, {2, 32}, {1, 32}, {2, 64}, {1, 64}, {2, 128},
		{1, 128}, {1, 128}, {1, 128}, {1, 128}, {1, 128}, {2, 256}, {1, 256},
	}
	for i, blk := range blocks {
		x = b.depthwise(name("dw", i), x, blk.stride, relu6Scale)
		x = b.conv(name("pw", i), x, blk.channels, 1, 1, relu6Scale)
	}
	x = b.averagePool("pool", x)
	x = b.flatten("flatten", x)
	x = b.fullyConnected("logits", x, 2, tflite.ActNone, 0.1, 0)
	out := b.softmax("probabilities", x)
	b.sg.Outputs = []int32{out}
	return &b.m
}

// MLP returns a small fully connected network (64 → 128 → 64 → 10 with
// ReLU, softmax output), with pseudo-random weights from seed.
func MLP(seed uint64) (*format.Model, error) { return tflite.Convert(MLPSource(seed)) }

// MLPSource is MLP before conversion: the .tflite model.
func MLPSource(seed uint64) *tflite.Model {
	b := newBuilder("edgerun example: MLP 64-128-64-10, random weights", seed)
	in := b.activation("input", []int32{1, 64}, 1.0/64, 0)
	b.sg.Inputs = []int32{in}
	x := b.fullyConnected("fc1", in, 128, tflite.ActRelu, 0.02, -128)
	x = b.fullyConnected("fc2", x, 64, tflite.ActRelu, 0.02, -128)
	x = b.fullyConnected("logits", x, 10, tflite.ActNone, 0.1, 0)
	out := b.softmax("probabilities", x)
	b.sg.Outputs = []int32{out}
	return &b.m
}

func name(prefix string, i int) string {
	return prefix + string(rune('0'+i/10)) + string(rune('0'+i%10))
}
