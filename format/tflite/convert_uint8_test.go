package tflite

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/ops"
)

// isShiftOp reports whether op is a QUANTIZE that maps every byte b to
// b ^ 0x80 (between a uint8 boundary tensor and its int8 twin).
func isShiftOp(op *format.Op) bool {
	p, ok := op.Params.(*format.TableParams)
	if !ok || op.Code != format.OpQuantize || len(p.Table) != 256 {
		return false
	}
	for b := 0; b < 256; b++ {
		if tableLookup(p.Table, byte(b)) != byte(b)^0x80 {
			return false
		}
	}
	return true
}

// stripShifts checks the uint8 boundary of m, a converted one-op model
// whose source tensors may be uint8: each uint8 graph input is read only by
// a shift op at the start, into an int8 tensor with the zero point 128
// lower, and each uint8 graph output written only by a shift op at the end
// from one; it returns m without those ops, for the tests of the op
// between.
func stripShifts(t *testing.T, m *format.Model) *format.Model {
	t.Helper()
	isIO := func(ios []format.IO, x int32) bool {
		return slices.ContainsFunc(ios, func(io format.IO) bool { return io.Tensor == x })
	}
	checkPair := func(u, i int32) {
		tu, ti := &m.Tensors[u], &m.Tensors[i]
		if tu.DType != format.DTypeUint8 || ti.DType != format.DTypeInt8 || len(tu.ZeroPoint) != 1 ||
			ti.ZeroPoint[0] != tu.ZeroPoint[0]-128 || tu.Scale[0] != ti.Scale[0] || !slices.Equal(tu.Shape, ti.Shape) {
			t.Fatalf("boundary %+v and internal %+v are not a uint8 tensor and its int8 twin", *tu, *ti)
		}
	}
	ops := m.Ops
	for len(ops) > 0 && isShiftOp(&ops[0]) && isIO(m.Inputs, ops[0].Inputs[0]) {
		checkPair(ops[0].Inputs[0], ops[0].Outputs[0])
		ops = ops[1:]
	}
	for len(ops) > 0 && isShiftOp(&ops[len(ops)-1]) && isIO(m.Outputs, ops[len(ops)-1].Outputs[0]) {
		checkPair(ops[len(ops)-1].Outputs[0], ops[len(ops)-1].Inputs[0])
		ops = ops[:len(ops)-1]
	}
	for _, io := range append(slices.Clone(m.Inputs), m.Outputs...) {
		if m.Tensors[io.Tensor].DType == format.DTypeUint8 && len(ops) != len(m.Ops) {
			for _, op := range ops {
				if slices.Contains(op.Inputs, io.Tensor) || slices.Contains(op.Outputs, io.Tensor) {
					t.Fatalf("uint8 boundary tensor %d used by %s beside the shift ops", io.Tensor, op.Code)
				}
			}
		}
	}
	out := *m
	out.Ops = ops
	return &out
}

// evalGraph runs converted model m as the runtime would (one arena, the
// plan's offsets, every op prepared by ops) on raw input bytes and returns
// the raw output bytes.
func evalGraph(t *testing.T, m *format.Model, inputs ...[]byte) [][]byte {
	t.Helper()
	if err := format.VerifyModel(m, format.Limits{}); err != nil {
		t.Fatalf("VerifyModel: %v", err)
	}
	arena := make([]byte, m.ArenaBytes)
	env := &ops.Env{Tensors: make([][]int8, len(m.Tensors))}
	view := func(i int32) []byte {
		tt := &m.Tensors[i]
		return arena[tt.ArenaOffset : tt.ArenaOffset+tt.ByteSize()]
	}
	for i := range m.Tensors {
		if m.Tensors[i].IsConstant() {
			env.Tensors[i] = ops.Int8s(m.Tensors[i].Data)
		} else {
			env.Tensors[i] = ops.Int8s(view(int32(i)))
		}
	}
	var kernels []ops.Kernel
	for i := range m.Ops {
		k, err := ops.Prepare(m, i)
		if err != nil {
			t.Fatalf("prepare op %d: %v", i, err)
		}
		if su, ok := k.(ops.ScratchUser); ok && su.ScratchBytes() > len(env.Scratch) {
			env.Scratch = make([]byte, su.ScratchBytes())
		}
		kernels = append(kernels, k)
	}
	if len(inputs) != len(m.Inputs) {
		t.Fatalf("%d inputs for %d", len(inputs), len(m.Inputs))
	}
	for i, in := range inputs {
		if copy(view(m.Inputs[i].Tensor), in) != len(in) || int64(len(in)) != m.Tensors[m.Inputs[i].Tensor].ByteSize() {
			t.Fatalf("input %d: %d bytes", i, len(in))
		}
	}
	for _, k := range kernels {
		k.Eval(env)
	}
	var outs [][]byte
	for _, io := range m.Outputs {
		outs = append(outs, slices.Clone(view(io.Tensor)))
	}
	return outs
}

