package asm

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// edgeInt8 and edgeInt16 draw values that are often the type's extremes
// or next to them, so that signed comparisons are tested at the edges.
func edgeInt8(r *rand.Rand) int8 {
	if r.IntN(3) == 0 {
		return []int8{-128, -127, -1, 0, 1, 126, 127}[r.IntN(7)]
	}
	return int8(r.Uint32())
}

func edgeInt16(r *rand.Rand) int16 {
	if r.IntN(3) == 0 {
		return []int16{-32768, -32767, -129, -128, -1, 0, 1, 127, 128, 255, 256, 32766, 32767}[r.IntN(13)]
	}
	return int16(r.Uint32())
}

// checkMaxPool runs one MaxPool call on impl and the reference into
// buffers with guard elements after each written pixel row and around
// dst, and compares every element.
func checkMaxPool[T int8 | int16](t *testing.T, impl *Impl, r *rand.Rand, w PoolWindows, lo, hi T, draw func(*rand.Rand) T,
	run func(dst, src []T, w PoolWindows, lo, hi T)) {
	t.Helper()
	srcLen := (w.N-1)*w.SrcStep + (w.Rows-1)*w.RowStride + (w.Cols-1)*w.ColStride + w.Depth
	src := make([]T, srcLen)
	for i := range src {
		src[i] = draw(r)
	}
	const guard = 40
	dstLen := (w.N-1)*w.DstStep + w.Depth
	got := make([]T, guard+dstLen+guard)
	want := make([]T, len(got))
	for i := range got {
		got[i] = T(0x5a ^ i)
		want[i] = got[i]
	}
	maxPoolRef(want[guard:guard+dstLen], src, w, lo, hi)
	run(got[guard:guard+dstLen], src, w, lo, hi)
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: %+v lo %d hi %d: element %d = %d, want %d", impl.Name, w, lo, hi, i-guard, got[i], want[i])
		}
	}
}

func randWindows(r *rand.Rand, depth int) PoolWindows {
	w := PoolWindows{N: 1 + r.IntN(5), Depth: depth, Rows: 1 + r.IntN(3), Cols: 1 + r.IntN(4)}
	// Channel-contiguous pixels (ColStride = depth) like NHWC pools, or
	// padded strides.
	w.ColStride = depth + r.IntN(3)*r.IntN(20)
	w.RowStride = w.ColStride*(w.Cols+r.IntN(3)) + r.IntN(5)
	w.SrcStep = w.ColStride * (1 + r.IntN(3))
	w.DstStep = depth + r.IntN(2)*r.IntN(9)
	return w
}

func TestMaxPoolInt8(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(1, 2))
		for depth := 1; depth <= 100; depth++ {
			for range 6 {
				lo, hi := int8(-128), int8(127)
				if r.IntN(2) == 0 {
					lo = edgeInt8(r)
					hi = max(lo, edgeInt8(r))
				}
				checkMaxPool(t, impl, r, randWindows(r, depth), lo, hi, edgeInt8, impl.MaxPoolInt8)
			}
		}
	})
}

func TestMaxPoolInt16(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(3, 4))
		for depth := 1; depth <= 60; depth++ {
			for range 6 {
				lo, hi := int16(-32768), int16(32767)
				if r.IntN(2) == 0 {
					lo = edgeInt16(r)
					hi = max(lo, edgeInt16(r))
				}
				checkMaxPool(t, impl, r, randWindows(r, depth), lo, hi, edgeInt16, impl.MaxPoolInt16)
			}
		}
	})
}

