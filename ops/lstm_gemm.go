package ops

import (
	"math"

	"github.com/edgerun/edgerun/asm"
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
// The offsets fold into per-column biases (wrapping int32, as the sums
// wrap): Σ w·(x + off) + b = Σ w·x + (b + off·Σw). Then, per unit, the
// gates, the cell and the hidden value exactly as lstmStep computes them
// (each output depends on its own unit's sums only, so one pass per unit
// gives the same values as the reference's gate-by-gate passes).

// lstmBlockRows bounds the input rows of one input GEMM (its int32
// outputs are scratch).
const lstmBlockRows = 16

type lstmGemm struct {
	impl            *asm.Impl
	in, rec         *asm.PackedMatrix
	biasIn, biasRec []int32 // [4·units]
	blk             int     // steps per input GEMM
	// The rescales of the gates (input and recurrent products) and of
	// the cell and hidden updates.
	inQ, recQ            [4]rescaler
	forget, cell, hidden rescaler
}

// prepareGemm packs the int8 LSTM's weights (after prepareLSTM's checks).
func (k *lstmKernel) prepareGemm() {
	u, n := k.units, k.inputs
	g := &k.gemm
	g.impl = asm.Selected()
	wi, wr := make([]int8, 4*u*n), make([]int8, 4*u*u)
	g.biasIn, g.biasRec = make([]int32, 4*u), make([]int32, 4*u)
	for q := 0; q < 4; q++ {
		copy(wi[q*u*n:], k.wIn[q][:u*n])
		copy(wr[q*u*u:], k.wRec[q][:u*u])
		for j := 0; j < u; j++ {
			g.biasIn[q*u+j] = k.bias32[q][j] + k.p.InputOffset*sumInt8(k.wIn[q][j*n:][:n])
			g.biasRec[q*u+j] = k.p.HiddenOffset * sumInt8(k.wRec[q][j*u:][:u])
		}
	}
	g.in, g.rec = g.impl.PackMatrix(wi, 4*u, n), g.impl.PackMatrix(wr, 4*u, u)
	for q := 0; q < 4; q++ {
		g.inQ[q] = newRescaler(k.p.InputMultipliers[q], k.p.InputShifts[q])
		g.recQ[q] = newRescaler(k.p.RecurrentMultipliers[q], k.p.RecurrentShifts[q])
	}
	g.forget = newRescaler(k.p.ForgetMultiplier, k.p.ForgetShift)
	g.cell = newRescaler(k.p.CellMultiplier, k.p.CellShift)
	g.hidden = newRescaler(k.p.HiddenMultiplier, k.p.HiddenShift)
	g.blk = min(max(1, lstmBlockRows/k.rows), k.batch*k.steps/k.rows)
}

// gemmScratchBytes: the int32 sums of an input block of blk steps and of
// one step's recurrent product, one row's activated gates, plus alignment
// slack.
func (k *lstmKernel) gemmScratchBytes(blk int) int64 {
	return 4*(int64(blk+1)*int64(k.rows)*4*int64(k.units)+4*int64(k.units)) + 3
}

// leanBlock is the least input block LeanScratchBytes offers: one of the
// GEMM kernels' 6-row blocks (or one step when a step has more rows).
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
	w := 4 * u
	acc := int32Scratch(env.Scratch, (g.blk+1)*rows*w+w)
	accIn, accRec, gates := acc[:g.blk*rows*w], acc[g.blk*rows*w:][:rows*w], acc[(g.blk+1)*rows*w:]
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
				lstmCells(k, ai[r*w:][:w], accRec[r*w:][:w], h[r*u:][:u], c[r*u:][:u], gates)
			}
			copy(out[s*rows*u:][:rows*u], h[:rows*u])
		}
	}
}

