//go:build !purego

package asm

// Go side of the arm64 max-pool and min/max kernels (pool_arm64.s,
// written by gen_arm64.go); the neon and dotprod Impls share them.

//go:noescape
func maxPool8Neon(p *poolArgs)

//go:noescape
func maxPool16Neon(p *poolArgs)

//go:noescape
func max8Neon(p *pairMinMaxArgs)

//go:noescape
func min8Neon(p *pairMinMaxArgs)

//go:noescape
func max16Neon(p *pairMinMaxArgs)

//go:noescape
func min16Neon(p *pairMinMaxArgs)

//go:noescape
func avgPool8Neon(p *poolArgs)

//go:noescape
func avgPool16Neon(p *poolArgs)

//go:noescape
func sumPool8Neon(p *poolArgs)

// avgPoolSIMD: AvgPool and SumPool have NEON kernels.
const avgPoolSIMD = true

func poolKernel(kind int, p *poolArgs) {
	switch kind {
	case poolAvg8:
		avgPool8Neon(p)
	case poolAvg16:
		avgPool16Neon(p)
	case poolSum8:
		sumPool8Neon(p)
	case poolMax16:
		maxPool16Neon(p)
	case poolMax8:
		maxPool8Neon(p)
	default: // poolSum8Wide: only Impls with bw512 (amd64) ask for it
		panic("asm: no arm64 kernel for pool kind")
	}
}

func minMaxKernel(kind int, p *pairMinMaxArgs) {
	switch kind {
	case minMaxMax8:
		max8Neon(p)
	case minMaxMin8:
		min8Neon(p)
	case minMaxMax16:
		max16Neon(p)
	default:
		min16Neon(p)
	}
}

// mulSIMD: MulInt8 has a NEON kernel, 16 values a step.
const mulSIMD, mulStep = true, 16

// mulNeon holds mulInt8Neon's constants (gen_arm64.go's mulInt8), each a
// 16-byte vector, in the order the kernel loads them into V20-V27
// (TestMulNeonLayout checks it): the input offsets, the left shift, the
// multiplier, the TFLite exponent −right (SRSHL by a negative amount is
// the rounding right shift; negative marks right >= 1 for the sign
// fix-up), the output offset and the clamp.
type mulNeon struct {
	off1, off2  [8]int16
	left, m, sh [4]int32
	off         [4]int32
	lo, hi      [16]int8
}

//go:noescape
func mulInt8Neon(out, a, b *int8, n int, c *mulNeon)

func mulKernel(p *mulArgs) {
	var c mulNeon
	for j := range 8 {
		c.off1[j], c.off2[j] = int16(p.off1), int16(p.off2)
	}
	for j := range 4 {
		c.left[j], c.m[j], c.sh[j], c.off[j] = p.left, p.mult, -p.right, p.off
	}
	for j := range 16 {
		c.lo[j], c.hi[j] = int8(p.lo), int8(p.hi)
	}
	mulInt8Neon(p.out, p.a, p.b, p.n, &c)
}

// mul512Step and mul512Kernel: no AVX-512 MUL kernel on arm64 (no Impl
// sets bw512).
const mul512Step = 32

func mul512Kernel(p *mulArgs) { panic("asm: no AVX-512 MUL kernel in this build") }
