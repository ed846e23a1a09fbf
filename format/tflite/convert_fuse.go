package tflite

import "github.com/edgerun/edgerun/format"

// fusePads folds a spatial PAD (or PADV2) into the CONV_2D or
// DEPTHWISE_CONV_2D that alone reads its output, as extra top and left
// padding of the convolution, and drops the PAD. MobileNetV2 pads before
// every strided depthwise conv: the PAD copies the whole activation (7% of
// the model's time) only for the conv to read it back.
//
// Exact: a tap in the padding holds the pad value; when that value is the
// input zero point, the tap adds (zp + input_offset)·w = 0 to the sum,
// which is what the convolution's own border handling adds for a tap
// outside the image (it skips it). Padding after the image needs no
// parameter: the output shape keeps the windows where they were, and taps
// beyond the input count as outside. ops checks that the padding stays
// within the filter's extent; pads that would exceed it stay PAD ops.
// ops are in source tensor indices; outputs are the graph outputs.
func (c *converter) fusePads(ops []format.Op, outputs []format.IO) []format.Op {
	readers := make(map[int32]int) // tensor -> how many op inputs read it
	for i := range ops {
		for _, t := range ops[i].Inputs {
			if t >= 0 {
				readers[t]++
			}
		}
	}
	for _, io := range outputs {
		readers[io.Tensor] += 2 // a graph output must stay
	}
	for t := range c.viewOf {
		if c.viewOf[t] >= 0 {
			readers[c.root(int32(t))] += 2 // so must a view's root
		}
	}
	drop := make([]bool, len(ops))
	for i := range ops {
		pad := &ops[i]
		p, ok := pad.Params.(*format.PadParams)
		if !ok || (pad.Code != format.OpPad && pad.Code != format.OpPadV2) || len(p.Before) != 4 ||
			p.Before[0] != 0 || p.After[0] != 0 || p.Before[3] != 0 || p.After[3] != 0 {
			continue
		}
		t := pad.Outputs[0]
		if readers[t] != 1 {
			continue
		}
		in, err1 := c.tensor(pad.Inputs[0])
		out, err2 := c.tensor(t)
		if err1 != nil || err2 != nil || !sameQuantization(in, out) || len(out.ZeroPoint) != 1 || p.Value != out.ZeroPoint[0] {
			continue
		}
		for j := i + 1; j < len(ops); j++ {
			conv := &ops[j]
			if len(conv.Inputs) == 0 || conv.Inputs[0] != t {
				continue
			}
			cp, ok := conv.Params.(*format.ConvParams)
			if !ok || (conv.Code != format.OpConv2D && conv.Code != format.OpDepthwiseConv2D) || len(conv.Inputs) < 2 {
				break
			}
			f, err := c.tensor(conv.Inputs[1])
			if err != nil || len(f.Shape) != 4 {
				break
			}
			top, left := int64(cp.PadTop)+int64(p.Before[1]), int64(cp.PadLeft)+int64(p.Before[2])
			if top > int64(f.Shape[1]-1)*int64(cp.DilationH)+1 || left > int64(f.Shape[2]-1)*int64(cp.DilationW)+1 {
				break // more padding than ops accepts: keep the PAD
			}
			cp.PadTop, cp.PadLeft = int32(top), int32(left)
			conv.Inputs[0] = pad.Inputs[0]
			drop[i] = true
			break
		}
	}
	kept := ops[:0]
	for i := range ops {
		if !drop[i] {
			kept = append(kept, ops[i])
		}
	}
	return kept
}