// TestMaxPoolAllPairs: a 1x2 window over every (a, b) int8 pair, 16
// channels at a time, with and without a clamp.
func TestMaxPoolAllPairs(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		a, b := allPairs()
		src := make([]int8, 2*len(a))
		for i := 0; i < len(a); i += 16 {
			copy(src[2*i:], a[i:i+16])
			copy(src[2*i+16:], b[i:i+16])
		}
		w := PoolWindows{N: len(a) / 16, Depth: 16, DstStep: 16, SrcStep: 32, Rows: 1, Cols: 2, ColStride: 16}
		for _, c := range [][2]int8{{-128, 127}, {-5, 9}} {
			got := make([]int8, len(a))
			impl.MaxPoolInt8(got, src, w, c[0], c[1])
			for i := range got {
				if want := min(max(a[i], b[i], c[0]), c[1]); got[i] != want {
					t.Fatalf("%s: max(%d, %d) clamped to [%d, %d] = %d, want %d", impl.Name, a[i], b[i], c[0], c[1], got[i], want)
				}
			}
		}
	})
}

func TestMaxPoolOutOfRangePanics(t *testing.T) {
	impl := Selected()
	ok := PoolWindows{N: 2, Depth: 16, DstStep: 16, SrcStep: 16, Rows: 1, Cols: 1}
	for _, c := range []struct {
		w        PoolWindows
		dst, src int
	}{
		{ok, 31, 32}, {ok, 32, 31},
		{PoolWindows{N: 0, Depth: 1, Rows: 1, Cols: 1}, 8, 8},
		{PoolWindows{N: 1, Depth: 1, Rows: 1, Cols: 1, ColStride: -1}, 8, 8},
		{PoolWindows{N: 1, Depth: 4, Rows: 2, RowStride: 5, Cols: 1}, 8, 8},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v on dst %d, src %d: no panic", c.w, c.dst, c.src)
				}
			}()
			impl.MaxPoolInt8(make([]int8, c.dst), make([]int8, c.src), c.w, -128, 127)
		}()
	}
}

// checkMinMax compares one elementwise call with the definition; out has
// guard elements on both sides.
func checkMinMax[T int8 | int16](t *testing.T, name string, a, b []T, isMax bool, run func(out, a, b []T)) {
	t.Helper()
	const guard = 40
	got := make([]T, guard+len(a)+guard)
	for i := range got {
		got[i] = T(0x5a ^ i)
	}
	run(got[guard:guard+len(a)], a, b)
	for i := range got {
		j := i - guard
		if j < 0 || j >= len(a) {
			if got[i] != T(0x5a^i) {
				t.Fatalf("%s: n=%d: wrote outside out at %d", name, len(a), j)
			}
			continue
		}
		want := min(a[j], b[j])
		if isMax {
			want = max(a[j], b[j])
		}
		if got[i] != want {
			t.Fatalf("%s: n=%d: out[%d] = %d, want %d (a=%d b=%d)", name, len(a), j, got[i], want, a[j], b[j])
		}
	}
}

func TestMinMax(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(5, 6))
		a, b := allPairs()
		checkMinMax(t, impl.Name+" max8 all pairs", a, b, true, impl.MaxInt8)
		checkMinMax(t, impl.Name+" min8 all pairs", a, b, false, impl.MinInt8)
		for n := 0; n <= 200; n++ {
			a8, b8 := make([]int8, n), make([]int8, n)
			a16, b16 := make([]int16, n), make([]int16, n)
			for i := range n {
				a8[i], b8[i] = edgeInt8(r), edgeInt8(r)
				a16[i], b16[i] = edgeInt16(r), edgeInt16(r)
			}
			name := fmt.Sprintf("%s n=%d", impl.Name, n)
			checkMinMax(t, name+" max8", a8, b8, true, impl.MaxInt8)
			checkMinMax(t, name+" min8", a8, b8, false, impl.MinInt8)
			checkMinMax(t, name+" max16", a16, b16, true, impl.MaxInt16)
			checkMinMax(t, name+" min16", a16, b16, false, impl.MinInt16)
		}
	})
}

// avgPoolRef is AvgPool from its definition by another route: the sum in
// int64 and round half away from zero as floor((2|s| + n) / 2n).
func avgPoolRef[T int8 | int16](dst, src []T, w PoolWindows, lo, hi T) {
	n := int64(w.Rows * w.Cols)
	for i := range w.N {
		for c := range w.Depth {
			var s int64
			for r := range w.Rows {
				for q := range w.Cols {
					s += int64(src[i*w.SrcStep+r*w.RowStride+q*w.ColStride+c])
				}
			}
			a := s
			if a < 0 {
				a = -a
			}
			v := (2*a + n) / (2 * n)
			if s < 0 {
				v = -v
			}
			dst[i*w.DstStep+c] = T(min(max(v, int64(lo)), int64(hi)))
		}
	}
}

