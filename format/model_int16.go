package format

import "github.com/edgerun/edgerun/format/fb"

// RescaleParams serves the elementwise ops on int16 tensors (and QUANTIZE
// between int8, int16 and int32) whose result is one requantization of
// the input, TFLite's QuantizeLeakyRelu / ReluQuantized / Requantize:
//
//	x   = input - InputZeroPoint
//	out = clamp(OutputZeroPoint + MultiplyByQuantizedMultiplier(x, m, s), ActMin, ActMax)
//
// with (m, s) = (Multiplier, Shift) for x >= 0 and (NegMultiplier,
// NegShift) for x < 0 (LEAKY_RELU's alpha; every other op sets both pairs
// equal). int8 → int8 ops keep their 256-entry TableParams.
type RescaleParams struct {
	InputZeroPoint, OutputZeroPoint int32
	Multiplier, Shift               int32
	NegMultiplier, NegShift         int32
	ActMin, ActMax                  int32
}

func (*RescaleParams) isOpParams() {}

// Sigmoid16Params serves LOGISTIC and TANH on int16 tensors: TFLite's
// table-interpolating int16 kernels, whose input is first rescaled to
// steps of 1/(3·4096) as x' = (x·InputMultiplier + round) >> InputLeftShift
// (round = 2^(InputLeftShift-1), or 0 for shift 0).
type Sigmoid16Params struct {
	InputMultiplier, InputLeftShift int32
}

func (*Sigmoid16Params) isOpParams() {}

// Mean16Params serves MEAN on int16 tensors: TFLite's QuantizedMeanOrSum
// (mean), an int32 sum of each reduced group, then
//
//	out = clamp(MultiplyByQuantizedMultiplier(sum - InputZeroPoint·n, Multiplier, Shift) + OutputZeroPoint)
//
// with 1/n already folded into Multiplier and Shift by the converter.
// Axes and KeepDims as in MeanParams.
type Mean16Params struct {
	Axes                            []int32
	KeepDims                        bool
	Multiplier, Shift               int32
	InputZeroPoint, OutputZeroPoint int32
}

func (*Mean16Params) isOpParams() {}

// altParamsTag reports whether op code c also takes params of union tag
// tag besides expectedParamsTag's: the table ops take RescaleParams or
// Sigmoid16Params on int16 tensors.
func altParamsTag(c OpCode, tag fb.OpParams) bool {
	switch c {
	case OpLeakyRelu, OpRelu, OpRelu6, OpReluN1To1, OpQuantize:
		return tag == fb.OpParamsRescaleParams
	case OpLogistic, OpTanh:
		return tag == fb.OpParamsSigmoid16Params
	case OpMean:
		return tag == fb.OpParamsMean16Params
	}
	return false
}
