package format

import (
	"fmt"
	"math"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edgerun/edgerun/format/fb"
)

// Encode serializes m as an edgerun model file (.erm, schema edgerun.fbs).
//
// It first checks m with VerifyModel (without an arena limit), so it never
// writes a file Decode would reject for its content; the error then matches
// ErrMalformedModel. The output is deterministic: the same model always gives
// the same bytes. Empty slices are not written (Decode returns them as nil),
// except Tensor.Data, whose presence marks a constant. Constant data is
// 16-byte aligned in the file.
func Encode(m *Model) ([]byte, error) {
	if err := VerifyModel(m, Limits{MaxArenaBytes: math.MaxInt64}); err != nil {
		return nil, err
	}
	est := encodedSizeBound(m)
	if est > maxFileSize {
		return nil, fmt.Errorf("format: model too large to encode (up to %d bytes, FlatBuffers files are limited to 2 GiB)", est)
	}
	out := encodeModel(m, Version, int(est))
	// Check our own output, and drop the builder's alignment padding after
	// the last object (offsets are relative, so nothing moves): this way
	// every byte of the file belongs to an object Decode verifies, and any
	// truncation is detected.
	end, err := verifiedEnd(out)
	if err != nil {
		return nil, fmt.Errorf("format: internal error: Encode wrote an invalid buffer: %w", err)
	}
	return out[:end:end], nil
}

// EncodeUnverified writes m as an edgerun model file of the given format
// version without checking anything: no VerifyModel, no check of its own
// output. It exists for tests and fuzzers that must produce malformed
// files (Decode and the runtime are what they test); a model meant to be
// loaded goes through Encode. Params that are nil pointers or of a type
// the format does not know are written as absent.
func EncodeUnverified(m *Model, version uint32) []byte {
	size := 1 << 12
	for i := range m.Tensors {
		size += len(m.Tensors[i].Data) + 64
	}
	return encodeModel(m, version, size)
}

// encodeModel builds the FlatBuffers file of m without checking m.
// sizeHint is the builder's initial capacity.
func encodeModel(m *Model, version uint32, sizeHint int) []byte {
	b := flatbuffers.NewBuilder(sizeHint)
	tensors := make([]flatbuffers.UOffsetT, len(m.Tensors))
	for i := range m.Tensors {
		tensors[i] = encodeTensor(b, &m.Tensors[i])
	}
	ops := make([]flatbuffers.UOffsetT, len(m.Ops))
	for i := range m.Ops {
		ops[i] = encodeOp(b, &m.Ops[i])
	}
	inputs := encodeIOs(b, m.Inputs)
	outputs := encodeIOs(b, m.Outputs)
	tensorsVec := tableVector(b, tensors)
	opsVec := tableVector(b, ops)
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
	b.FinishWithFileIdentifier(fb.ModelEnd(b), []byte(FileIdentifier))
	return b.FinishedBytes()
}

// encodedSizeBound returns an upper bound of Encode's output size, so that
// the builder never grows and oversized models are refused before building.
func encodedSizeBound(m *Model) int64 {
	const table = 128 // header, vtable, inline fields and padding of one table
	// A vector: length, elements, up to 15 bytes of alignment padding, and
	// its string terminator.
	vec := func(n, elem int) int64 { return 24 + int64(n)*int64(elem) }
	s := int64(64+table) + vec(len(m.Description), 1) + vec(len(m.Tensors), 4) + vec(len(m.Ops), 4) +
		(table+4)*int64(len(m.Inputs)+len(m.Outputs)) + 2*vec(0, 0)
	for i := range m.Tensors {
		t := &m.Tensors[i]
		s += table + vec(len(t.Name), 1) + vec(len(t.Shape), 4) + vec(len(t.ZeroPoint), 4) +
			vec(len(t.Scale), 4) + vec(len(t.Data), 1)
	}
	for i := range m.Ops {
		op := &m.Ops[i]
		s += table + vec(len(op.Inputs), 4) + vec(len(op.Outputs), 4) + 2*table
		switch p := op.Params.(type) {
		case *ConvParams:
			s += vec(len(p.Requant.Multiplier), 4) + vec(len(p.Requant.Shift), 4)
		case *FullyConnectedParams:
			s += vec(len(p.Requant.Multiplier), 4) + vec(len(p.Requant.Shift), 4)
		case *TableParams:
			s += vec(len(p.Table), 1)
		case *PadParams:
			s += vec(len(p.Before), 4) + vec(len(p.After), 4)
		case *MeanParams:
			s += vec(len(p.Axes), 4) + vec(len(p.Thresholds), 4)
		case *TransposeParams:
			s += vec(len(p.Perm), 4)
		case *Int32TableParams:
			s += vec(len(p.Table), 4)
		case *Mean16Params:
			s += vec(len(p.Axes), 4)
		default:
			s += computeParamsSize(p, vec)
		}
		for _, v := range movementVectors(op.Params) {
			s += vec(len(v), 4)
		}
	}
	return s
}

