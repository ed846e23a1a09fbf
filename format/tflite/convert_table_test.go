package tflite

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// tq is a test tensor's type and per-tensor quantization.
type tq struct {
	typ   TensorType
	scale float32
	zp    int64
}

func i8(scale float32, zp int64) tq { return tq{TypeInt8, scale, zp} }

// tableTestModel builds a source model with a single op reading tensor 0
// (the graph input) and writing tensor 1 (the graph output).
func tableTestModel(code BuiltinOperator, opts any, in, out tq) *Model {
	tensor := func(name string, q tq) Tensor {
		return Tensor{Name: name, Type: q.typ, Shape: []int32{1, 4},
			Quantization: &Quantization{Scale: []float32{q.scale}, ZeroPoint: []int64{q.zp}}}
	}
	return &Model{
		Version:       3,
		OperatorCodes: []OperatorCode{{BuiltinCode: code, Version: 1}},
		Buffers:       []Buffer{{}},
		Subgraphs: []Subgraph{{
			Tensors:   []Tensor{tensor("in", in), tensor("out", out)},
			Inputs:    []int32{0},
			Outputs:   []int32{1},
			Operators: []Operator{{OpcodeIndex: 0, Inputs: []int32{0}, Outputs: []int32{1}, Options: opts}},
		}},
	}
}

// convertTable converts m and returns its single op's table.
func convertTable(t *testing.T, m *Model) []int8 {
	t.Helper()
	fm, err := Convert(m)
	if err != nil {
		t.Fatalf("Convert: %v", err)
	}
	if len(fm.Ops) != 1 {
		t.Fatalf("converted to %d ops, want 1", len(fm.Ops))
	}
	p, ok := fm.Ops[0].Params.(*format.TableParams)
	if !ok || len(p.Table) != 256 {
		t.Fatalf("params %T, want a 256-entry *format.TableParams", fm.Ops[0].Params)
	}
	return p.Table
}

// logUniform returns a float32 log-uniformly distributed in [lo, hi].
func logUniform(r *rand.Rand, lo, hi float64) float32 {
	return float32(math.Exp(math.Log(lo) + r.Float64()*(math.Log(hi)-math.Log(lo))))
}

// randZP returns a random int8 zero point, often one of the extremes.
func randZP(r *rand.Rand) int64 {
	switch r.IntN(6) {
	case 0:
		return -128
	case 1:
		return 127
	case 2:
		return 0
	}
	return int64(r.IntN(256) - 128)
}

// roundAway rounds half away from zero.
func roundAway(v float64) float64 { return math.Round(v) }

func clampF(v, lo, hi float64) float64 { return math.Min(math.Max(v, lo), hi) }

// refMBQM is an independent int64 evaluation of TFLite's double-rounding
// MultiplyByQuantizedMultiplier: the input shifted left with int32
// wrap-around, the product rounded to nearest (ties toward +infinity,
// floor((p + 2^30) / 2^31), the single overflow saturating), then an
// arithmetic right shift rounding half away from zero.
func refMBQM(x int64, m, shift int32) int64 {
	left, right := max(shift, 0), max(-shift, 0)
	xl := int64(int32(uint32(x) << uint(left)))
	var high int64
	if xl == math.MinInt32 && int64(m) == math.MinInt32 {
		high = math.MaxInt32
	} else {
		high = (xl*int64(m) + 1<<30) >> 31
	}
	if right == 0 {
		return high
	}
	half := int64(1) << uint(right-1)
	if high >= 0 {
		return (high + half) >> uint(right)
	}
	return -((-high + half) >> uint(right))
}

