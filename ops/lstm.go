package ops

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// UNIDIRECTIONAL_SEQUENCE_LSTM, bit-exact with TFLite Micro's integer
// LSTM (lstm_eval.h's LstmStep). One Invoke runs the whole sequence; per
// step, for the rows of one time step (all batches when time major, else
// one batch at a time), each gate (forget, input, cell, output) is
//
//	g = act(sat16(FC_in(x) + FC_rec(h)))
//
// with FC_in = clamp16(rescale(bias + Σ w·(x + input_offset))) (int32 sums
// and the 32-bit rescale for int8 activations, int64 and the 64-bit one
// for int16), FC_rec the same over the hidden state without bias, act the
// int16 LOGISTIC (multiplier 3) or, for the cell gate, TANH; then
//
//	c = sat16(clamp16(rescale(f·c)) + clamp16(rescale(i·g)));  clip ±clip
//	h = clamp(rescale(tanh(c)·o) + hidden_zp)
//
// and h is copied to the output at that time step.
type lstmKernel struct {
	in, out, hidden, cell int32
	wide                  bool // int16 activations
	steps, batch          int
	inputs, units         int
	timeMajor             bool
	rows                  int // rows per step: batch (time major) or 1

	wIn, wRec [4][]int8 // [units][inputs], [units][units]
	bias32    [4][]int32
	bias64    [4][]int64
	p         format.LSTMParams
	actLo     int32
	actHi     int32
	tanhRound int32
	gemm      lstmGemm // int8 activations: the products on asm (lstm_gemm.go)
}

// lstmGateInputs: TFLite input indices of each gate's input weights,
// recurrent weights and bias, in LSTMParams order.
var lstmGateInputs = [4][3]int{{2, 6, 13}, {1, 5, 12}, {3, 7, 14}, {4, 8, 15}}

