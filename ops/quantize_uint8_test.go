package ops

import (
	"errors"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// quantizeModel is a one-op QUANTIZE (or other table op) model with the
// given dtypes and a table whose entry i is the byte 255-i.
func quantizeModel(code format.OpCode, in, out format.DType) *format.Model {
	table := make([]int8, 256)
	for i := range table {
		table[i] = int8(uint8(255 - i))
	}
	return &format.Model{
		Tensors: []format.Tensor{
			{Name: "in", DType: in, Shape: []int32{256}, Scale: []float32{0.1}, ZeroPoint: []int32{3}, ArenaOffset: 0},
			{Name: "out", DType: out, Shape: []int32{256}, Scale: []float32{0.1}, ZeroPoint: []int32{3}, ArenaOffset: 1024},
		},
		Ops:        []format.Op{{Code: code, Inputs: []int32{0}, Outputs: []int32{1}, Params: &format.TableParams{Table: table}}},
		Inputs:     []format.IO{{Tensor: 0}},
		Outputs:    []format.IO{{Tensor: 1}},
		ArenaBytes: 2048,
	}
}

// TestQuantizeUint8Operands: QUANTIZE's table kernel takes uint8 on either
// side (the graph's uint8 boundary) and maps bytes as the table says: the
// byte b finds Table[b^0x80], whatever the dtypes.
func TestQuantizeUint8Operands(t *testing.T) {
	in := make([]int8, 256)
	for i := range in {
		in[i] = int8(uint8(i))
	}
	for _, dt := range [][2]format.DType{
		{format.DTypeUint8, format.DTypeInt8}, {format.DTypeInt8, format.DTypeUint8}, {format.DTypeInt8, format.DTypeInt8},
	} {
		got := runKernel(t, quantizeModel(format.OpQuantize, dt[0], dt[1]), in)
		for b := range 256 {
			if want := uint8(255 - (b ^ 0x80)); uint8(got[b]) != want {
				t.Fatalf("%s→%s: byte %d → %d, want %d", dt[0], dt[1], b, uint8(got[b]), want)
			}
		}
	}
}

// TestQuantizeDTypesRefused: uint8 operands are QUANTIZE's alone (the
// other table ops run on int8 inside the graph), and QUANTIZE's table
// takes no other dtype.
func TestQuantizeDTypesRefused(t *testing.T) {
	for _, tc := range []struct {
		code    format.OpCode
		in, out format.DType
	}{
		{format.OpLogistic, format.DTypeUint8, format.DTypeInt8},
		{format.OpRelu, format.DTypeInt8, format.DTypeUint8},
		{format.OpQuantize, format.DTypeInt16, format.DTypeInt8},
		{format.OpQuantize, format.DTypeInt8, format.DTypeInt32},
		{format.OpQuantize, format.DTypeBool, format.DTypeUint8},
	} {
		_, err := Prepare(quantizeModel(tc.code, tc.in, tc.out), 0)
		if !errors.Is(err, format.ErrMalformedModel) {
			t.Errorf("%s %s→%s: %v, want a malformed-model error", tc.code, tc.in, tc.out, err)
		}
	}
	m := quantizeModel(format.OpQuantize, format.DTypeUint8, format.DTypeInt8)
	m.Ops[0].Params.(*format.TableParams).Table = make([]int8, 255)
	if _, err := Prepare(m, 0); err == nil || !strings.Contains(err.Error(), "255 entries") {
		t.Errorf("255-entry table: %v", err)
	}
	m = quantizeModel(format.OpQuantize, format.DTypeUint8, format.DTypeInt8)
	m.Ops[0].Inputs[0] = 7
	if _, err := Prepare(m, 0); !errors.Is(err, format.ErrMalformedModel) {
		t.Errorf("input index 7: %v", err)
	}
	m = quantizeModel(format.OpQuantize, format.DTypeUint8, format.DTypeInt8)
	m.Ops[0].Outputs = nil
	if _, err := Prepare(m, 0); !errors.Is(err, format.ErrMalformedModel) {
		t.Errorf("no output: %v", err)
	}
}
