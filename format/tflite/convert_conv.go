package tflite

import (
	"fmt"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// Conversion of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED: the
// parameters TFLite Micro's Prepare derives (conv_common.cc,
// depthwise_conv_common.cc, fully_connected_common.cc and kernel_util's
// PopulateConvolutionQuantizationParams / GetQuantizedConvolutionMultipler),
// computed here once so that the kernels stay integer-only.
//
// Which products TFLite computes in float32 and which in double matters for
// the last bit of the multiplier:
//   - conv and depthwise (int8, per-channel or per-tensor weights): per
//     output channel, double(input_scale) · double(filter_scale[c]) /
//     double(output_scale);
//   - fully connected with per-channel weights: the same double formula;
//   - fully connected with per-tensor weights, and the legacy uint8 path of
//     every op: the scale product in float32, then
//     double(input_scale · filter_scale) / double(output_scale).
//
// Which weights zero point the reference kernels use also differs: the int8
// ConvPerChannel, DepthwiseConvPerChannel and FullyConnectedPerChannel ignore
// it (weights are symmetric by the quantization spec), the per-tensor int8
// FullyConnected and the legacy uint8 kernels apply it. FilterOffset carries
// exactly what the reference applies.

// weightedOp is what the three ops share once their tensors are checked.
type weightedOp struct {
	idx               int
	in, filter, bias  int32 // source tensor indices; bias -1 when absent
	out               int32
	filterT           *format.Tensor
	inScale, outScale float64
	inZP, outZP       int32
	legacy            bool // uint8 model (shifted to int8 by c.tensor)
	int16             bool // 16x8: int16 activations, int8 weights (convert_int16.go)
	perChannel        bool // filter has one scale per output channel
	filterScales      []float32
	filterZP          int32 // first filter zero point (per-tensor use)
	outChannels       int
}

func (w *weightedOp) unsupported(c *converter, reason string) error {
	code := c.src.OperatorCodes[c.sg.Operators[w.idx].OpcodeIndex]
	return &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: w.idx, Reason: reason}
}

func unsupportedOp(c *converter, idx int, op *Operator, reason string) error {
	code := c.src.OperatorCodes[op.OpcodeIndex]
	return &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: idx, Reason: reason}
}

