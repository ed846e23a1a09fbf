// Package examples generates edgerun's built-in example models: small,
// deterministic networks with pseudo-random weights, so the CLI and the
// benchmarks do something real on a machine with no model files.
//
// The generator describes each network as an in-memory .tflite model (float
// scales, fused activations) and converts it with the same converter users'
// files go through, so every quantization parameter is derived exactly as
// for a real model. The results are written with format.Encode into *.erm
// files (go generate) and embedded in the binary.
package examples

import (
	"encoding/binary"
	"math"

	"github.com/edgerun/edgerun/format/tflite"
)

// builder assembles a single-subgraph tflite.Model.
type builder struct {
	m    tflite.Model
	sg   *tflite.Subgraph
	rng  uint64
	code map[tflite.BuiltinOperator]uint32
}

func newBuilder(description string, seed uint64) *builder {
	b := &builder{rng: seed, code: map[tflite.BuiltinOperator]uint32{}}
	b.m.Version = 3
	b.m.Description = description
	b.m.Buffers = []tflite.Buffer{{}} // buffer 0: the empty sentinel
	b.m.Subgraphs = []tflite.Subgraph{{Name: "main"}}
	b.sg = &b.m.Subgraphs[0]
	return b
}

// next returns a deterministic pseudo-random number (splitmix64).
func (b *builder) next() uint64 {
	b.rng += 0x9e3779b97f4a7c15
	z := b.rng
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// uniform returns a value in [lo, hi).
func (b *builder) uniform(lo, hi float64) float64 {
	return lo + (hi-lo)*float64(b.next()>>11)/float64(1<<53)
}

// activation adds an int8 activation tensor.
func (b *builder) activation(name string, shape []int32, scale float32, zp int64) int32 {
	b.sg.Tensors = append(b.sg.Tensors, tflite.Tensor{
		Name: name, Type: tflite.TypeInt8, Shape: shape,
		Quantization: &tflite.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}},
	})
	return int32(len(b.sg.Tensors) - 1)
}

// constant adds a constant tensor with its own buffer.
func (b *builder) constant(name string, typ tflite.TensorType, shape []int32, data []byte, q *tflite.Quantization) int32 {
	b.m.Buffers = append(b.m.Buffers, tflite.Buffer{Data: data})
	b.sg.Tensors = append(b.sg.Tensors, tflite.Tensor{
		Name: name, Type: typ, Shape: shape, Buffer: uint32(len(b.m.Buffers) - 1), Quantization: q,
	})
	return int32(len(b.sg.Tensors) - 1)
}

// weights adds symmetric per-channel int8 weights (channels along dim qdim)
// with values in [-127, 127] and per-channel scales chosen so that a layer
// of fanIn inputs keeps activations in range (about 2/sqrt(fanIn) real
// units at the extremes).
func (b *builder) weights(name string, shape []int32, qdim int, fanIn int32) int32 {
	n := 1
	for _, d := range shape {
		n *= int(d)
	}
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(int8(int(b.next()%255) - 127))
	}
	channels := int(shape[qdim])
	q := &tflite.Quantization{QuantizedDimension: int32(qdim)}
	for c := 0; c < channels; c++ {
		q.Scale = append(q.Scale, float32(b.uniform(1, 3)/(127*math.Sqrt(float64(fanIn)))))
		q.ZeroPoint = append(q.ZeroPoint, 0)
	}
	return b.constant(name, tflite.TypeInt8, shape, data, q)
}

// bias adds int32 biases with scale inScale × weightScale[c].
func (b *builder) bias(name string, inScale float32, w int32) int32 {
	ws := b.sg.Tensors[w].Quantization.Scale
	data := make([]byte, 4*len(ws))
	q := &tflite.Quantization{}
	for c, s := range ws {
		scale := inScale * s
		v := int32(math.Round(b.uniform(-0.5, 0.5) / float64(scale)))
		binary.LittleEndian.PutUint32(data[4*c:], uint32(v))
		q.Scale = append(q.Scale, scale)
		q.ZeroPoint = append(q.ZeroPoint, 0)
	}
	return b.constant(name, tflite.TypeInt32, []int32{int32(len(ws))}, data, q)
}

func (b *builder) op(code tflite.BuiltinOperator, inputs, outputs []int32, options any) {
	idx, ok := b.code[code]
	if !ok {
		idx = uint32(len(b.m.OperatorCodes))
		b.code[code] = idx
		b.m.OperatorCodes = append(b.m.OperatorCodes, tflite.OperatorCode{BuiltinCode: code, Version: 1})
	}
	b.sg.Operators = append(b.sg.Operators, tflite.Operator{OpcodeIndex: idx, Inputs: inputs, Outputs: outputs, Options: options})
}

