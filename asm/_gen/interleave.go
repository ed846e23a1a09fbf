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

// interleave3SSSE3 writes the three-stream kernels (RGB planes to pixels,
// MobileNetV2's NCHW input, and back): PSHUFB (SSSE3) picks each output
// vector's bytes from each input vector, 0x80 entries give zeros, and ORs
// merge the three picks. The nine masks of each direction live in
// ilv3masks: zip masks first (output vector q, stream i at 16·(3q+i)),
// then unzip masks (stream i, joined vector q at 144 + 16·(3i+q)).
func interleave3SSSE3() {
	masks := GLOBL("ilv3masks", RODATA|NOPTR)
	for q := 0; q < 3; q++ { // zip: joined byte 16q+k is stream (16q+k)%3, element (16q+k)/3
		for i := 0; i < 3; i++ {
			for k := 0; k < 16; k++ {
				v := 0x80
				if b := 16*q + k; b%3 == i {
					v = b / 3
				}
				DATA(16*(3*q+i)+k, U8(v))
			}
		}
	}
	for i := 0; i < 3; i++ { // unzip: stream i element j is joined byte 3j+i
		for q := 0; q < 3; q++ {
			for j := 0; j < 16; j++ {
				v := 0x80
				if b := 3*j + i; b/16 == q {
					v = b % 16
				}
				DATA(144+16*(3*i+q)+j, U8(v))
			}
		}
	}
	streams := []reg.Register{reg.RSI, reg.RDX, reg.R8}
	joined, blocks := reg.RDI, reg.RCX
	x := []reg.VecPhysical{reg.X0, reg.X1, reg.X2, reg.X3, reg.X4, reg.X5, reg.X6, reg.X7,
		reg.X8, reg.X9, reg.X10, reg.X11, reg.X12, reg.X13, reg.X14, reg.X15}
	for _, zip := range []bool{true, false} {
		name, doc, base := "zipBytes3SSSE3", "interleaves the bytes of three streams", 0
		if !zip {
			name, doc, base = "unzipBytes3SSSE3", "splits every third byte of p.joined into three streams", 144
		}
		kernel(name, NOSPLIT, "ilvArgs")
		kdoc(name + " " + doc + " (p.blocks >= 1 steps of 16 bytes each; SSSE3).")
		Load(arg("joined"), joined)
		for i := 0; i < 3; i++ {
			Load(arg(fmt.Sprintf("s%d", i)), streams[i])
		}
		Load(arg("blocks"), blocks)
		// X7..X15: the nine masks; X0..X2 the inputs; X3..X5 outputs; X6 temp.
		for m := 0; m < 9; m++ {
			MOVOU(masks.Offset(base+16*m), x[7+m])
		}
		Label(name + "_loop")
		for v := 0; v < 3; v++ {
			if zip {
				MOVOU(Mem{Base: streams[v]}, x[v])
			} else {
				MOVOU(Mem{Base: joined, Disp: 16 * v}, x[v])
			}
		}
		// Output vector o (joined vector for zip, stream for unzip) is the
		// OR of PSHUFB(input v, mask 3o+v) over the three inputs.
		for o := 0; o < 3; o++ {
			out := x[3+o]
			MOVOU(x[0], out)
			PSHUFB(x[7+3*o], out)
			for v := 1; v < 3; v++ {
				MOVOU(x[v], x[6])
				PSHUFB(x[7+3*o+v], x[6])
				POR(x[6], out)
			}
		}
		for o := 0; o < 3; o++ {
			if zip {
				MOVOU(x[3+o], Mem{Base: joined, Disp: 16 * o})
			} else {
				MOVOU(x[3+o], Mem{Base: streams[o]})
			}
		}
		for i := 0; i < 3; i++ {
			ADDQ(U8(16), streams[i])
		}
		ADDQ(U8(48), joined)
		DECQ(blocks)
		JNZ(LabelRef(name + "_loop"))
		RET()
	}
}
