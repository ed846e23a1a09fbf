package corrupt

import (
	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/fb"
)

// This file is a copy of format.Encode's writer without its VerifyModel
// check, so that tests can write edgerun files with any content.

// EncodeERM writes m as an edgerun model file (format version
// format.Version) without checking it. Params that are nil pointers or of
// an unknown type are written as absent.
func EncodeERM(m *format.Model) []byte { return EncodeERMVersion(m, format.Version) }

// EncodeERMVersion is EncodeERM with an explicit format version.
func EncodeERMVersion(m *format.Model, version uint32) []byte {
	size := 1 << 12
	for i := range m.Tensors {
		size += len(m.Tensors[i].Data) + 64
	}
	return ermModel(m, version, size)
}

// ermModel builds the FlatBuffers file of m without checking m. sizeHint
// is the builder's initial capacity.
func ermModel(m *format.Model, version uint32, sizeHint int) []byte {
	b := flatbuffers.NewBuilder(sizeHint)
	tensors := make([]flatbuffers.UOffsetT, len(m.Tensors))
	for i := range m.Tensors {
		tensors[i] = ermTensor(b, &m.Tensors[i])
	}
	ops := make([]flatbuffers.UOffsetT, len(m.Ops))
	for i := range m.Ops {
		ops[i] = ermOp(b, &m.Ops[i])
	}
	inputs := ermIOs(b, m.Inputs)
	outputs := ermIOs(b, m.Outputs)
	tensorsVec := tableVec(b, tensors)
	opsVec := tableVec(b, ops)
	var desc flatbuffers.UOffsetT
	if m.Description != "" {
		desc = b.CreateString(m.Description)
	}

	fb.ModelStart(b)
	fb.ModelAddVersion(b, version)
	if desc != 0 {
		fb.ModelAddDescription(b, desc)
	}
	if tensorsVec != 0 {
		fb.ModelAddTensors(b, tensorsVec)
	}
	if opsVec != 0 {
		fb.ModelAddOps(b, opsVec)
	}
	if inputs != 0 {
		fb.ModelAddInputs(b, inputs)
	}
	if outputs != 0 {
		fb.ModelAddOutputs(b, outputs)
	}
	fb.ModelAddArenaBytes(b, m.ArenaBytes)
	b.FinishWithFileIdentifier(fb.ModelEnd(b), []byte(format.FileIdentifier))
	return b.FinishedBytes()
}

func ermInt32s(b *flatbuffers.Builder, xs []int32) flatbuffers.UOffsetT {
	if len(xs) == 0 {
		return 0
	}
	b.StartVector(4, len(xs), 4)
	for i := len(xs) - 1; i >= 0; i-- {
		b.PrependInt32(xs[i])
	}
	return b.EndVector(len(xs))
}

func ermTensor(b *flatbuffers.Builder, t *format.Tensor) flatbuffers.UOffsetT {
	var name, data, scale flatbuffers.UOffsetT
	if t.Name != "" {
		name = b.CreateString(t.Name)
	}
	shape := ermInt32s(b, t.Shape)
	zp := ermInt32s(b, t.ZeroPoint)
	if len(t.Scale) > 0 {
		b.StartVector(4, len(t.Scale), 4)
		for i := len(t.Scale) - 1; i >= 0; i-- {
			b.PrependFloat32(t.Scale[i])
		}
		scale = b.EndVector(len(t.Scale))
	}
	if t.Data != nil {
		// 16-byte aligned, so that the runtime may view it as any type.
		b.StartVector(1, len(t.Data), 16)
		for i := len(t.Data) - 1; i >= 0; i-- {
			b.PlaceByte(t.Data[i])
		}
		data = b.EndVector(len(t.Data))
	}
	fb.TensorStart(b)
	if name != 0 {
		fb.TensorAddName(b, name)
	}
	fb.TensorAddDtype(b, fb.DType(t.DType))
	if shape != 0 {
		fb.TensorAddShape(b, shape)
	}
	if zp != 0 {
		fb.TensorAddZeroPoint(b, zp)
	}
	fb.TensorAddQuantizedDim(b, t.QuantizedDim)
	if scale != 0 {
		fb.TensorAddScale(b, scale)
	}
	if t.Data != nil {
		fb.TensorAddData(b, data)
	}
	fb.TensorAddArenaOffset(b, t.ArenaOffset)
	return fb.TensorEnd(b)
}

