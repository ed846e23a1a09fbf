package examples

import (
	"encoding/binary"

	"github.com/edgerun/edgerun/format/tflite"
)

// GatherPositions are the constant positions of GatherSource: a GATHER on
// axis 1 of an int8 [4, 5, 3] input by positions [2, 2], then a GATHER_ND
// of that [4, 2, 2, 3] result by [3, 3] positions (pairs of its first
// two axes).
var GatherPositions = struct{ Gather, GatherND []int64 }{
	Gather:   []int64{4, 0, 2, 2},
	GatherND: []int64{3, 1, 0, 0, 2, 1},
}

// GatherSource is a GATHER and a GATHER_ND whose positions are constants
// of the given type (int32 or int64). TFLite accepts int64 positions,
// TFLite Micro does not, so no golden file exists for them; the int32 and
// int64 models of this pair (testdata/gather_positions_int*.tflite) must
// give the same bytes, gathering being pure indexing.
func GatherSource(typ tflite.TensorType) *tflite.Model {
	pos := func(v []int64) []byte {
		var b []byte
		for _, p := range v {
			if typ == tflite.TypeInt32 {
				b = binary.LittleEndian.AppendUint32(b, uint32(int32(p)))
			} else {
				b = binary.LittleEndian.AppendUint64(b, uint64(p))
			}
		}
		return b
	}
	q := &tflite.Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{-3}}
	return &tflite.Model{
		Version:     3,
		Description: "edgerun example: GATHER and GATHER_ND with " + typ.String() + " positions",
		OperatorCodes: []tflite.OperatorCode{
			{BuiltinCode: tflite.OpGather, Version: 1},
			{BuiltinCode: tflite.OpGatherND, Version: 1},
		},
		Buffers: []tflite.Buffer{{}, {Data: pos(GatherPositions.Gather)}, {Data: pos(GatherPositions.GatherND)}},
		Subgraphs: []tflite.Subgraph{{
			Tensors: []tflite.Tensor{
				{Name: "params", Type: tflite.TypeInt8, Shape: []int32{4, 5, 3}, Quantization: q},
				{Name: "positions", Type: typ, Shape: []int32{2, 2}, Buffer: 1},
				{Name: "gathered", Type: tflite.TypeInt8, Shape: []int32{4, 2, 2, 3}, Quantization: q},
				{Name: "nd_positions", Type: typ, Shape: []int32{3, 2}, Buffer: 2},
				{Name: "out", Type: tflite.TypeInt8, Shape: []int32{3, 2, 3}, Quantization: q},
			},
			Inputs: []int32{0}, Outputs: []int32{4},
			Operators: []tflite.Operator{
				{OpcodeIndex: 0, Inputs: []int32{0, 1}, Outputs: []int32{2}, Options: &tflite.GatherOptions{Axis: 1}},
				{OpcodeIndex: 1, Inputs: []int32{2, 3}, Outputs: []int32{4}},
			},
		}},
	}
}
