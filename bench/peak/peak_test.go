package peak

import (
	"math/rand/v2"
	"testing"
)

// TestLoopsCompute runs every available loop on random operands and edge
// values and compares its summed accumulators with the same products
// done in Go: a loop that does not execute the instruction it is named
// after (a wrong byte encoding, a wrong operand order) fails here.
func TestLoopsCompute(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var sources []Source
	for i := 0; i < 8; i++ {
		var s Source
		for j := range s {
			s[j] = byte(r.UintN(256))
		}
		sources = append(sources, s)
	}
	var extremes [4]Source // 0x00, 0x7f, 0x80, 0xff everywhere
	for i, v := range []byte{0x00, 0x7f, 0x80, 0xff} {
		for j := range extremes[i] {
			extremes[i][j] = v
		}
	}
	sources = append(sources, extremes[:]...)
	ran := 0
	for _, l := range Loops() {
		if !l.Available {
			t.Logf("%s: not available on this CPU", l.Name)
			continue
		}
		ran++
		for si := range sources {
			for _, iters := range []int{1, 2, 7, 1000} {
				var got Lanes
				for i := range got {
					got[i] = 0x5a5a5a5a // Run must overwrite
				}
				l.Run(iters, &sources[si], &got)
				want := l.Expect(iters, &sources[si])
				if got != want {
					t.Fatalf("%s, source %d, %d iterations:\ngot  %v\nwant %v", l.Name, si, iters, got, want)
				}
			}
		}
	}
	if ran == 0 && len(Loops()) > 0 {
		t.Log("no loop available on this CPU")
	}
}
