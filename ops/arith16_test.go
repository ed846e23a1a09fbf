package ops

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/internal/quanttest"
)

// arith16Model builds a one-op int16 ADD, SUB or MUL model.
func arith16Model(code format.OpCode, s1, s2, so []int32, p *format.ArithParams) *format.Model {
	return &format.Model{
		Tensors: []format.Tensor{
			{DType: format.DTypeInt16, Shape: s1, ArenaOffset: 0},
			{DType: format.DTypeInt16, Shape: s2, ArenaOffset: 0},
			{DType: format.DTypeInt16, Shape: so, ArenaOffset: 0},
		},
		Ops: []format.Op{{Code: code, Inputs: []int32{0, 1}, Outputs: []int32{2}, Params: p}},
	}
}

// ref16Arith is TFLite's int16 general ADD/SUB and MUL for one element,
// written with quanttest's restatements.
func ref16Arith(code format.OpCode, p *format.ArithParams, a, b int16) int16 {
	var v int32
	if code == format.OpMul {
		v = quanttest.MultiplyByQuantizedMultiplier(int32(a)*int32(b), p.OutputMultiplier, p.OutputShift)
	} else {
		x1 := quanttest.DivPOT(quanttest.HighMul(int32(a)*(1<<p.LeftShift), p.Input1Multiplier), int(-p.Input1Shift))
		x2 := quanttest.DivPOT(quanttest.HighMul(int32(b)*(1<<p.LeftShift), p.Input2Multiplier), int(-p.Input2Shift))
		sum := x1 + x2
		if code == format.OpSub {
			sum = x1 - x2
		}
		v = quanttest.DivPOT(quanttest.HighMul(sum, p.OutputMultiplier), int(-p.OutputShift))
	}
	return int16(min(max(v, p.ActMin), p.ActMax))
}

func TestArith16MatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 1))
	shapes := [][3][]int32{
		{{2, 3, 4}, {2, 3, 4}, {2, 3, 4}},
		{{2, 3, 4}, {4}, {2, 3, 4}},
		{{1, 3, 1}, {2, 1, 5}, {2, 3, 5}},
		{{}, {3, 2}, {3, 2}},
	}
	for iter := 0; iter < 48; iter++ {
		code := []format.OpCode{format.OpAdd, format.OpSub, format.OpMul}[iter%3]
		sh := shapes[iter/3%len(shapes)]
		m := func() int32 { return int32(1<<30 + r.Int64N(1<<30)) }
		p := &format.ArithParams{LeftShift: 15,
			Input1Multiplier: m(), Input1Shift: -int32(r.IntN(3)),
			Input2Multiplier: m(), Input2Shift: -int32(r.IntN(3)),
			OutputMultiplier: m(), OutputShift: -int32(r.IntN(20)),
			ActMin: math.MinInt16, ActMax: math.MaxInt16}
		if code == format.OpMul {
			p.LeftShift, p.OutputShift = 0, int32(r.IntN(40)-31)
		}
		if r.IntN(3) == 0 {
			p.ActMin, p.ActMax = -100, int32(r.IntN(30000))
		}
		model := arith16Model(code, sh[0], sh[1], sh[2], p)
		a := rand16(r, int(model.Tensors[0].NumElements()))
		b := rand16(r, int(model.Tensors[1].NumElements()))
		got := from16(runKernel(t, model, bytes16(a), bytes16(b)))
		// Reference broadcasting by coordinates.
		so := sh[2]
		coord := make([]int, len(so))
		at := func(s []int32, v []int16) int16 {
			i := 0
			for d := range s {
				c := coord[len(so)-len(s)+d]
				if s[d] == 1 {
					c = 0
				}
				i = i*int(s[d]) + c
			}
			return v[i]
		}
		for o := range got {
			rem := o
			for d := len(so) - 1; d >= 0; d-- {
				coord[d] = rem % int(so[d])
				rem /= int(so[d])
			}
			if want := ref16Arith(code, p, at(sh[0], a), at(sh[1], b)); got[o] != want {
				t.Fatalf("iter %d %s %v: output %d = %d, want %d", iter, code, sh, o, got[o], want)
			}
		}
	}
}

func TestArith16RejectsMalformed(t *testing.T) {
	valid := func() *format.Model {
		return arith16Model(format.OpAdd, []int32{4}, []int32{4}, []int32{4}, &format.ArithParams{LeftShift: 15,
			Input1Multiplier: 1 << 30, Input2Multiplier: 1 << 30, OutputMultiplier: 1 << 30, OutputShift: -15,
			ActMin: math.MinInt16, ActMax: math.MaxInt16})
	}
	if _, err := Prepare(valid(), 0); err != nil {
		t.Fatalf("valid model: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(m *format.Model)
		want string
	}{
		{"left shift 16", func(m *format.Model) { m.Ops[0].Params.(*format.ArithParams).LeftShift = 16 }, "left shift"},
		{"offset", func(m *format.Model) { m.Ops[0].Params.(*format.ArithParams).Input2Offset = 3 }, "zero point 0"},
		{"clamp", func(m *format.Model) { m.Ops[0].Params.(*format.ArithParams).ActMin = -40000 }, "int16"},
		{"positive shift", func(m *format.Model) { m.Ops[0].Params.(*format.ArithParams).Input1Shift = 1 }, "shift"},
		{"int8 output", func(m *format.Model) { m.Tensors[2].DType = format.DTypeInt8 }, "want int16"},
		{"int8 input 2", func(m *format.Model) { m.Tensors[1].DType = format.DTypeInt8 }, "want int16"},
		{"shapes", func(m *format.Model) { m.Tensors[1].Shape = []int32{3} }, "broadcast"},
		{"mul shift", func(m *format.Model) {
			m.Ops[0].Code = format.OpMul
			m.Ops[0].Params.(*format.ArithParams).OutputShift = 31
		}, "output shift"},
	} {
		m := valid()
		tc.edit(m)
		_, err := Prepare(m, 0)
		if !errors.Is(err, format.ErrMalformedModel) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a malformed-model error mentioning %q", tc.name, err, tc.want)
		}
	}
}
