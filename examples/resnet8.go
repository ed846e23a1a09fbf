package examples

import (
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/tflite"
)

// ResNet8 returns the MLPerf Tiny image classification network (ResNet-8,
// CIFAR-10: mlcommons/tiny benchmark/training/image_classification
// keras_model.py, resnet_v1_eembc) with filters channels in the first stack
// (16 in the benchmark's reference model), as the int8 model TFLite's
// converter makes of it (batch norms folded, ReLUs fused into the convs and
// ADDs), with pseudo-random weights from seed: its shapes, and so its
// arena, are the real model's.
func ResNet8(seed uint64, filters int32) (*format.Model, error) {
	return tflite.Convert(ResNet8Source(seed, filters))
}

// ResNet8Source is ResNet8 before conversion: the .tflite model.
//
//	conv 3x3 (filters) relu
//	3 stacks of: y = conv 3x3 stride s relu; y = conv 3x3; x = x, or conv 1x1 stride s
//	             when s = 2; x = relu(x + y)   (filters ×1, ×2, ×4; s = 1, 2, 2)
//	average pool 8x8, flatten, fully connected 10, softmax
func ResNet8Source(seed uint64, filters int32) *tflite.Model {
	b := newBuilder("edgerun example: MLPerf Tiny ResNet-8 32x32x3, 10 classes, random weights", seed)
	in := b.activation("input", []int32{1, 32, 32, 3}, 1.0/128, 0)
	b.sg.Inputs = []int32{in}
	x := b.convAct("conv0", in, filters, 3, 1, tflite.ActRelu, 0.05)
	for i, s := range []struct{ mult, stride int32 }{{1, 1}, {2, 2}, {4, 2}} {
		n := filters * s.mult
		y := b.convAct(name("stack", i)+"/conv1", x, n, 3, s.stride, tflite.ActRelu, 0.05)
		y = b.convAct(name("stack", i)+"/conv2", y, n, 3, 1, tflite.ActNone, 0.1)
		if s.stride != 1 {
			x = b.convAct(name("stack", i)+"/shortcut", x, n, 1, s.stride, tflite.ActNone, 0.1)
		}
		x = b.add(name("stack", i)+"/add", x, y, tflite.ActRelu, 0.05)
	}
	x = b.averagePool("pool", x)
	x = b.flatten("flatten", x)
	x = b.fullyConnected("logits", x, 10, tflite.ActNone, 0.1, 0)
	out := b.softmax("probabilities", x)
	b.sg.Outputs = []int32{out}
	return &b.m
}

// convAct adds CONV_2D (k×k, SAME) with the fused activation act (zero
// point −128 after a ReLU, 0 without).
func (b *builder) convAct(name string, in int32, cout, k, stride int32, act tflite.Activation, outScale float32) int32 {
	s := b.shape(in)
	w := b.weights(name+"/weights", []int32{cout, k, k, s[3]}, 0, k*k*s[3])
	bias := b.bias(name+"/bias", b.scale(in), w)
	zp := int64(0)
	if act != tflite.ActNone {
		zp = -128
	}
	out := b.activation(name, []int32{s[0], outSize(s[1], stride), outSize(s[2], stride), cout}, outScale, zp)
	b.op(tflite.OpConv2D, []int32{in, w, bias}, []int32{out}, &tflite.Conv2DOptions{
		Padding: tflite.PaddingSame, StrideW: stride, StrideH: stride, FusedActivation: act,
		DilationWFactor: 1, DilationHFactor: 1})
	return out
}

// add adds ADD of two tensors of one shape with the fused activation act.
func (b *builder) add(name string, x, y int32, act tflite.Activation, outScale float32) int32 {
	zp := int64(0)
	if act != tflite.ActNone {
		zp = -128
	}
	out := b.activation(name, b.shape(x), outScale, zp)
	b.op(tflite.OpAdd, []int32{x, y}, []int32{out}, &tflite.AddOptions{FusedActivation: act, PotScaleInt16: true})
	return out
}
