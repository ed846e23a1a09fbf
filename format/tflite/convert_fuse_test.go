package tflite

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/ops"
)

// padConvSrc builds PAD (paddings pads, value = zero point unless value
// is set) -> CONV_2D or DEPTHWISE_CONV_2D (VALID, 3x3 or 5x5, stride s)
// on an [1,h,w,c] input; c output channels.
func padConvSrc(r *rand.Rand, depthwise bool, h, w, c, k, s int, pads [4]int, zp int64, value *int8, extraReader bool) *arithSrc {
	b := newArithSrc()
	in := b.tensor(TypeInt8, []int32{1, int32(h), int32(w), int32(c)}, 0.5, zp, nil)
	var pd []byte
	for _, p := range []int{0, 0, pads[0], pads[1], pads[2], pads[3], 0, 0} {
		pd = append(pd, int32Bytes(int32(p))...)
	}
	pt := b.tensor(TypeInt32, []int32{4, 2}, 0, 0, pd)
	ph, pw := h+pads[0]+pads[1], w+pads[2]+pads[3]
	padded := b.tensor(TypeInt8, []int32{1, int32(ph), int32(pw), int32(c)}, 0.5, zp, nil)
	if value == nil {
		b.op(OpPad, nil, []int32{in, pt}, []int32{padded})
	} else {
		v := b.tensor(TypeInt8, []int32{}, 0.5, zp, []byte{byte(*value)})
		b.op(OpPadV2, nil, []int32{in, pt, v}, []int32{padded})
	}
	fshape := []int32{int32(c), int32(k), int32(k), int32(c)}
	var code BuiltinOperator = OpConv2D
	var opts any = &Conv2DOptions{Padding: PaddingValid, StrideH: int32(s), StrideW: int32(s), DilationHFactor: 1, DilationWFactor: 1}
	if depthwise {
		fshape = []int32{1, int32(k), int32(k), int32(c)}
		code = OpDepthwiseConv2D
		opts = &DepthwiseConv2DOptions{Padding: PaddingValid, StrideH: int32(s), StrideW: int32(s), DepthMultiplier: 1, DilationHFactor: 1, DilationWFactor: 1}
	}
	fdata := make([]byte, fshape[0]*fshape[1]*fshape[2]*fshape[3])
	for i := range fdata {
		fdata[i] = byte(r.IntN(256))
	}
	f := b.tensor(TypeInt8, fshape, 0.01, 0, fdata)
	oh, ow := (ph-k)/s+1, (pw-k)/s+1
	out := b.tensor(TypeInt8, []int32{1, int32(oh), int32(ow), int32(c)}, 0.25, -3, nil)
	b.op(code, opts, []int32{padded, f}, []int32{out})
	if extraReader {
		b.op(OpRelu, nil, []int32{padded}, []int32{b.tensor(TypeInt8, []int32{1, int32(ph), int32(pw), int32(c)}, 0.5, zp, nil)})
	}
	// arithSrc's op makes every op output a graph output and every
	// activation it reads a graph input; the padded tensor must be an
	// intermediate.
	sg := &b.m.Subgraphs[0]
	notPadded := func(t int32) bool { return t == padded }
	sg.Outputs = slices.DeleteFunc(sg.Outputs, notPadded)
	sg.Inputs = slices.DeleteFunc(sg.Inputs, notPadded)
	return b
}

// evalOnly runs the model's single op on input in with the kernels of ops.
func evalOnly(t *testing.T, m *format.Model, in []int8) []int8 {
	t.Helper()
	if len(m.Ops) != 1 {
		t.Fatalf("%d ops, want 1", len(m.Ops))
	}
	k, err := ops.Prepare(m, 0)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	env := ops.Env{Tensors: make([][]int8, len(m.Tensors))}
	for i := range m.Tensors {
		if m.Tensors[i].Data != nil {
			env.Tensors[i] = ops.Int8s(m.Tensors[i].Data)
		} else {
			env.Tensors[i] = make([]int8, m.Tensors[i].ByteSize())
		}
	}
	copy(env.Tensors[m.Ops[0].Inputs[0]], in)
	if s, ok := k.(ops.ScratchUser); ok {
		env.Scratch = make([]byte, s.ScratchBytes()+64)
	}
	k.Eval(&env)
	return env.Tensors[m.Ops[0].Outputs[0]]
}

