package main

import (
	"slices"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// TestLoopJobs: the checks loop alone; the ops whose median (not mean:
// one interrupted sample must not decide) is under loopClockReadings
// readings loop cut after them, from the first of their run of
// consecutive looped ops, at most loopMaxOps long; each loop runs about
// loopNanos.
func TestLoopJobs(t *testing.T) {
	const clock = 10.0 // ns: ops under 80 ns are looped
	samples := []int64{
		// op0, op1, op2, op3, op4, checks
		50, 60, 500, 70, 40, 2,
		52, 61, 510, 69, 41, 1,
		50000, 59, 490, 71, 39, 3, // op0 interrupted once
		49, 60, 505, 70, 40, 2,
		51, 62, 495, 80, 40, 0, // op3 at the limit once
	}
	got := loopJobs(samples, 6, clock)
	// Medians: 51, 60, 500, 70, 40 and 2 ns.
	reps := func(ns float64) int { return int(loopNanos/ns) + 1 }
	want := []loopJob{
		{0, 0, reps(2)},
		{0, 1, reps(2 + 51)}, {0, 2, reps(2 + 51 + 60)},
		{3, 4, reps(2 + 70)}, {3, 5, reps(2 + 70 + 40)},
	}
	if !slices.Equal(got, want) {
		t.Errorf("jobs %v, want %v", got, want)
	}
	// A checks column measured at 0 ns still gets a finite loop; a long run
	// of short ops is cut every loopMaxOps.
	const nops = loopMaxOps + 4
	samples = make([]int64, nops+1)
	got = loopJobs(samples, nops+1, clock)
	if len(got) != nops+1 || got[0] != (loopJob{0, 0, loopNanos + 1}) {
		t.Fatalf("%d short ops: jobs %v", nops, got)
	}
	for k := range nops {
		if from := k / loopMaxOps * loopMaxOps; got[k+1].from != from || got[k+1].to != k+1 {
			t.Errorf("%d short ops: op %d's job %v, want ops %d to %d", nops, k, got[k+1], from, k+1)
		}
	}
}

// TestLoopTimes: an op's time is its loop less the one before it in its
// run, or less the checks' loop when it starts the run.
func TestLoopTimes(t *testing.T) {
	jobs := []loopJob{{0, 0, 1}, {0, 1, 1}, {0, 2, 1}, {3, 4, 1}}
	loop := []float64{4, 24, 45, 14}
	means := []float64{-1, -1, 500, -1, 900, 3}
	inLoop := make([]bool, 6)
	loopTimes(jobs, loop, means, inLoop)
	if want := []float64{20, 21, 500, 10, 900, 4}; !slices.Equal(means, want) {
		t.Errorf("times %v, want %v", means, want)
	}
	if want := []bool{true, true, false, true, false, true}; !slices.Equal(inLoop, want) {
		t.Errorf("looped %v, want %v", inLoop, want)
	}
}

// TestInlineMeans: an invocation whose total is over twice the median
// total is dropped whole, and the columns' means are over the rest.
func TestInlineMeans(t *testing.T) {
	samples := []int64{
		10, 20, 1,
		12, 22, 1,
		11, 21, 4,
		500, 20, 1, // interrupted: total 521 > 2*34+100
		13, 23, 1,
	}
	got := inlineMeans(samples, 3)
	want := []float64{(10 + 12 + 11 + 13) / 4.0, (20 + 22 + 21 + 23) / 4.0, (1 + 1 + 4 + 1) / 4.0}
	if !slices.Equal(got, want) {
		t.Errorf("means %v, want %v", got, want)
	}
}

func TestMicros(t *testing.T) {
	for v, want := range map[float64]string{0: "0.000", 0.0612: "0.061", 9.9994: "9.999", 12.509: "12.51", 99.994: "99.99", 1203.44: "1203.4"} {
		if got := micros(v); got != want {
			t.Errorf("micros(%g) = %q, want %q", v, got, want)
		}
	}
}

// TestTensorValues: little-endian decoding of every dtype; the expected
// values are the bytes' meaning written out by hand.
func TestTensorValues(t *testing.T) {
	cases := []struct {
		dt   format.DType
		b    []byte
		want []float64
	}{
		{format.DTypeInt8, []byte{0x80, 0x7f, 0xff, 0}, []float64{-128, 127, -1, 0}},
		{format.DTypeInt16, []byte{0x00, 0x80, 0x34, 0x12}, []float64{-32768, 0x1234}},
		{format.DTypeInt32, []byte{0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x80}, []float64{-1, -2147483648}},
		{format.DTypeFloat32, []byte{0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x20, 0xc1}, []float64{1.5, -10}},
		{format.DTypeInvalid, []byte{1, 2}, nil},
	}
	for _, c := range cases {
		if got := tensorValues(c.b, c.dt); !slices.Equal(got, c.want) {
			t.Errorf("%v % x: %v, want %v", c.dt, c.b, got, c.want)
		}
	}
	if got := firstValues([]float64{1, -2, 3.5}, 2); got != "[1 -2 ...]" {
		t.Errorf("firstValues: %q", got)
	}
}
