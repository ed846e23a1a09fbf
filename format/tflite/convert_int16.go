package tflite

import (
	"fmt"
	"math"

	"github.com/edgerun/edgerun/dyadic"

	"github.com/edgerun/edgerun/format"
)

// int16 ("16x8") activations: the operand checks and ranges the int16
// paths of every op family share. TFLite Micro requires int16 activations
// to have zero point 0 (symmetric) in every kernel that takes them, and the
// 16x8 weights to be int8 symmetric.

// quantized16 is quantized for int16 tensors: per-tensor quantization,
// zero point 0.
func (c *converter) quantized16(t int32) (*format.Tensor, float64, int32, error) {
	ft, err := c.tensor(t)
	if err != nil {
		return nil, 0, 0, err
	}
	path := fmt.Sprintf("subgraph 0 / tensor %d %q", t, ft.Name)
	if ft.DType != format.DTypeInt16 {
		return nil, 0, 0, &format.UnsupportedOpError{Op: "tensor", Index: -1, Reason: fmt.Sprintf("tensor %d %q is %s, want int16", t, ft.Name, ft.DType)}
	}
	if len(ft.Scale) < 1 {
		return nil, 0, 0, format.Malformed(path, "int16 tensor without quantization")
	}
	if len(ft.Scale) != 1 {
		return nil, 0, 0, &format.UnsupportedOpError{Op: "tensor", Index: -1,
			Reason: fmt.Sprintf("tensor %d %q has %d scales (per-channel); this operand needs per-tensor quantization", t, ft.Name, len(ft.Scale))}
	}
	if ft.ZeroPoint[0] != 0 {
		return nil, 0, 0, &format.UnsupportedOpError{Op: "tensor", Index: -1,
			Reason: fmt.Sprintf("int16 tensor %d %q has zero point %d (TFLite's int16 kernels take zero point 0)", t, ft.Name, ft.ZeroPoint[0])}
	}
	return ft, float64(ft.Scale[0]), 0, nil
}

// quantizedAny is quantized or quantized16 by the tensor's dtype.
func (c *converter) quantizedAny(t int32) (*format.Tensor, float64, int32, error) {
	if ft, err := c.tensor(t); err == nil && ft.DType == format.DTypeInt16 {
		return c.quantized16(t)
	}
	return c.quantized(t)
}

// activationRange16 is CalculateActivationRangeQuantized for an int16
// output (zero point 0): the fused activation's bounds quantized in float,
// within [-32768, 32767].
func (c *converter) activationRange16(act Activation, t int32) (int32, int32, error) {
	_, scale, zp, err := c.quantized16(t)
	if err != nil {
		return 0, 0, err
	}
	s := float32(scale)
	q := func(f float32) int32 {
		v := math.Round(float64(f / s))
		return zp + int32(max(min(v, math.MaxInt32/2), math.MinInt32/2))
	}
	lo, hi := int32(math.MinInt16), int32(math.MaxInt16)
	switch act {
	case ActNone:
	case ActRelu:
		lo = max(lo, q(0))
	case ActRelu6:
		lo, hi = max(lo, q(0)), min(hi, q(6))
	case ActReluN1To1:
		lo, hi = max(lo, q(-1)), min(hi, q(1))
	default:
		return 0, 0, &format.UnsupportedOpError{Op: "fused activation", Index: -1, Reason: fmt.Sprintf("activation %d", act)}
	}
	return lo, hi, nil
}

// check16 is the 16x8 part of weighted: weights symmetric (zero point 0
// in every channel), as TFLite's int16 conv kernels ignore the weights'
// zero point.
func (w *weightedOp) check16(c *converter) error {
	for i, z := range w.filterT.ZeroPoint {
		if z != 0 {
			return w.unsupported(c, fmt.Sprintf("16x8 weights with zero point %d in channel %d (want symmetric int8 weights)", z, i))
		}
	}
	return nil
}

// addLeftShift16 is the pre-scaling shift of TFLite Micro's int16 ADD and
// SUB general path (add_common.cc / sub_common.cc: 15 for an int16
// output, 20 otherwise).
const addLeftShift16 = 15

