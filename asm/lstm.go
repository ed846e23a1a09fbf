package asm

import (
	"fmt"
	"math"
)

// LSTMCellSpec is the per-step elementwise part of TFLite Micro's int8
// LSTM (lstm_eval's gate, cell and hidden updates after the matrix
// products), the definition lstmCellRef follows unit by unit. For unit j
// and gate q (0 forget, 1 input, 2 cell, 3 output), with ai and ar the
// input and recurrent products (int32, wrapping) and MBQM TFLite's
// MultiplyByQuantizedMultiplier:
//
//	x    = sat16(MBQM(ai[q][j] + BiasIn[q][j], InMult[q], InShift[q]))
//	y    = sat16(MBQM(ar[q][j] + BiasRec[q][j], RecMult[q], RecShift[q]))
//	g[q] = act_q(3·sat16(x + y))     (int16 LOGISTIC; TANH for q = 2)
//	c'   = clamp(sat16(MBQM(g0·c, Forget…)) + sat16(MBQM(g1·g2, Cell…)))
//	h    = clamp8(MBQM(TANH((c'·TanhMult + round) >> TanhShift)·g3, Hidden…) + HiddenZP)
//
// where clamp is sat16 and, for CellClip > 0, to ±CellClip; LOGISTIC and
// TANH are TFLite's int16 reference functions on an input in steps of
// 1/(3·4096) (SigmoidTable16 with interpolation).
type LSTMCellSpec struct {
	Units                              int
	BiasIn, BiasRec                    []int32 // [4·Units], gate after gate
	InMult, InShift, RecMult, RecShift [4]int32
	ForgetMult, ForgetShift            int32
	CellMult, CellShift                int32
	HiddenMult, HiddenShift            int32
	CellClip                           int32 // 0: none
	TanhMult, TanhShift                int32
	HiddenZP                           int32
}

// LSTMStride is the gate stride (in values) of LSTMCell's sums: Units
// rounded up to a multiple of 8, so that the SIMD kernels read whole
// vectors of every gate.
func LSTMStride(units int) int { return (units + 7) &^ 7 }

// LSTMCell is an LSTMCellSpec prepared (NewLSTMCell) for every
// implementation of Impl.LSTMCell. Read-only afterwards.
type LSTMCell struct {
	spec   LSTMCellSpec
	units  int
	stride int
	bi, br []int32 // [4·stride], zero padded
	q      [11]lstmQ
	clo    int32 // cell clamp
	chi    int32
	tround int32
	vec    lstmVec
}

// lstmQ is MultiplyByQuantizedMultiplier(x, m, shift) for one multiplier
// m >= 0 in the generic kernel's branch-free form:
//
//   - SaturatingRoundingDoublingHighMul(a, m) never saturates for m >= 0,
//     and equals floor((a·m + 2^30) / 2^31);
//   - RoundingDivideByPOT(h, e) (ties away from zero) equals
//     floor((h + 2^(e-1) - [h < 0]) / 2^e) for e >= 1, and h for e = 0,
//     computed in int64 so that nothing overflows.
type lstmQ struct {
	m           int64
	left, right uint32
	round, neg  int64
}

func newLSTMQ(m, shift int32) lstmQ {
	q := lstmQ{m: int64(m), left: uint32(max(shift, 0)), right: uint32(max(-shift, 0))}
	if q.right > 0 {
		q.round, q.neg = 1<<(q.right-1), -1
	}
	return q
}

func (q *lstmQ) apply(x int32) int32 {
	h := (int64(x<<q.left)*q.m + 1<<30) >> 31
	return int32((h + q.round + (h>>63)&q.neg) >> q.right)
}

// lstmQVec is one rescale in the AVX2 kernel's form (each field a 32-byte
// vector, addressed by name by the generator, _gen/lstm.go). With x' =
// x << left (wrapping) and P = x'·m (exact, 64-bit), the result is
//
//	low32((P + k + 2^63) >>> (31 + right)) − 2^(32−right)
//
// k = 2^30 + round·2^31 − [P < 0]·2^31·[right > 0]: the floor shift by 31
// (SRDHM) and the rounding division by 2^right merged into one floor
// shift (floor(floor(B/2^31)/2^r) = floor(B/2^(31+r))), the sign test
// done on P (h < 0 may be replaced by P < 0: where they differ h = 0,
// and both give 0), and AVX2's missing 64-bit arithmetic shift replaced
// by a logical one on B + 2^63.
type lstmQVec struct {
	m     [8]int32
	left  [8]int32
	kpos  [4]int64 // k + 2^63 for P >= 0
	kneg  [4]int64 // k + 2^63 for P < 0
	sh    [4]int64 // 31 + right
	sub   [8]int32 // 2^(32−right) mod 2^32
	kdiff [4]int64 // kneg − kpos (the AVX-512 kernel adds it under a mask)
	// karith is k: the AVX-512 kernel shifts arithmetically (VPSRAVQ),
	// floor((P + karith + [P < 0]·kdiff) / 2^sh), whose low dword is the
	// result as is (|P + k| < 2^63: |P| < 2^62, k <= 2^30 + 2^60).
	karith [4]int64
}