func ermIOs(b *flatbuffers.Builder, ios []format.IO) flatbuffers.UOffsetT {
	offs := make([]flatbuffers.UOffsetT, len(ios))
	for i, io := range ios {
		fb.IOStart(b)
		fb.IOAddTensor(b, io.Tensor)
		fb.IOAddIsFloat(b, io.Float)
		offs[i] = fb.IOEnd(b)
	}
	return tableVec(b, offs)
}

func ermRequant(b *flatbuffers.Builder, r *format.Requant) flatbuffers.UOffsetT {
	mul := ermInt32s(b, r.Multiplier)
	shift := ermInt32s(b, r.Shift)
	fb.RequantStart(b)
	if mul != 0 {
		fb.RequantAddMultiplier(b, mul)
	}
	if shift != 0 {
		fb.RequantAddShift(b, shift)
	}
	return fb.RequantEnd(b)
}

func ermOp(b *flatbuffers.Builder, op *format.Op) flatbuffers.UOffsetT {
	inputs := ermInt32s(b, op.Inputs)
	outputs := ermInt32s(b, op.Outputs)
	tag := paramsTag(op.Params)
	params := ermParams(b, op.Params)
	fb.OpStart(b)
	fb.OpAddCode(b, fb.OpCode(op.Code))
	if inputs != 0 {
		fb.OpAddInputs(b, inputs)
	}
	if outputs != 0 {
		fb.OpAddOutputs(b, outputs)
	}
	if params != 0 {
		fb.OpAddParamsType(b, tag)
		fb.OpAddParams(b, params)
	}
	return fb.OpEnd(b)
}

