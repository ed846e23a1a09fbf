package ops

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/internal/quanttest"
)

// lstmCase is one LSTM layer. Model tensors: 0 input, 1–8 the weights
// (TFLite inputs 1–8), 9–12 the biases (TFLite 12–15), 13 hidden, 14
// cell, 15 output.
type lstmCase struct {
	m                    *format.Model
	wide, timeMajor      bool
	steps, batch, nIn, u int
	w                    [8][]int8  // TFLite order: input→i,f,c,o then recurrent→i,f,c,o
	bias                 [4][]int64 // TFLite order i, f, c, o
}

func newLSTMCase(r *rand.Rand, wide, timeMajor bool, steps, batch, nIn, u int) *lstmCase {
	c := &lstmCase{wide: wide, timeMajor: timeMajor, steps: steps, batch: batch, nIn: nIn, u: u}
	act, bias, bsz := format.DTypeInt8, format.DTypeInt32, 4
	if wide {
		act, bias, bsz = format.DTypeInt16, format.DTypeInt64, 8
	}
	shape := []int32{int32(batch), int32(steps)}
	if timeMajor {
		shape = []int32{int32(steps), int32(batch)}
	}
	ts := []format.Tensor{{Name: "in", DType: act, Shape: append(append([]int32(nil), shape...), int32(nIn))}}
	for k := 0; k < 8; k++ {
		cols := nIn
		if k >= 4 {
			cols = u
		}
		c.w[k] = make([]int8, u*cols)
		for i := range c.w[k] {
			c.w[k][i] = int8(r.IntN(256) - 128)
		}
		ts = append(ts, format.Tensor{Name: "w", DType: format.DTypeInt8, Shape: []int32{int32(u), int32(cols)}, Data: int8Bytes(c.w[k]), ArenaOffset: -1})
	}
	for g := 0; g < 4; g++ {
		c.bias[g] = make([]int64, u)
		data := make([]byte, bsz*u)
		for i := range c.bias[g] {
			if wide {
				c.bias[g][i] = r.Int64N(1<<34) - 1<<33
				binary.LittleEndian.PutUint64(data[8*i:], uint64(c.bias[g][i]))
			} else {
				c.bias[g][i] = int64(r.Int32N(1<<22) - 1<<21)
				binary.LittleEndian.PutUint32(data[4*i:], uint32(int32(c.bias[g][i])))
			}
		}
		ts = append(ts, format.Tensor{Name: "b", DType: bias, Shape: []int32{int32(u)}, Data: data, ArenaOffset: -1})
	}
	ts = append(ts,
		format.Tensor{Name: "hidden", DType: act, Shape: []int32{int32(batch), int32(u)}, Variable: true},
		format.Tensor{Name: "cell", DType: format.DTypeInt16, Shape: []int32{int32(batch), int32(u)}, Variable: true},
		format.Tensor{Name: "out", DType: act, Shape: append(append([]int32(nil), shape...), int32(u))})
	p := &format.LSTMParams{TimeMajor: timeMajor, CellTanhMultiplier: 6}
	if !wide {
		p.InputOffset = int32(r.IntN(256) - 127)
		p.HiddenZeroPoint = int32(r.IntN(256) - 128)
		p.HiddenOffset = -p.HiddenZeroPoint
	}
	shiftLo, shiftSpan := -18, 8
	if wide {
		shiftLo = -26
	}
	for g := 0; g < 4; g++ {
		p.InputMultipliers = append(p.InputMultipliers, int32(1<<30+r.IntN(1<<30)))
		p.InputShifts = append(p.InputShifts, int32(shiftLo+r.IntN(shiftSpan)))
		p.RecurrentMultipliers = append(p.RecurrentMultipliers, int32(1<<30+r.IntN(1<<30)))
		p.RecurrentShifts = append(p.RecurrentShifts, int32(shiftLo+r.IntN(shiftSpan)))
	}
	p.ForgetMultiplier, p.ForgetShift = 1<<30, -14 // 2^-15 exactly
	p.CellMultiplier, p.CellShift = 1<<30, -18     // 2^-30 / 2^-11
	p.HiddenMultiplier, p.HiddenShift = int32(1<<30+r.IntN(1<<30)), int32(-22+r.IntN(6))
	if r.IntN(2) == 0 {
		p.CellTanhMultiplier, p.CellTanhLeftShift = 3, 1+int32(r.IntN(3))
	}
	if r.IntN(2) == 0 {
		p.CellClip = int32(1 + r.IntN(32767))
	}
	c.m = &format.Model{Tensors: ts, Ops: []format.Op{{Code: format.OpUnidirectionalSequenceLSTM,
		Inputs:  []int32{0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1, 9, 10, 11, 12, -1, -1, 13, 14, -1, -1, -1, -1},
		Outputs: []int32{15}, Params: p}}}
	return c
}