func newLSTMQVec(m, shift int32) lstmQVec {
	var v lstmQVec
	q := newLSTMQ(m, shift)
	k := int64(1)<<30 + q.round<<31 + math.MinInt64
	kn := k
	if q.right > 0 {
		kn -= 1 << 31
	}
	sub := int32(0)
	if q.right > 0 {
		sub = int32(uint32(1) << (32 - q.right))
	}
	for i := range 8 {
		v.m[i], v.left[i], v.sub[i] = m, int32(q.left), sub
	}
	for i := range 4 {
		v.kpos[i], v.kneg[i], v.sh[i], v.kdiff[i] = k, kn, int64(31+q.right), kn-k
		v.karith[i] = k - math.MinInt64 // wraps: k without the 2^63
	}
	return v
}

// lstmVec holds the AVX2 kernel's constants: the 11 rescales (input
// products of the 4 gates, recurrent products, then forget, cell and
// hidden) and vectors of the clamps and of the cell tanh's input rescale.
type lstmVec struct {
	q             [11]lstmQVec
	lo16, hi16    [8]int32
	clo, chi      [8]int32
	tm, tr, ts    [8]int32
	zp, lo8, hi8  [8]int32
	mask16, mask9 [8]int32 // 0xFFFF, 0x1FF
	mask8, c254   [8]int32 // 0xFF, 254
	lpos, lneg    [8]int32 // LOGISTIC: 2^9, 2^25 + 2^9 − 1
	tsat          [8]int32 // TANH: 0xFFFF << 8
	tpos, tneg    [8]int32 // TANH: 2^7 − 2^23, 2^23 + 2^7 − 1
	t4            lstmTail4
	comb          [16]int32 // VPERMT2D index: dword 2k of the even, 2k of the odd products
}

// lstmTail4 holds the per-lane constants of the AVX-512 kernel for a last
// 1 to 4 units (lstmCellAVX512Tail4Kernel): lane l = 4q + j carries gate
// q of unit body + j (body = Units rounded down to 16), so that one
// vector computes the four gates of all of them (a masked whole vector
// per gate would carry 4 live lanes of 16). Qword k of a rescale's
// 64-bit constants serves lanes 2k and 2k+1, both of gate k/2.
type lstmTail4 struct {
	bi, br                   [16]int32 // the tail units' biases, 0 past them
	q                        [2]lstmQLane
	bits, mask, pos, neg, sh [16]int32 // LOGISTIC's (gates 0, 1, 3) or TANH's (gate 2) constants
}

// lstmQLane is lstmQVec with a rescale per gate: lanes 4q..4q+3 (qwords
// 2q, 2q+1) use gate q's.
type lstmQLane struct {
	m, left              [16]int32
	karith, kdiff, shift [8]int64
}

func newLSTMTail4(p *LSTMCell) lstmTail4 {
	var t lstmTail4
	body := p.units &^ 15
	for l := range 16 {
		q, j := l/4, l%4
		if body+j < p.units {
			t.bi[l], t.br[l] = p.bi[q*p.stride+body+j], p.br[q*p.stride+body+j]
		}
		for i := range 2 {
			v := &p.vec.q[4*i+q]
			t.q[i].m[l], t.q[i].left[l] = v.m[0], v.left[0]
			t.q[i].karith[l/2], t.q[i].kdiff[l/2], t.q[i].shift[l/2] = v.karith[0], v.kdiff[0], v.sh[0]
		}
		if q == 2 {
			t.bits[l], t.mask[l], t.pos[l], t.neg[l], t.sh[l] = 8, 0xFF, 1<<7-1<<23, 1<<23+1<<7-1, 8
		} else {
			t.bits[l], t.mask[l], t.pos[l], t.neg[l], t.sh[l] = 9, 0x1FF, 1<<9, 1<<25+1<<9-1, 10
		}
	}
	return t
}

