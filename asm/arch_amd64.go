//go:build !purego

package asm

import (
	"strings"

	"github.com/klauspost/cpuid/v2"
)

// registerArch registers the amd64 SIMD kernels, best last: avx2 (AVX2
// with exact int16 VPMADDWD products), avxvnni (AVX2 with the VEX
// VPDPBUSD and VPDPWSSD of AVX-VNNI on ymm registers, for CPUs without
// AVX-512: avx2's kernels but the int8, int32 and 16x8 GEMMs and the 16x8
// depthwise) and avx512vnni (AVX-512 F/BW/DQ/VL with VNNI's VPDPBUSD).
// cpuid reports a feature only when the OS also saves the vector
// registers it needs (XGETBV), so an available Impl is runnable.
func registerArch() {
	register(&Impl{Name: "avx2", gemm: avx2Gemm{}, dw: avx2Depthwise{}, copyRows: copyRowsAVX2, addInt8: addInt8AVX2Go,
		g16: gemm16Impl{nr: 16, kernel: g16AVX2, dwWide: true}, lstm: lstmCellAVX2, rowSums: rowSumsAVX2, timeDots16: timeDots16AVX2, timeDots8: timeDots8AVX2, rescale32: rescale32AVX2, rescaleInt16: rescaleInt16AVX2,
		lookup8: lookup8AVX2Go, minMax8: minMax8AVX2Go, sumTable: sumTableAVX2Go, softmaxTable8: softmaxTable8AVX2, pool: true})
	impls[len(impls)-1].Available, impls[len(impls)-1].Reason = features(cpuid.AVX2, cpuid.BMI2)
	register(&Impl{Name: "avxvnni", gemm: avxvnniGemm{}, dw: avx2Depthwise{}, copyRows: copyRowsAVX2, addInt8: addInt8AVX2Go,
		g16: gemm16Impl{nr: 16, kernel: g16AVXVNNI, dwWide: true}, lstm: lstmCellAVX2, rowSums: rowSumsAVX2, timeDots16: timeDots16AVX2, timeDots8: timeDots8AVX2, rescale32: rescale32AVX2, rescaleInt16: rescaleInt16AVX2,
		lookup8: lookup8AVX2Go, minMax8: minMax8AVX2Go, sumTable: sumTableAVX2Go, softmaxTable8: softmaxTable8AVX2, pool: true})
	impls[len(impls)-1].Available, impls[len(impls)-1].Reason = features(cpuid.AVX2, cpuid.BMI2, cpuid.AVXVNNI)
	register(&Impl{Name: "avx512vnni", gemm: vnniGemm{}, dw: avx512Depthwise{}, copyRows: copyRowsAVX2,
		addInt8: addInt8AVX512Go, g16: gemm16Impl{nr: 32, kernel: g16VNNI, narrow: g16VNNINarrow, dwWide: true, dwPairs: true, row8: true},
		lstm: lstmCellAVX512, rowSums: rowSumsAVX2, timeDots16: timeDots16AVX2, timeDots8: timeDots8AVX2, rescale32: rescale32AVX2, rescaleInt16: rescaleInt16AVX2, lookup8: lookup8AVX512(), minMax8: minMax8AVX2Go, sumTable: sumTableAVX512(), softmaxTable8: softmaxTable8AVX512, softmaxRows: softmaxRowsAVX512Kernel(), pool: true, bw512: true})
	impls[len(impls)-1].Available, impls[len(impls)-1].Reason = features(cpuid.AVX2, cpuid.BMI2,
		cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512DQ, cpuid.AVX512VL, cpuid.AVX512VNNI)
	// The avx512vnni ADD runs addInt8VBMI (byte-plane tables) where the
	// CPU also has VBMI and the AddParams have its tables.
	wantAddVBMI, _ = features(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VBMI, cpuid.BMI2)
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

// sumTableAVX512 is the avx512vnni implementation's SumTable: VBMI byte
// planes where the CPU has VBMI, else the AVX2 gather.
func sumTableAVX512() func(row []int8, top int8, e *SoftmaxExp) int64 {
	if ok, _ := features(cpuid.AVX512VBMI, cpuid.AVX512BW, cpuid.BMI2); ok {
		return sumTableVBMIGo
	}
	return sumTableAVX2Go
}

// lookup8AVX512 is the avx512vnni implementation's table lookup: VBMI's
// VPERMI2B where the CPU has it (a separate feature: Ice Lake, Zen 4 and
// later), else the AVX2 kernel.
func lookup8AVX512() func(out, in *int8, n int, t *Table8) {
	if ok, _ := features(cpuid.AVX512VBMI, cpuid.AVX512BW, cpuid.BMI2); ok {
		return lookup8VBMIGo
	}
	return lookup8AVX2Go
}

// softmaxRowsAVX512Kernel: the avx512vnni implementation's SoftmaxRows8
// kernel where the CPU also has VBMI (the transpositions' VPERMI2B) and CD
// (VPLZCNTD, the reciprocal's normalisation); nil elsewhere.
func softmaxRowsAVX512Kernel() func(out, in []int8, blocks int, p *SoftmaxRows8, e *SoftmaxOutExp) {
	if ok, _ := features(cpuid.AVX512VBMI, cpuid.AVX512CD, cpuid.AVX512BW); ok {
		return softmaxRowsAVX512Go
	}
	return nil
}
