package tflite

// Options tables of the operators issue 13 (int16) added, hooked into
// parseOptions through moreOptions and into optionsFor at init.

// moreOptions decodes option tables parseOptions' switch does not list,
// by union type.
var moreOptions = map[uint8]func(r *optReader) any{
	optTransposeConv: func(r *optReader) any {
		return &TransposeConvOptions{
			Padding:           r.padding(0),
			StrideW:           r.i32(1, "stride_w", 0),
			StrideH:           r.i32(2, "stride_h", 0),
			FusedActivation:   r.activation(3),
			QuantizedBiasType: r.tensorType(4, "quantized_bias_type"),
		}
	},
}

// optTransposeConv is TransposeConvOptions' union type.
const optTransposeConv = 49

func init() {
	optionsFor[OpTransposeConv] = optTransposeConv
}

// TransposeConvOptions is the schema's TransposeConvOptions.
type TransposeConvOptions struct {
	Padding           Padding
	StrideW, StrideH  int32
	FusedActivation   Activation
	QuantizedBiasType TensorType
}
