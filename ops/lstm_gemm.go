package ops

import (
	"math"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// The int8 LSTM's matrix products on asm.GemmInt32. The four gates'
// input weights are packed at prepare as one [4·units][inputs] matrix and
// their recurrent weights as one [4·units][units] matrix (gate order
// forget, input, cell, output), so each product is one GEMM:
//
//   - the input products of a block of up to lstmBlockRows input rows
//     (they do not depend on the state: every row of the input tensor is
//     one step's row, in the order the steps run, time major or not);
//   - per step, the recurrent product of the hidden state rows.
//
// Each gate's rows are padded to asm.LSTMStride(units) (zero weights), so
// that the gate math reads whole vectors. The offsets fold into
// per-column biases (wrapping int32, as the sums wrap): Σ w·(x + off) + b
// = Σ w·x + (b + off·Σw). Then, per row, asm's LSTMCell computes the
// gates, the cell and the hidden value exactly as lstmStep does (each
// output depends on its own unit's sums only, so one pass per unit gives
// the same values as the reference's gate-by-gate passes).

// lstmBlockRows bounds the input rows of one input GEMM (its int32
// outputs are scratch).
const lstmBlockRows = 16

type lstmGemm struct {
	impl    *asm.Impl
	in, rec *asm.PackedMatrix
	cell    *asm.LSTMCell // biases and rescales of the gate math
	stride  int           // gate stride of the products' columns
	blk     int           // steps per input GEMM
}

// prepareGemm packs the int8 LSTM's weights (after prepareLSTM's checks).
func (k *lstmKernel) prepareGemm(path string) error {
	u, n := k.units, k.inputs
	g := &k.gemm
	g.impl = asm.Selected()
	st := asm.LSTMStride(u)
	g.stride = st
	wi, wr := make([]int8, 4*st*n), make([]int8, 4*st*u)
	biasIn, biasRec := make([]int32, 4*u), make([]int32, 4*u)
	for q := 0; q < 4; q++ {
		copy(wi[q*st*n:], k.wIn[q][:u*n])
		copy(wr[q*st*u:], k.wRec[q][:u*u])
		for j := 0; j < u; j++ {
			biasIn[q*u+j] = k.bias32[q][j] + k.p.InputOffset*sumInt8(k.wIn[q][j*n:][:n])
			biasRec[q*u+j] = k.p.HiddenOffset * sumInt8(k.wRec[q][j*u:][:u])
		}
	}
	g.in, g.rec = g.impl.PackMatrix(wi, 4*st, n), g.impl.PackMatrix(wr, 4*st, u)
	p := &k.p
	s := asm.LSTMCellSpec{Units: u, BiasIn: biasIn, BiasRec: biasRec,
		ForgetMult: p.ForgetMultiplier, ForgetShift: p.ForgetShift, CellMult: p.CellMultiplier, CellShift: p.CellShift,
		HiddenMult: p.HiddenMultiplier, HiddenShift: p.HiddenShift, CellClip: p.CellClip,
		TanhMult: p.CellTanhMultiplier, TanhShift: p.CellTanhLeftShift, HiddenZP: p.HiddenZeroPoint}
	copy(s.InMult[:], p.InputMultipliers)
	copy(s.InShift[:], p.InputShifts)
	copy(s.RecMult[:], p.RecurrentMultipliers)
	copy(s.RecShift[:], p.RecurrentShifts)
	var err error
	if g.cell, err = asm.NewLSTMCell(s); err != nil {
		return format.Malformed(path+" / params", "%v", err)
	}
	g.blk = min(max(1, lstmBlockRows/k.rows), k.batch*k.steps/k.rows)
	return nil
}

// gemmScratchBytes: the int32 sums of an input block of blk steps and of
// one step's recurrent product (4 padded gates a row), plus alignment
// slack.
func (k *lstmKernel) gemmScratchBytes(blk int) int64 {
	return 4*int64(blk+1)*int64(k.rows)*4*int64(asm.LSTMStride(k.units)) + 3
}

// leanBlock is the least input block LeanScratchBytes offers: one of the
// GEMM kernels' 6-row blocks (or one step when a step has more rows).
// Measured with the SIMD gate math (micro_speech_lstm, 80 units, 49
// steps): 1-step blocks would save 6.4 KB of its 25.7 KB arena but cost
// 40% on avx512vnni and 25% on avx2 (11% before, with the gates in Go),
// so 6 stays.
func (k *lstmKernel) leanBlock() int { return min(max(1, 6/k.rows), k.gemm.blk) }

// LeanScratchBytes: int8 activations, input blocks of leanBlock steps.
func (k *lstmKernel) LeanScratchBytes() int {
	if k.wide {
		return k.ScratchBytes()
	}
	return int(min(k.gemmScratchBytes(k.leanBlock()), math.MaxInt))
}

// FitScratch shrinks the input blocks to fit n bytes.
func (k *lstmKernel) FitScratch(n int) {
	if k.wide {
		return
	}
	for k.gemm.blk > k.leanBlock() && k.gemmScratchBytes(k.gemm.blk) > int64(n) {
		k.gemm.blk--
	}
}

func (k *lstmKernel) evalGemm(env *Env) {
	g := &k.gemm
	rows, u, n := k.rows, k.units, k.inputs
	w := 4 * g.stride
	acc := int32Scratch(env.Scratch, (g.blk+1)*rows*w)
	accIn, accRec := acc[:g.blk*rows*w], acc[g.blk*rows*w:][:rows*w]
	in, out, hidden, cell := env.Tensors[k.in], env.Tensors[k.out], env.Tensors[k.hidden], Int16s(env.Tensors[k.cell])
	nSteps := k.batch * k.steps / rows
	for s0 := 0; s0 < nSteps; s0 += g.blk {
		ns := min(g.blk, nSteps-s0)
		g.impl.GemmInt32(in[s0*rows*n:], n, ns*rows, g.in, accIn, w)
		for s := s0; s < s0+ns; s++ {
			h, c := hidden, cell
			if !k.timeMajor {
				b := s / k.steps
				h, c = hidden[b*u:][:u], cell[b*u:][:u]
			}
			g.impl.GemmInt32(h, u, rows, g.rec, accRec, w)
			ai := accIn[(s-s0)*rows*w:][:rows*w]
			for r := 0; r < rows; r++ {
				g.impl.LSTMCell(ai[r*w:][:w], accRec[r*w:][:w], h[r*u:][:u], c[r*u:][:u], g.cell)
			}
			copy(out[s*rows*u:][:rows*u], h[:rows*u])
		}
	}
}
