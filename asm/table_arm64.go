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
