package ops

import (
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// TestTableOpsEveryImpl: the table ops (LOGISTIC, TANH, HARD_SWISH,
// LEAKY_RELU, QUANTIZE int8→int8) map each input x to Table[x+128], under
// every asm implementation, for every byte value and lengths around the
// kernels' vector widths.
func TestTableOpsEveryImpl(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	i8 := format.DTypeInt8
	forEachImpl(t, func(t *testing.T, impl *asm.Impl) {
		for _, code := range []format.OpCode{format.OpLogistic, format.OpTanh, format.OpHardSwish, format.OpLeakyRelu, format.OpQuantize} {
			for _, n := range []int32{1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 256, 1000} {
				table := make([]int8, 256)
				for i := range table {
					table[i] = int8(r.IntN(256))
				}
				in := make([]int8, n)
				for i := range in {
					in[i] = int8(i * 97) // every byte value once n >= 256
				}
				m := typedModel(code, &format.TableParams{Table: table}, []format.DType{i8, i8}, []int32{1, n}, []int32{1, n})
				got := runKernel(t, m, in)
				for i, x := range in {
					if want := table[int(x)+128]; got[i] != want {
						t.Fatalf("%v n %d: output %d (input %d) = %d, want %d", code, n, i, x, got[i], want)
					}
				}
			}
		}
	})
}

// TestTablePrepareErrors: a table of the wrong size, or operands of
// different element counts, are errors at prepare.
func TestTablePrepareErrors(t *testing.T) {
	i8 := format.DTypeInt8
	for name, m := range map[string]*format.Model{
		"255 entries":      typedModel(format.OpLogistic, &format.TableParams{Table: make([]int8, 255)}, []format.DType{i8, i8}, []int32{4}, []int32{4}),
		"257 entries":      typedModel(format.OpTanh, &format.TableParams{Table: make([]int8, 257)}, []format.DType{i8, i8}, []int32{4}, []int32{4}),
		"no table":         typedModel(format.OpHardSwish, &format.TableParams{}, []format.DType{i8, i8}, []int32{4}, []int32{4}),
		"counts differ":    typedModel(format.OpLeakyRelu, &format.TableParams{Table: make([]int8, 256)}, []format.DType{i8, i8}, []int32{4}, []int32{5}),
		"quantize counts":  typedModel(format.OpQuantize, &format.TableParams{Table: make([]int8, 256)}, []format.DType{i8, i8}, []int32{2, 3}, []int32{7}),
		"quantize 255":     typedModel(format.OpQuantize, &format.TableParams{Table: make([]int8, 255)}, []format.DType{i8, i8}, []int32{4}, []int32{4}),
		"params missing":   typedModel(format.OpLogistic, nil, []format.DType{i8, i8}, []int32{4}, []int32{4}),
		"int32 table type": typedModel(format.OpLogistic, &format.TableParams{Table: make([]int8, 256)}, []format.DType{format.DTypeInt32, i8}, []int32{4}, []int32{4}),
	} {
		if _, err := Prepare(m, 0); err == nil {
			t.Errorf("%s: Prepare succeeded", name)
		}
	}
}
