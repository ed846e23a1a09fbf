package asm

import (
	"math/rand/v2"
	"testing"
)

// InterleaveBytes and DeinterleaveBytes against the index definition:
// lengths across the 16-byte steps and the tail, nothing written past
// count, and no allocation.
func TestInterleaveBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(16, 7))
	// Three streams run twice where the kernels exist: on them and on the
	// Go loop a CPU without SSSE3 takes.
	fast3 := FastInterleave3
	defer func() { FastInterleave3 = fast3 }()
	type variant struct {
		n     int
		fast3 bool
	}
	for _, v := range []variant{{2, fast3}, {3, fast3}, {3, false}, {4, fast3}} {
		n := v.n
		FastInterleave3 = v.fast3
		for count := 0; count < 70; count++ {
			var src, back [4][]int8
			for i := 0; i < n; i++ {
				src[i] = make([]int8, count)
				for j := range src[i] {
					src[i][j] = int8(r.IntN(256))
				}
				back[i] = make([]int8, count+16)
				for j := range back[i] {
					back[i][j] = guardByte
				}
			}
			buf := make([]int8, n*count+16)
			for i := range buf {
				buf[i] = guardByte
			}
			InterleaveBytes(buf, &src, n, count)
			for j := 0; j < count; j++ {
				for i := 0; i < n; i++ {
					if buf[j*n+i] != src[i][j] {
						t.Fatalf("%d streams of %d: byte %d = %d, want stream %d's %d", n, count, j*n+i, buf[j*n+i], i, src[i][j])
					}
				}
			}
			for _, g := range buf[n*count:] {
				if g != guardByte {
					t.Fatalf("%d streams of %d: wrote past the output", n, count)
				}
			}
			DeinterleaveBytes(&back, buf, n, count)
			for i := 0; i < n; i++ {
				for j := range back[i] {
					want := int8(guardByte)
					if j < count {
						want = src[i][j]
					}
					if back[i][j] != want {
						t.Fatalf("deinterleave %d streams of %d: stream %d byte %d = %d, want %d", n, count, i, j, back[i][j], want)
					}
				}
			}
		}
	}
	var s [4][]int8
	for i := range s {
		s[i] = make([]int8, 64)
	}
	joined := make([]int8, 256)
	if a := testing.AllocsPerRun(5, func() {
		InterleaveBytes(joined, &s, 4, 64)
		DeinterleaveBytes(&s, joined, 2, 64)
	}); a != 0 {
		t.Errorf("allocates %v times", a)
	}
}