func TestRefMBQMSpotValues(t *testing.T) {
	// Hand-computed: 3 · 0.5 = 1.5 rounds to 2 (ties toward +inf in the
	// high multiply), -3 · 0.5 = -1.5 rounds to -1; 5 · 0.5 / 2 rounds
	// twice, 2.5 → 3 then 1.5 → 2 (the exact 1.25 would give 1);
	// -6 · 0.5 / 2 = -1.5 → -2 (the right shift rounds ties away from zero).
	for _, c := range []struct {
		x        int64
		m, shift int32
		want     int64
	}{
		{3, 1 << 30, 0, 2}, {-3, 1 << 30, 0, -1}, {5, 1 << 30, -1, 2}, {-6, 1 << 30, -1, -2},
		{7, 1 << 30, 1, 7}, {100, 1 << 30, 3, 400},
	} {
		if got := refMBQM(c.x, c.m, c.shift); got != c.want {
			t.Errorf("refMBQM(%d, %d, %d) = %d, want %d", c.x, c.m, c.shift, got, c.want)
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 20000 {
		x := int64(r.IntN(511) - 255)
		m := int32(1<<30 + r.IntN(1<<30))
		shift := int32(r.IntN(40) - 31)
		if got, want := refMBQM(x, m, shift), int64(dyadic.MultiplyByQuantizedMultiplier(int32(x), m, shift)); got != want {
			t.Fatalf("refMBQM(%d, %d, %d) = %d, dyadic gives %d", x, m, shift, got, want)
		}
	}
}

// ---- LOGISTIC and TANH ----------------------------------------------------

func TestTableLogisticTanhAgainstFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		// Above scale ~1.5 TFLM's input radius (floor of 15·2^27/2^shift)
		// saturates inputs whose function value is still well inside the
		// output range (see TestTableSigmoidRadiusZero); the float model
		// only holds below.
		inScale := logUniform(r, 1e-5, 1)
		inZP := randZP(r)
		if i < 4 { // extremes: smallest accepted scale, tiny, and 1
			inScale = []float32{float32(math.Ldexp(1, -28)), 4e-8, 1, 0.75}[i]
		}
		lg := convertTable(t, tableTestModel(OpLogistic, nil, i8(inScale, inZP), i8(1.0/256, -128)))
		th := convertTable(t, tableTestModel(OpTanh, nil, i8(inScale, inZP), i8(1.0/128, 0)))
		for x := -128; x <= 127; x++ {
			v := float64(inScale) * float64(int64(x)-inZP)
			wantL := clampF(roundAway(256/(1+math.Exp(-v)))-128, -128, 127)
			wantT := clampF(roundAway(128*math.Tanh(v)), -128, 127)
			if got := float64(lg[x+128]); math.Abs(got-wantL) > 1 {
				t.Fatalf("LOGISTIC scale %g zp %d x %d: got %v, float gives %v", inScale, inZP, x, got, wantL)
			}
			if got := float64(th[x+128]); math.Abs(got-wantT) > 1 {
				t.Fatalf("TANH scale %g zp %d x %d: got %v, float gives %v", inScale, inZP, x, got, wantT)
			}
			if x > -128 && (lg[x+128] < lg[x+127] || th[x+128] < th[x+127]) {
				t.Fatalf("scale %g zp %d: not monotone at x %d", inScale, inZP, x)
			}
		}
		// gemmlowp's tanh is odd and RoundingDivideByPOT rounds ties away
		// from zero, so TANH is exactly antisymmetric around the zero point,
		// except that the radius saturation gives 127 / -128.
		for d := int64(1); inZP+d <= 127 && inZP-d >= -128; d++ {
			hi, lo := th[inZP+d+128], th[inZP-d+128]
			if int(hi) != -int(lo) && (hi != 127 || lo != -128) {
				t.Fatalf("TANH scale %g zp %d: table[zp+%d] = %d, table[zp-%d] = %d", inScale, inZP, d, hi, d, lo)
			}
		}
		if th[inZP+128] != 0 {
			t.Fatalf("TANH scale %g zp %d: tanh(0) = %d", inScale, inZP, th[inZP+128])
		}
	}
}

// TestTableSigmoidRadiusZero: with input scale ≥ 16 the input radius is 0,
// so TFLM's first test (d <= -radius) sends d = 0 to -128 and every d > 0
// to 127, skipping the function entirely.
func TestTableSigmoidRadiusZero(t *testing.T) {
	for _, op := range []BuiltinOperator{OpLogistic, OpTanh} {
		out := i8(1.0/256, -128)
		if op == OpTanh {
			out = i8(1.0/128, 0)
		}
		tab := convertTable(t, tableTestModel(op, nil, i8(64, 5), out))
		for x := -128; x <= 127; x++ {
			want := int8(127)
			if x <= 5 {
				want = -128
			}
			if tab[x+128] != want {
				t.Fatalf("%s: table[%d] = %d, want %d", op, x, tab[x+128], want)
			}
		}
	}
}

// ---- HARD_SWISH -----------------------------------------------------------

func TestTableHardSwishAgainstFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 400 {
		inScale := logUniform(r, 1e-3, 1)
		// TFLM needs input scale / 128 / output scale < 1; stay where the
		// 16-bit output multiplier keeps real precision (exponent > -16).
		outScale := inScale / 128 * logUniform(r, 1.01, 2000)
		inZP, outZP := randZP(r), randZP(r)
		tab := convertTable(t, tableTestModel(OpHardSwish, nil, i8(inScale, inZP), i8(outScale, outZP)))
		for x := -128; x <= 127; x++ {
			v := float64(inScale) * float64(int64(x)-inZP)
			hs := v * math.Min(math.Max(v+3, 0), 6) / 6
			want := clampF(roundAway(hs/float64(outScale))+float64(outZP), -128, 127)
			// The int16 pipeline keeps ~15 significant bits: the error is at
			// most one output step.
			if got := float64(tab[x+128]); math.Abs(got-want) > 1 {
				t.Fatalf("HARD_SWISH in %g/%d out %g/%d x %d: got %v, float gives %v", inScale, inZP, outScale, outZP, x, got, want)
			}
		}
	}
}

// TestTableHardSwishTinyOutputMultiplier pins a gemmlowp int16 quirk that
// TFLM inherits: RoundingDivideByPOT on int16 with an exponent of 16 or more
// truncates its mask to -1 and returns 1 for every non-negative value, so
// with an output multiplier below 2^-16 every input with a non-negative
// pre-shift product yields output zero point + 1.
func TestTableHardSwishTinyOutputMultiplier(t *testing.T) {
	inScale, outScale := float32(0.01), float32(10) // 0.01/128/10 = 0.51·2^-16
	tab := convertTable(t, tableTestModel(OpHardSwish, nil, i8(inScale, 0), i8(outScale, 10)))
	for x := -128; x <= 127; x++ {
		// For x ≥ 0, hard swish ≥ 0; for x in (-3/0.01, 0) it is ≤ 0, and the
		// truncating SaturatingDoublingHighMul of a non-positive product can
		// be 0 (so also +1) or negative (then -1).
		if x >= 0 && tab[x+128] != 11 {
			t.Fatalf("table[%d] = %d, want 11", x, tab[x+128])
		}
		if x < 0 && tab[x+128] != 11 && tab[x+128] != 9 {
			t.Fatalf("table[%d] = %d, want 9 or 11", x, tab[x+128])
		}
	}
}

// ---- LEAKY_RELU, RELU, RELU_N1_TO_1, RELU6 --------------------------------

func TestTableLeakyReluExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := range 400 {
		inScale := logUniform(r, 1e-3, 1)
		outScale := inScale * logUniform(r, 0.02, 50)
		alpha := []float32{0.01, 0.2, 0.5, 0, -0.3, 1.7}[i%6]
		inZP, outZP := randZP(r), randZP(r)
		tab := convertTable(t, tableTestModel(OpLeakyRelu, &LeakyReluOptions{Alpha: alpha}, i8(inScale, inZP), i8(outScale, outZP)))
		mi, si := dyadic.QuantizeMultiplier(float64(inScale / outScale))
		ma, sa := dyadic.QuantizeMultiplier(float64(inScale * alpha / outScale))
		for x := -128; x <= 127; x++ {
			d := int64(x) - inZP
			exact := refMBQM(d, mi, si)
			ratio := float64(inScale) / float64(outScale)
			if d < 0 {
				exact = refMBQM(d, ma, sa)
				ratio *= float64(alpha)
			}
			want := clampF(float64(exact+outZP), -128, 127)
			got := float64(tab[x+128])
			if got != want {
				t.Fatalf("LEAKY_RELU alpha %g in %g/%d out %g/%d x %d: got %v, reference %v", alpha, inScale, inZP, outScale, outZP, x, got, want)
			}
			if f := clampF(roundAway(float64(d)*ratio)+float64(outZP), -128, 127); math.Abs(got-f) > 1 {
				t.Fatalf("LEAKY_RELU alpha %g x %d: got %v, float gives %v", alpha, x, got, f)
			}
		}
	}
	// Absent options: alpha = 0, so every input below the zero point maps to
	// the output zero point.
	tab := convertTable(t, tableTestModel(OpLeakyRelu, nil, i8(0.1, 3), i8(0.1, -7)))
	for x := -128; x < 3; x++ {
		if tab[x+128] != -7 {
			t.Fatalf("alpha 0: table[%d] = %d, want -7", x, tab[x+128])
		}
	}
}

