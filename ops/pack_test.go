package ops

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

func TestPackRandom(t *testing.T) {
	forEachImpl(t, func(t *testing.T, _ *asm.Impl) {
		r := rand.New(rand.NewPCG(9, 10))
		for iter := 0; iter < 100; iter++ {
			dt := elemSizes[iter%len(elemSizes)]
			es := dt.Size()
			shape := randShape(r, r.IntN(4), 1, 4)
			n := 1 + r.IntN(4)
			axis := r.IntN(len(shape) + 1)
			oshape := append(append(append([]int32(nil), shape[:axis]...), int32(n)), shape[axis:]...)
			ins := make([]mvTensor, n)
			data := make([][]byte, n)
			for i := range ins {
				ins[i] = mvTensor{dt: dt, shape: shape}
				data[i] = randBytes(r, product(shape)*es)
			}
			// Reference: output index o takes input o[axis] at o without axis.
			var want []byte
			for i := 0; i < product(oshape); i++ {
				o := unravel(i, oshape)
				src := append(append([]int(nil), o[:axis]...), o[axis+1:]...)
				want = append(want, elem(data[o[axis]], ravel(src, shape), es)...)
			}
			m := mvModel(format.OpPack, &format.ConcatenationParams{Axis: int32(axis)}, ins, []mvTensor{{dt: dt, shape: oshape}})
			got, err := runMove(t, m, data...)
			if err != nil || !bytes.Equal(got[0], want) {
				t.Fatalf("pack %d×%v axis %d: got %v, want %v", n, shape, axis, got[0], want)
			}
		}
		i8 := format.DTypeInt8
		two := []mvTensor{{dt: i8, shape: []int32{2, 3}}, {dt: i8, shape: []int32{2, 3}}}
		wantPrepareError(t, mvModel(format.OpPack, &format.ConcatenationParams{Axis: 3}, two, []mvTensor{{dt: i8, shape: []int32{2, 3, 2}}}), "axis past rank")
		wantPrepareError(t, mvModel(format.OpPack, &format.ConcatenationParams{Axis: 0}, two, []mvTensor{{dt: i8, shape: []int32{3, 2, 3}}}), "wrong output")
		wantPrepareError(t, mvModel(format.OpPack, &format.ConcatenationParams{Axis: 0}, []mvTensor{{dt: i8, shape: []int32{2, 3}}, {dt: i8, shape: []int32{3, 2}}}, []mvTensor{{dt: i8, shape: []int32{2, 2, 3}}}), "input shapes differ")
		wantPrepareError(t, mvModel(format.OpPack, nil, two, []mvTensor{{dt: i8, shape: []int32{2, 2, 3}}}), "no params")
		wantPrepareError(t, mvModel(format.OpPack, &format.ConcatenationParams{Axis: 2}, two, []mvTensor{{dt: i8, shape: []int32{2, 3, 3}}}), "count along axis")
	})
}

func TestSplitRandom(t *testing.T) {
	forEachImpl(t, func(t *testing.T, _ *asm.Impl) {
		r := rand.New(rand.NewPCG(11, 12))
		for iter := 0; iter < 150; iter++ {
			dt := elemSizes[iter%len(elemSizes)]
			es := dt.Size()
			shape := randShape(r, 1+r.IntN(4), 1, 5)
			axis := r.IntN(len(shape))
			code := []format.OpCode{format.OpUnpack, format.OpSplit, format.OpSplitV}[iter%3]
			var sizes []int
			if code == format.OpUnpack {
				for range shape[axis] {
					sizes = append(sizes, 1)
				}
			} else {
				for left := int(shape[axis]); left > 0; {
					s := 1 + r.IntN(left)
					sizes = append(sizes, s)
					left -= s
				}
			}
			var outs []mvTensor
			for _, s := range sizes {
				os := append([]int32(nil), shape...)
				os[axis] = int32(s)
				if code == format.OpUnpack {
					os = append(append([]int32(nil), shape[:axis]...), shape[axis+1:]...)
				}
				outs = append(outs, mvTensor{dt: dt, shape: os})
			}
			in := randBytes(r, product(shape)*es)
			m := mvModel(code, &format.ConcatenationParams{Axis: int32(axis)}, []mvTensor{{dt: dt, shape: shape}}, outs)
			got, err := runMove(t, m, in)
			if err != nil {
				t.Fatal(err)
			}
			// Reference: output j's index o is input index o with o[axis]
			// shifted by the sizes before j.
			off := 0
			for j, s := range sizes {
				ps := append([]int32(nil), shape...)
				ps[axis] = int32(s)
				var want []byte
				for i := 0; i < product(ps); i++ {
					o := unravel(i, ps)
					o[axis] += off
					want = append(want, elem(in, ravel(o, shape), es)...)
				}
				if !bytes.Equal(got[j], want) {
					t.Fatalf("%s %v axis %d sizes %v: output %d got %v, want %v", code, shape, axis, sizes, j, got[j], want)
				}
				off += s
			}
		}
		i8 := format.DTypeInt8
		in := []mvTensor{{dt: i8, shape: []int32{4, 3}}}
		cp := &format.ConcatenationParams{Axis: 0}
		wantPrepareError(t, mvModel(format.OpSplit, cp, in, []mvTensor{{dt: i8, shape: []int32{2, 3}}, {dt: i8, shape: []int32{3, 3}}}), "sizes past the axis")
		wantPrepareError(t, mvModel(format.OpSplitV, cp, in, []mvTensor{{dt: i8, shape: []int32{2, 3}}, {dt: i8, shape: []int32{1, 3}}}), "sizes short of the axis")
		wantPrepareError(t, mvModel(format.OpSplit, &format.ConcatenationParams{Axis: 2}, in, []mvTensor{{dt: i8, shape: []int32{4, 3}}}), "axis past rank")
		wantPrepareError(t, mvModel(format.OpUnpack, cp, in, []mvTensor{{dt: i8, shape: []int32{3}}, {dt: i8, shape: []int32{3}}}), "unpack count")
		wantPrepareError(t, mvModel(format.OpUnpack, cp, in, []mvTensor{{dt: i8, shape: []int32{1, 3}}, {dt: i8, shape: []int32{1, 3}}, {dt: i8, shape: []int32{1, 3}}, {dt: i8, shape: []int32{1, 3}}}), "unpack keeps the axis")
		wantPrepareError(t, mvModel(format.OpSplitV, cp, in, []mvTensor{{dt: i8, shape: []int32{2, 2}}, {dt: i8, shape: []int32{2, 3}}}), "other dimension")
		wantPrepareError(t, mvModel(format.OpSplitV, cp, in, []mvTensor{{dt: format.DTypeInt16, shape: []int32{4, 3}}}), "dtype")
	})
}
