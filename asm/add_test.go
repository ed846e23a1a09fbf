package asm

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// TestAddNeonLayout: the arm64 kernels load addNeon's fields into
// consecutive registers, 16 bytes each, in declaration order.
func TestAddNeonLayout(t *testing.T) {
	var v addNeon
	for i, off := range []uintptr{
		unsafe.Offsetof(v.off1), unsafe.Offsetof(v.off2), unsafe.Offsetof(v.left),
		unsafe.Offsetof(v.m1), unsafe.Offsetof(v.sh1), unsafe.Offsetof(v.m2), unsafe.Offsetof(v.sh2),
		unsafe.Offsetof(v.mo), unsafe.Offsetof(v.sho), unsafe.Offsetof(v.off),
		unsafe.Offsetof(v.lo), unsafe.Offsetof(v.hi), unsafe.Sizeof(v),
	} {
		if off != uintptr(16*i) {
			t.Errorf("addNeon field %d at %d, kernels use %d", i, off, 16*i)
		}
	}
}

// randMult returns a multiplier for the tests: mostly TFLite-like
// normalized values, often with many trailing zeros (exact ties in the
// rounding steps), sometimes the extremes.
func randMult(r *rand.Rand) int32 {
	switch r.IntN(8) {
	case 0:
		return []int32{0, 1, 2, 1 << 30, 1<<31 - 1, 1<<31 - 2, 3 << 29}[r.IntN(7)]
	case 1, 2:
		// Few significant bits: products land exactly on rounding ties.
		return int32(r.IntN(1<<8)+1<<8) << (15 + r.IntN(8))
	default:
		return int32(1<<30 + r.IntN(1<<30))
	}
}

func randShift(r *rand.Rand) int32 {
	switch r.IntN(4) {
	case 0:
		return -int32(r.IntN(32))
	case 1:
		return []int32{0, -1, -30, -31}[r.IntN(4)]
	default:
		return -int32(r.IntN(24))
	}
}

func randAddSpec(r *rand.Rand) AddSpec {
	s := AddSpec{
		In1Offset: int32(r.IntN(256) - 127), In2Offset: int32(r.IntN(256) - 127),
		In1Mult: randMult(r), In2Mult: randMult(r), OutMult: randMult(r),
		In1Shift: randShift(r), In2Shift: randShift(r), OutShift: randShift(r),
		LeftShift: 20, OutOffset: int32(r.IntN(256) - 128),
		Min: -128, Max: 127, Sub: r.IntN(2) == 0,
	}
	switch r.IntN(4) {
	case 0:
		s.LeftShift = int32(r.IntN(23))
	case 1:
		s.LeftShift = []int32{0, 22}[r.IntN(2)]
	}
	if r.IntN(3) == 0 {
		s.Min = int32(r.IntN(256) - 128)
		s.Max = s.Min + int32(r.IntN(int(128-s.Min)))
	}
	if r.IntN(4) == 0 {
		// TFLite-like output stage: a large shift brings the 2^20-scaled
		// sum back to int8 range, so that outputs do not all clamp.
		s.OutShift = -int32(16 + r.IntN(5))
	}
	return s
}

func mustAddParams(t testing.TB, s AddSpec) *AddParams {
	t.Helper()
	p, err := NewAddParams(s)
	if err != nil {
		t.Fatalf("%+v: %v", s, err)
	}
	return p
}

// checkAdd runs impl on a, b and compares with the reference; out has
// guard bytes on both sides that must stay untouched.
func checkAdd(t *testing.T, impl *Impl, p *AddParams, a, b []int8) {
	t.Helper()
	const guard = 40
	want := make([]int8, len(a))
	addInt8Ref(want, a, b, p)
	got := make([]int8, guard+len(a)+guard)
	name := impl.Name
	for i := range got {
		got[i] = int8(0x5a ^ i)
	}
	o := got[guard : guard+len(a)]
	impl.AddInt8(o, a, b, p)
	for i := range got {
		if i < guard || i >= guard+len(a) {
			if got[i] != int8(0x5a^i) {
				t.Fatalf("%s: %+v: n=%d: wrote outside out at %d", name, p.spec, len(a), i-guard)
			}
			continue
		}
		if g, w := got[i], want[i-guard]; g != w {
			j := i - guard
			t.Fatalf("%s: %+v: n=%d: out[%d] = %d, want %d (a=%d b=%d)", name, p.spec, len(a), j, g, w, a[j], b[j])
		}
	}
}

// allPairs returns a, b holding every (a, b) int8 pair once.
func allPairs() (a, b []int8) {
	a, b = make([]int8, 65536), make([]int8, 65536)
	for i := range a {
		a[i], b[i] = int8(i>>8), int8(i)
	}
	return a, b
}

