package ops

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// gatherRef is TensorFlow's gather: output index (outer..., coord...,
// inner...) with batch dimensions shared between params and positions.
func gatherRef(in []byte, shape []int32, pos []int, pshape []int32, axis, bd, es int) []byte {
	oshape := append(append(append([]int32(nil), shape[:axis]...), pshape[bd:]...), shape[axis+1:]...)
	var out []byte
	for i := 0; i < product(oshape); i++ {
		o := unravel(i, oshape)
		// o = shape[:axis] ++ pshape[bd:] ++ shape[axis+1:]
		pidx := append(append([]int(nil), o[:bd]...), o[axis:axis+len(pshape)-bd]...)
		src := append(append(append([]int(nil), o[:axis]...), pos[ravel(pidx, pshape)]), o[axis+len(pshape)-bd:]...)
		out = append(out, elem(in, ravel(src, shape), es)...)
	}
	return out
}

func TestGatherRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for iter := 0; iter < 200; iter++ {
		dt := elemSizes[iter%len(elemSizes)]
		es := dt.Size()
		shape := randShape(r, 1+r.IntN(4), 1, 5)
		axis := r.IntN(len(shape))
		bd := r.IntN(axis + 1)
		pshape := append(append([]int32(nil), shape[:bd]...), randShape(r, r.IntN(3), 1, 4)...)
		pos := make([]int, product(pshape))
		for i := range pos {
			pos[i] = r.IntN(int(shape[axis]))
		}
		oshape := append(append(append([]int32(nil), shape[:axis]...), pshape[bd:]...), shape[axis+1:]...)
		in := randBytes(r, product(shape)*es)
		want := gatherRef(in, shape, pos, pshape, axis, bd, es)
		for _, isize := range []int{4, 8} {
			it := format.DTypeInt32
			if isize == 8 {
				it = format.DTypeInt64
			}
			p := &format.GatherParams{Axis: int32(axis), BatchDims: int32(bd)}
			// Constant positions, then positions as an input.
			m := mvModel(format.OpGather, p, []mvTensor{{dt: dt, shape: shape}, {dt: it, shape: pshape, data: intBytes(isize, pos...)}},
				[]mvTensor{{dt: dt, shape: oshape}})
			got, err := runMove(t, m, in)
			if err != nil || !bytes.Equal(got[0], want) {
				t.Fatalf("constant %s positions: err %v, got %v, want %v", it, err, got[0], want)
			}
			m = mvModel(format.OpGather, p, []mvTensor{{dt: dt, shape: shape}, {dt: it, shape: pshape}}, []mvTensor{{dt: dt, shape: oshape}})
			got, err = runMove(t, m, in, intBytes(isize, pos...))
			if err != nil || !bytes.Equal(got[0], want) {
				t.Fatalf("input %s positions: err %v, got %v, want %v", it, err, got[0], want)
			}
			// An out-of-range position read at Invoke is an error, never a
			// read outside the input.
			if len(pos) > 0 {
				bad := append([]int(nil), pos...)
				bad[r.IntN(len(bad))] = []int{-1, int(shape[axis]), 1 << 30, -(1 << 31)}[r.IntN(4)]
				if _, err := runMove(t, m, in, intBytes(isize, bad...)); err == nil {
					t.Fatalf("positions %v on axis of %d: no error", bad, shape[axis])
				}
			}
		}
	}
}

func TestGatherRejects(t *testing.T) {
	i8, i32 := format.DTypeInt8, format.DTypeInt32
	for _, tc := range []struct {
		name string
		p    format.OpParams
		ins  []mvTensor
		out  []int32
	}{
		{"axis past rank", &format.GatherParams{Axis: 2}, []mvTensor{{dt: i8, shape: []int32{3, 4}}, {dt: i32, shape: []int32{2}}}, []int32{3, 2}},
		{"batch dims past axis", &format.GatherParams{Axis: 0, BatchDims: 1}, []mvTensor{{dt: i8, shape: []int32{3, 4}}, {dt: i32, shape: []int32{3}}}, []int32{3, 4}},
		{"batch dims differ", &format.GatherParams{Axis: 1, BatchDims: 1}, []mvTensor{{dt: i8, shape: []int32{3, 4}}, {dt: i32, shape: []int32{2, 1}}}, []int32{3, 1}},
		{"output shape", &format.GatherParams{Axis: 1}, []mvTensor{{dt: i8, shape: []int32{3, 4}}, {dt: i32, shape: []int32{2}}}, []int32{2, 3}},
		{"int8 positions", &format.GatherParams{Axis: 1}, []mvTensor{{dt: i8, shape: []int32{3, 4}}, {dt: i8, shape: []int32{2}}}, []int32{3, 2}},
		{"constant out of range", &format.GatherParams{Axis: 1}, []mvTensor{{dt: i8, shape: []int32{3, 4}}, {dt: i32, shape: []int32{2}, data: intBytes(4, 1, 4)}}, []int32{3, 2}},
		{"short constant", &format.GatherParams{Axis: 1}, []mvTensor{{dt: i8, shape: []int32{3, 4}}, {dt: i32, shape: []int32{2}, data: intBytes(4, 1)}}, []int32{3, 2}},
		{"no params", nil, []mvTensor{{dt: i8, shape: []int32{3, 4}}, {dt: i32, shape: []int32{2}}}, []int32{3, 2}},
	} {
		wantPrepareError(t, mvModel(format.OpGather, tc.p, tc.ins, []mvTensor{{dt: i8, shape: tc.out}}), tc.name)
	}
}

