package asm

import "unsafe"

// The 16x8 GEMM: int16 activations times int8 weights (sign-extended to
// int16 when packed), exact sums for the ops' 64-bit requantization.
//
// Gemm16 computes, for every row r < m and column c < w.N,
//
//	acc[r·ldc + c] = Σ_{k<K} a[r·lda + k] · W[c][k]      (exact, int64)
//
// The kernels sum in int32, which is exact while a sum has magnitude below
// 2^31: a product is at most 2^15·2^7 = 2^22 in magnitude, so a column
// whose Σ_k |W[c][k]| is below 2^16 sums exactly over any K, and any 256
// products sum exactly whatever the weights. PackMatrix16 proves the first
// bound per panel of columns; a panel that fails it is summed in blocks of
// gemm16Block k-pairs, each block's int32 sums widened and added in int64.
//
// Layout (every Impl, with its panel width NR): the columns in panels of
// NR (the last one padded with zero columns), per panel the K/2 k-pairs,
// per pair the NR columns' (W[c][2j], W[c][2j+1]): an int16 pair whose
// product with the activations' pair (a[2j], a[2j+1]) is one VPMADDWD
// lane, or two SMLAL lanes added pairwise. An odd K's last column of
// weights is kept apart (last) and added in Go.

// gemm16Block is the k-pairs of a block when a panel's bound fails:
// 128 pairs, 256 products of at most 2^22 each, at most 2^30.
const gemm16Block = 128

// gemm16MaxNR is the widest panel of any implementation (avx512vnni).
const gemm16MaxNR = 32

// PackedMatrix16 is an N×K int8 weight matrix packed for Gemm16 by one
// Impl; read-only once packed, shared by every interpreter of a model.
type PackedMatrix16 struct {
	N, K int
	nr   int     // panel width
	kp   int     // K/2: the packed k-pairs
	data []int16 // panels·kp·nr·2
	last []int16 // K odd: W[c][K-1] per column (len N)
	// data8 (implementations with gemm16Impl.row8): data as int8, for
	// the one-row kernel (half the bytes to stream).
	data8 []int8
	// block[p] is panel p's k-pairs per kernel call (kp when its columns'
	// absolute sums prove int32 exact, else gemm16Block).
	block []int
	// exact32: every column's Σ_k |W[c][k]| < 2^16 (see Exact32).
	exact32 bool
	impl    *Impl
	kernel  int // the gemm16 kernel kind (gemm16Impl.kernel or .narrow)
}

// gemm16Args is one call of a gemm16 kernel: four rows (a0..a3, the last
// repeated when fewer are wanted) of kp k-pairs against one panel at w,
// the 4×nr int32 sums stored to out (row stride nr). The asm kernels
// compute all four rows (the one-row kernels, taken when rows is 1, one);
// rows says how many the caller reads.
type gemm16Args struct {
	a0, a1, a2, a3 *int16
	w              *int16
	kp             int
	out            *int32
	ldo            int // bytes between out's rows
	rows           int
	nr             int
	w8             *int8 // the panel in data8 (rows 1, implementations with row8), else nil
}

// gemm16Impl is an implementation of Gemm16's kernel: its panel width,
// which kernels gemm16Call and dw16Call run (0: generic) and their
// depthwise layout.
type gemm16Impl struct {
	nr     int
	kernel int
	// dwWide: the depthwise16 weights are int32 lanes (w, 0).
	dwWide bool
	// dwPairs: full tap lists take the pairs kernel (dw16PairsCall).
	dwPairs bool
	// row8: PackMatrix16 keeps an int8 copy of the panels (data8) for the
	// one-row kernel.
	row8 bool
	// narrow, when not 0, is the kernel kind for matrices of at most 16
	// rows (N), packed in 16-column panels: half of an nr-32 panel would
	// be padding.
	narrow int
}

// PackMatrix16 packs the row-major N×K int8 matrix w (len n·k) for impl's
// Gemm16.
func (impl *Impl) PackMatrix16(w []int8, n, k int) *PackedMatrix16 {
	if n < 1 || k < 1 {
		panic("asm: empty 16x8 matrix")
	}
	w = w[:n*k]
	nr, kernel, row8 := impl.g16.nr, impl.g16.kernel, impl.g16.row8
	if impl.g16.narrow != 0 && n <= 16 {
		nr, kernel, row8 = 16, impl.g16.narrow, false
	}
	panels := (n + nr - 1) / nr
	p := &PackedMatrix16{N: n, K: k, nr: nr, kp: k / 2, impl: impl, kernel: kernel,
		data: make([]int16, panels*(k/2)*nr*2), block: make([]int, panels)}
	for c := 0; c < n; c++ {
		pan, j := c/nr, c%nr
		base := pan * p.kp * nr * 2
		for q := 0; q < p.kp; q++ {
			p.data[base+(q*nr+j)*2] = int16(w[c*k+2*q])
			p.data[base+(q*nr+j)*2+1] = int16(w[c*k+2*q+1])
		}
	}
	if row8 && p.kp > 0 {
		p.data8 = make([]int8, len(p.data))
		for i, v := range p.data {
			p.data8[i] = int8(v)
		}
	}
	if k%2 == 1 {
		p.last = make([]int16, n)
		for c := range p.last {
			p.last[c] = int16(w[c*k+k-1])
		}
	}
	p.exact32 = true
	for c := 0; c < n; c++ {
		var s int64
		for _, v := range w[c*k : (c+1)*k] {
			s += abs64(int64(v))
		}
		if s >= 1<<16 {
			p.exact32 = false
		}
	}
	for pan := range p.block {
		p.block[pan] = max(p.kp, 1)
		for c := pan * nr; c < min(n, (pan+1)*nr); c++ {
			var s int64
			for _, v := range w[c*k : c*k+2*p.kp] {
				s += abs64(int64(v))
			}
			if s*32768 >= 1<<31 {
				p.block[pan] = gemm16Block
			}
		}
	}
	return p
}

