package asm

// The bounded depthwise epilogue: for a filter and an epilogue whose every
// sum is small, a cheaper requantization that is still exactly requantize
// (the AVX-512 kernel dwAVX512Bounded; the derivation and its proof are in
// asm/_gen's dwBoundedLanes). Everything here runs once, at load.

// dwBound is what PrepareDepthwiseEpilogue prepared for one packed filter: per block
// of 16 channels, the kernel's constants (dwBoundBlock int32 each).
type dwBound struct {
	w      *PackedDepthwise // the filter it was derived for
	params []int32
}

// dwBoundD offsets the bounded kernel's sums: they hold x + dwBoundD, in
// (0, 2^31) for |x| < 2^30.
const dwBoundD = 1 << 30

// dwBoundBlock is the int32 size of one 16-channel block of dwBound.params:
// bias + D, doubled multiplier (as uint32), right shift, sub (16 each),
// then the 64-bit constants of the even channels and of the odd channels
// (8 each, little endian low/high dword pairs), then for the 3x3 byte
// path bias − 128·Σw + D (16) and, for kx = 0, 1, 2, the bytes (w[0][kx],
// w[1][kx], w[2][kx], 0) of each channel (16 dwords each; zero for other
// filter sizes). Channels past C are zero, but when C divides 16 they
// repeat the channels (lane l is channel l mod C; see dwPixelGroup).
const dwBoundBlock = 10 * 16

// dwBoundChannel returns channel ch's bounded-epilogue constants: the
// right shift e, sub = [e >= 1] and the kernel's 64-bit constant k = 2^31
// + (h + outOff·2^e)·2^32 − 2D·m (h = 2^(e−1), 0 for e = 0); ok is false
// when the channel does not qualify. w is the filter, [taps][c]. The
// conditions: no left shift, e <= 31, mult >= 0, |acc + bias| <= B < 2^30
// for every int8 input (B = 128·Σ|w| + |bias|), and y + h + outOff·2^e −
// sub within int32 for every y = SRDHM(x, mult), |x| <= B.
func dwBoundChannel[T int8 | int16](w []T, c, ch int, e *Epilogue) (shift, sub int32, k int64, ok bool) {
	var sw int64
	for t := ch; t < len(w); t += c {
		sw += abs64(int64(w[t]))
	}
	return boundChannel(sw, ch, e)
}

// boundChannel is dwBoundChannel given sw = Σ|w| of channel ch's weights
// (the VNNI GEMM's vnniPrepareBounded uses it too).
func boundChannel(sw int64, ch int, e *Epilogue) (shift, sub int32, k int64, ok bool) {
	return boundRequant(128*sw+abs64(int64(e.bias[ch])), e.mult[ch], e.shift[ch], e.outOffset)
}

// boundRequant is the bounded requantization's check and constants for
// sums x with |x| <= b, multiplier mult, TFLite exponent shift and output
// offset outOff (see dwBoundChannel; int8 ADD's output stage uses it too).
func boundRequant(b int64, mult, shift, outOff int32) (right, sub int32, k int64, ok bool) {
	m := int64(mult)
	if shift > 0 || shift < -31 || m < 0 || b < 0 || b >= 1<<30 {
		return 0, 0, 0, false
	}
	ex := -shift
	var h, s int64
	if ex >= 1 {
		h, s = 1<<(ex-1), 1
	}
	hc := h + int64(outOff)<<ex // |·| < 2^31 + 2^62
	// SRDHM is monotone in x for m >= 0: y ranges over [ymin, ymax],
	// ymin <= 0 <= ymax (b·m < 2^61).
	ymax := floorDiv64(b*m+1<<30, 1<<31)
	ymin := floorDiv64(-b*m+1<<30, 1<<31)
	if ymax+hc > 1<<31-1 || ymin+hc-s < -1<<31 {
		return 0, 0, 0, false
	}
	// Hence −2^31 <= hc < 2^31, and 2D·m < 2^62: k fits in int64.
	return ex, int32(s), 1<<31 + hc<<32 - 2*dwBoundD*m, true
}

