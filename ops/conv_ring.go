package ops

// A ring of padded input rows for convolutions with short filter rows
// (kw·inC of at most ringMaxRow bytes: the first layers of audio models
// and image stems, inC of 1 to 3). There im2col is all overhead: a few
// bytes per (pixel, filter row), so what costs is the work per call, and
// padding a border segment of the input for every (run, filter row) took
// more time than the copies themselves (micro_speech's first layer spent
// two thirds of its time in im2col). With the ring, every input row the
// window reaches is padded once per image into one of kh slots (row iy in
// slot iy mod kh), and each (run, filter row) is one strided copy from its
// slot, border pixels included.

// ringMaxRow is the longest filter row (kw·inC bytes) that gets a ring:
// beyond it the per-call work is small next to the copies, and the ring's
// kh padded rows would cost more arena than they save time.
const ringMaxRow = 16

// ringState is which input rows the ring holds while one EvalRange runs
// (local to it, so threads never share one): rows [filled-kh, filled) of
// image b, each in slot iy mod kh.
type ringState struct {
	b, filled int
}

// useRing reports whether the conv pads its input rows into a ring (set
// at prepare, with padRow as the slot width).
func (k *convKernel) useRing() bool {
	return k.padRow > 0 && k.dilH == 1 && k.kw*k.inC <= ringMaxRow
}

// ringBytes is the ring's scratch: kh padded rows.
func (k *convKernel) ringBytes() int {
	return k.kh * k.padRow
}

// im2colRing writes the patches of n consecutive output pixels of row oy
// of image b (in its input plane), from column ox, reading the filter
// rows from the ring, which it first fills with the rows the window
// reaches that it does not hold yet.
func (k *convKernel) im2colRing(in []int8, b, oy, ox, n int, patches, ring []int8, st *ringState) {
	ps, inC, row, w := k.patchSize, k.inC, k.kw*k.inC, k.padRow
	iy0 := oy*k.strideH - k.padTop
	if st.b != b {
		// A new image (or the first run of an EvalRange): the ring holds
		// nothing of it. Within one image the window only moves down.
		st.b, st.filled = b, iy0
	}
	lo, hi := max(st.filled, iy0, 0), min(iy0+k.kh, k.inH)
	for iy := lo; iy < hi; iy++ {
		k.padInputRow(in[iy*k.inW*inC:][:k.inW*inC], ring[(iy%k.kh)*w:][:w])
	}
	st.filled = max(st.filled, hi, iy0+k.kh)
	step := k.strideW * inC
	at := ox * step // the run's first column in a slot (origin: -padLeft)
	for ky := 0; ky < k.kh; ky++ {
		iy := iy0 + ky
		if iy < 0 || iy >= k.inH {
			k.impl.CopyRows(patches[ky*row:], ps, k.zpRow, 0, row, n)
			continue
		}
		k.impl.CopyRows(patches[ky*row:], ps, ring[(iy%k.kh)*w+at:], step, row, n)
	}
}

// padInputRow writes one input row into a slot of w bytes whose first
// byte is column -padLeft: zero points, the row, zero points.
func (k *convKernel) padInputRow(src, slot []int8) {
	inC := k.inC
	lo := min(k.padLeft*inC, len(slot))
	hi := min(lo+len(src), len(slot))
	fillFromRow(slot[:lo], k.zpRow)
	copy(slot[lo:hi], src)
	fillFromRow(slot[hi:], k.zpRow)
}

// leanRows is the im2col block of LeanScratchBytes: two of the GEMM
// kernels' 6-row blocks (one-row blocks made an audio model's first layer
// several times slower) or, with the ring, at most 12 pixels that split
// an output row evenly: every run then starts a row or a block, so no
// run is cut short (micro_speech's 20-pixel rows: blocks of 10, as fast as
// runs of 12 and 8 and 160 bytes less arena; blocks of 6 were 40% slower).
func (k *convKernel) leanRows() int {
	if !k.ring {
		return 12
	}
	parts := (k.outW + 11) / 12
	return (k.outW + parts - 1) / parts
}
