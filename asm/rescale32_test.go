package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestRescale32: every implementation against the definition (dyadic's
// MultiplyByQuantizedMultiplier): every shift in [-31, 30], multipliers
// from 0 to 2^31−1 (and negative ones, the Go code), extreme sums
// (acc + bias wrapping), lengths around the vectors, out separate or the
// same slice as acc; nothing past out[n-1] written.
func TestRescale32(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(97, 98))
		mults := []int32{0, 1, 1 << 30, 1<<30 + 1, math.MaxInt32, -1, math.MinInt32, -(1 << 30)}
		extremes := []int32{math.MinInt32, math.MinInt32 + 1, -1, 0, 1, math.MaxInt32 - 1, math.MaxInt32}
		for shift := int32(-31); shift <= 30; shift++ {
			for trial := 0; trial < 24; trial++ {
				m := int32(r.Uint32() >> 1)
				if trial < len(mults) {
					m = mults[trial]
				}
				zp := int32(r.IntN(65536) - 32768)
				lo, hi := int32(math.MinInt16), int32(math.MaxInt16)
				switch trial % 3 {
				case 1:
					lo, hi = -128, 127
				case 2:
					lo, hi = math.MinInt32, math.MaxInt32
				}
				n := r.IntN(70)
				acc, bias := make([]int32, n), make([]int32, n)
				for i := range acc {
					switch r.IntN(3) {
					case 0:
						acc[i], bias[i] = extremes[r.IntN(len(extremes))], extremes[r.IntN(len(extremes))]
					case 1:
						acc[i], bias[i] = int32(r.Uint32()), int32(r.Uint32())
					default:
						acc[i], bias[i] = int32(r.IntN(1<<16)-1<<15), int32(r.IntN(1<<10)-1<<9)
					}
				}
				want := make([]int32, n)
				rescale32Ref(acc, bias, m, shift, zp, lo, hi, want)
				rs := NewRescale32(m, shift, zp, lo, hi)
				out := make([]int32, n+1)
				out[n] = 12345
				inPlace := trial%2 == 1
				if inPlace {
					out = append(append(out[:0], acc...), 12345)
					impl.Rescale32(out[:n], bias, rs, out)
				} else {
					impl.Rescale32(acc, bias, rs, out)
				}
				for i := range want {
					if out[i] != want[i] {
						t.Fatalf("m=%d shift=%d zp=%d [%d, %d] n=%d in place %v: out[%d] = %d, want %d (acc %d bias %d)",
							m, shift, zp, lo, hi, n, inPlace, i, out[i], want[i], acc[i], bias[i])
					}
				}
				if out[n] != 12345 {
					t.Fatalf("wrote past out[%d]", n-1)
				}
			}
		}
	})
}

func TestNewRescale32Rejects(t *testing.T) {
	for _, c := range [][3]int32{{31, 0, 1}, {-32, 0, 1}, {0, 2, 1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("shift %d clamp [%d, %d]: no panic", c[0], c[1], c[2])
				}
			}()
			NewRescale32(1<<30, c[0], 0, c[1], c[2])
		}()
	}
}

// TestRescaleInt16: every implementation against the definition, int16
// and int8 outputs, with and without a multiplier for the negative
// values, every shift in [-31, 30], lengths around the vectors of 8;
// nothing past the output written.
func TestRescaleInt16(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(99, 100))
		for shift := int32(-31); shift <= 30; shift++ {
			for trial := 0; trial < 8; trial++ {
				to8, sel := trial%2 == 1, trial/2%2 == 1
				lo, hi := int32(math.MinInt16), int32(math.MaxInt16)
				if to8 {
					lo, hi = -128, 127
				}
				if trial >= 4 { // a narrower clamp (RELU6-like)
					lo, hi = 0, hi/3
				}
				zp := int32(r.IntN(int(hi-lo+1))) + lo
				m := int32(r.Uint32() >> 1)
				if trial == 0 {
					m = math.MaxInt32
				}
				pos := NewRescale32(m, shift, zp, lo, hi)
				var neg *Rescale32
				if sel {
					neg = NewRescale32(int32(r.Uint32()>>1), int32(r.IntN(62))-31, zp, lo, hi)
				}
				bias := int32(r.IntN(65536) - 32768)
				n := r.IntN(80)
				in := make([]int16, n)
				for i := range in {
					in[i] = int16(r.Uint32())
					if r.IntN(8) == 0 {
						in[i] = []int16{math.MinInt16, math.MaxInt16, int16(-bias), int16(-bias - 1)}[r.IntN(4)]
					}
				}
				want := make([]int32, n)
				rescaleInt16Ref(in, bias, pos, neg, want)
				var got []int32
				if to8 {
					out := make([]int8, n+1)
					out[n] = 99
					impl.RescaleInt16(in, bias, pos, neg, nil, out[:n])
					if out[n] != 99 {
						t.Fatalf("wrote past out8")
					}
					for _, v := range out[:n] {
						got = append(got, int32(v))
					}
				} else {
					out := make([]int16, n+1)
					out[n] = 99
					impl.RescaleInt16(in, bias, pos, neg, out[:n], nil)
					if out[n] != 99 {
						t.Fatalf("wrote past out16")
					}
					for _, v := range out[:n] {
						got = append(got, int32(v))
					}
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("shift %d trial %d (to8 %v, sel %v) n=%d: out[%d] = %d, want %d (in %d, bias %d)",
							shift, trial, to8, sel, n, i, got[i], want[i], in[i], bias)
					}
				}
			}
		}
	})
}
