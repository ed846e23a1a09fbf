package asm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// dwBoundedEpilogue returns an epilogue for the filter w ([taps][c]) whose
// channels mostly qualify for the bounded epilogue, many of them at its
// edges: sums up to the 2^30 limit, right shifts 0, 1 and up to 31,
// multipliers 0, 1, 2^30 and 2^31−1, output offsets that put the shifted
// constant next to the int32 limits.
func dwBoundedEpilogue(r *rand.Rand, w []int8, c int) *Epilogue {
	e := &Epilogue{bias: make([]int32, c), mult: make([]int32, c), shift: make([]int32, c)}
	e.outOffset = []int32{-128, 127, 0, -1, int32(r.IntN(256) - 128)}[r.IntN(5)]
	for ch := 0; ch < c; ch++ {
		var sw int32
		for t := ch; t < len(w); t += c {
			sw += max(int32(w[t]), -int32(w[t]))
		}
		room := int32(1<<30-1) - 128*sw // |bias| <= room qualifies
		switch r.IntN(6) {
		case 0:
			e.bias[ch] = room // at the limit
		case 1:
			e.bias[ch] = -room
		case 2:
			e.bias[ch] = room + 1 // just over: the channel does not qualify
		default:
			e.bias[ch] = int32(r.IntN(1<<17) - 1<<16)
		}
		switch r.IntN(6) {
		case 0:
			e.mult[ch] = []int32{0, 1, 1 << 30, math.MaxInt32}[r.IntN(4)]
		default:
			e.mult[ch] = int32(1<<30 + r.IntN(1<<30))
		}
		switch r.IntN(5) {
		case 0:
			e.shift[ch] = []int32{0, -1, -2, -30, -31}[r.IntN(5)]
		default:
			e.shift[ch] = int32(-r.IntN(32))
		}
	}
	e.lo, e.hi = randClamp(r, 2)
	return e
}

// TestDwBoundRequant checks the bounded epilogue's arithmetic (as the
// kernel does it) against requantize for every qualifying channel over
// the sums around the interesting points: the range ends, zero, and the
// rounding ties of both roundings.
func TestDwBoundRequant(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	checked := 0
	for iter := 0; iter < 3000; iter++ {
		const c = 1
		w := make([]int8, 9)
		fillInt8(r, w, r.IntN(5))
		e := dwBoundedEpilogue(r, w, c)
		if r.IntN(3) == 0 {
			// Large output offsets near the int32 limits of the constant.
			ex := int64(-e.shift[0])
			lim := (int64(1)<<31 - 1) >> ex
			e.outOffset = int32(max(min(lim-int64(r.IntN(3)), math.MaxInt32), math.MinInt32))
			if r.IntN(2) == 0 {
				e.outOffset = -e.outOffset - int32(r.IntN(2))
			}
		}
		shift, sub, k, ok := dwBoundChannel(w, c, 0, e)
		var sw int64
		for _, v := range w {
			sw += abs64(int64(v))
		}
		if b := 128*sw + abs64(int64(e.bias[0])); b >= 1<<30 && ok {
			t.Fatalf("bound %d accepted", b)
		}
		if !ok {
			continue
		}
		checked++
		amax := int32(128 * sw)
		try := func(acc int32) {
			if acc < -amax || acc > amax {
				return
			}
			want := requantize(acc, 0, e)
			if got := dwBoundRequant(acc, 0, e, shift, sub, k); got != want {
				t.Fatalf("bias %d mult %d shift %d off %d [%d, %d], acc %d: got %d, want %d",
					e.bias[0], e.mult[0], e.shift[0], e.outOffset, e.lo, e.hi, acc, got, want)
			}
		}
		for d := int32(0); d < 64; d++ {
			try(-amax + d)
			try(amax - d)
			try(-e.bias[0] + d - 32)
		}
		// Sums whose SRDHM result lands on a rounding tie of the shift:
		// x·m ≈ (q·2^e + 2^(e−1))·2^31.
		if m := int64(e.mult[0]); m > 0 {
			ymax := (int64(amax)+abs64(int64(e.bias[0])))*m>>31 + 1
			for i := 0; i < 200; i++ {
				y := (r.Int64N(2*ymax+1) - ymax) >> shift << shift
				if shift > 0 {
					y += 1 << (shift - 1)
				}
				x := (y << 31) / m
				for d := int64(-3); d <= 3; d++ {
					try(int32(max(min(x+d-int64(e.bias[0]), math.MaxInt32), math.MinInt32)))
				}
			}
		}
		for i := 0; i < 200; i++ {
			try(int32(r.IntN(int(2*amax+1))) - amax)
		}
	}
	if checked < 1000 {
		t.Errorf("only %d of the epilogues qualified", checked)
	}
}
