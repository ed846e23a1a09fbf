package ops

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// TestPoolPaddingMustFit: MAX_POOL_2D used to accept any padding (every
// window past the input then yielded -128) and both pools any output
// size; a padding of at least the filter size, or a last window starting
// past the input, is now malformed for both pools.
func TestPoolPaddingMustFit(t *testing.T) {
	valid := func() *format.PoolParams {
		return &format.PoolParams{StrideH: 2, StrideW: 2, FilterH: 3, FilterW: 3, PadTop: 1, PadLeft: 1, ActMin: -128, ActMax: 127}
	}
	in, out := []int32{1, 8, 8, 4}, []int32{1, 4, 4, 4}
	for _, code := range []format.OpCode{format.OpMaxPool2D, format.OpAveragePool2D} {
		if _, err := Prepare(poolgrpModel(code, in, out, valid()), 0); err != nil {
			t.Fatalf("%s: valid pool: %v", code, err)
		}
		for _, tc := range []struct {
			name   string
			mutate func(p *format.PoolParams)
			out    []int32
			want   string
		}{
			{"padding = filter", func(p *format.PoolParams) { p.PadTop = 3 }, out, "padding"},
			{"padding 2^31-1", func(p *format.PoolParams) { p.PadLeft = math.MaxInt32 }, out, "padding"},
			{"stride 2^31-1", func(p *format.PoolParams) { p.StrideH = math.MaxInt32 }, out, "last window"},
			{"output too tall", func(p *format.PoolParams) {}, []int32{1, 6, 4, 4}, "last window"},
		} {
			p := valid()
			tc.mutate(p)
			_, err := Prepare(poolgrpModel(code, in, tc.out, p), 0)
			if !errors.Is(err, format.ErrMalformedModel) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s %s: %v, want a malformed-model error about %q", code, tc.name, err, tc.want)
			}
		}
	}
}
