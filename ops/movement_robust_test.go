package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// TestMovementHostileModels: random operands and params (extreme values
// included) for every data-movement op: Prepare either rejects them or
// gives a kernel whose Eval, on any input bytes (positions included), runs
// without a panic and within its tensors.
func TestMovementHostileModels(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	extreme := []int32{0, 1, 2, 3, -1, -2, math.MaxInt32, math.MinInt32, 1 << 16}
	val := func() int32 {
		if r.IntN(3) == 0 {
			return extreme[r.IntN(len(extreme))]
		}
		return int32(r.IntN(5))
	}
	vals := func(n int) []int32 {
		v := make([]int32, n)
		for i := range v {
			v[i] = val()
		}
		return v
	}
	dtypes := []format.DType{format.DTypeInt8, format.DTypeInt16, format.DTypeInt32, format.DTypeInt64, format.DTypeInvalid}
	tensor := func() mvTensor {
		dt := dtypes[r.IntN(len(dtypes))]
		if r.IntN(4) != 0 {
			dt = format.DTypeInt8
		}
		shape := randShape(r, r.IntN(5), 0, 4)
		tt := mvTensor{dt: dt, shape: shape}
		if r.IntN(4) == 0 && dt.Size() > 0 {
			// Constants have their exact length: VerifyModel checks it
			// before any prepare.
			tt.data = randBytes(r, product(shape)*dt.Size())
		}
		return tt
	}
	params := func(code format.OpCode) format.OpParams {
		n := r.IntN(5)
		switch r.IntN(14) {
		case 0:
			return nil
		case 1:
			return &format.GatherParams{Axis: val(), BatchDims: val()}
		case 2:
			return &format.SliceParams{Begin: vals(n), Stride: vals(n), Size: vals(n)}
		case 3:
			return &format.ResizeNearestParams{YIndex: vals(r.IntN(5)), XIndex: vals(r.IntN(5))}
		case 4:
			return &format.BlockParams{Block: vals(r.IntN(3)), Before: vals(n % 3), After: vals(n % 3)}
		case 5:
			return &format.ConcatenationParams{Axis: val()}
		case 6:
			return &format.PadParams{Before: vals(n), After: vals(n), Value: val()}
		}
		// The params the op expects, with random fields.
		switch code {
		case format.OpGather:
			return &format.GatherParams{Axis: int32(r.IntN(4)), BatchDims: int32(r.IntN(2))}
		case format.OpStridedSlice, format.OpSlice, format.OpReverseV2:
			return &format.SliceParams{Begin: vals(n), Stride: vals(n), Size: vals(n)}
		case format.OpResizeNearestNeighbor:
			return &format.ResizeNearestParams{YIndex: vals(r.IntN(5)), XIndex: vals(r.IntN(5))}
		case format.OpDepthToSpace, format.OpSpaceToDepth:
			return &format.BlockParams{Block: []int32{int32(1 + r.IntN(2))}}
		case format.OpSpaceToBatchND, format.OpBatchToSpaceND:
			k := 1 + r.IntN(2)
			return &format.BlockParams{Block: vals(k), Before: vals(k), After: vals(k)}
		case format.OpPack, format.OpUnpack, format.OpSplit, format.OpSplitV:
			return &format.ConcatenationParams{Axis: int32(r.IntN(4))}
		case format.OpMirrorPad:
			return &format.PadParams{Before: vals(n), After: vals(n), Value: int32(r.IntN(2))}
		}
		return nil
	}
	var codes []format.OpCode
	for c := format.OpInvalid; c < format.OpSVDF+1; c++ {
		if _, ok := movementPreparers[c]; ok {
			codes = append(codes, c)
		}
	}
	prepared := 0
	for iter := 0; iter < 100000; iter++ {
		code := codes[r.IntN(len(codes))]
		var ins, outs []mvTensor
		for k := range r.IntN(4) {
			in := tensor()
			if k > 0 && r.IntN(2) == 0 { // positions, starts
				in.dt = []format.DType{format.DTypeInt32, format.DTypeInt64}[r.IntN(2)]
				if in.data != nil {
					in.data = randBytes(r, product(in.shape)*in.dt.Size())
				}
			}
			ins = append(ins, in)
		}
		for range 1 + r.IntN(3) {
			o := tensor()
			if len(ins) > 0 && r.IntN(2) == 0 { // plausible: the input's shape, perhaps one dimension changed
				o = mvTensor{dt: ins[0].dt, shape: append([]int32(nil), ins[0].shape...)}
				if len(o.shape) > 0 && r.IntN(2) == 0 {
					o.shape[r.IntN(len(o.shape))] = int32(r.IntN(5))
				}
			}
			outs = append(outs, o)
		}
		m := mvModel(code, params(code), ins, outs)
		func() {
			defer func() {
				if e := recover(); e != nil {
					t.Fatalf("%s params %+v inputs %+v outputs %+v: panic %v", code, m.Ops[0].Params, ins, outs, e)
				}
			}()
			k, err := Prepare(m, 0)
			if err != nil {
				return
			}
			prepared++
			env := &Env{Tensors: make([][]int8, len(m.Tensors))}
			for i := range m.Tensors {
				tt := &m.Tensors[i]
				if tt.IsConstant() {
					env.Tensors[i] = Int8s(tt.Data)
				} else {
					env.Tensors[i] = Int8s(randBytes(r, int(tt.ByteSize())))
				}
			}
			k.Eval(env)
		}()
	}
	if prepared < 500 {
		t.Errorf("only %d of the random models prepared: the test exercises too little Eval", prepared)
	}
	t.Logf("%d random models prepared and ran", prepared)
}
