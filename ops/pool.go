package ops

import (
	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// poolKernel serves AVERAGE_POOL_2D and MAX_POOL_2D on int8 NHWC tensors,
// bit-exact with TFLite's reference_integer_ops::AveragePool / MaxPool:
//
//   - each output pixel looks at the filter window placed at
//     (out_y·stride_h - pad_top, out_x·stride_w - pad_left), clipped to the
//     input (taps outside the input are ignored, not treated as zeros);
//   - average: the int32 sum of the in-bounds taps divided by their count,
//     rounded to nearest with ties away from zero (sum > 0 ? (sum + n/2)/n
//     : (sum - n/2)/n, C's truncating division), then clamped to the fused
//     activation range;
//   - max: the largest in-bounds tap (starting from -128), clamped.
//
// Pools need no requantization: TFLite requires the output quantization to
// equal the input's, which the converter checks.
type poolKernel struct {
	in, out              int32
	avg                  bool
	batches, depth       int
	inH, inW, outH, outW int
	actMin, actMax       int32
	// Window geometry; window clips each filter window to the input.
	strideH, strideW, filterH, filterW, padTop, padLeft int
	impl                                                *asm.Impl // max pool's kernels
}

// maxPoolTaps bounds the in-bounds taps of one average-pool window so that
// the int32 sum cannot overflow (TFLite's int32 accumulator would; 2^24 taps
// of ±128 stay below 2^31).
const maxPoolTaps = 1 << 24

func prepareAveragePool2D(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return preparePool(m, op, path, true)
}

func prepareMaxPool2D(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return preparePool(m, op, path, false)
}

func preparePool(m *format.Model, op *format.Op, path string, avg bool) (Kernel, error) {
	if err := wantCounts(op, path, 1, 1, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.PoolParams](op, path)
	if err != nil {
		return nil, err
	}
	wide := inputIs(m, op, 0, format.DTypeInt16) // int16 (issue 13): pool16.go
	in, out, err := inOut(m, op, path)
	if wide {
		in, out, err = inOut16(m, op, path)
	}
	if err != nil {
		return nil, err
	}
	if len(in.Shape) != 4 || len(out.Shape) != 4 {
		return nil, format.Malformed(path, "input shape %v and output shape %v must both be NHWC (rank 4)", in.Shape, out.Shape)
	}
	for _, d := range append(append([]int32(nil), in.Shape...), out.Shape...) {
		if d < 0 {
			return nil, format.Malformed(path, "negative dimension in input shape %v or output shape %v", in.Shape, out.Shape)
		}
	}
	if in.Shape[0] != out.Shape[0] || in.Shape[3] != out.Shape[3] {
		return nil, format.Malformed(path, "input shape %v and output shape %v differ in batch or depth", in.Shape, out.Shape)
	}
	pp := path + " / params"
	if p.StrideH < 1 || p.StrideW < 1 {
		return nil, format.Malformed(pp, "stride %dx%d, want positive", p.StrideH, p.StrideW)
	}
	if p.FilterH < 1 || p.FilterW < 1 {
		return nil, format.Malformed(pp, "filter %dx%d, want positive", p.FilterH, p.FilterW)
	}
	// Padding fits: it is smaller than the filter (TFLite's is at most half
	// of it), and the last window starts inside the input. Then every
	// window has at least one input tap.
	if p.PadTop < 0 || p.PadLeft < 0 || p.PadTop >= p.FilterH || p.PadLeft >= p.FilterW {
		return nil, format.Malformed(pp, "padding top %d left %d outside [0, filter %dx%d)", p.PadTop, p.PadLeft, p.FilterH, p.FilterW)
	}
	for _, a := range []struct {
		what            string
		out, in, s, pad int64
	}{
		{"height", int64(out.Shape[1]), int64(in.Shape[1]), int64(p.StrideH), int64(p.PadTop)},
		{"width", int64(out.Shape[2]), int64(in.Shape[2]), int64(p.StrideW), int64(p.PadLeft)},
	} {
		if a.out > 0 && (a.out-1)*a.s-a.pad >= a.in {
			return nil, format.Malformed(path+" / output 0", "%s %d: with stride %d and padding %d the last window starts at %d, past the input's %d", a.what, a.out, a.s, a.pad, (a.out-1)*a.s-a.pad, a.in)
		}
	}
	clampErr := checkClamp(p.ActMin, p.ActMax, pp)
	if wide {
		clampErr = checkClamp16(p.ActMin, p.ActMax, pp)
	}
	if clampErr != nil {
		return nil, clampErr
	}
	k := &poolKernel{
		in: op.Inputs[0], out: op.Outputs[0], avg: avg,
		batches: int(in.Shape[0]), depth: int(in.Shape[3]),
		inH: int(in.Shape[1]), inW: int(in.Shape[2]),
		outH: int(out.Shape[1]), outW: int(out.Shape[2]),
		actMin: p.ActMin, actMax: p.ActMax,
		strideH: int(p.StrideH), strideW: int(p.StrideW),
		filterH: int(p.FilterH), filterW: int(p.FilterW),
		padTop: int(p.PadTop), padLeft: int(p.PadLeft),
		impl: asm.Selected(),
	}
	rowsMax, err := poolWindows(k.outH, k.inH, k.strideH, k.filterH, k.padTop, pp, "row")
	if err != nil {
		return nil, err
	}
	colsMax, err := poolWindows(k.outW, k.inW, k.strideW, k.filterW, k.padLeft, pp, "column")
	if err != nil {
		return nil, err
	}
	if avg && (int64(rowsMax)*int64(colsMax) > maxPoolTaps || wide && int64(rowsMax)*int64(colsMax) > maxPool16Taps) {
		return nil, format.Malformed(pp, "window of %dx%d in-bounds taps overflows the int32 sum", rowsMax, colsMax)
	}
	if wide {
		return (*pool16Kernel)(k), nil
	}
	return k, nil
}

// window returns the input range [a, b) that the filter window of output
// coordinate o covers along one axis, clipped to [0, in). Computed in
// int64: o·stride may pass 2^31 (on 32-bit targets) before the clip.
func window(o, stride, filter, pad, in int) (a, b int) {
	origin := int64(o)*int64(stride) - int64(pad)
	return int(max(origin, 0)), int(min(origin+int64(filter), int64(in)))
}

// poolWindows checks that every filter window along one axis has an input
// tap (TFLite's average pool would divide by zero; prepare's padding
// checks already ensure it) and returns the largest clipped extent. The
// windows are recomputed in Eval rather than stored: storing them would
// allocate memory proportional to the output size at load.
func poolWindows(outSize, inSize, stride, filter, pad int, path, what string) (widest int, err error) {
	for o := 0; o < outSize; o++ {
		a, b := window(o, stride, filter, pad, inSize)
		if b <= a {
			return 0, format.Malformed(path, "output %s %d: filter window has no input taps", what, o)
		}
		widest = max(widest, b-a)
	}
	return widest, nil
}

func (k *poolKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	if k.avg {
		poolRows(k, in, out, k.impl.AvgPoolInt8, int8(k.actMin), int8(k.actMax))
	} else {
		poolRows(k, in, out, k.impl.MaxPoolInt8, int8(k.actMin), int8(k.actMax))
	}
}

// poolRows runs a pool (int8 or int16) with asm's MaxPool or AvgPool:
// per output row, one call for the columns whose filter window lies
// inside the input (equal windows at a fixed step) and one per clipped
// column at either edge.
func poolRows[T int8 | int16](k *poolKernel, in, out []T, run func(dst, src []T, w asm.PoolWindows, lo, hi T), lo, hi T) {
	depth := k.depth
	if k.batches == 0 || k.outH == 0 || k.outW == 0 || depth == 0 {
		return
	}
	rowStride := k.inW * depth
	imageSize := k.inH * rowStride
	// Interior columns [oxA, oxB): ox·strideW − padLeft >= 0 and
	// ox·strideW − padLeft + filterW <= inW (int64: no overflow on 32-bit).
	sw, pl, fw := int64(k.strideW), int64(k.padLeft), int64(k.filterW)
	oxA := min((pl+sw-1)/sw, int64(k.outW))
	oxB := int64(0)
	if last := int64(k.inW) + pl - fw; last >= 0 {
		oxB = min(last/sw+1, int64(k.outW))
	}
	oxB = max(oxB, oxA)
	rowOut := k.outW * depth
	for b := 0; b < k.batches; b++ {
		image := in[b*imageSize : (b+1)*imageSize]
		for oy := 0; oy < k.outH; oy++ {
			y0, y1 := window(oy, k.strideH, k.filterH, k.padTop, k.inH)
			dst := out[(b*k.outH+oy)*rowOut:][:rowOut]
			w := asm.PoolWindows{N: 1, Depth: depth, DstStep: depth, Rows: y1 - y0, RowStride: rowStride, ColStride: depth}
			rows := image[y0*rowStride:]
			edge := func(ox int) {
				x0, x1 := window(ox, k.strideW, k.filterW, k.padLeft, k.inW)
				w.N, w.Cols, w.SrcStep = 1, x1-x0, 0
				run(dst[ox*depth:], rows[x0*depth:], w, lo, hi)
			}
			for ox := 0; ox < int(oxA); ox++ {
				edge(ox)
			}
			if oxB > oxA {
				w.N, w.Cols, w.SrcStep = int(oxB-oxA), k.filterW, k.strideW*depth
				run(dst[int(oxA)*depth:], rows[(int(oxA)*k.strideW-k.padLeft)*depth:], w, lo, hi)
			}
			for ox := int(oxB); ox < k.outW; ox++ {
				edge(ox)
			}
		}
	}
}