// u8Graph builds a source model from tensors and ops; inputs and outputs
// are tensor indices.
func u8Graph(tensors []Tensor, operators []Operator, codes []BuiltinOperator, inputs, outputs []int32) *Model {
	m := &Model{Version: 3, Buffers: []Buffer{{}}, Subgraphs: []Subgraph{{
		Tensors: tensors, Operators: operators, Inputs: inputs, Outputs: outputs}}}
	for _, c := range codes {
		m.OperatorCodes = append(m.OperatorCodes, OperatorCode{BuiltinCode: c, Version: 1})
	}
	return m
}

func u8Tensor(name string, typ TensorType, shape []int32, scale float32, zp int64) Tensor {
	return Tensor{Name: name, Type: typ, Shape: shape,
		Quantization: &Quantization{Scale: []float32{scale}, ZeroPoint: []int64{zp}}}
}

// refRequant is TFLite's reference_ops::Requantize of one value (the
// QUANTIZE kernel between integer types), clamped to [lo, hi]; the
// multiplier is derived from the scales as TFLM's prepare does.
func refRequant(x, inZP, outZP int64, inScale, outScale float32, lo, hi int64) int64 {
	m, s := dyadic.QuantizeMultiplier(float64(inScale) / float64(outScale))
	return min(max(refMBQM(x-inZP, m, s)+outZP, lo), hi)
}

func allBytes() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// TestUint8BoundaryFolded: uint8 input → QUANTIZE (new scale) → int8 →
// QUANTIZE → uint8 output. Both QUANTIZEs take the boundary shift: two
// ops, the graph's input and output keep their declared uint8 type, scale
// and zero point, and every input byte gives TFLite's output byte.
func TestUint8BoundaryFolded(t *testing.T) {
	shape := []int32{1, 256}
	const inZP, midZP, outZP = 131, -7, 3
	const inS, midS, outS = float32(0.0213), float32(0.0517), float32(0.0339)
	src := u8Graph([]Tensor{
		u8Tensor("image", TypeUInt8, shape, inS, inZP),
		u8Tensor("mid", TypeInt8, shape, midS, midZP),
		u8Tensor("scores", TypeUInt8, shape, outS, outZP),
	}, []Operator{
		{OpcodeIndex: 0, Inputs: []int32{0}, Outputs: []int32{1}},
		{OpcodeIndex: 0, Inputs: []int32{1}, Outputs: []int32{2}},
	}, []BuiltinOperator{OpQuantize}, []int32{0}, []int32{2})
	m, err := Convert(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Ops) != 2 {
		t.Fatalf("%d ops, want the 2 QUANTIZEs", len(m.Ops))
	}
	in, out := &m.Tensors[m.Inputs[0].Tensor], &m.Tensors[m.Outputs[0].Tensor]
	if in.Name != "image" || in.DType != format.DTypeUint8 || in.ZeroPoint[0] != inZP || in.Scale[0] != inS {
		t.Errorf("input %q %s zp %v scale %v, want \"image\" uint8 zp %d scale %v", in.Name, in.DType, in.ZeroPoint, in.Scale, inZP, inS)
	}
	if out.Name != "scores" || out.DType != format.DTypeUint8 || out.ZeroPoint[0] != outZP || out.Scale[0] != outS {
		t.Errorf("output %q %s zp %v scale %v, want \"scores\" uint8 zp %d scale %v", out.Name, out.DType, out.ZeroPoint, out.Scale, outZP, outS)
	}
	got := evalGraph(t, m, allBytes())[0]
	for u := 0; u < 256; u++ {
		mid := refRequant(int64(u), inZP, midZP, inS, midS, -128, 127)
		want := refRequant(mid, midZP, outZP, midS, outS, 0, 255)
		if int64(got[u]) != want {
			t.Fatalf("input byte %d: output byte %d, want %d", u, got[u], want)
		}
	}
}

