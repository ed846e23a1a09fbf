package tflite

import (
	"github.com/edgerun/edgerun/format"
)

// convertTransposeConv follows TFLite Micro's transpose_conv.cc. The source
// inputs are (output_shape, filter [Cout, KH, KW, Cin], input, optional
// bias); edgerun's op takes (input, filter, bias) like CONV_2D, with
// ConvParams (dilation 1, depth multiplier 1). TFLM ignores the output
// shape tensor (its output tensor's shape is static): a constant one must
// agree with the output, a variable one (a graph input) is left unread.
// Padding is ComputePaddingHeightWidth with the *output's* height and width
// as the "input" size; the multipliers are
// PopulateConvolutionQuantizationParams' (double, per channel), the clamp
// the fused activation's (NONE in TFLM before the option existed). int8
// takes an int32 bias; 16x8 an int64 one (or none).
func convertTransposeConv(c *converter, idx int, op *Operator) (format.Op, error) {
	path := c.opPath(idx)
	opts, ok := op.Options.(*TransposeConvOptions)
	if op.Options == nil {
		opts, ok = &TransposeConvOptions{}, true
	}
	if !ok {
		return format.Op{}, format.Malformed(path+" / options", "have type %T, want TransposeConvOptions", op.Options)
	}
	if len(op.Inputs) < 3 || len(op.Inputs) > 4 || len(op.Outputs) != 1 {
		return format.Op{}, format.Malformed(path, "has %d inputs and %d outputs, want 3 or 4 inputs (output shape, filter, input, optional bias) and 1 output", len(op.Inputs), len(op.Outputs))
	}
	// The conv family's operand checks, on the inputs in CONV_2D's order.
	conv := *op
	conv.Inputs = []int32{op.Inputs[2], op.Inputs[1]}
	if len(op.Inputs) == 4 {
		conv.Inputs = append(conv.Inputs, op.Inputs[3])
	}
	w, err := c.weighted(idx, &conv, 4, 0)
	if err != nil {
		return format.Op{}, err
	}
	if w.int16 && w.bias >= 0 && c.sg.Tensors[w.bias].Type != TypeInt64 {
		return format.Op{}, w.unsupported(c, "16x8 TRANSPOSE_CONV with a non-int64 bias (TFLM reads its bias as int64)")
	}
	in, _ := c.tensor(w.in)
	out, _ := c.tensor(w.out)
	f := w.filterT
	if len(in.Shape) != 4 || len(out.Shape) != 4 {
		return format.Op{}, format.Malformed(path, "input shape %v and output shape %v, want rank 4 (NHWC)", in.Shape, out.Shape)
	}
	if in.Shape[3] != f.Shape[3] || out.Shape[3] != f.Shape[0] || in.Shape[0] != out.Shape[0] {
		return format.Op{}, format.Malformed(path+" / input 1 (filter)", "shape %v does not fit input %v and output %v ([Cout, KH, KW, Cin])", f.Shape, in.Shape, out.Shape)
	}
	if st := op.Inputs[0]; st < 0 || int(st) >= len(c.sg.Tensors) || c.sg.Tensors[st].Type != TypeInt32 || len(c.sg.Tensors[st].Shape) != 1 || c.sg.Tensors[st].Shape[0] != 4 {
		return format.Op{}, format.Malformed(path+" / input 0 (output shape)", "want an int32 tensor of shape [4]")
	}
	if st := op.Inputs[0]; c.isConstant(st) {
		shape, err := c.constInts(st)
		if err != nil {
			return format.Op{}, err
		}
		if len(shape) != 4 || shape[0] != int64(out.Shape[0]) || shape[1] != int64(out.Shape[1]) || shape[2] != int64(out.Shape[2]) || shape[3] != int64(out.Shape[3]) {
			return format.Op{}, format.Malformed(path+" / input 0 (output shape)", "holds %v, output is %v", shape, out.Shape)
		}
	}
	if opts.StrideH < 1 || opts.StrideW < 1 {
		return format.Op{}, format.Malformed(path+" / options", "stride %dx%d, want >= 1", opts.StrideH, opts.StrideW)
	}
	if opts.Padding != PaddingSame && opts.Padding != PaddingValid {
		return format.Op{}, format.Malformed(path+" / options", "padding %d", opts.Padding)
	}
	_, padH := outSizeAndPadding(opts.Padding, int64(out.Shape[1]), int64(f.Shape[1]), int64(opts.StrideH), 1)
	_, padW := outSizeAndPadding(opts.Padding, int64(out.Shape[2]), int64(f.Shape[2]), int64(opts.StrideW), 1)
	p := &format.ConvParams{
		StrideH: opts.StrideH, StrideW: opts.StrideW, DilationH: 1, DilationW: 1,
		PadTop: int32(padH), PadLeft: int32(padW), DepthMultiplier: 1,
		InputOffset: -w.inZP, OutputOffset: w.outZP,
		Requant: w.requantDouble(),
	}
	if w.legacy {
		return format.Op{}, w.unsupported(c, "uint8 TRANSPOSE_CONV (TFLite Micro runs int8 and 16x8)")
	}
	if p.ActMin, p.ActMax, err = c.activationRange(opts.FusedActivation, w.out); err != nil {
		return format.Op{}, err
	}
	return format.Op{Code: format.OpTransposeConv, Inputs: w.inputs(), Outputs: []int32{w.out}, Params: p}, nil
}
