package ops

import (
	"fmt"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// resizeBilinearKernel is int8 RESIZE_BILINEAR: TFLite's
// ResizeBilinearInteger on raw stored values. Source positions are 10-bit
// fixed point (scale rounded to 1/1024), computed per output row and
// column at prepare; each output is the four-neighbour weighted sum (20
// fractional bits, int64) rounded half away from zero, as the default
// double-rounding build divides.
type resizeBilinearKernel struct {
	in, out      int32
	batch, depth int
	inH, inW     int
	outH, outW   int
	y0, y1, wy   []int32 // per output row: source rows and weight of y1 (0..1024)
	x0, x1, wx   []int32 // per output column
}

// resizeAxis is TFLite's ComputeInterpolationValuesInteger for every output
// index of one axis.
func resizeAxis(in, out int, alignCorners, halfPixel bool) (lo, hi, w []int32) {
	scale := int32(((1<<10)*in + out/2) / out)
	if alignCorners && out > 1 {
		scale = int32(((1<<10)*(in-1) + (out-1)/2) / (out - 1))
	}
	lo, hi, w = make([]int32, out), make([]int32, out), make([]int32, out)
	for i := range out {
		v := int32(i) * scale
		if halfPixel {
			v += scale/2 - 1<<9
		}
		lo[i] = max(v/(1<<10), 0)
		hi[i] = min((v+(1<<10)-1)/(1<<10), int32(in-1))
		w[i] = v - (1<<10)*lo[i]
	}
	return lo, hi, w
}

func prepareResizeBilinear(m *format.Model, op *format.Op, path string) (Kernel, error) {
	p, in, out, err := paramsInOut[format.ResizeBilinearParams](m, op, path, 1, 1, 1)
	if err != nil {
		return nil, err
	}
	if p.AlignCorners && p.HalfPixelCenters {
		return nil, format.Malformed(path+" / params", "align_corners and half_pixel_centers are exclusive")
	}
	if len(in.Shape) > 4 || len(in.Shape) != len(out.Shape) || len(in.Shape) < 2 {
		return nil, format.Malformed(path, "input shape %v, output shape %v: want equal ranks 2..4", in.Shape, out.Shape)
	}
	ext := func(s []int32) [4]int {
		e := [4]int{1, 1, 1, 1}
		for i, d := range s {
			e[4-len(s)+i] = int(d)
		}
		return e
	}
	ei, eo := ext(in.Shape), ext(out.Shape)
	if ei[0] != eo[0] || ei[3] != eo[3] {
		return nil, format.Malformed(path, "input shape %v, output shape %v: batch and depth must match", in.Shape, out.Shape)
	}
	if eo[1]*eo[2] > 0 && ei[1]*ei[2] == 0 {
		return nil, format.Malformed(path, "empty input %v for output %v", in.Shape, out.Shape)
	}
	if ei[1] > 1<<20 || ei[2] > 1<<20 || eo[1] > 1<<20 || eo[2] > 1<<20 {
		return nil, &format.UnsupportedOpError{Op: op.Code.String(), Index: -1, Reason: fmt.Sprintf("%s: sizes beyond 2^20 overflow TFLite's fixed point", path)}
	}
	k := &resizeBilinearKernel{in: op.Inputs[0], out: op.Outputs[0], batch: ei[0], depth: ei[3],
		inH: ei[1], inW: ei[2], outH: eo[1], outW: eo[2]}
	if k.outH > 0 && k.outW > 0 {
		k.y0, k.y1, k.wy = resizeAxis(k.inH, k.outH, p.AlignCorners, p.HalfPixelCenters)
		k.x0, k.x1, k.wx = resizeAxis(k.inW, k.outW, p.AlignCorners, p.HalfPixelCenters)
	} else {
		k.outH, k.outW = 0, 0 // an empty output: nothing to compute
	}
	return k, nil
}

// Eval: per output pixel the four weights wy·wx are formed once, and the
// depth loop runs in int32 over four input rows sliced to the depth. A
// weight lies in [-1024, 2048] with |w0| + |w1| <= 2048 per axis (half
// pixel centers can put the source before row 0), so Σ|wy·wx| <= 2^22 and
// |v| <= 128·2^22 = 2^29: no int32 overflow, the int64 sum's value.
func (k *resizeBilinearKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	d := k.depth
	o := 0
	for b := 0; b < k.batch; b++ {
		base := b * k.inH * k.inW * d
		for y := 0; y < k.outH; y++ {
			r0, r1 := base+int(k.y0[y])*k.inW*d, base+int(k.y1[y])*k.inW*d
			wy1 := k.wy[y]
			wy0 := 1<<10 - wy1
			for x := 0; x < k.outW; x++ {
				c0, c1 := int(k.x0[x])*d, int(k.x1[x])*d
				wx1 := k.wx[x]
				wx0 := 1<<10 - wx1
				w00, w10, w01, w11 := wy0*wx0, wy1*wx0, wy0*wx1, wy1*wx1
				p00, p10 := in[r0+c0:][:d], in[r1+c0:][:d]
				p01, p11 := in[r0+c1:][:d], in[r1+c1:][:d]
				dst := out[o:][:d]
				for c := range dst {
					v := int32(p00[c])*w00 + int32(p10[c])*w10 + int32(p01[c])*w01 + int32(p11[c])*w11
					// Rounded half away from zero, without a branch on
					// the sign (it follows the data and would mispredict).
					dst[c] = int8(dyadic.RoundingDivideByPOT(v, 20))
				}
				o += d
			}
		}
	}
}
