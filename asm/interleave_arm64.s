//go:build !purego

#include "textflag.h"

// NEON byte interleaving (see interleave.go): ST2/ST4 store, LD2/LD4 load
// the streams interleaved.

// func zipBytes2(dst, a, b *int8, blocks int)
TEXT ·zipBytes2(SB), NOSPLIT, $0-32
	MOVD dst+0(FP), R0
	MOVD a+8(FP), R1
	MOVD b+16(FP), R2
	MOVD blocks+24(FP), R3

zip2loop:
	VLD1.P 16(R1), [V0.B16]
	VLD1.P 16(R2), [V1.B16]
	VST2.P [V0.B16, V1.B16], 32(R0)
	SUBS $1, R3, R3
	BNE  zip2loop
	RET

// func zipBytes4(dst, a, b, c, d *int8, blocks int)
TEXT ·zipBytes4(SB), NOSPLIT, $0-48
	MOVD dst+0(FP), R0
	MOVD a+8(FP), R1
	MOVD b+16(FP), R2
	MOVD c+24(FP), R3
	MOVD d+32(FP), R4
	MOVD blocks+40(FP), R5

zip4loop:
	VLD1.P 16(R1), [V0.B16]
	VLD1.P 16(R2), [V1.B16]
	VLD1.P 16(R3), [V2.B16]
	VLD1.P 16(R4), [V3.B16]
	VST4.P [V0.B16, V1.B16, V2.B16, V3.B16], 64(R0)
	SUBS $1, R5, R5
	BNE  zip4loop
	RET

// func unzipBytes2(a, b, src *int8, blocks int)
TEXT ·unzipBytes2(SB), NOSPLIT, $0-32
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD src+16(FP), R2
	MOVD blocks+24(FP), R3

unzip2loop:
	VLD2.P 32(R2), [V0.B16, V1.B16]
	VST1.P [V0.B16], 16(R0)
	VST1.P [V1.B16], 16(R1)
	SUBS $1, R3, R3
	BNE  unzip2loop
	RET

// func unzipBytes4(a, b, c, d, src *int8, blocks int)
TEXT ·unzipBytes4(SB), NOSPLIT, $0-48
	MOVD a+0(FP), R0
	MOVD b+8(FP), R1
	MOVD c+16(FP), R2
	MOVD d+24(FP), R3
	MOVD src+32(FP), R4
	MOVD blocks+40(FP), R5

unzip4loop:
	VLD4.P 64(R4), [V0.B16, V1.B16, V2.B16, V3.B16]
	VST1.P [V0.B16], 16(R0)
	VST1.P [V1.B16], 16(R1)
	VST1.P [V2.B16], 16(R2)
	VST1.P [V3.B16], 16(R3)
	SUBS $1, R5, R5
	BNE  unzip4loop
	RET
