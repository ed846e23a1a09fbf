package ops

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/internal/quanttest"
)

// The reference is TFLite's scatter form: every input pixel adds its
// products into an output-sized accumulator, then the output stage.

func tconvModel(dt format.DType, in, fshape, out []int32, filter []int8, bias *format.Tensor, p *format.ConvParams) *format.Model {
	m := &format.Model{Tensors: []format.Tensor{
		{DType: dt, Shape: in, ArenaOffset: 0},
		{DType: format.DTypeInt8, Shape: fshape, Data: i8bytes(filter), ArenaOffset: -1},
		{DType: dt, Shape: out, ArenaOffset: 0},
	}}
	inputs := []int32{0, 1}
	if bias != nil {
		m.Tensors = append(m.Tensors, *bias)
		inputs = append(inputs, 3)
	}
	m.Ops = []format.Op{{Code: format.OpTransposeConv, Inputs: inputs, Outputs: []int32{2}, Params: p}}
	return m
}

func TestTransposeConvMatchesScatterReference(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 4))
	for iter := 0; iter < 60; iter++ {
		kh, kw := 1+r.IntN(4), 1+r.IntN(4)
		checkTransposeConv(t, r, iter, iter%2 == 1, kh, kw, 4, 5)
	}
	// Filters of more taps than the 16x8 path lists on the stack.
	for iter := 0; iter < 6; iter++ {
		checkTransposeConv(t, r, iter, iter%2 == 1, 9, 8, 4, 5)
	}
}

// The int8 GEMM path (one GEMM per phase) on every implementation: strides
// up to 4 (so filters smaller than the stride, whose phases have no taps),
// channel counts past the kernels' panels, rows longer than one im2col
// block.
func TestTransposeConvGemmEveryImpl(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *asm.Impl) {
		r := rand.New(rand.NewPCG(16, 5))
		for iter := 0; iter < 40; iter++ {
			checkTransposeConv(t, r, iter, false, 1+r.IntN(5), 1+r.IntN(5), 40, 5)
		}
		// Wide rows: segments of several im2col blocks.
		for iter := 0; iter < 4; iter++ {
			checkTransposeConv(t, r, iter, false, 3, 3, 20, 40)
		}
	})
}

// checkTransposeConv runs one random TRANSPOSE_CONV of a kh×kw filter
// (at most maxC channels in and out, inputs at most maxW wide) against the
// scatter reference.
func checkTransposeConv(t *testing.T, r *rand.Rand, iter int, int16In bool, kh, kw, maxC, maxW int) {
	t.Helper()
	{
		n, ih, iw, ic, oc := 1+r.IntN(2), 1+r.IntN(5), 1+r.IntN(maxW), 1+r.IntN(maxC), 1+r.IntN(maxC)
		sh, sw := 1+r.IntN(4), 1+r.IntN(4)
		padT, padL := r.IntN(kh), r.IntN(kw)
		// Any output size: the reference drops what falls outside.
		oh, ow := max(1, (ih-1)*sh+kh-2*padT+r.IntN(3)-1), max(1, (iw-1)*sw+kw-2*padL+r.IntN(3)-1)
		fshape := []int32{int32(oc), int32(kh), int32(kw), int32(ic)}
		filter := make([]int8, oc*kh*kw*ic)
		for i := range filter {
			filter[i] = int8(r.IntN(255) - 127)
		}
		dt := format.DTypeInt8
		lo, hi := int32(-128), int32(127)
		var b bias16
		var bt *format.Tensor
		var q format.Requant
		p := &format.ConvParams{StrideH: int32(sh), StrideW: int32(sw), DilationH: 1, DilationW: 1, DepthMultiplier: 1,
			PadTop: int32(padT), PadLeft: int32(padL)}
		if int16In {
			dt, lo, hi = format.DTypeInt16, math.MinInt16, math.MaxInt16
			b = randBias16(r, 2*r.IntN(2), oc) // int64 or none
			q = requant16(r, oc)
		} else {
			b = randBias16(r, 1+r.IntN(2), oc) // int32 or none
			q = wtRequantParams(r, oc)
			p.InputOffset, p.OutputOffset = -wtZeroPoint(r), wtZeroPoint(r)
		}
		if x, ok := b.tensor(); ok {
			bt = &x
		}
		p.Requant, p.ActMin, p.ActMax = q, lo, hi
		inS, outS := []int32{int32(n), int32(ih), int32(iw), int32(ic)}, []int32{int32(n), int32(oh), int32(ow), int32(oc)}
		m := tconvModel(dt, inS, fshape, outS, filter, bt, p)
		var xs []int32
		var input []int8
		if int16In {
			v := rand16(r, n*ih*iw*ic)
			input = bytes16(v)
			for _, x := range v {
				xs = append(xs, int32(x))
			}
		} else {
			input = wtInt8s(r, n*ih*iw*ic)
			for _, x := range input {
				xs = append(xs, int32(x))
			}
		}
		raw := runKernel(t, m, input)
		acc := make([]int64, n*oh*ow*oc)
		for bi := 0; bi < n; bi++ {
			for y := 0; y < ih; y++ {
				for x := 0; x < iw; x++ {
					for c := 0; c < ic; c++ {
						v := int64(xs[((bi*ih+y)*iw+x)*ic+c] + p.InputOffset)
						for ky := 0; ky < kh; ky++ {
							for kx := 0; kx < kw; kx++ {
								oy, ox := y*sh-padT+ky, x*sw-padL+kx
								if oy < 0 || oy >= oh || ox < 0 || ox >= ow {
									continue
								}
								for o := 0; o < oc; o++ {
									acc[((bi*oh+oy)*ow+ox)*oc+o] += v * int64(filter[((o*kh+ky)*kw+kx)*ic+c])
								}
							}
						}
					}
				}
			}
		}
		var got16 []int16
		if int16In {
			got16 = from16(raw)
		}
		for i, a := range acc {
			c := i % oc
			var want, got int32
			if int16In {
				want, got = int32(b.out(a, c, q, lo, hi)), int32(got16[i])
			} else {
				s := int32(a)
				if b.kind == 1 {
					s += b.v32[c]
				}
				want, got = int32(quanttest.Requantize(s, q.Multiplier[c], q.Shift[c], p.OutputOffset, lo, hi)), int32(raw[i])
			}
			if got != want {
				t.Fatalf("iter %d (%s, in %v out %v filter %v stride %dx%d pad %d,%d): output %d = %d, want %d",
					iter, dt, inS, outS, fshape, sh, sw, padT, padL, i, got, want)
			}
		}
	}
}