func splat(v int32) (r [8]int32) {
	for i := range r {
		r[i] = v
	}
	return r
}

// NewLSTMCell validates s and prepares it.
func NewLSTMCell(s LSTMCellSpec) (*LSTMCell, error) {
	u := s.Units
	if u < 1 || len(s.BiasIn) != 4*u || len(s.BiasRec) != 4*u {
		return nil, fmt.Errorf("asm: lstm of %d units with %d and %d biases", u, len(s.BiasIn), len(s.BiasRec))
	}
	mults := []int32{s.ForgetMult, s.CellMult, s.HiddenMult}
	shifts := []int32{s.ForgetShift, s.CellShift, s.HiddenShift}
	mults = append(append(mults, s.InMult[:]...), s.RecMult[:]...)
	shifts = append(append(shifts, s.InShift[:]...), s.RecShift[:]...)
	for i, m := range mults {
		if m < 0 || shifts[i] < -31 || shifts[i] > 30 {
			return nil, fmt.Errorf("asm: lstm multiplier %d shift %d: want >= 0 and [-31, 30]", m, shifts[i])
		}
	}
	if s.CellClip < 0 || s.CellClip > math.MaxInt16 || s.TanhMult < 0 || s.TanhMult > math.MaxInt16 ||
		s.TanhShift < 0 || s.TanhShift > 31 || s.HiddenZP < math.MinInt8 || s.HiddenZP > math.MaxInt8 {
		return nil, fmt.Errorf("asm: lstm clip %d, tanh multiplier %d, shift %d or zero point %d out of range",
			s.CellClip, s.TanhMult, s.TanhShift, s.HiddenZP)
	}
	st := LSTMStride(u)
	p := &LSTMCell{spec: s, units: u, stride: st, bi: make([]int32, 4*st), br: make([]int32, 4*st),
		clo: math.MinInt16, chi: math.MaxInt16}
	for q := range 4 {
		copy(p.bi[q*st:], s.BiasIn[q*u:][:u])
		copy(p.br[q*st:], s.BiasRec[q*u:][:u])
		p.q[q] = newLSTMQ(s.InMult[q], s.InShift[q])
		p.q[4+q] = newLSTMQ(s.RecMult[q], s.RecShift[q])
		p.vec.q[q] = newLSTMQVec(s.InMult[q], s.InShift[q])
		p.vec.q[4+q] = newLSTMQVec(s.RecMult[q], s.RecShift[q])
	}
	p.q[8], p.vec.q[8] = newLSTMQ(s.ForgetMult, s.ForgetShift), newLSTMQVec(s.ForgetMult, s.ForgetShift)
	p.q[9], p.vec.q[9] = newLSTMQ(s.CellMult, s.CellShift), newLSTMQVec(s.CellMult, s.CellShift)
	p.q[10], p.vec.q[10] = newLSTMQ(s.HiddenMult, s.HiddenShift), newLSTMQVec(s.HiddenMult, s.HiddenShift)
	if s.CellClip > 0 {
		p.clo, p.chi = -s.CellClip, s.CellClip
	}
	if s.TanhShift > 0 {
		p.tround = 1 << (s.TanhShift - 1)
	}
	v := &p.vec
	v.lo16, v.hi16 = splat(math.MinInt16), splat(math.MaxInt16)
	v.clo, v.chi = splat(p.clo), splat(p.chi)
	v.tm, v.tr, v.ts = splat(s.TanhMult), splat(p.tround), splat(s.TanhShift)
	v.zp, v.lo8, v.hi8 = splat(s.HiddenZP), splat(math.MinInt8), splat(math.MaxInt8)
	v.mask16, v.mask9, v.mask8, v.c254 = splat(0xFFFF), splat(0x1FF), splat(0xFF), splat(254)
	v.lpos, v.lneg = splat(1<<9), splat(1<<25+1<<9-1)
	v.tsat, v.tpos, v.tneg = splat(0xFFFF<<8), splat(1<<7-1<<23), splat(1<<23+1<<7-1)
	v.t4 = newLSTMTail4(p)
	for k := range 8 {
		v.comb[2*k], v.comb[2*k+1] = int32(2*k), int32(16+2*k)
	}
	return p, nil
}

// Stride is the gate stride of the sums LSTMCell takes (LSTMStride).
func (p *LSTMCell) Stride() int { return p.stride }