// checkPool runs one pool call on impl and ref into buffers with guard
// elements and compares every element.
func checkPool[T int8 | int16](t *testing.T, impl *Impl, r *rand.Rand, w PoolWindows, lo, hi T, draw func(*rand.Rand) T,
	ref, run func(dst, src []T, w PoolWindows, lo, hi T)) {
	t.Helper()
	srcLen := (w.N-1)*w.SrcStep + (w.Rows-1)*w.RowStride + (w.Cols-1)*w.ColStride + w.Depth
	src := make([]T, srcLen)
	for i := range src {
		src[i] = draw(r)
	}
	const guard = 40
	dstLen := (w.N-1)*w.DstStep + w.Depth
	got := make([]T, guard+dstLen+guard)
	want := make([]T, len(got))
	for i := range got {
		got[i] = T(0x5a ^ i)
		want[i] = got[i]
	}
	ref(want[guard:guard+dstLen], src, w, lo, hi)
	run(got[guard:guard+dstLen], src, w, lo, hi)
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: %+v lo %d hi %d: element %d = %d, want %d", impl.Name, w, lo, hi, i-guard, got[i], want[i])
		}
	}
}

func TestAvgPool(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(7, 8))
		for depth := 1; depth <= 70; depth++ {
			for range 6 {
				w := randWindows(r, depth)
				lo, hi := int8(-128), int8(127)
				if r.IntN(2) == 0 {
					lo = edgeInt8(r)
					hi = max(lo, edgeInt8(r))
				}
				checkPool(t, impl, r, w, lo, hi, edgeInt8, avgPoolRef, impl.AvgPoolInt8)
				lo16, hi16 := int16(-32768), int16(32767)
				if r.IntN(2) == 0 {
					lo16 = edgeInt16(r)
					hi16 = max(lo16, edgeInt16(r))
				}
				checkPool(t, impl, r, w, lo16, hi16, edgeInt16, avgPoolRef, impl.AvgPoolInt16)
			}
		}
		// Large windows: all taps at one extreme (the largest sums), or
		// random; int8 up to and past the SIMD kernels' 256 taps.
		for _, rc := range [][2]int{{16, 16}, {1, 256}, {15, 17}, {17, 16}, {3, 100}, {200, 300}} {
			w := PoolWindows{N: 3, Depth: 24, DstStep: 24, SrcStep: 24 * rc[1], Rows: rc[0], RowStride: 24 * rc[1], Cols: rc[1], ColStride: 24}
			w.SrcStep = 24
			for _, v := range []int{-128, 127, -1, 0, 1} {
				fixed8 := func(*rand.Rand) int8 { return int8(v) }
				fixed16 := func(*rand.Rand) int16 { return int16(max(min(v*258, 32767), -32768)) }
				checkPool(t, impl, r, w, -128, 127, fixed8, avgPoolRef, impl.AvgPoolInt8)
				checkPool(t, impl, r, w, -32768, 32767, fixed16, avgPoolRef, impl.AvgPoolInt16)
			}
			checkPool(t, impl, r, w, -128, 127, edgeInt8, avgPoolRef, impl.AvgPoolInt8)
			checkPool(t, impl, r, w, -32768, 32767, edgeInt16, avgPoolRef, impl.AvgPoolInt16)
		}
	})
}