func TestTableReluFamily(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for range 300 {
		inScale := logUniform(r, 1e-3, 1)
		outScale := inScale * logUniform(r, 0.05, 20)
		inZP, outZP := randZP(r), randZP(r)
		ratio := float64(inScale) / float64(outScale)

		relu := convertTable(t, tableTestModel(OpRelu, nil, i8(inScale, inZP), i8(outScale, outZP)))
		m, s := dyadic.QuantizeMultiplier(ratio) // TFLM divides in double
		n1 := convertTable(t, tableTestModel(OpReluN1To1, nil, i8(inScale, inZP), i8(outScale, outZP)))
		m1, s1 := dyadic.QuantizeMultiplier(float64(inScale / outScale)) // TFLite divides in float32
		lo1 := max(-128, outZP+int64(roundAway(float64(-1/outScale))))
		hi1 := min(127, outZP+int64(roundAway(float64(1/outScale))))
		for x := -128; x <= 127; x++ {
			d := int64(x) - inZP
			want := min(max(refMBQM(d, m, s)+outZP, max(-128, outZP)), 127)
			if got := int64(relu[x+128]); got != want {
				t.Fatalf("RELU in %g/%d out %g/%d x %d: got %d, reference %d", inScale, inZP, outScale, outZP, x, got, want)
			}
			if f := clampF(roundAway(math.Max(float64(d)*ratio, 0))+float64(outZP), -128, 127); math.Abs(float64(relu[x+128])-f) > 1 {
				t.Fatalf("RELU x %d: got %d, float gives %v", x, relu[x+128], f)
			}
			want1 := min(max(refMBQM(d, m1, s1)+outZP, lo1), hi1)
			if got := int64(n1[x+128]); got != want1 {
				t.Fatalf("RELU_N1_TO_1 in %g/%d out %g/%d x %d: got %d, reference %d", inScale, inZP, outScale, outZP, x, got, want1)
			}
			if f := clampF(roundAway(clampF(float64(d)*float64(inScale), -1, 1)/float64(outScale))+float64(outZP), -128, 127); math.Abs(float64(n1[x+128])-f) > 1 {
				t.Fatalf("RELU_N1_TO_1 x %d: got %d, float gives %v", x, n1[x+128], f)
			}
		}

		// RELU6 (TFLM) works on the input quantization only: a clamp of the
		// raw value to [zp, zp + round(6 / scale)].
		r6 := convertTable(t, tableTestModel(OpRelu6, nil, i8(inScale, inZP), i8(outScale, outZP)))
		six := min(127, inZP+int64(roundAway(float64(float32(6)/inScale))))
		for x := -128; x <= 127; x++ {
			want := min(max(int64(x), inZP), six)
			if got := int64(r6[x+128]); got != want {
				t.Fatalf("RELU6 in %g/%d x %d: got %d, want %d", inScale, inZP, x, got, want)
			}
			if f := clampF(roundAway(clampF(float64(int64(x)-inZP)*float64(inScale), 0, 6)/float64(inScale))+float64(inZP), -128, 127); math.Abs(float64(r6[x+128])-f) > 1 {
				t.Fatalf("RELU6 x %d: got %d, float gives %v", x, r6[x+128], f)
			}
		}
	}
}

// divergentScales finds scales for which the multiplier of the ratio
// in/out divided in double and the one divided in float32 (then widened)
// requantize some difference d in [0, 255] to different values, both in
// [0, 255]: with zero points -128 the two choices then give different
// tables. Output scales stay below 1/255, so RELU_N1_TO_1's ±1 bounds do not
// clamp there.
func divergentScales(t *testing.T) (in, out float32) {
	t.Helper()
	r := rand.New(rand.NewPCG(12, 13))
	for range 200000 {
		in := logUniform(r, 1e-4, 1e-3)
		out := in * logUniform(r, 0.3, 3)
		md, sd := dyadic.QuantizeMultiplier(float64(in) / float64(out))
		mf, sf := dyadic.QuantizeMultiplier(float64(in / out))
		if md == mf && sd == sf {
			continue
		}
		for d := int64(0); d <= 255; d++ {
			if a, b := refMBQM(d, md, sd), refMBQM(d, mf, sf); a != b && a <= 255 && b <= 255 {
				return in, out
			}
		}
	}
	t.Fatal("no scales found where float32 and double division differ")
	return 0, 0
}