// addLeftShift returns the ADD/SUB pre-scaling shift for op's output type.
func (c *converter) addLeftShift(op *Operator) int32 {
	if ft, err := c.tensor(op.Outputs[0]); err == nil && ft.DType == format.DTypeInt16 {
		return addLeftShift16
	}
	return addLeftShift
}

// ---- elementwise rescales: LEAKY_RELU, RELU, RELU6 on int16; QUANTIZE ----

// rescaleIO is a validated one-input, one-output rescale op with an int16
// operand (see usesInt16).
type rescaleIO struct {
	in, out           int32
	inScale, outScale float32
	inZP, outZP       int32
	outType           format.DType
}

// usesInt16 reports whether op's first input or first output is an int16
// tensor: the ops whose int8 form is a 256-entry table take RescaleParams
// then.
func (c *converter) usesInt16(op *Operator) bool {
	for _, list := range [][]int32{op.Inputs, op.Outputs} {
		if len(list) > 0 && list[0] >= 0 && int(list[0]) < len(c.sg.Tensors) && c.sg.Tensors[list[0]].Type == TypeInt16 {
			return true
		}
	}
	return false
}

// rescaleOperands checks a one-input, one-output op on int16 (or, for
// QUANTIZE, int8 / int16 / int32) tensors with per-tensor quantization.
// TFLite's int16 kernels take zero point 0 on int16 tensors; QUANTIZE's
// Requantize applies any zero point, so quantize keeps them.
func (c *converter) rescaleOperands(idx int, op *Operator, quantize bool) (rescaleIO, error) {
	path := c.opPath(idx)
	if len(op.Inputs) != 1 || len(op.Outputs) != 1 || op.Inputs[0] < 0 || op.Outputs[0] < 0 {
		return rescaleIO{}, format.Malformed(path, "has %d inputs and %d outputs, want 1 and 1", len(op.Inputs), len(op.Outputs))
	}
	r := rescaleIO{in: op.Inputs[0], out: op.Outputs[0]}
	for k, side := range []struct {
		t     int32
		scale *float32
		zp    *int32
	}{{r.in, &r.inScale, &r.inZP}, {r.out, &r.outScale, &r.outZP}} {
		ft, err := c.tensor(side.t)
		if err != nil {
			return rescaleIO{}, err
		}
		what := [2]string{"input 0", "output 0"}[k]
		switch {
		case ft.DType == format.DTypeInt16:
		case quantize && ft.DType == format.DTypeInt8:
		case quantize && k == 1 && ft.DType == format.DTypeInt32:
		default:
			return rescaleIO{}, c.tableUnsupported(idx, op, "%s is %s with an int16 operand", what, ft.DType)
		}
		if len(ft.Scale) != 1 {
			if len(ft.Scale) == 0 {
				return rescaleIO{}, format.Malformed(fmt.Sprintf("%s / %s", path, what), "tensor without quantization")
			}
			return rescaleIO{}, c.tableUnsupported(idx, op, "%s has %d scales; this op needs per-tensor quantization", what, len(ft.Scale))
		}
		if !quantize && ft.ZeroPoint[0] != 0 {
			return rescaleIO{}, c.tableUnsupported(idx, op, "%s has zero point %d (TFLite's int16 kernels take zero point 0)", what, ft.ZeroPoint[0])
		}
		*side.scale, *side.zp = ft.Scale[0], ft.ZeroPoint[0]
		r.outType = ft.DType
	}
	return r, nil
}

// dtypeRange is the value range of an integer dtype.
func dtypeRange(d format.DType) (int32, int32) {
	switch d {
	case format.DTypeInt8:
		return math.MinInt8, math.MaxInt8
	case format.DTypeInt16:
		return math.MinInt16, math.MaxInt16
	}
	return math.MinInt32, math.MaxInt32
}

func rescaleOp(code format.OpCode, r rescaleIO, p *format.RescaleParams) format.Op {
	p.InputZeroPoint, p.OutputZeroPoint = r.inZP, r.outZP
	return format.Op{Code: code, Inputs: []int32{r.in}, Outputs: []int32{r.out}, Params: p}
}

