//go:build purego || !(amd64 || arm64)

package asm

// poolKernel and minMaxKernel: this build has no SIMD kernels (no Impl
// sets pool, so they are never called).
const avgPoolSIMD = false

func poolKernel(kind int, p *poolArgs) { panic("asm: no SIMD pool kernels in this build") }

func minMaxKernel(kind int, p *pairMinMaxArgs) { panic("asm: no SIMD min/max kernels in this build") }

const mulSIMD, mulStep = false, 8

func mulKernel(p *mulArgs) { panic("asm: no SIMD MUL kernel in this build") }

// mul512Step and mul512Kernel: no AVX-512 MUL kernel on this build (no Impl
// sets bw512).
const mul512Step = 32

func mul512Kernel(p *mulArgs) { panic("asm: no AVX-512 MUL kernel in this build") }