// TestUint8BoundaryFullyUint8: a uint8 MAX_POOL_2D between a uint8 input
// and a uint8 output. The pool runs on int8 inside, so a shift op converts
// at each end; the result is the pool on the raw bytes.
func TestUint8BoundaryFullyUint8(t *testing.T) {
	const zp, s = 77, float32(0.02)
	src := u8Graph([]Tensor{
		u8Tensor("in", TypeUInt8, []int32{1, 4, 4, 2}, s, zp),
		u8Tensor("out", TypeUInt8, []int32{1, 2, 2, 2}, s, zp),
	}, []Operator{{OpcodeIndex: 0, Inputs: []int32{0}, Outputs: []int32{1},
		Options: &Pool2DOptions{Padding: PaddingValid, StrideW: 2, StrideH: 2, FilterWidth: 2, FilterHeight: 2}}},
		[]BuiltinOperator{OpMaxPool2D}, []int32{0}, []int32{1})
	m, err := Convert(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Ops) != 3 || m.Ops[1].Code != format.OpMaxPool2D {
		t.Fatalf("ops %v, want shift, MAX_POOL_2D, shift", m.Ops)
	}
	inner := stripShifts(t, m)
	if len(inner.Ops) != 1 {
		t.Fatalf("%d ops between the shifts", len(inner.Ops))
	}
	if n := m.Tensors[m.Ops[1].Inputs[0]].Name; n != "in (int8)" {
		t.Errorf("internal input named %q", n)
	}
	in := make([]byte, 32)
	for i := range in {
		in[i] = byte(i*37 + 11)
	}
	got := evalGraph(t, m, in)[0]
	for oy := 0; oy < 2; oy++ {
		for ox := 0; ox < 2; ox++ {
			for c := 0; c < 2; c++ {
				var want byte
				for ky := 0; ky < 2; ky++ {
					for kx := 0; kx < 2; kx++ {
						want = max(want, in[((2*oy+ky)*4+2*ox+kx)*2+c])
					}
				}
				if g := got[(oy*2+ox)*2+c]; g != want {
					t.Fatalf("output (%d, %d, %d) = %d, want %d", oy, ox, c, g, want)
				}
			}
		}
	}
}

