package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// SVDF's time step (asm/timedot.go): t[f] = Σ_j w[f][j]·s[f][j] − off[f]
// for groups of four filters. Per chunk of 8 values, each filter's
// weights (packed [chunk][filter][8]) VPMADDWD its state (int16, or int8
// widened by VPMOVSXBW) into its own 4-dword accumulator; after the last
// chunk three VPHADDDs leave the four filters' sums in one register, in
// filter order, and off is subtracted. xmm registers only (VEX): the
// chunks are 8 values and the rows are short.
func timeDotKernels() {
	for _, wide := range []bool{true, false} {
		name, step := "timeDot8AVX2Kernel", 8
		if wide {
			name, step = "timeDotAVX2Kernel", 16
		}
		kernel(name, NOSPLIT, "timeDotArgs")
		kdoc(name + " sets t[f] = Σ_j w[f][j]·s[f][j] − off[f] for 4·groups filters (AVX2; state int" + map[bool]string{true: "16", false: "8"}[wide] + ").")
		w, s, t, off, groups, chunks, ss, ss3 := reg.RSI, reg.RDI, reg.RDX, reg.R8, reg.RCX, reg.R9, reg.R10, reg.R11
		start, c := reg.R12, reg.RBX
		Load(arg("w"), w)
		if wide {
			Load(arg("s16"), s)
		} else {
			Load(arg("s8"), s)
		}
		Load(arg("t"), t)
		Load(arg("off"), off)
		Load(arg("groups"), groups)
		Load(arg("chunks"), chunks)
		Load(arg("ss"), ss)
		LEAQ(Mem{Base: ss, Index: ss, Scale: 2}, ss3)
		acc := []reg.VecPhysical{reg.X0, reg.X1, reg.X2, reg.X3}
		rows := []Mem{{Base: s}, {Base: s, Index: ss, Scale: 1}, {Base: s, Index: ss, Scale: 2}, {Base: s, Index: ss3, Scale: 1}}
		Label(name + "_group")
		for _, a := range acc {
			VPXOR(a, a, a)
		}
		MOVQ(s, start)
		MOVQ(chunks, c)
		Label(name + "_chunk")
		for i, a := range acc {
			x := reg.VecPhysical(reg.X4)
			if i%2 == 1 {
				x = reg.X5
			}
			if wide {
				VMOVDQU(Mem{Base: w, Disp: 16 * i}, x)
				VPMADDWD(rows[i], x, x)
			} else {
				VPMOVSXBW(rows[i], x)
				VPMADDWD(Mem{Base: w, Disp: 16 * i}, x, x)
			}
			VPADDD(x, a, a)
		}
		ADDQ(U8(step), s)
		ADDQ(U8(64), w)
		DECQ(c)
		JNZ(LabelRef(name + "_chunk"))
		LEAQ(Mem{Base: start, Index: ss, Scale: 4}, s)
		VPHADDD(reg.X1, reg.X0, reg.X0) // [f0 pairs, f1 pairs]
		VPHADDD(reg.X3, reg.X2, reg.X2) // [f2 pairs, f3 pairs]
		VPHADDD(reg.X2, reg.X0, reg.X0) // [f0, f1, f2, f3]
		VPSUBD(Mem{Base: off}, reg.X0, reg.X0)
		VMOVDQU(reg.X0, Mem{Base: t})
		ADDQ(U8(16), off)
		ADDQ(U8(16), t)
		DECQ(groups)
		JNZ(LabelRef(name + "_group"))
		RET()
	}
}