// TestTableDivisionPrecision pins where the prepare code divides the scales
// in double (TFLM's RELU and QUANTIZE) and where in float32 (LEAKY_RELU in
// TFLM, RELU_N1_TO_1 in TFLite): the tables differ for the scales found by
// divergentScales.
func TestTableDivisionPrecision(t *testing.T) {
	in, out := divergentScales(t)
	md, sd := dyadic.QuantizeMultiplier(float64(in) / float64(out))
	mf, sf := dyadic.QuantizeMultiplier(float64(in / out))
	// With both zero points -128, d = x + 128 ≥ 0 and every op here
	// reduces to clamp(MBQM(d) - 128, -128, 127).
	tables := func(m, s int32) []int8 {
		tab := make([]int8, 256)
		for x := -128; x <= 127; x++ {
			tab[x+128] = int8(min(refMBQM(int64(x)+128, m, s)-128, 127))
		}
		return tab
	}
	double, single := tables(md, sd), tables(mf, sf)
	if fmt.Sprint(double) == fmt.Sprint(single) {
		t.Fatal("divergentScales returned scales giving equal tables")
	}
	for _, c := range []struct {
		op   BuiltinOperator
		opts any
		want []int8
	}{
		{OpRelu, nil, double},
		{OpQuantize, nil, double},
		{OpReluN1To1, nil, single},
		{OpLeakyRelu, &LeakyReluOptions{Alpha: 0.5}, single}, // inputs ≥ zero point: identity multiplier
	} {
		got := convertTable(t, tableTestModel(c.op, c.opts, i8(in, -128), i8(out, -128)))
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s in %g out %g: table\n%v\nwant\n%v", c.op, in, out, got, c.want)
		}
	}
}

// ---- QUANTIZE ---------------------------------------------------------------

func TestTableQuantizeRequant(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 11))
	for i := range 600 {
		inScale := logUniform(r, 1e-4, 1)
		outScale := inScale * logUniform(r, 1.0/64, 64)
		if i%10 == 0 { // very small effective multipliers, down to the flush
			outScale = inScale * logUniform(r, 1e8, 1e11)
		}
		inZP, outZP := randZP(r), randZP(r)
		m, s := dyadic.QuantizeMultiplier(float64(inScale) / float64(outScale))
		ratio := float64(inScale) / float64(outScale)

		// int8 → int8
		tab := convertTable(t, tableTestModel(OpQuantize, nil, i8(inScale, inZP), i8(outScale, outZP)))
		for x := -128; x <= 127; x++ {
			d := int64(x) - inZP
			want := min(max(refMBQM(d, m, s)+outZP, -128), 127)
			if got := int64(tab[x+128]); got != want {
				t.Fatalf("QUANTIZE in %g/%d out %g/%d x %d: got %d, reference %d", inScale, inZP, outScale, outZP, x, got, want)
			}
			if f := clampF(roundAway(float64(d)*ratio)+float64(outZP), -128, 127); math.Abs(float64(tab[x+128])-f) > 1 {
				t.Fatalf("QUANTIZE x %d: got %d, float gives %v", x, tab[x+128], f)
			}
		}

		// uint8 → int8 and int8 → uint8, computed here in TFLM's own domain
		// (uint8 values 0..255 with uint8 zero points) and compared with
		// what the table kernel gives for the bytes: the uint8 side is a
		// graph input / output, which keeps its type.
		uZP := int64(r.IntN(256))
		u2i := convertTable(t, tableTestModel(OpQuantize, nil, tq{TypeUInt8, inScale, uZP}, i8(outScale, outZP)))
		i2u := convertTable(t, tableTestModel(OpQuantize, nil, i8(inScale, inZP), tq{TypeUInt8, outScale, uZP}))
		for x := -128; x <= 127; x++ {
			u := int64(x) + 128
			wantU2I := min(max(refMBQM(u-uZP, m, s)+outZP, -128), 127)
			if got := int64(int8(tableLookup(u2i, byte(u)))); got != wantU2I {
				t.Fatalf("QUANTIZE uint8 %g/%d → int8 %g/%d, u %d: got %d, want %d", inScale, uZP, outScale, outZP, u, got, wantU2I)
			}
			wantI2U := min(max(refMBQM(int64(x)-inZP, m, s)+uZP, 0), 255)
			if got := int64(tableLookup(i2u, byte(int8(x)))); got != wantI2U {
				t.Fatalf("QUANTIZE int8 %g/%d → uint8 %g/%d, x %d: got uint8 %d, want %d", inScale, inZP, outScale, uZP, x, got, wantI2U)
			}
		}
	}
}

