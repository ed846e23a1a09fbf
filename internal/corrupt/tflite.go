// Package corrupt builds corrupt and hostile model files for edgerun's
// robustness tests: it re-serializes parsed .tflite and edgerun models after
// editing them in memory (with writers that, unlike format.Encode, check
// nothing) and derives a corpus of broken files from real models (see
// Sources and Walk). It is only imported by tests.
package corrupt

import (
	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edgerun/edgerun/format/tflite"
)

// EncodeTFLite writes m as a .tflite flatbuffer (schema version 3 field
// layout, file identifier TFL3) without checking anything: indices, shapes,
// quantization and options are written as they are, so that tests can
// produce files that are structurally valid flatbuffers with invalid
// content. Scalar fields of options tables are written explicitly, even
// when they equal the schema default. Buffers are written inline.
//
// tflite.Parse(EncodeTFLite(m)) reproduces m for any m Parse returned.
func EncodeTFLite(m *tflite.Model) []byte {
	size := 1 << 12
	for _, buf := range m.Buffers {
		size += len(buf.Data) + 32
	}
	b := flatbuffers.NewBuilder(size)

	bufs := make([]flatbuffers.UOffsetT, len(m.Buffers))
	for i, buf := range m.Buffers {
		var data flatbuffers.UOffsetT
		if len(buf.Data) > 0 {
			b.StartVector(1, len(buf.Data), 16)
			for j := len(buf.Data) - 1; j >= 0; j-- {
				b.PlaceByte(buf.Data[j])
			}
			data = b.EndVector(len(buf.Data))
		}
		b.StartObject(3)
		if data != 0 {
			b.PrependUOffsetTSlot(0, data, 0)
		}
		bufs[i] = b.EndObject()
	}
	buffers := tableVec(b, bufs)

	codes := make([]flatbuffers.UOffsetT, len(m.OperatorCodes))
	for i, c := range m.OperatorCodes {
		var custom flatbuffers.UOffsetT
		if c.CustomCode != "" {
			custom = b.CreateString(c.CustomCode)
		}
		dep := int8(127) // PLACEHOLDER_FOR_GREATER_OP_CODES
		if c.BuiltinCode >= 0 && c.BuiltinCode < 127 {
			dep = int8(c.BuiltinCode)
		}
		b.StartObject(4)
		b.PrependInt8Slot(0, dep, 0)
		if custom != 0 {
			b.PrependUOffsetTSlot(1, custom, 0)
		}
		b.PrependInt32Slot(2, c.Version, 1)
		b.PrependInt32Slot(3, int32(c.BuiltinCode), 0)
		codes[i] = b.EndObject()
	}
	opcodes := tableVec(b, codes)

	sgs := make([]flatbuffers.UOffsetT, len(m.Subgraphs))
	for i := range m.Subgraphs {
		sgs[i] = encodeSubgraph(b, &m.Subgraphs[i])
	}
	subgraphs := tableVec(b, sgs)

	var desc flatbuffers.UOffsetT
	if m.Description != "" {
		desc = b.CreateString(m.Description)
	}
	b.StartObject(5)
	b.PrependUint32Slot(0, m.Version, 0)
	if opcodes != 0 {
		b.PrependUOffsetTSlot(1, opcodes, 0)
	}
	if subgraphs != 0 {
		b.PrependUOffsetTSlot(2, subgraphs, 0)
	}
	if desc != 0 {
		b.PrependUOffsetTSlot(3, desc, 0)
	}
	if buffers != 0 {
		b.PrependUOffsetTSlot(4, buffers, 0)
	}
	b.FinishWithFileIdentifier(b.EndObject(), []byte(tflite.FileIdentifier))
	return b.FinishedBytes()
}

func tableVec(b *flatbuffers.Builder, offs []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	if len(offs) == 0 {
		return 0
	}
	return b.CreateVectorOfTables(offs)
}

func int32Vec(b *flatbuffers.Builder, xs []int32) flatbuffers.UOffsetT {
	if xs == nil {
		return 0
	}
	b.StartVector(4, len(xs), 4)
	for i := len(xs) - 1; i >= 0; i-- {
		b.PrependInt32(xs[i])
	}
	return b.EndVector(len(xs))
}

