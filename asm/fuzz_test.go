package asm

import (
	"math"
	"testing"

	"github.com/edgerun/edgerun/internal/fuzzextra"
)

// Differential fuzz targets: every implementation this machine has, on
// shapes, values and requantization parameters the fuzzer chooses, must
// write exactly what the pure-Go reference writes (and nothing outside
// the output). The parameters are steered both into and out of the
// bounded epilogues' conditions, so the prepared fast paths and the
// general kernels both run.

// fuzzBytes hands out the fuzzer's bytes; past the end it returns zeros.
type fuzzBytes struct {
	b []byte
	i int
}

func (f *fuzzBytes) byte() byte {
	if f.i >= len(f.b) {
		return 0
	}
	f.i++
	return f.b[f.i-1]
}

func (f *fuzzBytes) u16() int { return int(f.byte()) | int(f.byte())<<8 }

func (f *fuzzBytes) i32() int32 {
	return int32(uint32(f.u16()) | uint32(f.u16())<<16)
}

// int8s fills v: from the fuzzer's bytes while they last, then a pattern
// derived from them (so long rows are not all zero), or one of the
// extreme constants.
func (f *fuzzBytes) int8s(v []int8) {
	mode := f.byte() % 4
	seed := f.byte()
	for i := range v {
		switch mode {
		case 0:
			if f.i < len(f.b) {
				v[i] = int8(f.byte())
			} else {
				v[i] = int8(byte(i)*31 + seed)
			}
		case 1:
			v[i] = int8(byte(i)*seed + byte(i>>8))
		case 2:
			v[i] = -128
		default:
			v[i] = 127
		}
	}
}

// epilogue builds n channels' parameters: per channel either within the
// bounded epilogues' conditions (|bias| at most room[c], the headroom
// 2^30 − 1 − 128·Σ|w| the weights leave, right shifts only, multipliers
// >= 0) or anything, extremes included.
func (f *fuzzBytes) epilogue(n int, room []int64) *Epilogue {
	e := &Epilogue{bias: make([]int32, n), mult: make([]int32, n), shift: make([]int32, n)}
	wild := f.byte()
	for c := 0; c < n; c++ {
		sel := f.byte()
		if wild&1 == 0 && room[c] >= 0 {
			r := room[c]
			switch sel % 4 {
			case 0:
				e.bias[c] = int32(r)
			case 1:
				e.bias[c] = int32(-r)
			default:
				e.bias[c] = int32(int64(f.i32()) % (r + 1))
			}
			e.mult[c] = []int32{0, 1, 1 << 30, math.MaxInt32, 1<<30 + int32(f.u16())<<14}[f.byte()%5]
			e.shift[c] = -1 - int32(f.byte()%31)
			if sel%64 == 63 {
				e.shift[c] = 0 // the depthwise bound allows it, the AVX2 GEMM's not
			}
			continue
		}
		e.bias[c] = f.i32()
		e.mult[c] = []int32{f.i32(), math.MinInt32, math.MaxInt32, 0, 1 << 30}[sel%5]
		e.shift[c] = int32(int8(f.byte())) % 32
	}
	e.outOffset = int32(int16(f.u16()))
	if wild&2 == 0 {
		e.outOffset = int32(int8(f.byte()))
	}
	lo, hi := int32(int8(f.byte())), int32(int8(f.byte()))
	e.lo, e.hi = min(lo, hi), max(lo, hi)
	return e
}

// headroom is 2^30 − 1 − 128·Σ|w| for each of n channels whose weights
// are at w[c·cs + t·ts], t < taps.
func headroom(w []int8, n, taps, cs, ts int) []int64 {
	room := make([]int64, n)
	for c := range room {
		var s int64
		for t := 0; t < taps; t++ {
			v := int64(w[c*cs+t*ts])
			s += max(v, -v)
		}
		room[c] = 1<<30 - 1 - 128*s
	}
	return room
}

