package ops

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// mapRef builds an output of oshape whose element o is input element
// src(o) (ok false: the raw value 0).
func mapRef(in []byte, shape, oshape []int32, es int, src func(o []int) ([]int, bool)) []byte {
	var out []byte
	for i := 0; i < product(oshape); i++ {
		s, ok := src(unravel(i, oshape))
		if !ok {
			out = append(out, make([]byte, es)...)
			continue
		}
		out = append(out, elem(in, ravel(s, shape), es)...)
	}
	return out
}

// checkMove runs m on in and compares output 0 with want.
func checkMove(t *testing.T, what string, m *format.Model, want []byte, in ...[]byte) {
	t.Helper()
	got, err := runMove(t, m, in...)
	if err != nil || !bytes.Equal(got[0], want) {
		t.Fatalf("%s: err %v, got %v, want %v", what, err, got[0], want)
	}
}

func TestLayoutRandom(t *testing.T) {
	forEachImpl(t, func(t *testing.T, _ *asm.Impl) {
		r := rand.New(rand.NewPCG(13, 14))
		for iter := 0; iter < 100; iter++ {
			dt := elemSizes[iter%len(elemSizes)]
			es := dt.Size()
			mk := func(code format.OpCode, p format.OpParams, shape, oshape []int32) *format.Model {
				return mvModel(code, p, []mvTensor{{dt: dt, shape: shape}}, []mvTensor{{dt: dt, shape: oshape}})
			}

			// RESIZE_NEAREST_NEIGHBOR: any source tables.
			shape := randShape(r, 4, 1, 5)
			oshape := []int32{shape[0], int32(1 + r.IntN(7)), int32(1 + r.IntN(7)), shape[3]}
			rp := &format.ResizeNearestParams{}
			for range oshape[1] {
				rp.YIndex = append(rp.YIndex, int32(r.IntN(int(shape[1]))))
			}
			for range oshape[2] {
				rp.XIndex = append(rp.XIndex, int32(r.IntN(int(shape[2]))))
			}
			in := randBytes(r, product(shape)*es)
			checkMove(t, "resize", mk(format.OpResizeNearestNeighbor, rp, shape, oshape), mapRef(in, shape, oshape, es, func(o []int) ([]int, bool) {
				return []int{o[0], int(rp.YIndex[o[1]]), int(rp.XIndex[o[2]]), o[3]}, true
			}), in)

			// BROADCAST_TO: size-1 and missing leading dimensions repeat.
			oshape = randShape(r, 1+r.IntN(4), 1, 4)
			shape = append([]int32(nil), oshape[r.IntN(len(oshape)+1):]...)
			for d := range shape {
				if r.IntN(2) == 0 {
					shape[d] = 1
				}
			}
			in = randBytes(r, product(shape)*es)
			checkMove(t, "broadcast", mk(format.OpBroadcastTo, nil, shape, oshape), mapRef(in, shape, oshape, es, func(o []int) ([]int, bool) {
				s := append([]int(nil), o[len(o)-len(shape):]...)
				for d := range s {
					if shape[d] == 1 {
						s[d] = 0
					}
				}
				return s, true
			}), in)

			// MIRROR_PAD, both modes.
			shape = randShape(r, 1+r.IntN(4), 1, 5)
			mode := int32(r.IntN(2)) // 1 REFLECT
			mp := &format.PadParams{Value: mode}
			oshape = nil
			for _, n := range shape {
				lim := int(n) - int(mode)
				b, a := r.IntN(lim+1), r.IntN(lim+1)
				mp.Before, mp.After = append(mp.Before, int32(b)), append(mp.After, int32(a))
				oshape = append(oshape, n+int32(a+b))
			}
			in = randBytes(r, product(shape)*es)
			checkMove(t, "mirror pad", mk(format.OpMirrorPad, mp, shape, oshape), mapRef(in, shape, oshape, es, func(o []int) ([]int, bool) {
				s := make([]int, len(o))
				for d, v := range o {
					i, n := v-int(mp.Before[d]), int(shape[d])
					for i < 0 || i >= n { // reflect across the edges
						if i < 0 {
							i = -i - 1 + int(mode)
						} else {
							i = 2*n - 1 - i - int(mode)
						}
					}
					s[d] = i
				}
				return s, true
			}), in)

			// DEPTH_TO_SPACE and SPACE_TO_DEPTH.
			b := 1 + r.IntN(3)
			n, h, w, c := 1+r.IntN(2), 1+r.IntN(3), 1+r.IntN(3), 1+r.IntN(3)
			shape = []int32{int32(n), int32(h), int32(w), int32(c * b * b)}
			oshape = []int32{int32(n), int32(h * b), int32(w * b), int32(c)}
			bp := &format.BlockParams{Block: []int32{int32(b)}}
			in = randBytes(r, product(shape)*es)
			checkMove(t, "depth to space", mk(format.OpDepthToSpace, bp, shape, oshape), mapRef(in, shape, oshape, es, func(o []int) ([]int, bool) {
				return []int{o[0], o[1] / b, o[2] / b, ((o[1]%b)*b+o[2]%b)*c + o[3]}, true
			}), in)
			shape, oshape = oshape, shape
			in = randBytes(r, product(shape)*es)
			checkMove(t, "space to depth", mk(format.OpSpaceToDepth, bp, shape, oshape), mapRef(in, shape, oshape, es, func(o []int) ([]int, bool) {
				blk, ch := o[3]/c, o[3]%c
				return []int{o[0], o[1]*b + blk/b, o[2]*b + blk%b, ch}, true
			}), in)

			// SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND, rank 4 and 3.
			rank := 3 + r.IntN(2)
			bh, bw := 1+r.IntN(3), 1
			if rank == 4 {
				bw = 1 + r.IntN(3)
			}
			pt, pb, pl, pr := r.IntN(3), r.IntN(3), 0, 0
			ih, iw := 1+r.IntN(5), 1
			if rank == 4 {
				pl, pr, iw = r.IntN(3), r.IntN(3), 1+r.IntN(5)
			}
			ih += (bh - (ih+pt+pb)%bh) % bh
			iw += (bw - (iw+pl+pr)%bw) % bw
			batch, ch := 1+r.IntN(2), 1+r.IntN(3)
			oh, ow := (ih+pt+pb)/bh, (iw+pl+pr)/bw
			sp := &format.BlockParams{Block: []int32{int32(bh), int32(bw)}, Before: []int32{int32(pt), int32(pl)}, After: []int32{int32(pb), int32(pr)}}
			shape = []int32{int32(batch), int32(ih), int32(iw), int32(ch)}
			oshape = []int32{int32(batch * bh * bw), int32(oh), int32(ow), int32(ch)}
			if rank == 3 {
				sp = &format.BlockParams{Block: []int32{int32(bh)}, Before: []int32{int32(pt)}, After: []int32{int32(pb)}}
				shape, oshape = []int32{shape[0], shape[1], shape[3]}, []int32{oshape[0], oshape[1], oshape[3]}
			}
			// 4-D view of an index for the reference.
			as4 := func(o []int) []int {
				if len(o) == 3 {
					return []int{o[0], o[1], 0, o[2]}
				}
				return o
			}
			from4 := func(o []int) []int {
				if rank == 3 {
					return []int{o[0], o[1], o[3]}
				}
				return o
			}
			in = randBytes(r, product(shape)*es)
			checkMove(t, "space to batch", mk(format.OpSpaceToBatchND, sp, shape, oshape), mapRef(in, shape, oshape, es, func(o []int) ([]int, bool) {
				q := as4(o)
				blk, bb := q[0]/batch, q[0]%batch
				y, x := q[1]*bh+blk/bw-pt, q[2]*bw+blk%bw-pl
				if y < 0 || y >= ih || x < 0 || x >= iw {
					return nil, false
				}
				return from4([]int{bb, y, x, q[3]}), true
			}), in)
			// BATCH_TO_SPACE_ND is the inverse with crops.
			bs := &format.BlockParams{Block: sp.Block, Before: sp.Before, After: sp.After}
			shape, oshape = oshape, shape
			in = randBytes(r, product(shape)*es)
			checkMove(t, "batch to space", mk(format.OpBatchToSpaceND, bs, shape, oshape), mapRef(in, shape, oshape, es, func(o []int) ([]int, bool) {
				q := as4(o)
				y, x := q[1]+pt, q[2]+pl
				return from4([]int{(y%bh*bw+x%bw)*batch + q[0], y / bh, x / bw, q[3]}), true
			}), in)
		}
	})
}