func encodeSubgraph(b *flatbuffers.Builder, sg *tflite.Subgraph) flatbuffers.UOffsetT {
	ts := make([]flatbuffers.UOffsetT, len(sg.Tensors))
	for i := range sg.Tensors {
		ts[i] = encodeTensor(b, &sg.Tensors[i])
	}
	tensors := tableVec(b, ts)
	ops := make([]flatbuffers.UOffsetT, len(sg.Operators))
	for i := range sg.Operators {
		ops[i] = encodeOperator(b, &sg.Operators[i])
	}
	operators := tableVec(b, ops)
	inputs := int32Vec(b, sg.Inputs)
	outputs := int32Vec(b, sg.Outputs)
	var name flatbuffers.UOffsetT
	if sg.Name != "" {
		name = b.CreateString(sg.Name)
	}
	b.StartObject(5)
	if tensors != 0 {
		b.PrependUOffsetTSlot(0, tensors, 0)
	}
	if inputs != 0 {
		b.PrependUOffsetTSlot(1, inputs, 0)
	}
	if outputs != 0 {
		b.PrependUOffsetTSlot(2, outputs, 0)
	}
	if operators != 0 {
		b.PrependUOffsetTSlot(3, operators, 0)
	}
	if name != 0 {
		b.PrependUOffsetTSlot(4, name, 0)
	}
	return b.EndObject()
}

func encodeTensor(b *flatbuffers.Builder, t *tflite.Tensor) flatbuffers.UOffsetT {
	shape := int32Vec(b, t.Shape)
	var name, quant flatbuffers.UOffsetT
	if t.Name != "" {
		name = b.CreateString(t.Name)
	}
	if q := t.Quantization; q != nil {
		var scale, zp flatbuffers.UOffsetT
		if q.Scale != nil {
			b.StartVector(4, len(q.Scale), 4)
			for i := len(q.Scale) - 1; i >= 0; i-- {
				b.PrependFloat32(q.Scale[i])
			}
			scale = b.EndVector(len(q.Scale))
		}
		if q.ZeroPoint != nil {
			b.StartVector(8, len(q.ZeroPoint), 8)
			for i := len(q.ZeroPoint) - 1; i >= 0; i-- {
				b.PrependInt64(q.ZeroPoint[i])
			}
			zp = b.EndVector(len(q.ZeroPoint))
		}
		b.StartObject(7)
		if scale != 0 {
			b.PrependUOffsetTSlot(2, scale, 0)
		}
		if zp != 0 {
			b.PrependUOffsetTSlot(3, zp, 0)
		}
		b.PrependInt32Slot(6, q.QuantizedDimension, 0)
		quant = b.EndObject()
	}
	b.StartObject(6)
	if shape != 0 {
		b.PrependUOffsetTSlot(0, shape, 0)
	}
	b.PrependInt8Slot(1, int8(t.Type), 0)
	b.PrependUint32Slot(2, t.Buffer, 0)
	if name != 0 {
		b.PrependUOffsetTSlot(3, name, 0)
	}
	if quant != 0 {
		b.PrependUOffsetTSlot(4, quant, 0)
	}
	b.PrependBoolSlot(5, t.IsVariable, false)
	return b.EndObject()
}

func encodeOperator(b *flatbuffers.Builder, op *tflite.Operator) flatbuffers.UOffsetT {
	inputs := int32Vec(b, op.Inputs)
	outputs := int32Vec(b, op.Outputs)
	typ, opts := encodeOptions(b, op.Options)
	b.StartObject(5)
	b.PrependUint32Slot(0, op.OpcodeIndex, 0)
	if inputs != 0 {
		b.PrependUOffsetTSlot(1, inputs, 0)
	}
	if outputs != 0 {
		b.PrependUOffsetTSlot(2, outputs, 0)
	}
	if opts != 0 {
		b.PrependUint8Slot(3, typ, 0)
		b.PrependUOffsetTSlot(4, opts, 0)
	}
	return b.EndObject()
}

