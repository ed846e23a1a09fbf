package format

// Parameters of the int8 arithmetic, comparison and reduction operators
// (MINIMUM, MAXIMUM, SELECT_V2 and CAST have none; ABS, ELU and RSQRT use
// TableParams; DIV and PRELU ArithParams; SUM MeanParams).

// ScaledPairParams serves the six comparisons (EQUAL, NOT_EQUAL, LESS,
// LESS_EQUAL, GREATER, GREATER_EQUAL), which use the tables only, and
// SQUARED_DIFFERENCE. Table1[x+128] (Table2[x+128]) is TFLite's rescaled
// int32 value of input 1 (input 2) value x: the offset input shifted left
// and multiplied by the input's multiplier, computed by the converter with
// TFLite's integer arithmetic. SQUARED_DIFFERENCE squares the difference of
// the two rescaled values and rescales it to the output with
// OutputMultiplier/OutputShift (MultiplyByQuantizedMultiplier), adds
// OutputOffset (the output zero point) and clamps to [ActMin, ActMax].
//
// int16 SQUARED_DIFFERENCE has no tables (zero points 0, no left shift):
// each input value is rescaled by Input1Multiplier/Shift and
// Input2Multiplier/Shift (MultiplyByQuantizedMultiplierSmallerThanOneExp)
// in the kernel.
type ScaledPairParams struct {
	Table1, Table2                []int32 // len 256 each, or empty for int16
	OutputMultiplier, OutputShift int32
	OutputOffset, ActMin, ActMax  int32
	Input1Multiplier, Input1Shift int32
	Input2Multiplier, Input2Shift int32
}

// ReduceParams serves ARG_MAX and ARG_MIN (exactly one axis; KeepDims
// false), REDUCE_MAX / REDUCE_MIN and SUM (any distinct axes). Axes are
// non-negative and below the input rank. SUM on int8 carries MEAN's 255
// thresholds on the group sum (see MeanParams, with SUM's requantization);
// on int16 it rescales the int32 group sum by Multiplier/Shift
// (MultiplyByQuantizedMultiplier; zero points are 0) and clamps to int16.
type ReduceParams struct {
	Axes              []int32
	KeepDims          bool
	Thresholds        []int32 // SUM int8: len 255, non-decreasing
	Multiplier, Shift int32   // SUM int16
}

// CumSumParams: int8 CUMSUM along Axis (non-negative), TFLite's
// reference arithmetic: each offset input shifted left by LeftShift and
// rescaled by InputMultiplier/InputShift, accumulated in int32 from the
// rescaled InputOffset (TFLite's start value), each partial sum rescaled
// by OutputMultiplier/OutputShift (shifts ≤ 0, SmallerThanOneExp),
// OutputOffset added and clamped. Exclusive writes the sum before adding
// the element; Reverse runs from the end of the axis.
type CumSumParams struct {
	Axis                          int32
	Exclusive, Reverse            bool
	InputOffset, OutputOffset     int32
	LeftShift                     int32
	InputMultiplier, InputShift   int32
	OutputMultiplier, OutputShift int32
	ActMin, ActMax                int32
}

// ResizeBilinearParams: int8 RESIZE_BILINEAR's options; the kernel derives
// TFLite's 10-bit fixed-point source positions from the shapes at prepare.
type ResizeBilinearParams struct {
	AlignCorners, HalfPixelCenters bool
}

// LogSoftmaxParams: int8 LOG_SOFTMAX over the last dimension, TFLite's
// PreprocessLogSoftmaxScalingExp results (beta 1, 5 integer bits): the
// input difference multiplier and left shift (into Q5.26), the reverse
// scaling multiplier and shift (≤ 0) that bounds the differences worth
// computing, and DiffMin = -CalculateInputRadius(5, left shift). The
// output quantization is fixed (16/256, zero point 127).
type LogSoftmaxParams struct {
	InputMultiplier, InputLeftShift int32
	ReverseMultiplier, ReverseShift int32
	DiffMin                         int32
}

// BatchMatMulParams: BATCH_MATMUL of input 0 (lhs, [..., M, K], or
// [..., K, M] with AdjX) and input 1 (rhs, [..., K, N], or [..., N, K]
// with AdjY), batch dimensions broadcast. Each output is
// Σ (lhs + LhsOffset)(rhs + RhsOffset) (int32 for int8 operands, int64 for
// int16), rescaled by OutputMultiplier/OutputShift
// (MultiplyByQuantizedMultiplier), plus OutputOffset, clamped to
// [ActMin, ActMax].
type BatchMatMulParams struct {
	AdjX, AdjY                         bool
	LhsOffset, RhsOffset, OutputOffset int32
	OutputMultiplier, OutputShift      int32
	ActMin, ActMax                     int32
}

func (*BatchMatMulParams) isOpParams()    {}
func (*LogSoftmaxParams) isOpParams()     {}
func (*ResizeBilinearParams) isOpParams() {}
func (*CumSumParams) isOpParams()         {}
func (*ScaledPairParams) isOpParams()     {}
func (*ReduceParams) isOpParams()         {}
