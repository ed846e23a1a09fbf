package format

import (
	"fmt"
	"math"

	"github.com/edgerun/edgerun/format/fb"
)

// DefaultMaxArenaBytes is the largest activation arena Decode accepts unless
// told otherwise (DecodeWithLimits).
const DefaultMaxArenaBytes = 256 << 20

// MaxTensorElements bounds the product of a tensor's dimensions (zero
// dimensions counted as 1, so that no partial product of the shape can
// overflow either).
const MaxTensorElements = math.MaxInt32

// Limits bounds what Decode and VerifyModel accept.
type Limits struct {
	// MaxArenaBytes is the largest accepted Model.ArenaBytes; 0 means
	// DefaultMaxArenaBytes.
	MaxArenaBytes int64
}

func (l Limits) maxArena() int64 {
	if l.MaxArenaBytes <= 0 {
		return DefaultMaxArenaBytes
	}
	return l.MaxArenaBytes
}

// tensorPath names tensor i in error paths: `tensor 12 "conv1/w"`.
func tensorPath(i int, name string) string {
	const max = 64
	if len(name) > max {
		name = name[:max] + "..."
	}
	return fmt.Sprintf("tensor %d %q", i, name)
}

// opPath names op i in error paths: "op 3 CONV_2D".
func opPath(i int, code OpCode) string { return fmt.Sprintf("op %d %s", i, code) }

// expectedParamsTag returns the OpParams union tag of the params op code c
// requires (fb.OpParamsNONE for RESHAPE), and whether c is known.
func expectedParamsTag(c OpCode) (fb.OpParams, bool) {
	if tag, ok := movementExpectedTag(c); ok {
		return tag, true
	}
	switch c {
	case OpConv2D, OpDepthwiseConv2D, OpTransposeConv:
		return fb.OpParamsConvParams, true
	case OpFullyConnected:
		return fb.OpParamsFullyConnectedParams, true
	case OpAdd, OpSub, OpMul:
		return fb.OpParamsArithParams, true
	case OpAveragePool2D, OpMaxPool2D:
		return fb.OpParamsPoolParams, true
	case OpSoftmax:
		return fb.OpParamsSoftmaxParams, true
	case OpLogistic, OpTanh, OpHardSwish, OpLeakyRelu, OpRelu, OpRelu6, OpReluN1To1, OpQuantize:
		return fb.OpParamsTableParams, true
	case OpPad, OpPadV2:
		return fb.OpParamsPadParams, true
	case OpMean:
		return fb.OpParamsMeanParams, true
	case OpConcatenation:
		return fb.OpParamsConcatenationParams, true
	case OpTranspose:
		return fb.OpParamsTransposeParams, true
	case OpReshape, OpMinimum, OpMaximum, OpSelectV2, OpCast, OpL2Normalization:
		return fb.OpParamsNONE, true
	case OpSVDF:
		return fb.OpParamsSVDFParams, true
	case OpElu, OpRsqrt:
		return fb.OpParamsTableParams, true
	case OpDiv, OpPRelu, OpAddN, OpAbs:
		return fb.OpParamsArithParams, true
	case OpEqual, OpNotEqual, OpLess, OpLessEqual, OpGreater, OpGreaterEqual, OpSquaredDifference:
		return fb.OpParamsScaledPairParams, true
	case OpArgMax, OpArgMin, OpReduceMax, OpReduceMin, OpSum:
		return fb.OpParamsReduceParams, true
	case OpCumSum:
		return fb.OpParamsCumSumParams, true
	case OpResizeBilinear:
		return fb.OpParamsResizeBilinearParams, true
	case OpLogSoftmax:
		return fb.OpParamsLogSoftmaxParams, true
	case OpBatchMatMul:
		return fb.OpParamsBatchMatMulParams, true
	case OpUnidirectionalSequenceLSTM:
		return fb.OpParamsLSTMParams, true
	}
	return fb.OpParamsNONE, false
}

