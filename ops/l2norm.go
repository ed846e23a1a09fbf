package ops

import (
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// l2NormKernel is int8 L2_NORMALIZATION over the last dimension: TFLite's
// reference_integer_ops::L2Normalization. The sum of squared offset inputs
// of a row gives 1/sqrt(sum) as a dyadic multiplier
// (GetInvSqrtQuantizedMultiplierExp, integer), and each offset input is
// multiplied by it into the fixed output quantization 1/128, zero point 0
// (the converter checks it). The op has no params: the input zero point
// is the input tensor's.
type l2NormKernel struct {
	in, out      int32
	zp           int32
	outer, depth int
}

// l2NormOutputShift is kOutputScale of TFLite's kernel (output 2^-7).
const l2NormOutputShift = 7

func prepareL2Norm(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if op.Params != nil {
		return nil, format.Malformed(path+" / params", "%T, want none", op.Params)
	}
	if err := wantCounts(op, path, 1, 1, 1); err != nil {
		return nil, err
	}
	in, out, err := inOut(m, op, path)
	if err != nil {
		return nil, err
	}
	if len(in.ZeroPoint) != 1 || in.ZeroPoint[0] < -128 || in.ZeroPoint[0] > 127 {
		return nil, format.Malformed(path+" / input 0", "needs one int8 zero point, has %v", in.ZeroPoint)
	}
	if !sameShape(in.Shape, out.Shape) || len(in.Shape) < 1 {
		return nil, format.Malformed(path, "input shape %v, output shape %v: want equal, rank ≥ 1", in.Shape, out.Shape)
	}
	depth := int(in.Shape[len(in.Shape)-1])
	k := &l2NormKernel{in: op.Inputs[0], out: op.Outputs[0], zp: in.ZeroPoint[0], depth: depth}
	if depth > 0 {
		k.outer = int(in.NumElements()) / depth
	}
	if depth > 1<<15 {
		return nil, &format.UnsupportedOpError{Op: op.Code.String(), Index: -1, Reason: path + ": more than 2^15 elements per row (the int32 sum of squares could overflow)"}
	}
	return k, nil
}

func (k *l2NormKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	for o := 0; o < k.outer; o++ {
		row := in[o*k.depth : (o+1)*k.depth]
		var acc int32
		for _, x := range row {
			v := int32(x) - k.zp
			acc += v * v
		}
		m, s := dyadic.GetInvSqrtQuantizedMultiplierExp(acc, -1)
		dst := out[o*k.depth : (o+1)*k.depth]
		for i, x := range row {
			v := dyadic.MultiplyByQuantizedMultiplier(int32(x)-k.zp, m, s+l2NormOutputShift)
			dst[i] = int8(min(max(v, -128), 127))
		}
	}
}
