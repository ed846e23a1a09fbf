//go:build !purego

#include "textflag.h"

// func counter() int64
// LFENCE first, as Linux's rdtsc_ordered: the counter is read only once
// every earlier instruction has completed, so a reading after an op
// comes after all of the op's work (a bare RDTSC may run ahead of it,
// and then part of the op goes unmeasured while part of the reading's
// cost hides behind it). RDTSCP would order the same way, but not every
// CPU (or hypervisor) advertises it.
TEXT ·counter(SB), NOSPLIT, $0-8
	LFENCE
	RDTSC
	SHLQ $32, DX
	ORQ  DX, AX
	MOVQ AX, ret+0(FP)
	RET

// func cpuid(leaf, sub uint32) (a, b, c, d uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL leaf+0(FP), AX
	MOVL sub+4(FP), CX
	CPUID
	MOVL AX, a+8(FP)
	MOVL BX, b+12(FP)
	MOVL CX, c+16(FP)
	MOVL DX, d+20(FP)
	RET