// gatherNDRef: each row of nd positions selects a slab of the trailing
// dimensions.
func gatherNDRef(in []byte, shape []int32, pos []int, nd, slices, es int) []byte {
	slab := product(shape[nd:])
	var out []byte
	for i := 0; i < slices; i++ {
		start := ravel(pos[i*nd:i*nd+nd], shape[:nd]) * slab
		for j := 0; j < slab; j++ {
			out = append(out, elem(in, start+j, es)...)
		}
	}
	return out
}

func TestGatherNDRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for iter := 0; iter < 200; iter++ {
		dt := elemSizes[iter%len(elemSizes)]
		es := dt.Size()
		shape := randShape(r, 1+r.IntN(4), 1, 5)
		nd := r.IntN(len(shape) + 1)
		lead := randShape(r, r.IntN(3), 1, 3)
		pshape := append(append([]int32(nil), lead...), int32(nd))
		slices := product(lead)
		pos := make([]int, slices*nd)
		for i := range pos {
			pos[i] = r.IntN(int(shape[i%nd]))
		}
		oshape := append(append([]int32(nil), lead...), shape[nd:]...)
		in := randBytes(r, product(shape)*es)
		want := gatherNDRef(in, shape, pos, nd, slices, es)
		for _, isize := range []int{4, 8} {
			it := format.DTypeInt32
			if isize == 8 {
				it = format.DTypeInt64
			}
			m := mvModel(format.OpGatherND, nil, []mvTensor{{dt: dt, shape: shape}, {dt: it, shape: pshape}}, []mvTensor{{dt: dt, shape: oshape}})
			got, err := runMove(t, m, in, intBytes(isize, pos...))
			if err != nil || !bytes.Equal(got[0], want) {
				t.Fatalf("shape %v positions %v: err %v, got %v, want %v", shape, pos, err, got[0], want)
			}
			if nd > 0 && slices > 0 {
				bad := append([]int(nil), pos...)
				k := r.IntN(len(bad))
				bad[k] = []int{-1, int(shape[k%nd])}[r.IntN(2)]
				if _, err := runMove(t, m, in, intBytes(isize, bad...)); err == nil {
					t.Fatalf("positions %v for shape %v: no error", bad, shape)
				}
			}
		}
	}
	i8, i32 := format.DTypeInt8, format.DTypeInt32
	wantPrepareError(t, mvModel(format.OpGatherND, nil, []mvTensor{{dt: i8, shape: []int32{3}}, {dt: i32, shape: []int32{1, 2}}}, []mvTensor{{dt: i8, shape: []int32{1}}}), "nd past rank")
	wantPrepareError(t, mvModel(format.OpGatherND, nil, []mvTensor{{dt: i8, shape: []int32{3, 2}}, {dt: i32, shape: []int32{2, 1}}}, []mvTensor{{dt: i8, shape: []int32{2, 3}}}), "output shape")
	wantPrepareError(t, mvModel(format.OpGatherND, nil, []mvTensor{{dt: i8, shape: []int32{3, 2}}, {dt: i32, shape: []int32{1, 1}, data: intBytes(4, 3)}}, []mvTensor{{dt: i8, shape: []int32{1, 2}}}), "constant out of range")
	wantPrepareError(t, mvModel(format.OpGatherND, nil, []mvTensor{{dt: i8, shape: []int32{3, 2}}, {dt: i32, shape: []int32{}}}, []mvTensor{{dt: i8, shape: []int32{3, 2}}}), "scalar positions")
}

func TestEmbeddingLookup(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for iter := 0; iter < 50; iter++ {
		dt := elemSizes[iter%len(elemSizes)]
		es := dt.Size()
		vshape := randShape(r, 2+r.IntN(2), 1, 5)
		n := r.IntN(6)
		ids := make([]int, n)
		for i := range ids {
			ids[i] = r.IntN(int(vshape[0]))
		}
		value := randBytes(r, product(vshape)*es)
		row := product(vshape[1:]) * es
		var want []byte
		for _, id := range ids {
			want = append(want, value[id*row:id*row+row]...)
		}
		oshape := append([]int32{int32(n)}, vshape[1:]...)
		m := mvModel(format.OpEmbeddingLookup, nil, []mvTensor{{dt: format.DTypeInt32, shape: []int32{int32(n)}}, {dt: dt, shape: vshape, data: value}},
			[]mvTensor{{dt: dt, shape: oshape}})
		got, err := runMove(t, m, intBytes(4, ids...))
		if err != nil || !bytes.Equal(got[0], want) {
			t.Fatalf("ids %v: err %v, got %v, want %v", ids, err, got[0], want)
		}
		if n > 0 {
			ids[r.IntN(n)] = []int{-1, int(vshape[0])}[r.IntN(2)]
			if _, err := runMove(t, m, intBytes(4, ids...)); err == nil {
				t.Fatalf("ids %v of %d rows: no error", ids, vshape[0])
			}
		}
	}
	i8 := format.DTypeInt8
	wantPrepareError(t, mvModel(format.OpEmbeddingLookup, nil, []mvTensor{{dt: format.DTypeInt64, shape: []int32{2}}, {dt: i8, shape: []int32{3, 2}, data: make([]byte, 6)}}, []mvTensor{{dt: i8, shape: []int32{2, 2}}}), "int64 ids")
	wantPrepareError(t, mvModel(format.OpEmbeddingLookup, nil, []mvTensor{{dt: format.DTypeInt32, shape: []int32{2}}, {dt: i8, shape: []int32{6}, data: make([]byte, 6)}}, []mvTensor{{dt: i8, shape: []int32{2}}}), "1-D value")
	wantPrepareError(t, mvModel(format.OpEmbeddingLookup, nil, []mvTensor{{dt: format.DTypeInt32, shape: []int32{2}}, {dt: i8, shape: []int32{3, 2}, data: make([]byte, 6)}}, []mvTensor{{dt: i8, shape: []int32{2, 3}}}), "output shape")
}
