package tflite

import (
	"fmt"
	"math"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

func init() { converters[OpUnidirectionalSequenceLSTM] = convertLSTM }

// lstmGates lists, per gate in LSTMParams order (forget, input, cell,
// output), the TFLite input indices of its input weights, recurrent
// weights and bias.
var lstmGates = [4][3]int{{2, 6, 13}, {1, 5, 12}, {3, 7, 14}, {4, 8, 15}}

// convertLSTM follows TFLite Micro's integer UNIDIRECTIONAL_SEQUENCE_LSTM
// prepare (ValidateTensorStatus, CreateGateParams, CreateInterGateMulParams,
// CreateLstmCellStateInfo): int8 activations with int32 biases or int16
// activations with int64 biases, int8 per-tensor weights, an int16 cell
// state with a power-of-two scale, no peephole, projection or layer norm.
// The gate products rescale to Q3.12 (2^-12) through TFLite's
// FullyConnected multipliers (double products of the float32 scales); the
// element-wise products take the gate outputs at 2^-15 exactly (the
// golden outputs need the exact power: TFLM's float literal 0.00003051757,
// a little below it, gives off-by-one hidden values).
func convertLSTM(c *converter, idx int, op *Operator) (format.Op, error) {
	path := c.opPath(idx)
	if len(op.Inputs) != 24 || len(op.Outputs) != 1 {
		return format.Op{}, format.Malformed(path, "has %d inputs and %d outputs, want 24 and 1", len(op.Inputs), len(op.Outputs))
	}
	o, ok := op.Options.(*UnidirectionalSequenceLSTMOptions)
	if !ok {
		return format.Op{}, format.Malformed(path+" / options", "options of type %T, want UnidirectionalSequenceLSTMOptions", op.Options)
	}
	if o.FusedActivation != ActTanh {
		return format.Op{}, c.unsupported(idx, "cell gate activation %d (the integer kernel supports TANH)", o.FusedActivation)
	}
	for _, k := range []int{9, 10, 11, 16, 17, 20, 21, 22, 23} {
		if op.Inputs[k] >= 0 {
			return format.Op{}, c.unsupported(idx, "input %d present: peephole, projection and layer-norm LSTMs are not supported", k)
		}
	}
	get := func(k int, what string) (*format.Tensor, error) {
		if op.Inputs[k] < 0 {
			return nil, format.Malformed(path, "input %d (%s) is absent", k, what)
		}
		t, err := c.tensor(op.Inputs[k])
		if err != nil {
			return nil, c.atOperand(idx, fmt.Sprintf("input %d (%s)", k, what), err)
		}
		if len(t.Scale) != 1 && t.DType != format.DTypeInt32 && t.DType != format.DTypeInt64 {
			return nil, c.unsupported(idx, "input %d (%s) needs per-tensor quantization", k, what)
		}
		return t, nil
	}
	in, err := get(0, "input")
	if err != nil {
		return format.Op{}, err
	}
	hidden, err := get(18, "hidden state")
	if err != nil {
		return format.Op{}, err
	}
	cell, err := get(19, "cell state")
	if err != nil {
		return format.Op{}, err
	}
	if op.Outputs[0] < 0 {
		return format.Op{}, format.Malformed(path, "the output is absent")
	}
	out, err := c.tensor(op.Outputs[0])
	if err != nil {
		return format.Op{}, c.atOperand(idx, "output 0", err)
	}
	var biasType format.DType
	switch in.DType {
	case format.DTypeInt8:
		biasType = format.DTypeInt32
	case format.DTypeInt16:
		biasType = format.DTypeInt64
		if in.ZeroPoint[0] != 0 || hidden.ZeroPoint[0] != 0 {
			return format.Op{}, c.unsupported(idx, "int16 input or hidden state with a non-zero zero point")
		}
	default:
		return format.Op{}, c.unsupported(idx, "input %s (want int8 or int16)", in.DType)
	}
	if hidden.DType != in.DType || out.DType != in.DType || cell.DType != format.DTypeInt16 {
		return format.Op{}, c.unsupported(idx, "input %s, hidden state %s, output %s, cell state %s: want the activations alike and an int16 cell state",
			in.DType, hidden.DType, out.DType, cell.DType)
	}
	if !hidden.Variable || !cell.Variable {
		return format.Op{}, format.Malformed(path, "the hidden and cell states must be variable tensors")
	}
	lg, ok := checkedLog2(cell.Scale[0])
	if !ok || cell.ZeroPoint[0] != 0 {
		return format.Op{}, c.unsupported(idx, "cell state scale %g (zero point %d): want a power of two, zero point 0", cell.Scale[0], cell.ZeroPoint[0])
	}
	p := &format.LSTMParams{TimeMajor: o.TimeMajor, InputOffset: -in.ZeroPoint[0], HiddenOffset: -hidden.ZeroPoint[0], HiddenZeroPoint: hidden.ZeroPoint[0]}
	gateScale := float64(float32(math.Ldexp(1, -12)))
	for _, g := range lstmGates {
		wi, err := get(g[0], "input weights")
		if err != nil {
			return format.Op{}, err
		}
		wr, err := get(g[1], "recurrent weights")
		if err != nil {
			return format.Op{}, err
		}
		b, err := get(g[2], "bias")
		if err != nil {
			return format.Op{}, err
		}
		if wi.DType != format.DTypeInt8 || wr.DType != format.DTypeInt8 || b.DType != biasType {
			return format.Op{}, c.unsupported(idx, "weights %s/%s, bias %s: want int8 weights and a %s bias", wi.DType, wr.DType, b.DType, biasType)
		}
		if wi.ZeroPoint[0] != 0 || wr.ZeroPoint[0] != 0 {
			return format.Op{}, c.unsupported(idx, "weights with a non-zero zero point")
		}
		m, s := dyadic.QuantizeMultiplier(float64(float32(in.Scale[0])) * float64(wi.Scale[0]) / gateScale)
		p.InputMultipliers, p.InputShifts = append(p.InputMultipliers, m), append(p.InputShifts, s)
		m, s = dyadic.QuantizeMultiplier(float64(hidden.Scale[0]) * float64(wr.Scale[0]) / gateScale)
		p.RecurrentMultipliers, p.RecurrentShifts = append(p.RecurrentMultipliers, m), append(p.RecurrentShifts, s)
	}
	gateOut := math.Ldexp(1, -15)
	cs := float64(cell.Scale[0])
	p.ForgetMultiplier, p.ForgetShift = dyadic.QuantizeMultiplier(gateOut * cs / cs)
	p.CellMultiplier, p.CellShift = dyadic.QuantizeMultiplier(gateOut * gateOut / cs)
	p.HiddenMultiplier, p.HiddenShift = dyadic.QuantizeMultiplier(gateOut * gateOut / float64(hidden.Scale[0]))
	// TANH of the cell state: input left shift 12 + log2(scale); a negative
	// shift becomes multiplier 3 with that right shift, else 3 << shift.
	if sh := 12 + lg; sh >= 0 {
		if sh > 12 {
			return format.Op{}, c.unsupported(idx, "cell state scale 2^%d above 1", lg)
		}
		p.CellTanhMultiplier = 3 << sh
	} else {
		if sh < -31 {
			return format.Op{}, c.unsupported(idx, "cell state scale 2^%d too small", lg)
		}
		p.CellTanhMultiplier, p.CellTanhLeftShift = 3, -sh
	}
	if o.CellClip > 0 {
		p.CellClip = int32(int16(min(max(float64(o.CellClip)/cs, -32768), 32767)))
	}
	return format.Op{Code: format.OpUnidirectionalSequenceLSTM, Inputs: append([]int32(nil), op.Inputs...), Outputs: []int32{op.Outputs[0]}, Params: p}, nil
}
