package format

// LSTMParams: UNIDIRECTIONAL_SEQUENCE_LSTM (TFLite Micro's integer LSTM,
// no peephole, projection, layer norm or CIFG) over the 24 TFLite inputs
// (0 input [T, B, I] time major or [B, T, I]; 1–4 input weights and 5–8
// recurrent weights, int8 [U, I] and [U, U], gate order input, forget,
// cell, output; 12–15 biases [U], int32 for int8 activations, int64 for
// int16; 18 the hidden state and 19 the int16 cell state, both variables
// of B·U values; the others absent); output [T, B, U] or [B, T, U].
//
// Gate arrays are indexed forget, input, cell, output (k = 0..3): the
// input product of gate k rescales by InputMultipliers[k]/InputShifts[k]
// (input_scale·weight_scale/2^-12), the recurrent one by
// RecurrentMultipliers[k]/RecurrentShifts[k]; both land in Q3.12 int16.
type LSTMParams struct {
	TimeMajor bool
	// InputOffset and HiddenOffset are the negated input and hidden-state
	// zero points (0 for int16); HiddenZeroPoint the hidden state's.
	InputOffset, HiddenOffset, HiddenZeroPoint int32
	InputMultipliers, InputShifts              []int32
	RecurrentMultipliers, RecurrentShifts      []int32
	// ForgetMultiplier/Shift: forget gate (Q0.15) × cell → cell;
	// CellMultiplier/Shift: input gate × cell gate (Q0.15 each) → cell;
	// HiddenMultiplier/Shift: tanh(cell) × output gate → hidden.
	ForgetMultiplier, ForgetShift int32
	CellMultiplier, CellShift     int32
	HiddenMultiplier, HiddenShift int32
	// CellTanhMultiplier/LeftShift rescale the cell state to the int16
	// TANH's 1/(3·4096) steps (as Sigmoid16Params).
	CellTanhMultiplier, CellTanhLeftShift int32
	// CellClip, when positive, bounds the cell state to ±CellClip.
	CellClip int32
}

func (*LSTMParams) isOpParams() {}