// convertLeakyRelu16 follows TFLM's CalculateOpDataLeakyRelu, the same for
// int8 and int16: the alpha and identity multipliers from float32 ratios
// (see convertLeakyRelu), applied by QuantizeLeakyRelu<int16_t> by the
// sign of input - zero point, clamped to int16.
func convertLeakyRelu16(c *converter, idx int, op *Operator) (format.Op, error) {
	r, err := c.rescaleOperands(idx, op, false)
	if err != nil {
		return format.Op{}, err
	}
	var alpha float32
	switch o := op.Options.(type) {
	case nil:
	case *LeakyReluOptions:
		alpha = o.Alpha
	default:
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options", "are %T, want LeakyReluOptions", op.Options)
	}
	if math.IsNaN(float64(alpha)) || math.IsInf(float64(alpha), 0) {
		return format.Op{}, format.Malformed(c.opPath(idx)+" / options / alpha", "is %v, want a finite number", alpha)
	}
	p := &format.RescaleParams{ActMin: math.MinInt16, ActMax: math.MaxInt16}
	if p.NegMultiplier, p.NegShift, err = c.tableMultiplier(idx, op, "alpha", float64(r.inScale*alpha/r.outScale)); err != nil {
		return format.Op{}, err
	}
	if p.Multiplier, p.Shift, err = c.tableMultiplier(idx, op, "identity", float64(r.inScale/r.outScale)); err != nil {
		return format.Op{}, err
	}
	return rescaleOp(format.OpLeakyRelu, r, p), nil
}

// convertRelu16 is CalculateReluOpData<int16_t>: the input/output scale
// ratio in double, lower bound max(-32768, output zero point), no upper
// bound below 32767.
func convertRelu16(c *converter, idx int, op *Operator) (format.Op, error) {
	r, err := c.rescaleOperands(idx, op, false)
	if err != nil {
		return format.Op{}, err
	}
	p := &format.RescaleParams{ActMin: max(math.MinInt16, r.outZP), ActMax: math.MaxInt16}
	if p.Multiplier, p.Shift, err = c.tableMultiplier(idx, op, "requantization", float64(r.inScale)/float64(r.outScale)); err != nil {
		return format.Op{}, err
	}
	p.NegMultiplier, p.NegShift = p.Multiplier, p.Shift
	return rescaleOp(format.OpRelu, r, p), nil
}

// convertRelu616 is Relu6Prepare / Relu6Quantized for int16: a clamp of the
// raw input to [zero point, six], six = round(6.0f / input scale) + zero
// point saturated to int16, no requantization (expressed as the identity
// rescale 2^30·2^(1-31) = 1, exact).
func convertRelu616(c *converter, idx int, op *Operator) (format.Op, error) {
	r, err := c.rescaleOperands(idx, op, false)
	if err != nil {
		return format.Op{}, err
	}
	q := math.Round(float64(float32(6) / r.inScale))
	if q >= 1<<31 {
		return format.Op{}, c.tableUnsupported(idx, op, "input scale %g: 6 / scale does not fit int32 (TFLite Micro's conversion is undefined)", r.inScale)
	}
	six := int32(min(max(q+float64(r.inZP), math.MinInt16), math.MaxInt16))
	p := &format.RescaleParams{Multiplier: 1 << 30, Shift: 1, NegMultiplier: 1 << 30, NegShift: 1, ActMin: r.inZP, ActMax: six}
	// TFLM never reads the output quantization: the identity rescale with
	// the input's zero point on both sides.
	r.outZP = r.inZP
	return rescaleOp(format.OpRelu6, r, p), nil
}

// convertQuantize16 is QUANTIZE with an int16 operand (int8 → int16, int16
// → int8, int16 → int16, int16 → int32): TFLM's PrepareQuantizeReference
// and reference_ops::Requantize (see convertQuantize), clamped to the
// output type's range.
func convertQuantize16(c *converter, idx int, op *Operator) (format.Op, error) {
	r, err := c.rescaleOperands(idx, op, true)
	if err != nil {
		return format.Op{}, err
	}
	p := &format.RescaleParams{}
	p.ActMin, p.ActMax = dtypeRange(r.outType)
	if p.Multiplier, p.Shift, err = c.tableMultiplier(idx, op, "effective", float64(r.inScale)/float64(r.outScale)); err != nil {
		return format.Op{}, err
	}
	p.NegMultiplier, p.NegShift = p.Multiplier, p.Shift
	return rescaleOp(format.OpQuantize, r, p), nil
}

