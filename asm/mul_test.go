package asm

import (
	"math/rand/v2"
	"testing"
)

func randMulSpec(r *rand.Rand) MulSpec {
	s := MulSpec{In1Offset: int32(r.IntN(256) - 127), In2Offset: int32(r.IntN(256) - 127),
		Mult: randMult(r), OutOffset: int32(r.IntN(256) - 128), Min: -128, Max: 127}
	if r.IntN(3) == 0 {
		s.Left = uint8(r.IntN(31)) // wraps the product
		if r.IntN(2) == 0 {
			s.Left = []uint8{0, 1, 15, 30}[r.IntN(4)]
		}
	} else {
		s.Right = uint8(-randShift(r))
	}
	if r.IntN(3) == 0 {
		s.Min = int32(r.IntN(256) - 128)
		s.Max = s.Min + int32(r.IntN(int(128-s.Min)))
	}
	return s
}

// checkMul runs impl on a, b and compares with the reference; out has
// guard bytes on both sides that must stay untouched.
func checkMul(t *testing.T, impl *Impl, s *MulSpec, a, b []int8) {
	t.Helper()
	const guard = 40
	want := make([]int8, len(a))
	mulInt8Ref(want, a, b, s)
	got := make([]int8, guard+len(a)+guard)
	for i := range got {
		got[i] = int8(0x5a ^ i)
	}
	impl.MulInt8(got[guard:guard+len(a)], a, b, s)
	for i := range got {
		j := i - guard
		if j < 0 || j >= len(a) {
			if got[i] != int8(0x5a^i) {
				t.Fatalf("%s: %+v: n=%d: wrote outside out at %d", impl.Name, *s, len(a), j)
			}
			continue
		}
		if got[i] != want[j] {
			t.Fatalf("%s: %+v: n=%d: out[%d] = %d, want %d (a=%d b=%d)", impl.Name, *s, len(a), j, got[i], want[j], a[j], b[j])
		}
	}
}

func TestMulInt8(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(11, 12))
		a, b := allPairs()
		for range 300 {
			s := randMulSpec(r)
			if err := s.Check(); err != nil {
				t.Fatal(err)
			}
			checkMul(t, impl, &s, a, b)
		}
		// Edge specs: extreme offsets, multipliers and shifts.
		for _, s := range []MulSpec{
			{In1Offset: 128, In2Offset: 128, Mult: 1<<31 - 1, Left: 14, Min: -128, Max: 127},
			{In1Offset: -127, In2Offset: 128, Mult: 1<<31 - 1, Left: 30, Min: -128, Max: 127},
			{In1Offset: 0, In2Offset: 0, Mult: 1 << 30, Right: 31, Min: -128, Max: 127},
			{In1Offset: 3, In2Offset: -2, Mult: 1 << 30, Right: 7, OutOffset: 1, Min: -128, Max: 127},
			{Mult: 0, Right: 0, OutOffset: 127, Min: -128, Max: 127},
		} {
			checkMul(t, impl, &s, a, b)
		}
		for n := 0; n <= 100; n++ {
			s := randMulSpec(r)
			x, y := make([]int8, n), make([]int8, n)
			for i := range n {
				x[i], y[i] = edgeInt8(r), edgeInt8(r)
			}
			checkMul(t, impl, &s, x, y)
		}
	})
}

func TestMulSpecCheck(t *testing.T) {
	for _, s := range []MulSpec{
		{In1Offset: 129, Max: 127}, {In2Offset: -128, Max: 127}, {Mult: -1, Max: 127},
		{Left: 31, Max: 127}, {Right: 32, Max: 127}, {OutOffset: 128, Max: 127},
		{Min: 5, Max: 4}, {Min: -129, Max: 0}, {Max: 128},
	} {
		if s.Check() == nil {
			t.Errorf("%+v: no error", s)
		}
	}
}
