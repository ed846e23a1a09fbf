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

// Tests of the 16x8 conv family against references written from TFLite's
// int16 kernels: taps in the reference's order, products summed in int64
// (wrapped to int32 at the end for an int32 bias), requantized by
// internal/quanttest's restatements.

func rand16(r *rand.Rand, n int) []int16 {
	v := make([]int16, n)
	sat := r.IntN(3) == 0
	for i := range v {
		v[i] = int16(r.IntN(65536) - 32768)
		if sat && r.IntN(2) == 0 {
			v[i] = [2]int16{math.MinInt16, math.MaxInt16}[r.IntN(2)]
		}
	}
	return v
}

// bytes16 returns v's little-endian bytes as int8s (runKernel's inputs).
func bytes16(v []int16) []int8 {
	b := make([]int8, 2*len(v))
	for i, x := range v {
		b[2*i], b[2*i+1] = int8(uint8(x)), int8(uint8(uint16(x)>>8))
	}
	return b
}

// from16 decodes runKernel's output bytes.
func from16(b []int8) []int16 {
	v := make([]int16, len(b)/2)
	for i := range v {
		v[i] = int16(uint16(uint8(b[2*i])) | uint16(uint8(b[2*i+1]))<<8)
	}
	return v
}

// bias16 is a test bias: int64 (wide), int32, or absent (kind 0, 1, 2).
type bias16 struct {
	kind int
	v64  []int64
	v32  []int32
}

func randBias16(r *rand.Rand, kind, n int) bias16 {
	b := bias16{kind: kind}
	switch kind {
	case 0:
		b.v64 = make([]int64, n)
		for i := range b.v64 {
			b.v64[i] = r.Int64N(1<<40) - 1<<39
		}
	case 1:
		b.v32 = make([]int32, n)
		for i := range b.v32 {
			b.v32[i] = int32(r.Uint32())
		}
	}
	return b
}

// tensor returns the bias's constant tensor, or ok false when absent.
func (b bias16) tensor() (format.Tensor, bool) {
	switch b.kind {
	case 0:
		d := make([]byte, 8*len(b.v64))
		for i, v := range b.v64 {
			binary.LittleEndian.PutUint64(d[8*i:], uint64(v))
		}
		return format.Tensor{DType: format.DTypeInt64, Shape: []int32{int32(len(b.v64))}, Data: d, ArenaOffset: -1}, true
	case 1:
		d := make([]byte, 4*len(b.v32))
		for i, v := range b.v32 {
			binary.LittleEndian.PutUint32(d[4*i:], uint32(v))
		}
		return format.Tensor{DType: format.DTypeInt32, Shape: []int32{int32(len(b.v32))}, Data: d, ArenaOffset: -1}, true
	}
	return format.Tensor{}, false
}

// out is the reference output stage for channel c.
func (b bias16) out(acc int64, c int, q format.Requant, lo, hi int32) int16 {
	i := c
	if len(q.Multiplier) == 1 {
		i = 0
	}
	if b.kind == 1 {
		return quanttest.Requantize16Int32(int32(acc)+b.v32[c], q.Multiplier[i], q.Shift[i], lo, hi)
	}
	if b.kind == 0 {
		acc += b.v64[c]
	}
	return quanttest.Requantize16(acc, q.Multiplier[i], q.Shift[i], lo, hi)
}

// requant16 returns n realistic (multiplier, shift) pairs for the 16x8
// output stage (shift up to 14).
func requant16(r *rand.Rand, n int) format.Requant {
	q := format.Requant{Multiplier: make([]int32, n), Shift: make([]int32, n)}
	for i := range q.Multiplier {
		q.Multiplier[i] = int32(1<<30 + r.Int64N(1<<30))
		switch r.IntN(8) {
		case 0:
			q.Multiplier[i], q.Shift[i] = 0, 0
		case 1:
			q.Multiplier[i], q.Shift[i] = math.MaxInt32, int32(r.IntN(3))
		case 2:
			q.Shift[i] = -31
		default:
			q.Shift[i] = int32(-8 - r.IntN(16))
		}
	}
	return q
}