// TestUint8BoundaryMixedReaders: the uint8 input feeds a QUANTIZE (folded)
// and a pool (through a shift op); a QUANTIZE int8→uint8 whose output is a
// graph output that the pool also reads is not folded (the pool needs the
// int8 twin), and gets a shift op instead.
func TestUint8BoundaryMixedReaders(t *testing.T) {
	const zp, s = 200, float32(0.01)
	shape := []int32{1, 2, 2, 64}
	pool := &Pool2DOptions{Padding: PaddingValid, StrideW: 1, StrideH: 1, FilterWidth: 2, FilterHeight: 2}
	src := u8Graph([]Tensor{
		u8Tensor("in", TypeUInt8, shape, s, zp),               // 0
		u8Tensor("q", TypeInt8, shape, 2*s, -5),               // 1: QUANTIZE(in)
		u8Tensor("p", TypeUInt8, []int32{1, 1, 1, 64}, s, zp), // 2: MAX_POOL(in)
		u8Tensor("x", TypeInt8, shape, s, 10),                 // 3: graph input
		u8Tensor("xq", TypeUInt8, shape, s, 100),              // 4: QUANTIZE(x), an output
		u8Tensor("xp", TypeUInt8, []int32{1, 1, 1, 64}, s, 100),
	}, []Operator{
		{OpcodeIndex: 0, Inputs: []int32{0}, Outputs: []int32{1}},
		{OpcodeIndex: 1, Inputs: []int32{0}, Outputs: []int32{2}, Options: pool},
		{OpcodeIndex: 0, Inputs: []int32{3}, Outputs: []int32{4}},
		{OpcodeIndex: 1, Inputs: []int32{4}, Outputs: []int32{5}, Options: pool},
	}, []BuiltinOperator{OpQuantize, OpMaxPool2D}, []int32{0, 3}, []int32{1, 2, 4, 5})
	m, err := Convert(src)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, op := range m.Ops {
		name := op.Code.String()
		if isShiftOp(&op) {
			name = "shift"
		}
		codes = append(codes, name)
	}
	if want := "shift QUANTIZE MAX_POOL_2D QUANTIZE MAX_POOL_2D shift shift shift"; strings.Join(codes, " ") != want {
		t.Errorf("ops %v, want %s", codes, want)
	}
	for i, want := range []format.DType{format.DTypeUint8, format.DTypeInt8} {
		if d := m.Tensors[m.Inputs[i].Tensor].DType; d != want {
			t.Errorf("input %d is %s, want %s", i, d, want)
		}
	}
	for i, want := range []format.DType{format.DTypeInt8, format.DTypeUint8, format.DTypeUint8, format.DTypeUint8} {
		if d := m.Tensors[m.Outputs[i].Tensor].DType; d != want {
			t.Errorf("output %d is %s, want %s", i, d, want)
		}
	}
	in, x := make([]byte, 256), make([]byte, 256)
	for i := range in {
		in[i], x[i] = byte(i*89+3), byte(i*13+250)
	}
	outs := evalGraph(t, m, in, x)
	for i := 0; i < 256; i++ {
		if want := refRequant(int64(in[i]), zp, -5, s, 2*s, -128, 127); int64(int8(outs[0][i])) != want {
			t.Fatalf("q[%d] = %d, want %d", i, int8(outs[0][i]), want)
		}
		if want := refRequant(int64(int8(x[i])), 10, 100, s, s, 0, 255); int64(outs[2][i]) != want {
			t.Fatalf("xq[%d] = %d, want %d", i, outs[2][i], want)
		}
	}
	for c := 0; c < 64; c++ {
		var want, wantX byte
		for k := 0; k < 4; k++ {
			want, wantX = max(want, in[k*64+c]), max(wantX, outs[2][k*64+c])
		}
		if outs[1][c] != want || outs[3][c] != wantX {
			t.Fatalf("channel %d: pools %d %d, want %d %d", c, outs[1][c], outs[3][c], want, wantX)
		}
	}
}

// TestUint8BoundaryDequantize: uint8 input → DEQUANTIZE → float32 output
// has no op left: the output is the input tensor itself, uint8 with its
// declared zero point, marked Float.
func TestUint8BoundaryDequantize(t *testing.T) {
	src := u8Graph([]Tensor{
		u8Tensor("in", TypeUInt8, []int32{3}, 0.5, 133),
		{Name: "out", Type: TypeFloat32, Shape: []int32{3}},
	}, []Operator{{OpcodeIndex: 0, Inputs: []int32{0}, Outputs: []int32{1}}},
		[]BuiltinOperator{OpDequantize}, []int32{0}, []int32{1})
	m, err := Convert(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Ops) != 0 || len(m.Tensors) != 1 || m.Inputs[0].Tensor != 0 || m.Outputs[0] != (format.IO{Tensor: 0, Float: true}) {
		t.Fatalf("ops %v tensors %d inputs %v outputs %v", m.Ops, len(m.Tensors), m.Inputs, m.Outputs)
	}
	if tt := m.Tensors[0]; tt.DType != format.DTypeUint8 || tt.ZeroPoint[0] != 133 || tt.Name != "in" {
		t.Errorf("tensor %q %s zp %v", tt.Name, tt.DType, tt.ZeroPoint)
	}
}

