package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// pool16Ref is TFLite's int16 AveragePool / MaxPool by definition: the
// in-bounds taps of each window, the mean rounded half away from zero
// (computed with exact division here) or the maximum, clamped.
func pool16Ref(in []int16, shape []int32, outH, outW int, p *format.PoolParams, avg bool) []int16 {
	n, h, w, c := int(shape[0]), int(shape[1]), int(shape[2]), int(shape[3])
	out := make([]int16, n*outH*outW*c)
	for b := 0; b < n; b++ {
		for oy := 0; oy < outH; oy++ {
			for ox := 0; ox < outW; ox++ {
				for ch := 0; ch < c; ch++ {
					sum, cnt, mx := int64(0), int64(0), int64(math.MinInt16)
					for fy := 0; fy < int(p.FilterH); fy++ {
						for fx := 0; fx < int(p.FilterW); fx++ {
							y, x := oy*int(p.StrideH)-int(p.PadTop)+fy, ox*int(p.StrideW)-int(p.PadLeft)+fx
							if y < 0 || y >= h || x < 0 || x >= w {
								continue
							}
							v := int64(in[((b*h+y)*w+x)*c+ch])
							sum, cnt, mx = sum+v, cnt+1, max(mx, v)
						}
					}
					v := mx
					if avg {
						// |sum|/cnt rounded half up, sign restored.
						a := sum
						if a < 0 {
							a = -a
						}
						v = (2*a + cnt) / (2 * cnt)
						if sum < 0 {
							v = -v
						}
					}
					out[((b*outH+oy)*outW+ox)*c+ch] = int16(min(max(v, int64(p.ActMin)), int64(p.ActMax)))
				}
			}
		}
	}
	return out
}

func TestPool16MatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 7))
	for iter := 0; iter < 80; iter++ {
		avg := iter%2 == 0
		fh, fw, sh, sw := 1+r.IntN(3), 1+r.IntN(3), 1+r.IntN(2), 1+r.IntN(2)
		pt, pl := r.IntN(fh), r.IntN(fw)
		ih, iw := 1+r.IntN(6), 1+r.IntN(6)
		oh, ow := (ih+pt-1)/sh+1, (iw+pl-1)/sw+1
		shape := []int32{int32(1 + r.IntN(2)), int32(ih), int32(iw), int32(1 + r.IntN(5))}
		p := &format.PoolParams{StrideH: int32(sh), StrideW: int32(sw), FilterH: int32(fh), FilterW: int32(fw),
			PadTop: int32(pt), PadLeft: int32(pl), ActMin: math.MinInt16, ActMax: math.MaxInt16}
		if r.IntN(3) == 0 {
			p.ActMin, p.ActMax = -1000, int32(r.IntN(20000))
		}
		code := format.OpMaxPool2D
		if avg {
			code = format.OpAveragePool2D
		}
		m := to16Model(poolgrpModel(code, shape, []int32{shape[0], int32(oh), int32(ow), shape[3]}, p))
		in := rand16(r, numElems(shape))
		got := from16(runKernel(t, m, bytes16(in)))
		want := pool16Ref(in, shape, oh, ow, p, avg)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("iter %d %s %v %+v: output %d = %d, want %d", iter, code, shape, *p, i, got[i], want[i])
			}
		}
	}
}

func TestPool16RejectsMalformed(t *testing.T) {
	p := &format.PoolParams{StrideH: 1, StrideW: 1, FilterH: 2, FilterW: 2, ActMin: math.MinInt16, ActMax: 40000}
	m := to16Model(poolgrpModel(format.OpAveragePool2D, []int32{1, 4, 4, 1}, []int32{1, 3, 3, 1}, p))
	wantMalformed(t, m, "int16 pool clamp beyond int16")
	p = &format.PoolParams{StrideH: 1, StrideW: 1, FilterH: 300, FilterW: 300, ActMin: math.MinInt16, ActMax: math.MaxInt16}
	m = to16Model(poolgrpModel(format.OpAveragePool2D, []int32{1, 300, 300, 1}, []int32{1, 1, 1, 1}, p))
	wantMalformed(t, m, "int16 average window of 90000 taps")
	p = &format.PoolParams{StrideH: 1, StrideW: 1, FilterH: 2, FilterW: 2, ActMin: math.MinInt16, ActMax: math.MaxInt16}
	m = to16Model(poolgrpModel(format.OpMaxPool2D, []int32{1, 4, 4, 1}, []int32{1, 3, 3, 1}, p))
	m.Tensors[1].DType = format.DTypeInt8
	wantMalformed(t, m, "int8 output of an int16 pool")
}
