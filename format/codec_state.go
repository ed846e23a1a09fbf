package format

import (
	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edgerun/edgerun/format/fb"
)

func encodeSVDFParams(b *flatbuffers.Builder, p *SVDFParams) flatbuffers.UOffsetT {
	fb.SVDFParamsStart(b)
	fb.SVDFParamsAddRank(b, p.Rank)
	fb.SVDFParamsAddInputOffset(b, p.InputOffset)
	fb.SVDFParamsAddOutputOffset(b, p.OutputOffset)
	fb.SVDFParamsAddStateZeroPoint(b, p.StateZeroPoint)
	fb.SVDFParamsAddFeatureMultiplier(b, p.FeatureMultiplier)
	fb.SVDFParamsAddFeatureShift(b, p.FeatureShift)
	fb.SVDFParamsAddOutputMultiplier(b, p.OutputMultiplier)
	fb.SVDFParamsAddOutputShift(b, p.OutputShift)
	return fb.SVDFParamsEnd(b)
}

func decodeSVDFParams(t flatbuffers.Table) *SVDFParams {
	var p fb.SVDFParams
	p.Init(t.Bytes, t.Pos)
	return &SVDFParams{
		Rank: p.Rank(), InputOffset: p.InputOffset(), OutputOffset: p.OutputOffset(),
		StateZeroPoint:    p.StateZeroPoint(),
		FeatureMultiplier: p.FeatureMultiplier(), FeatureShift: p.FeatureShift(),
		OutputMultiplier: p.OutputMultiplier(), OutputShift: p.OutputShift(),
	}
}