func FuzzGemm(f *testing.F) {
	f.Add([]byte{5, 16, 64, 0})
	f.Add([]byte{13, 31, 27, 0, 2, 0})
	f.Add([]byte{1, 100, 255, 3, 3, 0, 1})
	fuzzextra.Add(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := &fuzzBytes{b: data}
		m, n, k := 1+int(fb.byte()%24), 1+int(fb.byte()%80), 1+fb.u16()%700
		c := &gemmCase{m: m, n: n, k: k, lda: k + int(fb.byte()%5), ldo: n + int(fb.byte()%5)}
		c.a = make([]int8, (m-1)*c.lda+k)
		c.w = make([]int8, n*k)
		fb.int8s(c.a)
		fb.int8s(c.w)
		c.e = fb.epilogue(n, headroom(c.w, n, k, k, 1))
		forEachImpl(t, func(t *testing.T, impl *Impl) {
			runGemmCase(t, impl, c)
		})
	})
}

func FuzzDepthwise(f *testing.F) {
	f.Add([]byte{2, 2, 16, 8, 0, 0, 0})
	f.Add([]byte{2, 2, 63, 13, 1, 0, 0})
	f.Add([]byte{4, 4, 8, 3, 1, 1, 1})
	fuzzextra.Add(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := &fuzzBytes{b: data}
		kh, kw := 1+int(fb.byte()%5), 1+int(fb.byte()%5)
		c, n := 1+int(fb.byte()%70), 1+int(fb.byte()%40)
		strideW, dilH, dilW := 1+int(fb.byte()%3), 1+int(fb.byte()%3), 1+int(fb.byte()%3)
		d := &dwCase{kh: kh, kw: kw, c: c, n: n, strideW: strideW, dilH: dilH, dilW: dilW}
		width := (n-1)*strideW + (kw-1)*dilW + 1
		d.rowStride = (width + int(fb.byte()%3)) * c
		d.in = make([]int8, (kh-1)*dilH*d.rowStride+width*c)
		d.w = make([]int8, kh*kw*c)
		fb.int8s(d.in)
		fb.int8s(d.w)
		d.e = fb.epilogue(c, headroom(d.w, c, kh*kw, 1, c))
		forEachImpl(t, func(t *testing.T, impl *Impl) {
			runDwCase(t, impl, d)
		})
	})
}

// FuzzTimeDots: SVDF's time step on fuzzed layouts (filters, memory, a
// later batch row or not) and values, int16 and int8 states.
func FuzzTimeDots(f *testing.F) {
	f.Add([]byte{63, 7, 0})
	f.Add([]byte{31, 31, 1, 2})
	f.Add([]byte{4, 16, 1, 3, 3})
	fuzzextra.Add(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := &fuzzBytes{b: data}
		filters, memory := 1+int(fb.byte()%80), 1+int(fb.byte()%48)
		extra := int(fb.byte()%2) * filters * memory
		w, off := make([]int32, filters*memory), make([]int32, filters)
		for i := range w {
			w[i] = int32(int16(fb.u16()))
		}
		for i := range off {
			off[i] = fb.i32()
		}
		tw := NewTimeWeights(w, filters, memory, off)
		s8 := make([]int8, filters*memory+extra)
		fb.int8s(s8)
		s16 := make([]int16, len(s8))
		for i := range s16 {
			s16[i] = int16(s8[i])<<8 | int16(fb.byte())
		}
		want16, want8 := make([]int32, filters), make([]int32, filters)
		timeDotsRef(w, filters, memory, off, s16, want16)
		timeDotsRef(w, filters, memory, off, s8, want8)
		forEachImpl(t, func(t *testing.T, impl *Impl) {
			got := make([]int32, filters+1)
			got[filters] = 12345
			impl.TimeDots16(tw, s16, got)
			checkTimeDots(t, "int16", filters, memory, extra, got, want16)
			impl.TimeDots8(tw, s8, got)
			checkTimeDots(t, "int8", filters, memory, extra, got, want8)
		})
	})
}