func TestTransposeConvRejectsMalformed(t *testing.T) {
	valid := func() *format.Model {
		p := &format.ConvParams{StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, DepthMultiplier: 1, PadTop: 1, PadLeft: 1,
			Requant: format.Requant{Multiplier: []int32{1 << 30}, Shift: []int32{-3}}, ActMin: -128, ActMax: 127}
		return tconvModel(format.DTypeInt8, []int32{1, 3, 3, 2}, []int32{4, 3, 3, 2}, []int32{1, 6, 6, 4}, make([]int8, 72), nil, p)
	}
	if _, err := Prepare(valid(), 0); err != nil {
		t.Fatalf("valid model: %v", err)
	}
	cp := func(m *format.Model) *format.ConvParams { return m.Ops[0].Params.(*format.ConvParams) }
	for _, tc := range []struct {
		name string
		edit func(m *format.Model)
		want string
	}{
		{"stride 0", func(m *format.Model) { cp(m).StrideW = 0 }, "stride"},
		{"dilation", func(m *format.Model) { cp(m).DilationH = 2 }, "dilation"},
		{"depth multiplier", func(m *format.Model) { cp(m).DepthMultiplier = 0 }, "depth multiplier"},
		{"padding = filter", func(m *format.Model) { cp(m).PadTop = 3 }, "padding"},
		{"negative padding", func(m *format.Model) { cp(m).PadLeft = -1 }, "padding"},
		{"filter channels", func(m *format.Model) { m.Tensors[2].Shape = []int32{1, 6, 6, 5} }, "filter"},
		{"batch", func(m *format.Model) { m.Tensors[2].Shape = []int32{2, 6, 6, 4} }, "batch"},
		{"filter offset", func(m *format.Model) { cp(m).FilterOffset = 3 }, "filter offset"},
		{"int8 clamp", func(m *format.Model) { cp(m).ActMax = 300 }, "int8"},
		{"mixed dtypes", func(m *format.Model) { m.Tensors[2].DType = format.DTypeInt16 }, "want int8"},
		{"16x8 int32 bias", func(m *format.Model) {
			m.Tensors[0].DType, m.Tensors[2].DType = format.DTypeInt16, format.DTypeInt16
			cp(m).ActMin, cp(m).ActMax = math.MinInt16, math.MaxInt16
			m.Tensors = append(m.Tensors, format.Tensor{DType: format.DTypeInt32, Shape: []int32{4}, Data: make([]byte, 16), ArenaOffset: -1})
			m.Ops[0].Inputs = append(m.Ops[0].Inputs, 3)
		}, "want int64"},
		{"16x8 input offset", func(m *format.Model) {
			m.Tensors[0].DType, m.Tensors[2].DType = format.DTypeInt16, format.DTypeInt16
			cp(m).ActMin, cp(m).ActMax, cp(m).InputOffset = math.MinInt16, math.MaxInt16, 2
		}, "zero point 0"},
	} {
		m := valid()
		tc.edit(m)
		_, err := Prepare(m, 0)
		if !errors.Is(err, format.ErrMalformedModel) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a malformed-model error mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestTransposeConvMACs(t *testing.T) {
	p := &format.ConvParams{StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, DepthMultiplier: 1,
		Requant: format.Requant{Multiplier: []int32{1 << 30}, Shift: []int32{-3}}, ActMin: -128, ActMax: 127}
	m := tconvModel(format.DTypeInt8, []int32{1, 3, 3, 2}, []int32{4, 3, 3, 2}, []int32{1, 6, 6, 4}, make([]int8, 72), nil, p)
	// 18 input elements, each against 3·3 taps of 4 output channels.
	if got := MACs(m, 0); got != 18*3*3*4 {
		t.Errorf("MACs = %d, want %d", got, 18*3*3*4)
	}
}
