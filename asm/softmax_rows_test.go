package asm

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/dyadic"
)

// softmaxExpTable is SOFTMAX's table of exponentials as ops builds it:
// e[i] = exp(-i · beta · scale) in Q0.31 for -i >= diffMin, else 0.
func softmaxExpTable(mult, shift, diffMin int32) *[256]int32 {
	var e [256]int32
	for i := range e {
		d := int32(-i)
		if d < diffMin {
			continue
		}
		e[i] = dyadic.ExpOnNegativeValues(dyadic.MultiplyByQuantizedMultiplierGreaterThanOne(d, mult, shift), 5)
	}
	return &e
}

// softmaxRowRef is one row of int8 SOFTMAX from its definition: TFLite's
// sum of the Q12.19 rescaled exponentials, its reciprocal, the outputs.
func softmaxRowRef(out, row []int8, e *[256]int32) {
	top := row[0]
	for _, x := range row {
		top = max(top, x)
	}
	var sum int32
	for _, x := range row {
		sum += dyadic.Rescale(e[int(top)-int(x)], 0, 12)
	}
	recip, bits := dyadic.GetReciprocal(sum, 12)
	for i, x := range row {
		out[i] = SoftmaxOut8(recip, e[int(top)-int(x)], bits+23)
	}
}

// TestSoftmaxRows8AllImplementations: every implementation's SoftmaxRows8
// (where it has a kernel) gives the reference's bytes for every depth
// 1..16, for random rows, rows of one repeated value, rows spanning
// -128..127 and rows with one large value, under several betas and
// diff_min (tables with zero tails); it writes nothing past the rows it
// reports done, and allocates nothing.
func TestSoftmaxRows8AllImplementations(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	tables := []*[256]int32{
		softmaxExpTable(1<<30, 0, -4096),               // beta·scale = 1/2^? : a flat table
		softmaxExpTable(1717986918, 21, -248),          // a typical classifier head's
		softmaxExpTable(int32(1<<31-1), 31, -1),        // only d = 0 and -1 count
		softmaxExpTable(1<<30|12345, 25, -radius(25)),  // steep
		softmaxExpTable(1288490189, 27, -radius(27)/3), // cut in the middle
	}
	ran := false
	forEachImpl(t, func(t *testing.T, impl *Impl) {
		for ti, et := range tables {
			ex, err := NewSoftmaxOutExp(et)
			if err != nil {
				t.Fatal(err)
			}
			for depth := 1; depth <= SoftmaxRowsMaxDepth; depth++ {
				p := NewSoftmaxRows8(depth)
				for _, rows := range []int{1, 15, 16, 17, 33, 64} {
					in := make([]int8, rows*depth)
					for i := range in {
						in[i] = int8(r.IntN(256))
					}
					for row := 0; row < rows; row++ {
						x := in[row*depth : (row+1)*depth]
						switch row % 5 {
						case 1:
							for i := range x {
								x[i] = x[0]
							}
						case 2:
							for i := range x {
								x[i] = int8(-128 + i*255/max(1, depth-1))
							}
						case 3:
							for i := range x {
								x[i] = int8(-100 + r.IntN(5))
							}
							x[r.IntN(depth)] = 127
						}
					}
					const guard = 7
					got := make([]int8, len(in)+guard)
					for i := range got {
						got[i] = 55
					}
					done := impl.SoftmaxRows8(got[:len(in)], in, rows, p, ex)
					if done%16 != 0 || done > rows {
						t.Fatalf("%s: %d rows of %d: did %d", impl.Name, rows, depth, done)
					}
					ran = ran || done > 0
					want := make([]int8, len(in))
					for row := 0; row < done; row++ {
						softmaxRowRef(want[row*depth:(row+1)*depth], in[row*depth:(row+1)*depth], et)
					}
					for i := done * depth; i < len(got); i++ {
						if got[i] != 55 {
							t.Fatalf("%s: table %d, %d rows of %d: byte %d past the %d rows done written", impl.Name, ti, rows, depth, i, done)
						}
					}
					if !bytes.Equal(asBytes(got[:done*depth]), asBytes(want[:done*depth])) {
						for row := 0; row < done; row++ {
							g, w := got[row*depth:(row+1)*depth], want[row*depth:(row+1)*depth]
							if !bytes.Equal(asBytes(g), asBytes(w)) {
								t.Fatalf("%s: table %d, depth %d, row %d of %v: got %v, want %v", impl.Name, ti, depth, row, in[row*depth:(row+1)*depth], g, w)
							}
						}
					}
				}
			}
		}
		p, ex := NewSoftmaxRows8(10), mustOutExp(t, tables[1])
		in, out := make([]int8, 640), make([]int8, 640)
		if a := testing.AllocsPerRun(10, func() { impl.SoftmaxRows8(out, in, 64, p, ex) }); a != 0 {
			t.Errorf("%s: SoftmaxRows8 allocates %.0f times a call", impl.Name, a)
		}
	})
	t.Logf("a SoftmaxRows8 kernel ran: %v", ran)
}

func mustOutExp(t *testing.T, e *[256]int32) *SoftmaxOutExp {
	t.Helper()
	ex, err := NewSoftmaxOutExp(e)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

// radius is SOFTMAX's input radius for 5 integer bits and the left shift.
func radius(shift int32) int32 { return dyadic.CalculateInputRadius(5, shift, 31) }