// TestAddInt8AllPairs: every implementation on all 256×256 input pairs,
// for TFLite-like and extreme parameter sets.
func TestAddInt8AllPairs(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		a, b := allPairs()
		specs := []AddSpec{
			// A typical MobileNetV2 residual add.
			{In1Offset: 5, In1Mult: 1 << 30, In1Shift: 0, In2Offset: -12, In2Mult: 1518500250, In2Shift: -1, LeftShift: 20,
				OutMult: 1789569707, OutShift: -19, OutOffset: -3, Min: -128, Max: 127},
			// Extremes: largest offsets, multipliers, shifts.
			{In1Offset: 128, In1Mult: 1<<31 - 1, In1Shift: 0, In2Offset: -127, In2Mult: 1<<31 - 1, In2Shift: 0, LeftShift: 22,
				OutMult: 1<<31 - 1, OutShift: -31, OutOffset: 127, Min: -128, Max: 127},
			{In1Offset: -127, In1Mult: 1 << 30, In1Shift: -31, In2Offset: 128, In2Mult: 1, In2Shift: -31, LeftShift: 0,
				OutMult: 1<<31 - 1, OutShift: 0, OutOffset: -128, Min: -128, Max: 127, Sub: true},
			{In1Offset: 0, In1Mult: 0, In1Shift: 0, In2Offset: 0, In2Mult: 1 << 30, In2Shift: -20, LeftShift: 22,
				OutMult: 1 << 30, OutShift: 0, OutOffset: 0, Min: -100, Max: 100},
			// Powers of two everywhere: ties at every rounding step.
			{In1Offset: 3, In1Mult: 1 << 30, In1Shift: -2, In2Offset: -1, In2Mult: 1 << 30, In2Shift: -3, LeftShift: 20,
				OutMult: 1 << 30, OutShift: -20, OutOffset: 1, Min: -128, Max: 127, Sub: true},
			{In1Offset: 3, In1Mult: 1 << 30, In1Shift: -2, In2Offset: -1, In2Mult: 1 << 30, In2Shift: -3, LeftShift: 1,
				OutMult: 1 << 30, OutShift: -3, OutOffset: 1, Min: -128, Max: 127},
		}
		r := rand.New(rand.NewPCG(7, 7))
		for range 40 {
			specs = append(specs, randAddSpec(r))
		}
		for _, s := range specs {
			checkAdd(t, impl, mustAddParams(t, s), a, b)
		}
	})
}

// TestAddInt8Lengths: every length 0..70 (every tail of every
// implementation) with guard bytes, random parameters and inputs.
func TestAddInt8Lengths(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(8, 8))
		for n := 0; n <= 70; n++ {
			for range 20 {
				p := mustAddParams(t, randAddSpec(r))
				a, b := make([]int8, n), make([]int8, n)
				for i := range a {
					a[i], b[i] = int8(r.IntN(256)), int8(r.IntN(256))
				}
				checkAdd(t, impl, p, a, b)
			}
		}
	})
}

// TestAddInt8RandomParams: many random parameter sets over a row that
// holds every int8 value on each side, at an odd length.
func TestAddInt8RandomParams(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		r := rand.New(rand.NewPCG(9, 9))
		a, b := make([]int8, 1003), make([]int8, 1003)
		for range 2000 {
			for i := range a {
				a[i], b[i] = int8(i+r.IntN(3)), int8(r.IntN(256))
			}
			checkAdd(t, impl, mustAddParams(t, randAddSpec(r)), a, b)
		}
	})
}

// TestAddInt8Checks: mismatched lengths panic before any memory is
// touched; invalid parameters are refused.
func TestAddInt8Checks(t *testing.T) {
	p := mustAddParams(t, AddSpec{In1Mult: 1 << 30, In2Mult: 1 << 30, OutMult: 1 << 30, Min: -128, Max: 127})
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: AddInt8 with a short input did not panic", impl.Name)
				}
			}()
			impl.AddInt8(make([]int8, 10), make([]int8, 10), make([]int8, 9), p)
		}()
	})
	for i, s := range []AddSpec{
		{In1Offset: 129, Max: 127}, {In2Offset: -128, Max: 127}, {OutOffset: 128, Max: 127},
		{In1Shift: 1, Max: 127}, {OutShift: -32, Max: 127}, {LeftShift: 23, Max: 127},
		{In1Mult: -1, Max: 127}, {Min: 5, Max: 4}, {Min: -129, Max: 0},
	} {
		if _, err := NewAddParams(s); err == nil {
			t.Errorf("spec %d (%+v) accepted", i, s)
		}
	}
}

