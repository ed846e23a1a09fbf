package ops

import (
	"errors"
	"math"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// genLUT16 is TFLite's gen_lut<float, int16_t, int16_t>, in float32 with
// every operation rounded (test time only): 512 samples of f over
// [inMin, inMax] in Q0.15 of [outMin, outMax), each biased by half the
// error the linear interpolation makes at the step's midpoint, plus f(inMax).
func genLUT16(f func(float32) float32, inMin, inMax, outMin, outMax float32) [513]int16 {
	round := func(x float32) float32 { return float32(math.Round(float64(x))) }
	var lut [513]int16
	step := float32((inMax - inMin) / 512)
	half := float32(step / 2)
	inv := float32(65536 / float32(outMax-outMin))
	clamp := func(x float32) int16 { return int16(min(max(x, -32768), 32767)) }
	for i := 0; i < 512; i++ {
		x := float32(inMin + float32(float32(i)*step))
		val, mid := f(x), f(float32(x+half))
		next := f(float32(inMin + float32(float32(i+1)*step)))
		interp := round(float32(float32(float32(next*inv)+round(float32(val*inv))) / 2))
		bias := round(float32(float32(interp-round(float32(mid*inv))) / 2))
		lut[i] = clamp(float32(round(float32(val*inv)) - bias))
	}
	lut[512] = clamp(round(float32(f(inMax) * inv)))
	return lut
}

func TestSoftmax16LUTs(t *testing.T) {
	exp := genLUT16(func(x float32) float32 { return float32(math.Exp(float64(x))) }, -10, 0, -1, 1)
	rec := genLUT16(func(x float32) float32 { return 1 / float32(1+x) }, 0, 1, -1, 1)
	if exp != softmaxExpLUT16 {
		t.Error("softmaxExpLUT16 differs from gen_lut(exp, -10, 0)")
	}
	if rec != softmaxRecipLUT16 {
		t.Error("softmaxRecipLUT16 differs from gen_lut(1/(1+x), 0, 1)")
	}
}

func softmax16Model(shape []int32, mult, shift int32) *format.Model {
	return &format.Model{
		Tensors: []format.Tensor{
			{DType: format.DTypeInt16, Shape: shape, ArenaOffset: 0},
			{DType: format.DTypeInt16, Shape: shape, ArenaOffset: 0},
		},
		Ops: []format.Op{{Code: format.OpSoftmax, Inputs: []int32{0}, Outputs: []int32{1},
			Params: &format.SoftmaxParams{InputBetaMultiplier: mult, InputBetaLeftShift: shift}}},
	}
}

// TestSoftmax16 checks the int16 kernel against TFLite's SoftmaxInt16
// restated in int64 (the table lookups written out), and the result
// against the real softmax.
func TestSoftmax16(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 9))
	look := func(v int64, lut *[513]int16) int64 {
		i := (v + 32768) / 128 // v >> 7 + 256 for v in int16
		base, next := int64(lut[i]), int64(lut[i+1])
		slope := int64(int16(next - base))
		return int64(int16(base + (slope*(v&127)+64)>>7))
	}
	for iter := 0; iter < 30; iter++ {
		depth := 1 + r.IntN(40)
		rows := 1 + r.IntN(4)
		scale := math.Pow(2, -14+8*r.Float64())
		beta := 0.5 + r.Float64()
		mult, shift := dyadic.QuantizeMultiplier(scale * beta / (10.0 / 65535.0))
		m := softmax16Model([]int32{int32(rows), int32(depth)}, mult, shift)
		xs := rand16(r, rows*depth)
		got := from16(runKernel(t, m, bytes16(xs)))
		for row := 0; row < rows; row++ {
			x := xs[row*depth : (row+1)*depth]
			mx := int64(-32768)
			for _, v := range x {
				mx = max(mx, int64(v))
			}
			e := make([]int64, depth)
			var sum int64
			for c, v := range x {
				d := int64(dyadic.MultiplyByQuantizedMultiplier(int32(int64(v)-mx), mult, shift)) + 32767
				e[c] = look(min(max(d, -32768), 32767), &softmaxExpLUT16)
				sum += e[c]
			}
			h := int64(bits.LeadingZeros32(uint32(sum)))
			shifted := (sum<<(h-1) + 1<<13) >> 14
			recip := look(min(max(shifted-(1<<15+1<<16), -32768), 32767), &softmaxRecipLUT16)
			var fsum float64
			for _, v := range x {
				fsum += math.Exp(beta * scale * float64(int64(v)-mx))
			}
			for c := range x {
				want := min(max((e[c]*recip+1<<(30-h))>>(31-h), 0), 32767)
				if g := int64(got[row*depth+c]); g != want {
					t.Fatalf("iter %d row %d: output %d = %d, want %d", iter, row, c, g, want)
				}
				f := math.Exp(beta*scale*float64(int64(x[c])-mx)) / fsum
				if d := math.Abs(float64(want)/32768 - f); d > 0.01 { // the reference's tables are coarse
					t.Fatalf("iter %d: output %d = %d/32768, softmax %g", iter, c, want, f)
				}
			}
		}
	}
}

