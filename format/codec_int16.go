package format

import (
	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edgerun/edgerun/format/fb"
)

// Encoding, decoding and buffer verification of the int16 ops' params.

var rescaleParamsSpec = &tableSpec{"RescaleParams", []fieldSpec{
	specScalar("input_zero_point", 4), specScalar("output_zero_point", 4),
	specScalar("multiplier", 4), specScalar("shift", 4),
	specScalar("neg_multiplier", 4), specScalar("neg_shift", 4),
	specScalar("act_min", 4), specScalar("act_max", 4),
}}

var sigmoid16ParamsSpec = &tableSpec{"Sigmoid16Params", []fieldSpec{
	specScalar("input_multiplier", 4), specScalar("input_left_shift", 4),
}}

func encodeSigmoid16Params(b *flatbuffers.Builder, p *Sigmoid16Params) flatbuffers.UOffsetT {
	fb.Sigmoid16ParamsStart(b)
	fb.Sigmoid16ParamsAddInputMultiplier(b, p.InputMultiplier)
	fb.Sigmoid16ParamsAddInputLeftShift(b, p.InputLeftShift)
	return fb.Sigmoid16ParamsEnd(b)
}

func decodeSigmoid16Params(t flatbuffers.Table) *Sigmoid16Params {
	var p fb.Sigmoid16Params
	p.Init(t.Bytes, t.Pos)
	return &Sigmoid16Params{InputMultiplier: p.InputMultiplier(), InputLeftShift: p.InputLeftShift()}
}

var mean16ParamsSpec = &tableSpec{"Mean16Params", []fieldSpec{
	specInt32s("axes"), {name: "keep_dims", kind: kBool},
	specScalar("multiplier", 4), specScalar("shift", 4),
	specScalar("input_zero_point", 4), specScalar("output_zero_point", 4),
}}

func encodeMean16Params(b *flatbuffers.Builder, p *Mean16Params) flatbuffers.UOffsetT {
	axes := int32Vector(b, p.Axes)
	fb.Mean16ParamsStart(b)
	if axes != 0 {
		fb.Mean16ParamsAddAxes(b, axes)
	}
	fb.Mean16ParamsAddKeepDims(b, p.KeepDims)
	fb.Mean16ParamsAddMultiplier(b, p.Multiplier)
	fb.Mean16ParamsAddShift(b, p.Shift)
	fb.Mean16ParamsAddInputZeroPoint(b, p.InputZeroPoint)
	fb.Mean16ParamsAddOutputZeroPoint(b, p.OutputZeroPoint)
	return fb.Mean16ParamsEnd(b)
}

func decodeMean16Params(t flatbuffers.Table) *Mean16Params {
	var p fb.Mean16Params
	p.Init(t.Bytes, t.Pos)
	return &Mean16Params{
		Axes: readInt32s(p.AxesLength(), p.Axes), KeepDims: p.KeepDims(),
		Multiplier: p.Multiplier(), Shift: p.Shift(),
		InputZeroPoint: p.InputZeroPoint(), OutputZeroPoint: p.OutputZeroPoint(),
	}
}

func encodeRescaleParams(b *flatbuffers.Builder, p *RescaleParams) flatbuffers.UOffsetT {
	fb.RescaleParamsStart(b)
	fb.RescaleParamsAddInputZeroPoint(b, p.InputZeroPoint)
	fb.RescaleParamsAddOutputZeroPoint(b, p.OutputZeroPoint)
	fb.RescaleParamsAddMultiplier(b, p.Multiplier)
	fb.RescaleParamsAddShift(b, p.Shift)
	fb.RescaleParamsAddNegMultiplier(b, p.NegMultiplier)
	fb.RescaleParamsAddNegShift(b, p.NegShift)
	fb.RescaleParamsAddActMin(b, p.ActMin)
	fb.RescaleParamsAddActMax(b, p.ActMax)
	return fb.RescaleParamsEnd(b)
}

func decodeRescaleParams(t flatbuffers.Table) *RescaleParams {
	var p fb.RescaleParams
	p.Init(t.Bytes, t.Pos)
	return &RescaleParams{
		InputZeroPoint: p.InputZeroPoint(), OutputZeroPoint: p.OutputZeroPoint(),
		Multiplier: p.Multiplier(), Shift: p.Shift(),
		NegMultiplier: p.NegMultiplier(), NegShift: p.NegShift(),
		ActMin: p.ActMin(), ActMax: p.ActMax(),
	}
}
