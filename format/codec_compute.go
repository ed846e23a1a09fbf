package format

import (
	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edgerun/edgerun/format/fb"
)

// Encoding, decoding and size bounds of the params in model_compute.go,
// called from codec.go's switches.

// encodeComputeParams builds p if it is one of model_compute.go's types;
// ok is false otherwise.
func encodeComputeParams(b *flatbuffers.Builder, p OpParams) (off flatbuffers.UOffsetT, ok bool) {
	switch p := p.(type) {
	case *ScaledPairParams:
		t1 := int32Vector(b, p.Table1)
		t2 := int32Vector(b, p.Table2)
		fb.ScaledPairParamsStart(b)
		if t1 != 0 {
			fb.ScaledPairParamsAddTable1(b, t1)
		}
		if t2 != 0 {
			fb.ScaledPairParamsAddTable2(b, t2)
		}
		fb.ScaledPairParamsAddOutputMultiplier(b, p.OutputMultiplier)
		fb.ScaledPairParamsAddOutputShift(b, p.OutputShift)
		fb.ScaledPairParamsAddOutputOffset(b, p.OutputOffset)
		fb.ScaledPairParamsAddActMin(b, p.ActMin)
		fb.ScaledPairParamsAddActMax(b, p.ActMax)
		fb.ScaledPairParamsAddInput1Multiplier(b, p.Input1Multiplier)
		fb.ScaledPairParamsAddInput1Shift(b, p.Input1Shift)
		fb.ScaledPairParamsAddInput2Multiplier(b, p.Input2Multiplier)
		fb.ScaledPairParamsAddInput2Shift(b, p.Input2Shift)
		return fb.ScaledPairParamsEnd(b), true
	case *CumSumParams:
		fb.CumSumParamsStart(b)
		fb.CumSumParamsAddAxis(b, p.Axis)
		fb.CumSumParamsAddExclusive(b, p.Exclusive)
		fb.CumSumParamsAddReverse(b, p.Reverse)
		fb.CumSumParamsAddInputOffset(b, p.InputOffset)
		fb.CumSumParamsAddOutputOffset(b, p.OutputOffset)
		fb.CumSumParamsAddLeftShift(b, p.LeftShift)
		fb.CumSumParamsAddInputMultiplier(b, p.InputMultiplier)
		fb.CumSumParamsAddInputShift(b, p.InputShift)
		fb.CumSumParamsAddOutputMultiplier(b, p.OutputMultiplier)
		fb.CumSumParamsAddOutputShift(b, p.OutputShift)
		fb.CumSumParamsAddActMin(b, p.ActMin)
		fb.CumSumParamsAddActMax(b, p.ActMax)
		return fb.CumSumParamsEnd(b), true
	case *ResizeBilinearParams:
		fb.ResizeBilinearParamsStart(b)
		fb.ResizeBilinearParamsAddAlignCorners(b, p.AlignCorners)
		fb.ResizeBilinearParamsAddHalfPixelCenters(b, p.HalfPixelCenters)
		return fb.ResizeBilinearParamsEnd(b), true
	case *LogSoftmaxParams:
		fb.LogSoftmaxParamsStart(b)
		fb.LogSoftmaxParamsAddInputMultiplier(b, p.InputMultiplier)
		fb.LogSoftmaxParamsAddInputLeftShift(b, p.InputLeftShift)
		fb.LogSoftmaxParamsAddReverseMultiplier(b, p.ReverseMultiplier)
		fb.LogSoftmaxParamsAddReverseShift(b, p.ReverseShift)
		fb.LogSoftmaxParamsAddDiffMin(b, p.DiffMin)
		return fb.LogSoftmaxParamsEnd(b), true
	case *BatchMatMulParams:
		fb.BatchMatMulParamsStart(b)
		fb.BatchMatMulParamsAddAdjX(b, p.AdjX)
		fb.BatchMatMulParamsAddAdjY(b, p.AdjY)
		fb.BatchMatMulParamsAddLhsOffset(b, p.LhsOffset)
		fb.BatchMatMulParamsAddRhsOffset(b, p.RhsOffset)
		fb.BatchMatMulParamsAddOutputOffset(b, p.OutputOffset)
		fb.BatchMatMulParamsAddOutputMultiplier(b, p.OutputMultiplier)
		fb.BatchMatMulParamsAddOutputShift(b, p.OutputShift)
		fb.BatchMatMulParamsAddActMin(b, p.ActMin)
		fb.BatchMatMulParamsAddActMax(b, p.ActMax)
		return fb.BatchMatMulParamsEnd(b), true
	case *ReduceParams:
		axes := int32Vector(b, p.Axes)
		thresholds := int32Vector(b, p.Thresholds)
		fb.ReduceParamsStart(b)
		if axes != 0 {
			fb.ReduceParamsAddAxes(b, axes)
		}
		fb.ReduceParamsAddKeepDims(b, p.KeepDims)
		if thresholds != 0 {
			fb.ReduceParamsAddThresholds(b, thresholds)
		}
		fb.ReduceParamsAddMultiplier(b, p.Multiplier)
		fb.ReduceParamsAddShift(b, p.Shift)
		return fb.ReduceParamsEnd(b), true
	}
	return 0, false
}

