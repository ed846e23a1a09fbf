//go:build !purego

package asm

import (
	"math/rand/v2"
	"testing"
)

// TestDepthwiseArm64Corners: the arm64 kernels' own corners. All inputs
// and weights -128 (a tap pair's products, 2·16384, would overflow int16
// were they added rather than subtracted from zero); the unrolled 3x3 and
// 5x5 kernels with every stride and dilation; channel counts that make the
// last 16- or 8-channel block overlap the one before, and those under 8
// (pure Go); pixel counts around the 4-pixel groups.
func TestDepthwiseArm64Corners(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for _, name := range []string{"neon", "dotprod"} {
		impl, err := lookup(name)
		if err != nil {
			t.Logf("%s: %v", name, err)
			continue
		}
		t.Run(name, func(t *testing.T) {
			for _, kk := range [][2]int{{3, 3}, {5, 5}, {2, 4}, {1, 1}, {7, 7}} {
				for _, c := range []int{1, 7, 8, 9, 13, 16, 21, 24, 32, 37} {
					for _, n := range []int{1, 3, 4, 5, 8, 11} {
						d := newDwCase(r, kk[0], kk[1], c, n, 1, 1, 1)
						fillInt8(r, d.in, 2)
						fillInt8(r, d.w, 2)
						runDwCase(t, impl, d)
						for _, s := range []int{1, 2, 3} {
							for _, dil := range [][2]int{{1, 1}, {2, 1}, {1, 2}, {2, 3}} {
								runDwCase(t, impl, newDwCase(r, kk[0], kk[1], c, n, s, dil[0], dil[1]))
							}
						}
					}
					if t.Failed() {
						return
					}
				}
			}
		})
	}
}