// Gemm16 sets acc[r·ldc + c] to the exact sum Σ_k a[r·lda + k]·W[c][k] for
// every r < m and c < w.N. w must have been packed by impl. It does not
// allocate.
func (impl *Impl) Gemm16(a []int16, lda, m int, w *PackedMatrix16, acc []int64, ldc int) {
	gemm16Run(impl, a, lda, m, w, acc, ldc, nil)
}

// Exact32 reports whether every column's sums fit int32 whatever the
// activations (Σ_k |W[c][k]| < 2^16), so that Gemm16Int32 may be used.
func (w *PackedMatrix16) Exact32() bool { return w.exact32 }

// Gemm16Int32 is Gemm16 with int32 sums, for a matrix that is Exact32
// (it panics otherwise).
func (impl *Impl) Gemm16Int32(a []int16, lda, m int, w *PackedMatrix16, acc []int32, ldc int) {
	if !w.exact32 {
		panic("asm: Gemm16Int32 on a matrix whose sums may leave int32")
	}
	gemm16Run(impl, a, lda, m, w, acc, ldc, acc)
}

// gemm16Run is Gemm16 and Gemm16Int32; acc32, when not nil, is acc as
// []int32, which whole-panel single-block sums are stored into directly.
func gemm16Run[T int32 | int64](impl *Impl, a []int16, lda, m int, w *PackedMatrix16, acc []T, ldc int, acc32 []int32) {
	if w.impl != impl {
		panic("asm: 16x8 matrix packed by " + w.impl.Name + ", used with " + impl.Name)
	}
	if m <= 0 {
		return
	}
	_ = a[(m-1)*lda+w.K-1]
	_ = acc[(m-1)*ldc+w.N-1]
	nr := w.nr
	var tile [4 * gemm16MaxNR]int32
	args := gemm16Args{nr: nr}
	direct := acc32 != nil
	for r0 := 0; r0 < m; r0 += 4 {
		mr := min(4, m-r0)
		args.rows = mr
		for p := 0; p*nr < w.N; p++ {
			c0 := p * nr
			nc := min(nr, w.N-c0)
			blk := w.block[p]
			for kb := 0; kb < w.kp; kb += blk {
				n := min(blk, w.kp-kb)
				row := func(i int) *int16 { return &a[(r0+min(i, mr-1))*lda+2*kb] }
				args.a0, args.a1, args.a2, args.a3 = row(0), row(1), row(2), row(3)
				args.w = &w.data[(p*w.kp+kb)*nr*2]
				args.w8 = nil
				if mr == 1 && w.data8 != nil {
					args.w8 = &w.data8[(p*w.kp+kb)*nr*2]
				}
				args.kp = n
				if direct && n == w.kp && nc == nr && (mr == 4 || mr == 1) {
					args.out, args.ldo = &acc32[r0*ldc+c0], 4*ldc
					gemm16Call(w.kernel, &args)
					continue
				}
				args.out, args.ldo = &tile[0], 4*nr
				gemm16Call(w.kernel, &args)
				for i := 0; i < mr; i++ {
					t := tile[i*nr:][:nc]
					o := acc[(r0+i)*ldc+c0:][:nc]
					if kb == 0 {
						for j, v := range t {
							o[j] = T(v)
						}
					} else {
						for j, v := range t {
							o[j] += T(v)
						}
					}
				}
			}
			if w.kp == 0 {
				for i := 0; i < mr; i++ {
					clear(acc[(r0+i)*ldc+c0:][:nc])
				}
			}
			if w.last != nil {
				l := w.last[c0:][:nc]
				for i := 0; i < mr; i++ {
					x := T(a[(r0+i)*lda+w.K-1])
					o := acc[(r0+i)*ldc+c0:][:nc]
					for j, v := range l {
						o[j] += x * T(v)
					}
				}
			}
		}
	}
}

// gemm16Ref is the reference of Gemm16 on a plain row-major N×K matrix.
func gemm16Ref(a []int16, lda, m int, w []int8, n, k int, acc []int64, ldc int) {
	for r := 0; r < m; r++ {
		for c := 0; c < n; c++ {
			var s int64
			for i := 0; i < k; i++ {
				s += int64(a[r*lda+i]) * int64(w[c*k+i])
			}
			acc[r*ldc+c] = s
		}
	}
}

// gemm16Generic is the generic kernel: rows p.rows of the tile, in Go.
func gemm16Generic(p *gemm16Args) {
	nr := p.nr
	w := unsafe.Slice(p.w, p.kp*nr*2)
	rows := [4]*int16{p.a0, p.a1, p.a2, p.a3}
	for i, r := range rows[:p.rows] {
		a := unsafe.Slice(r, 2*p.kp)
		o := unsafe.Slice((*int32)(unsafe.Add(unsafe.Pointer(p.out), i*p.ldo)), nr)
		for j := range o {
			var s0, s1 int32
			for q := 0; q < p.kp; q++ {
				s0 += int32(a[2*q]) * int32(w[(q*nr+j)*2])
				s1 += int32(a[2*q+1]) * int32(w[(q*nr+j)*2+1])
			}
			o[j] = s0 + s1
		}
	}
}
