//go:build !purego

package asm

// lookup8Neon maps out[i] = t[uint8(in[i])] for i < n, n a multiple of 16
// (table_arm64.s, written by gen_arm64.go).
//
//go:noescape
func lookup8Neon(out, in *int8, n int, t *[256]int8)

// lookup8NeonGo is Impl.lookup8 for arm64: the kernel on the multiple of
// 16, the generic loop on the last 1..15 bytes.
func lookup8NeonGo(out, in *int8, n int, t *Table8) {
	body := n &^ 15
	if body > 0 {
		lookup8Neon(out, in, body, &t.t)
	}
	if body < n {
		lookup8Generic(addPtr(out, body), addPtr(in, body), n-body, t)
	}
}

// minMax8Neon stores the minimum and the maximum of the n >= 16 values
// at row to out[0] and out[1] (table_arm64.s).
//
//go:noescape
func minMax8Neon(row *int8, n int, out *[2]int8)

// sumTableNeon stores into acc[b] the per-lane sums of byte plane b of
// the table at (top − x) & 255 over the n values at row (n a multiple of
// 16, 16 <= n <= 2^20; table_arm64.s).
//
//go:noescape
func sumTableNeon(row *int8, n int, top int, planes *[3][256]uint8, acc *[3][4]uint32)

// minMax8NeonGo is Impl.minMax8 for arm64.
func minMax8NeonGo(row []int8) (lo, hi int8) {
	if len(row) < 16 {
		return minMax8Generic(row)
	}
	var v [2]int8
	minMax8Neon(&row[0], len(row), &v)
	return v[0], v[1]
}

// sumTableNeonGo is Impl.sumTable for arm64: the kernel on chunks of at
// most 2^20 values (its 32-bit lane sums cannot overflow), the generic
// loop on the last 1..15.
func sumTableNeonGo(row []int8, top int8, e *SoftmaxExp) int64 {
	var s int64
	for len(row) >= 16 {
		chunk := min(len(row), 1<<20) &^ 15
		var acc [3][4]uint32
		sumTableNeon(&row[0], chunk, int(top), &e.planes, &acc)
		for b := range 3 {
			for _, v := range acc[b] {
				s += int64(v) << (8 * b)
			}
		}
		row = row[chunk:]
	}
	return s + sumTableGeneric(row, top, e)
}

// softmaxTableNeon builds SOFTMAX's per-row output table from the 256
// values at src (SoftmaxOutExp.rev[127 − top:]) into dst (table_arm64.s;
// see the generator's softmaxTable).
//
//go:noescape
func softmaxTableNeon(src *int32, dst *[256]int8, recip int, negExp int)

// softmaxTable8NeonGo is Impl.softmaxTable8 for arm64.
func softmaxTable8NeonGo(p *Table8, e *SoftmaxOutExp, lo, top int8, recip int32, exponent int) {
	softmaxTableNeon(&e.rev[127-int(top)], &p.t, int(recip), -exponent)
	p.setDiff()
}