// TestAvgPoolQuotientEstimate: the kernels' reciprocal estimate of a / n
// (which their remainder step corrects by one either way) is never more
// than one off: exhaustively in float32 for int8 windows (n <= 256, a =
// |s| + n/2 <= 128n + n/2), and in float64 for int16 windows (n < 2^16,
// a <= 32768n + n/2) at multiples of n ± 1 near both ends and at random.
func TestAvgPoolQuotientEstimate(t *testing.T) {
	for n := int32(1); n <= maxAvgPoolInt8Taps; n++ {
		rcp := 1 / float32(n)
		for a := int32(0); a <= 128*n+n/2; a++ {
			if q := int32(float32(a) * rcp); q < a/n-1 || q > a/n+1 {
				t.Fatalf("float32: %d · 1/%d = %d, quotient %d", a, n, q, a/n)
			}
		}
	}
	r := rand.New(rand.NewPCG(9, 10))
	for range 5000 {
		n := int64(1 + r.IntN(1<<16-1))
		if r.IntN(4) == 0 {
			n = 1<<16 - 1 - int64(r.IntN(8))
		}
		rcp, top := 1/float64(n), 32768*n+n/2
		for _, k := range []int64{0, 1, 2, top/n - 1, top / n, r.Int64N(top/n + 1)} {
			for d := int64(-1); d <= 1; d++ {
				for _, a := range []int64{k*n + d, k*n + d + n/2} {
					if a < 0 || a > top {
						continue
					}
					if q := int64(int32(float64(a) * rcp)); q < a/n-1 || q > a/n+1 {
						t.Fatalf("float64: %d · 1/%d = %d, quotient %d", a, n, q, a/n)
					}
				}
			}
		}
	}
}

// TestSumPoolInt8: SumPoolInt8 adds each window's tap sum to what acc
// holds, on every implementation, against sums computed tap by tap here
// (int64, then wrapped as an int32 accumulator wraps); guard elements
// around acc and between pixels must stay as they were. Large windows
// (a global pool over 7x7 and over 64x64) reach the 32- and 8-channel
// steps with thousands of taps; depths 127-263 every mix of the AVX-512
// kernel's 128-, 64-, 32- and 8-channel steps.
func TestSumPoolInt8(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(5, 6))
		check := func(w PoolWindows) {
			t.Helper()
			srcLen := (w.N-1)*w.SrcStep + (w.Rows-1)*w.RowStride + (w.Cols-1)*w.ColStride + w.Depth
			src := make([]int8, srcLen)
			for i := range src {
				src[i] = edgeInt8(r)
			}
			const guard = 40
			accLen := (w.N-1)*w.DstStep + w.Depth
			got := make([]int32, guard+accLen+guard)
			for i := range got {
				got[i] = int32(r.Uint32())
			}
			want := append([]int32(nil), got...)
			for i := range w.N {
				for c := range w.Depth {
					s := int64(want[guard+i*w.DstStep+c])
					for q := range w.Rows * w.Cols {
						s += int64(src[i*w.SrcStep+q/w.Cols*w.RowStride+q%w.Cols*w.ColStride+c])
					}
					want[guard+i*w.DstStep+c] = int32(s)
				}
			}
			impl.SumPoolInt8(got[guard:guard+accLen], src, w)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%s: %+v: element %d = %d, want %d", impl.Name, w, i-guard, got[i], want[i])
				}
			}
		}
		for depth := 1; depth <= 100; depth++ {
			for range 4 {
				check(randWindows(r, depth))
			}
		}
		// Around the AVX-512 kernel's 128-channel step and its mixes
		// with the 64-, 32- and 8-channel ones.
		for _, depth := range []int{127, 128, 129, 135, 160, 168, 224, 232, 255, 256, 263} {
			for range 3 {
				check(randWindows(r, depth))
			}
		}
		for _, c := range []int{8, 40, 1280, 1283} {
			check(PoolWindows{N: 1, Depth: c, DstStep: c, SrcStep: 0, Rows: 49, RowStride: c, Cols: 1, ColStride: 0})
		}
		check(PoolWindows{N: 2, Depth: 32, DstStep: 32, SrcStep: 64 * 64 * 32, Rows: 64, RowStride: 64 * 32, Cols: 64, ColStride: 32})
	})
}

