package ops

import (
	"encoding/binary"
	"math"

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
	gemm      lstmGemm   // int8 activations: the products on asm (lstm_gemm.go)
	g16       lstmGemm16 // int16 activations: the products on asm's Gemm16
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
	} else {
		k.prepareGemm16()
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

// ScratchBytes: int8 activations, gemmScratchBytes; int16, one step's
// int64 input and recurrent sums (rows·4·units each) and four int16
// buffers of rows·units (three gates and the output gate), plus alignment
// slack.
func (k *lstmKernel) ScratchBytes() int {
	if !k.wide {
		return int(min(k.gemmScratchBytes(k.gemm.blk), math.MaxInt))
	}
	n := int64(k.rows) * int64(k.units)
	return int(min(2*8*4*n+8*n+7, math.MaxInt))
}

func (k *lstmKernel) Eval(env *Env) {
	if !k.wide {
		k.evalGemm(env)
		return
	}
	n := k.rows * k.units
	acc, rest := scratch64(env.Scratch, 2*4*n)
	s := scratch16(rest, 4*n)
	bufs := [4][]int16{s[:n], s[n : 2*n], s[2*n : 3*n], s[3*n : 4*n]}
	in, out := Int16s(env.Tensors[k.in]), Int16s(env.Tensors[k.out])
	hidden, cell := Int16s(env.Tensors[k.hidden]), Int16s(env.Tensors[k.cell])
	accIn, accRec := acc[:4*n], acc[4*n:]
	rowsIn, rowsOut := k.rows*k.inputs, k.rows*k.units
	if k.timeMajor {
		for t := 0; t < k.steps; t++ {
			k.step16(in[t*rowsIn:][:rowsIn], out[t*rowsOut:][:rowsOut], hidden, cell, accIn, accRec, bufs)
		}
		return
	}
	for b := 0; b < k.batch; b++ {
		h, c := hidden[b*k.units:][:k.units], cell[b*k.units:][:k.units]
		for t := 0; t < k.steps; t++ {
			i := b*k.steps + t
			k.step16(in[i*k.inputs:][:k.inputs], out[i*k.units:][:k.units], h, c, accIn, accRec, bufs)
		}
	}
}

// prepareGemm16 packs the 16x8 LSTM's weights for asm's Gemm16: the four
// gates' input weights as one [4·units][inputs] matrix, their recurrent
// weights as one [4·units][units] matrix (gate order forget, input,
// cell, output), so that a step's products are two GEMMs with exact
// int64 sums.
func (k *lstmKernel) prepareGemm16() {
	u, n := k.units, k.inputs
	wi, wr := make([]int8, 4*u*n), make([]int8, 4*u*u)
	for q := 0; q < 4; q++ {
		copy(wi[q*u*n:], k.wIn[q][:u*n])
		copy(wr[q*u*u:], k.wRec[q][:u*u])
	}
	impl := asm.Selected()
	k.g16 = lstmGemm16{impl: impl, in: impl.PackMatrix16(wi, 4*u, n), rec: impl.PackMatrix16(wr, 4*u, u)}
}

// lstmGemm16 holds the 16x8 LSTM's packed weights (prepareGemm16).
type lstmGemm16 struct {
	impl    *asm.Impl
	in, rec *asm.PackedMatrix16
}

// step16 runs one 16x8 time step over k.rows rows: x [rows][inputs], h
// and c [rows][units], out [rows][units]. accIn and accRec receive the
// step's products ([rows][4·units]); every gate reads the old h, so both
// products come first.
func (k *lstmKernel) step16(x, out, h, c []int16, accIn, accRec []int64, bufs [4][]int16) {
	p := &k.p
	g := &k.g16
	w := 4 * k.units
	g.impl.Gemm16(x, k.inputs, k.rows, g.in, accIn, w)
	g.impl.Gemm16(h, k.units, k.rows, g.rec, accRec, w)
	forget, input, cellGate, output := bufs[0], bufs[1], bufs[2], bufs[3]
	k.gate16(0, accIn, accRec, forget, false)
	k.gate16(1, accIn, accRec, input, false)
	k.gate16(2, accIn, accRec, cellGate, true)
	k.gate16(3, accIn, accRec, output, false)
	for i := range c {
		fc := sat16(dyadic.MultiplyByQuantizedMultiplier(int32(forget[i])*int32(c[i]), p.ForgetMultiplier, p.ForgetShift))
		ig := sat16(dyadic.MultiplyByQuantizedMultiplier(int32(input[i])*int32(cellGate[i]), p.CellMultiplier, p.CellShift))
		v := sat16(int32(fc) + int32(ig))
		if p.CellClip > 0 {
			v = int16(min(max(int32(v), -p.CellClip), p.CellClip))
		}
		c[i] = v
	}
	for i := range c {
		th := lstmAct(c[i], p.CellTanhMultiplier, k.tanhRound, p.CellTanhLeftShift, true)
		v := dyadic.MultiplyByQuantizedMultiplier(int32(th)*int32(output[i]), p.HiddenMultiplier, p.HiddenShift) + p.HiddenZeroPoint
		h[i] = int16(min(max(v, k.actLo), k.actHi))
	}
	copy(out, h)
}

// gate16 computes gate q into dst [rows][units] from the step's sums:
// act(sat16(clamp16(rescale64(Σ + bias)) + clamp16(rescale64(Σrec)))),
// TFLite's integer FullyConnected to int16 (output zero point 0) for the
// input and recurrent products.
func (k *lstmKernel) gate16(q int, accIn, accRec []int64, dst []int16, tanh bool) {
	p := &k.p
	u, w := k.units, 4*k.units
	bias := k.bias64[q]
	for r := 0; r < k.rows; r++ {
		ai, ar := accIn[r*w+q*u:][:u], accRec[r*w+q*u:][:u]
		d := dst[r*u:][:u]
		for j := range d {
			a := sat16(dyadic.MultiplyByQuantizedMultiplier64(ai[j]+bias[j], p.InputMultipliers[q], p.InputShifts[q]))
			b := sat16(dyadic.MultiplyByQuantizedMultiplier64(ar[j], p.RecurrentMultipliers[q], p.RecurrentShifts[q]))
			d[j] = lstmAct(sat16(int32(a)+int32(b)), 3, 0, 0, tanh)
		}
	}
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
