//go:build !purego

#include "textflag.h"

// SSE2 byte interleaving (see interleave.go).

// func zipBytes2(dst, a, b *int8, blocks int)
TEXT ·zipBytes2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ blocks+24(FP), CX

zip2loop:
	MOVOU (SI), X0
	MOVOU (DX), X1
	MOVOU X0, X2
	PUNPCKLBW X1, X0
	PUNPCKHBW X1, X2
	MOVOU X0, (DI)
	MOVOU X2, 16(DI)
	ADDQ $16, SI
	ADDQ $16, DX
	ADDQ $32, DI
	DECQ CX
	JNZ  zip2loop
	RET

// func zipBytes4(dst, a, b, c, d *int8, blocks int)
TEXT ·zipBytes4(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ c+24(FP), R8
	MOVQ d+32(FP), R9
	MOVQ blocks+40(FP), CX

zip4loop:
	MOVOU (SI), X0
	MOVOU (DX), X1
	MOVOU (R8), X2
	MOVOU (R9), X3
	MOVOU X0, X4
	PUNPCKLBW X1, X0 // a b, columns 0..7
	PUNPCKHBW X1, X4 // a b, columns 8..15
	MOVOU X2, X5
	PUNPCKLBW X3, X2 // c d, columns 0..7
	PUNPCKHBW X3, X5 // c d, columns 8..15
	MOVOU X0, X6
	PUNPCKLWL X2, X0
	PUNPCKHWL X2, X6
	MOVOU X4, X7
	PUNPCKLWL X5, X4
	PUNPCKHWL X5, X7
	MOVOU X0, (DI)
	MOVOU X6, 16(DI)
	MOVOU X4, 32(DI)
	MOVOU X7, 48(DI)
	ADDQ $16, SI
	ADDQ $16, DX
	ADDQ $16, R8
	ADDQ $16, R9
	ADDQ $64, DI
	DECQ CX
	JNZ  zip4loop
	RET

// func unzipBytes2(a, b, src *int8, blocks int)
TEXT ·unzipBytes2(SB), NOSPLIT, $0-32
	MOVQ a+0(FP), DI
	MOVQ b+8(FP), DX
	MOVQ src+16(FP), SI
	MOVQ blocks+24(FP), CX
	PCMPEQW X7, X7
	PSRLW $8, X7 // 0x00ff in every word

unzip2loop:
	MOVOU (SI), X0
	MOVOU 16(SI), X1
	MOVOU X0, X2
	MOVOU X1, X3
	PAND X7, X2
	PAND X7, X3
	PACKUSWB X3, X2 // even bytes
	PSRLW $8, X0
	PSRLW $8, X1
	PACKUSWB X1, X0 // odd bytes
	MOVOU X2, (DI)
	MOVOU X0, (DX)
	ADDQ $32, SI
	ADDQ $16, DI
	ADDQ $16, DX
	DECQ CX
	JNZ  unzip2loop
	RET

// func unzipBytes4(a, b, c, d, src *int8, blocks int)
TEXT ·unzipBytes4(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), DI
	MOVQ b+8(FP), DX
	MOVQ c+16(FP), R8
	MOVQ d+24(FP), R9
	MOVQ src+32(FP), SI
	MOVQ blocks+40(FP), CX
	PCMPEQW X15, X15
	PSRLW $8, X15

unzip4loop:
	MOVOU (SI), X0
	MOVOU 16(SI), X1
	MOVOU 32(SI), X2
	MOVOU 48(SI), X3
	// First level: even bytes (a c a c ...) and odd (b d b d ...).
	MOVOU X0, X4
	MOVOU X1, X5
	PAND X15, X4
	PAND X15, X5
	PACKUSWB X5, X4 // a c, columns 0..7
	PSRLW $8, X0
	PSRLW $8, X1
	PACKUSWB X1, X0 // b d, columns 0..7
	MOVOU X2, X6
	MOVOU X3, X7
	PAND X15, X6
	PAND X15, X7
	PACKUSWB X7, X6 // a c, columns 8..15
	PSRLW $8, X2
	PSRLW $8, X3
	PACKUSWB X3, X2 // b d, columns 8..15
	// Second level.
	MOVOU X4, X8
	MOVOU X6, X9
	PAND X15, X8
	PAND X15, X9
	PACKUSWB X9, X8 // a
	PSRLW $8, X4
	PSRLW $8, X6
	PACKUSWB X6, X4 // c
	MOVOU X0, X10
	MOVOU X2, X11
	PAND X15, X10
	PAND X15, X11
	PACKUSWB X11, X10 // b
	PSRLW $8, X0
	PSRLW $8, X2
	PACKUSWB X2, X0 // d
	MOVOU X8, (DI)
	MOVOU X10, (DX)
	MOVOU X4, (R8)
	MOVOU X0, (R9)
	ADDQ $64, SI
	ADDQ $16, DI
	ADDQ $16, DX
	ADDQ $16, R8
	ADDQ $16, R9
	DECQ CX
	JNZ  unzip4loop
	RET
