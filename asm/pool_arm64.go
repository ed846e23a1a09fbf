//go:build !purego

package asm

// Go side of the arm64 max-pool and min/max kernels (pool_arm64.s,
// written by gen_arm64.go); the neon and dotprod Impls share them.

//go:noescape
func maxPool8Neon(p *poolArgs)

//go:noescape
func maxPool16Neon(p *poolArgs)

//go:noescape
func max8Neon(p *minMaxArgs)

//go:noescape
func min8Neon(p *minMaxArgs)

//go:noescape
func max16Neon(p *minMaxArgs)

//go:noescape
func min16Neon(p *minMaxArgs)

// avgPoolSIMD: arm64 has no average-pool kernel yet (the generic loop
// runs).
const avgPoolSIMD = false

func poolKernel(kind int, p *poolArgs) {
	if kind == poolAvg8 || kind == poolAvg16 {
		panic("asm: no arm64 average-pool kernel")
	}
	if kind == poolMax16 {
		maxPool16Neon(p)
	} else {
		maxPool8Neon(p)
	}
}

func minMaxKernel(kind int, p *minMaxArgs) {
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

// mulSIMD: arm64 has no MUL kernel yet (the generic loop runs).
const mulSIMD = false

func mulKernel(p *mulArgs) { panic("asm: no arm64 MUL kernel") }