func prepareLSTM(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 24, 24, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.LSTMParams](op, path)
	if err != nil {
		return nil, err
	}
	if op.Inputs[0] < 0 || int(op.Inputs[0]) >= len(m.Tensors) || op.Outputs[0] < 0 || int(op.Outputs[0]) >= len(m.Tensors) {
		return nil, format.Malformed(path, "input or output tensor index out of range")
	}
	in, out := &m.Tensors[op.Inputs[0]], &m.Tensors[op.Outputs[0]]
	k := &lstmKernel{in: op.Inputs[0], out: op.Outputs[0], hidden: op.Inputs[18], cell: op.Inputs[19], p: *p, timeMajor: p.TimeMajor}
	act, bias := format.DTypeInt8, format.DTypeInt32
	k.actLo, k.actHi = math.MinInt8, math.MaxInt8
	if in.DType == format.DTypeInt16 {
		k.wide, act, bias = true, format.DTypeInt16, format.DTypeInt64
		k.actLo, k.actHi = math.MinInt16, math.MaxInt16
	}
	if _, err := operand(m, op.Inputs, 0, "input", path, act); err != nil {
		return nil, err
	}
	if _, err := operand(m, op.Outputs, 0, "output", path, act); err != nil {
		return nil, err
	}
	if in.IsConstant() || out.IsConstant() {
		return nil, format.Malformed(path, "input and output must be activations")
	}
	h, err := operand(m, op.Inputs, 18, "input", path, act)
	if err != nil {
		return nil, err
	}
	c, err := operand(m, op.Inputs, 19, "input", path, format.DTypeInt16)
	if err != nil {
		return nil, err
	}
	if !h.Variable || !c.Variable || h.IsConstant() || c.IsConstant() {
		return nil, format.Malformed(path, "the hidden and cell states must be variables")
	}
	for _, i := range []int{9, 10, 11, 16, 17, 20, 21, 22, 23} {
		if op.Inputs[i] >= 0 {
			return nil, format.Malformed(path, "input %d must be absent (no peephole, projection or layer norm)", i)
		}
	}
	if len(in.Shape) != 3 || len(out.Shape) != 3 {
		return nil, format.Malformed(path, "input %v and output %v must have rank 3", in.Shape, out.Shape)
	}
	k.steps, k.batch = int(in.Shape[1]), int(in.Shape[0])
	if k.timeMajor {
		k.steps, k.batch = k.batch, k.steps
	}
	k.inputs = int(in.Shape[2])
	k.units = int(out.Shape[2])
	k.rows = 1
	if k.timeMajor {
		k.rows = k.batch
	}
	if out.Shape[0] != in.Shape[0] || out.Shape[1] != in.Shape[1] || k.units < 1 || k.inputs < 1 ||
		h.NumElements() != int64(k.batch)*int64(k.units) || c.NumElements() != int64(k.batch)*int64(k.units) {
		return nil, format.Malformed(path, "shapes input %v, output %v, hidden %v, cell %v do not fit", in.Shape, out.Shape, h.Shape, c.Shape)
	}
	for _, v := range [][]int32{p.InputMultipliers, p.InputShifts, p.RecurrentMultipliers, p.RecurrentShifts} {
		if len(v) != 4 {
			return nil, format.Malformed(path+" / params", "gate parameter lists need 4 values, have %d", len(v))
		}
	}
	for g := 0; g < 4; g++ {
		if err := lstmRescale(p.InputMultipliers[g], p.InputShifts[g], k.wide, path); err != nil {
			return nil, err
		}
		if err := lstmRescale(p.RecurrentMultipliers[g], p.RecurrentShifts[g], k.wide, path); err != nil {
			return nil, err
		}
	}
	for _, s := range [][2]int32{{p.ForgetMultiplier, p.ForgetShift}, {p.CellMultiplier, p.CellShift}, {p.HiddenMultiplier, p.HiddenShift}} {
		if err := lstmRescale(s[0], s[1], false, path); err != nil {
			return nil, err
		}
	}
	if k.wide {
		if p.InputOffset != 0 || p.HiddenOffset != 0 || p.HiddenZeroPoint != 0 {
			return nil, format.Malformed(path+" / params", "int16 activations need zero points 0")
		}
	} else {
		if err := checkOffset(p.InputOffset, "input offset", path); err != nil {
			return nil, err
		}
		if err := checkOffset(p.HiddenOffset, "hidden offset", path); err != nil {
			return nil, err
		}
		if p.HiddenZeroPoint != -p.HiddenOffset {
			return nil, format.Malformed(path+" / params", "hidden zero point %d is not the negated hidden offset %d", p.HiddenZeroPoint, p.HiddenOffset)
		}
	}
	if p.CellTanhMultiplier < 1 || p.CellTanhMultiplier > 32767 || p.CellTanhLeftShift < 0 || p.CellTanhLeftShift > 31 || p.CellClip < 0 || p.CellClip > math.MaxInt16 {
		return nil, format.Malformed(path+" / params", "cell tanh multiplier %d, shift %d or clip %d out of range", p.CellTanhMultiplier, p.CellTanhLeftShift, p.CellClip)
	}
	if p.CellTanhLeftShift > 0 {
		k.tanhRound = 1 << (p.CellTanhLeftShift - 1)
	}
	for g, idx := range lstmGateInputs {
		wi, err := operand(m, op.Inputs, idx[0], "input", path, format.DTypeInt8)
		if err != nil {
			return nil, err
		}
		wr, err := operand(m, op.Inputs, idx[1], "input", path, format.DTypeInt8)
		if err != nil {
			return nil, err
		}
		b, err := operand(m, op.Inputs, idx[2], "input", path, bias)
		if err != nil {
			return nil, err
		}
		if !wi.IsConstant() || !wr.IsConstant() || !b.IsConstant() ||
			len(wi.Shape) != 2 || int(wi.Shape[0]) != k.units || int(wi.Shape[1]) != k.inputs ||
			len(wr.Shape) != 2 || int(wr.Shape[0]) != k.units || int(wr.Shape[1]) != k.units ||
			b.NumElements() != int64(k.units) || int64(len(b.Data)) != b.ByteSize() {
			return nil, format.Malformed(path, "gate %d: weights %v, %v and bias %v must be constants of [%d %d], [%d %d], [%d]",
				g, wi.Shape, wr.Shape, b.Shape, k.units, k.inputs, k.units, k.units, k.units)
		}
		if int64(len(wi.Data)) != wi.ByteSize() || int64(len(wr.Data)) != wr.ByteSize() {
			return nil, format.Malformed(path, "gate %d: weights data size does not match their shapes", g)
		}
		k.wIn[g], k.wRec[g] = Int8s(wi.Data), Int8s(wr.Data)
		if k.wide {
			k.bias64[g] = make([]int64, k.units)
			for i := range k.bias64[g] {
				k.bias64[g][i] = int64(binary.LittleEndian.Uint64(b.Data[8*i:]))
			}
		} else {
			k.bias32[g] = make([]int32, k.units)
			for i := range k.bias32[g] {
				k.bias32[g][i] = int32(binary.LittleEndian.Uint32(b.Data[4*i:]))
			}
		}
	}
	if !k.wide {
		if err := k.prepareGemm(path); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// lstmRescale checks a multiplier and shift the rescale can apply
// (64-bit: shift at most 14).
func lstmRescale(m, s int32, wide bool, path string) error {
	if m < 0 {
		return format.Malformed(path+" / params", "negative multiplier %d", m)
	}
	if err := checkShift(s, path); err != nil {
		return err
	}
	if wide && s > 14 {
		return format.Malformed(path+" / params", "shift %d above 14 for a 64-bit rescale", s)
	}
	return nil
}

// ScratchBytes: int8 activations, gemmScratchBytes; int16, four int16
// buffers of one step's rows·units (the gates and the recurrent product),
// plus alignment slack.
func (k *lstmKernel) ScratchBytes() int {
	if !k.wide {
		return int(min(k.gemmScratchBytes(k.gemm.blk), math.MaxInt))
	}
	return int(min(8*int64(k.rows)*int64(k.units)+1, math.MaxInt))
}

func (k *lstmKernel) Eval(env *Env) {
	if !k.wide {
		k.evalGemm(env)
		return
	}
	b := env.Scratch
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%2 != 0 {
		b = b[1:]
	}
	n := k.rows * k.units
	s := Int16s(Int8s(b[:8*n]))
	bufs := [4][]int16{s[:n], s[n : 2*n], s[2*n : 3*n], s[3*n : 4*n]}
	cell := Int16s(env.Tensors[k.cell])
	if k.wide {
		lstmRun(k, Int16s(env.Tensors[k.in]), Int16s(env.Tensors[k.out]), Int16s(env.Tensors[k.hidden]), cell, bufs)
	} else {
		lstmRun(k, env.Tensors[k.in], env.Tensors[k.out], env.Tensors[k.hidden], cell, bufs)
	}
}

func lstmRun[A int8 | int16](k *lstmKernel, in, out, hidden []A, cell []int16, bufs [4][]int16) {
	rowsIn, rowsOut := k.rows*k.inputs, k.rows*k.units
	if k.timeMajor {
		for t := 0; t < k.steps; t++ {
			lstmStep(k, in[t*rowsIn:][:rowsIn], out[t*rowsOut:][:rowsOut], hidden, cell, bufs)
		}
		return
	}
	for b := 0; b < k.batch; b++ {
		h, c := hidden[b*k.units:][:k.units], cell[b*k.units:][:k.units]
		for t := 0; t < k.steps; t++ {
			i := b*k.steps + t
			lstmStep(k, in[i*k.inputs:][:k.inputs], out[i*k.units:][:k.units], h, c, bufs)
		}
	}
}

// lstmStep runs one time step over k.rows rows: x [rows][inputs], h and
// c [rows][units], out [rows][units].
func lstmStep[A int8 | int16](k *lstmKernel, x, out, h []A, c []int16, bufs [4][]int16) {
	p := &k.p
	forget, input, cellGate, tmp := bufs[0], bufs[1], bufs[2], bufs[3]
	lstmGate(k, 0, x, h, forget, tmp, false)
	lstmGate(k, 1, x, h, input, tmp, false)
	lstmGate(k, 2, x, h, cellGate, tmp, true)
	for i := range c {
		fc := sat16(dyadic.MultiplyByQuantizedMultiplier(int32(forget[i])*int32(c[i]), p.ForgetMultiplier, p.ForgetShift))
		ig := sat16(dyadic.MultiplyByQuantizedMultiplier(int32(input[i])*int32(cellGate[i]), p.CellMultiplier, p.CellShift))
		v := sat16(int32(fc) + int32(ig))
		if p.CellClip > 0 {
			v = int16(min(max(int32(v), -p.CellClip), p.CellClip))
		}
		c[i] = v
	}
	output := input
	lstmGate(k, 3, x, h, output, tmp, false)
	for i := range c {
		th := lstmAct(c[i], p.CellTanhMultiplier, k.tanhRound, p.CellTanhLeftShift, true)
		v := dyadic.MultiplyByQuantizedMultiplier(int32(th)*int32(output[i]), p.HiddenMultiplier, p.HiddenShift) + p.HiddenZeroPoint
		h[i] = A(min(max(v, k.actLo), k.actHi))
	}
	copy(out, h)
}

// lstmGate computes gate g into dst (tmp holds the recurrent product).
func lstmGate[A int8 | int16](k *lstmKernel, g int, x, h []A, dst, tmp []int16, tanh bool) {
	p := &k.p
	wi, wr := k.wIn[g], k.wRec[g]
	for r := 0; r < k.rows; r++ {
		xr, hr := x[r*k.inputs:][:k.inputs], h[r*k.units:][:k.units]
		d, t := dst[r*k.units:][:k.units], tmp[r*k.units:][:k.units]
		for u := range d {
			d[u] = lstmFC(k, wi[u*k.inputs:][:k.inputs], xr, p.InputOffset, k.bias32[g], k.bias64[g], u, p.InputMultipliers[g], p.InputShifts[g])
			t[u] = lstmFC(k, wr[u*k.units:][:k.units], hr, p.HiddenOffset, nil, nil, u, p.RecurrentMultipliers[g], p.RecurrentShifts[g])
		}
		for u := range d {
			v := sat16(int32(d[u]) + int32(t[u]))
			if tanh {
				d[u] = lstmAct(v, 3, 0, 0, true)
			} else {
				d[u] = lstmAct(v, 3, 0, 0, false)
			}
		}
	}
}

// lstmFC is one output of TFLite's integer FullyConnected to int16 with
// output zero point 0.
func lstmFC[A int8 | int16](k *lstmKernel, w []int8, x []A, off int32, b32 []int32, b64 []int64, u int, m, s int32) int16 {
	if k.wide {
		var acc int64
		for i, v := range x {
			acc += int64(int32(w[i]) * int32(v))
		}
		if b64 != nil {
			acc += b64[u]
		}
		return sat16(dyadic.MultiplyByQuantizedMultiplier64(acc, m, s))
	}
	var acc int32
	for i, v := range x {
		acc += int32(w[i]) * (int32(v) + off)
	}
	if b32 != nil {
		acc += b32[u]
	}
	return sat16(dyadic.MultiplyByQuantizedMultiplier(acc, m, s))
}

// lstmAct is the int16 LOGISTIC or TANH of v rescaled as
// (v·mult + round) >> shift.
func lstmAct(v int16, mult, round, shift int32, tanh bool) int16 {
	x := (int32(v)*mult + round) >> shift
	ax := uint32(x)
	if x < 0 {
		ax = uint32(-x)
	}
	if tanh {
		return asm.Tanh16(x, ax)
	}
	return asm.Logistic16(x, ax)
}

func sat16(v int32) int16 { return int16(min(max(v, math.MinInt16), math.MaxInt16)) }
