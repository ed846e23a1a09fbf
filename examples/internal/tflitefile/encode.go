// Package tflitefile writes a tflite.Model as a .tflite file (a FlatBuffer
// of TFLite's schema, identifier TFL3): the subset of the schema that
// format/tflite reads, for the generated models in the repository's
// testdata/. Field numbers are the schema's declaration order, as in
// format/tflite's reader.
package tflitefile

import (
	"fmt"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edgerun/edgerun/format/tflite"
)

// Builtin options union types (schema order).
const (
	optConv2D          = 1
	optDepthwiseConv2D = 2
	optPool2D          = 5
	optFullyConnected  = 8
	optSoftmax         = 9
	optAdd             = 11
	optReshape         = 17
	optGather          = 23
)

// Encode serializes m. It supports the options of CONV_2D,
// DEPTHWISE_CONV_2D, AVERAGE/MAX_POOL_2D, FULLY_CONNECTED, SOFTMAX and
// RESHAPE (and operators without options).
func Encode(m *tflite.Model) ([]byte, error) {
	b := flatbuffers.NewBuilder(1 << 12)
	buffers := make([]flatbuffers.UOffsetT, len(m.Buffers))
	for i, buf := range m.Buffers {
		var data flatbuffers.UOffsetT
		if buf.Data != nil {
			// TFLite aligns buffer data to 16 bytes.
			b.StartVector(1, len(buf.Data), 16)
			for j := len(buf.Data) - 1; j >= 0; j-- {
				b.PrependByte(buf.Data[j])
			}
			data = b.EndVector(len(buf.Data))
		}
		b.StartObject(3)
		if buf.Data != nil {
			b.PrependUOffsetTSlot(0, data, 0)
		}
		buffers[i] = b.EndObject()
	}
	subgraphs := make([]flatbuffers.UOffsetT, len(m.Subgraphs))
	for i := range m.Subgraphs {
		sg, err := subgraph(b, &m.Subgraphs[i])
		if err != nil {
			return nil, fmt.Errorf("subgraph %d: %w", i, err)
		}
		subgraphs[i] = sg
	}
	codes := make([]flatbuffers.UOffsetT, len(m.OperatorCodes))
	for i, c := range m.OperatorCodes {
		var custom flatbuffers.UOffsetT
		if c.CustomCode != "" {
			custom = b.CreateString(c.CustomCode)
		}
		b.StartObject(4)
		b.PrependInt8Slot(0, int8(min(c.BuiltinCode, 127)), 0)
		if custom != 0 {
			b.PrependUOffsetTSlot(1, custom, 0)
		}
		b.PrependInt32Slot(2, c.Version, 1)
		b.PrependInt32Slot(3, int32(c.BuiltinCode), 0)
		codes[i] = b.EndObject()
	}
	desc := b.CreateString(m.Description)
	bufVec := offsets(b, buffers)
	sgVec := offsets(b, subgraphs)
	codeVec := offsets(b, codes)
	b.StartObject(5)
	b.PrependUint32Slot(0, m.Version, 0)
	b.PrependUOffsetTSlot(1, codeVec, 0)
	b.PrependUOffsetTSlot(2, sgVec, 0)
	b.PrependUOffsetTSlot(3, desc, 0)
	b.PrependUOffsetTSlot(4, bufVec, 0)
	b.FinishWithFileIdentifier(b.EndObject(), []byte("TFL3"))
	return b.FinishedBytes(), nil
}

func offsets(b *flatbuffers.Builder, offs []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	b.StartVector(4, len(offs), 4)
	for i := len(offs) - 1; i >= 0; i-- {
		b.PrependUOffsetT(offs[i])
	}
	return b.EndVector(len(offs))
}

func int32s(b *flatbuffers.Builder, v []int32) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependInt32(v[i])
	}
	return b.EndVector(len(v))
}

func subgraph(b *flatbuffers.Builder, sg *tflite.Subgraph) (flatbuffers.UOffsetT, error) {
	tensors := make([]flatbuffers.UOffsetT, len(sg.Tensors))
	for i := range sg.Tensors {
		tensors[i] = tensor(b, &sg.Tensors[i])
	}
	operators := make([]flatbuffers.UOffsetT, len(sg.Operators))
	for i := range sg.Operators {
		op, err := operator(b, &sg.Operators[i])
		if err != nil {
			return 0, fmt.Errorf("operator %d: %w", i, err)
		}
		operators[i] = op
	}
	tVec, opVec := offsets(b, tensors), offsets(b, operators)
	in, out := int32s(b, sg.Inputs), int32s(b, sg.Outputs)
	name := b.CreateString(sg.Name)
	b.StartObject(5)
	b.PrependUOffsetTSlot(0, tVec, 0)
	b.PrependUOffsetTSlot(1, in, 0)
	b.PrependUOffsetTSlot(2, out, 0)
	b.PrependUOffsetTSlot(3, opVec, 0)
	b.PrependUOffsetTSlot(4, name, 0)
	return b.EndObject(), nil
}