// refAct16 is TFLite's int16 Logistic / Tanh over the interpolated
// sigmoid table, on x rescaled as (x·mult + round) >> shift.
func refAct16(x int16, mult, shift int32, tanh bool) int16 {
	var round int64
	if shift > 0 {
		round = 1 << (shift - 1)
	}
	v := (int64(x)*int64(mult) + round) >> shift
	a := max(v, -v)
	bits := int64(9)
	if tanh {
		bits = 8
	}
	h := a >> bits
	var interp int64
	switch {
	case h >= 255 && tanh:
		interp = 0xFFFF << 8
	case h >= 255:
		interp = 0x7FFF << 10
	default:
		lo, hi := int64(asm.SigmoidTable16[h]), int64(asm.SigmoidTable16[h+1])
		interp = lo<<bits + (a&(1<<bits-1))*(hi-lo)
	}
	switch {
	case !tanh && v >= 0:
		return int16((interp + 512) >> 10)
	case !tanh:
		return int16((1<<25 - interp + 511) >> 10)
	case v >= 0:
		return int16((interp - 1<<23 + 128) >> 8)
	}
	return int16((-interp + 1<<23 + 127) >> 8)
}

func clamp16(v int64) int64 { return min(max(v, math.MinInt16), math.MaxInt16) }

// lstmReference runs TFLite Micro's integer LSTM over the whole sequence,
// one batch row and time step at a time (rows are independent), with
// hidden and cell state as int64 values.
func lstmReference(c *lstmCase, in []int64, hidden, cell []int64) []int64 {
	p := c.m.Ops[0].Params.(*format.LSTMParams)
	lo, hi := int64(math.MinInt8), int64(math.MaxInt8)
	if c.wide {
		lo, hi = math.MinInt16, math.MaxInt16
	}
	out := make([]int64, c.steps*c.batch*c.u)
	// TFLite gate g (i, f, c, o) ↔ params index (f, i, c, o).
	pi := [4]int{1, 0, 2, 3}
	fc := func(w []int8, x []int64, off int64, bias []int64, m, s int32, n int) []int64 {
		y := make([]int64, c.u)
		for o := range y {
			var acc int64
			for i := 0; i < n; i++ {
				acc += int64(w[o*n+i]) * (x[i] + off)
			}
			if bias != nil {
				acc += bias[o]
			}
			if c.wide {
				y[o] = clamp16(int64(quanttest.MultiplyByQuantizedMultiplier64(acc, m, s)))
			} else {
				y[o] = clamp16(int64(quanttest.MultiplyByQuantizedMultiplier(int32(acc), m, s)))
			}
		}
		return y
	}
	for b := 0; b < c.batch; b++ {
		h, cs := hidden[b*c.u:][:c.u], cell[b*c.u:][:c.u]
		for t := 0; t < c.steps; t++ {
			row := b*c.steps + t
			if c.timeMajor {
				row = t*c.batch + b
			}
			x := in[row*c.nIn:][:c.nIn]
			var gates [4][]int64
			for g := 0; g < 4; g++ {
				k := pi[g]
				a := fc(c.w[g], x, int64(p.InputOffset), c.bias[g], p.InputMultipliers[k], p.InputShifts[k], c.nIn)
				r := fc(c.w[4+g], h, int64(p.HiddenOffset), nil, p.RecurrentMultipliers[k], p.RecurrentShifts[k], c.u)
				gates[g] = make([]int64, c.u)
				for j := range a {
					gates[g][j] = int64(refAct16(int16(clamp16(a[j]+r[j])), 3, 0, g == 2))
				}
			}
			for j := 0; j < c.u; j++ {
				f := clamp16(int64(quanttest.MultiplyByQuantizedMultiplier(int32(gates[1][j]*cs[j]), p.ForgetMultiplier, p.ForgetShift)))
				ig := clamp16(int64(quanttest.MultiplyByQuantizedMultiplier(int32(gates[0][j]*gates[2][j]), p.CellMultiplier, p.CellShift)))
				v := clamp16(f + ig)
				if p.CellClip > 0 {
					v = min(max(v, -int64(p.CellClip)), int64(p.CellClip))
				}
				cs[j] = v
				th := int64(refAct16(int16(v), p.CellTanhMultiplier, p.CellTanhLeftShift, true))
				hv := int64(quanttest.MultiplyByQuantizedMultiplier(int32(th*gates[3][j]), p.HiddenMultiplier, p.HiddenShift)) + int64(p.HiddenZeroPoint)
				h[j] = min(max(hv, lo), hi)
				out[row*c.u+j] = h[j]
			}
		}
	}
	return out
}