// TestAvgPoolLowEstimates: the average pools' kernels estimate a / n
// (a = |s| + n/2) as trunc(a · fl(1/n)), which falls one short of the
// quotient for some a (TestAvgPoolQuotientEstimate bounds it; none is
// ever above), and the exact remainder corrects it. Random taps rarely
// reach those sums, so this test finds them here, with the kernels' own
// float arithmetic (float32 for int8 windows, float64 for int16), and
// builds windows whose channels sum to exactly ±(a − n/2), one sum a
// channel, for every implementation against avgPoolRef.
func TestAvgPoolLowEstimates(t *testing.T) {
	type hard struct {
		n    int
		sums []int64
	}
	var hard8, hard16 []hard
	for n := 1; n <= maxAvgPoolInt8Taps; n++ {
		rcp := 1 / float32(n)
		h := hard{n: n}
		for a := n / 2; a <= 128*n+n/2 && len(h.sums) < 24; a++ {
			if int(float32(a)*rcp) < a/n {
				if s := int64(a - n/2); s <= 127*int64(n) {
					h.sums = append(h.sums, s)
				}
				h.sums = append(h.sums, -int64(a-n/2))
			}
		}
		if len(h.sums) > 0 {
			hard8 = append(hard8, h)
		}
	}
	for n := 2; n <= 400; n++ {
		rcp := 1 / float64(n)
		h := hard{n: n}
		for k := 1; k <= 32767 && len(h.sums) < 12; k += 13 {
			if a := k * n; int(float64(a)*rcp) < k {
				h.sums = append(h.sums, int64(a-n/2), -int64(a-n/2))
			}
		}
		if len(h.sums) > 0 {
			hard16 = append(hard16, h)
		}
	}
	if len(hard8) < 30 || len(hard16) < 10 {
		t.Fatalf("found low estimates for only %d int8 and %d int16 window sizes", len(hard8), len(hard16))
	}
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		for _, h := range hard8 {
			checkAvgPoolSums(t, impl, h.n, h.sums, impl.AvgPoolInt8)
		}
		for _, h := range hard16 {
			checkAvgPoolSums(t, impl, h.n, h.sums, impl.AvgPoolInt16)
		}
	})
}

// checkAvgPoolSums runs one average pool of 1 x n windows, 24 channels a
// pixel, whose channel c (over all pixels) sums to sums[c] (the rest 0),
// on impl and avgPoolRef, and compares the outputs.
func checkAvgPoolSums[T int8 | int16](t *testing.T, impl *Impl, n int, sums []int64, run func(dst, src []T, w PoolWindows, lo, hi T)) {
	t.Helper()
	const depth = 24 // a 16-channel step and an 8-channel one
	px := (len(sums) + depth - 1) / depth
	w := PoolWindows{N: px, Depth: depth, DstStep: depth, SrcStep: n * depth, Rows: 1, RowStride: 0, Cols: n, ColStride: depth}
	src := make([]T, px*n*depth)
	for j, s := range sums {
		i, c := j/depth, j%depth
		// n taps summing to s: floor(s/n), plus one on the first s mod n.
		q, rem := s/int64(n), s%int64(n)
		if rem < 0 {
			q, rem = q-1, rem+int64(n)
		}
		for tap := range n {
			v := q
			if int64(tap) < rem {
				v++
			}
			src[i*w.SrcStep+tap*depth+c] = T(v)
			if int64(T(v)) != v {
				t.Fatalf("sum %d over %d taps: tap %d", s, n, v)
			}
		}
	}
	lo, hi := T(-1<<(8*unsafe.Sizeof(T(0))-1)), T(1<<(8*unsafe.Sizeof(T(0))-1)-1)
	want := make([]T, px*depth)
	got := make([]T, px*depth)
	avgPoolRef(want, src, w, lo, hi)
	run(got, src, w, lo, hi)
	for j := range got {
		if got[j] != want[j] {
			t.Fatalf("%s: %d taps summing to %d: average %d, want %d", impl.Name, n, sums[min(j, len(sums)-1)], got[j], want[j])
		}
	}
}