// LSTMCell runs one row's step: from the input and recurrent products ai
// and ar (4 gates of p.Stride() values each, the first Units of each
// used), it updates the cell state c and writes the hidden state h (Units
// values each). It does not allocate.
func (impl *Impl) LSTMCell(ai, ar []int32, h []int8, c []int16, p *LSTMCell) {
	n := 4 * p.stride
	ai, ar, h, c = ai[:n], ar[:n], h[:p.units], c[:p.units]
	if impl.lstm != nil {
		impl.lstm(ai, ar, h, c, p)
		return
	}
	lstmCellGeneric(ai, ar, h, c, p, 0, p.units)
}

// lstmCellGeneric is LSTMCell for units [j0, j1): per unit, all four
// gates, the cell and the hidden value.
func lstmCellGeneric(ai, ar []int32, h []int8, c []int16, p *LSTMCell, j0, j1 int) {
	st := p.stride
	for j := j0; j < j1; j++ {
		var g [4]int32
		for q := range 4 {
			x := sat16q(p.q[q].apply(ai[q*st+j] + p.bi[q*st+j]))
			y := sat16q(p.q[4+q].apply(ar[q*st+j] + p.br[q*st+j]))
			v := sat16q(x+y) * 3
			ax := uint32(max(v, -v))
			if q == 2 {
				g[q] = tanhQ(v, ax)
			} else {
				g[q] = logisticQ(v, ax)
			}
		}
		fc := sat16q(p.q[8].apply(g[0] * int32(c[j])))
		ig := sat16q(p.q[9].apply(g[1] * g[2]))
		v := min(max(fc+ig, p.clo), p.chi)
		c[j] = int16(v)
		x := (v*p.spec.TanhMult + p.tround) >> p.spec.TanhShift
		th := tanhQ(x, uint32(max(x, -x)))
		hv := p.q[10].apply(th*g[3]) + p.spec.HiddenZP
		h[j] = int8(min(max(hv, math.MinInt8), math.MaxInt8))
	}
}

func sat16q(v int32) int32 { return min(max(v, math.MinInt16), math.MaxInt16) }

// logisticQ is TFLite's int16 LOGISTIC of x (|x| = ax) in steps of
// 1/(3·4096): SigmoidTable16 at ax >> 9 interpolated on the low 9 bits,
// mirrored for x < 0, rounded to Q0.15.
func logisticQ(x int32, ax uint32) int32 {
	var r uint32
	if h := ax >> 9; h >= 255 {
		r = 0x7FFF << 10
	} else {
		a, b := uint32(SigmoidTable16[h]), uint32(SigmoidTable16[h+1])
		r = a<<9 + (ax&0x1FF)*(b-a)
	}
	if x >= 0 {
		r += 1 << 9
	} else {
		r = 1<<25 - r + 1<<9 - 1
	}
	return int32(int16(r >> 10))
}

// tanhQ is TFLite's int16 TANH of x (|x| = ax), as 2·sigmoid(2x) − 1 on
// the same table with 8 interpolation bits.
func tanhQ(x int32, ax uint32) int32 {
	var r int32
	if h := ax >> 8; h >= 255 {
		r = 0xFFFF << 8
	} else {
		a, b := uint32(SigmoidTable16[h]), uint32(SigmoidTable16[h+1])
		r = int32(a<<8 + (ax&0xFF)*(b-a))
	}
	if x >= 0 {
		r = r - 1<<23 + 1<<7
	} else {
		r = -r + 1<<23 + 1<<7 - 1
	}
	return int32(int16(r >> 8))
}

// Logistic16 and Tanh16 are TFLite's int16 LOGISTIC and TANH of a
// rescaled input x (|x| = ax): the LSTM gates' activations, and package
// ops' int16 LOGISTIC/TANH operators (one definition for both).
func Logistic16(x int32, ax uint32) int16 { return int16(logisticQ(x, ax)) }

// Tanh16: see Logistic16.
func Tanh16(x int32, ax uint32) int16 { return int16(tanhQ(x, ax)) }

// SigmoidTable16 is the lookup table TFLite's int16 LOGISTIC and TANH
// interpolate (sigmoid_table_uint16): sigmoid(i/24) in 0.16 fixed point as
// the reference tabulates it (within about one unit of
// 65536·sigmoid(i/24), not its plain rounding, and 65535 at the end).
var SigmoidTable16 = [256]uint16{
	32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
	43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
	51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
	57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
	61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
	63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
	64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
	64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
	65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
	65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
	65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
	65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
	65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
	65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
	65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
	65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
}
