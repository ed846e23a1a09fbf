//go:build !purego

package ticks

const counterName = "tsc"

// counter reads the time-stamp counter (LFENCE; RDTSC).
//
//go:noescape
func counter() int64

// cpuid executes CPUID with the given leaf and subleaf.
//
//go:noescape
func cpuid(leaf, sub uint32) (a, b, c, d uint32)

// counterUsable reports whether the TSC is invariant (CPUID 0x80000007
// EDX bit 8): it then ticks at one rate whatever the core's frequency or
// power state. (LFENCE and RDTSC are in SSE2 and the first Pentium, which
// every amd64 CPU has.)
func counterUsable() bool {
	if max, _, _, _ := cpuid(0x80000000, 0); max < 0x80000007 {
		return false
	}
	_, _, _, invariant := cpuid(0x80000007, 0)
	return invariant&(1<<8) != 0
}
