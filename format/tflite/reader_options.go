package tflite

import "github.com/edgerun/edgerun/format"

// optReader reads one builtin options table, keeping the first error so
// that the per-type decoders stay readable. Absent fields (and an absent
// table: the zero fbTable has no fields) read as the schema's defaults.
type optReader struct {
	f    *fb
	t    fbTable
	path string
	err  error
}

func (r *optReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *optReader) i32(id int, name string, def int32) int32 {
	v, err := r.f.int32(r.t, id, def, join(r.path, name))
	r.fail(err)
	return v
}

func (r *optReader) f32(id int, name string, def float32) float32 {
	v, err := r.f.float32(r.t, id, def, join(r.path, name))
	r.fail(err)
	return v
}

func (r *optReader) boolean(id int, name string, def bool) bool {
	v, err := r.f.bool(r.t, id, def, join(r.path, name))
	r.fail(err)
	return v
}

// enum reads a byte enum and checks it is in [0, n).
func (r *optReader) enum(id int, name string, n int8) int8 {
	v, err := r.f.int8(r.t, id, 0, join(r.path, name))
	r.fail(err)
	if err == nil && (v < 0 || v >= n) {
		r.fail(format.Malformed(join(r.path, name), "value %d not in the schema's enum [0, %d)", v, n))
	}
	return v
}

func (r *optReader) padding(id int) Padding {
	return Padding(r.enum(id, "padding", 2))
}

func (r *optReader) activation(id int) Activation {
	return Activation(r.enum(id, "fused_activation_function", int8(ActSignBit)+1))
}

func (r *optReader) tensorType(id int, name string) TensorType {
	return TensorType(r.enum(id, name, int8(len(tensorTypeNames))))
}

// parseOptions decodes the builtin options table t (union type typ, field
// numbers from the schema's declaration order).
func parseOptions(f *fb, typ uint8, t fbTable, path string) (any, error) {
	r := &optReader{f: f, t: t, path: path}
	var out any
	switch typ {
	case optConv2D:
		out = &Conv2DOptions{
			Padding:           r.padding(0),
			StrideW:           r.i32(1, "stride_w", 0),
			StrideH:           r.i32(2, "stride_h", 0),
			FusedActivation:   r.activation(3),
			DilationWFactor:   r.i32(4, "dilation_w_factor", 1),
			DilationHFactor:   r.i32(5, "dilation_h_factor", 1),
			QuantizedBiasType: r.tensorType(6, "quantized_bias_type"),
		}
	case optDepthwiseConv2D:
		out = &DepthwiseConv2DOptions{
			Padding:         r.padding(0),
			StrideW:         r.i32(1, "stride_w", 0),
			StrideH:         r.i32(2, "stride_h", 0),
			DepthMultiplier: r.i32(3, "depth_multiplier", 0),
			FusedActivation: r.activation(4),
			DilationWFactor: r.i32(5, "dilation_w_factor", 1),
			DilationHFactor: r.i32(6, "dilation_h_factor", 1),
		}
	case optPool2D:
		out = &Pool2DOptions{
			Padding:         r.padding(0),
			StrideW:         r.i32(1, "stride_w", 0),
			StrideH:         r.i32(2, "stride_h", 0),
			FilterWidth:     r.i32(3, "filter_width", 0),
			FilterHeight:    r.i32(4, "filter_height", 0),
			FusedActivation: r.activation(5),
		}
	case optFullyConnected:
		out = &FullyConnectedOptions{
			FusedActivation:          r.activation(0),
			WeightsFormat:            r.enum(1, "weights_format", 2),
			KeepNumDims:              r.boolean(2, "keep_num_dims", false),
			AsymmetricQuantizeInputs: r.boolean(3, "asymmetric_quantize_inputs", false),
			QuantizedBiasType:        r.tensorType(4, "quantized_bias_type"),
		}
	case optSoftmax:
		out = &SoftmaxOptions{Beta: r.f32(0, "beta", 0)}
	case optConcatenation:
		out = &ConcatenationOptions{
			Axis:            r.i32(0, "axis", 0),
			FusedActivation: r.activation(1),
		}
	case optAdd:
		out = &AddOptions{
			FusedActivation: r.activation(0),
			PotScaleInt16:   r.boolean(1, "pot_scale_int16", true),
		}
	case optSub:
		out = &SubOptions{
			FusedActivation: r.activation(0),
			PotScaleInt16:   r.boolean(1, "pot_scale_int16", true),
		}
	case optMul:
		out = &MulOptions{FusedActivation: r.activation(0)}
	case optReshape:
		o := &ReshapeOptions{}
		var err error
		o.NewShape, err = f.int32s(t, 0, join(path, "new_shape"))
		r.fail(err)
		out = o
	case optReducer:
		out = &ReducerOptions{KeepDims: r.boolean(0, "keep_dims", false)}
	case optLeakyRelu:
		out = &LeakyReluOptions{Alpha: r.f32(0, "alpha", 0)}
	case optSVDF:
		out = &SVDFOptions{
			Rank:                     r.i32(0, "rank", 0),
			FusedActivation:          r.activation(1),
			AsymmetricQuantizeInputs: r.boolean(2, "asymmetric_quantize_inputs", false),
		}
	default:
		if out = parseMovementOptions(r, typ); out == nil {
			if out = parseComputeOptions(r, typ); out == nil {
				out = parseLSTMOptions(r, typ)
			}
		}
		if out == nil {
			parse, ok := moreOptions[typ]
			if !ok {
				return nil, nil
			}
			out = parse(r)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return out, nil
}
