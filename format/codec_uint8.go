package format

import (
	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edgerun/edgerun/format/fb"
)

func encodeInt32TableParams(b *flatbuffers.Builder, p *Int32TableParams) flatbuffers.UOffsetT {
	values := int32Vector(b, p.Table)
	fb.Int32TableParamsStart(b)
	if values != 0 {
		fb.Int32TableParamsAddValues(b, values)
	}
	return fb.Int32TableParamsEnd(b)
}

func decodeInt32TableParams(t flatbuffers.Table) *Int32TableParams {
	var p fb.Int32TableParams
	p.Init(t.Bytes, t.Pos)
	return &Int32TableParams{Table: readInt32s(p.ValuesLength(), p.Values)}
}