// ermParams writes the params table of p, or returns 0 for nil.
func ermParams(b *flatbuffers.Builder, p format.OpParams) flatbuffers.UOffsetT {
	if paramsTag(p) == fb.OpParamsNONE {
		return 0
	}
	switch p := p.(type) {
	case *format.ConvParams:
		rq := ermRequant(b, &p.Requant)
		fb.ConvParamsStart(b)
		fb.ConvParamsAddStrideH(b, p.StrideH)
		fb.ConvParamsAddStrideW(b, p.StrideW)
		fb.ConvParamsAddDilationH(b, p.DilationH)
		fb.ConvParamsAddDilationW(b, p.DilationW)
		fb.ConvParamsAddPadTop(b, p.PadTop)
		fb.ConvParamsAddPadLeft(b, p.PadLeft)
		fb.ConvParamsAddDepthMultiplier(b, p.DepthMultiplier)
		fb.ConvParamsAddInputOffset(b, p.InputOffset)
		fb.ConvParamsAddFilterOffset(b, p.FilterOffset)
		fb.ConvParamsAddOutputOffset(b, p.OutputOffset)
		fb.ConvParamsAddRequant(b, rq)
		fb.ConvParamsAddActMin(b, p.ActMin)
		fb.ConvParamsAddActMax(b, p.ActMax)
		return fb.ConvParamsEnd(b)
	case *format.FullyConnectedParams:
		rq := ermRequant(b, &p.Requant)
		fb.FullyConnectedParamsStart(b)
		fb.FullyConnectedParamsAddInputOffset(b, p.InputOffset)
		fb.FullyConnectedParamsAddFilterOffset(b, p.FilterOffset)
		fb.FullyConnectedParamsAddOutputOffset(b, p.OutputOffset)
		fb.FullyConnectedParamsAddRequant(b, rq)
		fb.FullyConnectedParamsAddActMin(b, p.ActMin)
		fb.FullyConnectedParamsAddActMax(b, p.ActMax)
		return fb.FullyConnectedParamsEnd(b)
	case *format.ArithParams:
		fb.ArithParamsStart(b)
		fb.ArithParamsAddInput1Offset(b, p.Input1Offset)
		fb.ArithParamsAddInput2Offset(b, p.Input2Offset)
		fb.ArithParamsAddOutputOffset(b, p.OutputOffset)
		fb.ArithParamsAddLeftShift(b, p.LeftShift)
		fb.ArithParamsAddInput1Multiplier(b, p.Input1Multiplier)
		fb.ArithParamsAddInput1Shift(b, p.Input1Shift)
		fb.ArithParamsAddInput2Multiplier(b, p.Input2Multiplier)
		fb.ArithParamsAddInput2Shift(b, p.Input2Shift)
		fb.ArithParamsAddOutputMultiplier(b, p.OutputMultiplier)
		fb.ArithParamsAddOutputShift(b, p.OutputShift)
		fb.ArithParamsAddActMin(b, p.ActMin)
		fb.ArithParamsAddActMax(b, p.ActMax)
		return fb.ArithParamsEnd(b)
	case *format.PoolParams:
		fb.PoolParamsStart(b)
		fb.PoolParamsAddStrideH(b, p.StrideH)
		fb.PoolParamsAddStrideW(b, p.StrideW)
		fb.PoolParamsAddFilterH(b, p.FilterH)
		fb.PoolParamsAddFilterW(b, p.FilterW)
		fb.PoolParamsAddPadTop(b, p.PadTop)
		fb.PoolParamsAddPadLeft(b, p.PadLeft)
		fb.PoolParamsAddActMin(b, p.ActMin)
		fb.PoolParamsAddActMax(b, p.ActMax)
		return fb.PoolParamsEnd(b)
	case *format.SoftmaxParams:
		fb.SoftmaxParamsStart(b)
		fb.SoftmaxParamsAddInputBetaMultiplier(b, p.InputBetaMultiplier)
		fb.SoftmaxParamsAddInputBetaLeftShift(b, p.InputBetaLeftShift)
		fb.SoftmaxParamsAddDiffMin(b, p.DiffMin)
		return fb.SoftmaxParamsEnd(b)
	case *format.TableParams:
		b.StartVector(1, len(p.Table), 1)
		for i := len(p.Table) - 1; i >= 0; i-- {
			b.PrependInt8(p.Table[i])
		}
		values := b.EndVector(len(p.Table))
		fb.TableParamsStart(b)
		fb.TableParamsAddValues(b, values)
		return fb.TableParamsEnd(b)
	case *format.PadParams:
		before := ermInt32s(b, p.Before)
		after := ermInt32s(b, p.After)
		fb.PadParamsStart(b)
		if before != 0 {
			fb.PadParamsAddBefore(b, before)
		}
		if after != 0 {
			fb.PadParamsAddAfter(b, after)
		}
		fb.PadParamsAddValue(b, p.Value)
		return fb.PadParamsEnd(b)
	case *format.MeanParams:
		axes := ermInt32s(b, p.Axes)
		thresholds := ermInt32s(b, p.Thresholds)
		fb.MeanParamsStart(b)
		if axes != 0 {
			fb.MeanParamsAddAxes(b, axes)
		}
		fb.MeanParamsAddKeepDims(b, p.KeepDims)
		if thresholds != 0 {
			fb.MeanParamsAddThresholds(b, thresholds)
		}
		return fb.MeanParamsEnd(b)
	case *format.ConcatenationParams:
		fb.ConcatenationParamsStart(b)
		fb.ConcatenationParamsAddAxis(b, p.Axis)
		return fb.ConcatenationParamsEnd(b)
	case *format.TransposeParams:
		perm := ermInt32s(b, p.Perm)
		fb.TransposeParamsStart(b)
		if perm != 0 {
			fb.TransposeParamsAddPerm(b, perm)
		}
		return fb.TransposeParamsEnd(b)
	}
	return 0
}

// paramsTag returns the union tag of p's type, fb.OpParamsNONE for nil,
// nil pointers and unknown types.
func paramsTag(p format.OpParams) fb.OpParams {
	switch p := p.(type) {
	case *format.ConvParams:
		if p != nil {
			return fb.OpParamsConvParams
		}
	case *format.FullyConnectedParams:
		if p != nil {
			return fb.OpParamsFullyConnectedParams
		}
	case *format.ArithParams:
		if p != nil {
			return fb.OpParamsArithParams
		}
	case *format.PoolParams:
		if p != nil {
			return fb.OpParamsPoolParams
		}
	case *format.SoftmaxParams:
		if p != nil {
			return fb.OpParamsSoftmaxParams
		}
	case *format.TableParams:
		if p != nil {
			return fb.OpParamsTableParams
		}
	case *format.PadParams:
		if p != nil {
			return fb.OpParamsPadParams
		}
	case *format.MeanParams:
		if p != nil {
			return fb.OpParamsMeanParams
		}
	case *format.ConcatenationParams:
		if p != nil {
			return fb.OpParamsConcatenationParams
		}
	case *format.TransposeParams:
		if p != nil {
			return fb.OpParamsTransposeParams
		}
	}
	return fb.OpParamsNONE
}
