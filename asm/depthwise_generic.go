package asm

// The generic implementation's depthwise kernel: pure Go, bit-exact with
// depthwiseRowRef (the plain definition, kept for the tests). Per output
// pixel it accumulates a block of channels at once, tap by tap, over
// contiguous channel vectors (three taps of a filter row per pass), in a
// fixed-size stack array, then requantizes the block.

// genericDWBlock is the channels accumulated at once.
const genericDWBlock = 256

// genericDepthwise is the generic implementation's depthwise kernel: the
// filter as given.
type genericDepthwise struct{}

func (genericDepthwise) packDepthwise(w []int8, kh, kw, c int) *PackedDepthwise {
	return &PackedDepthwise{Data: append([]int8(nil), w...)}
}

func (genericDepthwise) packDepthwiseWide(w []int16, kh, kw, c int) *PackedDepthwise {
	return &PackedDepthwise{Data16: append([]int16(nil), w...)}
}

func (genericDepthwise) depthwiseRow(in []int8, rowStride, strideW, dilH, dilW int, w *PackedDepthwise, e *Epilogue, out []int8, n int) {
	if w.Data16 != nil {
		genericDepthwiseRow(in, rowStride, strideW, dilH, dilW, w, w.Data16, e, out, n)
	} else {
		genericDepthwiseRow(in, rowStride, strideW, dilH, dilW, w, w.Data, e, out, n)
	}
}

// genericDepthwiseRow is the generic kernel on the filter f (w's Data or,
// packed wide, Data16).
func genericDepthwiseRow[T int8 | int16](in []int8, rowStride, strideW, dilH, dilW int, w *PackedDepthwise, f []T, e *Epilogue, out []int8, n int) {
	kh, kw, c := w.KH, w.KW, w.C
	step := dilW * c // between the taps of a filter row
	var accs [genericDWBlock]int32
	for j := 0; j < n; j++ {
		base := j * strideW * c
		for c0 := 0; c0 < c; c0 += genericDWBlock {
			cb := min(genericDWBlock, c-c0)
			acc := accs[:cb]
			clear(acc)
			for ky := 0; ky < kh; ky++ {
				at := base + ky*dilH*rowStride + c0
				ft := ky*kw*c + c0
				kx := 0
				for ; kx+3 <= kw; kx += 3 {
					mac3(acc, f[ft:][:cb], f[ft+c:][:cb], f[ft+2*c:][:cb], in[at:][:cb], in[at+step:][:cb], in[at+2*step:][:cb])
					at += 3 * step
					ft += 3 * c
				}
				for ; kx < kw; kx++ {
					mac1(acc, f[ft:][:cb], in[at:][:cb])
					at += step
					ft += c
				}
			}
			e.Requantize(acc, c0, out[j*c+c0:])
		}
	}
}

// mac3 adds three taps: acc[i] += f0[i]·x0[i] + f1[i]·x1[i] + f2[i]·x2[i].
// Not inlined: inside depthwiseRow the compiler spills its loop's
// registers.
//
//go:noinline
func mac3[T int8 | int16](acc []int32, f0, f1, f2 []T, x0, x1, x2 []int8) {
	n := len(acc)
	f0, f1, f2, x0, x1, x2 = f0[:n], f1[:n], f2[:n], x0[:n], x1[:n], x2[:n]
	for i := range acc {
		acc[i] += int32(f0[i])*int32(x0[i]) + int32(f1[i])*int32(x1[i]) + int32(f2[i])*int32(x2[i])
	}
}

// mac1 adds one tap: acc[i] += f[i]·x[i].
func mac1[T int8 | int16](acc []int32, f []T, x []int8) {
	n := len(acc)
	f, x = f[:n], x[:n]
	for i := range acc {
		acc[i] += int32(f[i]) * int32(x[i])
	}
}
