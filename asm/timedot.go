package asm

import "fmt"

// SVDF's time step (TFLite Micro's EvalIntegerSvdfReference, step 3 as
// ops/svdf.go folds it): for each filter f of a state row laid out
// [filters][memory],
//
//	t[f] = Σ_{j<memory} w[f][j]·s[f·memory + j] − off[f]
//
// in wrapping int32 arithmetic (timeDotsRef), w and s int16 (or s int8).
// The SIMD kernels take four filters a step, eight values of each a
// chunk: the weights are packed per group of four filters as
// [chunk][filter][8], each filter's row zero-padded from memory to a
// whole number of chunks. The state is not padded, so a filter's last
// chunk reads past its row into the next filter's values (or a later
// batch row's), which the zero weights cancel; the Go side gives the
// kernels only the groups whose reads stay inside the slice.
//
// Products of two int16 are exact in int32 and the sums wrap, so any
// grouping of the additions gives the same int32. (amd64's VPMADDWD adds
// a pair of products in int32: its one overflow, two (-32768)² products,
// wraps to the same value.)

// TimeWeights is an SVDF's time weights and per-filter offsets, prepared
// (NewTimeWeights) for every implementation of TimeDots16 and TimeDots8.
// Read-only afterwards.
type TimeWeights struct {
	filters, memory int
	chunks          int     // memory in chunks of 8 values, rounded up
	w               []int32 // [filters][memory], for the Go code
	packed          []int16 // [ceil(filters/4)][chunks][4][8], zero padded
	off             []int32 // [filters]
}

// NewTimeWeights prepares the [filters][memory] weights w (int16 values)
// and the offsets off [filters]. It panics on sizes that do not fit or a
// weight outside int16.
func NewTimeWeights(w []int32, filters, memory int, off []int32) *TimeWeights {
	if filters < 1 || memory < 1 || len(w) != filters*memory || len(off) != filters {
		panic(fmt.Sprintf("asm: time weights %d values for %d filters x %d, %d offsets", len(w), filters, memory, len(off)))
	}
	chunks := (memory + 7) / 8
	tw := &TimeWeights{filters: filters, memory: memory, chunks: chunks,
		w: append([]int32(nil), w...), off: append([]int32(nil), off...),
		packed: make([]int16, (filters+3)/4*chunks*32)}
	for f := 0; f < filters; f++ {
		for j, v := range w[f*memory:][:memory] {
			if v < -1<<15 || v >= 1<<15 {
				panic(fmt.Sprintf("asm: time weight %d outside int16", v))
			}
			tw.packed[((f/4*chunks+j/8)*4+f%4)*8+j%8] = int16(v)
		}
	}
	return tw
}

// TimeDots16 sets t[f] for every filter f < filters from the state row s
// (len(s) >= filters·memory; values past it may follow, see above). It
// does not allocate.
func (impl *Impl) TimeDots16(tw *TimeWeights, s []int16, t []int32) {
	timeDots(tw, s, t, impl.timeDots16)
}

// TimeDots8 is TimeDots16 for an int8 state.
func (impl *Impl) TimeDots8(tw *TimeWeights, s []int8, t []int32) {
	timeDots(tw, s, t, impl.timeDots8)
}

// timeDots gives the kernel (nil: none) the groups of four filters it
// may take, then runs the rest in Go.
func timeDots[S int8 | int16](tw *TimeWeights, s []S, t []int32, kernel func(*TimeWeights, []S, []int32, int)) {
	_ = s[tw.filters*tw.memory-1]
	_ = t[tw.filters-1]
	g := 0
	if kernel != nil {
		if g = tw.safeGroups(len(s)); g > 0 {
			kernel(tw, s, t, g)
		}
	}
	timeDotsFrom(tw, s, t, 4*g)
}

// timeDotsFrom is the Go code for filters [from, filters): per filter,
// two sums of two products a step, so that the additions do not all wait
// on each other (four sums spilled to the stack; a call per filter cost
// more than a memory of 8's products).
func timeDotsFrom[S int8 | int16](tw *TimeWeights, s []S, t []int32, from int) {
	m := tw.memory
	for f := from; f < tw.filters; f++ {
		w, v := tw.w[f*m:][:m], s[f*m:][:m]
		var a, b int32
		j := 0
		for ; j+4 <= len(w); j += 4 {
			w4, v4 := w[j:j+4:j+4], v[j:j+4:j+4]
			a += w4[0]*int32(v4[0]) + w4[2]*int32(v4[2])
			b += w4[1]*int32(v4[1]) + w4[3]*int32(v4[3])
		}
		for ; j < len(w); j++ {
			a += w[j] * int32(v[j])
		}
		t[f] = a + b - tw.off[f]
	}
}

// safeGroups is how many whole groups of four filters the kernels may
// take from a state of n values: filter f reads s[f·memory, f·memory +
// 8·chunks).
func (tw *TimeWeights) safeGroups(n int) int {
	span := 8 * tw.chunks
	if n < span {
		return 0
	}
	filters := min((n-span)/tw.memory+1, tw.filters)
	return filters / 4
}

// timeDotsRef is the definition: t[f] = Σ_j w[f][j]·s[f·memory+j] − off[f].
func timeDotsRef[S int8 | int16](w []int32, filters, memory int, off []int32, s []S, t []int32) {
	for f := 0; f < filters; f++ {
		var sum int32
		for j := 0; j < memory; j++ {
			sum += w[f*memory+j] * int32(s[f*memory+j])
		}
		t[f] = sum - off[f]
	}
}
