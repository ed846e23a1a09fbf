//go:build !purego

package asm

// PackInto's layouts of the arm64 implementations (see armGemm.pack in
// gemm_arm64.go): 16-column panels (the last one overlapping the one
// before) of 16-depth chunks (the last one overlapping too, the depths the
// chunk before covered left 0), 256 bytes each.

func packedBytesArch(g gemmImpl, n, k int) (int, bool) {
	if _, ok := g.(armGemm); ok {
		return gemmPanels(n) * gemmChunks(k) * 256, true
	}
	return 0, false
}

func packIntoArch(g gemmImpl, buf, w []int8, cs, ks, n, k int) bool {
	ag, ok := g.(armGemm)
	if !ok {
		return false
	}
	np, nc := gemmPanels(n), gemmChunks(k)
	clear(buf[:np*nc*256])
	for p := 0; p < np; p++ {
		c0 := gemmPanelStart(p, n)
		for ch := 0; ch < nc; ch++ {
			k0 := gemmChunkStart(ch, k)
			chunk := buf[(p*nc+ch)*256:][:256]
			for j := 0; j < 16 && c0+j < n; j++ {
				col := c0 + j
				for i := 0; i < 16; i++ {
					d := k0 + i
					if d < 16*ch || d >= k {
						continue
					}
					v := w[col*cs+d*ks]
					if ag.dot {
						chunk[(i/4)*64+j*4+i%4] = v
					} else {
						chunk[j*16+i] = v
					}
				}
			}
		}
	}
	return true
}