func TestLayoutRejects(t *testing.T) {
	i8 := format.DTypeInt8
	mk := func(code format.OpCode, p format.OpParams, shape, oshape []int32) *format.Model {
		return mvModel(code, p, []mvTensor{{dt: i8, shape: shape}}, []mvTensor{{dt: i8, shape: oshape}})
	}
	s4 := []int32{1, 2, 2, 3}
	for _, tc := range []struct {
		name string
		m    *format.Model
	}{
		{"resize index past input", mk(format.OpResizeNearestNeighbor, &format.ResizeNearestParams{YIndex: []int32{2}, XIndex: []int32{0}}, s4, []int32{1, 1, 1, 3})},
		{"resize negative index", mk(format.OpResizeNearestNeighbor, &format.ResizeNearestParams{YIndex: []int32{-1}, XIndex: []int32{0}}, s4, []int32{1, 1, 1, 3})},
		{"resize table length", mk(format.OpResizeNearestNeighbor, &format.ResizeNearestParams{YIndex: []int32{0, 1}, XIndex: []int32{0}}, s4, []int32{1, 1, 1, 3})},
		{"resize channels", mk(format.OpResizeNearestNeighbor, &format.ResizeNearestParams{YIndex: []int32{0}, XIndex: []int32{0}}, s4, []int32{1, 1, 1, 2})},
		{"broadcast mismatch", mk(format.OpBroadcastTo, nil, []int32{2, 3}, []int32{2, 4})},
		{"broadcast rank", mk(format.OpBroadcastTo, nil, []int32{2, 3}, []int32{3})},
		{"reflect too wide", mk(format.OpMirrorPad, &format.PadParams{Before: []int32{2}, After: []int32{0}, Value: 1}, []int32{2}, []int32{4})},
		{"symmetric too wide", mk(format.OpMirrorPad, &format.PadParams{Before: []int32{3}, After: []int32{0}, Value: 0}, []int32{2}, []int32{5})},
		{"mirror mode", mk(format.OpMirrorPad, &format.PadParams{Before: []int32{1}, After: []int32{0}, Value: 2}, []int32{2}, []int32{3})},
		{"mirror negative", mk(format.OpMirrorPad, &format.PadParams{Before: []int32{-1}, After: []int32{1}, Value: 0}, []int32{2}, []int32{2})},
		{"mirror output", mk(format.OpMirrorPad, &format.PadParams{Before: []int32{1}, After: []int32{0}, Value: 0}, []int32{2}, []int32{4})},
		{"depth to space channels", mk(format.OpDepthToSpace, &format.BlockParams{Block: []int32{2}}, s4, []int32{1, 4, 4, 1})},
		{"depth to space block 0", mk(format.OpDepthToSpace, &format.BlockParams{Block: []int32{0}}, s4, s4)},
		{"space to depth uneven", mk(format.OpSpaceToDepth, &format.BlockParams{Block: []int32{2}}, []int32{1, 3, 2, 1}, []int32{1, 1, 1, 4})},
		{"space to batch uneven", mk(format.OpSpaceToBatchND, &format.BlockParams{Block: []int32{2, 1}, Before: []int32{0, 0}, After: []int32{1, 0}}, s4, []int32{2, 1, 2, 3})},
		{"space to batch block count", mk(format.OpSpaceToBatchND, &format.BlockParams{Block: []int32{2}, Before: []int32{0}, After: []int32{0}}, s4, []int32{2, 1, 2, 3})},
		{"batch to space batch", mk(format.OpBatchToSpaceND, &format.BlockParams{Block: []int32{2, 2}, Before: []int32{0, 0}, After: []int32{0, 0}}, []int32{2, 1, 1, 3}, []int32{1, 2, 2, 3})},
		{"batch to space crops", mk(format.OpBatchToSpaceND, &format.BlockParams{Block: []int32{2, 1}, Before: []int32{3, 0}, After: []int32{0, 0}}, []int32{2, 1, 1, 3}, []int32{1, -1, 1, 3})},
		{"no params", mk(format.OpDepthToSpace, nil, s4, s4)},
	} {
		wantPrepareError(t, tc.m, tc.name)
	}
}