func tensor(b *flatbuffers.Builder, t *tflite.Tensor) flatbuffers.UOffsetT {
	var quant flatbuffers.UOffsetT
	if q := t.Quantization; q != nil {
		b.StartVector(4, len(q.Scale), 4)
		for i := len(q.Scale) - 1; i >= 0; i-- {
			b.PrependFloat32(q.Scale[i])
		}
		scale := b.EndVector(len(q.Scale))
		b.StartVector(8, len(q.ZeroPoint), 8)
		for i := len(q.ZeroPoint) - 1; i >= 0; i-- {
			b.PrependInt64(q.ZeroPoint[i])
		}
		zp := b.EndVector(len(q.ZeroPoint))
		b.StartObject(7)
		b.PrependUOffsetTSlot(2, scale, 0)
		b.PrependUOffsetTSlot(3, zp, 0)
		b.PrependInt32Slot(6, q.QuantizedDimension, 0)
		quant = b.EndObject()
	}
	shape := int32s(b, t.Shape)
	name := b.CreateString(t.Name)
	b.StartObject(6)
	b.PrependUOffsetTSlot(0, shape, 0)
	b.PrependInt8Slot(1, int8(t.Type), 0)
	b.PrependUint32Slot(2, t.Buffer, 0)
	b.PrependUOffsetTSlot(3, name, 0)
	if quant != 0 {
		b.PrependUOffsetTSlot(4, quant, 0)
	}
	b.PrependBoolSlot(5, t.IsVariable, false)
	return b.EndObject()
}

func operator(b *flatbuffers.Builder, op *tflite.Operator) (flatbuffers.UOffsetT, error) {
	typ, opts, err := options(b, op.Options)
	if err != nil {
		return 0, err
	}
	in, out := int32s(b, op.Inputs), int32s(b, op.Outputs)
	b.StartObject(5)
	b.PrependUint32Slot(0, op.OpcodeIndex, 0)
	b.PrependUOffsetTSlot(1, in, 0)
	b.PrependUOffsetTSlot(2, out, 0)
	if opts != 0 {
		b.PrependByteSlot(3, typ, 0)
		b.PrependUOffsetTSlot(4, opts, 0)
	}
	return b.EndObject(), nil
}

// options writes an operator's builtin options table and returns its union
// type (0 and no table for nil).
func options(b *flatbuffers.Builder, o any) (uint8, flatbuffers.UOffsetT, error) {
	switch o := o.(type) {
	case nil:
		return 0, 0, nil
	case *tflite.Conv2DOptions:
		b.StartObject(7)
		b.PrependInt8Slot(0, int8(o.Padding), 0)
		b.PrependInt32Slot(1, o.StrideW, 0)
		b.PrependInt32Slot(2, o.StrideH, 0)
		b.PrependInt8Slot(3, int8(o.FusedActivation), 0)
		b.PrependInt32Slot(4, o.DilationWFactor, 1)
		b.PrependInt32Slot(5, o.DilationHFactor, 1)
		b.PrependInt8Slot(6, int8(o.QuantizedBiasType), 0)
		return optConv2D, b.EndObject(), nil
	case *tflite.DepthwiseConv2DOptions:
		b.StartObject(7)
		b.PrependInt8Slot(0, int8(o.Padding), 0)
		b.PrependInt32Slot(1, o.StrideW, 0)
		b.PrependInt32Slot(2, o.StrideH, 0)
		b.PrependInt32Slot(3, o.DepthMultiplier, 0)
		b.PrependInt8Slot(4, int8(o.FusedActivation), 0)
		b.PrependInt32Slot(5, o.DilationWFactor, 1)
		b.PrependInt32Slot(6, o.DilationHFactor, 1)
		return optDepthwiseConv2D, b.EndObject(), nil
	case *tflite.Pool2DOptions:
		b.StartObject(6)
		b.PrependInt8Slot(0, int8(o.Padding), 0)
		b.PrependInt32Slot(1, o.StrideW, 0)
		b.PrependInt32Slot(2, o.StrideH, 0)
		b.PrependInt32Slot(3, o.FilterWidth, 0)
		b.PrependInt32Slot(4, o.FilterHeight, 0)
		b.PrependInt8Slot(5, int8(o.FusedActivation), 0)
		return optPool2D, b.EndObject(), nil
	case *tflite.FullyConnectedOptions:
		b.StartObject(5)
		b.PrependInt8Slot(0, int8(o.FusedActivation), 0)
		b.PrependInt8Slot(1, o.WeightsFormat, 0)
		b.PrependBoolSlot(2, o.KeepNumDims, false)
		b.PrependBoolSlot(3, o.AsymmetricQuantizeInputs, false)
		b.PrependInt8Slot(4, int8(o.QuantizedBiasType), 0)
		return optFullyConnected, b.EndObject(), nil
	case *tflite.SoftmaxOptions:
		b.StartObject(1)
		b.PrependFloat32Slot(0, o.Beta, 0)
		return optSoftmax, b.EndObject(), nil
	case *tflite.AddOptions:
		b.StartObject(2)
		b.PrependInt8Slot(0, int8(o.FusedActivation), 0)
		b.PrependBoolSlot(1, o.PotScaleInt16, true)
		return optAdd, b.EndObject(), nil
	case *tflite.ReshapeOptions:
		shape := int32s(b, o.NewShape)
		b.StartObject(1)
		b.PrependUOffsetTSlot(0, shape, 0)
		return optReshape, b.EndObject(), nil
	case *tflite.GatherOptions:
		b.StartObject(2)
		b.PrependInt32Slot(0, o.Axis, 0)
		b.PrependInt32Slot(1, o.BatchDims, 0)
		return optGather, b.EndObject(), nil
	}
	return 0, 0, fmt.Errorf("options %T not supported", o)
}
