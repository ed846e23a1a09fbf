package asm

// Depthwise convolution, channels last, depth multiplier 1.
//
// The kernel computes a run of n consecutive output pixels of one output
// row whose every tap lies inside the input (the op keeps the borders, and
// depth multipliers other than 1, in plain Go). With C channels, a KH×KW
// filter w laid out [KH][KW][C] (TFLite's [1, KH, KW, C] without the
// leading 1), and in[0] the input value under the top-left tap of the
// first output pixel, channel 0, output pixel j < n, channel c < C is
//
//	acc = Σ_{ky<KH, kx<KW} in[ky·dilH·rowStride + (j·strideW + kx·dilW)·C + c] · w[ky][kx][c]
//	out[j·C + c] = epilogue(acc, c)
//
// in int32 wrapping arithmetic, with the same Epilogue as Gemm (per channel
// c). The op folds its input offset out of the sum: for interior pixels
// Σ w·(x + input_offset) = Σ w·x + input_offset·Σ_taps w, so Bias[c] holds
// bias[c] + input_offset·Σ_{ky,kx} w[ky][kx][c]. Filter offsets of legacy
// uint8 models (w + filter_offset may leave int8) take PackDepthwiseWide
// where the implementation multiplies 16-bit weights (generic, amd64);
// elsewhere the op runs them as a filter of twice the rows
// (ops/depthwise_offset.go).
//
// rowStride is the distance between input rows (input width · C), in
// values; strideW the horizontal stride and dilH, dilW the dilations, all
// in pixels. The vertical stride does not appear: the caller points in at
// the first tap row of the output row it computes.
//
// Implementations may specialise (3x3 and 5x5, strideW 1 and 2) but must
// accept every geometry and every C >= 1, and must write exactly the n·C
// output bytes.

// PackedDepthwise is a KH×KW×C depthwise filter arranged for the Impl that
// packed it; read-only once packed and shared by every interpreter.
type PackedDepthwise struct {
	KH, KW, C int
	// The packed filter, in whichever of these element types the
	// implementation uses (the others stay nil). The generic layout is
	// Data = w unchanged, [KH][KW][C].
	Data   []int8
	Data16 []int16
	Data32 []int32
	// stride32: the bytes of one tap's channels in Data32 (amd64), kept
	// so that a row's call does not divide.
	stride32 int
	// Pair32 (amd64 AVX2, 3 or 5 taps across): two filter rows' weights
	// per dword (pairRows32), pairStride bytes per block of 8 channels.
	Pair32     []int32
	pairStride int
	impl       *Impl
	// unpaired: the arm64 3x3/5x5 kernels' tap pairs could overflow
	// int16 (dwPairOverflows); the generic arm64 kernel runs instead.
	unpaired bool
	// dot: the arm64 dotprod layout of a 3x3 filter of 16 or more
	// channels (packDepthwiseDot), beside Data; nil elsewhere.
	dot []int8
	// single: the arm64 generic kernel's tap pairs (taps 2i and 2i+1 of
	// a filter row) could overflow int16 too; it pairs each tap with a
	// zero weight instead (dwRowPairOverflows).
	single bool
}

// depthwiseImpl is an implementation of the depthwise kernel.
type depthwiseImpl interface {
	// packDepthwise packs w ([kh][kw][c], len kh·kw·c).
	packDepthwise(w []int8, kh, kw, c int) *PackedDepthwise
	// depthwiseRow computes n output pixels (see DepthwiseRow); arguments
	// are already checked.
	depthwiseRow(in []int8, rowStride, strideW, dilH, dilW int, w *PackedDepthwise, e *Epilogue, out []int8, n int)
}

// PackDepthwise packs the depthwise filter w, laid out [kh][kw][c], for
// impl.
func (impl *Impl) PackDepthwise(w []int8, kh, kw, c int) *PackedDepthwise {
	if kh < 1 || kw < 1 || c < 1 {
		panic("asm: empty depthwise filter")
	}
	p := impl.dw.packDepthwise(w[:kh*kw*c], kh, kw, c)
	p.KH, p.KW, p.C = kh, kw, c
	p.impl = impl
	return p
}

