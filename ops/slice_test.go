package ops

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// sliceRef: output element (i_d) is input element (Begin[d] + i_d·Stride[d]).
func sliceRef(in []byte, shape []int32, p *format.SliceParams, es int) []byte {
	var out []byte
	n := product(p.Size)
	for i := 0; i < n; i++ {
		idx := unravel(i, p.Size)
		for d := range idx {
			idx[d] = int(p.Begin[d]) + idx[d]*int(p.Stride[d])
		}
		out = append(out, elem(in, ravel(idx, shape), es)...)
	}
	return out
}

// randSlice picks a valid slice of shape: per dimension a begin, a
// non-zero stride and a size that stays inside.
func randSlice(r *rand.Rand, shape []int32) *format.SliceParams {
	p := &format.SliceParams{}
	for _, n := range shape {
		b := r.IntN(int(n))
		s := []int{1, 1, 2, 3, -1, -2}[r.IntN(6)]
		room := (int(n)-1-b)/s + 1
		if s < 0 {
			room = b/(-s) + 1
		}
		size := r.IntN(room + 1)
		p.Begin, p.Stride, p.Size = append(p.Begin, int32(b)), append(p.Stride, int32(s)), append(p.Size, int32(size))
	}
	return p
}

func TestSliceRandom(t *testing.T) {
	forEachImpl(t, func(t *testing.T, _ *asm.Impl) {
		r := rand.New(rand.NewPCG(1, 2))
		for iter := 0; iter < 300; iter++ {
			dt := elemSizes[iter%len(elemSizes)]
			es := dt.Size()
			shape := randShape(r, 1+r.IntN(5), 1, 6)
			p := randSlice(r, shape)
			// Drop some size-1 dimensions from the output (shrink axes).
			var outShape []int32
			for _, n := range p.Size {
				if n == 1 && r.IntN(2) == 0 {
					continue
				}
				outShape = append(outShape, n)
			}
			code := []format.OpCode{format.OpStridedSlice, format.OpSlice, format.OpReverseV2}[iter%3]
			m := mvModel(code, p, []mvTensor{{dt: dt, shape: shape}}, []mvTensor{{dt: dt, shape: outShape}})
			in := randBytes(r, product(shape)*es)
			got, err := runMove(t, m, in)
			if err != nil {
				t.Fatal(err)
			}
			if want := sliceRef(in, shape, p, es); !bytes.Equal(got[0], want) {
				t.Fatalf("shape %v %s slice %+v: got %v, want %v", shape, dt, p, got[0], want)
			}
		}
	})
}

func TestSliceRejects(t *testing.T) {
	i8 := format.DTypeInt8
	ok := func() (*format.SliceParams, []mvTensor, []mvTensor) {
		return &format.SliceParams{Begin: []int32{1, 3}, Stride: []int32{1, -1}, Size: []int32{2, 4}},
			[]mvTensor{{dt: i8, shape: []int32{3, 4}}}, []mvTensor{{dt: i8, shape: []int32{2, 4}}}
	}
	p, ins, outs := ok()
	if _, err := Prepare(mvModel(format.OpStridedSlice, p, ins, outs), 0); err != nil {
		t.Fatalf("valid slice rejected: %v", err)
	}
	for _, tc := range []struct {
		name string
		mut  func(p *format.SliceParams, ins, outs []mvTensor) (*format.SliceParams, []mvTensor, []mvTensor)
	}{
		{"nil params", func(p *format.SliceParams, i, o []mvTensor) (*format.SliceParams, []mvTensor, []mvTensor) {
			return nil, i, o
		}},
		{"short begin", func(p *format.SliceParams, i, o []mvTensor) (*format.SliceParams, []mvTensor, []mvTensor) {
			p.Begin = p.Begin[:1]
			return p, i, o
		}},
		{"begin past end", func(p *format.SliceParams, i, o []mvTensor) (*format.SliceParams, []mvTensor, []mvTensor) {
			p.Begin[0] = 2
			return p, i, o
		}},
		{"negative begin", func(p *format.SliceParams, i, o []mvTensor) (*format.SliceParams, []mvTensor, []mvTensor) {
			p.Begin[0] = -1
			return p, i, o
		}},
		{"reverse past start", func(p *format.SliceParams, i, o []mvTensor) (*format.SliceParams, []mvTensor, []mvTensor) {
			p.Begin[1] = 2
			return p, i, o
		}},
		{"huge stride", func(p *format.SliceParams, i, o []mvTensor) (*format.SliceParams, []mvTensor, []mvTensor) {
			p.Stride[0] = 1 << 30
			return p, i, o
		}},
		{"negative size", func(p *format.SliceParams, i, o []mvTensor) (*format.SliceParams, []mvTensor, []mvTensor) {
			p.Size[0] = -2
			o[0].shape = []int32{-2, 4}
			return p, i, o
		}},
		{"output shape", func(p *format.SliceParams, i, o []mvTensor) (*format.SliceParams, []mvTensor, []mvTensor) {
			o[0].shape = []int32{4, 2}
			return p, i, o
		}},
		{"dtype", func(p *format.SliceParams, i, o []mvTensor) (*format.SliceParams, []mvTensor, []mvTensor) {
			o[0].dt = format.DTypeInt16
			return p, i, o
		}},
		{"invalid dtype", func(p *format.SliceParams, i, o []mvTensor) (*format.SliceParams, []mvTensor, []mvTensor) {
			i[0].dt, o[0].dt = format.DTypeInvalid, format.DTypeInvalid
			return p, i, o
		}},
	} {
		p, ins, outs := ok()
		p, ins, outs = tc.mut(p, ins, outs)
		var params format.OpParams
		if p != nil {
			params = p
		}
		wantPrepareError(t, mvModel(format.OpStridedSlice, params, ins, outs), tc.name)
	}
}
