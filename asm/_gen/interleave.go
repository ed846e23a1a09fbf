package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Byte interleaving (asm/interleave.go), SSE2: n = 2 or 4 streams of
// p.blocks·16 bytes (p.s0..) to or from p.joined. Zipping is punpcklbw /
// punpckhbw (then the word forms for four streams); unzipping keeps even
// bytes (and with 0x00ff, packuswb) and odd bytes (psrlw 8, packuswb),
// twice for four streams.
func interleaveSSE2() {
	streams := []reg.Register{reg.RSI, reg.RDX, reg.R8, reg.R9}
	joined, blocks := reg.RDI, reg.RCX
	load := func(n int) {
		Load(arg("joined"), joined)
		for i := 0; i < n; i++ {
			Load(arg(fmt.Sprintf("s%d", i)), streams[i])
		}
		Load(arg("blocks"), blocks)
	}
	advance := func(name string, n int) {
		for i := 0; i < n; i++ {
			ADDQ(U8(16), streams[i])
		}
		ADDQ(U8(16*n), joined)
		DECQ(blocks)
		JNZ(LabelRef(name + "_loop"))
		RET()
	}
	x := func(i int) reg.VecPhysical {
		return []reg.VecPhysical{reg.X0, reg.X1, reg.X2, reg.X3, reg.X4, reg.X5, reg.X6, reg.X7, reg.X8, reg.X9, reg.X10, reg.X11}[i]
	}
	mask := reg.X15

	name := "zipBytes2SSE2"
	kernel(name, NOSPLIT, "ilvArgs")
	kdoc(name + " interleaves the bytes of two streams (p.blocks >= 1 steps of 16 bytes each).")
	load(2)
	Label(name + "_loop")
	MOVOU(Mem{Base: streams[0]}, x(0))
	MOVOU(Mem{Base: streams[1]}, x(1))
	MOVOU(x(0), x(2))
	PUNPCKLBW(x(1), x(0))
	PUNPCKHBW(x(1), x(2))
	MOVOU(x(0), Mem{Base: joined})
	MOVOU(x(2), Mem{Base: joined, Disp: 16})
	advance(name, 2)

	name = "zipBytes4SSE2"
	kernel(name, NOSPLIT, "ilvArgs")
	kdoc(name + " interleaves the bytes of four streams (p.blocks >= 1 steps of 16 bytes each).")
	load(4)
	Label(name + "_loop")
	for i := 0; i < 4; i++ {
		MOVOU(Mem{Base: streams[i]}, x(i))
	}
	MOVOU(x(0), x(4))
	PUNPCKLBW(x(1), x(0)) // a b, columns 0..7
	PUNPCKHBW(x(1), x(4)) // a b, columns 8..15
	MOVOU(x(2), x(5))
	PUNPCKLBW(x(3), x(2)) // c d, columns 0..7
	PUNPCKHBW(x(3), x(5)) // c d, columns 8..15
	MOVOU(x(0), x(6))
	PUNPCKLWL(x(2), x(0))
	PUNPCKHWL(x(2), x(6))
	MOVOU(x(4), x(7))
	PUNPCKLWL(x(5), x(4))
	PUNPCKHWL(x(5), x(7))
	for i, v := range []int{0, 6, 4, 7} {
		MOVOU(x(v), Mem{Base: joined, Disp: 16 * i})
	}
	advance(name, 4)

	// split: even bytes of (lo, hi) into even, odd bytes into lo; tmp is
	// clobbered.
	split := func(lo, hi, even, tmp reg.VecPhysical) {
		MOVOU(lo, even)
		MOVOU(hi, tmp)
		PAND(mask, even)
		PAND(mask, tmp)
		PACKUSWB(tmp, even)
		PSRLW(U8(8), lo)
		PSRLW(U8(8), hi)
		PACKUSWB(hi, lo)
	}

	name = "unzipBytes2SSE2"
	kernel(name, NOSPLIT, "ilvArgs")
	kdoc(name + " splits the alternate bytes of p.joined into two streams (p.blocks >= 1 steps of 16 bytes each).")
	load(2)
	PCMPEQW(mask, mask)
	PSRLW(U8(8), mask) // 0x00ff in every word
	Label(name + "_loop")
	MOVOU(Mem{Base: joined}, x(0))
	MOVOU(Mem{Base: joined, Disp: 16}, x(1))
	split(x(0), x(1), x(2), x(3))
	MOVOU(x(2), Mem{Base: streams[0]})
	MOVOU(x(0), Mem{Base: streams[1]})
	advance(name, 2)

	name = "unzipBytes4SSE2"
	kernel(name, NOSPLIT, "ilvArgs")
	kdoc(name + " splits every fourth byte of p.joined into four streams (p.blocks >= 1 steps of 16 bytes each).")
	load(4)
	PCMPEQW(mask, mask)
	PSRLW(U8(8), mask)
	Label(name + "_loop")
	for i := 0; i < 4; i++ {
		MOVOU(Mem{Base: joined, Disp: 16 * i}, x(i))
	}
	split(x(0), x(1), x(4), x(8)) // x4: a c, columns 0..7; x0: b d
	split(x(2), x(3), x(5), x(9)) // x5: a c, columns 8..15; x2: b d
	split(x(4), x(5), x(6), x(8)) // x6: a; x4: c
	split(x(0), x(2), x(7), x(9)) // x7: b; x0: d
	for i, v := range []int{6, 7, 4, 0} {
		MOVOU(x(v), Mem{Base: streams[i]})
	}
	advance(name, 4)
}
