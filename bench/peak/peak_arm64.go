//go:build !purego

package peak

import "github.com/klauspost/cpuid/v2"

//go:noescape
func sdotLoop(iters int, src *Source, out *Lanes)

//go:noescape
func neonLoop(iters int, src *Source, out *Lanes)

func loops() []*Loop {
	return []*Loop{
		{Name: "neon", Available: cpuid.CPU.Supports(cpuid.ASIMD),
			MACsPerIter: 16 * 8, Accumulators: 8, Lanes: 8, wrap16: true, run: neonLoop, ref: smlal8H},
		{Name: "sdot", Available: cpuid.CPU.Supports(cpuid.ASIMD, cpuid.ASIMDDP),
			MACsPerIter: 16 * 16, Accumulators: 16, Lanes: 4, run: sdotLoop, ref: dotS8S8},
	}
}
