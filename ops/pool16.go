package ops

// pool16Kernel is AVERAGE_POOL_2D and MAX_POOL_2D on int16 tensors (issue
// 13): TFLite's int16 AveragePool and MaxPool are the int8 ones' formulas
// (in-bounds taps only, an int32 sum rounded half away from zero, the
// maximum from -32768, the clamp) on int16 values. preparePool validates
// both forms alike.
type pool16Kernel poolKernel

// maxPool16Taps bounds an int16 average window: 65535 taps of ±32768 keep
// the int32 sum from overflowing.
const maxPool16Taps = 1<<16 - 1

func (k *pool16Kernel) Eval(env *Env) {
	in, out := Int16s(env.Tensors[k.in]), Int16s(env.Tensors[k.out])
	if !k.avg {
		maxPool((*poolKernel)(k), in, out, k.impl.MaxPoolInt16, int16(k.actMin), int16(k.actMax))
		return
	}
	depth := k.depth
	rowStride := k.inW * depth
	imageSize := k.inH * rowStride
	o := 0
	for b := 0; b < k.batches; b++ {
		image := in[b*imageSize : (b+1)*imageSize]
		for oy := 0; oy < k.outH; oy++ {
			y0, y1 := window(oy, k.strideH, k.filterH, k.padTop, k.inH)
			for ox := 0; ox < k.outW; ox++ {
				x0, x1 := window(ox, k.strideW, k.filterW, k.padLeft, k.inW)
				dst := out[o : o+depth]
				o += depth
				n := int32((y1 - y0) * (x1 - x0))
				for c := range dst {
					var acc int32
					if !k.avg {
						acc = -32768
					}
					for y := y0; y < y1; y++ {
						for x := x0; x < x1; x++ {
							v := int32(image[y*rowStride+x*depth+c])
							if k.avg {
								acc += v
							} else {
								acc = max(acc, v)
							}
						}
					}
					if k.avg {
						// Round half away from zero (Go's / truncates).
						if acc > 0 {
							acc = (acc + n/2) / n
						} else {
							acc = (acc - n/2) / n
						}
					}
					dst[c] = int16(min(max(acc, k.actMin), k.actMax))
				}
			}
		}
	}
}
