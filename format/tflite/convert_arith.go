package tflite

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// addLeftShift is the pre-scaling shift of TFLite Micro's int8 ADD and SUB
// (add_common.cc / sub_common.cc): inputs are multiplied by 2^20 before
// their rescale so that the sum keeps 20 bits below the int8 resolution.
const addLeftShift = 20

// arithOptions returns the fused activation of an ADD, SUB or MUL; absent
// options mean TFLite's defaults (no activation). Options of another
// operator's type are malformed.
func arithOptions(c *converter, idx int, op *Operator) (Activation, error) {
	code := c.src.OperatorCodes[op.OpcodeIndex].BuiltinCode
	switch o := op.Options.(type) {
	case nil:
		return ActNone, nil
	case *AddOptions:
		if code == OpAdd {
			return o.FusedActivation, nil
		}
	case *SubOptions:
		if code == OpSub {
			return o.FusedActivation, nil
		}
	case *MulOptions:
		if code == OpMul {
			return o.FusedActivation, nil
		}
	}
	return 0, format.Malformed(c.opPath(idx)+" / options", "options of type %T", op.Options)
}

// arithOperands checks the two inputs and one output of ADD, SUB or MUL and
// returns their per-tensor int8 scales and zero points (in1, in2, out).
func arithOperands(c *converter, idx int, op *Operator) (scales [3]float64, zps [3]int32, err error) {
	if len(op.Inputs) != 2 || len(op.Outputs) != 1 {
		return scales, zps, format.Malformed(c.opPath(idx), "has %d inputs and %d outputs, want 2 and 1", len(op.Inputs), len(op.Outputs))
	}
	ts := [3]int32{op.Inputs[0], op.Inputs[1], op.Outputs[0]}
	for i, t := range ts {
		if t < 0 {
			return scales, zps, format.Malformed(c.opPath(idx), "operand %d is absent", i)
		}
		ft, s, z, err := c.quantizedAny(t)
		if err != nil {
			return scales, zps, err
		}
		if first, _ := c.tensor(ts[0]); ft.DType != first.DType {
			return scales, zps, unsupportedArith(c, idx, fmt.Sprintf("operand %d is %s, operand 0 %s (mixed types)", i, ft.DType, first.DType))
		}
		if len(ft.Scale) != 1 {
			return scales, zps, unsupportedArith(c, idx, fmt.Sprintf("tensor %d %q has per-channel quantization", t, ft.Name))
		}
		scales[i], zps[i] = s, z
	}
	return scales, zps, nil
}

func unsupportedArith(c *converter, idx int, reason string) error {
	code := c.src.OperatorCodes[c.sg.Operators[idx].OpcodeIndex]
	return &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: idx, Reason: reason}
}

// convertAdd follows TFLite Micro's CalculateOpDataAdd for int8: both inputs
// are brought to twice the larger input scale (real multipliers computed in
// double), shifted left by 20, summed, and the sum rescaled to the output.
func convertAdd(c *converter, idx int, op *Operator) (format.Op, error) {
	s, z, err := arithOperands(c, idx, op)
	if err != nil {
		return format.Op{}, err
	}
	ls := c.addLeftShift(op)
	twiceMax := 2 * max(s[0], s[1])
	reals := [3]float64{
		s[0] / twiceMax,
		s[1] / twiceMax,
		twiceMax / (float64(int64(1)<<ls) * s[2]),
	}
	return addSubOp(c, idx, op, format.OpAdd, reals, z, ls)
}

// convertSub follows TFLite Micro's CalculateOpDataSub for int8, which
// differs from ADD in one respect: twice the larger input scale and the
// three real multipliers are computed in float32 and only then widened to
// double, so the multipliers (and outputs) can differ from ADD's.
func convertSub(c *converter, idx int, op *Operator) (format.Op, error) {
	s, z, err := arithOperands(c, idx, op)
	if err != nil {
		return format.Op{}, err
	}
	// Explicit conversions round every step to float32, as C++ float math
	// does (Go may otherwise fuse or keep extra precision).
	ls := c.addLeftShift(op)
	s1, s2, so := float32(s[0]), float32(s[1]), float32(s[2])
	twiceMax := float32(2 * max(s1, s2))
	reals := [3]float64{
		float64(float32(s1 / twiceMax)),
		float64(float32(s2 / twiceMax)),
		float64(float32(twiceMax / float32(float32(int32(1)<<ls)*so))),
	}
	return addSubOp(c, idx, op, format.OpSub, reals, z, ls)
}

