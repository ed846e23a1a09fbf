//go:build !purego

package asm

// lstmArgs is one call of the amd64 LSTM kernel (lstmCellAVX2Kernel,
// _gen/lstm.go): n units (a multiple of 8) from ai, ar, bi, br (gates
// stride bytes apart), updating c and writing h.
type lstmArgs struct {
	ai, ar, bi, br *int32
	c              *int16
	h              *int8
	n              int
	stride         int // bytes between gates
	v              *lstmVec
	table          *uint16
}

// lstmCellAVX2 runs whole vectors of 8 units on the kernel; the last
// Units mod 8 units go through it once more with c and h in stack
// buffers (the sums and biases are padded to whole vectors).
func lstmCellAVX2(ai, ar []int32, h []int8, c []int16, p *LSTMCell) {
	u := p.units
	body := u &^ 7
	a := lstmArgs{ai: &ai[0], ar: &ar[0], bi: &p.bi[0], br: &p.br[0], stride: 4 * p.stride, v: &p.vec, table: &SigmoidTable16[0]}
	if body > 0 {
		a.c, a.h, a.n = &c[0], &h[0], body
		lstmCellAVX2Kernel(&a)
	}
	if rest := u - body; rest > 0 {
		var tc [8]int16
		var th [8]int8
		copy(tc[:], c[body:])
		a.ai, a.ar, a.bi, a.br = &ai[body], &ar[body], &p.bi[body], &p.br[body]
		a.c, a.h, a.n = &tc[0], &th[0], 8
		lstmCellAVX2Kernel(&a)
		copy(c[body:], tc[:rest])
		copy(h[body:], th[:rest])
	}
}

// lstmCellAVX512 runs every unit on the AVX-512 kernel (it masks the last
// partial vector itself), except a last 1 to 4 units past whole vectors:
// those go to the tail kernel, all four gates in one vector.
func lstmCellAVX512(ai, ar []int32, h []int8, c []int16, p *LSTMCell) {
	a := lstmArgs{ai: &ai[0], ar: &ar[0], bi: &p.bi[0], br: &p.br[0], c: &c[0], h: &h[0], n: p.units,
		stride: 4 * p.stride, v: &p.vec, table: &SigmoidTable16[0]}
	body := p.units &^ 15
	rest := p.units - body
	if rest == 0 || rest > 4 {
		lstmCellAVX512Kernel(&a)
		return
	}
	if body > 0 {
		a.n = body
		lstmCellAVX512Kernel(&a)
	}
	a.ai, a.ar, a.c, a.h, a.n = &ai[body], &ar[body], &c[body], &h[body], rest
	lstmCellAVX512Tail4Kernel(&a)
}
