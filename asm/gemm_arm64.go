//go:build !purego

package asm

// The arm64 GEMM kernels (gemm_arm64.s, written by gen_arm64.go):
// gemmDotMR multiply with SDOT (dot-product extension), gemmNeonMR with
// SMULL/SMULL2/SADALP (every ARMv8 CPU); both compute MR ≤ 4 rows over
// whole 16-column panels and requantize in SIMD (gen_arm64.go's requant
// says why its instruction sequence is TFLite's rounding exactly).
//
// Packed layout, common to both: the N columns in panels of 16 (the last
// one, when N is not a multiple of 16, is columns N-16..N-1, overlapping
// the panel before: its columns are computed twice and written with the
// same values; when N < 16 the one panel is zero padded), each panel's K
// depths in chunks of 16 (the last one, when K is not a multiple of 16,
// is depths K-16..K-1 with zero weights where it overlaps the chunk
// before; when K < 16, the one chunk is zero padded and the activation
// rows are copied to a zero-padded buffer). A chunk is 256 bytes, in the
// order of the kernel that uses it (see gen_arm64.go):
//
//	neon: [column 16][depth 16]
//	dot:  [depth group 4][column 16][depth 4]
//
// So the kernels never read outside the activation rows, the epilogue
// arrays or the output rows, and never write outside the output.

// gemmArgs is one kernel call (offsets used by gemm_arm64.s via go_asm.h).
type gemmArgs struct {
	a          *int8 // activation row 0; rows at stride lda
	lda        int
	w          *int8 // first panel
	chunks     int   // 16-deep chunks before the tail chunk
	rewind     int   // 16 - K%16 when the tail chunk follows, else 0
	bias       *int32
	mult       *int32
	shift      *int32
	out        *int8 // output row 0; rows at stride ldo
	ldo        int
	panels     int // ≥ 1
	panelBytes int // 256 · chunks per panel
	off        int32
	lo, hi     int32
	rt         *int32 // the MR rows' terms: row r's sums start at rt[r]
	// relu, nonzero: no channel shifts left and the clamp starts at or
	// above off (clampsNegatives), so the kernels skip the left shift and
	// the negative values' decrement (gen_arm64.go's requantRelu).
	relu int
}

//go:noescape
func gemmDot1(p *gemmArgs)

//go:noescape
func gemmDot2(p *gemmArgs)

//go:noescape
func gemmDot3(p *gemmArgs)

//go:noescape
func gemmDot4(p *gemmArgs)

//go:noescape
func gemmNeon1(p *gemmArgs)

//go:noescape
func gemmNeon2(p *gemmArgs)

//go:noescape
func gemmNeon3(p *gemmArgs)

//go:noescape
func gemmNeon4(p *gemmArgs)

// armGemm is the arm64 GEMM: dot selects SDOT kernels and their layout.
type armGemm struct{ dot bool }

// gemmPanels returns the number of 16-column panels for n columns, and
// the first column of panel p.
func gemmPanels(n int) int { return (n + 15) / 16 }

func gemmPanelStart(p, n int) int {
	if n <= 16 {
		return 0
	}
	return min(16*p, n-16)
}

// gemmChunks returns the number of 16-deep chunks for depth k, and the
// first depth of chunk c.
func gemmChunks(k int) int { return (k + 15) / 16 }

func gemmChunkStart(c, k int) int {
	if k <= 16 {
		return 0
	}
	return min(16*c, k-16)
}

func (g armGemm) pack(w []int8, n, k int) *PackedMatrix {
	np, nc := gemmPanels(n), gemmChunks(k)
	data := make([]int8, np*nc*256)
	for p := 0; p < np; p++ {
		c0 := gemmPanelStart(p, n)
		for ch := 0; ch < nc; ch++ {
			k0 := gemmChunkStart(ch, k)
			chunk := data[(p*nc+ch)*256:][:256]
			for j := 0; j < 16; j++ {
				col := c0 + j
				if col >= n {
					break
				}
				for i := 0; i < 16; i++ {
					d := k0 + i
					// Depths the chunk before already covered, and past K, stay 0.
					if d < 16*ch || d >= k {
						continue
					}
					if g.dot {
						chunk[(i/4)*64+j*4+i%4] = w[col*k+d]
					} else {
						chunk[j*16+i] = w[col*k+d]
					}
				}
			}
		}
	}
	return &PackedMatrix{N: n, K: k, Data: data}
}

// gemmKernel calls the kernel for mr rows. Direct calls: a call through a
// function value would make p escape, and Gemm must not allocate.
func (g armGemm) kernel(mr int, p *gemmArgs) {
	if g.dot {
		switch mr {
		case 1:
			gemmDot1(p)
		case 2:
			gemmDot2(p)
		case 3:
			gemmDot3(p)
		default:
			gemmDot4(p)
		}
		return
	}
	switch mr {
	case 1:
		gemmNeon1(p)
	case 2:
		gemmNeon2(p)
	case 3:
		gemmNeon3(p)
	default:
		gemmNeon4(p)
	}
}

func (g armGemm) gemm(a []int8, lda, m int, w *PackedMatrix, e *Epilogue, out []int8, ldo int, rt []int32) {
	n, k := w.N, w.K
	nc := gemmChunks(k)
	p := gemmArgs{
		lda:        lda,
		chunks:     k / 16,
		panelBytes: 256 * nc,
		off:        e.outOffset,
		lo:         e.lo,
		hi:         e.hi,
	}
	if e.simple && clampsNegatives(e) {
		p.relu = 1
	}
	if k%16 != 0 {
		p.rewind = 16 - k%16
	}
	// K < 16: rows copied into a zero-padded buffer.
	var abuf [4 * 16]int8
	if k < 16 {
		p.lda, p.chunks, p.rewind = 16, 1, 0
	}
	// N < 16: the epilogue arrays zero padded, the output through a buffer.
	var bias, mult, shift [16]int32
	var obuf [4 * 16]int8
	full := n / 16
	if n < 16 {
		copy(bias[:], e.bias[:n])
		copy(mult[:], e.mult[:n])
		copy(shift[:], e.shift[:n])
	}
	var zrt [4]int32 // Gemm's row terms
	p.rt = &zrt[0]
	for r0 := 0; r0 < m; r0 += 4 {
		mr := min(4, m-r0)
		p.a = &a[r0*lda]
		if rt != nil {
			p.rt = &rt[r0]
		}
		if k < 16 {
			for r := 0; r < mr; r++ {
				copy(abuf[16*r:16*r+k], a[(r0+r)*lda:])
			}
			p.a = &abuf[0]
		}
		if full > 0 {
			p.w, p.panels = &w.Data[0], full
			p.bias, p.mult, p.shift = &e.bias[0], &e.mult[0], &e.shift[0]
			p.out, p.ldo = &out[r0*ldo], ldo
			g.kernel(mr, &p)
		}
		switch {
		case n < 16:
			p.w, p.panels = &w.Data[0], 1
			p.bias, p.mult, p.shift = &bias[0], &mult[0], &shift[0]
			p.out, p.ldo = &obuf[0], 16
			g.kernel(mr, &p)
			for r := 0; r < mr; r++ {
				copy(out[(r0+r)*ldo:][:n], obuf[16*r:])
			}
		case n%16 != 0:
			// The last panel: columns n-16..n-1.
			p.w, p.panels = &w.Data[full*p.panelBytes], 1
			p.bias, p.mult, p.shift = &e.bias[n-16], &e.mult[n-16], &e.shift[n-16]
			p.out, p.ldo = &out[r0*ldo+n-16], ldo
			g.kernel(mr, &p)
		}
	}
}