func (b *builder) shape(t int32) []int32 { return b.sg.Tensors[t].Shape }
func (b *builder) scale(t int32) float32 { return b.sg.Tensors[t].Quantization.Scale[0] }

// outSize is the SAME-padding output size.
func outSize(in, stride int32) int32 { return (in + stride - 1) / stride }

// conv adds CONV_2D (k×k, SAME) with ReLU6 and a fresh output of the given
// scale (zero point -128: ReLU6 outputs are non-negative).
func (b *builder) conv(name string, in int32, cout, k, stride int32, outScale float32) int32 {
	s := b.shape(in)
	w := b.weights(name+"/weights", []int32{cout, k, k, s[3]}, 0, k*k*s[3])
	bias := b.bias(name+"/bias", b.scale(in), w)
	out := b.activation(name, []int32{s[0], outSize(s[1], stride), outSize(s[2], stride), cout}, outScale, -128)
	b.op(tflite.OpConv2D, []int32{in, w, bias}, []int32{out}, &tflite.Conv2DOptions{
		Padding: tflite.PaddingSame, StrideW: stride, StrideH: stride, FusedActivation: tflite.ActRelu6,
		DilationWFactor: 1, DilationHFactor: 1})
	return out
}

// depthwise adds DEPTHWISE_CONV_2D 3×3 SAME, multiplier 1, ReLU6.
func (b *builder) depthwise(name string, in int32, stride int32, outScale float32) int32 {
	s := b.shape(in)
	w := b.weights(name+"/weights", []int32{1, 3, 3, s[3]}, 3, 9)
	bias := b.bias(name+"/bias", b.scale(in), w)
	out := b.activation(name, []int32{s[0], outSize(s[1], stride), outSize(s[2], stride), s[3]}, outScale, -128)
	b.op(tflite.OpDepthwiseConv2D, []int32{in, w, bias}, []int32{out}, &tflite.DepthwiseConv2DOptions{
		Padding: tflite.PaddingSame, StrideW: stride, StrideH: stride, DepthMultiplier: 1,
		FusedActivation: tflite.ActRelu6, DilationWFactor: 1, DilationHFactor: 1})
	return out
}

// fullyConnected adds FULLY_CONNECTED with the given activation.
func (b *builder) fullyConnected(name string, in int32, units int32, act tflite.Activation, outScale float32, outZP int64) int32 {
	s := b.shape(in)
	inner := s[len(s)-1]
	w := b.weights(name+"/weights", []int32{units, inner}, 0, inner)
	bias := b.bias(name+"/bias", b.scale(in), w)
	out := b.activation(name, []int32{s[0], units}, outScale, outZP)
	b.op(tflite.OpFullyConnected, []int32{in, w, bias}, []int32{out}, &tflite.FullyConnectedOptions{FusedActivation: act})
	return out
}

// softmax adds SOFTMAX with TFLite's conventional int8 output quantization.
func (b *builder) softmax(name string, in int32) int32 {
	out := b.activation(name, b.shape(in), 1.0/256, -128)
	b.op(tflite.OpSoftmax, []int32{in}, []int32{out}, &tflite.SoftmaxOptions{Beta: 1})
	return out
}

// averagePool adds AVERAGE_POOL_2D over the whole spatial extent (VALID),
// keeping the quantization.
func (b *builder) averagePool(name string, in int32) int32 {
	s := b.shape(in)
	q := b.sg.Tensors[in].Quantization
	out := b.activation(name, []int32{s[0], 1, 1, s[3]}, q.Scale[0], q.ZeroPoint[0])
	b.op(tflite.OpAveragePool2D, []int32{in}, []int32{out}, &tflite.Pool2DOptions{
		Padding: tflite.PaddingValid, StrideW: 1, StrideH: 1, FilterWidth: s[2], FilterHeight: s[1]})
	return out
}

// flatten adds RESHAPE to [batch, rest].
func (b *builder) flatten(name string, in int32) int32 {
	s := b.shape(in)
	rest := int32(1)
	for _, d := range s[1:] {
		rest *= d
	}
	q := b.sg.Tensors[in].Quantization
	out := b.activation(name, []int32{s[0], rest}, q.Scale[0], q.ZeroPoint[0])
	b.op(tflite.OpReshape, []int32{in}, []int32{out}, &tflite.ReshapeOptions{NewShape: []int32{s[0], rest}})
	return out
}