func int32Vector(b *flatbuffers.Builder, xs []int32) flatbuffers.UOffsetT {
	if len(xs) == 0 {
		return 0
	}
	b.StartVector(4, len(xs), 4)
	for i := len(xs) - 1; i >= 0; i-- {
		b.PrependInt32(xs[i])
	}
	return b.EndVector(len(xs))
}

func tableVector(b *flatbuffers.Builder, offs []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	if len(offs) == 0 {
		return 0
	}
	return b.CreateVectorOfTables(offs)
}

func encodeTensor(b *flatbuffers.Builder, t *Tensor) flatbuffers.UOffsetT {
	var name, data, scale flatbuffers.UOffsetT
	if t.Name != "" {
		name = b.CreateString(t.Name)
	}
	shape := int32Vector(b, t.Shape)
	zp := int32Vector(b, t.ZeroPoint)
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
	if t.Variable {
		fb.TensorAddVariable(b, true)
	}
	return fb.TensorEnd(b)
}

func encodeIOs(b *flatbuffers.Builder, ios []IO) flatbuffers.UOffsetT {
	offs := make([]flatbuffers.UOffsetT, len(ios))
	for i, io := range ios {
		fb.IOStart(b)
		fb.IOAddTensor(b, io.Tensor)
		fb.IOAddIsFloat(b, io.Float)
		offs[i] = fb.IOEnd(b)
	}
	return tableVector(b, offs)
}

func encodeRequant(b *flatbuffers.Builder, r *Requant) flatbuffers.UOffsetT {
	mul := int32Vector(b, r.Multiplier)
	shift := int32Vector(b, r.Shift)
	fb.RequantStart(b)
	if mul != 0 {
		fb.RequantAddMultiplier(b, mul)
	}
	if shift != 0 {
		fb.RequantAddShift(b, shift)
	}
	return fb.RequantEnd(b)
}