// ---- LOGISTIC and TANH on int16 ------------------------------------------

// checkedLog2 is TFLite's CheckedLog2 in its float32 arithmetic: log2(x)
// as logf(x)·(1/logf(2)), rounded half away from zero; ok when the
// fraction is below 1e-3 (x a power of two).
func checkedLog2(x float32) (int32, bool) {
	lg := float32(math.Log(float64(x))) * (1 / float32(math.Log(2)))
	r := float32(math.Round(float64(lg)))
	return int32(r), float32(math.Abs(float64(lg-r))) < 1e-3
}

// convertSigmoid16 follows TFLM's int16 LOGISTIC / TANH prepare
// (CalculateArithmeticOpDataLogistic, tanh.cc's CalculateArithmeticOpData):
// zero points 0, an output scale of 2^-15, and the input rescale to the
// lookup table's steps of 1/(3·4096): for a power-of-two input scale with
// left shift 12 + log2(scale) = 0 (TANH: 0 or 1) the multiplier 3 <<
// shift and shift 0 (what the kernel substitutes for multiplier 0), else
// scale·3·4096 doubled (with the shift counted) until above 32767/2,
// truncated to int32.
func convertSigmoid16(c *converter, idx int, op *Operator, code format.OpCode) (format.Op, error) {
	r, err := c.rescaleOperands(idx, op, false)
	if err != nil {
		return format.Op{}, err
	}
	if l, ok := checkedLog2(r.outScale); !ok || l != -15 {
		return format.Op{}, c.tableUnsupported(idx, op, "output scale %g, want 2^-15 (TFLite's int16 %s)", r.outScale, code)
	}
	log2, pot := checkedLog2(r.inScale)
	shift := 12 + log2
	if code == format.OpTanh {
		pot = pot && (shift == 0 || shift == 1)
	} else {
		pot = pot && shift == 0
	}
	p := &format.Sigmoid16Params{}
	if pot {
		p.InputMultiplier, p.InputLeftShift = 3<<shift, 0
	} else {
		m := float64(r.inScale) * 4096 * 3
		shift = 0
		for m <= 32767.0/2 && shift <= 30 {
			shift++
			m *= 2
		}
		if m > 32767 {
			return format.Op{}, c.tableUnsupported(idx, op, "input scale %g: the input multiplier %g exceeds 32767 (TFLite's int16 %s assumes it does not)", r.inScale, m, code)
		}
		p.InputMultiplier, p.InputLeftShift = int32(m), shift
	}
	return format.Op{Code: code, Inputs: []int32{r.in}, Outputs: []int32{r.out}, Params: p}, nil
}

func convertLogistic16(c *converter, idx int, op *Operator) (format.Op, error) {
	return convertSigmoid16(c, idx, op, format.OpLogistic)
}

func convertTanh16(c *converter, idx int, op *Operator) (format.Op, error) {
	return convertSigmoid16(c, idx, op, format.OpTanh)
}

// ---- SOFTMAX on int16 -----------------------------------------------------

