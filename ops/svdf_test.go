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

// svdfCase is one SVDF layer: its model (tensors input 0, weights_feature
// 1, weights_time 2, bias 3, state 4, output 5) and the values the
// reference below reads.
type svdfCase struct {
	m                                 *format.Model
	batch, inputs, filters, memory, r int
	wide                              bool
	wf                                []int8
	wt                                []int32
	bias                              []int32
}

func newSVDFCase(r *rand.Rand, batch, inputs, filters, memory, rank int, wide, withBias bool) *svdfCase {
	c := &svdfCase{batch: batch, inputs: inputs, filters: filters, memory: memory, r: rank, wide: wide}
	units := filters / rank
	c.wf = make([]int8, filters*inputs)
	for i := range c.wf {
		c.wf[i] = int8(r.IntN(256) - 128)
	}
	c.wt = make([]int32, filters*memory)
	stDType, wtBytes := format.DTypeInt8, make([]byte, len(c.wt))
	if wide {
		stDType, wtBytes = format.DTypeInt16, make([]byte, 2*len(c.wt))
	}
	for i := range c.wt {
		if wide {
			c.wt[i] = int32(int16(r.Uint32()))
			binary.LittleEndian.PutUint16(wtBytes[2*i:], uint16(c.wt[i]))
		} else {
			c.wt[i] = int32(int8(r.Uint32()))
			wtBytes[i] = byte(c.wt[i])
		}
	}
	biasIdx := int32(-1)
	var biasBytes []byte
	if withBias {
		biasIdx = 3
		c.bias = make([]int32, units)
		biasBytes = make([]byte, 4*units)
		for i := range c.bias {
			c.bias[i] = int32(r.IntN(1<<20) - 1<<19)
			binary.LittleEndian.PutUint32(biasBytes[4*i:], uint32(c.bias[i]))
		}
	}
	stateZP := int32(0)
	if !wide {
		stateZP = int32(r.IntN(21) - 10)
	}
	p := &format.SVDFParams{
		Rank: int32(rank), InputOffset: int32(r.IntN(256) - 127), OutputOffset: int32(r.IntN(256) - 128), StateZeroPoint: stateZP,
		FeatureMultiplier: int32(1<<30 + r.IntN(1<<30)), FeatureShift: int32(r.IntN(8) - 9),
		OutputMultiplier: int32(1<<30 + r.IntN(1<<30)), OutputShift: int32(r.IntN(8) - 6),
	}
	c.m = &format.Model{
		Tensors: []format.Tensor{
			{Name: "in", DType: format.DTypeInt8, Shape: []int32{int32(batch), int32(inputs)}, ArenaOffset: 0},
			{Name: "wf", DType: format.DTypeInt8, Shape: []int32{int32(filters), int32(inputs)}, Data: int8Bytes(c.wf), ArenaOffset: -1},
			{Name: "wt", DType: stDType, Shape: []int32{int32(filters), int32(memory)}, Data: wtBytes, ArenaOffset: -1},
			{Name: "bias", DType: format.DTypeInt32, Shape: []int32{int32(units)}, Data: biasBytes, ArenaOffset: -1},
			{Name: "state", DType: stDType, Shape: []int32{int32(batch), int32(filters * memory)}, ArenaOffset: 0, Variable: true},
			{Name: "out", DType: format.DTypeInt8, Shape: []int32{int32(batch), int32(units)}, ArenaOffset: 0},
		},
		Ops: []format.Op{{Code: format.OpSVDF, Inputs: []int32{0, 1, 2, biasIdx, 4}, Outputs: []int32{5}, Params: p}},
	}
	return c
}

func int8Bytes(v []int8) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}

// svdfReference is TFLite Micro's integer SVDF written out step by step
// over a state of int32 values (each a value of the state's type): shift
// the whole state left by one, write each filter's newest feature value,
// then the time sums, the reduction over rank and the output rescale.
func svdfReference(c *svdfCase, in []int8, state []int32) []int8 {
	p := c.m.Ops[0].Params.(*format.SVDFParams)
	lo, hi := int32(math.MinInt8), int32(math.MaxInt8)
	if c.wide {
		lo, hi = math.MinInt16, math.MaxInt16
	}
	copy(state, state[1:])
	units := c.filters / c.r
	out := make([]int8, c.batch*units)
	for b := 0; b < c.batch; b++ {
		base := b * c.filters * c.memory
		for f := 0; f < c.filters; f++ {
			var dot int32
			for i := 0; i < c.inputs; i++ {
				dot += int32(c.wf[f*c.inputs+i]) * (int32(in[b*c.inputs+i]) + p.InputOffset)
			}
			v := quanttest.MultiplyByQuantizedMultiplier(dot, p.FeatureMultiplier, p.FeatureShift) + p.StateZeroPoint
			state[base+f*c.memory+c.memory-1] = min(max(v, lo), hi)
		}
		sums := make([]int32, c.filters)
		for f := range sums {
			for j := 0; j < c.memory; j++ {
				sums[f] += c.wt[f*c.memory+j] * (state[base+f*c.memory+j] - p.StateZeroPoint)
			}
		}
		for u := 0; u < units; u++ {
			var acc int32
			if c.bias != nil {
				acc = c.bias[u]
			}
			for k := 0; k < c.r; k++ {
				acc += sums[u*c.r+k]
			}
			out[b*units+u] = quanttest.Requantize(acc, p.OutputMultiplier, p.OutputShift, p.OutputOffset, -128, 127)
		}
	}
	return out
}

