package tflite

import (
	"math"
	"testing"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// lstmSource: an int8 LSTM, input [1, 2, 3] (batch major), 2 units.
// Tensors: 0 input, 1–8 weights (buffers 1–8), 9–12 biases (buffers 9–12),
// 13 hidden, 14 cell, 15 output.
func lstmSource(opts *UnidirectionalSequenceLSTMOptions, cellScale float32) *Model {
	q := func(s float32, z int64) *Quantization {
		return &Quantization{Scale: []float32{s}, ZeroPoint: []int64{z}}
	}
	ts := []Tensor{{Name: "in", Type: TypeInt8, Shape: []int32{1, 2, 3}, Quantization: q(0.05, -3)}}
	var bufs []Buffer
	for k := 0; k < 8; k++ {
		cols := int32(3)
		if k >= 4 {
			cols = 2
		}
		ts = append(ts, Tensor{Name: "w", Type: TypeInt8, Shape: []int32{2, cols}, Buffer: uint32(k + 1), Quantization: q(0.01*float32(k+1), 0)})
		bufs = append(bufs, Buffer{Data: make([]byte, 2*cols)})
	}
	for g := 0; g < 4; g++ {
		ts = append(ts, Tensor{Name: "b", Type: TypeInt32, Shape: []int32{2}, Buffer: uint32(9 + g), Quantization: q(0.0005, 0)})
		bufs = append(bufs, Buffer{Data: make([]byte, 8)})
	}
	ts = append(ts,
		Tensor{Name: "hidden", Type: TypeInt8, Shape: []int32{1, 2}, IsVariable: true, Quantization: q(0.007, 5)},
		Tensor{Name: "cell", Type: TypeInt16, Shape: []int32{1, 2}, IsVariable: true, Quantization: q(cellScale, 0)},
		Tensor{Name: "out", Type: TypeInt8, Shape: []int32{1, 2, 2}, Quantization: q(0.007, 5)})
	return computeSource(OpUnidirectionalSequenceLSTM, opts, ts, bufs, []int32{0},
		[]int32{0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1, 9, 10, 11, 12, -1, -1, 13, 14, -1, -1, -1, -1}, 15)
}

func TestConvertLSTM(t *testing.T) {
	o := &UnidirectionalSequenceLSTMOptions{FusedActivation: ActTanh, CellClip: 3.3}
	p := poolgrpConvert(t, lstmSource(o, 1.0/2048)).Params.(*format.LSTMParams)
	// Forget gate (params index 0) is TFLite's input 2 (tensor 2, scale
	// 0.01·2 in float32).
	wScale := func(k int) float64 { return float64(float32(0.01) * float32(k)) }
	m, s := dyadic.QuantizeMultiplier(float64(float32(0.05)) * wScale(2) * 4096)
	if p.InputMultipliers[0] != m || p.InputShifts[0] != s {
		t.Errorf("forget input rescale %d, %d; want %d, %d", p.InputMultipliers[0], p.InputShifts[0], m, s)
	}
	// Input gate (index 1) recurrent weights are TFLite's input 5.
	m, s = dyadic.QuantizeMultiplier(float64(float32(0.007)) * wScale(5) * 4096)
	if p.RecurrentMultipliers[1] != m || p.RecurrentShifts[1] != s {
		t.Errorf("input recurrent rescale %d, %d; want %d, %d", p.RecurrentMultipliers[1], p.RecurrentShifts[1], m, s)
	}
	// 2^-15 · 2^-11 / 2^-11 = 2^-15: multiplier 2^30, shift -14.
	if p.ForgetMultiplier != 1<<30 || p.ForgetShift != -14 || p.CellMultiplier != 1<<30 || p.CellShift != -18 {
		t.Errorf("forget %d/%d, cell %d/%d", p.ForgetMultiplier, p.ForgetShift, p.CellMultiplier, p.CellShift)
	}
	// 3.3·2048 = 6758.4, truncated; tanh input 2^-11 → multiplier 3·2.
	if p.CellClip != 6758 || p.CellTanhMultiplier != 6 || p.CellTanhLeftShift != 0 {
		t.Errorf("clip %d, tanh %d/%d", p.CellClip, p.CellTanhMultiplier, p.CellTanhLeftShift)
	}
	if p.InputOffset != 3 || p.HiddenOffset != -5 || p.HiddenZeroPoint != 5 || p.TimeMajor {
		t.Errorf("offsets %d %d %d, time major %v", p.InputOffset, p.HiddenOffset, p.HiddenZeroPoint, p.TimeMajor)
	}
	// A cell scale of 2^-16: the tanh input shifts right by 4 with multiplier 3.
	p = poolgrpConvert(t, lstmSource(o, float32(math.Ldexp(1, -16)))).Params.(*format.LSTMParams)
	if p.CellTanhMultiplier != 3 || p.CellTanhLeftShift != 4 {
		t.Errorf("tanh %d/%d for 2^-16", p.CellTanhMultiplier, p.CellTanhLeftShift)
	}
}

func TestConvertLSTMRejects(t *testing.T) {
	tanh := &UnidirectionalSequenceLSTMOptions{FusedActivation: ActTanh}
	_, err := Convert(lstmSource(&UnidirectionalSequenceLSTMOptions{FusedActivation: ActRelu}, 1.0/2048))
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "activation")
	_, err = Convert(lstmSource(tanh, 0.0003))
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "power of two")
	src := lstmSource(tanh, 1.0/2048)
	src.Subgraphs[0].Operators[0].Inputs[9] = 1
	_, err = Convert(src)
	poolgrpWantErr(t, err, format.ErrUnsupportedOp, "peephole")
	src = lstmSource(tanh, 1.0/2048)
	src.Subgraphs[0].Tensors[13].IsVariable = false
	_, err = Convert(src)
	poolgrpWantErr(t, err, format.ErrMalformedModel, "variable")
	src = lstmSource(tanh, 1.0/2048)
	src.Subgraphs[0].Operators[0].Inputs = src.Subgraphs[0].Operators[0].Inputs[:20]
	_, err = Convert(src)
	poolgrpWantErr(t, err, format.ErrMalformedModel, "24")
	src = lstmSource(tanh, 1.0/2048)
	src.Subgraphs[0].Operators[0].Options = &SVDFOptions{Rank: 1}
	_, err = Convert(src)
	poolgrpWantErr(t, err, format.ErrMalformedModel, "options")
}
