//go:build !purego

package asm

import "github.com/klauspost/cpuid/v2"

// registerArch registers the arm64 SIMD kernels: "neon" (Advanced SIMD is
// part of every ARMv8-A CPU Go runs on) and "dotprod" (SDOT, an ARMv8.2
// option: Cortex-A55/A75 and later, Apple M1 and later, Neoverse), found
// by cpuid from the kernel's HWCAP bits.
func registerArch() {
	neonReason := "Advanced SIMD (always present on arm64)"
	if !cpuid.CPU.Supports(cpuid.ASIMD) {
		// cpuid could not read the features (no HWCAP); arm64 has it anyway.
		neonReason = "Advanced SIMD (arm64 baseline; cpuid did not report ASIMD)"
	}
	register(&Impl{Name: "neon", Available: true, Reason: neonReason,
		gemm: armGemm{}, dw: armDepthwise{}, copyRows: copyRowsNeon, addInt8: addInt8NeonGo,
		g16: gemm16Impl{nr: 8, kernel: g16Neon}, rowSums: rowSumsNeon, timeDots16: timeDots16Neon, timeDots8: timeDots8Neon, rescale32: rescale32NeonGo, rescaleInt16: rescaleInt16NeonGo, lookup8: lookup8NeonGo,
		minMax8: minMax8NeonGo, sumTable: sumTableNeonGo, softmaxTable8: softmaxTable8NeonGo, pool: true})
	dot := &Impl{Name: "dotprod", gemm: armGemm{dot: true}, dw: armDepthwise{dot: true},
		copyRows: copyRowsNeon, addInt8: addInt8NeonGo, g16: gemm16Impl{nr: 8, kernel: g16Neon},
		rowSums: rowSumsNeon, timeDots16: timeDots16Neon, timeDots8: timeDots8Neon, rescale32: rescale32NeonGo, rescaleInt16: rescaleInt16NeonGo, lookup8: lookup8NeonGo, minMax8: minMax8NeonGo, sumTable: sumTableNeonGo, softmaxTable8: softmaxTable8NeonGo, pool: true}
	if cpuid.CPU.Supports(cpuid.ASIMDDP) {
		dot.Available, dot.Reason = true, "SDOT dot-product extension (ASIMDDP)"
	} else {
		dot.Reason = "CPU lacks the dot-product extension (no ASIMDDP)"
	}
	register(dot)
}