// weighted checks the operand list, tensor types and quantization shared by
// the three ops. filterRank is the filter's rank; chanDim is the filter
// dimension holding the output channels (also the only per-channel
// quantized_dimension accepted).
func (c *converter) weighted(idx int, op *Operator, filterRank, chanDim int) (*weightedOp, error) {
	path := c.opPath(idx)
	if len(op.Inputs) < 2 || len(op.Inputs) > 3 || len(op.Outputs) != 1 {
		return nil, format.Malformed(path, "has %d inputs and %d outputs, want 2 or 3 inputs (input, filter, optional bias) and 1 output", len(op.Inputs), len(op.Outputs))
	}
	w := &weightedOp{idx: idx, in: op.Inputs[0], filter: op.Inputs[1], bias: -1, out: op.Outputs[0]}
	if len(op.Inputs) == 3 && op.Inputs[2] >= 0 {
		w.bias = op.Inputs[2]
	}
	if w.in < 0 || w.filter < 0 || w.out < 0 {
		return nil, format.Malformed(path, "input, filter and output are required")
	}
	for _, t := range []int32{w.in, w.filter, w.out, w.bias} {
		if int(t) >= len(c.sg.Tensors) {
			return nil, format.Malformed(path, "tensor index %d out of range", t)
		}
	}
	inType, fType, outType := c.sg.Tensors[w.in].Type, c.sg.Tensors[w.filter].Type, c.sg.Tensors[w.out].Type
	switch {
	case inType == TypeFloat32 && fType == TypeFloat32:
		return nil, w.unsupported(c, "float32 operator (edgerun runs quantized int8 graphs)")
	case inType == TypeFloat32:
		return nil, w.unsupported(c, fmt.Sprintf("hybrid operator (float32 input, %s weights)", fType))
	case inType == TypeInt16 && fType == TypeInt8:
		w.int16 = true
	case inType == TypeInt8 && fType == TypeInt4:
		return nil, w.unsupported(c, "INT4 weights")
	case inType == TypeInt8 && fType == TypeInt8:
	case inType == TypeUInt8 && fType == TypeUInt8:
		w.legacy = true
	default:
		return nil, w.unsupported(c, fmt.Sprintf("%s input with %s weights", inType, fType))
	}
	if outType != inType {
		return nil, format.Malformed(path+" / output 0", "type %s, input is %s", outType, inType)
	}
	var err error
	quantized := c.quantized
	if w.int16 {
		quantized = c.quantized16
	}
	if _, w.inScale, w.inZP, err = quantized(w.in); err != nil {
		return nil, err
	}
	if _, w.outScale, w.outZP, err = quantized(w.out); err != nil {
		return nil, err
	}
	fpath := path + " / input 1 (filter)"
	ft, err := c.tensor(w.filter)
	if err != nil {
		return nil, err
	}
	w.filterT = ft
	if !ft.IsConstant() {
		return nil, w.unsupported(c, "non-constant filter")
	}
	if len(ft.Shape) != filterRank {
		return nil, format.Malformed(fpath, "shape %v, want rank %d", ft.Shape, filterRank)
	}
	for _, d := range ft.Shape {
		if d <= 0 {
			return nil, format.Malformed(fpath, "shape %v has an empty dimension", ft.Shape)
		}
	}
	w.outChannels = int(ft.Shape[chanDim])
	if len(ft.Scale) == 0 {
		return nil, format.Malformed(fpath, "quantized filter without scales")
	}
	w.filterScales = ft.Scale
	w.filterZP = ft.ZeroPoint[0]
	if len(ft.Scale) > 1 {
		w.perChannel = true
		if w.legacy {
			return nil, w.unsupported(c, "per-channel uint8 weights")
		}
		if len(ft.Scale) != w.outChannels {
			return nil, format.Malformed(fpath+" / quantization", "%d scales for %d output channels", len(ft.Scale), w.outChannels)
		}
		if int(ft.QuantizedDim) != chanDim {
			return nil, format.Malformed(fpath+" / quantization", "per-channel quantized_dimension %d, want %d (the output channels)", ft.QuantizedDim, chanDim)
		}
	}
	if w.bias >= 0 {
		st := &c.sg.Tensors[w.bias]
		bpath := path + " / input 2 (bias)"
		switch st.Type {
		case TypeInt32:
		case TypeInt64:
			if !w.int16 {
				return nil, w.unsupported(c, "int64 bias with int8 activations")
			}
		default:
			return nil, format.Malformed(bpath, "type %s, want INT32", st.Type)
		}
		bt, err := c.tensor(w.bias)
		if err != nil {
			return nil, err
		}
		if !bt.IsConstant() {
			return nil, w.unsupported(c, "non-constant bias")
		}
		if bt.NumElements() != int64(w.outChannels) {
			return nil, format.Malformed(bpath, "shape %v, want %d elements (one per output channel)", bt.Shape, w.outChannels)
		}
	}
	if w.int16 {
		if err := w.check16(c); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// requantDouble is PopulateConvolutionQuantizationParams' per-channel
// multiplier: double(input_scale) · double(filter_scale) /
// double(output_scale), one entry (per-tensor weights) or one per channel.
func (w *weightedOp) requantDouble() format.Requant {
	r := format.Requant{Multiplier: make([]int32, len(w.filterScales)), Shift: make([]int32, len(w.filterScales))}
	for i, fs := range w.filterScales {
		r.Multiplier[i], r.Shift[i] = dyadic.QuantizeMultiplier(w.inScale * float64(fs) / w.outScale)
	}
	return r
}

// requantFloatProduct is GetQuantizedConvolutionMultipler's per-tensor
// multiplier: the scale product rounded to float32 first.
func (w *weightedOp) requantFloatProduct() format.Requant {
	prod := float32(w.inScale) * w.filterScales[0]
	m, s := dyadic.QuantizeMultiplier(float64(prod) / w.outScale)
	return format.Requant{Multiplier: []int32{m}, Shift: []int32{s}}
}

// inputs returns the op's input list, the bias -1 when absent.
func (w *weightedOp) inputs() []int32 { return []int32{w.in, w.filter, w.bias} }

// outSizeAndPadding is TFLite's ComputeOutSize and ComputePaddingWithOffset
// for one spatial axis (the odd extra padding of SAME goes after the image
// and never enters the reference kernels).
func outSizeAndPadding(p Padding, in, filter, stride, dilation int64) (out, pad int64) {
	eff := (filter-1)*dilation + 1
	switch p {
	case PaddingSame:
		out = (in + stride - 1) / stride
	case PaddingValid:
		out = (in + stride - eff) / stride // C++ truncating division, like Go's
	}
	total := (out-1)*stride + eff - in
	if total < 0 {
		total = 0
	}
	return out, total / 2
}

// window fills the geometry of a conv or depthwise op and checks the output
// tensor's spatial size against TFLite's.
func (c *converter) window(idx int, p *format.ConvParams, padding Padding, strideH, strideW, dilH, dilW int32, in, filter, out *format.Tensor) error {
	path := c.opPath(idx)
	if strideH < 1 || strideW < 1 {
		return format.Malformed(path+" / options", "stride %dx%d, want >= 1", strideH, strideW)
	}
	if dilH < 1 || dilW < 1 {
		return format.Malformed(path+" / options", "dilation %dx%d, want >= 1", dilH, dilW)
	}
	if padding != PaddingSame && padding != PaddingValid {
		return format.Malformed(path+" / options", "padding %d", padding)
	}
	if len(in.Shape) != 4 || len(out.Shape) != 4 {
		return format.Malformed(path, "input shape %v and output shape %v, want rank 4 (NHWC)", in.Shape, out.Shape)
	}
	oh, padH := outSizeAndPadding(padding, int64(in.Shape[1]), int64(filter.Shape[1]), int64(strideH), int64(dilH))
	ow, padW := outSizeAndPadding(padding, int64(in.Shape[2]), int64(filter.Shape[2]), int64(strideW), int64(dilW))
	if oh < 1 || ow < 1 {
		return format.Malformed(path, "input %v with a %dx%d filter (dilation %dx%d) leaves no output", in.Shape, filter.Shape[1], filter.Shape[2], dilH, dilW)
	}
	if int64(out.Shape[1]) != oh || int64(out.Shape[2]) != ow || out.Shape[0] != in.Shape[0] {
		return format.Malformed(path+" / output 0", "shape %v, want [%d, %d, %d, ...] for input %v, filter %v, stride %dx%d, dilation %dx%d",
			out.Shape, in.Shape[0], oh, ow, in.Shape, filter.Shape, strideH, strideW, dilH, dilW)
	}
	p.StrideH, p.StrideW, p.DilationH, p.DilationW = strideH, strideW, dilH, dilW
	p.PadTop, p.PadLeft = int32(padH), int32(padW)
	return nil
}

func convertConv2D(c *converter, idx int, op *Operator) (format.Op, error) {
	opts, ok := op.Options.(*Conv2DOptions)
	if op.Options == nil {
		opts, ok = &Conv2DOptions{DilationWFactor: 1, DilationHFactor: 1}, true
	}
	if !ok {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "have type %T, want Conv2DOptions", op.Options)
	}
	w, err := c.weighted(idx, op, 4, 0)
	if err != nil {
		return format.Op{}, err
	}
	in, _ := c.tensor(w.in)
	out, _ := c.tensor(w.out)
	f := w.filterT
	if len(in.Shape) == 4 && (f.Shape[3] > in.Shape[3] || in.Shape[3]%f.Shape[3] != 0 || f.Shape[0]%(in.Shape[3]/f.Shape[3]) != 0) {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / input 1 (filter)", "shape %v does not fit input %v (filter depth must divide the input channels into groups that divide the output channels)", f.Shape, in.Shape)
	}
	if len(out.Shape) == 4 && out.Shape[3] != f.Shape[0] {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / output 0", "shape %v, filter %v has %d output channels", out.Shape, f.Shape, f.Shape[0])
	}
	return c.convOp(idx, format.OpConv2D, w, 1, opts.Padding, opts.StrideH, opts.StrideW, opts.DilationHFactor, opts.DilationWFactor, opts.FusedActivation, in, f, out)
}

// convOp finishes a CONV_2D or DEPTHWISE_CONV_2D whose operands w are
// checked: offsets, the window (strides, dilations, padding), the
// requantization (legacy uint8 models keep TFLite's float product) and the
// fused activation's clamp.
func (c *converter) convOp(idx int, code format.OpCode, w *weightedOp, mult int32, padding Padding, strideH, strideW, dilH, dilW int32, act Activation, in, f, out *format.Tensor) (format.Op, error) {
	p := &format.ConvParams{
		DepthMultiplier: mult,
		InputOffset:     -w.inZP,
		OutputOffset:    w.outZP,
	}
	if err := c.window(idx, p, padding, strideH, strideW, dilH, dilW, in, f, out); err != nil {
		return format.Op{}, err
	}
	if w.legacy {
		p.FilterOffset = -w.filterZP
		p.Requant = w.requantFloatProduct()
	} else {
		p.Requant = w.requantDouble()
	}
	var err error
	if p.ActMin, p.ActMax, err = c.activationRange(act, w.out); err != nil {
		return format.Op{}, err
	}
	return format.Op{Code: code, Inputs: w.inputs(), Outputs: []int32{w.out}, Params: p}, nil
}

func convertDepthwiseConv2D(c *converter, idx int, op *Operator) (format.Op, error) {
	opts, ok := op.Options.(*DepthwiseConv2DOptions)
	if op.Options == nil {
		opts, ok = &DepthwiseConv2DOptions{DilationWFactor: 1, DilationHFactor: 1}, true
	}
	if !ok {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "have type %T, want DepthwiseConv2DOptions", op.Options)
	}
	w, err := c.weighted(idx, op, 4, 3)
	if err != nil {
		return format.Op{}, err
	}
	if w.int16 && w.bias >= 0 && c.sg.Tensors[w.bias].Type != TypeInt64 {
		return format.Op{}, w.unsupported(c, "16x8 depthwise with a non-int64 bias (TFLite's int16 DepthwiseConvPerChannel takes int64)")
	}
	in, _ := c.tensor(w.in)
	out, _ := c.tensor(w.out)
	f := w.filterT
	path := c.opPath(idx)
	if f.Shape[0] != 1 {
		return format.Op{}, format.Malformed(path+" / input 1 (filter)", "shape %v, want [1, KH, KW, channels]", f.Shape)
	}
	if len(in.Shape) != 4 || len(out.Shape) != 4 {
		return format.Op{}, format.Malformed(path, "input shape %v and output shape %v, want rank 4 (NHWC)", in.Shape, out.Shape)
	}
	cin, cout := in.Shape[3], f.Shape[3]
	if out.Shape[3] != cout {
		return format.Op{}, format.Malformed(path+" / output 0", "shape %v, filter %v has %d output channels", out.Shape, f.Shape, cout)
	}
	if cin <= 0 || cout%cin != 0 {
		return format.Op{}, format.Malformed(path+" / input 1 (filter)", "%d output channels are not a multiple of the input's %d", cout, cin)
	}
	mult := cout / cin
	if opts.DepthMultiplier != mult {
		return format.Op{}, format.Malformed(path+" / options", "depth_multiplier %d, but the filter makes %d output channels from %d input channels", opts.DepthMultiplier, cout, cin)
	}
	return c.convOp(idx, format.OpDepthwiseConv2D, w, mult, opts.Padding, opts.StrideH, opts.StrideW, opts.DilationHFactor, opts.DilationWFactor, opts.FusedActivation, in, f, out)
}