func TestSoftmax16RejectsMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(m *format.Model)
		want string
	}{
		{"shift", func(m *format.Model) { m.Ops[0].Params.(*format.SoftmaxParams).InputBetaLeftShift = 31 }, "shift"},
		{"multiplier", func(m *format.Model) { m.Ops[0].Params.(*format.SoftmaxParams).InputBetaMultiplier = -1 }, "multiplier"},
		{"shapes", func(m *format.Model) { m.Tensors[1].Shape = []int32{2, 4} }, "shape"},
		{"int8 output", func(m *format.Model) { m.Tensors[1].DType = format.DTypeInt8 }, "want int16"},
		{"rank 0", func(m *format.Model) { m.Tensors[0].Shape, m.Tensors[1].Shape = nil, nil }, "rank"},
	} {
		m := softmax16Model([]int32{2, 3}, 1<<30, 3)
		if _, err := Prepare(m, 0); err != nil {
			t.Fatalf("valid model: %v", err)
		}
		tc.edit(m)
		_, err := Prepare(m, 0)
		if !errors.Is(err, format.ErrMalformedModel) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a malformed-model error mentioning %q", tc.name, err, tc.want)
		}
	}
}

// TestSoftmaxInt8ToInt16 checks the int8 → int16 form against the int8
// reference's arithmetic with 16 output bits: the same reciprocal and
// exponentials, shifted 8 bits less, offset by -32768.
func TestSoftmaxInt8ToInt16(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 10))
	for iter := 0; iter < 20; iter++ {
		depth, rows := 1+r.IntN(30), 1+r.IntN(3)
		p := softmaxParams(t, 1, 0.02+0.1*r.Float64())
		m := &format.Model{
			Tensors: []format.Tensor{
				{DType: format.DTypeInt8, Shape: []int32{int32(rows), int32(depth)}, ArenaOffset: 0},
				{DType: format.DTypeInt16, Shape: []int32{int32(rows), int32(depth)}, ArenaOffset: 0},
			},
			Ops: []format.Op{{Code: format.OpSoftmax, Inputs: []int32{0}, Outputs: []int32{1}, Params: p}},
		}
		in := wtInt8s(r, rows*depth)
		got := from16(runKernel(t, m, in))
		expOf := func(d int32) int32 {
			return dyadic.ExpOnNegativeValues(dyadic.MultiplyByQuantizedMultiplierGreaterThanOne(d, p.InputBetaMultiplier, p.InputBetaLeftShift), 5)
		}
		for row := 0; row < rows; row++ {
			x := in[row*depth : (row+1)*depth]
			mx := int32(-128)
			for _, v := range x {
				mx = max(mx, int32(v))
			}
			var sum int32
			for _, v := range x {
				if d := int32(v) - mx; d >= p.DiffMin {
					sum += dyadic.Rescale(expOf(d), 0, 12)
				}
			}
			recip, over := dyadic.GetReciprocal(sum, 12)
			for c, v := range x {
				want := int32(-32768)
				if d := int32(v) - mx; d >= p.DiffMin {
					o := dyadic.RoundingDivideByPOT(dyadic.SaturatingRoundingDoublingHighMul(recip, expOf(d)), int32(over+31-16))
					want = min(o-32768, 32767)
				}
				if g := int32(got[row*depth+c]); g != want {
					t.Fatalf("iter %d row %d: output %d = %d, want %d", iter, row, c, g, want)
				}
			}
		}
	}
}
