package dyadic

import (
	"math"
	"testing"
)

// TestLogXNearLog: TFLite's fixed-point log is within a few units of the
// last place of ln(x) over the whole domain of a Q12 input (x in [1, 4096)),
// as LOG_SOFTMAX uses it.
func TestLogXNearLog(t *testing.T) {
	for raw := int32(1 << 19); raw > 0 && raw < math.MaxInt32-997; raw += 997 {
		x := float64(raw) / (1 << 19)
		got := float64(LogXForXGreaterThanOrEqualTo1(raw, 12, 5)) / (1 << 26)
		if d := math.Abs(got - math.Log(x)); d > 1e-6 {
			t.Fatalf("log(%v) = %v, want %v (off by %v)", x, got, math.Log(x), d)
		}
	}
}

func TestPreprocessLogSoftmaxScalingExp(t *testing.T) {
	m, s, rm, rs, err := PreprocessLogSoftmaxScalingExp(1, 0.1, 5)
	if err != nil {
		t.Fatal(err)
	}
	// The reverse scaling undoes the input scaling: m·2^(s-31) times
	// rm·2^(rs-31) ≈ 2^(31-s)/m is 1.
	fwd := float64(m) * math.Ldexp(1, int(s)-31)
	rev := float64(rm) * math.Ldexp(1, int(rs)-31)
	if math.Abs(fwd*rev-1) > 1e-6 {
		t.Errorf("forward %v · reverse %v = %v, want 1", fwd, rev, fwd*rev)
	}
	if rs > 0 || rm <= 0 {
		t.Errorf("reverse multiplier %d shift %d", rm, rs)
	}
}
