//go:build !purego

package asm

// Go side of the arm64 int32-output GEMM kernels (gemm32_arm64.s, written
// by gen_arm64.go's gemm32File): the int8 GEMM's packed layout and row
// blocks (gemm_arm64.go), the sums stored as int32.

// gemm32Args is one kernel call (offsets used by gemm32_arm64.s via
// go_asm.h).
type gemm32Args struct {
	a          *int8 // activation row 0; rows at stride lda
	lda        int
	w          *int8 // first panel
	chunks     int   // 16-deep chunks before the tail chunk
	rewind     int   // 16 - K%16 when the tail chunk follows, else 0
	out        *int32
	ldo        int // output row stride in bytes
	panels     int // ≥ 1
	panelBytes int // 256 · chunks per panel
}

//go:noescape
func gemm32Dot1(p *gemm32Args)

//go:noescape
func gemm32Dot2(p *gemm32Args)

//go:noescape
func gemm32Dot3(p *gemm32Args)

//go:noescape
func gemm32Dot4(p *gemm32Args)

//go:noescape
func gemm32Neon1(p *gemm32Args)

//go:noescape
func gemm32Neon2(p *gemm32Args)

//go:noescape
func gemm32Neon3(p *gemm32Args)

//go:noescape
func gemm32Neon4(p *gemm32Args)

// kernel32 calls the int32-output kernel for mr rows (direct calls, so
// that p does not escape).
func (g armGemm) kernel32(mr int, p *gemm32Args) {
	if g.dot {
		switch mr {
		case 1:
			gemm32Dot1(p)
		case 2:
			gemm32Dot2(p)
		case 3:
			gemm32Dot3(p)
		default:
			gemm32Dot4(p)
		}
		return
	}
	switch mr {
	case 1:
		gemm32Neon1(p)
	case 2:
		gemm32Neon2(p)
	case 3:
		gemm32Neon3(p)
	default:
		gemm32Neon4(p)
	}
}

func (g armGemm) gemm32(a []int8, lda, m int, w *PackedMatrix, out []int32, ldo int) {
	n, k := w.N, w.K
	nc := gemmChunks(k)
	p := gemm32Args{lda: lda, chunks: k / 16, panelBytes: 256 * nc, ldo: 4 * ldo}
	if k%16 != 0 {
		p.rewind = 16 - k%16
	}
	// K < 16: rows copied into a zero-padded buffer.
	var abuf [4 * 16]int8
	if k < 16 {
		p.lda, p.chunks, p.rewind = 16, 1, 0
	}
	// N < 16: the output through a buffer.
	var obuf [4 * 16]int32
	full := n / 16
	for r0 := 0; r0 < m; r0 += 4 {
		mr := min(4, m-r0)
		p.a = &a[r0*lda]
		if k < 16 {
			for r := 0; r < mr; r++ {
				copy(abuf[16*r:16*r+k], a[(r0+r)*lda:])
			}
			p.a = &abuf[0]
		}
		if full > 0 {
			p.w, p.panels = &w.Data[0], full
			p.out, p.ldo = &out[r0*ldo], 4*ldo
			g.kernel32(mr, &p)
		}
		switch {
		case n < 16:
			p.w, p.panels = &w.Data[0], 1
			p.out, p.ldo = &obuf[0], 4*16
			g.kernel32(mr, &p)
			for r := 0; r < mr; r++ {
				copy(out[(r0+r)*ldo:][:n], obuf[16*r:])
			}
		case n%16 != 0:
			// The last panel: columns n-16..n-1 (written twice where it
			// overlaps the one before, with the same sums).
			p.w, p.panels = &w.Data[full*p.panelBytes], 1
			p.out, p.ldo = &out[r0*ldo+n-16], 4*ldo
			g.kernel32(mr, &p)
		}
	}
}

var _ gemm32Impl = armGemm{}