// decodeComputeParams reads the union member of tag from t; ok is false
// for tags of other files.
func decodeComputeParams(tag fb.OpParams, t *flatbuffers.Table) (OpParams, bool) {
	switch tag {
	case fb.OpParamsScaledPairParams:
		var p fb.ScaledPairParams
		p.Init(t.Bytes, t.Pos)
		return &ScaledPairParams{
			Table1:           readInt32s(p.Table1Length(), p.Table1),
			Table2:           readInt32s(p.Table2Length(), p.Table2),
			OutputMultiplier: p.OutputMultiplier(), OutputShift: p.OutputShift(),
			OutputOffset: p.OutputOffset(), ActMin: p.ActMin(), ActMax: p.ActMax(),
			Input1Multiplier: p.Input1Multiplier(), Input1Shift: p.Input1Shift(),
			Input2Multiplier: p.Input2Multiplier(), Input2Shift: p.Input2Shift(),
		}, true
	case fb.OpParamsCumSumParams:
		var p fb.CumSumParams
		p.Init(t.Bytes, t.Pos)
		return &CumSumParams{
			Axis: p.Axis(), Exclusive: p.Exclusive(), Reverse: p.Reverse(),
			InputOffset: p.InputOffset(), OutputOffset: p.OutputOffset(), LeftShift: p.LeftShift(),
			InputMultiplier: p.InputMultiplier(), InputShift: p.InputShift(),
			OutputMultiplier: p.OutputMultiplier(), OutputShift: p.OutputShift(),
			ActMin: p.ActMin(), ActMax: p.ActMax(),
		}, true
	case fb.OpParamsResizeBilinearParams:
		var p fb.ResizeBilinearParams
		p.Init(t.Bytes, t.Pos)
		return &ResizeBilinearParams{AlignCorners: p.AlignCorners(), HalfPixelCenters: p.HalfPixelCenters()}, true
	case fb.OpParamsLogSoftmaxParams:
		var p fb.LogSoftmaxParams
		p.Init(t.Bytes, t.Pos)
		return &LogSoftmaxParams{
			InputMultiplier: p.InputMultiplier(), InputLeftShift: p.InputLeftShift(),
			ReverseMultiplier: p.ReverseMultiplier(), ReverseShift: p.ReverseShift(), DiffMin: p.DiffMin(),
		}, true
	case fb.OpParamsBatchMatMulParams:
		var p fb.BatchMatMulParams
		p.Init(t.Bytes, t.Pos)
		return &BatchMatMulParams{
			AdjX: p.AdjX(), AdjY: p.AdjY(),
			LhsOffset: p.LhsOffset(), RhsOffset: p.RhsOffset(), OutputOffset: p.OutputOffset(),
			OutputMultiplier: p.OutputMultiplier(), OutputShift: p.OutputShift(),
			ActMin: p.ActMin(), ActMax: p.ActMax(),
		}, true
	case fb.OpParamsReduceParams:
		var p fb.ReduceParams
		p.Init(t.Bytes, t.Pos)
		return &ReduceParams{Axes: readInt32s(p.AxesLength(), p.Axes), KeepDims: p.KeepDims(),
			Thresholds: readInt32s(p.ThresholdsLength(), p.Thresholds), Multiplier: p.Multiplier(), Shift: p.Shift()}, true
	}
	return nil, false
}

// computeParamsSize is the encoded-size bound of the vectors of p's type.
func computeParamsSize(p OpParams, vec func(n, elem int) int64) int64 {
	switch p := p.(type) {
	case *ScaledPairParams:
		return vec(len(p.Table1), 4) + vec(len(p.Table2), 4)
	case *ReduceParams:
		return vec(len(p.Axes), 4) + vec(len(p.Thresholds), 4)
	}
	return 0
}

var (
	scaledPairParamsSpec = &tableSpec{"ScaledPairParams", []fieldSpec{
		specInt32s("table1"), specInt32s("table2"),
		specScalar("output_multiplier", 4), specScalar("output_shift", 4),
		specScalar("output_offset", 4), specScalar("act_min", 4), specScalar("act_max", 4),
		specScalar("input1_multiplier", 4), specScalar("input1_shift", 4),
		specScalar("input2_multiplier", 4), specScalar("input2_shift", 4),
	}}
	reduceParamsSpec = &tableSpec{"ReduceParams", []fieldSpec{
		specInt32s("axes"), {name: "keep_dims", kind: kBool},
		specInt32s("thresholds"), specScalar("multiplier", 4), specScalar("shift", 4),
	}}
	resizeBilinearParamsSpec = &tableSpec{"ResizeBilinearParams", []fieldSpec{
		{name: "align_corners", kind: kBool}, {name: "half_pixel_centers", kind: kBool},
	}}
	logSoftmaxParamsSpec = &tableSpec{"LogSoftmaxParams", []fieldSpec{
		specScalar("input_multiplier", 4), specScalar("input_left_shift", 4),
		specScalar("reverse_multiplier", 4), specScalar("reverse_shift", 4), specScalar("diff_min", 4),
	}}
	batchMatMulParamsSpec = &tableSpec{"BatchMatMulParams", []fieldSpec{
		{name: "adj_x", kind: kBool}, {name: "adj_y", kind: kBool},
		specScalar("lhs_offset", 4), specScalar("rhs_offset", 4), specScalar("output_offset", 4),
		specScalar("output_multiplier", 4), specScalar("output_shift", 4),
		specScalar("act_min", 4), specScalar("act_max", 4),
	}}
	cumSumParamsSpec = &tableSpec{"CumSumParams", []fieldSpec{
		specScalar("axis", 4), {name: "exclusive", kind: kBool}, {name: "reverse", kind: kBool},
		specScalar("input_offset", 4), specScalar("output_offset", 4), specScalar("left_shift", 4),
		specScalar("input_multiplier", 4), specScalar("input_shift", 4),
		specScalar("output_multiplier", 4), specScalar("output_shift", 4),
		specScalar("act_min", 4), specScalar("act_max", 4),
	}}
)
