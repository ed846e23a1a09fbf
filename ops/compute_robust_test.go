package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// computeCodes are the op codes of elementwise_pair.go, div.go,
// select.go, argminmax.go, cast.go, add_n.go, cumsum.go, l2norm.go,
// resize_bilinear.go, log_softmax.go and batch_matmul.go.
var computeCodes = []format.OpCode{
	format.OpMinimum, format.OpMaximum, format.OpArgMax, format.OpArgMin, format.OpCast, format.OpPRelu,
	format.OpDiv, format.OpEqual, format.OpNotEqual, format.OpLess, format.OpLessEqual, format.OpGreater,
	format.OpGreaterEqual, format.OpSquaredDifference, format.OpSelectV2, format.OpAbs, format.OpElu,
	format.OpRsqrt, format.OpReduceMax, format.OpReduceMin, format.OpSum, format.OpAddN, format.OpCumSum,
	format.OpL2Normalization, format.OpResizeBilinear, format.OpLogSoftmax, format.OpBatchMatMul,
}

// TestComputeHostileModels: random operands (dtypes, ranks, empty and
// mismatched shapes, constants) and random params (extreme values
// included) for every compute op: Prepare rejects them or returns a kernel
// whose Eval runs on arbitrary bytes without a panic.
func TestComputeHostileModels(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 99))
	extreme := []int32{0, 1, 2, -1, -2, 31, -31, 32, 255, 1 << 30, math.MaxInt32, math.MinInt32}
	val := func() int32 {
		if r.IntN(3) == 0 {
			return extreme[r.IntN(len(extreme))]
		}
		return int32(r.IntN(7) - 3)
	}
	vals := func(n int) []int32 {
		v := make([]int32, n)
		for i := range v {
			v[i] = val()
		}
		return v
	}
	dtypes := []format.DType{format.DTypeInt8, format.DTypeInt16, format.DTypeInt32, format.DTypeInt64, format.DTypeBool}
	shape := func() []int32 {
		s := make([]int32, r.IntN(5))
		for i := range s {
			s[i] = int32(r.IntN(4))
			if r.IntN(3) != 0 {
				s[i]++
			}
		}
		return s
	}
	table := func() []int32 {
		if r.IntN(4) == 0 {
			return vals(r.IntN(300))
		}
		t := make([]int32, 256)
		for i := range t {
			t[i] = val()
		}
		return t
	}
	params := func() format.OpParams {
		switch r.IntN(9) {
		case 0:
			return nil
		case 1:
			return &format.ArithParams{Input1Offset: val(), Input2Offset: val(), OutputOffset: val(), LeftShift: val(),
				Input1Multiplier: val(), Input1Shift: val(), Input2Multiplier: val(), Input2Shift: val(),
				OutputMultiplier: val(), OutputShift: val(), ActMin: val(), ActMax: val()}
		case 2:
			return &format.ScaledPairParams{Table1: table(), Table2: table(), OutputMultiplier: val(), OutputShift: val(),
				OutputOffset: val(), ActMin: val(), ActMax: val(), Input1Multiplier: val(), Input1Shift: val(),
				Input2Multiplier: val(), Input2Shift: val()}
		case 3:
			p := &format.ReduceParams{Axes: vals(r.IntN(4)), KeepDims: r.IntN(2) == 0, Multiplier: val(), Shift: val()}
			if r.IntN(2) == 0 {
				p.Thresholds = table()
				p.Thresholds = p.Thresholds[:min(len(p.Thresholds), 255)]
			}
			return p
		case 4:
			return &format.CumSumParams{Axis: val(), Exclusive: r.IntN(2) == 0, Reverse: r.IntN(2) == 0, InputOffset: val(),
				OutputOffset: val(), LeftShift: val(), InputMultiplier: val(), InputShift: val(),
				OutputMultiplier: val(), OutputShift: val(), ActMin: val(), ActMax: val()}
		case 5:
			return &format.ResizeBilinearParams{AlignCorners: r.IntN(2) == 0, HalfPixelCenters: r.IntN(2) == 0}
		case 6:
			return &format.LogSoftmaxParams{InputMultiplier: val(), InputLeftShift: val(), ReverseMultiplier: val(), ReverseShift: val(), DiffMin: val()}
		case 7:
			return &format.BatchMatMulParams{AdjX: r.IntN(2) == 0, AdjY: r.IntN(2) == 0, LhsOffset: val(), RhsOffset: val(),
				OutputOffset: val(), OutputMultiplier: val(), OutputShift: val(), ActMin: val(), ActMax: val()}
		}
		t := make([]int8, 256)
		if r.IntN(4) == 0 {
			t = t[:r.IntN(256)]
		}
		return &format.TableParams{Table: t}
	}
	// plausible returns params of the type code expects with small
	// values, and the operand count and dtypes it takes (dtypes[last] is
	// the output's).
	plausible := func(code format.OpCode) (format.OpParams, []format.DType) {
		i8, b := format.DTypeInt8, format.DTypeBool
		sm := func() int32 { return int32(r.IntN(5) - 2) }
		mult := func() int32 { return 1<<30 + r.Int32N(1<<30) }
		ar := &format.ArithParams{Input1Offset: sm(), Input2Offset: sm(), OutputOffset: sm(), LeftShift: int32(r.IntN(21)),
			Input1Multiplier: mult(), Input1Shift: -int32(r.IntN(5)), Input2Multiplier: mult(), Input2Shift: -int32(r.IntN(5)),
			OutputMultiplier: mult(), OutputShift: -int32(r.IntN(5)), ActMin: -128, ActMax: 127}
		sp := &format.ScaledPairParams{Table1: make([]int32, 256), Table2: make([]int32, 256), OutputMultiplier: mult(), OutputShift: -int32(r.IntN(5)), ActMin: -128, ActMax: 127}
		red := &format.ReduceParams{Axes: []int32{int32(r.IntN(3))}, KeepDims: r.IntN(2) == 0}
		switch code {
		case format.OpMinimum, format.OpMaximum:
			return nil, []format.DType{i8, i8, i8}
		case format.OpArgMax, format.OpArgMin:
			red.KeepDims = false
			return red, []format.DType{i8, format.DTypeInt32}
		case format.OpCast:
			return nil, []format.DType{dtypes[r.IntN(len(dtypes))], dtypes[r.IntN(len(dtypes))]}
		case format.OpPRelu, format.OpDiv:
			return ar, []format.DType{i8, i8, i8}
		case format.OpSquaredDifference:
			return sp, []format.DType{i8, i8, i8}
		case format.OpSelectV2:
			return nil, []format.DType{b, i8, i8, i8}
		case format.OpAbs:
			ar.LeftShift, ar.Input2Offset = 0, 0
			ar.OutputShift = int32(r.IntN(4))
			if r.IntN(2) == 0 {
				return ar, []format.DType{format.DTypeInt16, format.DTypeInt16}
			}
			return ar, []format.DType{i8, i8}
		case format.OpElu, format.OpRsqrt:
			return &format.TableParams{Table: make([]int8, 256)}, []format.DType{i8, i8}
		case format.OpReduceMax, format.OpReduceMin:
			return red, []format.DType{i8, i8}
		case format.OpSum:
			if r.IntN(2) == 0 {
				red.Multiplier, red.Shift = mult(), int32(r.IntN(40)-31)
				return red, []format.DType{format.DTypeInt16, format.DTypeInt16}
			}
			red.Thresholds = make([]int32, 255)
			return red, []format.DType{i8, i8}
		case format.OpAddN:
			return ar, []format.DType{i8, i8, i8, i8}[:2+r.IntN(3)]
		case format.OpCumSum:
			return &format.CumSumParams{Axis: int32(r.IntN(3)), Exclusive: r.IntN(2) == 0, LeftShift: 20,
				InputMultiplier: mult(), InputShift: -1, OutputMultiplier: mult(), OutputShift: -int32(r.IntN(30)), ActMin: -128, ActMax: 127}, []format.DType{i8, i8}
		case format.OpL2Normalization:
			return nil, []format.DType{i8, i8}
		case format.OpResizeBilinear:
			return &format.ResizeBilinearParams{HalfPixelCenters: r.IntN(2) == 0}, []format.DType{i8, i8}
		case format.OpLogSoftmax:
			return &format.LogSoftmaxParams{InputMultiplier: mult(), InputLeftShift: int32(r.IntN(26)), ReverseMultiplier: mult(), ReverseShift: -int32(r.IntN(5)), DiffMin: -int32(r.IntN(300))}, []format.DType{i8, i8}
		case format.OpBatchMatMul:
			return &format.BatchMatMulParams{AdjX: r.IntN(2) == 0, AdjY: r.IntN(2) == 0, OutputMultiplier: mult(), OutputShift: -int32(r.IntN(5)), ActMin: -128, ActMax: 127}, []format.DType{i8, i8, i8}
		}
		return sp, []format.DType{i8, i8, b} // comparisons
	}
	prepared := 0
	for iter := range 30000 {
		code := computeCodes[r.IntN(len(computeCodes))]
		m := &format.Model{}
		op := format.Op{Code: code, Params: params()}
		nIn := r.IntN(5)
		var want []format.DType
		if r.IntN(2) == 0 {
			op.Params, want = plausible(code)
			nIn = len(want) - 1
		}
		for k := range nIn + 1 {
			dt := format.DTypeInt8
			if want != nil {
				dt = want[k]
			} else if r.IntN(3) == 0 {
				dt = dtypes[r.IntN(len(dtypes))]
			}
			s := shape()
			if k > 0 && r.IntN(3) != 0 { // often the first operand's shape
				s = append([]int32(nil), m.Tensors[0].Shape...)
				if len(s) > 0 && r.IntN(3) == 0 {
					s[r.IntN(len(s))] = int32(r.IntN(4))
				}
			}
			tt := format.Tensor{DType: dt, Shape: s, ArenaOffset: 0}
			if r.IntN(3) != 0 {
				tt.ZeroPoint, tt.Scale = []int32{val()}, []float32{1}
			}
			if k < nIn && r.IntN(5) == 0 {
				tt.Data = make([]byte, tt.ByteSize())
				for i := range tt.Data {
					tt.Data[i] = byte(r.IntN(256))
				}
				tt.ArenaOffset = -1
			}
			m.Tensors = append(m.Tensors, tt)
			if k < nIn {
				op.Inputs = append(op.Inputs, int32(k))
			} else {
				op.Outputs = append(op.Outputs, int32(k))
			}
		}
		if r.IntN(20) == 0 && len(op.Inputs) > 0 {
			op.Inputs[0] = int32(r.IntN(10) - 2) // absent or out of range
		}
		m.Ops = []format.Op{op}
		func() {
			defer func() {
				if e := recover(); e != nil {
					t.Fatalf("#%d %s params %+v tensors %+v: panic %v", iter, code, op.Params, m.Tensors, e)
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
				if tt.Data != nil {
					env.Tensors[i] = Int8s(tt.Data)
					continue
				}
				b := make([]int8, tt.ByteSize())
				for j := range b {
					b[j] = int8(r.IntN(256))
				}
				env.Tensors[i] = b
			}
			if s, ok := k.(ScratchUser); ok {
				env.Scratch = make([]byte, s.ScratchBytes())
			}
			k.Eval(env)
		}()
	}
	t.Logf("%d of 30000 random models prepared", prepared)
	if prepared < 1000 {
		t.Errorf("only %d of the random models prepared: the test explores too little", prepared)
	}
}
