package runtime_test

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/runtime"
)

// TestFloatBoundaryInt16 checks the int16 QUANTIZE / DEQUANTIZE rules on
// hand-computed values (round half away from zero, the int16 clamp), and
// that an int16 graph input and output take and give float32 through a
// model with no ops (a float QUANTIZE input that is also a DEQUANTIZE
// output).
func TestFloatBoundaryInt16(t *testing.T) {
	in := []float32{1.25, -1.25, 0.74, 1e6, -1e6, float32(math.NaN()), 0}
	want := []int16{3, -3, 1, 32767, -32768, 0, 0} // scale 0.5, zero point 0
	raw := make([]int8, 2*len(in))
	runtime.QuantizeFloat32Int16(raw, in, 0.5, 0)
	for i, w := range want {
		if got := int16(binary.LittleEndian.Uint16([]byte{byte(raw[2*i]), byte(raw[2*i+1])})); got != w {
			t.Errorf("quantize(%v) = %d, want %d", in[i], got, w)
		}
	}
	deq := make([]float32, 2)
	src := []int8{0, -128, -1, 127} // -32768, 32767
	runtime.DequantizeInt16(deq, src, 0.5, 0)
	if deq[0] != -16384 || deq[1] != 16383.5 {
		t.Errorf("dequantize = %v, want [-16384 16383.5]", deq)
	}

	g := &format.Model{
		Tensors:    []format.Tensor{{Name: "x", DType: format.DTypeInt16, Shape: []int32{3}, Scale: []float32{0.25}, ZeroPoint: []int32{0}, ArenaOffset: 0}},
		Inputs:     []format.IO{{Tensor: 0, Float: true}},
		Outputs:    []format.IO{{Tensor: 0, Float: true}},
		ArenaBytes: 16,
	}
	m, err := runtime.FromGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	it, err := runtime.NewInterpreter(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if err := it.SetInputFloat32(0, []float32{1, -2.125, 3}); err != nil {
		t.Fatal(err)
	}
	if err := it.SetInputFloat32(0, []float32{1, 2}); err == nil {
		t.Error("SetInputFloat32 took 2 values for 3 int16 elements")
	}
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	out, err := it.OutputFloat32(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	// -2.125 / 0.25 = -8.5 rounds away from zero to -9: -2.25.
	if len(out) != 3 || out[0] != 1 || out[1] != -2.25 || out[2] != 3 {
		t.Errorf("round trip gave %v, want [1 -2.25 3]", out)
	}
}
