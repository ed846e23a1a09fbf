package ticks

import (
	"math/big"
	"math/rand/v2"
	"testing"
	"time"
)

// TestNanos: the fixed-point conversion equals floor(|t|·q / 2^32) with
// t's sign, computed here with big integers.
func TestNanos(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rates := []uint64{1 << 32, 2049000000, 1, 1<<36 + 12345, 1<<32 - 1}
	ticks := []int64{0, 1, -1, 7, -7, 1 << 40, -(1 << 40), 1<<62 - 1, -(1<<62 - 1)}
	for range 1000 {
		ticks = append(ticks, rng.Int64N(1<<50)-1<<49)
	}
	for _, q := range rates {
		for _, tk := range ticks {
			abs := new(big.Int).Abs(big.NewInt(tk))
			want := abs.Mul(abs, new(big.Int).SetUint64(q))
			want.Rsh(want, 32)
			if tk < 0 {
				want.Neg(want)
			}
			if !want.IsInt64() {
				continue
			}
			if got := (Rate{NanosQ32: q}).Nanos(tk); got != want.Int64() {
				t.Fatalf("Rate{%d}.Nanos(%d) = %d, want %s", q, tk, got, want)
			}
		}
	}
}

// TestBestAgreesWithMonotonic: over an interval, the best clock's ticks
// converted to nanoseconds match the monotonic clock's reading of the
// same interval (within 2%: the two are read one after the other, and a
// preemption between them shifts one end; the best of 5 tries counts).
func TestBestAgreesWithMonotonic(t *testing.T) {
	c := Best()
	t.Logf("best clock: %s, %.4f ns per tick", c.Source(), float64(c.Rate.NanosQ32)/(1<<32))
	if c.Rate.NanosQ32 == 0 {
		t.Fatal("zero rate")
	}
	var worst float64
	for try := 0; try < 5; try++ {
		c0, m0 := c.Read(), time.Now()
		time.Sleep(20 * time.Millisecond)
		c1, m1 := c.Read(), time.Since(m0)
		got := c.Rate.Nanos(c1 - c0)
		ratio := float64(got) / float64(m1)
		if ratio > 0.98 && ratio < 1.02 {
			return
		}
		worst = ratio
	}
	t.Fatalf("%s clock measured %.4f of the monotonic clock's interval", c.Source(), worst)
}

// TestMonotonic: the fallback counts nanoseconds.
func TestMonotonic(t *testing.T) {
	c := Monotonic()
	if c.Source() != "monotonic" || c.Rate.Nanos(12345) != 12345 {
		t.Fatalf("monotonic clock: source %q, 12345 ticks = %d ns", c.Source(), c.Rate.Nanos(12345))
	}
	a := c.Read()
	time.Sleep(time.Millisecond)
	if d := c.Read() - a; d < int64(time.Millisecond) {
		t.Fatalf("1 ms sleep measured %d ns", d)
	}
}

// TestCounterChosen: where the CPU has a usable counter, Best reads it.
func TestCounterChosen(t *testing.T) {
	c := Best()
	if counterUsable() && counterName != "monotonic" && c.Source() != counterName {
		t.Errorf("counter %s is usable but Best reads %s (its rate disagreed with the monotonic clock?)", counterName, c.Source())
	}
}