// paramsTag returns the OpParams union tag of p's type (fb.OpParamsNONE for
// a nil interface) and whether p is usable: not a nil pointer, not an
// unknown type.
func paramsTag(p OpParams) (fb.OpParams, bool) {
	if tag, ok, known := movementParamsTag(p); known {
		return tag, ok
	}
	switch p := p.(type) {
	case nil:
		return fb.OpParamsNONE, true
	case *ConvParams:
		return fb.OpParamsConvParams, p != nil
	case *FullyConnectedParams:
		return fb.OpParamsFullyConnectedParams, p != nil
	case *ArithParams:
		return fb.OpParamsArithParams, p != nil
	case *PoolParams:
		return fb.OpParamsPoolParams, p != nil
	case *SoftmaxParams:
		return fb.OpParamsSoftmaxParams, p != nil
	case *TableParams:
		return fb.OpParamsTableParams, p != nil
	case *PadParams:
		return fb.OpParamsPadParams, p != nil
	case *MeanParams:
		return fb.OpParamsMeanParams, p != nil
	case *ConcatenationParams:
		return fb.OpParamsConcatenationParams, p != nil
	case *TransposeParams:
		return fb.OpParamsTransposeParams, p != nil
	case *Int32TableParams:
		return fb.OpParamsInt32TableParams, p != nil
	case *SVDFParams:
		return fb.OpParamsSVDFParams, p != nil
	case *RescaleParams:
		return fb.OpParamsRescaleParams, p != nil
	case *Sigmoid16Params:
		return fb.OpParamsSigmoid16Params, p != nil
	case *Mean16Params:
		return fb.OpParamsMean16Params, p != nil
	case *ScaledPairParams:
		return fb.OpParamsScaledPairParams, p != nil
	case *ReduceParams:
		return fb.OpParamsReduceParams, p != nil
	case *CumSumParams:
		return fb.OpParamsCumSumParams, p != nil
	case *ResizeBilinearParams:
		return fb.OpParamsResizeBilinearParams, p != nil
	case *LogSoftmaxParams:
		return fb.OpParamsLogSoftmaxParams, p != nil
	case *BatchMatMulParams:
		return fb.OpParamsBatchMatMulParams, p != nil
	case *LSTMParams:
		return fb.OpParamsLSTMParams, p != nil
	}
	return fb.OpParamsNONE, false
}

// paramsName names a union tag in messages.
func paramsName(tag fb.OpParams) string {
	if tag == fb.OpParamsNONE {
		return "no params"
	}
	if s, ok := fb.EnumNamesOpParams[tag]; ok {
		return s
	}
	return fmt.Sprintf("params type %d", tag)
}

// shapeBytes returns the element count and byte size of a tensor of the given
// shape and dtype, or a non-empty message if a dimension is negative or the
// shape has more than MaxTensorElements elements.
func shapeBytes(shape []int32, dtype DType) (elems, bytes int64, bad string) {
	prod := int64(1) // product of max(dim, 1), never above MaxTensorElements
	elems = 1
	for k, d := range shape {
		if d < 0 {
			return 0, 0, fmt.Sprintf("dimension %d is %d", k, d)
		}
		elems *= int64(d)
		if d > 0 {
			prod *= int64(d)
			if prod > MaxTensorElements {
				return 0, 0, fmt.Sprintf("more than %d elements", int64(MaxTensorElements))
			}
		}
	}
	return elems, elems * int64(dtype.Size()), ""
}

// VerifyModel checks that m is a well-formed edgerun model: everything
// Decode checks after reading a file (Encode checks the same before writing
// one, with no arena limit). It runs the per-field checks below, then
// VerifyGraph. Errors match ErrMalformedModel.
//
// Per-field checks: ArenaBytes in [0, lim.MaxArenaBytes]; every tensor has a
// valid dtype, non-negative dimensions with at most MaxTensorElements
// elements, a QuantizedDim that is 0 or a valid axis, ZeroPoint and Scale of
// equal length 0, 1 or the channel count along QuantizedDim, positive finite
// scales, zero points inside the dtype's range (int8, uint8, int16); a constant has len(Data) == elements × dtype size and
// ArenaOffset -1, an activation 0 <= ArenaOffset and ArenaOffset + size <=
// ArenaBytes; every op has a valid code, inputs in [-1, len(Tensors)),
// outputs in [0, len(Tensors)), and params of the type its code expects
// (none for RESHAPE) with: requant vectors of equal non-zero length, tables
// of 256 entries, pad before/after of equal length, 255 non-decreasing mean
// thresholds, a non-negative concatenation axis, a transpose perm that is a
// permutation; every graph input/output names a tensor.
func VerifyModel(m *Model, lim Limits) error {
	if m == nil {
		return Malformed("", "nil model")
	}
	if m.ArenaBytes < 0 || m.ArenaBytes > lim.maxArena() {
		return Malformed("arena_bytes", "%d outside [0, %d]", m.ArenaBytes, lim.maxArena())
	}
	for i := range m.Tensors {
		if err := verifyTensor(m, i); err != nil {
			return err
		}
	}
	for i := range m.Ops {
		if err := verifyOp(m, i); err != nil {
			return err
		}
	}
	for i, io := range m.Inputs {
		if io.Tensor < 0 || int(io.Tensor) >= len(m.Tensors) {
			return Malformed(fmt.Sprintf("input %d / tensor", i), "index %d outside [0, %d)", io.Tensor, len(m.Tensors))
		}
	}
	for i, io := range m.Outputs {
		if io.Tensor < 0 || int(io.Tensor) >= len(m.Tensors) {
			return Malformed(fmt.Sprintf("output %d / tensor", i), "index %d outside [0, %d)", io.Tensor, len(m.Tensors))
		}
	}
	return VerifyGraph(m)
}