// addSubOp quantizes ADD/SUB's three real multipliers with
// QuantizeMultiplierSmallerThanOneExp (where TFLite aborts on a multiplier
// outside (0, 1), edgerun reports the op unsupported) and assembles the op.
func addSubOp(c *converter, idx int, op *Operator, code format.OpCode, reals [3]float64, z [3]int32, leftShift int32) (format.Op, error) {
	act, err := arithOptions(c, idx, op)
	if err != nil {
		return format.Op{}, err
	}
	var m, sh [3]int32
	names := [3]string{"input 1", "input 2", "output"}
	for i, r := range reals {
		m[i], sh[i], err = dyadic.QuantizeMultiplierSmallerThanOneExp(r)
		if err != nil {
			return format.Op{}, unsupportedArith(c, idx, fmt.Sprintf("%s rescale %v: %v", names[i], r, err))
		}
	}
	lo, hi, err := c.activationRange(act, op.Outputs[0])
	if err != nil {
		return format.Op{}, err
	}
	return format.Op{
		Code:    code,
		Inputs:  []int32{op.Inputs[0], op.Inputs[1]},
		Outputs: []int32{op.Outputs[0]},
		Params: &format.ArithParams{
			Input1Offset: -z[0], Input2Offset: -z[1], OutputOffset: z[2],
			LeftShift:        leftShift,
			Input1Multiplier: m[0], Input1Shift: sh[0],
			Input2Multiplier: m[1], Input2Shift: sh[1],
			OutputMultiplier: m[2], OutputShift: sh[2],
			ActMin: lo, ActMax: hi,
		},
	}, nil
}

// convertMul follows TFLite Micro's CalculateOpDataMul for int8: one
// multiplier in1_scale·in2_scale/out_scale (double) for the product of the
// offset inputs, quantized with QuantizeMultiplier.
func convertMul(c *converter, idx int, op *Operator) (format.Op, error) {
	s, z, err := arithOperands(c, idx, op)
	if err != nil {
		return format.Op{}, err
	}
	act, err := arithOptions(c, idx, op)
	if err != nil {
		return format.Op{}, err
	}
	r := s[0] * s[1] / s[2]
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return format.Op{}, unsupportedArith(c, idx, fmt.Sprintf("output rescale %v", r))
	}
	m, sh := dyadic.QuantizeMultiplier(r)
	if sh > 30 {
		// TFLite would shift the product by 1 << shift past int32
		// (undefined behaviour); no meaningful result exists.
		return format.Op{}, unsupportedArith(c, idx, fmt.Sprintf("output rescale %v needs a left shift of %d", r, sh))
	}
	lo, hi, err := c.activationRange(act, op.Outputs[0])
	if err != nil {
		return format.Op{}, err
	}
	return format.Op{
		Code:    format.OpMul,
		Inputs:  []int32{op.Inputs[0], op.Inputs[1]},
		Outputs: []int32{op.Outputs[0]},
		Params: &format.ArithParams{
			Input1Offset: -z[0], Input2Offset: -z[1], OutputOffset: z[2],
			OutputMultiplier: m, OutputShift: sh,
			ActMin: lo, ActMax: hi,
		},
	}, nil
}

