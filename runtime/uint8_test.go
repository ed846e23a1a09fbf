package runtime_test

import (
	"errors"
	"math"
	"path/filepath"
	"testing"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/internal/quanttest"
	"github.com/edgerun/edgerun/runtime"
)

// requantize is TFLite's QUANTIZE between integer types
// (reference_ops::Requantize) on one value: the multiplier of
// input scale / output scale (double), then
// clamp(MultiplyByQuantizedMultiplier(x - inZP) + outZP) to [lo, hi].
func requantize(x, inZP, outZP int32, inScale, outScale float32, lo, hi int32) int32 {
	m, s := dyadic.QuantizeMultiplier(float64(inScale) / float64(outScale))
	return min(max(quanttest.MultiplyByQuantizedMultiplier(x-inZP, m, s)+outZP, lo), hi)
}

func loadTestdata(t *testing.T, name string) *runtime.Model {
	t.Helper()
	m, err := runtime.LoadFile(filepath.Join(testdata, name))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func newInterp(t *testing.T, m *runtime.Model) *runtime.Interpreter {
	t.Helper()
	it, err := runtime.NewInterpreter(m, &runtime.Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { it.Close() })
	return it
}

// TestUint8InputQuantize: uint8_quantize.tflite declares a uint8 image
// (zero point 3) QUANTIZEd to int8 with another scale (output 0) and back
// to uint8 with a third (output 1). The API shows the declared types and
// quantization, takes the uint8 bytes a camera gives, and both outputs
// are TFLite's QUANTIZE of them.
func TestUint8InputQuantize(t *testing.T) {
	m := loadTestdata(t, "uint8_quantize.tflite")
	in, outs := m.Inputs()[0], m.Outputs()
	if in.DType != format.DTypeUint8 || in.Scale != examples.Uint8QuantizeInScale || in.ZeroPoint != examples.Uint8QuantizeInZP || in.Float || in.Bytes != 768 {
		t.Fatalf("input %+v, want uint8 scale %v zero point %d", in, examples.Uint8QuantizeInScale, examples.Uint8QuantizeInZP)
	}
	if outs[0].DType != format.DTypeInt8 || outs[0].ZeroPoint != examples.Uint8QuantizeMidZP ||
		outs[1].DType != format.DTypeUint8 || outs[1].Scale != examples.Uint8QuantizeOutScale || outs[1].ZeroPoint != examples.Uint8QuantizeOutZP {
		t.Fatalf("outputs %+v", outs)
	}
	it := newInterp(t, m)
	image := make([]uint8, 768)
	for i := range image {
		image[i] = uint8(i*7 + i/256) // every byte value, three times
	}
	if err := it.SetInputUint8(0, image); err != nil {
		t.Fatal(err)
	}
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	q, u := it.OutputInt8(0), it.OutputUint8(1)
	if q == nil || u == nil || it.OutputUint8(0) != nil || it.OutputInt8(1) != nil {
		t.Fatalf("typed outputs: int8 %v, uint8 %v (and the wrong types must give nil)", q != nil, u != nil)
	}
	for i, x := range image {
		wantQ := requantize(int32(x), examples.Uint8QuantizeInZP, examples.Uint8QuantizeMidZP,
			examples.Uint8QuantizeInScale, examples.Uint8QuantizeMidScale, math.MinInt8, math.MaxInt8)
		wantU := requantize(wantQ, examples.Uint8QuantizeMidZP, examples.Uint8QuantizeOutZP,
			examples.Uint8QuantizeMidScale, examples.Uint8QuantizeOutScale, 0, math.MaxUint8)
		if int32(q[i]) != wantQ || int32(u[i]) != wantU {
			t.Fatalf("byte %d: outputs %d, %d, want %d, %d", x, q[i], u[i], wantQ, wantU)
		}
	}

	// The float helpers use the declared uint8 quantization: TFLite's
	// QUANTIZE of the real values gives the same bytes, and the uint8
	// output dequantizes as DEQUANTIZE would.
	reals := make([]float32, len(image))
	for i, x := range image {
		reals[i] = float32(int32(x)-examples.Uint8QuantizeInZP) * examples.Uint8QuantizeInScale
	}
	if err := it.SetInputFloat32(0, reals); err != nil {
		t.Fatal(err)
	}
	for i, b := range it.InputBytes(0) {
		if b != image[i] {
			t.Fatalf("SetInputFloat32(%v) stored %d, want %d", reals[i], b, image[i])
		}
	}
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	f, err := it.OutputFloat32(1, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range it.OutputUint8(1) {
		if want := float32(float64(examples.Uint8QuantizeOutScale) * float64(int32(b)-examples.Uint8QuantizeOutZP)); f[i] != want {
			t.Fatalf("OutputFloat32[%d] = %v, want %v", i, f[i], want)
		}
	}
	// Out-of-range reals clamp to the uint8 range, not int8's.
	reals[0], reals[1] = -1, 10
	if err := it.SetInputFloat32(0, reals); err != nil {
		t.Fatal(err)
	}
	if b := it.InputBytes(0); b[0] != 0 || b[1] != 255 {
		t.Errorf("-1 and 10 quantized to %d and %d, want 0 and 255", b[0], b[1])
	}

	// Typed setters refuse the other type.
	if err := it.SetInputInt8(0, make([]int8, 768)); !errors.Is(err, runtime.ErrShapeMismatch) {
		t.Errorf("SetInputInt8 on the uint8 input: %v", err)
	}
	if err := it.SetInputUint8(0, make([]uint8, 767)); !errors.Is(err, runtime.ErrShapeMismatch) {
		t.Errorf("767 bytes: %v", err)
	}
	mlp := newInterp(t, loadMLP(t))
	if err := mlp.SetInputUint8(0, make([]uint8, 64)); !errors.Is(err, runtime.ErrShapeMismatch) {
		t.Errorf("SetInputUint8 on an int8 input: %v", err)
	}
}

// TestUint8OutputOfInt8Graph: mlp_64_10_uint8_out.tflite is the built-in
// MLP with its int8 softmax QUANTIZEd to uint8 (1/256, zero point 0). Its
// output is TFLite's QUANTIZE of the MLP's int8 output, for the same
// input.
func TestUint8OutputOfInt8Graph(t *testing.T) {
	m := loadTestdata(t, "mlp_64_10_uint8_out.tflite")
	out := m.Outputs()[0]
	if out.DType != format.DTypeUint8 || out.Scale != 1.0/256 || out.ZeroPoint != 0 || out.Name != "probabilities_u8" {
		t.Fatalf("output %+v, want uint8 1/256 zero point 0", out)
	}
	mlp := loadMLP(t)
	scale, zp := mlp.Outputs()[0].Scale, mlp.Outputs()[0].ZeroPoint
	for seed := uint32(1); seed <= 4; seed++ {
		a, b := newReadyInterpreter(t, m, seed), newReadyInterpreter(t, mlp, seed)
		if err := a.Invoke(); err != nil {
			t.Fatal(err)
		}
		if err := b.Invoke(); err != nil {
			t.Fatal(err)
		}
		got, ref := a.OutputUint8(0), b.OutputInt8(0)
		for i := range ref {
			if want := requantize(int32(ref[i]), zp, 0, scale, 1.0/256, 0, math.MaxUint8); int32(got[i]) != want {
				t.Fatalf("seed %d: output %d is %d, want %d (int8 %d)", seed, i, got[i], want, ref[i])
			}
		}
		a.Close()
		b.Close()
	}
}

// TestFullyUint8Model: fc_uint8.tflite is one FULLY_CONNECTED on uint8
// throughout (uint8 weights with zero point 134). Its output is TFLite's
// uint8 kernel computed here on the file's bytes: Σ(x - in_zp)(w - w_zp) +
// bias, times the multiplier of the float32 product in_scale·w_scale over
// the output scale, plus out_zp, clamped by ReLU to [out_zp, 255].
func TestFullyUint8Model(t *testing.T) {
	src := examples.FCUint8Source()
	sg := &src.Subgraphs[0]
	weights := src.Buffers[sg.Tensors[sg.Operators[0].Inputs[1]].Buffer].Data
	biasBytes := src.Buffers[sg.Tensors[sg.Operators[0].Inputs[2]].Buffer].Data
	m := loadTestdata(t, "fc_uint8.tflite")
	in, out := m.Inputs()[0], m.Outputs()[0]
	if in.DType != format.DTypeUint8 || in.ZeroPoint != examples.FCUint8InZP || out.DType != format.DTypeUint8 || out.ZeroPoint != examples.FCUint8OutZP {
		t.Fatalf("input %+v output %+v", in, out)
	}
	mult, shift := dyadic.QuantizeMultiplier(float64(examples.FCUint8InScale*examples.FCUint8WeightScale) / float64(examples.FCUint8OutScale))
	it := newInterp(t, m)
	x := make([]uint8, examples.FCUint8In)
	nonTrivial := 0
	for seed := 0; seed < 8; seed++ {
		for i := range x {
			x[i] = uint8((i*31 + seed*97) ^ (seed * 11))
		}
		if err := it.SetInputUint8(0, x); err != nil {
			t.Fatal(err)
		}
		if err := it.Invoke(); err != nil {
			t.Fatal(err)
		}
		got := it.OutputUint8(0)
		for o := 0; o < examples.FCUint8Out; o++ {
			acc := int32(int32(biasBytes[4*o]) | int32(biasBytes[4*o+1])<<8 | int32(biasBytes[4*o+2])<<16 | int32(biasBytes[4*o+3])<<24)
			for i := range x {
				acc += (int32(x[i]) - examples.FCUint8InZP) * (int32(weights[o*examples.FCUint8In+i]) - examples.FCUint8WeightZP)
			}
			want := min(max(quanttest.MultiplyByQuantizedMultiplier(acc, mult, shift)+examples.FCUint8OutZP, examples.FCUint8OutZP), 255)
			if int32(got[o]) != want {
				t.Fatalf("seed %d output %d: %d, want %d", seed, o, got[o], want)
			}
			if want > examples.FCUint8OutZP && want < 255 {
				nonTrivial++
			}
		}
	}
	if nonTrivial < 32 {
		t.Errorf("only %d outputs strictly inside (zp, 255): the test checks little", nonTrivial)
	}
}

// TestFloatInputQuantizedToUint8: float_uint8.tflite quantizes its float32
// input to uint8 (zero point 100), requantizes that to int8 and
// dequantizes the result. The float boundary's tensor is the declared
// uint8 one; SetInputFloat32 and OutputFloat32 give what TFLite's three
// kernels give.
func TestFloatInputQuantizedToUint8(t *testing.T) {
	m := loadTestdata(t, "float_uint8.tflite")
	in, out := m.Inputs()[0], m.Outputs()[0]
	if !in.Float || in.DType != format.DTypeUint8 || in.ZeroPoint != examples.FloatUint8QZP || !out.Float || out.DType != format.DTypeInt8 {
		t.Fatalf("input %+v output %+v", in, out)
	}
	it := newInterp(t, m)
	x := make([]float32, 64)
	for i := range x {
		x[i] = float32(i-40)*0.071 + 0.01 // beyond both ends of uint8's range
	}
	if err := it.SetInputFloat32(0, x); err != nil {
		t.Fatal(err)
	}
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	got, err := it.OutputFloat32(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	clamped := 0
	for i, v := range x {
		// TFLite's AffineQuantize: round(v / scale) in float32, plus the zero
		// point, clamped to uint8.
		q := int32(math.Round(float64(v/examples.FloatUint8QScale))) + examples.FloatUint8QZP
		if q < 0 || q > 255 {
			clamped++
		}
		q = min(max(q, 0), 255)
		mid := requantize(q, examples.FloatUint8QZP, examples.FloatUint8MidZP, examples.FloatUint8QScale, examples.FloatUint8MidScale, math.MinInt8, math.MaxInt8)
		want := float32(float64(examples.FloatUint8MidScale) * float64(mid-examples.FloatUint8MidZP))
		if got[i] != want {
			t.Fatalf("x[%d] = %v: output %v, want %v", i, v, got[i], want)
		}
	}
	if clamped < 2 {
		t.Errorf("only %d inputs outside uint8's range", clamped)
	}
}
