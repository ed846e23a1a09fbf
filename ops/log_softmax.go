package ops

import (
	"math"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// logSoftmaxKernel is int8 LOG_SOFTMAX over the last dimension: TFLite's
// reference LogSoftmax. Per row: the maximum, the sum in Q12.19 of
// exp(diff) over the differences diff = x - max ≥ DiffMin, its logarithm
// in Q5.26 (dyadic.LogXForXGreaterThanOrEqualTo1), then each output is
// (diff in Q5.26 - log sum) rounded to the output's 1/16 steps plus 127,
// or -128 where diff is at or below the reverse-scaled bound. The
// per-difference values (diff in Q5.26 and its exp in Q12.19) are tables
// built at prepare over the 256 possible differences.
type logSoftmaxKernel struct {
	in, out      int32
	outer, depth int
	diffMin      int32
	revMult      int32
	revShift     int32
	q5           [256]int32 // [-diff]: diff in Q5.26 (only for diff ≥ diffMin)
	expQ12       [256]int32 // [-diff]: exp(diff) in Q12.19, 0 below diffMin
}

// Fixed-point formats of TFLite's int8 LOG_SOFTMAX.
const (
	logSoftmaxInputBits  = 5
	logSoftmaxAccumBits  = 12
	logSoftmaxOutputBits = 4
	logSoftmaxOutputZP   = 127
)

func prepareLogSoftmax(m *format.Model, op *format.Op, path string) (Kernel, error) {
	p, in, out, err := paramsInOut[format.LogSoftmaxParams](m, op, path, 1, 1, 1)
	if err != nil {
		return nil, err
	}
	if !sameShape(in.Shape, out.Shape) || len(in.Shape) < 1 {
		return nil, format.Malformed(path, "input shape %v, output shape %v: want equal, rank ≥ 1", in.Shape, out.Shape)
	}
	pp := path + " / params"
	if p.InputMultiplier < 0 || p.InputLeftShift < 0 || p.InputLeftShift > 31 {
		return nil, format.Malformed(pp, "input multiplier %d left shift %d: want multiplier >= 0 and shift in [0, 31]", p.InputMultiplier, p.InputLeftShift)
	}
	if p.ReverseMultiplier < 0 || p.ReverseShift < -31 || p.ReverseShift > 0 {
		return nil, format.Malformed(pp, "reverse multiplier %d shift %d: want multiplier >= 0 and shift in [-31, 0]", p.ReverseMultiplier, p.ReverseShift)
	}
	if p.DiffMin > 0 || p.DiffMin == math.MinInt32 {
		return nil, format.Malformed(pp, "diff_min %d: want in (-2^31, 0]", p.DiffMin)
	}
	depth := int(in.Shape[len(in.Shape)-1])
	if depth > 1<<12 {
		return nil, &format.UnsupportedOpError{Op: op.Code.String(), Index: -1, Reason: path + ": more than 4096 classes overflow TFLite's Q12 sum of exps"}
	}
	k := &logSoftmaxKernel{in: op.Inputs[0], out: op.Outputs[0], depth: depth,
		diffMin: p.DiffMin, revMult: p.ReverseMultiplier, revShift: p.ReverseShift}
	if depth > 0 {
		k.outer = int(in.NumElements()) / depth
	}
	for i := range 256 {
		d := -int32(i)
		if d >= p.DiffMin {
			k.q5[i] = dyadic.MultiplyByQuantizedMultiplier(d, p.InputMultiplier, p.InputLeftShift)
			k.expQ12[i] = dyadic.Rescale(dyadic.ExpOnNegativeValues(k.q5[i], logSoftmaxInputBits), 0, logSoftmaxAccumBits)
		}
	}
	return k, nil
}

func (k *logSoftmaxKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	for o := 0; o < k.outer; o++ {
		row := in[o*k.depth : (o+1)*k.depth]
		dst := out[o*k.depth : (o+1)*k.depth]
		mx := int8(math.MinInt8)
		for _, x := range row {
			mx = max(mx, x)
		}
		var sum int32
		for _, x := range row {
			sum += k.expQ12[int32(mx)-int32(x)] // zero below diffMin
		}
		logSum := dyadic.LogXForXGreaterThanOrEqualTo1(sum, logSoftmaxAccumBits, logSoftmaxInputBits)
		adj := max(k.diffMin-1, dyadic.MultiplyByQuantizedMultiplier(logSum+math.MinInt32, k.revMult, k.revShift))
		for i, x := range row {
			d := int32(x) - int32(mx)
			if d > adj {
				v := dyadic.RoundingDivideByPOT(k.q5[-d]-logSum, 31-logSoftmaxInputBits-logSoftmaxOutputBits) + logSoftmaxOutputZP
				dst[i] = int8(min(max(v, math.MinInt8), math.MaxInt8))
			} else {
				dst[i] = math.MinInt8
			}
		}
	}
}
