//go:build !purego

package asm

// Go side of the arm64 ADD/SUB kernels (add_arm64.s, written by
// gen_arm64.go): they take multiples of 16 values, and the last 1..15
// go through them once more via 16-byte stack buffers, so that every
// value is computed by the same vector code and the kernels never touch
// memory outside the slices.

//go:noescape
func addInt8Neon(out, a, b *int8, n int, c *addNeon)

//go:noescape
func addInt8NeonSub(out, a, b *int8, n int, c *addNeon)

func addInt8NeonGo(out, a, b []int8, p *AddParams) {
	n := len(out)
	a, b = a[:n], b[:n]
	body := n &^ 15
	if body > 0 {
		addNeonCall(&out[0], &a[0], &b[0], body, p)
	}
	if rest := n - body; rest > 0 {
		var ta, tb, to [16]int8
		copy(ta[:], a[body:])
		copy(tb[:], b[body:])
		addNeonCall(&to[0], &ta[0], &tb[0], 16, p)
		copy(out[body:], to[:rest])
	}
}

// addNeonCall calls the add or sub kernel directly (a call through a func
// value would make the stack buffers above escape to the heap).
func addNeonCall(out, a, b *int8, n int, p *AddParams) {
	if p.spec.Sub {
		addInt8NeonSub(out, a, b, n, &p.neon)
	} else {
		addInt8Neon(out, a, b, n, &p.neon)
	}
}
