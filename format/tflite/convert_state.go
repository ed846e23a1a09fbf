package tflite

import (
	"fmt"
	"math"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// convertSVDF converts an integer SVDF (TFLite Micro's PrepareSvdf):
// inputs input [batch, inputs] int8, weights_feature [filters, inputs]
// int8, weights_time [filters, memory] int16 or int8, optional bias
// [units] int32, the variable state [batch, memory·filters] (the weights'
// dtype); output [batch, units] int8, units = filters / rank. The two
// rescales are TFLite's: its float32 products and quotient, widened to
// double, through QuantizeMultiplier.
func convertSVDF(c *converter, idx int, op *Operator) (format.Op, error) {
	path := c.opPath(idx)
	if len(op.Inputs) != 5 || len(op.Outputs) != 1 {
		return format.Op{}, format.Malformed(path, "has %d inputs and %d outputs, want 5 and 1", len(op.Inputs), len(op.Outputs))
	}
	o, ok := op.Options.(*SVDFOptions)
	if !ok {
		return format.Op{}, format.Malformed(path+" / options", "options of type %T, want SVDFOptions", op.Options)
	}
	for k, t := range []int32{op.Inputs[0], op.Inputs[1], op.Inputs[2], op.Inputs[4], op.Outputs[0]} {
		if t < 0 {
			return format.Op{}, format.Malformed(path, "operand %d is absent", k)
		}
	}
	in, inScale, inZP, err := c.quantized(op.Inputs[0])
	if err != nil {
		return format.Op{}, c.atOperand(idx, "input 0", err)
	}
	wf, wfScale, _, err := c.quantized(op.Inputs[1])
	if err != nil {
		return format.Op{}, c.atOperand(idx, "input 1 (weights_feature)", err)
	}
	out, outScale, outZP, err := c.quantized(op.Outputs[0])
	if err != nil {
		return format.Op{}, c.atOperand(idx, "output 0", err)
	}
	wt, err := c.tensor(op.Inputs[2])
	if err != nil {
		return format.Op{}, c.atOperand(idx, "input 2 (weights_time)", err)
	}
	state, err := c.tensor(op.Inputs[4])
	if err != nil {
		return format.Op{}, c.atOperand(idx, "input 4 (state)", err)
	}
	unsupported := func(reason string) error {
		code := c.src.OperatorCodes[op.OpcodeIndex]
		return &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: idx, Reason: reason}
	}
	if wt.DType != format.DTypeInt16 && wt.DType != format.DTypeInt8 || state.DType != wt.DType {
		return format.Op{}, unsupported(fmt.Sprintf("weights_time %s with state %s (want int16 or int8, the same)", wt.DType, state.DType))
	}
	if !wf.IsConstant() || !wt.IsConstant() {
		return format.Op{}, format.Malformed(path, "weights_feature and weights_time must be constants")
	}
	if !state.Variable {
		return format.Op{}, format.Malformed(path+" / input 4", "the state tensor is not a variable")
	}
	if len(wt.Scale) != 1 || len(state.Scale) != 1 {
		return format.Op{}, format.Malformed(path, "weights_time and state need per-tensor quantization")
	}
	if len(in.Shape) != 2 || len(wf.Shape) != 2 || len(wt.Shape) != 2 || len(state.Shape) != 2 || len(out.Shape) != 2 {
		return format.Op{}, format.Malformed(path, "input %v, weights_feature %v, weights_time %v, state %v, output %v: want rank 2 each",
			in.Shape, wf.Shape, wt.Shape, state.Shape, out.Shape)
	}
	batch, inputs := int64(in.Shape[0]), int64(in.Shape[1])
	filters, memory := int64(wf.Shape[0]), int64(wt.Shape[1])
	if o.Rank < 1 || filters%int64(o.Rank) != 0 {
		return format.Op{}, format.Malformed(path+" / options", "rank %d does not divide %d filters", o.Rank, filters)
	}
	units := filters / int64(o.Rank)
	switch {
	case int64(wf.Shape[1]) != inputs:
		return format.Op{}, format.Malformed(path, "weights_feature %v for %d inputs", wf.Shape, inputs)
	case int64(wt.Shape[0]) != filters || memory < 1:
		return format.Op{}, format.Malformed(path, "weights_time %v for %d filters", wt.Shape, filters)
	case int64(state.Shape[0]) != batch || int64(state.Shape[1]) != memory*filters:
		return format.Op{}, format.Malformed(path, "state %v, want [%d %d]", state.Shape, batch, memory*filters)
	case int64(out.Shape[0]) != batch || int64(out.Shape[1]) != units:
		return format.Op{}, format.Malformed(path, "output %v, want [%d %d]", out.Shape, batch, units)
	}
	if b := op.Inputs[3]; b >= 0 {
		bt, err := c.tensor(b)
		if err != nil {
			return format.Op{}, c.atOperand(idx, "input 3 (bias)", err)
		}
		if bt.DType != format.DTypeInt32 || !bt.IsConstant() || bt.NumElements() != units {
			return format.Op{}, format.Malformed(path+" / input 3", "bias %v %s, want a constant int32 [%d]", bt.Shape, bt.DType, units)
		}
		// TFLite Micro refuses a bias scale other than state·weights_time.
		if len(bt.Scale) == 1 && math.Abs(float64(bt.Scale[0])-float64(state.Scale[0]*wt.Scale[0])) >= 1e-5 {
			return format.Op{}, unsupported(fmt.Sprintf("bias scale %g is not state scale × weights_time scale (%g)", bt.Scale[0], state.Scale[0]*wt.Scale[0]))
		}
	}
	// TFLite's scales: float32 arithmetic, then widened.
	wtScale, stScale := wt.Scale[0], state.Scale[0]
	s1 := float64(float32(float32(inScale)*float32(wfScale)) / stScale)
	s2 := float64(float32(stScale*wtScale) / float32(outScale))
	m1, sh1 := dyadic.QuantizeMultiplier(s1)
	m2, sh2 := dyadic.QuantizeMultiplier(s2)
	var stateZP int32
	if len(state.ZeroPoint) > 0 {
		stateZP = state.ZeroPoint[0]
	}
	return format.Op{Code: format.OpSVDF, Inputs: append([]int32(nil), op.Inputs...), Outputs: []int32{op.Outputs[0]},
		Params: &format.SVDFParams{
			Rank: o.Rank, InputOffset: -inZP, OutputOffset: outZP, StateZeroPoint: stateZP,
			FeatureMultiplier: m1, FeatureShift: sh1, OutputMultiplier: m2, OutputShift: sh2,
		}}, nil
}
