//go:build !purego

package asm

// PackInto's layouts of the amd64 implementations (see their pack in
// gemm_amd64.go).

func packedBytesArch(g gemmImpl, n, k int) (int, bool) {
	switch g.(type) {
	case vnniGemm:
		return ((n + 15) &^ 15) * ((k + 3) &^ 3), true
	case avx2Gemm:
		return (n + avx2Panel - 1) / avx2Panel * avx2Panel * ((k + 1) &^ 1) * 2, true
	}
	return 0, false
}

func packIntoArch(g gemmImpl, buf, w []int8, cs, ks, n, k int) bool {
	switch g.(type) {
	case vnniGemm:
		// Per 48-column panel, per group of 4 depths: nz·16 columns × 4
		// bytes, zero padded.
		k4 := (k + 3) &^ 3
		i := 0
		for c0 := 0; c0 < n; c0 += vnniPanel {
			nz := (min(vnniPanel, n-c0) + 15) / 16
			for q := 0; q < k4; q += 4 {
				for l := 0; l < nz*16; l++ {
					c := c0 + l
					d := buf[i:][:4]
					i += 4
					for b := range d {
						d[b] = 0
						if c < n && q+b < k {
							d[b] = w[c*cs+(q+b)*ks]
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
			for p := 0; p < k2; p += 2 {
				for l := 0; l < avx2Panel; l++ {
					c := c0 + l
					d := buf[i:][:4]
					i += 4
					for b := 0; b < 2; b++ {
						var v int8
						if c < n && p+b < k {
							v = w[c*cs+(p+b)*ks]
						}
						d[2*b], d[2*b+1] = v, v>>7 // int16 little endian
					}
				}
			}
		}
		return true
	}
	return false
}
