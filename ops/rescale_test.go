package ops

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/internal/quanttest"
)

func rescaleModel(code format.OpCode, in, out format.DType, n int32, p *format.RescaleParams) *format.Model {
	return &format.Model{
		Tensors: []format.Tensor{
			{DType: in, Shape: []int32{n}, ArenaOffset: 0},
			{DType: out, Shape: []int32{n}, ArenaOffset: 0},
		},
		Ops: []format.Op{{Code: code, Inputs: []int32{0}, Outputs: []int32{1}, Params: p}},
	}
}

// TestRescaleMatchesReference checks every input/output dtype pair against
// TFLite's formula written with quanttest, under every kernel
// implementation, on every path: int16 to int16 or int8 on
// Impl.RescaleInt16 (LEAKY_RELU with its two multipliers; QUANTIZE and
// RELU with one for both signs half of the time), the other QUANTIZEs in
// chunks of 64 values on Impl.Rescale32 when they have one multiplier,
// and the per-value loop for two multipliers there or a shift of 31.
func TestRescaleMatchesReference(t *testing.T) {
	forEachImpl(t, testRescaleMatchesReference)
}

func testRescaleMatchesReference(t *testing.T, _ *asm.Impl) {
	r := rand.New(rand.NewPCG(16, 3))
	pairs := []struct {
		code    format.OpCode
		in, out format.DType
	}{
		{format.OpLeakyRelu, format.DTypeInt16, format.DTypeInt16},
		{format.OpRelu, format.DTypeInt16, format.DTypeInt16},
		{format.OpQuantize, format.DTypeInt16, format.DTypeInt8},
		{format.OpQuantize, format.DTypeInt8, format.DTypeInt16},
		{format.OpQuantize, format.DTypeInt16, format.DTypeInt16},
		{format.OpQuantize, format.DTypeInt16, format.DTypeInt32},
	}
	for iter := 0; iter < 120; iter++ {
		pc := pairs[iter%len(pairs)]
		n := 1 + r.IntN(300)
		lo, hi := rangeOf(pc.out)
		p := &format.RescaleParams{
			Multiplier: int32(1<<30 + r.Int64N(1<<30)), Shift: int32(r.IntN(40) - 31),
			NegMultiplier: int32(1<<30 + r.Int64N(1<<30)), NegShift: int32(r.IntN(40) - 31),
			ActMin: lo, ActMax: hi,
		}
		if pc.code == format.OpQuantize {
			if pc.in == format.DTypeInt8 {
				p.InputZeroPoint = int32(r.IntN(256) - 128)
			}
			if pc.out == format.DTypeInt8 {
				p.OutputZeroPoint = int32(r.IntN(256) - 128)
			}
			if pc.out == format.DTypeInt32 {
				p.OutputZeroPoint = int32(r.Uint32())
			}
		}
		if pc.code == format.OpRelu {
			p.ActMin = 0
		}
		if pc.code != format.OpLeakyRelu && iter/len(pairs)%2 == 1 {
			p.NegMultiplier, p.NegShift = p.Multiplier, p.Shift
		}
		if iter%7 == 6 {
			p.Shift = 31 // beyond Rescale32's shifts: the per-value Go loop
		}
		m := rescaleModel(pc.code, pc.in, pc.out, int32(n), p)
		var in []int8
		var xs []int32
		if pc.in == format.DTypeInt16 {
			v := rand16(r, n)
			in = bytes16(v)
			for _, x := range v {
				xs = append(xs, int32(x))
			}
		} else {
			in = wtInt8s(r, n)
			for _, x := range in {
				xs = append(xs, int32(x))
			}
		}
		got := runKernel(t, m, in)
		for i, x := range xs {
			d := x - p.InputZeroPoint
			mm, ss := p.Multiplier, p.Shift
			if d < 0 {
				mm, ss = p.NegMultiplier, p.NegShift
			}
			want := min(max(quanttest.MultiplyByQuantizedMultiplier(d, mm, ss)+p.OutputZeroPoint, p.ActMin), p.ActMax)
			var g int32
			switch pc.out {
			case format.DTypeInt8:
				g = int32(got[i])
			case format.DTypeInt16:
				g = int32(from16(got)[i])
			default:
				b := []byte{byte(got[4*i]), byte(got[4*i+1]), byte(got[4*i+2]), byte(got[4*i+3])}
				g = int32(binary.LittleEndian.Uint32(b))
			}
			if g != want {
				t.Fatalf("iter %d %s %s→%s: output %d for input %d = %d, want %d", iter, pc.code, pc.in, pc.out, i, x, g, want)
			}
		}
	}
}

func TestRescaleRejectsMalformed(t *testing.T) {
	valid := func() *format.Model {
		return rescaleModel(format.OpLeakyRelu, format.DTypeInt16, format.DTypeInt16, 8, &format.RescaleParams{
			Multiplier: 1 << 30, Shift: 1, NegMultiplier: 1 << 30, NegShift: -2, ActMin: math.MinInt16, ActMax: math.MaxInt16})
	}
	if _, err := Prepare(valid(), 0); err != nil {
		t.Fatalf("valid model: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(m *format.Model)
		want string
	}{
		{"int8 to int8", func(m *format.Model) {
			m.Ops[0].Code = format.OpQuantize
			m.Tensors[0].DType, m.Tensors[1].DType = format.DTypeInt8, format.DTypeInt8
		}, "table"},
		{"leaky relu to int8", func(m *format.Model) { m.Tensors[1].DType = format.DTypeInt8 }, "runs on int16"},
		{"float output", func(m *format.Model) { m.Tensors[1].DType = format.DTypeFloat32 }, "want one of"},
		{"clamp", func(m *format.Model) { m.Ops[0].Params.(*format.RescaleParams).ActMax = 1 << 20 }, "activation range"},
		{"input zero point", func(m *format.Model) { m.Ops[0].Params.(*format.RescaleParams).InputZeroPoint = 40000 }, "zero point"},
		{"output zero point", func(m *format.Model) { m.Ops[0].Params.(*format.RescaleParams).OutputZeroPoint = -40000 }, "zero point"},
		{"shift", func(m *format.Model) { m.Ops[0].Params.(*format.RescaleParams).NegShift = 32 }, "shift"},
		{"multiplier", func(m *format.Model) { m.Ops[0].Params.(*format.RescaleParams).Multiplier = -5 }, "multiplier"},
		{"sizes", func(m *format.Model) { m.Tensors[1].Shape = []int32{9} }, "elements"},
		{"output index", func(m *format.Model) { m.Ops[0].Outputs[0] = 7 }, "out of range"},
	} {
		m := valid()
		tc.edit(m)
		_, err := Prepare(m, 0)
		if !errors.Is(err, format.ErrMalformedModel) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a malformed-model error mentioning %q", tc.name, err, tc.want)
		}
	}
}