// dwBoundRequant is the bounded epilogue in Go, as the kernel computes it
// (wrapping uint32 and uint64 arithmetic), on the exact sum acc (Σ x·w,
// without bias) of channel ch (tests compare it with requantize).
func dwBoundRequant(acc int32, ch int, e *Epilogue, shift, sub int32, k int64) int8 {
	u := uint32(acc) + uint32(e.bias[ch]) + dwBoundD // the kernel's sum
	m2 := uint32(e.mult[ch]) * 2
	v := int32((uint64(u)*uint64(m2) + uint64(k)) >> 32)
	if int32(u) < dwBoundD {
		v -= sub
	}
	v >>= shift
	return int8(min(max(v, e.lo), e.hi))
}

// newDwBound prepares the bounded epilogue of e for the packed filter p
// (C channels; p.Data or p.Data16 hold its weights), or returns nil when a
// channel does not qualify. The parameters come in blocks of 16 channels
// (the AVX-512 kernel's vector; the AVX2 kernel reads half a block).
func newDwBound(p *PackedDepthwise, e *Epilogue) *dwBound {
	c := p.C
	if len(e.bias) < c || len(e.mult) < c || len(e.shift) < c || len(p.Data)+len(p.Data16) != p.KH*p.KW*c {
		return nil
	}
	cpad := (c + 15) &^ 15
	d := &dwBound{w: p, params: make([]int32, cpad/16*dwBoundBlock)}
	lanes := c
	if 16%c == 0 {
		lanes = 16 // the padding lanes repeat the channels, as in widen32
	}
	for l := 0; l < lanes; l++ {
		ch := l % c
		var shift, sub int32
		var k int64
		var ok bool
		if p.Data16 != nil {
			shift, sub, k, ok = dwBoundChannel(p.Data16, c, ch, e)
		} else {
			shift, sub, k, ok = dwBoundChannel(p.Data, c, ch, e)
		}
		if !ok {
			return nil
		}
		blk := d.params[l/16*dwBoundBlock:][:dwBoundBlock]
		j := l % 16
		blk[j] = e.bias[ch] + dwBoundD // |bias| < 2^30
		blk[16+j] = int32(uint32(e.mult[ch]) * 2)
		blk[32+j] = shift
		blk[48+j] = sub
		q := 64 + j/2*2 // qword j/2 of the even (j even) or odd constants
		if j%2 == 1 {
			q += 16
		}
		blk[q], blk[q+1] = int32(uint32(k)), int32(k>>32)
		if p.KH == 3 && p.KW == 3 && p.Data16 == nil { // the byte path: int8 weights only
			var sw int32
			for t := 0; t < 9; t++ {
				sw += int32(p.Data[t*c+ch])
			}
			blk[96+j] = e.bias[ch] - 128*sw + dwBoundD // |bias| + 128·|Σw| < 2^30
			for kx := 0; kx < 3; kx++ {
				var v uint32
				for ky := 0; ky < 3; ky++ {
					v |= uint32(uint8(p.Data[(ky*3+kx)*c+ch])) << (8 * ky)
				}
				blk[112+16*kx+j] = int32(v)
			}
		}
	}
	return d
}

// abs64 is |v| (v > math.MinInt64).
func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// floorDiv64 is ⌊a/b⌋.
func floorDiv64(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// PrepareDepthwiseEpilogue (PrepareEpilogue for depthwise filters)
// prepares, at load, what the implementation can derive from
// the packed filter w and the epilogue e together; DepthwiseRow with this
// w and e then uses it (any other pair works as before). Today: the
// AVX-512 kernel's bounded epilogue, when every channel's sums are small
// enough (see dwBoundChannel). It records the result in e, which must not
// change afterwards, and must not be called while e is in use.
func (impl *Impl) PrepareDepthwiseEpilogue(w *PackedDepthwise, e *Epilogue) {
	if w.impl != impl {
		panic("asm: depthwise filter packed by " + w.impl.Name + ", bound with " + impl.Name)
	}
	e.dw = nil
	if b, ok := impl.dw.(interface {
		prepareDepthwiseEpilogue(*PackedDepthwise, *Epilogue) *dwBound
	}); ok {
		e.dw = b.prepareDepthwiseEpilogue(w, e)
	}
}
