package format

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestVerifyModelQuantization: scales must be positive and finite, zero
// points inside their dtype's range, and scales and zero points come in
// pairs (the runtime reads ZeroPoint[0] whenever Scale is set: a file with
// scales but no zero points used to make runtime.Load panic).
func TestVerifyModelQuantization(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tensor string
		mutate func(x *Tensor)
		want   []string
	}{
		{"scale 0", "input", func(x *Tensor) { x.Scale[0] = 0 }, []string{`"input" / scale`, "entry 0 is 0"}},
		{"scale negative", "conv/w", func(x *Tensor) { x.Scale[2] = -0.5 }, []string{`"conv/w" / scale`, "entry 2 is -0.5"}},
		{"scale -0", "input", func(x *Tensor) { x.Scale[0] = float32(math.Copysign(0, -1)) }, []string{`"input" / scale`}},
		{"scale NaN", "input", func(x *Tensor) { x.Scale[0] = float32(math.NaN()) }, []string{`"input" / scale`, "NaN"}},
		{"scale +Inf", "conv/b", func(x *Tensor) { x.Scale[3] = float32(math.Inf(1)) }, []string{`"conv/b" / scale`, "+Inf"}},
		{"int8 zero point 128", "input", func(x *Tensor) { x.ZeroPoint[0] = 128 }, []string{`"input" / zero_point`, "128", "int8"}},
		{"int8 zero point -129", "conv/w", func(x *Tensor) { x.ZeroPoint[1] = -129 }, []string{`"conv/w" / zero_point`, "entry 1"}},
		{"int16 zero point 32768", "int16", func(x *Tensor) { x.Scale, x.ZeroPoint = []float32{1}, []int32{32768} }, []string{`"int16" / zero_point`, "int16"}},
		{"scales without zero points", "input", func(x *Tensor) { x.ZeroPoint = nil }, []string{`"input" / scale`, "1 entries but zero_point has 0"}},
		{"zero points without scales", "input", func(x *Tensor) { x.Scale = nil }, []string{`"input" / scale`, "0 entries but zero_point has 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := testModel()
			tc.mutate(&m.Tensors[tensorIndex(t, m, tc.tensor)])
			for what, err := range map[string]error{"Decode": decodeMutated(m), "VerifyModel": VerifyModel(m, Limits{})} {
				if !errors.Is(err, ErrMalformedModel) {
					t.Fatalf("%s: %v, want ErrMalformedModel", what, err)
				}
				for _, f := range tc.want {
					if !strings.Contains(err.Error(), f) {
						t.Errorf("%s: %q does not mention %q", what, err, f)
					}
				}
			}
		})
	}
	// int32 tensors (biases) take any zero point.
	m := testModel()
	m.Tensors[tensorIndex(t, m, "conv/b")].ZeroPoint[0] = math.MinInt32
	if err := VerifyModel(m, Limits{}); err != nil {
		t.Errorf("int32 zero point -2^31: %v", err)
	}
}

// TestDecodeRootTableErrorsHavePaths: a corrupt root table is reported at
// "model", never with an empty path.
func TestDecodeRootTableErrorsHavePaths(t *testing.T) {
	data := mustEncode(t, tinyModel())
	root := int(data[0]) | int(data[1])<<8
	bad := append([]byte(nil), data...)
	bad[root], bad[root+1], bad[root+2], bad[root+3] = 0xff, 0xff, 0xff, 0x7f // vtable far outside
	_, err := Decode(bad)
	var me *MalformedError
	if !errors.As(err, &me) || me.Path == "" {
		t.Fatalf("corrupt root vtable: %v, want a malformed-model error with a path", err)
	}
}
