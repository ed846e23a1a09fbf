package main

import (
	"slices"
	"testing"
)

// TestPickLooped: the ops whose median (not mean: one interrupted sample
// must not decide) is under loopClockReadings readings are looped, with
// loops of about loopNanos; Invoke's checks (the last column) always are.
func TestPickLooped(t *testing.T) {
	const clock = 10.0 // ns: ops under 80 ns are looped
	samples := []int64{
		// op0, op1, op2, checks
		50, 500, 79, 2,
		52, 510, 78, 1,
		50000, 490, 81, 3, // op0 interrupted once
		49, 505, 79, 2,
		51, 495, 80, 0,
	}
	looped, reps := pickLooped(samples, 4, clock)
	if want := []int{0, 2, 3}; !slices.Equal(looped, want) {
		t.Fatalf("looped %v, want %v", looped, want)
	}
	// Medians 51, 79 and 2 ns.
	if want := []int{loopNanos/51 + 1, loopNanos/79 + 1, loopNanos/2 + 1}; !slices.Equal(reps, want) {
		t.Errorf("reps %v, want %v", reps, want)
	}
	// A checks column measured at 0 ns still gets a finite loop.
	if _, reps := pickLooped([]int64{1000, 0}, 2, clock); reps[0] != loopNanos+1 {
		t.Errorf("checks at 0 ns: reps %v, want %d", reps, loopNanos+1)
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
