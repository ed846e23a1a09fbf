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

// TestQuantizeInt32: QUANTIZE int8→int32 writes each input's table entry
// as a little-endian int32, wherever the output lies in the arena.
func TestQuantizeInt32(t *testing.T) {
	table := make([]int32, 256)
	for i := range table {
		table[i] = int32(i*i*33331) - 1<<30
	}
	m := &format.Model{
		Tensors: []format.Tensor{
			{Name: "in", DType: format.DTypeInt8, Shape: []int32{1, 256}, Scale: []float32{0.1}, ZeroPoint: []int32{3}, ArenaOffset: 0},
			{Name: "out", DType: format.DTypeInt32, Shape: []int32{1, 256}, Scale: []float32{0.01}, ZeroPoint: []int32{0}, ArenaOffset: 257},
		},
		Ops:        []format.Op{{Code: format.OpQuantize, Inputs: []int32{0}, Outputs: []int32{1}, Params: &format.Int32TableParams{Table: table}}},
		Inputs:     []format.IO{{Tensor: 0}},
		Outputs:    []format.IO{{Tensor: 1}},
		ArenaBytes: 2048,
	}
	in := make([]int8, 256)
	for i := range in {
		in[i] = int8(i*5 + 1)
	}
	got := runKernel(t, m, in)
	for i, x := range in {
		b := got[4*i : 4*i+4]
		v := int32(uint8(b[0])) | int32(uint8(b[1]))<<8 | int32(uint8(b[2]))<<16 | int32(uint8(b[3]))<<24
		if want := table[int(x)+128]; v != want {
			t.Fatalf("input %d: %d, want %d", x, v, want)
		}
	}
	// Malformed: wrong dtypes, a short table, element counts that differ.
	for name, mutate := range map[string]func(m *format.Model){
		"uint8 input":  func(m *format.Model) { m.Tensors[0].DType = format.DTypeUint8 },
		"int16 output": func(m *format.Model) { m.Tensors[1].DType = format.DTypeInt16 },
		"short table":  func(m *format.Model) { m.Ops[0].Params = &format.Int32TableParams{Table: table[:10]} },
		"counts":       func(m *format.Model) { m.Tensors[1].Shape = []int32{1, 255} },
		"two inputs":   func(m *format.Model) { m.Ops[0].Inputs = []int32{0, 0} },
	} {
		mm := *m
		mm.Tensors = append([]format.Tensor(nil), m.Tensors...)
		mm.Ops = append([]format.Op(nil), m.Ops...)
		mutate(&mm)
		if _, err := Prepare(&mm, 0); !errors.Is(err, format.ErrMalformedModel) {
			t.Errorf("%s: %v, want a malformed-model error", name, err)
		}
	}
}

// TestQuantizeShift: a QUANTIZE whose table is x ^ 0x80 runs the shift
// kernel (eight bytes at a time), on every length's tail, to the table's
// bytes.
func TestQuantizeShift(t *testing.T) {
	table := make([]int8, 256)
	for i := range table {
		table[i] = int8(uint8(i))
	}
	for _, n := range []int32{1, 7, 8, 9, 16, 23, 301} {
		m := quantizeModel(format.OpQuantize, format.DTypeUint8, format.DTypeInt8)
		m.Ops[0].Params = &format.TableParams{Table: table}
		m.Tensors[0].Shape, m.Tensors[1].Shape = []int32{n}, []int32{n}
		k, err := Prepare(m, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := k.(*shiftKernel); !ok {
			t.Fatalf("kernel %T, want the shift kernel", k)
		}
		in := make([]int8, n)
		for i := range in {
			in[i] = int8(i*73 + 5)
		}
		got := runPrepared(t, k, m, in)
		for i, x := range in {
			if want := int8(uint8(x) ^ 0x80); got[i] != want {
				t.Fatalf("n %d: byte %d: %d, want %d", n, i, got[i], want)
			}
		}
	}
	// One entry off: the general table kernel.
	table[7]++
	m := quantizeModel(format.OpQuantize, format.DTypeUint8, format.DTypeInt8)
	m.Ops[0].Params = &format.TableParams{Table: table}
	if k, err := Prepare(m, 0); err != nil {
		t.Fatal(err)
	} else if _, ok := k.(*shiftKernel); ok {
		t.Error("a table that is not the shift runs the shift kernel")
	}
}
