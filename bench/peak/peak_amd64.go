//go:build !purego

package peak

import "github.com/klauspost/cpuid/v2"

//go:noescape
func avx2Loop(iters int, src *Source, out *Lanes)

//go:noescape
func avxvnniLoop(iters int, src *Source, out *Lanes)

//go:noescape
func vnni512Loop(iters int, src *Source, out *Lanes)

func loops() []*Loop {
	return []*Loop{
		{Name: "avx2", Available: cpuid.CPU.Supports(cpuid.AVX2),
			MACsPerIter: 6 * 16, Accumulators: 6, Lanes: 8, run: avx2Loop, ref: maddWD},
		{Name: "avxvnni", Available: cpuid.CPU.Supports(cpuid.AVX2, cpuid.AVXVNNI),
			MACsPerIter: 12 * 32, Accumulators: 12, Lanes: 8, run: avxvnniLoop, ref: dotU8S8},
		{Name: "vnni512", Available: cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512VNNI),
			MACsPerIter: 16 * 64, Accumulators: 16, Lanes: 16, run: vnni512Loop, ref: dotU8S8},
	}
}
