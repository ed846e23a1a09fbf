package format

import (
	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edgerun/edgerun/format/fb"
)

var lstmParamsSpec = &tableSpec{"LSTMParams", []fieldSpec{
	{name: "time_major", kind: kBool},
	specScalar("input_offset", 4), specScalar("hidden_offset", 4), specScalar("hidden_zero_point", 4),
	specInt32s("input_multipliers"), specInt32s("input_shifts"),
	specInt32s("recurrent_multipliers"), specInt32s("recurrent_shifts"),
	specScalar("forget_multiplier", 4), specScalar("forget_shift", 4),
	specScalar("cell_multiplier", 4), specScalar("cell_shift", 4),
	specScalar("hidden_multiplier", 4), specScalar("hidden_shift", 4),
	specScalar("cell_tanh_multiplier", 4), specScalar("cell_tanh_left_shift", 4),
	specScalar("cell_clip", 4),
}}

func encodeLSTMParams(b *flatbuffers.Builder, p *LSTMParams) flatbuffers.UOffsetT {
	im, is := int32Vector(b, p.InputMultipliers), int32Vector(b, p.InputShifts)
	rm, rs := int32Vector(b, p.RecurrentMultipliers), int32Vector(b, p.RecurrentShifts)
	fb.LSTMParamsStart(b)
	fb.LSTMParamsAddTimeMajor(b, p.TimeMajor)
	fb.LSTMParamsAddInputOffset(b, p.InputOffset)
	fb.LSTMParamsAddHiddenOffset(b, p.HiddenOffset)
	fb.LSTMParamsAddHiddenZeroPoint(b, p.HiddenZeroPoint)
	for _, v := range []struct {
		off flatbuffers.UOffsetT
		add func(*flatbuffers.Builder, flatbuffers.UOffsetT)
	}{{im, fb.LSTMParamsAddInputMultipliers}, {is, fb.LSTMParamsAddInputShifts},
		{rm, fb.LSTMParamsAddRecurrentMultipliers}, {rs, fb.LSTMParamsAddRecurrentShifts}} {
		if v.off != 0 {
			v.add(b, v.off)
		}
	}
	fb.LSTMParamsAddForgetMultiplier(b, p.ForgetMultiplier)
	fb.LSTMParamsAddForgetShift(b, p.ForgetShift)
	fb.LSTMParamsAddCellMultiplier(b, p.CellMultiplier)
	fb.LSTMParamsAddCellShift(b, p.CellShift)
	fb.LSTMParamsAddHiddenMultiplier(b, p.HiddenMultiplier)
	fb.LSTMParamsAddHiddenShift(b, p.HiddenShift)
	fb.LSTMParamsAddCellTanhMultiplier(b, p.CellTanhMultiplier)
	fb.LSTMParamsAddCellTanhLeftShift(b, p.CellTanhLeftShift)
	fb.LSTMParamsAddCellClip(b, p.CellClip)
	return fb.LSTMParamsEnd(b)
}

func decodeLSTMParams(t flatbuffers.Table) *LSTMParams {
	var p fb.LSTMParams
	p.Init(t.Bytes, t.Pos)
	return &LSTMParams{
		TimeMajor: p.TimeMajor(), InputOffset: p.InputOffset(), HiddenOffset: p.HiddenOffset(), HiddenZeroPoint: p.HiddenZeroPoint(),
		InputMultipliers:     readInt32s(p.InputMultipliersLength(), p.InputMultipliers),
		InputShifts:          readInt32s(p.InputShiftsLength(), p.InputShifts),
		RecurrentMultipliers: readInt32s(p.RecurrentMultipliersLength(), p.RecurrentMultipliers),
		RecurrentShifts:      readInt32s(p.RecurrentShiftsLength(), p.RecurrentShifts),
		ForgetMultiplier:     p.ForgetMultiplier(), ForgetShift: p.ForgetShift(),
		CellMultiplier: p.CellMultiplier(), CellShift: p.CellShift(),
		HiddenMultiplier: p.HiddenMultiplier(), HiddenShift: p.HiddenShift(),
		CellTanhMultiplier: p.CellTanhMultiplier(), CellTanhLeftShift: p.CellTanhLeftShift(),
		CellClip: p.CellClip(),
	}
}