// FuzzRescale32: the per-tensor rescale on fuzzed sums and parameters
// (every multiplier, negative ones included, shifts in [-31, 30]).
func FuzzRescale32(f *testing.F) {
	f.Add([]byte{40, 0, 0, 0, 64, 200, 0})
	f.Add([]byte{9, 255, 255, 255, 127, 2, 1})
	fuzzextra.Add(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := &fuzzBytes{b: data}
		n := int(fb.byte() % 80)
		m := fb.i32()
		shift := int32(fb.byte()%62) - 31
		zp := fb.i32()
		lo, hi := fb.i32(), fb.i32()
		lo, hi = min(lo, hi), max(lo, hi)
		acc, bias := make([]int32, n), make([]int32, n)
		for i := range acc {
			acc[i], bias[i] = fb.i32(), int32(int16(fb.u16()))
		}
		want := make([]int32, n)
		rescale32Ref(acc, bias, m, shift, zp, lo, hi, want)
		r := NewRescale32(m, shift, zp, lo, hi)
		forEachImpl(t, func(t *testing.T, impl *Impl) {
			out := make([]int32, n+1)
			out[n] = 12345
			impl.Rescale32(acc, bias, r, out)
			for i := range want {
				if out[i] != want[i] {
					t.Fatalf("m=%d shift=%d zp=%d [%d, %d]: out[%d] = %d, want %d (acc %d bias %d)",
						m, shift, zp, lo, hi, i, out[i], want[i], acc[i], bias[i])
				}
			}
			if out[n] != 12345 {
				t.Fatalf("wrote past out[%d]", n-1)
			}
		})
	})
}

// FuzzRescaleInt16: the int16 elementwise rescale on fuzzed values and
// parameters (multipliers >= 0, the kernels' form; with or without the
// negative values' multiplier; int16 or int8 out).
func FuzzRescaleInt16(f *testing.F) {
	f.Add([]byte{40, 0, 0, 0, 64, 200, 0, 1})
	f.Add([]byte{9, 255, 255, 255, 127, 2, 1, 3})
	fuzzextra.Add(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fb := &fuzzBytes{b: data}
		n := int(fb.byte() % 100)
		mode := fb.byte()
		to8, sel := mode&1 == 1, mode&2 == 2
		lo, hi := int32(math.MinInt16), int32(math.MaxInt16)
		if to8 {
			lo, hi = -128, 127
		}
		a, b := int32(int16(fb.u16())), int32(int16(fb.u16()))
		a, b = min(max(a, lo), hi), min(max(b, lo), hi)
		lo, hi = min(a, b), max(a, b)
		zp := int32(int16(fb.u16()))
		pos := NewRescale32(fb.i32()&math.MaxInt32, int32(fb.byte()%62)-31, zp, lo, hi)
		var neg *Rescale32
		if sel {
			neg = NewRescale32(fb.i32()&math.MaxInt32, int32(fb.byte()%62)-31, zp, lo, hi)
		}
		bias := int32(int16(fb.u16()))
		in := make([]int16, n)
		for i := range in {
			in[i] = int16(fb.u16())
		}
		want := make([]int32, n)
		rescaleInt16Ref(in, bias, pos, neg, want)
		forEachImpl(t, func(t *testing.T, impl *Impl) {
			out16, out8 := make([]int16, n+1), make([]int8, n+1)
			out16[n], out8[n] = 99, 99
			if to8 {
				impl.RescaleInt16(in, bias, pos, neg, nil, out8[:n])
			} else {
				impl.RescaleInt16(in, bias, pos, neg, out16[:n], nil)
			}
			for i, w := range want {
				got := int32(out16[i])
				if to8 {
					got = int32(out8[i])
				}
				if got != w {
					t.Fatalf("to8 %v sel %v: out[%d] = %d, want %d (in %d bias %d)", to8, sel, i, got, w, in[i], bias)
				}
			}
			if out16[n] != 99 || out8[n] != 99 {
				t.Fatalf("wrote past out[%d]", n-1)
			}
		})
	})
}
