package ops

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/asm"

	"github.com/edgerun/edgerun/format"
)

func sigmoid16Model(code format.OpCode, n int32, mult, shift int32) *format.Model {
	return &format.Model{
		Tensors: []format.Tensor{
			{DType: format.DTypeInt16, Shape: []int32{n}, ArenaOffset: 0},
			{DType: format.DTypeInt16, Shape: []int32{n}, ArenaOffset: 0},
		},
		Ops: []format.Op{{Code: code, Inputs: []int32{0}, Outputs: []int32{1},
			Params: &format.Sigmoid16Params{InputMultiplier: mult, InputLeftShift: shift}}},
	}
}

// TestSigmoidTable16 checks the table is what its comment says: monotone,
// within 1.2 units of 65536·sigmoid(i/24).
func TestSigmoidTable16(t *testing.T) {
	for i, v := range asm.SigmoidTable16 {
		exact := 65536 / (1 + math.Exp(-float64(i)/24))
		if math.Abs(float64(v)-exact) > 1.2 {
			t.Errorf("entry %d = %d, 65536·sigmoid(%d/24) = %.2f", i, v, i, exact)
		}
		if i > 0 && v < asm.SigmoidTable16[i-1] {
			t.Errorf("entry %d = %d below entry %d", i, v, i-1)
		}
	}
}

// TestSigmoid16 checks the int16 LOGISTIC and TANH kernels against a
// restatement of TFLite's fixed-point steps in int64 (interpolating at
// 9 or 8 bits, mirrored for negative inputs, rounded to Q0.15), and both
// against the real functions (within 2^-11 over the table's range).
func TestSigmoid16(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 8))
	for iter := 0; iter < 40; iter++ {
		tanh := iter%2 == 1
		code := format.OpLogistic
		if tanh {
			code = format.OpTanh
		}
		// A general input scale: mult·2^-shift = scale·3·4096.
		scale := math.Pow(2, -16+10*r.Float64())
		mult, shift := scale*3*4096, int32(0)
		for mult <= 32767.0/2 && shift <= 30 {
			shift++
			mult *= 2
		}
		if mult > 32767 {
			continue
		}
		n := 512
		xs := rand16(r, n)
		for i := 0; i < 64; i++ { // and small inputs, where the slope matters
			xs[i] = int16(r.IntN(257) - 128)
		}
		m := sigmoid16Model(code, int32(n), int32(mult), shift)
		got := from16(runKernel(t, m, bytes16(xs)))
		for i, x := range xs {
			var round int64
			if shift > 0 {
				round = 1 << (shift - 1)
			}
			v := (int64(x)*int64(int32(mult)) + round) >> shift // floor shift
			a := v
			if a < 0 {
				a = -a
			}
			bits := int64(9)
			if tanh {
				bits = 8
			}
			h := a >> bits
			var interp int64
			if h >= 255 {
				interp = 0x7FFF << 10
				if tanh {
					interp = 0xFFFF << 8
				}
			} else {
				lo, hi := int64(asm.SigmoidTable16[h]), int64(asm.SigmoidTable16[h+1])
				interp = lo<<bits + (a&(1<<bits-1))*(hi-lo)
			}
			var want int64
			switch {
			case !tanh && v >= 0:
				want = (interp + 512) >> 10
			case !tanh:
				want = (1<<25 - interp + 511) >> 10
			case v >= 0:
				want = (interp - 1<<23 + 128) >> 8
			default:
				want = (-interp + 1<<23 + 127) >> 8
			}
			if int64(got[i]) != want {
				t.Fatalf("%s scale %g (mult %d shift %d): x=%d gives %d, want %d", code, scale, int32(mult), shift, x, got[i], want)
			}
			// The real function, within the table's accuracy.
			real := float64(x) * float64(int32(mult)) / math.Exp2(float64(shift)) / (3 * 4096)
			f := 1 / (1 + math.Exp(-real))
			if tanh {
				f = math.Tanh(real)
			}
			if d := math.Abs(float64(got[i])/32768 - f); d > 1.0/2048 {
				t.Fatalf("%s: x=%d (real %g) gives %d/32768, function %g", code, x, real, got[i], f)
			}
		}
	}
}

func TestSigmoid16RejectsMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(m *format.Model)
		want string
	}{
		{"multiplier", func(m *format.Model) { m.Ops[0].Params.(*format.Sigmoid16Params).InputMultiplier = 40000 }, "multiplier"},
		{"shift", func(m *format.Model) { m.Ops[0].Params.(*format.Sigmoid16Params).InputLeftShift = 32 }, "shift"},
		{"int8", func(m *format.Model) { m.Tensors[0].DType = format.DTypeInt8 }, "want int16"},
		{"sizes", func(m *format.Model) { m.Tensors[1].Shape = []int32{5} }, "elements"},
	} {
		m := sigmoid16Model(format.OpTanh, 4, 24576, 3)
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