// TestUint8BoundaryRoundTrip: the boundary survives Encode / Decode.
func TestUint8BoundaryRoundTrip(t *testing.T) {
	src := u8Graph([]Tensor{
		u8Tensor("in", TypeUInt8, []int32{4}, 0.1, 255),
		u8Tensor("out", TypeInt8, []int32{4}, 0.1, 127),
	}, []Operator{{OpcodeIndex: 0, Inputs: []int32{0}, Outputs: []int32{1}}},
		[]BuiltinOperator{OpQuantize}, []int32{0}, []int32{1})
	m, err := Convert(src)
	if err != nil {
		t.Fatal(err)
	}
	data, err := format.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := format.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if d := back.Tensors[back.Inputs[0].Tensor]; d.DType != format.DTypeUint8 || d.ZeroPoint[0] != 255 {
		t.Errorf("decoded input %s zp %v", d.DType, d.ZeroPoint)
	}
	got := evalGraph(t, back, []byte{0, 128, 254, 255})[0]
	for i, u := range []int64{0, 128, 254, 255} {
		if want := refRequant(u, 255, 127, 0.1, 0.1, -128, 127); int64(int8(got[i])) != want {
			t.Errorf("byte %d → %d, want %d", u, int8(got[i]), want)
		}
	}
}

// TestQuantizeInt8ToInt32: QUANTIZE int8→int32 becomes a 256-entry int32
// table holding TFLite's Requantize, MultiplyByQuantizedMultiplier(x -
// in_zp) + out_zp, for every int8 x.
func TestQuantizeInt8ToInt32(t *testing.T) {
	for _, c := range []struct {
		inS, outS float32
		inZP      int64
		outZP     int64
	}{{0.0536, 0.0027, -119, 0}, {0.0025, 0.00057, -128, 0}, {0.5, 0.0001, 17, -70000}, {0.01, 3, 0, 5}} {
		src := u8Graph([]Tensor{
			u8Tensor("in", TypeInt8, []int32{7}, c.inS, c.inZP),
			u8Tensor("out", TypeInt32, []int32{7}, c.outS, c.outZP),
		}, []Operator{{OpcodeIndex: 0, Inputs: []int32{0}, Outputs: []int32{1}}},
			[]BuiltinOperator{OpQuantize}, []int32{0}, []int32{1})
		m, err := Convert(src)
		if err != nil {
			t.Fatal(err)
		}
		p, ok := m.Ops[0].Params.(*format.Int32TableParams)
		if len(m.Ops) != 1 || !ok || len(p.Table) != 256 {
			t.Fatalf("ops %v", m.Ops)
		}
		mult, shift := dyadic.QuantizeMultiplier(float64(c.inS) / float64(c.outS))
		for x := int64(-128); x <= 127; x++ {
			if want := refMBQM(x-c.inZP, mult, shift) + c.outZP; int64(p.Table[x+128]) != want {
				t.Fatalf("%+v: x %d → %d, want %d", c, x, p.Table[x+128], want)
			}
		}
	}
	// Per-channel output quantization is refused.
	src := u8Graph([]Tensor{
		u8Tensor("in", TypeInt8, []int32{2}, 0.1, 0),
		{Name: "out", Type: TypeInt32, Shape: []int32{2}, Quantization: &Quantization{Scale: []float32{1, 2}, ZeroPoint: []int64{0, 0}}},
	}, []Operator{{OpcodeIndex: 0, Inputs: []int32{0}, Outputs: []int32{1}}},
		[]BuiltinOperator{OpQuantize}, []int32{0}, []int32{1})
	if _, err := Convert(src); !errors.Is(err, format.ErrUnsupportedOp) {
		t.Errorf("per-channel int32 output: %v", err)
	}
}