// TestAddInt8Allocs: no allocation per call, tails included.
func TestAddInt8Allocs(t *testing.T) {
	p := mustAddParams(t, AddSpec{In1Mult: 1 << 30, In2Mult: 1 << 30, OutMult: 1 << 30, LeftShift: 20, OutShift: -20, Min: -128, Max: 127})
	a, b, out := make([]int8, 37), make([]int8, 37), make([]int8, 37)
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		if n := testing.AllocsPerRun(100, func() { impl.AddInt8(out, a, b, p) }); n != 0 {
			t.Errorf("%s: %v allocations per call", impl.Name, n)
		}
	})
}

func ExampleImpl_AddInt8() {
	// Input multipliers 1/4 and an output multiplier 2^-19 around the
	// left shift by 20 scale each input by 1/2: out = a/2 + b/2, each
	// half rounded, then the sum.
	p, err := NewAddParams(AddSpec{In1Mult: 1 << 30, In1Shift: -1, In2Mult: 1 << 30, In2Shift: -1,
		LeftShift: 20, OutMult: 1 << 30, OutShift: -18, Min: -128, Max: 127})
	if err != nil {
		panic(err)
	}
	out := make([]int8, 3)
	Selected().AddInt8(out, []int8{2, 10, -7}, []int8{4, -3, -7}, p)
	fmt.Println(out)
	// Output: [3 4 -7]
}

// TestAddInt8Broadcast: every stride pair against the reference on the
// expanded inputs; bad strides and short inputs panic.
func TestAddInt8Broadcast(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	for range 200 {
		p := mustAddParams(t, randAddSpec(r))
		n := r.IntN(70)
		a, b := make([]int8, n), make([]int8, n)
		for i := range a {
			a[i], b[i] = int8(r.IntN(256)), int8(r.IntN(256))
		}
		for _, st := range [][2]int{{1, 1}, {0, 1}, {1, 0}, {0, 0}} {
			ea, eb := append([]int8(nil), a...), append([]int8(nil), b...)
			for i := range ea {
				if st[0] == 0 {
					ea[i] = a[0]
				}
				if st[1] == 0 {
					eb[i] = b[0]
				}
			}
			want, got := make([]int8, n), make([]int8, n)
			addInt8Ref(want, ea, eb, p)
			p.AddInt8Broadcast(got, a, st[0], b, st[1])
			if !slices.Equal(got, want) {
				t.Fatalf("%+v strides %v n=%d: got %v, want %v", p.spec, st, n, got, want)
			}
		}
	}
	p := mustAddParams(t, AddSpec{In1Mult: 1 << 30, In2Mult: 1 << 30, OutMult: 1 << 30, Min: -128, Max: 127})
	for _, c := range []struct {
		a, b   int
		sa, sb int
	}{{10, 10, 2, 1}, {10, 10, 1, -1}, {9, 10, 1, 1}, {0, 1, 0, 0}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v: no panic", c)
				}
			}()
			p.AddInt8Broadcast(make([]int8, 10), make([]int8, c.a), c.sa, make([]int8, c.b), c.sb)
		}()
	}
}

// TestAddInt8VBMITables: where the CPU runs the VBMI kernel, typical ADD
// parameters (a MobileNetV2 residual add) get its tables, and so do most
// random ones (the other tests then run the kernel on them); parameters
// outside the bounded form (an output offset that overflows once
// shifted) do not.
func TestAddInt8VBMITables(t *testing.T) {
	if !wantAddVBMI {
		t.Skip("no VBMI ADD kernel on this CPU or build")
	}
	typical := AddSpec{In1Offset: 5, In1Mult: 1 << 30, In1Shift: 0, In2Offset: -12, In2Mult: 1518500250, In2Shift: -1, LeftShift: 20,
		OutMult: 1789569707, OutShift: -19, OutOffset: -3, Min: -128, Max: 127}
	if mustAddParams(t, typical).vbmi == nil {
		t.Error("typical ADD: no VBMI tables")
	}
	over := typical
	over.OutShift, over.OutOffset = -31, 127
	if mustAddParams(t, over).vbmi != nil {
		t.Error("output offset 127 shifted by 31: VBMI tables, want none")
	}
	r := rand.New(rand.NewPCG(10, 10))
	got := 0
	for range 200 {
		if mustAddParams(t, randAddSpec(r)).vbmi != nil {
			got++
		}
	}
	if got < 60 {
		t.Errorf("VBMI tables for %d of 200 random specs", got)
	}
	t.Logf("VBMI tables for %d of 200 random specs", got)
}