// encodeOptions writes a builtin options table and returns its union type
// (schema BuiltinOptions values), or 0, 0 for nil or unknown options.
func encodeOptions(b *flatbuffers.Builder, o any) (uint8, flatbuffers.UOffsetT) {
	i8 := func(slot int, v int8) { b.PrependInt8(v); b.Slot(slot) }
	i32 := func(slot int, v int32) { b.PrependInt32(v); b.Slot(slot) }
	f32 := func(slot int, v float32) { b.PrependFloat32(v); b.Slot(slot) }
	boolean := func(slot int, v bool) { b.PrependBool(v); b.Slot(slot) }
	switch o := o.(type) {
	case *tflite.Conv2DOptions:
		b.StartObject(7)
		i8(0, int8(o.Padding))
		i32(1, o.StrideW)
		i32(2, o.StrideH)
		i8(3, int8(o.FusedActivation))
		i32(4, o.DilationWFactor)
		i32(5, o.DilationHFactor)
		i8(6, int8(o.QuantizedBiasType))
		return 1, b.EndObject()
	case *tflite.DepthwiseConv2DOptions:
		b.StartObject(7)
		i8(0, int8(o.Padding))
		i32(1, o.StrideW)
		i32(2, o.StrideH)
		i32(3, o.DepthMultiplier)
		i8(4, int8(o.FusedActivation))
		i32(5, o.DilationWFactor)
		i32(6, o.DilationHFactor)
		return 2, b.EndObject()
	case *tflite.Pool2DOptions:
		b.StartObject(6)
		i8(0, int8(o.Padding))
		i32(1, o.StrideW)
		i32(2, o.StrideH)
		i32(3, o.FilterWidth)
		i32(4, o.FilterHeight)
		i8(5, int8(o.FusedActivation))
		return 5, b.EndObject()
	case *tflite.FullyConnectedOptions:
		b.StartObject(5)
		i8(0, int8(o.FusedActivation))
		i8(1, o.WeightsFormat)
		boolean(2, o.KeepNumDims)
		boolean(3, o.AsymmetricQuantizeInputs)
		i8(4, int8(o.QuantizedBiasType))
		return 8, b.EndObject()
	case *tflite.SoftmaxOptions:
		b.StartObject(1)
		f32(0, o.Beta)
		return 9, b.EndObject()
	case *tflite.ConcatenationOptions:
		b.StartObject(2)
		i32(0, o.Axis)
		i8(1, int8(o.FusedActivation))
		return 10, b.EndObject()
	case *tflite.AddOptions:
		b.StartObject(2)
		i8(0, int8(o.FusedActivation))
		boolean(1, o.PotScaleInt16)
		return 11, b.EndObject()
	case *tflite.ReshapeOptions:
		shape := int32Vec(b, o.NewShape)
		b.StartObject(1)
		if shape != 0 {
			b.PrependUOffsetTSlot(0, shape, 0)
		}
		return 17, b.EndObject()
	case *tflite.MulOptions:
		b.StartObject(1)
		i8(0, int8(o.FusedActivation))
		return 21, b.EndObject()
	case *tflite.ReducerOptions:
		b.StartObject(1)
		boolean(0, o.KeepDims)
		return 27, b.EndObject()
	case *tflite.SubOptions:
		b.StartObject(2)
		i8(0, int8(o.FusedActivation))
		boolean(1, o.PotScaleInt16)
		return 28, b.EndObject()
	case *tflite.LeakyReluOptions:
		b.StartObject(1)
		f32(0, o.Alpha)
		return 75, b.EndObject()
	case *tflite.SVDFOptions:
		b.StartObject(3)
		i32(0, o.Rank)
		i8(1, int8(o.FusedActivation))
		boolean(2, o.AsymmetricQuantizeInputs)
		return 6, b.EndObject()
	case *tflite.UnidirectionalSequenceLSTMOptions:
		b.StartObject(6)
		i8(0, int8(o.FusedActivation))
		f32(1, o.CellClip)
		f32(2, o.ProjClip)
		boolean(3, o.TimeMajor)
		boolean(4, o.AsymmetricQuantizeInputs)
		boolean(5, o.DiagonalRecurrentTensors)
		return 71, b.EndObject()
	case *tflite.TransposeConvOptions:
		b.StartObject(5)
		i8(0, int8(o.Padding))
		i32(1, o.StrideW)
		i32(2, o.StrideH)
		i8(3, int8(o.FusedActivation))
		i8(4, int8(o.QuantizedBiasType))
		return 49, b.EndObject()
	}
	return 0, 0
}
