//go:build !purego

#include "textflag.h"

// Peak loops (see peak.go). Each: func(iters int, src *Source, out *Lanes).

// func avx2Loop(iters int, src *Source, out *Lanes)
// 6 accumulators, each: VPMADDWD (16 int16 MACs) then VPADDD.
TEXT ·avx2Loop(SB), NOSPLIT, $0-24
	MOVQ iters+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ out+16(FP), DI
	VMOVDQU (SI), Y14
	VMOVDQU 64(SI), Y15
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
avx2_loop:
	VPMADDWD Y15, Y14, Y6
	VPADDD Y6, Y0, Y0
	VPMADDWD Y15, Y14, Y7
	VPADDD Y7, Y1, Y1
	VPMADDWD Y15, Y14, Y8
	VPADDD Y8, Y2, Y2
	VPMADDWD Y15, Y14, Y9
	VPADDD Y9, Y3, Y3
	VPMADDWD Y15, Y14, Y10
	VPADDD Y10, Y4, Y4
	VPMADDWD Y15, Y14, Y11
	VPADDD Y11, Y5, Y5
	DECQ CX
	JNZ avx2_loop
	VPADDD Y1, Y0, Y0
	VPADDD Y2, Y0, Y0
	VPADDD Y3, Y0, Y0
	VPADDD Y4, Y0, Y0
	VPADDD Y5, Y0, Y0
	VMOVDQU Y0, (DI)
	VZEROUPPER
	RET

// func avxvnniLoop(iters int, src *Source, out *Lanes)
// 12 accumulators, VEX VPDPBUSD ymm (32 u8×s8 MACs each). Go's assembler
// has only the EVEX form (AVX512VL), so the VEX form is written as bytes:
// C4 [R̄ 1 0 00010] 0D 50 [11 reg 111] = VPDPBUSD ymmN, ymm14, ymm15.
TEXT ·avxvnniLoop(SB), NOSPLIT, $0-24
	MOVQ iters+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ out+16(FP), DI
	VMOVDQU (SI), Y14
	VMOVDQU 64(SI), Y15
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	VPXOR Y10, Y10, Y10
	VPXOR Y11, Y11, Y11
avxvnni_loop:
	BYTE $0xc4; BYTE $0xc2; BYTE $0x0d; BYTE $0x50; BYTE $0xc7 // {vex} vpdpbusd ymm0, ymm14, ymm15
	BYTE $0xc4; BYTE $0xc2; BYTE $0x0d; BYTE $0x50; BYTE $0xcf // {vex} vpdpbusd ymm1, ymm14, ymm15
	BYTE $0xc4; BYTE $0xc2; BYTE $0x0d; BYTE $0x50; BYTE $0xd7 // {vex} vpdpbusd ymm2, ymm14, ymm15
	BYTE $0xc4; BYTE $0xc2; BYTE $0x0d; BYTE $0x50; BYTE $0xdf // {vex} vpdpbusd ymm3, ymm14, ymm15
	BYTE $0xc4; BYTE $0xc2; BYTE $0x0d; BYTE $0x50; BYTE $0xe7 // {vex} vpdpbusd ymm4, ymm14, ymm15
	BYTE $0xc4; BYTE $0xc2; BYTE $0x0d; BYTE $0x50; BYTE $0xef // {vex} vpdpbusd ymm5, ymm14, ymm15
	BYTE $0xc4; BYTE $0xc2; BYTE $0x0d; BYTE $0x50; BYTE $0xf7 // {vex} vpdpbusd ymm6, ymm14, ymm15
	BYTE $0xc4; BYTE $0xc2; BYTE $0x0d; BYTE $0x50; BYTE $0xff // {vex} vpdpbusd ymm7, ymm14, ymm15
	BYTE $0xc4; BYTE $0x42; BYTE $0x0d; BYTE $0x50; BYTE $0xc7 // {vex} vpdpbusd ymm8, ymm14, ymm15
	BYTE $0xc4; BYTE $0x42; BYTE $0x0d; BYTE $0x50; BYTE $0xcf // {vex} vpdpbusd ymm9, ymm14, ymm15
	BYTE $0xc4; BYTE $0x42; BYTE $0x0d; BYTE $0x50; BYTE $0xd7 // {vex} vpdpbusd ymm10, ymm14, ymm15
	BYTE $0xc4; BYTE $0x42; BYTE $0x0d; BYTE $0x50; BYTE $0xdf // {vex} vpdpbusd ymm11, ymm14, ymm15
	DECQ CX
	JNZ avxvnni_loop
	VPADDD Y1, Y0, Y0
	VPADDD Y2, Y0, Y0
	VPADDD Y3, Y0, Y0
	VPADDD Y4, Y0, Y0
	VPADDD Y5, Y0, Y0
	VPADDD Y6, Y0, Y0
	VPADDD Y7, Y0, Y0
	VPADDD Y8, Y0, Y0
	VPADDD Y9, Y0, Y0
	VPADDD Y10, Y0, Y0
	VPADDD Y11, Y0, Y0
	VMOVDQU Y0, (DI)
	VZEROUPPER
	RET

// func vnni512Loop(iters int, src *Source, out *Lanes)
// 16 accumulators, VPDPBUSD zmm (64 u8×s8 MACs each).
TEXT ·vnni512Loop(SB), NOSPLIT, $0-24
	MOVQ iters+0(FP), CX
	MOVQ src+8(FP), SI
	MOVQ out+16(FP), DI
	VMOVDQU64 (SI), Z30
	VMOVDQU64 64(SI), Z31
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7
	VPXORQ Z8, Z8, Z8
	VPXORQ Z9, Z9, Z9
	VPXORQ Z10, Z10, Z10
	VPXORQ Z11, Z11, Z11
	VPXORQ Z12, Z12, Z12
	VPXORQ Z13, Z13, Z13
	VPXORQ Z14, Z14, Z14
	VPXORQ Z15, Z15, Z15
vnni512_loop:
	VPDPBUSD Z31, Z30, Z0
	VPDPBUSD Z31, Z30, Z1
	VPDPBUSD Z31, Z30, Z2
	VPDPBUSD Z31, Z30, Z3
	VPDPBUSD Z31, Z30, Z4
	VPDPBUSD Z31, Z30, Z5
	VPDPBUSD Z31, Z30, Z6
	VPDPBUSD Z31, Z30, Z7
	VPDPBUSD Z31, Z30, Z8
	VPDPBUSD Z31, Z30, Z9
	VPDPBUSD Z31, Z30, Z10
	VPDPBUSD Z31, Z30, Z11
	VPDPBUSD Z31, Z30, Z12
	VPDPBUSD Z31, Z30, Z13
	VPDPBUSD Z31, Z30, Z14
	VPDPBUSD Z31, Z30, Z15
	DECQ CX
	JNZ vnni512_loop
	VPADDD Z1, Z0, Z0
	VPADDD Z2, Z0, Z0
	VPADDD Z3, Z0, Z0
	VPADDD Z4, Z0, Z0
	VPADDD Z5, Z0, Z0
	VPADDD Z6, Z0, Z0
	VPADDD Z7, Z0, Z0
	VPADDD Z8, Z0, Z0
	VPADDD Z9, Z0, Z0
	VPADDD Z10, Z0, Z0
	VPADDD Z11, Z0, Z0
	VPADDD Z12, Z0, Z0
	VPADDD Z13, Z0, Z0
	VPADDD Z14, Z0, Z0
	VPADDD Z15, Z0, Z0
	VMOVDQU64 Z0, (DI)
	VZEROUPPER
	RET