func verifyTensor(m *Model, i int) error {
	t := &m.Tensors[i]
	field := func(name string) string { return tensorPath(i, t.Name) + " / " + name }
	if t.DType.Size() == 0 {
		return Malformed(field("dtype"), "invalid dtype %d", uint8(t.DType))
	}
	elems, bytes, bad := shapeBytes(t.Shape, t.DType)
	if bad != "" {
		return Malformed(field("shape"), "%s", bad)
	}

	// Quantization.
	qd := t.QuantizedDim
	if qd < 0 || (qd > 0 && int(qd) >= len(t.Shape)) {
		return Malformed(field("quantized_dim"), "%d is not an axis of a rank-%d shape", qd, len(t.Shape))
	}
	channels := -1
	if int(qd) < len(t.Shape) {
		channels = int(t.Shape[qd])
	}
	checkLen := func(name string, n int) error {
		if n == 0 || n == 1 || n == channels {
			return nil
		}
		if channels < 0 {
			return Malformed(field(name), "%d entries for a scalar, want 0 or 1", n)
		}
		return Malformed(field(name), "%d entries, want 0, 1 or %d (dimension %d)", n, channels, qd)
	}
	if err := checkLen("zero_point", len(t.ZeroPoint)); err != nil {
		return err
	}
	if err := checkLen("scale", len(t.Scale)); err != nil {
		return err
	}
	if len(t.ZeroPoint) != len(t.Scale) {
		return Malformed(field("scale"), "%d entries but zero_point has %d", len(t.Scale), len(t.ZeroPoint))
	}
	for k, sc := range t.Scale {
		if !(sc > 0) || math.IsInf(float64(sc), 0) {
			return Malformed(field("scale"), "entry %d is %v, want positive and finite", k, sc)
		}
	}
	if lo, hi, ok := zeroPointRange(t.DType); ok {
		for k, z := range t.ZeroPoint {
			if z < lo || z > hi {
				return Malformed(field("zero_point"), "entry %d is %d, outside the %s range [%d, %d]", k, z, t.DType, lo, hi)
			}
		}
	}

	// Storage.
	if t.Data != nil {
		if int64(len(t.Data)) != bytes {
			return Malformed(field("data"), "%d bytes, want %d (%d %s elements)", len(t.Data), bytes, elems, t.DType)
		}
		if t.ArenaOffset != -1 {
			return Malformed(field("arena_offset"), "%d for a constant, want -1", t.ArenaOffset)
		}
		if t.Variable {
			return Malformed(field("variable"), "a constant cannot be a variable")
		}
		return nil
	}
	if t.ArenaOffset < 0 || t.ArenaOffset > m.ArenaBytes || bytes > m.ArenaBytes-t.ArenaOffset {
		return Malformed(field("arena_offset"), "activation of %d bytes at %d does not fit the %d-byte arena", bytes, t.ArenaOffset, m.ArenaBytes)
	}
	return nil
}

// zeroPointRange returns the values a zero point of dtype d can take (the
// dtype's range, since a zero point is a representable value), ok=false
// when any int32 is acceptable.
func zeroPointRange(d DType) (lo, hi int32, ok bool) {
	switch d {
	case DTypeInt8:
		return math.MinInt8, math.MaxInt8, true
	case DTypeUint8:
		return 0, math.MaxUint8, true
	case DTypeInt16:
		return math.MinInt16, math.MaxInt16, true
	}
	return 0, 0, false
}

