package ops

// Access is a byte range [Lo, Hi) of tensor Tensor that part of an op
// reads (Write false) or writes (Write true); Hi < 0 means the whole
// tensor.
type Access struct {
	Tensor int32
	Lo, Hi int
	Write  bool
}

// RangeAccessor is implemented by Splittable kernels that can say which
// bytes of their tensors units [lo, hi) touch, so that a runtime running
// consecutive split ops without a barrier between them (row dataflow)
// knows which parts of earlier ops a part must wait for. Access appends
// to dst ranges that cover every tensor byte EvalRange(env, lo, hi) reads
// or writes (scratch aside); covering more is allowed, only slower. A
// Splittable kernel without it is taken to read all of its inputs and
// write all of its outputs in every part.
type RangeAccessor interface {
	Access(lo, hi int, dst []Access) []Access
}

// windowRowsAccess is the access of output rows [lo, hi) (of
// batches·outH) of a windowed op over NHWC int8 tensors: the output rows,
// and the input rows their windows (kh taps, dilation dilH, stride
// strideH, padTop rows of padding) reach. Rows of several batches take
// the contiguous run from the first one's first input row to the last
// one's last.
func windowRowsAccess(in, out int32, s *convShape, kh, strideH, dilH, padTop, lo, hi int, dst []Access) []Access {
	if lo >= hi {
		return dst
	}
	rowOut := s.outW * s.outC
	rowIn := s.inW * s.inC
	dst = append(dst, Access{Tensor: out, Lo: lo * rowOut, Hi: hi * rowOut, Write: true})
	b0, y0 := lo/s.outH, lo%s.outH
	b1, y1 := (hi-1)/s.outH, (hi-1)%s.outH
	r0 := min(max(y0*strideH-padTop, 0), s.inH)
	r1 := min(max(y1*strideH-padTop+(kh-1)*dilH+1, 0), s.inH)
	from, to := (b0*s.inH+r0)*rowIn, (b1*s.inH+r1)*rowIn
	if from < to {
		dst = append(dst, Access{Tensor: in, Lo: from, Hi: to})
	}
	return dst
}

// Access: output rows [lo, hi) and the input rows their windows read, or
// (unitPixels) the units' output pixels and their input pixels.
func (k *convKernel) Access(lo, hi int, dst []Access) []Access {
	if u := k.unitPixels; u > 0 {
		if lo >= hi {
			return dst
		}
		p0, p1 := lo*u, min(hi*u, k.batches*k.outH*k.outW)
		return append(dst, Access{Tensor: k.in, Lo: p0 * k.inC, Hi: p1 * k.inC},
			Access{Tensor: k.out, Lo: p0 * k.outC, Hi: p1 * k.outC, Write: true})
	}
	return windowRowsAccess(k.in, k.out, &k.convShape, k.kh, k.strideH, k.dilH, k.padTop, lo, hi, dst)
}

// Access: output rows [lo, hi) and the input rows their windows read.
func (k *depthwiseKernel) Access(lo, hi int, dst []Access) []Access {
	return windowRowsAccess(k.in, k.out, &k.convShape, k.kh, k.strideH, k.dilH, k.padTop, lo, hi, dst)
}

// Access: with contiguous operands, the same element runs of both inputs
// and the output; otherwise (one unit) everything.
func (k *arithKernel) Access(lo, hi int, dst []Access) []Access {
	if lo >= hi {
		return dst
	}
	e0, e1 := 0, k.bc.n
	if k.contiguous() {
		e0, e1 = lo*elementwiseUnit, min(hi*elementwiseUnit, k.bc.n)
		if e0 >= e1 {
			return dst
		}
	} else {
		// Broadcast inputs are read wherever the layout points: all of
		// them.
		return append(dst, Access{Tensor: k.in1, Hi: -1}, Access{Tensor: k.in2, Hi: -1},
			Access{Tensor: k.out, Hi: -1, Write: true})
	}
	return append(dst, Access{Tensor: k.in1, Lo: e0, Hi: e1}, Access{Tensor: k.in2, Lo: e0, Hi: e1},
		Access{Tensor: k.out, Lo: e0, Hi: e1, Write: true})
}