// DepthwiseRow computes n consecutive output pixels of one output row (see
// the package's depthwise doc above): out[j·C + c] for j < n, c < C, from
// in as described there. All taps must lie inside in; strides and
// dilations are >= 1. It does not allocate.
func (impl *Impl) DepthwiseRow(in []int8, rowStride, strideW, dilH, dilW int, w *PackedDepthwise, e *Epilogue, out []int8, n int) {
	if w.impl != impl {
		panic("asm: depthwise filter packed by " + w.impl.Name + ", used with " + impl.Name)
	}
	if n <= 0 {
		return
	}
	if strideW < 1 || dilH < 1 || dilW < 1 || rowStride < 0 {
		panic("asm: bad depthwise geometry")
	}
	c := w.C
	_ = in[(w.KH-1)*dilH*rowStride+((n-1)*strideW+(w.KW-1)*dilW)*c+c-1]
	_ = out[n*c-1]
	_, _, _ = e.bias[c-1], e.mult[c-1], e.shift[c-1]
	impl.dw.depthwiseRow(in, rowStride, strideW, dilH, dilW, w, e, out, n)
}

// depthwiseRowRef is the reference depthwise row on a plain [kh][kw][c]
// filter: the definition every SIMD implementation is tested against.
func depthwiseRowRef(in []int8, rowStride, strideW, dilH, dilW int, w []int8, kh, kw, c int, e *Epilogue, out []int8, n int) {
	depthwiseChannels(in, rowStride, strideW, dilH, dilW, w, kh, kw, c, 0, c, e, out, n)
}

// depthwiseChannels is depthwiseRowRef restricted to channels [c0, c1)
// (SIMD implementations use it for channel tails), on int8 or (wide
// filters, PackDepthwiseWide) int16 weights.
func depthwiseChannels[T int8 | int16](in []int8, rowStride, strideW, dilH, dilW int, w []T, kh, kw, c, c0, c1 int, e *Epilogue, out []int8, n int) {
	for j := 0; j < n; j++ {
		base := j * strideW * c
		for ch := c0; ch < c1; ch++ {
			var acc int32
			for ky := 0; ky < kh; ky++ {
				row := base + ky*dilH*rowStride + ch
				for kx := 0; kx < kw; kx++ {
					acc += int32(in[row+kx*dilW*c]) * int32(w[(ky*kw+kx)*c+ch])
				}
			}
			out[j*c+ch] = requantize(acc, ch, e)
		}
	}
}

// wideDepthwiseImpl is a depthwiseImpl whose kernel also takes 16-bit
// weights (PackDepthwiseWide).
type wideDepthwiseImpl interface {
	// packDepthwiseWide packs w ([kh][kw][c], len kh·kw·c).
	packDepthwiseWide(w []int16, kh, kw, c int) *PackedDepthwise
}

// PackDepthwiseWide packs a depthwise filter of int16 weights, laid out
// [kh][kw][c] (a legacy uint8 filter plus its filter offset, in
// [−255, 255]), for DepthwiseRow, which computes the same sums with these
// weights (depthwiseRowRef's, products exact in int32); PrepareDepthwiseEpilogue
// accepts it too. It returns nil when impl's kernel takes int8 weights only
// (arm64's).
func (impl *Impl) PackDepthwiseWide(w []int16, kh, kw, c int) *PackedDepthwise {
	if kh < 1 || kw < 1 || c < 1 {
		panic("asm: empty depthwise filter")
	}
	wi, ok := impl.dw.(wideDepthwiseImpl)
	if !ok {
		return nil
	}
	p := wi.packDepthwiseWide(w[:kh*kw*c], kh, kw, c)
	p.KH, p.KW, p.C = kh, kw, c
	p.impl = impl
	return p
}