func lstmPut(b []int8, i int, v int64, wide bool) {
	if wide {
		b[2*i], b[2*i+1] = int8(uint8(v)), int8(uint8(uint16(v)>>8))
	} else {
		b[i] = int8(v)
	}
}

func lstmGet(b []int8, i int, wide bool) int64 {
	if wide {
		return int64(int16(uint16(uint8(b[2*i])) | uint16(uint8(b[2*i+1]))<<8))
	}
	return int64(b[i])
}

// TestLSTMAgainstReference runs random layers of both variants and
// layouts for several invocations from the reset state (hidden at its zero
// point, cell 0), carrying the state, and checks output, hidden and cell
// state after each invocation. It runs under every kernel implementation
// (int8 activations run their products on asm.GemmInt32); the last cases
// have sequences longer than an input block (lstmBlockRows) and gate
// matrices wider than the SIMD panels.
func TestLSTMAgainstReference(t *testing.T) {
	forEachImpl(t, testLSTMAgainstReference)
}

func testLSTMAgainstReference(t *testing.T, _ *asm.Impl) {
	r := rand.New(rand.NewPCG(13, 44))
	for iter := 0; iter < 60; iter++ {
		wide, timeMajor := iter%2 == 0, iter%4 < 2
		steps, batch, nIn, u := 1+r.IntN(4), 1+r.IntN(3), 1+r.IntN(12), 1+r.IntN(9)
		if iter >= 48 {
			steps, batch, nIn, u = 15+r.IntN(26), 1+r.IntN(3), 1+r.IntN(70), 10+r.IntN(20)
		}
		c := newLSTMCase(r, wide, timeMajor, steps, batch, nIn, u)
		k, err := Prepare(c.m, 0)
		if err != nil {
			t.Fatal(err)
		}
		if iter%3 == 1 {
			// The least scratch (short input blocks) computes the same.
			f := k.(ScratchFitter)
			f.FitScratch(f.LeanScratchBytes())
			if got := f.ScratchBytes(); got > f.LeanScratchBytes() {
				t.Fatalf("fitted to %d bytes, needs %d", f.LeanScratchBytes(), got)
			}
		}
		p := c.m.Ops[0].Params.(*format.LSTMParams)
		size := func(i int) int { return int(c.m.Tensors[i].ByteSize()) }
		in, out := make([]int8, size(0)), make([]int8, size(15))
		hid, cell := make([]int8, size(13)), make([]int8, size(14))
		hRef, cRef := make([]int64, c.batch*c.u), make([]int64, c.batch*c.u)
		for i := range hRef {
			hRef[i] = int64(p.HiddenZeroPoint)
			lstmPut(hid, i, hRef[i], wide)
		}
		env := &Env{Tensors: make([][]int8, 16), Scratch: make([]byte, k.(ScratchUser).ScratchBytes())}
		env.Tensors[0], env.Tensors[13], env.Tensors[14], env.Tensors[15] = in, hid, cell, out
		xs := make([]int64, c.steps*c.batch*c.nIn)
		for step := 0; step < 3; step++ {
			for i := range xs {
				if wide {
					xs[i] = int64(r.IntN(65536) - 32768)
				} else {
					xs[i] = int64(r.IntN(256) - 128)
				}
				lstmPut(in, i, xs[i], wide)
			}
			want := lstmReference(c, xs, hRef, cRef)
			k.Eval(env)
			for i, w := range want {
				if g := lstmGet(out, i, wide); g != w {
					t.Fatalf("case %d (wide %v, time major %v) invocation %d: output %d = %d, want %d", iter, wide, timeMajor, step, i, g, w)
				}
			}
			for i := range hRef {
				if g := lstmGet(hid, i, wide); g != hRef[i] {
					t.Fatalf("case %d invocation %d: hidden %d = %d, want %d", iter, step, i, g, hRef[i])
				}
				if g := lstmGet(cell, i, true); g != cRef[i] {
					t.Fatalf("case %d invocation %d: cell %d = %d, want %d", iter, step, i, g, cRef[i])
				}
			}
		}
		if n := testing.AllocsPerRun(5, func() { k.Eval(env) }); n != 0 {
			t.Fatalf("Eval allocates %v times", n)
		}
	}
}

