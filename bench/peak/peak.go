// Package peak measures the machine's multiply-accumulate peak: bare
// loops of independent dot-product instructions, no loads, no
// dependencies between iterations but each accumulator's own chain. A
// kernel's GMAC/s divided by its loop's GMAC/s, measured in the same run,
// is its share of peak — a ratio that survives a noisy, shared machine
// where absolute figures do not (issue 15: "measure the peak in the same
// run"). Used by bench's BenchmarkPeak and the per-model peak report.
//
// Each loop is the instruction the matching kernels are built on:
//
//	vnni512  VPDPBUSD zmm (AVX-512 VNNI): 64 u8×s8 MACs per instruction
//	avxvnni  VPDPBUSD ymm, VEX (AVX-VNNI): 32 MACs per instruction
//	avx2     VPMADDWD ymm + VPADDD: 16 int16 MACs, the exact int8 path
//	sdot     SDOT v.4s (arm64 dot product): 16 MACs per instruction
//	neon     SMLAL/SMLAL2 v.8h (arm64 without SDOT): 8 MACs each
//
// Every loop also computes something checkable: the accumulators start at
// zero and are summed at the end into one vector of int32 lanes, which
// the tests compare with the same sums done in Go, so a loop that does not
// execute the instruction it claims cannot pass.
package peak

// Source holds a loop's two operand vectors: A (bytes 0-63) and B (bytes
// 64-127), read as the instruction reads them (u8 and s8 for VPDPBUSD,
// int16 for VPMADDWD, s8 for SDOT and SMLAL).
type Source [128]byte

// Lanes is a loop's result: the sum of its accumulators, int32 lanes.
type Lanes [16]int32

// Loop is one peak loop.
type Loop struct {
	// Name is the loop's name (see the package comment).
	Name string
	// Available reports whether this CPU (and build) can run it.
	Available bool
	// MACsPerIter is the multiply-accumulates of one iteration.
	MACsPerIter int64
	// Accumulators is the number of independent accumulator registers.
	Accumulators int
	// Lanes is the number of int32 lanes of the result.
	Lanes int
	// wrap16: the accumulators are int16 lanes (widened at the end), so
	// the sums wrap at 16 bits.
	wrap16 bool

	run func(iters int, src *Source, out *Lanes)
	// ref is the Go model of one instruction on one int32 lane l.
	ref func(src *Source, l int) int32
}

// Run runs iters iterations (iters ≥ 1) and stores the summed
// accumulators into out.
func (l *Loop) Run(iters int, src *Source, out *Lanes) {
	if iters < 1 {
		iters = 1
	}
	*out = Lanes{}
	l.run(iters, src, out)
}

// Expect is what Run(iters, src, out) must store: each lane is
// iters·Accumulators times one instruction's contribution, in int32
// arithmetic (wrapping as the registers do).
func (l *Loop) Expect(iters int, src *Source) Lanes {
	var e Lanes
	n := int32(iters * l.Accumulators)
	for i := 0; i < l.Lanes; i++ {
		e[i] = n * l.ref(src, i)
		if l.wrap16 {
			e[i] = int32(int16(e[i]))
		}
	}
	return e
}

// Loops returns the loops of this GOARCH, available or not.
func Loops() []*Loop { return loops() }

// dotU8S8 is VPDPBUSD's contribution to lane l: four u8×s8 products.
func dotU8S8(src *Source, l int) int32 {
	var s int32
	for j := 0; j < 4; j++ {
		s += int32(src[4*l+j]) * int32(int8(src[64+4*l+j]))
	}
	return s
}

// dotS8S8 is SDOT's contribution to lane l: four s8×s8 products.
func dotS8S8(src *Source, l int) int32 {
	var s int32
	for j := 0; j < 4; j++ {
		s += int32(int8(src[4*l+j])) * int32(int8(src[64+4*l+j]))
	}
	return s
}

// maddWD is VPMADDWD's contribution to lane l: two int16 products, summed
// with int32 wrap (only -32768² twice wraps).
func maddWD(src *Source, l int) int32 {
	a0 := int32(int16(uint16(src[4*l]) | uint16(src[4*l+1])<<8))
	a1 := int32(int16(uint16(src[4*l+2]) | uint16(src[4*l+3])<<8))
	b0 := int32(int16(uint16(src[64+4*l]) | uint16(src[64+4*l+1])<<8))
	b1 := int32(int16(uint16(src[64+4*l+2]) | uint16(src[64+4*l+3])<<8))
	return a0*b0 + a1*b1
}

// smlal8H is the contribution of one SMLAL (low 8 bytes) and one SMLAL2
// (high 8 bytes) to int16 lane l, the int32 lane l of the widened result.
func smlal8H(src *Source, l int) int32 {
	lo := int32(int8(src[l])) * int32(int8(src[64+l]))
	hi := int32(int8(src[8+l])) * int32(int8(src[64+8+l]))
	return lo + hi
}