func TestFillZerosUpdate(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for iter := 0; iter < 60; iter++ {
		dt := elemSizes[iter%len(elemSizes)]
		es := dt.Size()
		oshape := randShape(r, r.IntN(4), 1, 4)
		v := randBytes(r, es)
		checkMove(t, "fill", mvModel(format.OpFill, nil, []mvTensor{{dt: dt}}, []mvTensor{{dt: dt, shape: oshape}}),
			bytes.Repeat(v, product(oshape)), v)
		checkMove(t, "zeros like", mvModel(format.OpZerosLike, nil, []mvTensor{{dt: dt, shape: oshape}}, []mvTensor{{dt: dt, shape: oshape}}),
			make([]byte, product(oshape)*es), randBytes(r, product(oshape)*es))

		// DYNAMIC_UPDATE_SLICE: starts anywhere (clamped into range).
		shape := randShape(r, 1+r.IntN(3), 1, 5)
		ushape := make([]int32, len(shape))
		start := make([]int, len(shape))
		for d, n := range shape {
			ushape[d] = int32(r.IntN(int(n)) + 1)
			start[d] = r.IntN(int(n)+4) - 2
		}
		in, up := randBytes(r, product(shape)*es), randBytes(r, product(ushape)*es)
		want := append([]byte(nil), in...)
		for i := 0; i < product(ushape); i++ {
			u := unravel(i, ushape)
			for d := range u {
				u[d] += min(max(start[d], 0), int(shape[d]-ushape[d]))
			}
			copy(elem(want, ravel(u, shape), es), elem(up, i, es))
		}
		for _, isize := range []int{4, 8} {
			it := format.DTypeInt32
			if isize == 8 {
				it = format.DTypeInt64
			}
			m := mvModel(format.OpDynamicUpdateSlice, nil, []mvTensor{{dt: dt, shape: shape}, {dt: dt, shape: ushape}, {dt: it, shape: []int32{int32(len(shape))}}},
				[]mvTensor{{dt: dt, shape: shape}})
			checkMove(t, "dynamic update slice", m, want, in, up, intBytes(isize, start...))
			m.Tensors[2].Data = intBytes(isize, start...)
			checkMove(t, "dynamic update slice, constant start", m, want, in, up)
		}
	}
	i8, i32 := format.DTypeInt8, format.DTypeInt32
	wantPrepareError(t, mvModel(format.OpFill, nil, []mvTensor{{dt: i8, shape: []int32{2}}}, []mvTensor{{dt: i8, shape: []int32{3}}}), "fill value not a scalar")
	wantPrepareError(t, mvModel(format.OpFill, nil, []mvTensor{{dt: format.DTypeInt16}}, []mvTensor{{dt: i8, shape: []int32{3}}}), "fill dtype")
	wantPrepareError(t, mvModel(format.OpZerosLike, nil, []mvTensor{{dt: i8, shape: []int32{2}}}, []mvTensor{{dt: i8, shape: []int32{3}}}), "zeros like shape")
	dus := func(op, up, start []int32, sdt format.DType) *format.Model {
		return mvModel(format.OpDynamicUpdateSlice, nil, []mvTensor{{dt: i8, shape: op}, {dt: i8, shape: up}, {dt: sdt, shape: start}}, []mvTensor{{dt: i8, shape: op}})
	}
	wantPrepareError(t, dus([]int32{2, 3}, []int32{3, 1}, []int32{2}, i32), "update larger")
	wantPrepareError(t, dus([]int32{2, 3}, []int32{1, 1}, []int32{3}, i32), "start count")
	wantPrepareError(t, dus([]int32{2, 3}, []int32{1}, []int32{1}, i32), "update rank")
	wantPrepareError(t, dus([]int32{2, 3}, []int32{1, 1}, []int32{2}, i8), "start dtype")
}