// convertConcatenation: TFLite Micro's int8 CONCATENATION copies raw values
// and requires every input to share the output's quantization and no fused
// activation; anything else is unsupported. A negative axis counts from the
// end of the output shape, as CalculatePositiveAxis does.
func convertConcatenation(c *converter, idx int, op *Operator) (format.Op, error) {
	if len(op.Inputs) < 1 || len(op.Outputs) != 1 {
		return format.Op{}, format.Malformed(c.opPath(idx), "has %d inputs and %d outputs, want at least 1 and 1", len(op.Inputs), len(op.Outputs))
	}
	var axis int32
	switch o := op.Options.(type) {
	case nil:
	case *ConcatenationOptions:
		if o.FusedActivation != ActNone {
			return format.Op{}, unsupportedArith(c, idx, fmt.Sprintf("fused activation %d (TFLite Micro requires none)", o.FusedActivation))
		}
		axis = o.Axis
	default:
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "options of type %T", op.Options)
	}
	if op.Outputs[0] < 0 {
		return format.Op{}, format.Malformed(c.opPath(idx), "output is absent")
	}
	out, _, _, err := c.quantizedAny(op.Outputs[0])
	if err != nil {
		return format.Op{}, err
	}
	rank := int32(len(out.Shape))
	if axis < 0 {
		axis += rank
	}
	if axis < 0 || axis >= rank {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "axis out of range for output shape %v", out.Shape)
	}
	for i, t := range op.Inputs {
		if t < 0 {
			return format.Op{}, format.Malformed(c.opPath(idx), "input %d is absent", i)
		}
		in, _, _, err := c.quantizedAny(t)
		if err != nil {
			return format.Op{}, err
		}
		if in.DType != out.DType {
			return format.Op{}, format.Malformed(c.opPath(idx), "input %d is %s, output %s", i, in.DType, out.DType)
		}
		if !sameQuantization(in, out) {
			return format.Op{}, unsupportedArith(c, idx, fmt.Sprintf("input %d quantization (scale %v, zero point %v) differs from the output's (%v, %v); TFLite Micro requires them equal for int8", i, in.Scale, in.ZeroPoint, out.Scale, out.ZeroPoint))
		}
	}
	return format.Op{
		Code:    format.OpConcatenation,
		Inputs:  append([]int32(nil), op.Inputs...),
		Outputs: []int32{op.Outputs[0]},
		Params:  &format.ConcatenationParams{Axis: axis},
	}, nil
}

// convertPad: PAD pads with the output zero point (TFLite Micro's pad value
// for int8 when there is no constant operand).
func convertPad(c *converter, idx int, op *Operator) (format.Op, error) {
	return padOp(c, idx, op, false)
}

// convertPadV2: PADV2 pads with its constant scalar operand, which must be
// int8 and share the output's quantization (TFLite Micro's PadPrepare).
func convertPadV2(c *converter, idx int, op *Operator) (format.Op, error) {
	return padOp(c, idx, op, true)
}

