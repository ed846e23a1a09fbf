//go:build !purego

package asm

// PackInto's layouts of the amd64 implementations (see their pack in
// gemm_amd64.go).

func packedBytesArch(g gemmImpl, n, k int) (int, bool) {
	switch g.(type) {
	case vnniGemm, avxvnniGemm:
		return ((n + 15) &^ 15) * ((k + 3) &^ 3), true
	case avx2Gemm:
		return (n + avx2Panel - 1) / avx2Panel * avx2Panel * ((k + 1) &^ 1) * 2, true
	}
	return 0, false
}

func packIntoArch(g gemmImpl, buf, w []int8, cs, ks, n, k int) bool {
	switch g.(type) {
	case vnniGemm, avxvnniGemm:
		panel := vnniPanel
		if _, ok := g.(avxvnniGemm); ok {
			panel = avxvnniPanel
		}
		// Per panel (vnniPanelCols; avxvnni: 16 columns), per group of 4 depths: nz·16 columns × 4
		// bytes, zero padded.
		k4 := (k + 3) &^ 3
		i := 0
		for c0, pc := 0, 0; c0 < n; c0 += pc {
			pc = min(panel, n-c0)
			if panel == vnniPanel {
				pc = vnniPanelCols(n, c0)
			}
			width := (pc + 15) / 16 * 16
			cols := min(width, n-c0) // real columns; the rest are 0
			for q := 0; q < k4; q += 4 {
				d := buf[i:][:4*width]
				i += 4 * width
				clear(d[4*cols:])
				if q+4 <= k && cs == 1 {
					// Columns contiguous (a [k][n] operand): the panel's
					// group is four rows of cols bytes interleaved.
					rows := [4][]int8{w[q*ks+c0:][:cols], w[(q+1)*ks+c0:][:cols], w[(q+2)*ks+c0:][:cols], w[(q+3)*ks+c0:][:cols]}
					InterleaveBytes(d, &rows, 4, cols)
					continue
				}
				if q+4 <= k {
					for l := 0; l < cols; l++ {
						p := (c0+l)*cs + q*ks
						e := d[4*l:][:4]
						e[0], e[1], e[2], e[3] = w[p], w[p+ks], w[p+2*ks], w[p+3*ks]
					}
					continue
				}
				for l := 0; l < cols; l++ {
					e := d[4*l:][:4]
					for b := range e {
						e[b] = 0
						if q+b < k {
							e[b] = w[(c0+l)*cs+(q+b)*ks]
						}
					}
				}
			}
		}
		return true
	case avx2Gemm:
		// Per 16-column panel, per pair of depths: 16 columns of int16
		// pairs, little endian, zero padded.
		k2 := (k + 1) &^ 1
		i := 0
		for c0 := 0; c0 < n; c0 += avx2Panel {
			cols := min(avx2Panel, n-c0)
			for p := 0; p < k2; p += 2 {
				d := buf[i:][:4*avx2Panel]
				i += 4 * avx2Panel
				clear(d[4*cols:])
				for l := 0; l < cols; l++ {
					at := (c0+l)*cs + p*ks
					v0, v1 := w[at], int8(0)
					if p+1 < k {
						v1 = w[at+ks]
					}
					e := d[4*l:][:4]
					e[0], e[1], e[2], e[3] = v0, v0>>7, v1, v1>>7 // int16s, little endian
				}
			}
		}
		return true
	}
	return false
}
