package dyadic

// Independent reference models used by the tests. They are written from the
// mathematical definitions (floor division, explicit rounding rules, math/big)
// rather than from the bit tricks the implementation uses.

import (
	"flag"
	"math"
	"math/big"
	"math/rand/v2"
)

var long = flag.Bool("long", false, "run the long randomized and exhaustive tests")

// scale returns n when running -long and n/div otherwise (at least 1).
func scale(n, div int) int {
	if *long {
		return n
	}
	if n/div < 1 {
		return 1
	}
	return n / div
}

func newRand() *rand.Rand { return rand.New(rand.NewPCG(20240601, 7)) }

// floorDiv returns floor(n / d) for d > 0.
func floorDiv(n, d int64) int64 {
	q := n / d
	if n%d != 0 && n < 0 {
		q--
	}
	return q
}

// clamp32 saturates v to the int32 range.
func clamp32(v int64) int32 {
	if v > math.MaxInt32 {
		return math.MaxInt32
	}
	if v < math.MinInt32 {
		return math.MinInt32
	}
	return int32(v)
}

// refRoundHalfAwayPOT returns x / 2^e rounded to nearest, ties away from
// zero: the magnitude is rounded half up and the sign restored.
func refRoundHalfAwayPOT(x int64, e uint) int64 {
	if e == 0 {
		return x
	}
	neg := x < 0
	mag := new(big.Int).Abs(big.NewInt(x))
	mag.Add(mag, new(big.Int).Lsh(big.NewInt(1), e-1))
	mag.Rsh(mag, e)
	if neg {
		mag.Neg(mag)
	}
	return mag.Int64()
}

// refRoundHalfAwayPOTFast is refRoundHalfAwayPOT for |x| < 2^62 without big.
func refRoundHalfAwayPOTFast(x int64, e uint) int64 {
	if e == 0 {
		return x
	}
	if x < 0 {
		return -((-x + int64(1)<<(e-1)) >> e)
	}
	return (x + int64(1)<<(e-1)) >> e
}

// refSRDHM is round(a·b / 2^31) with ties toward +infinity, saturated to
// int32 (only a = b = MinInt32 needs it).
func refSRDHM(a, b int32) int32 {
	return clamp32(floorDiv(int64(a)*int64(b)+1<<30, 1<<31))
}

// refSRMPOT multiplies a by 2^e: saturating for e > 0, rounding half away
// from zero for e < 0.
func refSRMPOT(a int32, e int) int32 {
	if e >= 0 {
		return clamp32(int64(a) << uint(e)) // |a|·2^31 < 2^63
	}
	return int32(refRoundHalfAwayPOTFast(int64(a), uint(-e)))
}

// exactMBQM returns x·m·2^(shift-31) as an exact rational.
func exactMBQM(x, m, shift int32) *big.Rat {
	r := new(big.Rat).SetInt(new(big.Int).Mul(big.NewInt(int64(x)), big.NewInt(int64(m))))
	e := int(shift) - 31
	p := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), uint(abs(e))))
	if e >= 0 {
		return r.Mul(r, p)
	}
	return r.Quo(r, p)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// edges32 are int32 values around every power of two and the extremes.
func edges32() []int32 {
	var v []int32
	for i := 0; i < 31; i++ {
		p := int64(1) << uint(i)
		for _, d := range []int64{-2, -1, 0, 1, 2} {
			v = append(v, clamp32(p+d), clamp32(-p+d))
		}
	}
	return append(v, math.MinInt32, math.MinInt32+1, math.MinInt32+2, math.MaxInt32, math.MaxInt32-1, math.MaxInt32-2, 0)
}

// q returns the real value of raw in Q(n).
func q(raw int32, n int) float64 { return math.Ldexp(float64(raw), n-31) }