func padOp(c *converter, idx int, op *Operator, v2 bool) (format.Op, error) {
	path := c.opPath(idx)
	want := 2
	if v2 {
		want = 3
	}
	// TFLite Micro registers one kernel for both and keys on the operand
	// count; a PADV2 without its constant operand behaves as PAD.
	if len(op.Inputs) < 2 || len(op.Inputs) > want || len(op.Outputs) != 1 {
		return format.Op{}, format.Malformed(path, "has %d inputs and %d outputs, want %d and 1", len(op.Inputs), len(op.Outputs), want)
	}
	for i, t := range append(op.Inputs[:2:2], op.Outputs[0]) {
		if t < 0 {
			return format.Op{}, format.Malformed(path, "operand %d is absent", i)
		}
	}
	in, _, _, err := c.quantizedAny(op.Inputs[0])
	if err != nil {
		return format.Op{}, err
	}
	out, _, outZP, err := c.quantizedAny(op.Outputs[0])
	if err != nil {
		return format.Op{}, err
	}
	if in.DType != out.DType {
		return format.Op{}, format.Malformed(path, "input is %s, output %s", in.DType, out.DType)
	}
	rank := len(in.Shape)
	pt := op.Inputs[1]
	pshape := c.sg.Tensors[pt].Shape
	ppath := path + " / input 1 (paddings)"
	if len(pshape) != 2 || int(pshape[0]) != rank || pshape[1] != 2 {
		return format.Op{}, format.Malformed(ppath, "shape %v, want [%d 2] for input shape %v", pshape, rank, in.Shape)
	}
	pads, err := c.constInts(pt)
	if err != nil {
		return format.Op{}, err
	}
	if len(out.Shape) != rank {
		return format.Op{}, format.Malformed(path, "input shape %v, output shape %v: ranks differ", in.Shape, out.Shape)
	}
	p := &format.PadParams{Before: make([]int32, rank), After: make([]int32, rank), Value: outZP}
	for d := range rank {
		b, a := pads[2*d], pads[2*d+1]
		if b < 0 || a < 0 {
			return format.Op{}, format.Malformed(ppath, "dimension %d has negative padding (%d, %d)", d, b, a)
		}
		if int64(in.Shape[d])+b+a != int64(out.Shape[d]) {
			return format.Op{}, format.Malformed(path, "dimension %d: input %d + padding (%d, %d) != output %d", d, in.Shape[d], b, a, out.Shape[d])
		}
		p.Before[d], p.After[d] = int32(b), int32(a)
	}
	if len(op.Inputs) == 3 && op.Inputs[2] >= 0 {
		vpath := path + " / input 2 (constant value)"
		vt, _, _, err := c.quantizedAny(op.Inputs[2])
		if err != nil {
			return format.Op{}, err
		}
		if vt.NumElements() != 1 {
			return format.Op{}, format.Malformed(vpath, "has shape %v, want a single element", vt.Shape)
		}
		if !vt.IsConstant() {
			return format.Op{}, unsupportedArith(c, idx, "the pad value is not a constant")
		}
		if len(vt.Scale) != 1 || vt.Scale[0] != out.Scale[0] || vt.ZeroPoint[0] != outZP {
			return format.Op{}, unsupportedArith(c, idx, fmt.Sprintf("pad value quantization (scale %v, zero point %v) differs from the output's (%v, %v); TFLite Micro requires them equal", vt.Scale, vt.ZeroPoint, out.Scale, out.ZeroPoint))
		}
		if vt.DType != out.DType {
			return format.Op{}, format.Malformed(vpath, "is %s, output %s", vt.DType, out.DType)
		}
		p.Value = int32(int8(vt.Data[0]))
		if vt.DType == format.DTypeInt16 {
			p.Value = int32(int16(binary.LittleEndian.Uint16(vt.Data)))
		}
	}
	code := format.OpPad
	if v2 {
		code = format.OpPadV2
	}
	return format.Op{Code: code, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]}, Params: p}, nil
}

// convertTranspose reads the constant permutation (TFLite requires each
// entry in [0, rank) and, as a permutation, each once).
func convertTranspose(c *converter, idx int, op *Operator) (format.Op, error) {
	path := c.opPath(idx)
	if len(op.Inputs) != 2 || len(op.Outputs) != 1 || op.Inputs[0] < 0 || op.Inputs[1] < 0 || op.Outputs[0] < 0 {
		return format.Op{}, format.Malformed(path, "want an input, a permutation and one output")
	}
	in, _, _, err := c.quantizedAny(op.Inputs[0])
	if err != nil {
		return format.Op{}, err
	}
	out, _, _, err := c.quantizedAny(op.Outputs[0])
	if err != nil {
		return format.Op{}, err
	}
	if in.DType != out.DType {
		return format.Op{}, format.Malformed(path, "input is %s, output %s", in.DType, out.DType)
	}
	perm, err := c.constInts(op.Inputs[1])
	if err != nil {
		return format.Op{}, err
	}
	rank := len(in.Shape)
	ppath := path + " / input 1 (permutation)"
	if len(perm) != rank || len(out.Shape) != rank {
		return format.Op{}, format.Malformed(ppath, "%v for input shape %v, output shape %v", perm, in.Shape, out.Shape)
	}
	p := &format.TransposeParams{Perm: make([]int32, rank)}
	seen := make([]bool, rank)
	for i, v := range perm {
		if v < 0 || v >= int64(rank) || seen[v] {
			return format.Op{}, format.Malformed(ppath, "%v is not a permutation of %d dimensions", perm, rank)
		}
		seen[v] = true
		if out.Shape[i] != in.Shape[v] {
			return format.Op{}, format.Malformed(path, "output shape %v is not input shape %v permuted by %v", out.Shape, in.Shape, perm)
		}
		p.Perm[i] = int32(v)
	}
	return format.Op{Code: format.OpTranspose, Inputs: []int32{op.Inputs[0]}, Outputs: []int32{op.Outputs[0]}, Params: p}, nil
}
