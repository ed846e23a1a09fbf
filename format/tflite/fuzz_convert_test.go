package tflite_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/tflite"
	"github.com/edgerun/edgerun/internal/corrupt"
	"github.com/edgerun/edgerun/internal/fuzzextra"
	"github.com/edgerun/edgerun/ops"
	"github.com/edgerun/edgerun/runtime"
)

// convertSeeds returns the conformance models of at most maxSize bytes
// (none when ../shared is absent) and small hand-made files: one model per
// kind of graph the converter treats specially (a float boundary, a
// RESHAPE view, a constant RESHAPE, an unsupported operator, two
// subgraphs).
func convertSeeds(t testing.TB, maxSize int64) [][]byte {
	var out [][]byte
	for _, set := range []string{"visible", "models", "next"} {
		files, _ := filepath.Glob(filepath.Join("../../../shared/conformance", set, "models", "*.tflite"))
		for _, f := range files {
			if st, err := os.Stat(f); err != nil || st.Size() > maxSize {
				continue
			}
			d, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, d)
		}
	}
	q := func(scale float32, zp int64) *tflite.Quantization {
		return &tflite.Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}
	}
	model := func(codes []tflite.BuiltinOperator, tensors []tflite.Tensor, ops []tflite.Operator, in, outs []int32, bufs ...[]byte) *tflite.Model {
		m := &tflite.Model{Version: 3, Buffers: []tflite.Buffer{{}}}
		for _, b := range bufs {
			m.Buffers = append(m.Buffers, tflite.Buffer{Data: b})
		}
		for _, c := range codes {
			m.OperatorCodes = append(m.OperatorCodes, tflite.OperatorCode{BuiltinCode: c, Version: 1})
		}
		m.Subgraphs = []tflite.Subgraph{{Tensors: tensors, Operators: ops, Inputs: in, Outputs: outs}}
		return m
	}
	i8 := func(name string, shape ...int32) tflite.Tensor {
		return tflite.Tensor{Name: name, Type: tflite.TypeInt8, Shape: shape, Quantization: q(0.5, -3)}
	}
	f32 := func(name string, shape ...int32) tflite.Tensor {
		return tflite.Tensor{Name: name, Type: tflite.TypeFloat32, Shape: shape}
	}
	hand := []*tflite.Model{
		// float in → QUANTIZE → ADD(x, x) → DEQUANTIZE → float out
		model([]tflite.BuiltinOperator{tflite.OpQuantize, tflite.OpAdd, tflite.OpDequantize},
			[]tflite.Tensor{f32("in", 1, 4), i8("q", 1, 4), i8("sum", 1, 4), f32("out", 1, 4)},
			[]tflite.Operator{
				{OpcodeIndex: 0, Inputs: []int32{0}, Outputs: []int32{1}},
				{OpcodeIndex: 1, Inputs: []int32{1, 1}, Outputs: []int32{2}, Options: &tflite.AddOptions{FusedActivation: tflite.ActRelu}},
				{OpcodeIndex: 2, Inputs: []int32{2}, Outputs: []int32{3}},
			}, []int32{0}, []int32{3}),
		// RESHAPE view, then a table op; a constant RESHAPE feeding a MUL.
		model([]tflite.BuiltinOperator{tflite.OpReshape, tflite.OpLogistic, tflite.OpMul},
			[]tflite.Tensor{i8("in", 1, 2, 2), i8("flat", 1, 4), {Name: "sig", Type: tflite.TypeInt8, Shape: []int32{1, 4}, Quantization: q(1.0/256, -128)},
				{Name: "c", Type: tflite.TypeInt8, Shape: []int32{2, 2}, Buffer: 1, Quantization: q(0.25, 0)},
				{Name: "cflat", Type: tflite.TypeInt8, Shape: []int32{1, 4}, Quantization: q(0.25, 0)}, i8("prod", 1, 4)},
			[]tflite.Operator{
				{OpcodeIndex: 0, Inputs: []int32{0}, Outputs: []int32{1}, Options: &tflite.ReshapeOptions{NewShape: []int32{1, 4}}},
				{OpcodeIndex: 1, Inputs: []int32{1}, Outputs: []int32{2}},
				{OpcodeIndex: 0, Inputs: []int32{3}, Outputs: []int32{4}, Options: &tflite.ReshapeOptions{}},
				{OpcodeIndex: 2, Inputs: []int32{2, 4}, Outputs: []int32{5}, Options: &tflite.MulOptions{}},
			}, []int32{0}, []int32{5}, []byte{1, 2, 0xfe, 0x80}),
		// An operator edgerun does not run (LSH_PROJECTION).
		model([]tflite.BuiltinOperator{15}, []tflite.Tensor{i8("in", 4), i8("out", 4)},
			[]tflite.Operator{{OpcodeIndex: 0, Inputs: []int32{0}, Outputs: []int32{1}}}, []int32{0}, []int32{1}),
	}
	two := model(nil, []tflite.Tensor{i8("x", 1)}, nil, []int32{0}, []int32{0})
	two.Subgraphs = append(two.Subgraphs, two.Subgraphs[0])
	hand = append(hand, two)
	for _, m := range hand {
		out = append(out, corrupt.EncodeTFLite(m))
	}
	return out
}

// typedLoadError reports whether err is one of the errors loading
// documents.
func typedLoadError(err error) bool {
	return errors.Is(err, format.ErrMalformedModel) || errors.Is(err, format.ErrUnsupportedOp) ||
		errors.Is(err, runtime.ErrResourceLimit)
}

// FuzzConvert: Parse, Convert and runtime.FromGraph on arbitrary bytes
// never panic and fail only with typed errors; a model they accept
// survives the edgerun format (Encode, Decode and FromGraph again), and
// runs when it is small enough for the fuzzer (the concurrency and
// determinism of runs is FuzzInvoke's).
func FuzzConvert(f *testing.F) {
	for _, d := range convertSeeds(f, 512<<10) {
		f.Add(d)
	}
	fuzzextra.Add(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := tflite.ConvertBytes(data)
		if err != nil {
			if !typedLoadError(err) {
				t.Fatalf("Convert: untyped error %T: %v", err, err)
			}
			return
		}
		m, err := runtime.FromGraph(g)
		if err != nil {
			if !typedLoadError(err) {
				t.Fatalf("FromGraph: untyped error %T: %v", err, err)
			}
			return
		}
		enc, err := format.Encode(g)
		if err != nil {
			t.Fatalf("a converted model that loads does not encode: %v", err)
		}
		g2, err := format.Decode(enc)
		if err != nil {
			t.Fatalf("a converted model that loads does not decode: %v", err)
		}
		if _, err := runtime.FromGraph(g2); err != nil {
			t.Fatalf("a converted model that loads does not load from its .erm: %v", err)
		}
		var macs int64
		for i := range g.Ops {
			macs += ops.MACs(g, i)
		}
		if m.ArenaBytes() > 4<<20 || macs > 50<<20 {
			return
		}
		it, err := runtime.NewInterpreter(m, &runtime.Options{Threads: 1})
		if err != nil {
			t.Fatalf("NewInterpreter: %v", err)
		}
		defer it.Close()
		for i := range m.Inputs() {
			b := it.InputBytes(i)
			for j := range b {
				b[j] = byte(j*7 + i)
			}
		}
		if err := it.Invoke(); err != nil {
			t.Fatalf("Invoke: %v", err)
		}
	})
}