func convertFullyConnected(c *converter, idx int, op *Operator) (format.Op, error) {
	opts, ok := op.Options.(*FullyConnectedOptions)
	if op.Options == nil {
		opts, ok = &FullyConnectedOptions{}, true
	}
	if !ok {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "have type %T, want FullyConnectedOptions", op.Options)
	}
	if opts.WeightsFormat != 0 {
		return format.Op{}, unsupportedOp(c, idx, op, "shuffled weights format")
	}
	w, err := c.weighted(idx, op, 2, 0)
	if err != nil {
		return format.Op{}, err
	}
	in, _ := c.tensor(w.in)
	out, _ := c.tensor(w.out)
	f := w.filterT
	path := c.opPath(idx)
	units, depth := int64(f.Shape[0]), int64(f.Shape[1])
	if len(out.Shape) == 0 || int64(out.Shape[len(out.Shape)-1]) != units {
		return format.Op{}, format.Malformed(path+" / output 0", "shape %v, want last dimension %d (filter %v)", out.Shape, units, f.Shape)
	}
	if batches := out.NumElements() / units; in.NumElements() != batches*depth {
		return format.Op{}, format.Malformed(path+" / input 0", "shape %v, want %d rows of %d values (filter %v, output %v)", in.Shape, batches, depth, f.Shape, out.Shape)
	}
	p := &format.FullyConnectedParams{
		InputOffset:  -w.inZP,
		OutputOffset: w.outZP,
	}
	if w.perChannel {
		p.Requant = w.requantDouble()
	} else {
		p.FilterOffset = -w.filterZP
		p.Requant = w.requantFloatProduct()
	}
	if p.ActMin, p.ActMax, err = c.activationRange(opts.FusedActivation, w.out); err != nil {
		return format.Op{}, err
	}
	return format.Op{Code: format.OpFullyConnected, Inputs: w.inputs(), Outputs: []int32{w.out}, Params: p}, nil
}
