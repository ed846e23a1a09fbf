package format

// SVDFParams: SVDF (TFLite Micro's integer SVDF) over inputs input
// [batch, inputs] int8, weights_feature [filters, inputs] int8,
// weights_time [filters, memory] int16 or int8, optional bias [units]
// int32, and the variable state [batch, filters·memory] (int16, or int8 at
// StateZeroPoint); output [batch, units] int8, units = filters / Rank.
// Per filter the state holds its last memory feature values, newest
// last.
type SVDFParams struct {
	Rank int32
	// InputOffset is the negated input zero point; OutputOffset the output
	// zero point.
	InputOffset, OutputOffset int32
	StateZeroPoint            int32
	// FeatureMultiplier/Shift rescale a feature dot product to the state:
	// input_scale·weights_feature_scale/state_scale.
	FeatureMultiplier, FeatureShift int32
	// OutputMultiplier/Shift rescale a unit's sum to the output:
	// state_scale·weights_time_scale/output_scale.
	OutputMultiplier, OutputShift int32
}

func (*SVDFParams) isOpParams() {}
