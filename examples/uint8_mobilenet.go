package examples

import (
	"encoding/binary"
	"math"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/tflite"
)

// MobileNetV1Uint8 returns MobileNetV1(seed)'s architecture as a fully
// uint8 model of the legacy kind (uint8 activations, per-tensor asymmetric
// uint8 weights with zero points other than 128, so that every CONV_2D,
// DEPTHWISE_CONV_2D and FULLY_CONNECTED has a non-zero filter offset): the
// uint8 half of the uint8/int8 benchmark pair.
func MobileNetV1Uint8(seed uint64) (*format.Model, error) {
	return tflite.Convert(MobileNetV1Uint8Source(seed))
}

// MobileNetV1Uint8Source is MobileNetV1Uint8 before conversion.
func MobileNetV1Uint8Source(seed uint64) *tflite.Model {
	m := MobileNetV1Source(seed)
	b := &builder{m: *m, rng: seed ^ 0x5eed, code: map[tflite.BuiltinOperator]uint32{}}
	b.sg = &b.m.Subgraphs[0]
	b.m.Description = "edgerun example: MobileNetV1-0.25 96x96x3 fully uint8 (asymmetric per-tensor weights), random weights"
	weights := map[int32]bool{}
	for _, op := range b.sg.Operators {
		switch b.m.OperatorCodes[op.OpcodeIndex].BuiltinCode {
		case tflite.OpConv2D, tflite.OpDepthwiseConv2D, tflite.OpFullyConnected:
			weights[op.Inputs[1]] = true
			b.uint8Weights(op.Inputs[0], op.Inputs[1], op.Inputs[2])
		}
	}
	for i := range b.sg.Tensors {
		t := &b.sg.Tensors[i]
		if t.Type == tflite.TypeInt8 && !weights[int32(i)] {
			// An int8 activation v ↔ the uint8 activation v+128 of the
			// same real value.
			t.Type = tflite.TypeUInt8
			t.Quantization.ZeroPoint = []int64{t.Quantization.ZeroPoint[0] + 128}
		}
	}
	return &b.m
}

// uint8Weights replaces the per-channel int8 weights w (of a layer whose
// input is in) with per-tensor asymmetric uint8 ones: random bytes, a zero
// point in [118, 138] other than 128, one scale (the mean of the
// per-channel ones); the int32 bias is rescaled to the new bias scale.
func (b *builder) uint8Weights(in, w, bias int32) {
	wt := &b.sg.Tensors[w]
	var scale float64
	for _, s := range wt.Quantization.Scale {
		scale += float64(s)
	}
	scale /= float64(len(wt.Quantization.Scale))
	zp := int64(118 + b.next()%20)
	if zp >= 128 {
		zp++
	}
	data := b.m.Buffers[wt.Buffer].Data
	for i := range data {
		data[i] = byte(b.next())
	}
	wt.Type = tflite.TypeUInt8
	wt.Quantization = &tflite.Quantization{Scale: []float32{float32(scale)}, ZeroPoint: []int64{zp}}
	bt := &b.sg.Tensors[bias]
	bs := float64(b.scale(in)) * float64(float32(scale))
	bd := b.m.Buffers[bt.Buffer].Data
	var real float64
	for c := 0; c+4 <= len(bd); c += 4 {
		old := bt.Quantization.Scale[c/4]
		real = float64(int32(binary.LittleEndian.Uint32(bd[c:]))) * float64(old)
		binary.LittleEndian.PutUint32(bd[c:], uint32(int32(math.Round(real/bs))))
	}
	bt.Quantization = &tflite.Quantization{Scale: []float32{float32(bs)}, ZeroPoint: []int64{0}}
}
