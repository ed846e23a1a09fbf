package runtime_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/format/tflite"
	"github.com/edgerun/edgerun/runtime"
)

// gatherModel is one GATHER (or GATHER_ND) of an int8 [4, 5, 3] input by
// positions of the given type and shape: a graph input (data nil) or a
// constant.
func gatherModel(t *testing.T, code tflite.BuiltinOperator, opts any, typ tflite.TensorType, pshape []int32, pos []int64, out []int32) *runtime.Model {
	t.Helper()
	q := &tflite.Quantization{Scale: []float32{0.5}, ZeroPoint: []int64{-3}}
	var data []byte
	for _, p := range pos {
		if typ == tflite.TypeInt32 {
			data = binary.LittleEndian.AppendUint32(data, uint32(int32(p)))
		} else {
			data = binary.LittleEndian.AppendUint64(data, uint64(p))
		}
	}
	src := &tflite.Model{
		Version:       3,
		OperatorCodes: []tflite.OperatorCode{{BuiltinCode: code, Version: 1}},
		Buffers:       []tflite.Buffer{{}, {Data: data}},
		Subgraphs: []tflite.Subgraph{{
			Tensors: []tflite.Tensor{
				{Name: "params", Type: tflite.TypeInt8, Shape: []int32{4, 5, 3}, Quantization: q},
				{Name: "positions", Type: typ, Shape: pshape, Buffer: 1},
				{Name: "out", Type: tflite.TypeInt8, Shape: out, Quantization: q},
			},
			Inputs: []int32{0}, Outputs: []int32{2},
			Operators: []tflite.Operator{{OpcodeIndex: 0, Inputs: []int32{0, 1}, Outputs: []int32{2}, Options: opts}},
		}},
	}
	if pos == nil {
		src.Buffers = src.Buffers[:1]
		src.Subgraphs[0].Tensors[1].Buffer = 0
		src.Subgraphs[0].Inputs = []int32{0, 1}
	}
	g, err := tflite.Convert(src)
	if err != nil {
		t.Fatal(err)
	}
	m, err := runtime.FromGraph(g)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func positionBytes(typ tflite.TensorType, pos []int64) []byte {
	var b []byte
	for _, p := range pos {
		if typ == tflite.TypeInt32 {
			b = binary.LittleEndian.AppendUint32(b, uint32(int32(p)))
		} else {
			b = binary.LittleEndian.AppendUint64(b, uint64(p))
		}
	}
	return b
}

// TestGatherInt64Positions: TFLite accepts int64 positions for GATHER and
// GATHER_ND (TFLite Micro does not, so no golden file exists); gathering
// is pure indexing, so the same model with the positions as int32 is the
// reference. Positions are tried as constants and as graph inputs; an
// out-of-range position given at Invoke is ErrInvalidInput, and the
// interpreter keeps working.
func TestGatherInt64Positions(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	params := make([]byte, 60)
	for i := range params {
		params[i] = byte(r.IntN(256))
	}
	for _, tc := range []struct {
		name   string
		code   tflite.BuiltinOperator
		opts   any
		pshape []int32
		pos    []int64
		out    []int32
		bad    []int64
		// ref computes the expected output from params (an independent
		// reference: index arithmetic on [4, 5, 3]).
		ref func(p []byte) []byte
	}{
		{"GATHER axis 1", tflite.OpGather, &tflite.GatherOptions{Axis: 1}, []int32{2, 2}, []int64{4, 0, 2, 2}, []int32{4, 2, 2, 3}, []int64{4, 5, 0, 0}, func(p []byte) (o []byte) {
			for a := 0; a < 4; a++ {
				for _, j := range []int{4, 0, 2, 2} {
					o = append(o, p[(a*5+j)*3:(a*5+j)*3+3]...)
				}
			}
			return o
		}},
		{"GATHER axis -1", tflite.OpGather, &tflite.GatherOptions{Axis: -1}, []int32{3}, []int64{2, 0, 1}, []int32{4, 5, 3}, []int64{-1, 0, 0}, func(p []byte) (o []byte) {
			for i := 0; i < 20; i++ {
				o = append(o, p[3*i+2], p[3*i], p[3*i+1])
			}
			return o
		}},
		{"GATHER_ND", tflite.OpGatherND, nil, []int32{3, 2}, []int64{3, 4, 0, 0, 1, 2}, []int32{3, 3}, []int64{3, 4, 4, 0, 1, 2}, func(p []byte) (o []byte) {
			for _, ab := range [][2]int{{3, 4}, {0, 0}, {1, 2}} {
				o = append(o, p[(ab[0]*5+ab[1])*3:(ab[0]*5+ab[1])*3+3]...)
			}
			return o
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var outs [][]byte
			for _, typ := range []tflite.TensorType{tflite.TypeInt32, tflite.TypeInt64} {
				for _, constant := range []bool{true, false} {
					var m *runtime.Model
					if constant {
						m = gatherModel(t, tc.code, tc.opts, typ, tc.pshape, tc.pos, tc.out)
					} else {
						m = gatherModel(t, tc.code, tc.opts, typ, tc.pshape, nil, tc.out)
					}
					it, err := runtime.NewInterpreter(m, nil)
					if err != nil {
						t.Fatal(err)
					}
					if err := it.SetInput(0, params); err != nil {
						t.Fatal(err)
					}
					if !constant {
						if err := it.SetInput(1, positionBytes(typ, tc.bad)); err != nil {
							t.Fatal(err)
						}
						if err := it.Invoke(); !errors.Is(err, runtime.ErrInvalidInput) {
							t.Fatalf("%s positions %v: got %v, want ErrInvalidInput", typ, tc.bad, err)
						}
						if err := it.SetInput(0, params); err != nil {
							t.Fatal(err)
						}
						if err := it.SetInput(1, positionBytes(typ, tc.pos)); err != nil {
							t.Fatal(err)
						}
					}
					if err := it.Invoke(); err != nil {
						t.Fatal(err)
					}
					outs = append(outs, append([]byte(nil), it.OutputBytes(0)...))
				}
			}
			if want := tc.ref(params); !bytes.Equal(outs[0], want) {
				t.Errorf("int32 constant positions give %v, want %v", outs[0], want)
			}
			for k := 1; k < len(outs); k++ {
				if !bytes.Equal(outs[k], outs[0]) {
					t.Errorf("variant %d gives %v, int32 constant positions %v", k, outs[k], outs[0])
				}
			}
		})
	}
}

// TestGatherInt64PositionsTestdata: the repository's generated pair
// (testdata/gather_positions_int{32,64}.tflite, examples/gather.go), a
// GATHER on axis 1 then a GATHER_ND, loaded from the files as a user
// would: both give the bytes of an independent index computation on
// random inputs, so the int64 model equals its int32 twin.
func TestGatherInt64PositionsTestdata(t *testing.T) {
	pos, nd := []int{4, 0, 2, 2}, [][2]int{{3, 1}, {0, 0}, {2, 1}}
	ref := func(p []byte) (o []byte) {
		// gathered[a][i][j][c] = p[a][pos[2i+j]][c]; out[n] = gathered[nd[n][0]][nd[n][1]].
		g := func(a, i, j int) []byte {
			at := (a*5 + pos[2*i+j]) * 3
			return p[at : at+3]
		}
		for _, ab := range nd {
			for j := 0; j < 2; j++ {
				o = append(o, g(ab[0], ab[1], j)...)
			}
		}
		return o
	}
	var models []*runtime.Model
	for _, name := range []string{"gather_positions_int32.tflite", "gather_positions_int64.tflite"} {
		m, err := runtime.LoadFile("../testdata/" + name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		models = append(models, m)
	}
	r := rand.New(rand.NewPCG(23, 24))
	params := make([]byte, 60)
	for iter := 0; iter < 20; iter++ {
		for i := range params {
			params[i] = byte(r.IntN(256))
		}
		want := ref(params)
		for k, m := range models {
			it, err := runtime.NewInterpreter(m, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := it.SetInput(0, params); err != nil {
				t.Fatal(err)
			}
			if err := it.Invoke(); err != nil {
				t.Fatal(err)
			}
			if got := it.OutputBytes(0); !bytes.Equal(got, want) {
				t.Fatalf("model %d (int%d positions): %v, want %v", k, 32<<k, got, want)
			}
		}
	}
}
