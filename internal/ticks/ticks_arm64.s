//go:build !purego

#include "textflag.h"

// func counter() int64
// The ISB makes the reading wait for every earlier instruction, as
// Linux's own counter reads do.
TEXT ·counter(SB), NOSPLIT, $0-8
	ISB  $15
	MRS  CNTVCT_EL0, R0
	MOVD R0, ret+0(FP)
	RET
