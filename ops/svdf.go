package ops

import (
	"encoding/binary"
	"math"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// SVDF, bit-exact with TFLite Micro's EvalIntegerSvdfReference. Per
// Invoke, for each batch b (state row [filters][memory], newest value
// last):
//
//  1. the whole state shifts left by one element (each filter's oldest
//     value drops out; as the reference, the shift runs across filter
//     boundaries and step 2 overwrites every filter's last slot);
//  2. feature: state[f][memory-1] = clamp(MultiplyByQuantizedMultiplier(
//     Σ_i weights_feature[f][i]·(input[i] + input_offset), feature) +
//     state_zp) to the state's type;
//  3. time: t[f] = Σ_j weights_time[f][j]·(state[f][j] − state_zp);
//  4. out[u] = clamp(MultiplyByQuantizedMultiplier(bias[u] +
//     Σ_r t[u·rank + r], output) + output_offset) to int8.
//
// Sums are int32 and wrap as the reference's do. The feature sum folds the
// input offset: Σ w·x + input_offset·Σw, with Σw per filter at prepare.
type svdfKernel struct {
	in, out, state               int32
	batch, inputs                int
	filters, memory, units, rank int
	wide                         bool // int16 state and weights_time (else int8)

	feature     []int8 // [filters][inputs]
	impl        *asm.Impl
	packed      *asm.PackedMatrix // feature, packed for impl
	featureBias []int32           // input_offset·Σ_i feature[f][i]
	time        *asm.TimeWeights  // weights_time, with state_zero_point·Σ_j w[f][j] per filter
	featRescale *asm.Rescale32    // feature sums to the state's type
	outRescale  *asm.Rescale32    // unit sums to the int8 output
	bias        []int32           // [units], zero when absent
	p           format.SVDFParams
	stateLo     int32
	stateHi     int32
}

func prepareSVDF(m *format.Model, op *format.Op, path string) (Kernel, error) {
	p, in, out, err := paramsInOut[format.SVDFParams](m, op, path, 5, 5, 1)
	if err != nil {
		return nil, err
	}
	wf, err := operand(m, op.Inputs, 1, "input", path, format.DTypeInt8)
	if err != nil {
		return nil, err
	}
	if op.Inputs[2] < 0 || op.Inputs[4] < 0 || int(op.Inputs[2]) >= len(m.Tensors) || int(op.Inputs[4]) >= len(m.Tensors) {
		return nil, format.Malformed(path, "weights_time and state are required")
	}
	wt, st := &m.Tensors[op.Inputs[2]], &m.Tensors[op.Inputs[4]]
	k := &svdfKernel{in: op.Inputs[0], out: op.Outputs[0], state: op.Inputs[4], p: *p}
	switch {
	case wt.DType == format.DTypeInt16 && st.DType == format.DTypeInt16:
		k.wide, k.stateLo, k.stateHi = true, math.MinInt16, math.MaxInt16
	case wt.DType == format.DTypeInt8 && st.DType == format.DTypeInt8:
		k.stateLo, k.stateHi = math.MinInt8, math.MaxInt8
	default:
		return nil, format.Malformed(path, "weights_time %s and state %s: want both int16 or both int8", wt.DType, st.DType)
	}
	if !wf.IsConstant() || !wt.IsConstant() || st.IsConstant() || !st.Variable {
		return nil, format.Malformed(path, "weights must be constants and the state a variable")
	}
	if len(in.Shape) != 2 || len(wf.Shape) != 2 || len(wt.Shape) != 2 || len(st.Shape) != 2 || len(out.Shape) != 2 {
		return nil, format.Malformed(path, "input, weights, state and output must have rank 2")
	}
	k.batch, k.inputs = int(in.Shape[0]), int(in.Shape[1])
	k.filters, k.memory = int(wf.Shape[0]), int(wt.Shape[1])
	if p.Rank < 1 || k.filters%int(p.Rank) != 0 || k.memory < 1 {
		return nil, format.Malformed(path+" / params", "rank %d, %d filters, memory %d", p.Rank, k.filters, k.memory)
	}
	k.rank = int(p.Rank)
	k.units = k.filters / k.rank
	if int(wf.Shape[1]) != k.inputs || int(wt.Shape[0]) != k.filters ||
		int64(st.Shape[0]) != int64(k.batch) || int64(st.Shape[1]) != int64(k.memory)*int64(k.filters) ||
		int(out.Shape[0]) != k.batch || int(out.Shape[1]) != k.units {
		return nil, format.Malformed(path, "shapes input %v, weights_feature %v, weights_time %v, state %v, output %v do not fit",
			in.Shape, wf.Shape, wt.Shape, st.Shape, out.Shape)
	}
	if err := checkOffset(p.InputOffset, "input offset", path); err != nil {
		return nil, err
	}
	if p.OutputOffset < math.MinInt8 || p.OutputOffset > math.MaxInt8 || p.StateZeroPoint < k.stateLo || p.StateZeroPoint > k.stateHi {
		return nil, format.Malformed(path+" / params", "output offset %d or state zero point %d outside its type", p.OutputOffset, p.StateZeroPoint)
	}
	if err := checkShift(p.FeatureShift, path); err != nil {
		return nil, err
	}
	if err := checkShift(p.OutputShift, path); err != nil {
		return nil, err
	}
	if int64(len(wf.Data)) != wf.ByteSize() {
		return nil, format.Malformed(path, "weights_feature data size does not match its shape")
	}
	k.feature = Int8s(wf.Data)
	k.impl = asm.Selected()
	k.packed = k.impl.PackMatrix(k.feature, k.filters, k.inputs)
	k.featureBias = make([]int32, k.filters)
	for f := range k.featureBias {
		k.featureBias[f] = p.InputOffset * sumInt8(k.feature[f*k.inputs:][:k.inputs])
	}
	if int64(len(wt.Data)) != wt.ByteSize() {
		return nil, format.Malformed(path, "weights_time data size does not match its shape")
	}
	timeW := make([]int32, k.filters*k.memory)
	for i := range timeW {
		if k.wide {
			timeW[i] = int32(int16(binary.LittleEndian.Uint16(wt.Data[2*i:])))
		} else {
			timeW[i] = int32(int8(wt.Data[i]))
		}
	}
	// Σ_j w·(v − zp) = Σ_j w·v − zp·Σ_j w in wrapping int32 arithmetic
	// (a ring identity): the time step multiplies the stored state.
	timeZP := make([]int32, k.filters)
	for f := range timeZP {
		var sum int32
		for _, w := range timeW[f*k.memory:][:k.memory] {
			sum += w
		}
		timeZP[f] = p.StateZeroPoint * sum
	}
	k.time = asm.NewTimeWeights(timeW, k.filters, k.memory, timeZP)
	k.featRescale = asm.NewRescale32(p.FeatureMultiplier, p.FeatureShift, p.StateZeroPoint, k.stateLo, k.stateHi)
	k.outRescale = asm.NewRescale32(p.OutputMultiplier, p.OutputShift, p.OutputOffset, math.MinInt8, math.MaxInt8)
	k.bias = make([]int32, k.units)
	if b, err := optionalOperand(m, op.Inputs, 3, "input", path, format.DTypeInt32); err != nil {
		return nil, err
	} else if b != nil {
		if !b.IsConstant() || b.NumElements() != int64(k.units) {
			return nil, format.Malformed(path+" / input 3", "bias must be a constant of %d values", k.units)
		}
		bias, err := int32s(b, path+" / input 3")
		if err != nil {
			return nil, err
		}
		copy(k.bias, bias)
	}
	return k, nil
}

// checkShift rejects a requantization shift outside TFLite's range.
func checkShift(s int32, path string) error {
	if s < -31 || s > 30 {
		return format.Malformed(path+" / params", "shift %d outside [-31, 30]", s)
	}
	return nil
}

// ScratchBytes: the feature products of every batch row and the time
// sums of one, int32 each.
func (k *svdfKernel) ScratchBytes() int {
	return int(min(4*(int64(k.batch)+1)*int64(k.filters)+3, math.MaxInt))
}

func (k *svdfKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	s := int32Scratch(env.Scratch, (k.batch+1)*k.filters)
	t, feat := s[:k.filters], s[k.filters:]
	// The feature products of every batch row, one GEMM (they read the
	// input only).
	k.impl.GemmInt32(in, k.inputs, k.batch, k.packed, feat, k.filters)
	row := k.filters * k.memory
	if k.wide {
		state := Int16s(env.Tensors[k.state])
		copy(state, state[1:]) // 1. shift the whole state left by one
		for b := 0; b < k.batch; b++ {
			svdfFeature(k, state[b*row:][:row], feat[b*k.filters:][:k.filters])
			k.impl.TimeDots16(k.time, state[b*row:], t)
			k.output(out[b*k.units:][:k.units], t)
		}
		return
	}
	state := env.Tensors[k.state]
	copy(state, state[1:])
	for b := 0; b < k.batch; b++ {
		svdfFeature(k, state[b*row:][:row], feat[b*k.filters:][:k.filters])
		k.impl.TimeDots8(k.time, state[b*row:], t)
		k.output(out[b*k.units:][:k.units], t)
	}
}

// svdfFeature is step 2 for one batch row: the feature dot products feat
// (rescaled in place) become each filter's newest value.
func svdfFeature[S int8 | int16](k *svdfKernel, s []S, feat []int32) {
	k.impl.Rescale32(feat, k.featureBias, k.featRescale, feat)
	last := s[k.memory-1:]
	for f, v := range feat {
		last[f*k.memory] = S(v)
	}
}

// output is step 4 for one batch row: each unit, bias plus its rank
// filters' time sums t, rescaled.
func (k *svdfKernel) output(o []int8, t []int32) {
	if k.rank > 1 {
		// In place: unit u reads t[u·rank:] and writes t[u], at or
		// before anything a later unit reads.
		for u := range o {
			var acc int32
			for _, v := range t[u*k.rank:][:k.rank] {
				acc += v
			}
			t[u] = acc
		}
	}
	t = t[:len(o)]
	k.impl.Rescale32(t, k.bias, k.outRescale, t)
	for u, v := range t {
		o[u] = int8(v)
	}
}