func TestLSTMPrepareErrors(t *testing.T) {
	params := func(m *format.Model) *format.LSTMParams { return m.Ops[0].Params.(*format.LSTMParams) }
	for _, tc := range []struct {
		name string
		wide bool
		edit func(m *format.Model)
		want string
	}{
		{"too few inputs", false, func(m *format.Model) { m.Ops[0].Inputs = m.Ops[0].Inputs[:23] }, "inputs"},
		{"params missing", false, func(m *format.Model) { m.Ops[0].Params = nil }, "params"},
		{"hidden not a variable", false, func(m *format.Model) { m.Tensors[13].Variable = false }, "variable"},
		{"cell not int16", false, func(m *format.Model) { m.Tensors[14].DType = format.DTypeInt8 }, "int16"},
		{"peephole present", false, func(m *format.Model) { m.Ops[0].Inputs[9] = 1 }, "absent"},
		{"input rank 2", false, func(m *format.Model) { m.Tensors[0].Shape = []int32{2, 3} }, "rank 3"},
		{"hidden too short", false, func(m *format.Model) { m.Tensors[13].Shape = []int32{1} }, "shapes"},
		{"weights wrong shape", false, func(m *format.Model) { m.Tensors[2].Shape = []int32{1, 1} }, "gate"},
		{"weights not constant", false, func(m *format.Model) { m.Tensors[5].Data = nil }, "gate"},
		{"input weights data short", false, func(m *format.Model) { m.Tensors[2].Data = m.Tensors[2].Data[:1] }, "data size"},
		{"recurrent weights data long", false, func(m *format.Model) { m.Tensors[6].Data = append(m.Tensors[6].Data, 0) }, "data size"},
		{"bias of wrong type", true, func(m *format.Model) { m.Tensors[10].DType = format.DTypeInt32 }, "int64"},
		{"three gate multipliers", false, func(m *format.Model) { params(m).InputShifts = params(m).InputShifts[:3] }, "4 values"},
		{"shift too large", false, func(m *format.Model) { params(m).RecurrentShifts[2] = 31 }, "shift"},
		{"wide shift above 14", true, func(m *format.Model) { params(m).InputShifts[0] = 15 }, "14"},
		{"negative multiplier", false, func(m *format.Model) { params(m).ForgetMultiplier = -1 }, "multiplier"},
		{"hidden offset not negated zero point", false, func(m *format.Model) { params(m).HiddenOffset = params(m).HiddenZeroPoint + 1 }, "hidden"},
		{"int16 with a zero point", true, func(m *format.Model) { params(m).HiddenZeroPoint = 3 }, "zero points"},
		{"tanh multiplier zero", false, func(m *format.Model) { params(m).CellTanhMultiplier = 0 }, "tanh"},
		{"negative clip", false, func(m *format.Model) { params(m).CellClip = -1 }, "clip"},
		{"output steps differ", false, func(m *format.Model) { m.Tensors[15].Shape[1]++ }, "shapes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newLSTMCase(rand.New(rand.NewPCG(1, 2)), tc.wide, false, 2, 1, 3, 4)
			tc.edit(c.m)
			_, err := Prepare(c.m, 0)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
