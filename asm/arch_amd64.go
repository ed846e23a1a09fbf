//go:build !purego

package asm

import (
	"strings"

	"github.com/klauspost/cpuid/v2"
)

// registerArch registers the amd64 SIMD kernels: avx2 (AVX2 with exact
// int16 VPMADDWD products) and avx512vnni (AVX-512 F/BW/DQ/VL with VNNI's
// VPDPBUSD). cpuid reports a feature only when the OS also saves the
// vector registers it needs (XGETBV), so an available Impl is runnable.
func registerArch() {
	register(&Impl{Name: "avx2", gemm: avx2Gemm{}, dw: avx2Depthwise{}, copyRows: copyRowsAVX2, addInt8: addInt8AVX2Go,
		g16: gemm16Impl{nr: 16, kernel: g16AVX2, dwWide: true}, pool: true})
	impls[len(impls)-1].Available, impls[len(impls)-1].Reason = features(cpuid.AVX2, cpuid.BMI2)
	register(&Impl{Name: "avx512vnni", gemm: vnniGemm{}, dw: avx512Depthwise{}, copyRows: copyRowsAVX2,
		addInt8: addInt8AVX512Go, g16: gemm16Impl{nr: 32, kernel: g16VNNI, dwWide: true}, pool: true})
	impls[len(impls)-1].Available, impls[len(impls)-1].Reason = features(cpuid.AVX2, cpuid.BMI2,
		cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512DQ, cpuid.AVX512VL, cpuid.AVX512VNNI)
}

// features reports whether the CPU (and OS) support every feature, and
// says which were found or are missing.
func features(ids ...cpuid.FeatureID) (bool, string) {
	var missing, names []string
	for _, id := range ids {
		names = append(names, id.String())
		if !cpuid.CPU.Supports(id) {
			missing = append(missing, id.String())
		}
	}
	if len(missing) > 0 {
		return false, "CPU or OS lacks " + strings.Join(missing, ", ")
	}
	return true, "CPU has " + strings.Join(names, ", ")
}