func verifyOp(m *Model, i int) error {
	op := &m.Ops[i]
	// at names a field of the op: at("params / table").
	at := func(field string) string { return opPath(i, op.Code) + " / " + field }
	want, ok := expectedParamsTag(op.Code)
	if !ok {
		if op.Code.Valid() {
			return Malformed(at("code"), "op code %d (%s) is reserved: this version has no format for its parameters", uint16(op.Code), op.Code)
		}
		return Malformed(at("code"), "unknown op code %d", uint16(op.Code))
	}
	for k, x := range op.Inputs {
		if x < -1 || int(x) >= len(m.Tensors) {
			return Malformed(at(fmt.Sprintf("input %d", k)), "tensor index %d outside [-1, %d)", x, len(m.Tensors))
		}
	}
	for k, x := range op.Outputs {
		if x < 0 || int(x) >= len(m.Tensors) {
			return Malformed(at(fmt.Sprintf("output %d", k)), "tensor index %d outside [0, %d)", x, len(m.Tensors))
		}
	}
	tag, ok := paramsTag(op.Params)
	if !ok {
		return Malformed(at("params"), "unusable params %T (nil or unknown type)", op.Params)
	}
	// QUANTIZE int8→int32 takes a table of int32 outputs instead; int16
	// ops may take their own parameters (altParamsTag).
	if tag != want && !(op.Code == OpQuantize && tag == fb.OpParamsInt32TableParams) && !altParamsTag(op.Code, tag) {
		return Malformed(at("params"), "%s, want %s for %s", paramsName(tag), paramsName(want), op.Code)
	}
	if err := verifyMovementParams(op.Params, at); err != nil {
		return err
	}
	switch p := op.Params.(type) {
	case *ConvParams:
		return verifyRequant(&p.Requant, at)
	case *FullyConnectedParams:
		return verifyRequant(&p.Requant, at)
	case *TableParams:
		if len(p.Table) != 256 {
			return Malformed(at("params / table"), "%d entries, want 256", len(p.Table))
		}
	case *Int32TableParams:
		if len(p.Table) != 256 {
			return Malformed(at("params / table"), "%d entries, want 256", len(p.Table))
		}
	case *PadParams:
		if len(p.Before) != len(p.After) {
			return Malformed(at("params / after"), "%d entries but before has %d", len(p.After), len(p.Before))
		}
	case *MeanParams:
		if len(p.Thresholds) != 255 {
			return Malformed(at("params / thresholds"), "%d entries, want 255", len(p.Thresholds))
		}
		for k := 1; k < len(p.Thresholds); k++ {
			if p.Thresholds[k] < p.Thresholds[k-1] {
				return Malformed(at("params / thresholds"), "entry %d (%d) is below entry %d (%d)", k, p.Thresholds[k], k-1, p.Thresholds[k-1])
			}
		}
	case *ConcatenationParams:
		if p.Axis < 0 {
			return Malformed(at("params / axis"), "%d is negative", p.Axis)
		}
	case *TransposeParams:
		seen := make([]bool, len(p.Perm))
		for k, a := range p.Perm {
			if a < 0 || int(a) >= len(p.Perm) || seen[a] {
				return Malformed(at("params / perm"), "entry %d (%d) repeats or is outside [0, %d): not a permutation", k, a, len(p.Perm))
			}
			seen[a] = true
		}
	case *ScaledPairParams:
		if len(p.Table1) != len(p.Table2) || (len(p.Table1) != 256 && (len(p.Table1) != 0 || op.Code != OpSquaredDifference)) {
			return Malformed(at("params"), "tables of %d and %d entries, want 256 each (none for int16 SQUARED_DIFFERENCE)", len(p.Table1), len(p.Table2))
		}
	case *CumSumParams:
		if p.Axis < 0 {
			return Malformed(at("params / axis"), "%d is negative", p.Axis)
		}
	case *ReduceParams:
		for k, a := range p.Axes {
			if a < 0 {
				return Malformed(at("params / axes"), "entry %d (%d) is negative", k, a)
			}
		}
		if n := len(p.Thresholds); n != 0 && n != 255 {
			return Malformed(at("params / thresholds"), "%d entries, want 255 or none", n)
		}
		for k := 1; k < len(p.Thresholds); k++ {
			if p.Thresholds[k] < p.Thresholds[k-1] {
				return Malformed(at("params / thresholds"), "entry %d (%d) is below entry %d (%d)", k, p.Thresholds[k], k-1, p.Thresholds[k-1])
			}
		}
	}
	return nil
}

func verifyRequant(r *Requant, at func(string) string) error {
	if len(r.Multiplier) == 0 || len(r.Multiplier) != len(r.Shift) {
		return Malformed(at("params / requant"), "%d multipliers and %d shifts, want equal non-zero counts", len(r.Multiplier), len(r.Shift))
	}
	return nil
}