// TestSVDFAgainstReference runs random layers for several invocations
// from the reset state (the state carried from one to the next), both
// state types, with and without bias, and checks the output and the whole
// state after each against the reference. It runs under every kernel
// implementation (the feature products run on asm.GemmInt32); every
// fourth case has more filters than the SIMD panels are wide.
func TestSVDFAgainstReference(t *testing.T) {
	forEachImpl(t, testSVDFAgainstReference)
}

func testSVDFAgainstReference(t *testing.T, _ *asm.Impl) {
	r := rand.New(rand.NewPCG(41, 42))
	for iter := 0; iter < 60; iter++ {
		rank := 1 + r.IntN(3)
		units := 1 + r.IntN(8)
		if iter%4 == 3 {
			units = 17 + r.IntN(30)
		}
		c := newSVDFCase(r, 1+r.IntN(3), 1+r.IntN(40), rank*units, 1+r.IntN(10), rank, iter%2 == 0, iter%3 != 0)
		k, err := Prepare(c.m, 0)
		if err != nil {
			t.Fatal(err)
		}
		st := &c.m.Tensors[4]
		stateRef := make([]int32, c.batch*c.filters*c.memory)
		stateBytes := make([]int8, st.ByteSize())
		p := c.m.Ops[0].Params.(*format.SVDFParams)
		for i := range stateRef { // the reset state
			stateRef[i] = p.StateZeroPoint
			if !c.wide {
				stateBytes[i] = int8(p.StateZeroPoint)
			}
		}
		in := make([]int8, c.batch*c.inputs)
		out := make([]int8, c.m.Tensors[5].NumElements())
		scratch := make([]byte, k.(ScratchUser).ScratchBytes())
		env := &Env{Tensors: [][]int8{in, nil, nil, nil, stateBytes, out}, Scratch: scratch}
		for step := 0; step < 4; step++ {
			for i := range in {
				in[i] = int8(r.IntN(256) - 128)
			}
			want := svdfReference(c, in, stateRef)
			k.Eval(env)
			for i := range want {
				if out[i] != want[i] {
					t.Fatalf("case %d step %d: output %d = %d, want %d", iter, step, i, out[i], want[i])
				}
			}
			for i, v := range stateRef {
				got := int32(stateBytes[i])
				if c.wide {
					got = int32(int16(uint16(uint8(stateBytes[2*i])) | uint16(uint8(stateBytes[2*i+1]))<<8))
				}
				if got != v {
					t.Fatalf("case %d step %d: state %d = %d, want %d", iter, step, i, got, v)
				}
			}
		}
		if n := testing.AllocsPerRun(5, func() { k.Eval(env) }); n != 0 {
			t.Fatalf("Eval allocates %v times", n)
		}
	}
}

func TestSVDFPrepareErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(m *format.Model)
		want string
	}{
		{"rank does not divide filters", func(m *format.Model) { m.Ops[0].Params.(*format.SVDFParams).Rank = 3 }, "rank"},
		{"rank zero", func(m *format.Model) { m.Ops[0].Params.(*format.SVDFParams).Rank = 0 }, "rank"},
		{"state not a variable", func(m *format.Model) { m.Tensors[4].Variable = false }, "variable"},
		{"state of another type", func(m *format.Model) { m.Tensors[4].DType = format.DTypeInt8 }, "state"},
		{"state too short", func(m *format.Model) { m.Tensors[4].Shape = []int32{1, 7} }, "shapes"},
		{"output units wrong", func(m *format.Model) { m.Tensors[5].Shape = []int32{1, 3} }, "shapes"},
		{"shift out of range", func(m *format.Model) { m.Ops[0].Params.(*format.SVDFParams).OutputShift = 31 }, "shift"},
		{"state zero point outside int8", func(m *format.Model) {
			m.Tensors[2].DType, m.Tensors[4].DType = format.DTypeInt8, format.DTypeInt8
			m.Tensors[2].Data = m.Tensors[2].Data[:8]
			m.Ops[0].Params.(*format.SVDFParams).StateZeroPoint = 200
		}, "state zero point"},
		{"missing state", func(m *format.Model) { m.Ops[0].Inputs[4] = -1 }, "required"},
		{"weights_feature data short", func(m *format.Model) { m.Tensors[1].Data = m.Tensors[1].Data[:3] }, "data size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newSVDFCase(rand.New(rand.NewPCG(1, 2)), 1, 4, 4, 2, 2, true, true)
			tc.edit(c.m)
			_, err := Prepare(c.m, 0)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// TestStateOpMACs: SVDF counts each filter's feature and time products
// per batch row; LSTM four gates of input and recurrent products per unit
// and step.
func TestStateOpMACs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	s := newSVDFCase(r, 2, 5, 6, 3, 2, true, true)
	if got, want := MACs(s.m, 0), int64(2*6*(5+3)); got != want {
		t.Errorf("SVDF MACs %d, want %d", got, want)
	}
	l := newLSTMCase(r, false, false, 7, 2, 5, 3)
	if got, want := MACs(l.m, 0), int64(7*2*3*4*(5+3)); got != want {
		t.Errorf("LSTM MACs %d, want %d", got, want)
	}
}