// conv16Model builds a one-op int16 CONV_2D or DEPTHWISE_CONV_2D model.
func conv16Model(code format.OpCode, in, fshape, out []int32, filter []int8, b bias16, p *format.ConvParams) *format.Model {
	m := &format.Model{Tensors: []format.Tensor{
		{DType: format.DTypeInt16, Shape: in, ArenaOffset: 0},
		{DType: format.DTypeInt8, Shape: fshape, Data: i8bytes(filter), ArenaOffset: -1},
		{DType: format.DTypeInt16, Shape: out, ArenaOffset: 0},
	}}
	inputs := []int32{0, 1}
	if bt, ok := b.tensor(); ok {
		m.Tensors = append(m.Tensors, bt)
		inputs = append(inputs, 3)
	}
	m.Ops = []format.Op{{Code: code, Inputs: inputs, Outputs: []int32{2}, Params: p}}
	return m
}

func i8bytes(v []int8) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}

func TestConv16MatchesReference(t *testing.T) {
	forEachImpl(t, func(t *testing.T, _ *asm.Impl) {
		checkConv16(t, rand.New(rand.NewPCG(16, 8)), 60, false)
		// Wide: channel counts past the SIMD kernels' blocks (8, 16, 32
		// channels; 4-row, 8- to 32-column GEMM tiles) and their tails,
		// mostly on the fast paths (no groups, depth multiplier 1).
		checkConv16(t, rand.New(rand.NewPCG(16, 10)), 24, true)
	})
}

// checkConv16 runs iters random int16 CONV_2D and DEPTHWISE_CONV_2D cases
// against the reference sum written out below.
func checkConv16(t *testing.T, r *rand.Rand, iters int, wide bool) {
	for iter := 0; iter < iters; iter++ {
		depthwise := iter%2 == 1
		n, ih, iw := 1+r.IntN(2), 1+r.IntN(7), 1+r.IntN(7)
		kh, kw := 1+r.IntN(3), 1+r.IntN(3)
		sh, sw, dh, dw := 1+r.IntN(2), 1+r.IntN(2), 1+r.IntN(2), 1+r.IntN(2)
		if wide && r.IntN(3) == 0 {
			sh, sw, dh, dw = 1, 1, 1, 1
		}
		var ic, oc, groupIn, mult int
		var fshape []int32
		switch {
		case depthwise && wide:
			ic, mult = 1+r.IntN(70), 1
			if r.IntN(4) == 0 {
				mult = 2
			}
			oc = ic * mult
			fshape = []int32{1, int32(kh), int32(kw), int32(oc)}
		case depthwise:
			ic, mult = 1+r.IntN(5), 1+r.IntN(3)
			oc = ic * mult
			fshape = []int32{1, int32(kh), int32(kw), int32(oc)}
		default:
			groups := 1 + r.IntN(2)
			groupIn = 1 + r.IntN(4)
			ocg := 1 + r.IntN(4)
			if wide {
				groups, groupIn, ocg = 1, 1+r.IntN(80), 1+r.IntN(40)
			}
			ic, oc = groups*groupIn, groups*ocg
			fshape = []int32{int32(oc), int32(kh), int32(kw), int32(groupIn)}
		}
		effH, effW := (kh-1)*dh+1, (kw-1)*dw+1
		padT, padL := r.IntN(effH/2+1), r.IntN(effW/2+1)
		oh, ow := (ih+2*padT-effH)/sh+1, (iw+2*padL-effW)/sw+1
		if oh < 1 || ow < 1 {
			continue
		}
		filter := make([]int8, fshape[0]*fshape[1]*fshape[2]*fshape[3])
		for i := range filter {
			filter[i] = int8(r.IntN(255) - 127)
		}
		kind := r.IntN(3)
		if depthwise && kind == 1 {
			kind = 0
		}
		b := randBias16(r, kind, oc)
		q := requant16(r, oc)
		if r.IntN(4) == 0 {
			q = requant16(r, 1)
		}
		lo, hi := int32(math.MinInt16), int32(math.MaxInt16)
		if r.IntN(3) == 0 {
			lo, hi = 0, int32(r.IntN(32768))
		}
		p := &format.ConvParams{StrideH: int32(sh), StrideW: int32(sw), DilationH: int32(dh), DilationW: int32(dw),
			PadTop: int32(padT), PadLeft: int32(padL), DepthMultiplier: int32(mult), Requant: q, ActMin: lo, ActMax: hi}
		code := format.OpConv2D
		if depthwise {
			code = format.OpDepthwiseConv2D
		}
		inS, outS := []int32{int32(n), int32(ih), int32(iw), int32(ic)}, []int32{int32(n), int32(oh), int32(ow), int32(oc)}
		m := conv16Model(code, inS, fshape, outS, filter, b, p)
		x := rand16(r, n*ih*iw*ic)
		got := from16(runKernel(t, m, bytes16(x)))
		for bi := 0; bi < n; bi++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					for c := 0; c < oc; c++ {
						var acc int64
						for ky := 0; ky < kh; ky++ {
							for kx := 0; kx < kw; kx++ {
								iy, ix := oy*sh-padT+ky*dh, ox*sw-padL+kx*dw
								if iy < 0 || iy >= ih || ix < 0 || ix >= iw {
									continue
								}
								if depthwise {
									acc += int64(filter[(ky*kw+kx)*oc+c]) * int64(x[((bi*ih+iy)*iw+ix)*ic+c/mult])
									continue
								}
								g := c / (oc / (ic / groupIn))
								for ci := 0; ci < groupIn; ci++ {
									acc += int64(filter[((c*kh+ky)*kw+kx)*groupIn+ci]) * int64(x[((bi*ih+iy)*iw+ix)*ic+g*groupIn+ci])
								}
							}
						}
						want := b.out(acc, c, q, lo, hi)
						if g := got[((bi*oh+oy)*ow+ox)*oc+c]; g != want {
							t.Fatalf("iter %d %s bias kind %d: output (%d,%d,%d,%d) = %d, want %d", iter, code, kind, bi, oy, ox, c, g, want)
						}
					}
				}
			}
		}
	}
}