// TestFusePadsExact: a PAD with the zero point as its value, folded into
// the conv after it, gives exactly what padding the input and running the
// VALID conv gives, for conv and depthwise, 3x3 and 5x5, strides 1 and 2,
// symmetric and one-sided padding.
func TestFusePadsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, dw := range []bool{false, true} {
		for _, k := range []int{3, 5} {
			for _, s := range []int{1, 2} {
				for _, pads := range [][4]int{{1, 1, 1, 1}, {0, 1, 0, 1}, {1, 0, 2, 1}, {2, 2, 2, 2}} {
					h, w, c := 5+r.IntN(6), 5+r.IntN(6), 16+r.IntN(3)
					const zp = 7
					src := padConvSrc(r, dw, h, w, c, k, s, pads, zp, nil, false)
					fused, err := Convert(src.m)
					if err != nil {
						t.Fatal(err)
					}
					if len(fused.Ops) != 1 {
						t.Fatalf("dw %v k %d s %d pads %v: %d ops after fusion, want 1", dw, k, s, pads, len(fused.Ops))
					}
					p := fused.Ops[0].Params.(*format.ConvParams)
					if p.PadTop != int32(pads[0]) || p.PadLeft != int32(pads[2]) {
						t.Fatalf("pads %v fused to top %d left %d", pads, p.PadTop, p.PadLeft)
					}
					in := make([]int8, h*w*c)
					for i := range in {
						in[i] = int8(r.IntN(256) - 128)
					}
					got := evalOnly(t, fused, in)

					// The reference: pad by hand, run the VALID conv.
					ph, pw := h+pads[0]+pads[1], w+pads[2]+pads[3]
					padded := make([]int8, ph*pw*c)
					for i := range padded {
						padded[i] = zp
					}
					for y := range h {
						copy(padded[((y+pads[0])*pw+pads[2])*c:][:w*c], in[y*w*c:][:w*c])
					}
					valid := *fused
					valid.Tensors = slices.Clone(fused.Tensors)
					valid.Ops = slices.Clone(fused.Ops)
					vp := *p
					vp.PadTop, vp.PadLeft = 0, 0
					valid.Ops[0].Params = &vp
					vin := &valid.Tensors[valid.Ops[0].Inputs[0]]
					vin.Shape = []int32{1, int32(ph), int32(pw), int32(c)}
					want := evalOnly(t, &valid, padded)
					if !slices.Equal(got, want) {
						t.Fatalf("dw %v k %d s %d pads %v: fused output differs from PAD + VALID", dw, k, s, pads)
					}
				}
			}
		}
	}
}

// TestFusePadsKeepsWhatItCannotFold: a pad value other than the zero
// point, a padded tensor read by another op too, and padding wider than
// the filter stay PAD ops.
func TestFusePadsKeepsWhatItCannotFold(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	value := int8(9)
	cases := map[string]*arithSrc{
		"pad value not the zero point": padConvSrc(r, true, 6, 6, 16, 3, 1, [4]int{1, 1, 1, 1}, 7, &value, false),
		"padded tensor read twice":     padConvSrc(r, true, 6, 6, 16, 3, 1, [4]int{1, 1, 1, 1}, 7, nil, true),
		"padding past the filter":      padConvSrc(r, false, 6, 6, 16, 3, 1, [4]int{4, 0, 0, 0}, 7, nil, false),
	}
	for name, src := range cases {
		m, err := Convert(src.m)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m.Ops[0].Code != format.OpPad && m.Ops[0].Code != format.OpPadV2 {
			t.Errorf("%s: the PAD was folded (ops %v)", name, m.Ops)
		}
	}
	// The same with the zero point as the value does fold.
	zpValue := int8(7)
	m, err := Convert(padConvSrc(r, true, 6, 6, 16, 3, 1, [4]int{1, 1, 1, 1}, 7, &zpValue, false).m)
	if err != nil || len(m.Ops) != 1 {
		t.Fatalf("PADV2 with the zero point: %v, %d ops", err, len(m.Ops))
	}
}
