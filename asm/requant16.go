package asm

// Requant16 is the 16x8 ops' 64-bit output stage on exact int32 sums, per
// channel c (TFLite's MultiplyByQuantizedMultiplier for int64 inputs,
// with its multiplier rounded to 16 bits, red, and its shift turned into
// total = 15 - shift, both folded by the op at prepare):
//
//	out[c] = clamp(int32((acc[c]·red[c] + off[c]) >> total[c]), lo, hi)
//
// in wrapping int64 arithmetic, off[c] holding bias·red + 2^(total-1).
// The amd64 kernel works on 8 channels a step: VPMULDQ for the even and
// odd channels' 64-bit products, and, AVX2 having no 64-bit arithmetic
// shift, (x + 2^63) >>> total − 2^(63−total), which is x >> total.
type Requant16 struct {
	red, off []int64
	total    []uint
	lo, hi   int32
	// packed: per group of 8 channels, 32 qwords: red, off + 2^63, total
	// and 2^(63−total), each as 4 even channels then 4 odd ones.
	packed []int64
}

// rq16Args is one call of the amd64 requant16 kernel: rows >= 1 rows of n
// channels, a multiple of 8, back to back in acc and out.
type rq16Args struct {
	acc    *int32
	c      *int64
	n      int
	rows   int
	out    *int16
	lo, hi int32
	// The avx512vnni kernel reads the plain constants (len n).
	red, off *int64
	total    *uint
}

// NewRequant16 returns the output stage of the given per-channel
// constants (red in [0, 2^15), total in [1, 46]; panics otherwise), and
// clamp [lo, hi] within int16.
func NewRequant16(red, off []int64, total []uint, lo, hi int32) *Requant16 {
	n := len(red)
	r := &Requant16{red: red[:n], off: off[:n], total: total[:n], lo: lo, hi: hi, packed: make([]int64, n/8*32)}
	for c := 0; c < n; c++ {
		if red[c] < 0 || red[c] >= 1<<15 || total[c] < 1 || total[c] > 46 {
			panic("asm: requant16 constants out of range")
		}
	}
	for g := 0; g < n/8; g++ {
		p := r.packed[g*32:][:32]
		for j := 0; j < 8; j++ {
			c := 8*g + j
			i := j/2 + 4*(j%2) // even channels first, then odd
			p[i] = red[c]
			p[8+i] = off[c] + -1<<63
			p[16+i] = int64(total[c])
			p[24+i] = int64(1) << (63 - total[c])
		}
	}
	return r
}

// Requant16 writes out[c] for c < len(acc) (at most the channels r was
// made for). It does not allocate.
func (impl *Impl) Requant16(acc []int32, r *Requant16, out []int16) {
	n := len(acc)
	out = out[:n]
	_ = r.red[n-1]
	v := n &^ 7
	if v > 0 && impl.g16.kernel != 0 && requant16Call(impl.g16.kernel, &rq16Args{acc: &acc[0], c: &r.packed[0], n: v, rows: 1, out: &out[0], lo: r.lo, hi: r.hi,
		red: &r.red[0], off: &r.off[0], total: &r.total[0]}) {
		acc, out = acc[v:], out[v:]
	} else {
		v = 0
	}
	red, off, total := r.red[v:][:len(acc)], r.off[v:][:len(acc)], r.total[v:][:len(acc)]
	for c, a := range acc {
		x := int32((int64(a)*red[c] + off[c]) >> (total[c] & 63))
		out[c] = int16(min(max(x, r.lo), r.hi))
	}
}

// Requant16Rows is Requant16 on rows rows of C channels back to back
// (acc and out of rows·C values, C the channels r was made for).
func (impl *Impl) Requant16Rows(acc []int32, r *Requant16, out []int16, rows int) {
	c := len(r.red)
	if rows < 1 {
		return
	}
	acc, out = acc[:rows*c], out[:rows*c]
	if c%8 == 0 && impl.g16.kernel != 0 &&
		requant16Call(impl.g16.kernel, &rq16Args{acc: &acc[0], c: &r.packed[0], n: c, rows: rows, out: &out[0], lo: r.lo, hi: r.hi,
			red: &r.red[0], off: &r.off[0], total: &r.total[0]}) {
		return
	}
	for i := 0; i < rows; i++ {
		impl.Requant16(acc[i*c:][:c], r, out[i*c:][:c])
	}
}
