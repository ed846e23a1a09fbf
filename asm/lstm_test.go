package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/dyadic"
)

// lstmActRef is TFLite's int16 reference LOGISTIC (tanh: TANH) of an
// input already in steps of 1/(3·4096), written from the reference's
// definition: the table value at |x| >> 9 (TANH: >> 8), linear
// interpolation on the bits below, the result for negative inputs
// mirrored (1 − σ, −tanh), rounded.
func lstmActRef(x int32, tanh bool) int32 {
	ax := int64(x)
	if ax < 0 {
		ax = -ax
	}
	bits := int64(9)
	if tanh {
		bits = 8
	}
	var r int64
	if i := ax >> bits; i >= 255 {
		r = 65535 << bits
		if !tanh {
			r = 32767 << 10
		}
	} else {
		a, b := int64(SigmoidTable16[i]), int64(SigmoidTable16[i+1])
		r = a<<bits + (ax&(1<<bits-1))*(b-a)
	}
	if tanh {
		if x >= 0 {
			return int32((r - 1<<23 + 1<<7) >> 8)
		}
		return int32((1<<23 + 1<<7 - 1 - r) >> 8)
	}
	if x >= 0 {
		return int32((r + 1<<9) >> 10)
	}
	return int32((1<<25 + 1<<9 - 1 - r) >> 10)
}

func sat16Ref(v int32) int32 { return max(math.MinInt16, min(math.MaxInt16, v)) }

// lstmCellRef is LSTMCellSpec's definition, unit by unit, on unpadded
// sums ai, ar ([4·Units]).
func lstmCellRef(s *LSTMCellSpec, ai, ar []int32, h []int8, c []int16) {
	u := s.Units
	for j := 0; j < u; j++ {
		var g [4]int32
		for q := 0; q < 4; q++ {
			x := sat16Ref(dyadic.MultiplyByQuantizedMultiplier(ai[q*u+j]+s.BiasIn[q*u+j], s.InMult[q], s.InShift[q]))
			y := sat16Ref(dyadic.MultiplyByQuantizedMultiplier(ar[q*u+j]+s.BiasRec[q*u+j], s.RecMult[q], s.RecShift[q]))
			g[q] = lstmActRef(3*sat16Ref(x+y), q == 2)
		}
		fc := sat16Ref(dyadic.MultiplyByQuantizedMultiplier(g[0]*int32(c[j]), s.ForgetMult, s.ForgetShift))
		ig := sat16Ref(dyadic.MultiplyByQuantizedMultiplier(g[1]*g[2], s.CellMult, s.CellShift))
		v := sat16Ref(fc + ig)
		if s.CellClip > 0 {
			v = max(-s.CellClip, min(s.CellClip, v))
		}
		c[j] = int16(v)
		var round int32
		if s.TanhShift > 0 {
			round = 1 << (s.TanhShift - 1)
		}
		th := lstmActRef((v*s.TanhMult+round)>>s.TanhShift, true)
		hv := dyadic.MultiplyByQuantizedMultiplier(th*g[3], s.HiddenMult, s.HiddenShift) + s.HiddenZP
		h[j] = int8(max(math.MinInt8, min(math.MaxInt8, hv)))
	}
}

// randLSTMSpec draws a spec: wild (any multiplier and shift) or
// realistic (multipliers in [2^30, 2^31), shifts that keep many values
// unsaturated), with the edges mixed in.
func randLSTMSpec(r *rand.Rand, u int, wild bool) LSTMCellSpec {
	mult := func() int32 {
		switch r.IntN(10) {
		case 0:
			return 0
		case 1:
			return math.MaxInt32
		case 2:
			return 1 << 30
		}
		if wild {
			return r.Int32()
		}
		return 1<<30 + r.Int32N(1<<30)
	}
	shift := func(lo, hi int32) int32 {
		if wild {
			switch r.IntN(6) {
			case 0:
				return -31
			case 1:
				return 30
			}
			return -31 + r.Int32N(62)
		}
		return lo + r.Int32N(hi-lo+1)
	}
	s := LSTMCellSpec{Units: u, BiasIn: make([]int32, 4*u), BiasRec: make([]int32, 4*u)}
	for i := range s.BiasIn {
		s.BiasIn[i], s.BiasRec[i] = r.Int32N(1<<20)-1<<19, r.Int32N(1<<12)-1<<11
		if wild {
			s.BiasIn[i], s.BiasRec[i] = int32(r.Uint32()), int32(r.Uint32())
		}
	}
	for q := 0; q < 4; q++ {
		s.InMult[q], s.InShift[q] = mult(), shift(-12, 4)
		s.RecMult[q], s.RecShift[q] = mult(), shift(-8, 2)
	}
	s.ForgetMult, s.ForgetShift = mult(), shift(-16, -14)
	s.CellMult, s.CellShift = mult(), shift(-16, -14)
	s.HiddenMult, s.HiddenShift = mult(), shift(-24, -20)
	if r.IntN(2) == 0 {
		s.CellClip = r.Int32N(32768)
	}
	s.TanhMult, s.TanhShift = 1+r.Int32N(32767), r.Int32N(32)
	if !wild {
		s.TanhMult, s.TanhShift = 3, r.Int32N(3)
	}
	s.HiddenZP = r.Int32N(256) - 128
	return s
}