func TestFullyConnected16MatchesReference(t *testing.T) {
	forEachImpl(t, func(t *testing.T, _ *asm.Impl) {
		checkFullyConnected16(t, rand.New(rand.NewPCG(16, 9)), 40, false)
		checkFullyConnected16(t, rand.New(rand.NewPCG(16, 11)), 30, true)
	})
}

// checkFullyConnected16 runs iters random int16 FULLY_CONNECTED cases
// against the reference sum. wide: more rows than one Gemm16 block, more
// columns than a panel, and depths past the int32 bound with weights of
// −128 (exact only through the blocked sums).
func checkFullyConnected16(t *testing.T, r *rand.Rand, iters int, wide bool) {
	for iter := 0; iter < iters; iter++ {
		batches, depth, units := 1+r.IntN(4), 1+r.IntN(40), 1+r.IntN(12)
		if wide {
			batches, depth, units = 1+r.IntN(40), 1+r.IntN(1200), 1+r.IntN(70)
		}
		filter := make([]int8, units*depth)
		heavy := wide && r.IntN(2) == 0
		for i := range filter {
			filter[i] = int8(r.IntN(255) - 127)
			if heavy {
				filter[i] = [2]int8{-128, 127}[r.IntN(2)]
			}
		}
		kind := r.IntN(3)
		b := randBias16(r, kind, units)
		q := requant16(r, 1)
		if r.IntN(2) == 0 {
			q = requant16(r, units)
		}
		m := &format.Model{Tensors: []format.Tensor{
			{DType: format.DTypeInt16, Shape: []int32{int32(batches), int32(depth)}, ArenaOffset: 0},
			{DType: format.DTypeInt8, Shape: []int32{int32(units), int32(depth)}, Data: i8bytes(filter), ArenaOffset: -1},
			{DType: format.DTypeInt16, Shape: []int32{int32(batches), int32(units)}, ArenaOffset: 0},
		}}
		inputs := []int32{0, 1}
		if bt, ok := b.tensor(); ok {
			m.Tensors = append(m.Tensors, bt)
			inputs = append(inputs, 3)
		}
		m.Ops = []format.Op{{Code: format.OpFullyConnected, Inputs: inputs, Outputs: []int32{2},
			Params: &format.FullyConnectedParams{Requant: q, ActMin: math.MinInt16, ActMax: math.MaxInt16}}}
		x := rand16(r, batches*depth)
		got := from16(runKernel(t, m, bytes16(x)))
		for bi := 0; bi < batches; bi++ {
			for u := 0; u < units; u++ {
				var acc int64
				for d := 0; d < depth; d++ {
					acc += int64(filter[u*depth+d]) * int64(x[bi*depth+d])
				}
				if want := b.out(acc, u, q, math.MinInt16, math.MaxInt16); got[bi*units+u] != want {
					t.Fatalf("iter %d bias kind %d: output (%d,%d) = %d, want %d", iter, kind, bi, u, got[bi*units+u], want)
				}
			}
		}
	}
}

