package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/internal/quanttest"
)

// TestRunUint8Boundary: run takes the uint8 bytes a camera gives for
// testdata's uint8_quantize.tflite (-i), writes its int8 and uint8
// outputs (-o) as TFLite's QUANTIZE computes them, and inspect, run
// --json and bench show the declared types.
func TestRunUint8Boundary(t *testing.T) {
	model := filepath.Join(testdata, "uint8_quantize.tflite")
	dir := t.TempDir()
	image := make([]byte, 768)
	for i := range image {
		image[i] = byte(i*7 + i/256)
	}
	in := filepath.Join(dir, "image.bin")
	if err := os.WriteFile(in, image, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI("run", model, "-i", in, "-o", dir, "--json")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	var rep runReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	out0, err0 := os.ReadFile(filepath.Join(dir, "output_0.bin"))
	out1, err1 := os.ReadFile(filepath.Join(dir, "output_1.bin"))
	if err0 != nil || err1 != nil || len(out0) != 768 || len(out1) != 768 {
		t.Fatalf("outputs: %v %v", err0, err1)
	}
	requant := func(x, inZP, outZP int32, inS, outS float32, lo, hi int32) int32 {
		m, s := dyadic.QuantizeMultiplier(float64(inS) / float64(outS))
		return min(max(quanttest.MultiplyByQuantizedMultiplier(x-inZP, m, s)+outZP, lo), hi)
	}
	for i, x := range image {
		q := requant(int32(x), examples.Uint8QuantizeInZP, examples.Uint8QuantizeMidZP, examples.Uint8QuantizeInScale, examples.Uint8QuantizeMidScale, -128, 127)
		u := requant(q, examples.Uint8QuantizeMidZP, examples.Uint8QuantizeOutZP, examples.Uint8QuantizeMidScale, examples.Uint8QuantizeOutScale, 0, 255)
		if int32(int8(out0[i])) != q || int32(out1[i]) != u {
			t.Fatalf("input byte %d: outputs %d, %d, want %d, %d", x, int8(out0[i]), out1[i], q, u)
		}
		if rep.Outputs[1].Values[i] != float64(u) {
			t.Fatalf("--json value %d of the uint8 output: %v, want %d", i, rep.Outputs[1].Values[i], u)
		}
	}
	if rep.Outputs[0].DType != "int8" || rep.Outputs[1].DType != "uint8" {
		t.Errorf("--json dtypes %s, %s", rep.Outputs[0].DType, rep.Outputs[1].DType)
	}

	_, stdout, _ = runCLI("inspect", model)
	for _, want := range []string{
		`input 0: "image" [1 16 16 3] uint8 scale=0.003921569 zero_point=3`,
		`output 1: "image_u8" [1 16 16 3] uint8 scale=0.0097 zero_point=131`,
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect lacks %q:\n%s", want, stdout)
		}
	}
	if code, _, stderr := runCLI("bench", model, "-i", in, "--runs", "2", "--warmup", "0"); code != 0 {
		t.Errorf("bench -i: exit %d: %s", code, stderr)
	}
	// One byte short is refused, naming the declared type.
	if err := os.WriteFile(in, image[1:], 0o644); err != nil {
		t.Fatal(err)
	}
	if msg := oneLineError(t, 1, "run", model, "-i", in); !strings.Contains(msg, "uint8") {
		t.Errorf("short input: %q does not name uint8", msg)
	}
}

// TestRunFloatBoundary: for a model that quantizes a float32 input
// (float_uint8.tflite: to uint8) and dequantizes its output, -i files are
// float32 and the output is written and printed as float32.
func TestRunFloatBoundary(t *testing.T) {
	model := filepath.Join(testdata, "float_uint8.tflite")
	dir := t.TempDir()
	x := make([]float32, 64)
	raw := make([]byte, 4*len(x))
	for i := range x {
		x[i] = float32(i-40) * 0.071
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(x[i]))
	}
	in := filepath.Join(dir, "x.bin")
	if err := os.WriteFile(in, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI("run", model, "-i", in, "-o", dir, "--json")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	var rep runReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(filepath.Join(dir, "output_0.bin"))
	if err != nil || len(out) != 4*len(x) || rep.Outputs[0].DType != "float32" {
		t.Fatalf("output: %d bytes (%v), dtype %s", len(out), err, rep.Outputs[0].DType)
	}
	m, s := dyadic.QuantizeMultiplier(float64(examples.FloatUint8QScale) / float64(examples.FloatUint8MidScale))
	for i, v := range x {
		q := min(max(int32(math.Round(float64(v/examples.FloatUint8QScale)))+examples.FloatUint8QZP, 0), 255)
		mid := min(max(quanttest.MultiplyByQuantizedMultiplier(q-examples.FloatUint8QZP, m, s)+examples.FloatUint8MidZP, -128), 127)
		want := float32(float64(examples.FloatUint8MidScale) * float64(mid-examples.FloatUint8MidZP))
		got := math.Float32frombits(binary.LittleEndian.Uint32(out[4*i:]))
		if got != want || rep.Outputs[0].Values[i] != float64(want) {
			t.Fatalf("x[%d] = %v: output %v (json %v), want %v", i, v, got, rep.Outputs[0].Values[i], want)
		}
	}
	// The int8 bytes of the quantized tensor are no longer what -i takes.
	if err := os.WriteFile(in, raw[:64], 0o644); err != nil {
		t.Fatal(err)
	}
	if msg := oneLineError(t, 1, "run", model, "-i", in); !strings.Contains(msg, "float32") {
		t.Errorf("64-byte input: %q does not name float32", msg)
	}
}

// TestRunUint8BoundaryRealModels: the real uint8-input models of
// ../shared/conformance/uint8-boundary through the CLI: run -i with the
// case's uint8 input writes the reference's output bytes (uint8, or
// float32 after the model's DEQUANTIZE).
func TestRunUint8BoundaryRealModels(t *testing.T) {
	set := "../../../shared/conformance/uint8-boundary"
	for _, c := range []struct{ model, data string }{
		{"coral_mobilenet_edgetpu_0.75_224_post_training_quant.tflite", "coral__mobilenet_edgetpu_0.75_224_post_training_quant__random_0"},
		{"openmv_yolo_lc_192.tflite", "openmv__yolo_lc_192__random_1"},
	} {
		model := filepath.Join(set, "models", c.model)
		if _, err := os.Stat(model); err != nil {
			t.Skipf("uint8-boundary set not found: %v", err)
		}
		dir := t.TempDir()
		code, _, stderr := runCLI("run", model, "-i", filepath.Join(set, "data", c.data, "input_0.bin"), "-o", dir, "--threads", "1")
		if code != 0 {
			t.Fatalf("run %s: exit %d: %s", c.model, code, stderr)
		}
		got, err := os.ReadFile(filepath.Join(dir, "output_0.bin"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(set, "data", c.data, "output_0.bin"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: output differs from the reference (%d vs %d bytes)", c.model, len(got), len(want))
		}
	}
}