func randSums(r *rand.Rand, n int, wild bool) []int32 {
	v := make([]int32, n)
	for i := range v {
		switch {
		case r.IntN(16) == 0:
			v[i] = []int32{math.MinInt32, math.MaxInt32, 0, -1, 1}[r.IntN(5)]
		case wild:
			v[i] = int32(r.Uint32())
		default:
			v[i] = r.Int32N(1<<21) - 1<<20
		}
	}
	return v
}

// TestLSTMCellMatchesRef: every implementation against lstmCellRef, on
// random and edge constants, sums and cell states, every unit count up
// to 40 (whole vectors and tails), with guard values around h and c.
func TestLSTMCellMatchesRef(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 8))
	for trial := 0; trial < 600; trial++ {
		checkLSTMCell(t, r, trial, 1+trial%40, trial%3 == 0)
	}
}

// TestLSTMCellTail4: more trials of the unit counts whose last 1 to 4
// units the AVX-512 implementation runs with all gates in one vector.
func TestLSTMCellTail4(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 9))
	units := []int{1, 2, 3, 4, 17, 18, 19, 20, 33, 36, 52}
	for trial := 0; trial < 1100; trial++ {
		checkLSTMCell(t, r, trial, units[trial%len(units)], trial%2 == 0)
	}
}

// checkLSTMCell draws one spec, sums and state of u units and compares
// every implementation with lstmCellRef.
func checkLSTMCell(t *testing.T, r *rand.Rand, trial, u int, wild bool) {
	t.Helper()
	{
		s := randLSTMSpec(r, u, wild)
		p, err := NewLSTMCell(s)
		if err != nil {
			t.Fatal(err)
		}
		ai, ar := randSums(r, 4*u, wild), randSums(r, 4*u, wild)
		c0 := make([]int16, u)
		for j := range c0 {
			c0[j] = int16(r.Uint32())
			if r.IntN(8) == 0 {
				c0[j] = []int16{math.MinInt16, math.MaxInt16, 0}[r.IntN(3)]
			}
		}
		wantH, wantC := make([]int8, u), append([]int16(nil), c0...)
		lstmCellRef(&s, ai, ar, wantH, wantC)
		// The padded layout LSTMCell takes, junk in the padding.
		st := p.Stride()
		pi, pr := make([]int32, 4*st), make([]int32, 4*st)
		for i := range pi {
			pi[i], pr[i] = int32(r.Uint32()), int32(r.Uint32())
		}
		for q := 0; q < 4; q++ {
			copy(pi[q*st:], ai[q*u:][:u])
			copy(pr[q*st:], ar[q*u:][:u])
		}
		for _, impl := range All() {
			if !impl.Available {
				continue
			}
			const guard = 16
			hb, cb := make([]int8, u+2*guard), make([]int16, u+2*guard)
			for i := range hb {
				hb[i], cb[i] = 0x5a, 0x5a5a
			}
			h, c := hb[guard:][:u], cb[guard:][:u]
			copy(c, c0)
			impl.LSTMCell(pi, pr, h, c, p)
			for j := 0; j < u; j++ {
				if h[j] != wantH[j] || c[j] != wantC[j] {
					t.Fatalf("%s trial %d (units %d, wild %v) unit %d: h %d c %d, want h %d c %d",
						impl.Name, trial, u, wild, j, h[j], c[j], wantH[j], wantC[j])
				}
			}
			for i := 0; i < guard; i++ {
				if hb[i] != 0x5a || hb[guard+u+i] != 0x5a || cb[i] != 0x5a5a || cb[guard+u+i] != 0x5a5a {
					t.Fatalf("%s trial %d: guard values overwritten", impl.Name, trial)
				}
			}
		}
	}
}

// TestLSTMActRef pins the reference functions on known values: σ(0) and
// tanh(0), and saturation.
func TestLSTMActRef(t *testing.T) {
	for _, c := range []struct {
		x    int32
		tanh bool
		want int32
	}{
		{0, false, 16384}, {0, true, 0}, {1 << 20, false, 32767}, {-(1 << 20), false, 1},
		{1 << 20, true, 32767}, {-(1 << 20), true, -32767}, {math.MinInt32, true, -32767},
	} {
		if got := lstmActRef(c.x, c.tanh); got != c.want {
			t.Errorf("act(%d, tanh %v) = %d, want %d", c.x, c.tanh, got, c.want)
		}
	}
}

func TestNewLSTMCellRejects(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i, f := range []func(s *LSTMCellSpec){
		func(s *LSTMCellSpec) { s.Units = 0 },
		func(s *LSTMCellSpec) { s.BiasIn = s.BiasIn[1:] },
		func(s *LSTMCellSpec) { s.InMult[2] = -1 },
		func(s *LSTMCellSpec) { s.RecShift[1] = 31 },
		func(s *LSTMCellSpec) { s.HiddenShift = -32 },
		func(s *LSTMCellSpec) { s.CellClip = -1 },
		func(s *LSTMCellSpec) { s.TanhMult = 32768 },
		func(s *LSTMCellSpec) { s.TanhShift = 32 },
		func(s *LSTMCellSpec) { s.HiddenZP = 128 },
	} {
		s := randLSTMSpec(r, 5, false)
		f(&s)
		if _, err := NewLSTMCell(s); err == nil {
			t.Errorf("case %d: no error", i)
		}
	}
}

func TestLSTMCellNoAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	s := randLSTMSpec(r, 20, false)
	p, err := NewLSTMCell(s)
	if err != nil {
		t.Fatal(err)
	}
	ai, ar := make([]int32, 4*p.Stride()), make([]int32, 4*p.Stride())
	h, c := make([]int8, 20), make([]int16, 20)
	for _, impl := range All() {
		if impl.Available {
			if n := testing.AllocsPerRun(50, func() { impl.LSTMCell(ai, ar, h, c, p) }); n != 0 {
				t.Errorf("%s: %v allocations", impl.Name, n)
			}
		}
	}
}

// lstmQVecScalar evaluates lstmQVec's formula for one lane as the AVX2
// kernel does: shift left (wrapping), 64-bit product, the sign-selected
// addend (wrapping), logical shift, low dword minus sub.
func lstmQVecScalar(v *lstmQVec, x int32) int32 {
	p := int64(x<<uint32(v.left[0])) * int64(v.m[0])
	k := v.kpos[0]
	if p < 0 {
		k = v.kneg[0]
	}
	return int32(uint32(uint64(p+k)>>uint64(v.sh[0])) - uint32(v.sub[0]))
}

// lstmQVecArith is the AVX-512 kernels' form of lstmQVec: the
// sign-selected addend (karith, plus kdiff for P < 0), arithmetic shift,
// low dword.
func lstmQVecArith(v *lstmQVec, x int32) int32 {
	p := int64(x<<uint32(v.left[0])) * int64(v.m[0])
	k := v.karith[0]
	if p < 0 {
		k += v.kdiff[0]
	}
	return int32((p + k) >> uint64(v.sh[0]))
}

// TestLSTMRescaleMatchesDyadic: the generic kernel's branch-free rescale
// (lstmQ) and the SIMD kernels' form (lstmQVec) equal
// dyadic.MultiplyByQuantizedMultiplier for every multiplier >= 0 and
// shift in [-31, 30], on edge and random values and rounding ties.
func TestLSTMRescaleMatchesDyadic(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	xs := []int32{0, 1, -1, 2, -2, 3, -3, math.MaxInt32, math.MinInt32, math.MaxInt32 - 1, math.MinInt32 + 1,
		1 << 30, -(1 << 30), 1<<15 - 1, -(1 << 15), 12345, -12345}
	ms := []int32{0, 1, math.MaxInt32, 1 << 30, 1<<30 + 1, math.MaxInt32 - 1}
	for i := 0; i < 40; i++ {
		ms = append(ms, int32(r.Uint32()>>1))
	}
	for shift := int32(-31); shift <= 30; shift++ {
		for _, m := range ms {
			q, v := newLSTMQ(m, shift), newLSTMQVec(m, shift)
			check := func(x int32) {
				want := dyadic.MultiplyByQuantizedMultiplier(x, m, shift)
				if got := q.apply(x); got != want {
					t.Fatalf("lstmQ x=%d m=%d shift=%d: %d, want %d", x, m, shift, got, want)
				}
				if got := lstmQVecScalar(&v, x); got != want {
					t.Fatalf("lstmQVec x=%d m=%d shift=%d: %d, want %d", x, m, shift, got, want)
				}
				if got := lstmQVecArith(&v, x); got != want {
					t.Fatalf("lstmQVec (arithmetic) x=%d m=%d shift=%d: %d, want %d", x, m, shift, got, want)
				}
			}
			for _, x := range xs {
				check(x)
			}
			for i := 0; i < 200; i++ {
				x := int32(r.Uint32())
				if i%2 == 0 {
					x >>= r.IntN(31)
				}
				check(x)
			}
			if shift < 0 {
				for k := int32(-3); k <= 3; k++ {
					check(k<<(-shift-1) | 1)
				}
			}
		}
	}
}

// BenchmarkLSTMCell times one step of the gate math per implementation
// (20 units: trained_lstm_int8; 80: micro_speech_lstm).
func BenchmarkLSTMCell(b *testing.B) {
	for _, u := range []int{20, 80} {
		r := rand.New(rand.NewPCG(1, uint64(u)))
		s := randLSTMSpec(r, u, false)
		p, err := NewLSTMCell(s)
		if err != nil {
			b.Fatal(err)
		}
		ai, ar := randSums(r, 4*p.Stride(), false), randSums(r, 4*p.Stride(), false)
		h, c := make([]int8, u), make([]int16, u)
		for _, impl := range All() {
			if !impl.Available {
				continue
			}
			b.Run(fmt.Sprintf("u%d/%s", u, impl.Name), func(b *testing.B) {
				for b.Loop() {
					impl.LSTMCell(ai, ar, h, c, p)
				}
			})
		}
	}
}