// convertSoftmax16 follows TFLM's int16 SOFTMAX prepare
// (CalculateSoftmaxParams): output zero point 0 and scale 1/32768 (within
// 0.1%), and one multiplier, QuantizeMultiplier(double(input scale) ·
// double(beta) / (10/65535)), that maps input differences so that
// [-65535, 0] covers [-10, 0], carried in SoftmaxParams (DiffMin unused).
// The kernel's two lookup tables are fixed (ops/softmax16_lut.go).
func convertSoftmax16(c *converter, idx int, op *Operator) (format.Op, error) {
	path := c.opPath(idx)
	opts, ok := op.Options.(*SoftmaxOptions)
	if !ok || opts == nil {
		return format.Op{}, format.Malformed(path, "missing SoftmaxOptions")
	}
	r, err := c.rescaleOperands(idx, op, false)
	if err != nil {
		return format.Op{}, err
	}
	if d := math.Abs(float64(r.outScale) - 1.0/32768); d > 0.001/32768 {
		return format.Op{}, c.tableUnsupported(idx, op, "int16 output scale %g, want 1/32768", r.outScale)
	}
	if math.IsNaN(float64(opts.Beta)) || math.IsInf(float64(opts.Beta), 0) {
		return format.Op{}, format.Malformed(path+" / options / beta", "is %v, want a finite number", opts.Beta)
	}
	in, _ := c.tensor(r.in)
	out, _ := c.tensor(r.out)
	if len(in.Shape) < 1 || !poolShapeEqual(in.Shape, out.Shape) {
		return format.Op{}, format.Malformed(path, "input shape %v, output shape %v: want equal shapes of rank >= 1", in.Shape, out.Shape)
	}
	real := float64(r.inScale) * float64(opts.Beta) / (10.0 / 65535.0)
	if !(real > 0) {
		// As for int8 (PreprocessSoftmaxScaling): a softmax with beta <= 0
		// is not one a converter emits.
		return format.Op{}, c.tableUnsupported(idx, op, "beta %v: want positive", opts.Beta)
	}
	mult, shift := dyadic.QuantizeMultiplier(real)
	if mult < 0 || shift > 30 {
		return format.Op{}, c.tableUnsupported(idx, op, "input rescale %g (beta %v, scale %g) outside what TFLite's int16 softmax computes", real, opts.Beta, r.inScale)
	}
	return format.Op{Code: format.OpSoftmax, Inputs: []int32{r.in}, Outputs: []int32{r.out},
		Params: &format.SoftmaxParams{InputBetaMultiplier: mult, InputBetaLeftShift: shift}}, nil
}

// softmaxOutput checks the output of an int8-input SOFTMAX: int8 with
// scale 1/256 and zero point -128, or (TFLM's int8 → int16 form) int16
// with zero point -32768 and scale 1/65536 within 0.1%.
func (c *converter) softmaxOutput(idx int, op *Operator) (*format.Tensor, error) {
	if t := op.Outputs[0]; t >= 0 && int(t) < len(c.sg.Tensors) && c.sg.Tensors[t].Type == TypeInt16 {
		out, err := c.tensor(t)
		if err != nil {
			return nil, err
		}
		if len(out.Scale) != 1 || out.ZeroPoint[0] != -32768 || math.Abs(float64(out.Scale[0])-1.0/65536) > 0.001/65536 {
			return nil, c.poolUnsupported(idx, fmt.Sprintf("int16 output of an int8 softmax needs scale 1/65536 and zero point -32768, has scale %v and zero point %v", out.Scale, out.ZeroPoint))
		}
		return out, nil
	}
	out, _, outZP, err := c.quantized(op.Outputs[0])
	if err != nil {
		return nil, err
	}
	if outZP != -128 || out.Scale[0] != 1.0/256 {
		return nil, c.poolUnsupported(idx, fmt.Sprintf("int8 output needs scale 1/256 and zero point -128, has scale %v and zero point %d", out.Scale[0], outZP))
	}
	return out, nil
}

// ---- MEAN on int16 --------------------------------------------------------

// mean16Op is MEAN on int16 tensors: TFLite's QuantizedMeanOrSum with the
// int8 path's multiplier (meanMultiplier: the scale ratio with 1/n folded
// in), applied in the kernel rather than folded into thresholds (an int16
// output would need 65535 of them).
func (c *converter) mean16Op(idx int, op *Operator, axes []int32, keepDims bool, inScale float64, inZP int32, outScale float64, outZP int32, n int64) (format.Op, error) {
	if n < 1 || n > 1<<16-1 {
		return format.Op{}, c.poolUnsupported(idx, fmt.Sprintf("%d int16 elements per mean (want 1..65535: the int32 sum must not overflow)", n))
	}
	mult, shift, err := meanMultiplier(inScale, outScale, n, false)
	if err != nil {
		return format.Op{}, c.poolUnsupported(idx, err.Error())
	}
	return format.Op{
		Code:    format.OpMean,
		Inputs:  []int32{op.Inputs[0]},
		Outputs: []int32{op.Outputs[0]},
		Params: &format.Mean16Params{Axes: axes, KeepDims: keepDims, Multiplier: mult, Shift: shift,
			InputZeroPoint: inZP, OutputZeroPoint: outZP},
	}, nil
}