// tableLookup is the table kernel on one input byte (ops/table.go indexes
// by the byte ^ 0x80, so that an int8 x finds Table[x+128]).
func tableLookup(table []int8, b byte) byte { return byte(table[b^0x80]) }

// TestTableQuantizeUnitScale: an exact unit scale with zero points 128
// apart is TFLM's x ^ 0x80 fast path between int8 and uint8 (the uint8
// side a graph input / output, which keeps its type); int8 → int8 with
// equal parameters is the identity.
func TestTableQuantizeUnitScale(t *testing.T) {
	for k, m := range []*Model{
		tableTestModel(OpQuantize, nil, i8(0.05, -3), tq{TypeUInt8, 0.05, 125}),
		tableTestModel(OpQuantize, nil, tq{TypeUInt8, 0.05, 125}, i8(0.05, -3)),
		tableTestModel(OpQuantize, nil, i8(0.05, -3), i8(0.05, -3)),
	} {
		tab := convertTable(t, m)
		for b := 0; b < 256; b++ {
			want := byte(b) ^ 0x80
			if k == 2 {
				want = byte(b)
			}
			if got := tableLookup(tab, byte(b)); got != want {
				t.Fatalf("model %d: byte %#x → %#x, want %#x", k, b, got, want)
			}
		}
	}
}

// ---- rejected configurations ------------------------------------------------

func TestTableConvertErrors(t *testing.T) {
	nan := float32(math.NaN())
	cases := []struct {
		name string
		m    *Model
		want error
		text string
	}{
		{"logistic output zp", tableTestModel(OpLogistic, nil, i8(0.1, 0), i8(1.0/256, 0)), format.ErrUnsupportedOp, "requires -128"},
		{"logistic uint8", tableTestModel(OpLogistic, nil, tq{TypeUInt8, 0.1, 128}, tq{TypeUInt8, 1.0 / 256, 0}), format.ErrUnsupportedOp, "uint8"},
		{"tanh int16 huge input scale", tableTestModel(OpTanh, nil, tq{TypeInt16, 10, 0}, tq{TypeInt16, 1.0 / 32768, 0}), format.ErrUnsupportedOp, "exceeds 32767"},
		{"tanh tiny scale", tableTestModel(OpTanh, nil, i8(1e-9, 0), i8(1.0/128, 0)), format.ErrUnsupportedOp, "below 2^-28"},
		{"logistic huge scale", tableTestModel(OpLogistic, nil, i8(1e12, 0), i8(1.0/256, -128)), format.ErrUnsupportedOp, "overflows"},
		{"hard swish output exponent", tableTestModel(OpHardSwish, nil, i8(1, 0), i8(0.001, 0)), format.ErrUnsupportedOp, "requires ≤ 0"},
		{"leaky relu nan alpha", tableTestModel(OpLeakyRelu, &LeakyReluOptions{Alpha: nan}, i8(0.1, 0), i8(0.1, 0)), format.ErrMalformedModel, "alpha"},
		{"leaky relu wrong options", tableTestModel(OpLeakyRelu, &SoftmaxOptions{Beta: 1}, i8(0.1, 0), i8(0.1, 0)), format.ErrMalformedModel, "LeakyReluOptions"},
		{"relu huge multiplier", tableTestModel(OpRelu, nil, i8(1e5, 0), i8(1e-6, 0)), format.ErrUnsupportedOp, "left shift"},
		{"relu6 tiny scale", tableTestModel(OpRelu6, nil, i8(1e-10, 0), i8(1e-10, 0)), format.ErrUnsupportedOp, "6 / scale"},
		{"quantize uint8 to uint8", tableTestModel(OpQuantize, nil, tq{TypeUInt8, 0.1, 128}, tq{TypeUInt8, 0.2, 128}), format.ErrUnsupportedOp, "uint8 → uint8"},
	}
	twoIn := tableTestModel(OpRelu, nil, i8(0.1, 0), i8(0.1, 0))
	twoIn.Subgraphs[0].Operators[0].Inputs = []int32{0, 0}
	cases = append(cases, struct {
		name string
		m    *Model
		want error
		text string
	}{"two inputs", twoIn, format.ErrMalformedModel, "2 inputs"})
	noQuant := tableTestModel(OpTanh, nil, i8(0.1, 0), i8(1.0/128, 0))
	noQuant.Subgraphs[0].Tensors[0].Quantization = nil
	cases = append(cases, struct {
		name string
		m    *Model
		want error
		text string
	}{"no quantization", noQuant, format.ErrMalformedModel, "without quantization"})
	perChannel := tableTestModel(OpRelu, nil, i8(0.1, 0), i8(0.1, 0))
	perChannel.Subgraphs[0].Tensors[1].Quantization = &Quantization{Scale: []float32{0.1, 0.2, 0.1, 0.1}, ZeroPoint: []int64{0, 0, 0, 0}, QuantizedDimension: 1}
	cases = append(cases, struct {
		name string
		m    *Model
		want error
		text string
	}{"per-channel", perChannel, format.ErrUnsupportedOp, "per-tensor"})

	for _, c := range cases {
		_, err := Convert(c.m)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: got %v, want %v containing %q", c.name, err, c.want, c.text)
			continue
		}
		if !strings.Contains(err.Error(), "op 0 ") {
			t.Errorf("%s: error %q does not name the op", c.name, err)
		}
	}
}