func TestConv16RejectsMalformed(t *testing.T) {
	valid := func() *format.Model {
		p := &format.ConvParams{StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, DepthMultiplier: 1,
			Requant: format.Requant{Multiplier: []int32{1 << 30}, Shift: []int32{-3}}, ActMin: math.MinInt16, ActMax: math.MaxInt16}
		return conv16Model(format.OpConv2D, []int32{1, 3, 3, 2}, []int32{2, 1, 1, 2}, []int32{1, 3, 3, 2},
			make([]int8, 4), bias16{kind: 0, v64: make([]int64, 2)}, p)
	}
	if _, err := Prepare(valid(), 0); err != nil {
		t.Fatalf("valid model: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func(m *format.Model)
		want string
	}{
		{"input offset", func(m *format.Model) { m.Ops[0].Params.(*format.ConvParams).InputOffset = 1 }, "zero point 0"},
		{"output offset", func(m *format.Model) { m.Ops[0].Params.(*format.ConvParams).OutputOffset = -1 }, "zero point 0"},
		{"clamp outside int16", func(m *format.Model) { m.Ops[0].Params.(*format.ConvParams).ActMax = 40000 }, "int16"},
		{"shift 15 with int64 bias", func(m *format.Model) { m.Ops[0].Params.(*format.ConvParams).Requant.Shift[0] = 15 }, "shift"},
		{"negative multiplier", func(m *format.Model) { m.Ops[0].Params.(*format.ConvParams).Requant.Multiplier[0] = -1 }, "multiplier"},
		{"int8 output", func(m *format.Model) { m.Tensors[2].DType = format.DTypeInt8 }, "int8"},
		{"int16 filter", func(m *format.Model) { m.Tensors[1].DType = format.DTypeInt16 }, "want int8"},
		{"bias float", func(m *format.Model) { m.Tensors[3].DType = format.DTypeFloat32 }, "want int64 or int32"},
		{"bias short", func(m *format.Model) { m.Tensors[3].Data = m.Tensors[3].Data[:12] }, "bytes"},
		{"bias not constant", func(m *format.Model) { m.Tensors[3].Data = nil }, "constant"},
		{"bias count", func(m *format.Model) { m.Tensors[3].Shape = []int32{3} }, "elements"},
		{"three requants", func(m *format.Model) {
			m.Ops[0].Params.(*format.ConvParams).Requant = format.Requant{Multiplier: []int32{1, 1, 1}, Shift: []int32{0, 0, 0}}
		}, "multipliers"},
		{"output shape", func(m *format.Model) { m.Tensors[2].Shape = []int32{2, 3, 3, 2} }, "batch"},
		{"depthwise int32 bias", func(m *format.Model) {
			m.Ops[0].Code = format.OpDepthwiseConv2D
			m.Tensors[1].Shape, m.Tensors[1].Data = []int32{1, 1, 1, 2}, make([]byte, 2)
			m.Tensors[3] = format.Tensor{DType: format.DTypeInt32, Shape: []int32{2}, Data: make([]byte, 8), ArenaOffset: -1}
		}, "want int64"},
	} {
		m := valid()
		tc.edit(m)
		_, err := Prepare(m, 0)
		if !errors.Is(err, format.ErrMalformedModel) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a malformed-model error mentioning %q", tc.name, err, tc.want)
		}
	}
}

// TestDot16Extremes: the int32 partial sums of dot16 must not overflow on
// the largest products (-128 · -32768 = 2^22), over lengths around its
// block size.
func TestDot16Extremes(t *testing.T) {
	for _, n := range []int{1, 3, 4, 503, 1999, 2000, 2001, 4003, 10000} {
		for _, fv := range []int8{-128, 127} {
			f := make([]int8, n)
			x := make([]int16, n)
			for i := range f {
				f[i], x[i] = fv, math.MinInt16
			}
			want := int64(n) * int64(fv) * math.MinInt16
			if got := dot16(f, x); got != want {
				t.Errorf("n=%d f=%d: dot16 = %d, want %d", n, fv, got, want)
			}
		}
	}
}