func encodeOp(b *flatbuffers.Builder, op *Op) flatbuffers.UOffsetT {
	inputs := int32Vector(b, op.Inputs)
	outputs := int32Vector(b, op.Outputs)
	tag, ok := paramsTag(op.Params)
	var params flatbuffers.UOffsetT
	if ok { // nil pointers and unknown types are written as absent
		params = encodeParams(b, op.Params)
	}
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

// encodeParams writes the params table of p, or returns 0 for nil.
func encodeParams(b *flatbuffers.Builder, p OpParams) flatbuffers.UOffsetT {
	if off, ok := encodeMovementParams(b, p); ok {
		return off
	}
	switch p := p.(type) {
	case *ConvParams:
		rq := encodeRequant(b, &p.Requant)
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
	case *FullyConnectedParams:
		rq := encodeRequant(b, &p.Requant)
		fb.FullyConnectedParamsStart(b)
		fb.FullyConnectedParamsAddInputOffset(b, p.InputOffset)
		fb.FullyConnectedParamsAddFilterOffset(b, p.FilterOffset)
		fb.FullyConnectedParamsAddOutputOffset(b, p.OutputOffset)
		fb.FullyConnectedParamsAddRequant(b, rq)
		fb.FullyConnectedParamsAddActMin(b, p.ActMin)
		fb.FullyConnectedParamsAddActMax(b, p.ActMax)
		return fb.FullyConnectedParamsEnd(b)
	case *ArithParams:
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
	case *PoolParams:
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
	case *SoftmaxParams:
		fb.SoftmaxParamsStart(b)
		fb.SoftmaxParamsAddInputBetaMultiplier(b, p.InputBetaMultiplier)
		fb.SoftmaxParamsAddInputBetaLeftShift(b, p.InputBetaLeftShift)
		fb.SoftmaxParamsAddDiffMin(b, p.DiffMin)
		return fb.SoftmaxParamsEnd(b)
	case *TableParams:
		b.StartVector(1, len(p.Table), 1)
		for i := len(p.Table) - 1; i >= 0; i-- {
			b.PrependInt8(p.Table[i])
		}
		values := b.EndVector(len(p.Table))
		fb.TableParamsStart(b)
		fb.TableParamsAddValues(b, values)
		return fb.TableParamsEnd(b)
	case *PadParams:
		before := int32Vector(b, p.Before)
		after := int32Vector(b, p.After)
		fb.PadParamsStart(b)
		if before != 0 {
			fb.PadParamsAddBefore(b, before)
		}
		if after != 0 {
			fb.PadParamsAddAfter(b, after)
		}
		fb.PadParamsAddValue(b, p.Value)
		return fb.PadParamsEnd(b)
	case *MeanParams:
		axes := int32Vector(b, p.Axes)
		thresholds := int32Vector(b, p.Thresholds)
		fb.MeanParamsStart(b)
		if axes != 0 {
			fb.MeanParamsAddAxes(b, axes)
		}
		fb.MeanParamsAddKeepDims(b, p.KeepDims)
		if thresholds != 0 {
			fb.MeanParamsAddThresholds(b, thresholds)
		}
		return fb.MeanParamsEnd(b)
	case *ConcatenationParams:
		fb.ConcatenationParamsStart(b)
		fb.ConcatenationParamsAddAxis(b, p.Axis)
		return fb.ConcatenationParamsEnd(b)
	case *TransposeParams:
		perm := int32Vector(b, p.Perm)
		fb.TransposeParamsStart(b)
		if perm != 0 {
			fb.TransposeParamsAddPerm(b, perm)
		}
		return fb.TransposeParamsEnd(b)
	case *Int32TableParams:
		return encodeInt32TableParams(b, p)
	case *SVDFParams:
		return encodeSVDFParams(b, p)
	case *LSTMParams:
		return encodeLSTMParams(b, p)
	case *RescaleParams:
		return encodeRescaleParams(b, p)
	case *Sigmoid16Params:
		return encodeSigmoid16Params(b, p)
	case *Mean16Params:
		return encodeMean16Params(b, p)
	}
	if off, ok := encodeComputeParams(b, p); ok {
		return off
	}
	return 0
}

// Decode reads an edgerun model file with the default Limits. See
// DecodeWithLimits.
func Decode(data []byte) (*Model, error) { return DecodeWithLimits(data, Limits{}) }

// DecodeWithLimits reads an edgerun model file written by Encode.
//
// It never panics and never reads outside data, whatever data holds: it
// checks the header and version, verifies the whole FlatBuffers structure
// (verify_buffer.go) before reading any field, and finally checks the
// decoded model with VerifyModel(m, lim). Every allocation is bounded by
// len(data). All errors match ErrMalformedModel.
//
// The constant data of the returned model (Tensor.Data) aliases data, with
// no copy of the weights: the caller must not modify data while the model is
// in use. (Each Data slice has its capacity clipped to its length, so
// appending to it cannot write into data.) Everything else is copied.
// Empty vectors decode as nil slices, except a constant's (empty) Data.
func DecodeWithLimits(data []byte, lim Limits) (*Model, error) {
	version, err := peekVersion(data)
	if err != nil {
		return nil, err
	}
	if version != Version {
		return nil, Malformed("version", "format version %d, this edgerun reads version %d", version, Version)
	}
	if err := verifyBuffer(data); err != nil {
		return nil, err
	}
	m := decodeModel(data)
	if err := VerifyModel(m, lim); err != nil {
		return nil, err
	}
	return m, nil
}

// decodeModel reads a buffer verifyBuffer accepted.
func decodeModel(data []byte) *Model {
	r := fb.GetRootAsModel(data, 0)
	m := &Model{
		Description: string(r.Description()),
		ArenaBytes:  r.ArenaBytes(),
	}
	if n := r.TensorsLength(); n > 0 {
		m.Tensors = make([]Tensor, n)
		var ft fb.Tensor
		for i := range m.Tensors {
			r.Tensors(&ft, i)
			t := &m.Tensors[i]
			t.Name = string(ft.Name())
			t.DType = DType(ft.Dtype())
			t.Shape = readInt32s(ft.ShapeLength(), ft.Shape)
			t.ZeroPoint = readInt32s(ft.ZeroPointLength(), ft.ZeroPoint)
			t.QuantizedDim = ft.QuantizedDim()
			if n := ft.ScaleLength(); n > 0 {
				t.Scale = make([]float32, n)
				for j := range t.Scale {
					t.Scale[j] = ft.Scale(j)
				}
			}
			if d := ft.DataBytes(); d != nil {
				t.Data = d[:len(d):len(d)]
			}
			t.ArenaOffset = ft.ArenaOffset()
			t.Variable = ft.Variable()
		}
	}
	if n := r.OpsLength(); n > 0 {
		m.Ops = make([]Op, n)
		var fop fb.Op
		for i := range m.Ops {
			r.Ops(&fop, i)
			op := &m.Ops[i]
			op.Code = OpCode(fop.Code())
			op.Inputs = readInt32s(fop.InputsLength(), fop.Inputs)
			op.Outputs = readInt32s(fop.OutputsLength(), fop.Outputs)
			op.Params = decodeParams(&fop)
		}
	}
	m.Inputs = decodeIOs(r.InputsLength(), r.Inputs)
	m.Outputs = decodeIOs(r.OutputsLength(), r.Outputs)
	return m
}

func readInt32s(n int, at func(int) int32) []int32 {
	if n == 0 {
		return nil
	}
	s := make([]int32, n)
	for i := range s {
		s[i] = at(i)
	}
	return s
}

func decodeIOs(n int, at func(*fb.IO, int) bool) []IO {
	if n == 0 {
		return nil
	}
	ios := make([]IO, n)
	var io fb.IO
	for i := range ios {
		at(&io, i)
		ios[i] = IO{Tensor: io.Tensor(), Float: io.IsFloat()}
	}
	return ios
}

func decodeRequant(r *fb.Requant) Requant {
	if r == nil {
		return Requant{}
	}
	return Requant{
		Multiplier: readInt32s(r.MultiplierLength(), r.Multiplier),
		Shift:      readInt32s(r.ShiftLength(), r.Shift),
	}
}

func decodeParams(op *fb.Op) OpParams {
	var t flatbuffers.Table
	if !op.Params(&t) {
		return nil
	}
	if p, ok := decodeMovementParams(op.ParamsType(), t); ok {
		return p
	}
	switch op.ParamsType() {
	case fb.OpParamsConvParams:
		var p fb.ConvParams
		p.Init(t.Bytes, t.Pos)
		return &ConvParams{
			StrideH: p.StrideH(), StrideW: p.StrideW(),
			DilationH: p.DilationH(), DilationW: p.DilationW(),
			PadTop: p.PadTop(), PadLeft: p.PadLeft(),
			DepthMultiplier: p.DepthMultiplier(),
			InputOffset:     p.InputOffset(), FilterOffset: p.FilterOffset(), OutputOffset: p.OutputOffset(),
			Requant: decodeRequant(p.Requant(nil)),
			ActMin:  p.ActMin(), ActMax: p.ActMax(),
		}
	case fb.OpParamsFullyConnectedParams:
		var p fb.FullyConnectedParams
		p.Init(t.Bytes, t.Pos)
		return &FullyConnectedParams{
			InputOffset: p.InputOffset(), FilterOffset: p.FilterOffset(), OutputOffset: p.OutputOffset(),
			Requant: decodeRequant(p.Requant(nil)),
			ActMin:  p.ActMin(), ActMax: p.ActMax(),
		}
	case fb.OpParamsArithParams:
		var p fb.ArithParams
		p.Init(t.Bytes, t.Pos)
		return &ArithParams{
			Input1Offset: p.Input1Offset(), Input2Offset: p.Input2Offset(), OutputOffset: p.OutputOffset(),
			LeftShift:        p.LeftShift(),
			Input1Multiplier: p.Input1Multiplier(), Input1Shift: p.Input1Shift(),
			Input2Multiplier: p.Input2Multiplier(), Input2Shift: p.Input2Shift(),
			OutputMultiplier: p.OutputMultiplier(), OutputShift: p.OutputShift(),
			ActMin: p.ActMin(), ActMax: p.ActMax(),
		}
	case fb.OpParamsPoolParams:
		var p fb.PoolParams
		p.Init(t.Bytes, t.Pos)
		return &PoolParams{
			StrideH: p.StrideH(), StrideW: p.StrideW(),
			FilterH: p.FilterH(), FilterW: p.FilterW(),
			PadTop: p.PadTop(), PadLeft: p.PadLeft(),
			ActMin: p.ActMin(), ActMax: p.ActMax(),
		}
	case fb.OpParamsSoftmaxParams:
		var p fb.SoftmaxParams
		p.Init(t.Bytes, t.Pos)
		return &SoftmaxParams{
			InputBetaMultiplier: p.InputBetaMultiplier(),
			InputBetaLeftShift:  p.InputBetaLeftShift(),
			DiffMin:             p.DiffMin(),
		}
	case fb.OpParamsTableParams:
		var p fb.TableParams
		p.Init(t.Bytes, t.Pos)
		tp := &TableParams{}
		if n := p.ValuesLength(); n > 0 {
			tp.Table = make([]int8, n)
			for i := range tp.Table {
				tp.Table[i] = p.Values(i)
			}
		}
		return tp
	case fb.OpParamsPadParams:
		var p fb.PadParams
		p.Init(t.Bytes, t.Pos)
		return &PadParams{
			Before: readInt32s(p.BeforeLength(), p.Before),
			After:  readInt32s(p.AfterLength(), p.After),
			Value:  p.Value(),
		}
	case fb.OpParamsMeanParams:
		var p fb.MeanParams
		p.Init(t.Bytes, t.Pos)
		return &MeanParams{
			Axes:       readInt32s(p.AxesLength(), p.Axes),
			KeepDims:   p.KeepDims(),
			Thresholds: readInt32s(p.ThresholdsLength(), p.Thresholds),
		}
	case fb.OpParamsConcatenationParams:
		var p fb.ConcatenationParams
		p.Init(t.Bytes, t.Pos)
		return &ConcatenationParams{Axis: p.Axis()}
	case fb.OpParamsTransposeParams:
		var p fb.TransposeParams
		p.Init(t.Bytes, t.Pos)
		return &TransposeParams{Perm: readInt32s(p.PermLength(), p.Perm)}
	case fb.OpParamsInt32TableParams:
		return decodeInt32TableParams(t)
	case fb.OpParamsSVDFParams:
		return decodeSVDFParams(t)
	case fb.OpParamsLSTMParams:
		return decodeLSTMParams(t)
	case fb.OpParamsRescaleParams:
		return decodeRescaleParams(t)
	case fb.OpParamsSigmoid16Params:
		return decodeSigmoid16Params(t)
	case fb.OpParamsMean16Params:
		return decodeMean16Params(t)
	}
	if p, ok := decodeComputeParams(op.ParamsType(), &t); ok {
		return p
	}
	return nil // unreachable: verifyBuffer rejects unknown tags
}