// ---- golden outputs -----------------------------------------------------------

// tableGoldenDir is the shared conformance corpus, relative to this package.
const tableGoldenDir = "../../../shared/conformance/visible"

type tableGoldenCase struct {
	Name   string `json:"name"`
	Op     string `json:"op"`
	Model  string `json:"model"`
	Golden bool   `json:"golden"`
	Inputs []struct {
		File  string `json:"file"`
		DType string `json:"dtype"`
	} `json:"inputs"`
	Outputs []struct {
		File  string `json:"file"`
		DType string `json:"dtype"`
	} `json:"outputs"`
}

// TestTableGoldenCases converts every visible single-op case of the table
// ops and checks that indexing the table with the golden input reproduces
// the golden output (TFLite Micro's reference kernels) byte for byte.
func TestTableGoldenCases(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(tableGoldenDir, "manifest.json"))
	if os.IsNotExist(err) {
		t.Skipf("conformance corpus not found at %s; skipping", tableGoldenDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	var cases []tableGoldenCase
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	ops := map[string]bool{"LOGISTIC": true, "TANH": true, "HARD_SWISH": true, "LEAKY_RELU": true,
		"RELU": true, "RELU6": true, "RELU_N1_TO_1": true, "QUANTIZE": true}
	counts := map[string]int{}
	for _, c := range cases {
		if !ops[c.Op] || !c.Golden || len(c.Inputs) != 1 || len(c.Outputs) != 1 || c.Inputs[0].DType == "float32" {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			read := func(f string) []byte {
				b, err := os.ReadFile(filepath.Join(tableGoldenDir, f))
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			m, err := ConvertBytes(read(c.Model))
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Ops) != 1 {
				t.Fatalf("%d ops, want 1", len(m.Ops))
			}
			table := m.Ops[0].Params.(*format.TableParams).Table
			in, want := read(c.Inputs[0].File), read(c.Outputs[0].File)
			if len(in) != len(want) {
				t.Fatalf("input %d bytes, output %d", len(in), len(want))
			}
			// uint8 data is stored shifted by -128 (x ^ 0x80) on either side.
			inShift, outShift := byte(0), byte(0)
			if c.Inputs[0].DType == "uint8" {
				inShift = 0x80
			}
			if c.Outputs[0].DType == "uint8" {
				outShift = 0x80
			}
			for i, b := range in {
				if got := byte(table[(b^inShift)^0x80]) ^ outShift; got != want[i] {
					t.Fatalf("element %d (input byte %d): got %d, want %d", i, b, int8(got), int8(want[i]))
				}
			}
			counts[c.Op]++
		})
	}
	if len(counts) == 0 {
		t.Skip("no table-op cases in the manifest")
	}
	t.Logf("golden cases checked per op: %v", fmt.Sprint(counts))
}