// lstmCells updates one row's cell and hidden state from the gates' sums
// ai (input) and ar (recurrent), [4·units] each; gates ([4·units]) holds
// the activated gates in between. Each gate is one pass with its
// constants hoisted and the rescale inlined (rescale).
func lstmCells(k *lstmKernel, ai, ar []int32, h []int8, c []int16, gates []int32) {
	p, g := &k.p, &k.gemm
	u := len(c)
	for q := 0; q < 4; q++ {
		lstmGatePass(gates[q*u:][:u], ai[q*u:][:u], ar[q*u:][:u], g.biasIn[q*u:][:u], g.biasRec[q*u:][:u],
			g.inQ[q], g.recQ[q], q == 2)
	}
	f, i, cg, o := gates[:u], gates[u:][:u], gates[2*u:][:u], gates[3*u:][:u]
	h = h[:u]
	fq, cq, hq := g.forget, g.cell, g.hidden
	clip, zp := p.CellClip, p.HiddenZeroPoint
	tm, tr, ts := p.CellTanhMultiplier, k.tanhRound, p.CellTanhLeftShift
	for j := range c {
		fc := sat16(fq.apply(f[j] * int32(c[j])))
		ig := sat16(cq.apply(i[j] * cg[j]))
		v := sat16(int32(fc) + int32(ig))
		if clip > 0 {
			v = int16(min(max(int32(v), -clip), clip))
		}
		c[j] = v
		x := (int32(v)*tm + tr) >> ts
		th := tanh16(x, uint32(max(x, -x)))
		hv := hq.apply(int32(th)*o[j]) + zp
		h[j] = int8(min(max(hv, math.MinInt8), math.MaxInt8))
	}
}

// lstmGatePass sets dst[j] = act(sat16(sat16(rescale(ai[j] + bi[j])) +
// sat16(rescale(ar[j] + br[j])))): the int16 LOGISTIC (tanh: TANH) of the
// gate, input multiplier 3 (lstmAct's).
func lstmGatePass(dst, ai, ar, bi, br []int32, iq, rq rescaler, tanh bool) {
	n := len(dst)
	ai, ar, bi, br = ai[:n], ar[:n], bi[:n], br[:n]
	for j := range dst {
		x := sat16(iq.apply(ai[j] + bi[j]))
		y := sat16(rq.apply(ar[j] + br[j]))
		v := int32(sat16(int32(x)+int32(y))) * 3
		ax := uint32(max(v, -v))
		if tanh {
			dst[j] = int32(tanh16(v, ax))
		} else {
			dst[j] = int32(logistic16(v, ax))
		}
	}
}

// rescaler is dyadic.MultiplyByQuantizedMultiplier(x, m, shift) for one
// multiplier m >= 0 (prepareLSTM rejects negative ones), in a form the
// compiler inlines and without branches:
//
//   - SaturatingRoundingDoublingHighMul(a, m) never saturates for m >= 0,
//     and its truncating division of ab + nudge by 2^31 (nudge 2^30, or
//     1 - 2^30 for ab < 0) equals floor((ab + 2^30) / 2^31) in both cases
//     (for ab < 0 the sum is negative, and truncation is the floor after
//     adding 2^31 - 1);
//   - RoundingDivideByPOT(h, e) (ties away from zero) equals
//     floor((h + 2^(e-1) - [h < 0]) / 2^e) for e >= 1, and h for e = 0,
//     computed in int64 so that nothing overflows.
//
// TestRescalerMatchesDyadic checks it against the dyadic functions.
type rescaler struct {
	m           int64
	left, right uint32
	round, neg  int64 // 2^(right-1) and -1, or 0 and 0 when right = 0
}

func newRescaler(m, shift int32) rescaler {
	q := rescaler{m: int64(m), left: uint32(max(shift, 0)), right: uint32(max(-shift, 0))}
	if q.right > 0 {
		q.round, q.neg = 1<<(q.right-1), -1
	}
	return q
}

func (q *rescaler) apply(x int32) int32 {
	h := (int64(x<<q.left)*q.m + 1<<30) >> 31
	return int32((h + q.round + (h>>63)&q.neg) >> q.right)
}
