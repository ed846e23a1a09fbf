package ops

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/internal/quanttest"
)

// Tests of the arithmetic, comparison and reduction kernels of issue 16
// (elementwise_pair.go, div.go, select.go, argminmax.go, cast.go), each
// against a reference written here by definition.

// typedModel builds a one-op model: tensors 0..n-2 are the inputs, the
// last the output, with the given dtypes and shapes.
func typedModel(code format.OpCode, params format.OpParams, dtypes []format.DType, shapes ...[]int32) *format.Model {
	m := &format.Model{}
	op := format.Op{Code: code, Params: params}
	for i, s := range shapes {
		m.Tensors = append(m.Tensors, format.Tensor{DType: dtypes[i], Shape: s, ArenaOffset: 0})
		if i < len(shapes)-1 {
			op.Inputs = append(op.Inputs, int32(i))
		} else {
			op.Outputs = append(op.Outputs, int32(i))
		}
	}
	m.Ops = []format.Op{op}
	return m
}

// runBytes is runKernel for tensors of any dtype: inputs and output are
// raw little-endian bytes. It checks the guard bytes after the output,
// that a second Eval and any EvalRange split give the same bytes and that
// Eval allocates nothing.
func runBytes(t *testing.T, m *format.Model, inputs ...[]byte) []byte {
	t.Helper()
	k, err := Prepare(m, 0)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	op := &m.Ops[0]
	env := &Env{Tensors: make([][]int8, len(m.Tensors))}
	next := 0
	for _, ti := range op.Inputs {
		if tt := &m.Tensors[ti]; tt.IsConstant() {
			env.Tensors[ti] = Int8s(tt.Data)
			continue
		}
		env.Tensors[ti] = Int8s(append(append([]byte(nil), inputs[next]...), make([]byte, runnerGuardLen)...))[:len(inputs[next])]
		next++
	}
	n := int(m.Tensors[op.Outputs[0]].ByteSize())
	buf := make([]int8, n+runnerGuardLen)
	for i := range buf {
		buf[i] = runnerGuard
	}
	env.Tensors[op.Outputs[0]] = buf[:n]
	if s, ok := k.(ScratchUser); ok { // misaligned by one byte, garbage
		sb := make([]byte, 1+s.ScratchBytes())
		for i := range sb {
			sb[i] = byte(i*7 + 3)
		}
		env.Scratch = sb[1:]
	}
	k.Eval(env)
	first := slices.Clone(buf[:n])
	k.Eval(env)
	for i, g := range buf[n:] {
		if g != runnerGuard {
			t.Fatalf("guard byte %d after the output overwritten", i)
		}
	}
	if !slices.Equal(first, buf[:n]) {
		t.Fatal("second Eval differs")
	}
	if s, ok := k.(Splittable); ok && s.Units() > 1 {
		u := s.Units()
		for _, parts := range [][][2]int{{{u / 2, u}, {0, u / 2}}, nil} {
			for i := range buf[:n] {
				buf[i] = runnerGuard
			}
			if parts == nil { // unit by unit, backwards
				for i := u - 1; i >= 0; i-- {
					s.EvalRange(env, i, i+1)
				}
			}
			for _, pr := range parts {
				s.EvalRange(env, pr[0], pr[1])
			}
			if !slices.Equal(first, buf[:n]) {
				t.Fatalf("EvalRange split %v differs from Eval", parts)
			}
		}
	}
	if a := testing.AllocsPerRun(1, func() { k.Eval(env) }); a != 0 {
		t.Fatalf("Eval allocates %v times", a)
	}
	out := make([]byte, n)
	for i, v := range first {
		out[i] = byte(v)
	}
	return out
}

// randPairShapes returns two input shapes and their broadcast output
// shape (rank up to 5, some dimensions 1, some inputs of lower rank).
func randPairShapes(r *rand.Rand) (a, b, out []int32) {
	rank := r.IntN(6)
	full := make([]int32, rank)
	for d := range full {
		full[d] = int32(1 + r.IntN(4))
	}
	mk := func() []int32 {
		s := slices.Clone(full[rank-r.IntN(rank+1):])
		for i := range s {
			if r.IntN(3) == 0 {
				s[i] = 1
			}
		}
		return s
	}
	a, b = mk(), mk()
	out = make([]int32, rank)
	for d := range out {
		out[d] = 1
		for _, s := range [][]int32{a, b} {
			if k := d - (rank - len(s)); k >= 0 {
				out[d] = max(out[d], s[k])
			}
		}
	}
	return a, b, out
}

// bcastAt is the flat offset in an input of shape s of output multi-index
// idx (s aligned at the last dimension, size-1 dimensions broadcast).
func bcastAt(s []int32, idx []int) int {
	off := 0
	for k, d := range s {
		i := idx[len(idx)-len(s)+k]
		if d == 1 {
			i = 0
		}
		off = off*int(d) + i
	}
	return off
}

func TestMinMaxAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 1))
	for iter := range 300 {
		sa, sb, so := randPairShapes(r)
		isMax := iter%2 == 0
		code := format.OpMinimum
		if isMax {
			code = format.OpMaximum
		}
		if iter%3 == 0 { // int16
			a, b := make([]byte, 2*numElems(sa)), make([]byte, 2*numElems(sb))
			for i := range a {
				a[i] = byte(r.IntN(256))
			}
			for i := range b {
				b[i] = byte(r.IntN(256))
			}
			dt := format.DTypeInt16
			got := runBytes(t, typedModel(code, nil, []format.DType{dt, dt, dt}, sa, sb, so), a, b)
			forEachIndex(so, func(idx []int) {
				x := int16(binary.LittleEndian.Uint16(a[2*bcastAt(sa, idx):]))
				y := int16(binary.LittleEndian.Uint16(b[2*bcastAt(sb, idx):]))
				want := min(x, y)
				if isMax {
					want = max(x, y)
				}
				if g := int16(binary.LittleEndian.Uint16(got[2*flatIndex(so, idx):])); g != want {
					t.Fatalf("#%d int16 %v %v -> %v at %v: got %d, want %d", iter, sa, sb, so, idx, g, want)
				}
			})
			continue
		}
		a, b := randInt8s(r, numElems(sa)), randInt8s(r, numElems(sb))
		got := runKernel(t, layoutOpModel(code, nil, so, sa, sb), a, b)
		forEachIndex(so, func(idx []int) {
			x, y := a[bcastAt(sa, idx)], b[bcastAt(sb, idx)]
			want := min(x, y)
			if isMax {
				want = max(x, y)
			}
			if g := got[flatIndex(so, idx)]; g != want {
				t.Fatalf("#%d %v %v -> %v at %v: got %d, want %d", iter, sa, sb, so, idx, g, want)
			}
		})
	}
}

func randTable(r *rand.Rand, lim int32) []int32 {
	t := make([]int32, 256)
	for i := range t {
		t[i] = r.Int32N(2*lim+1) - lim
		if i > 0 && r.IntN(4) == 0 {
			t[i] = t[i-1] // equal rescaled values: ties for the comparisons
		}
	}
	return t
}

func TestComparisonsAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 2))
	cmps := []struct {
		code format.OpCode
		f    func(x, y int32) bool
	}{
		{format.OpEqual, func(x, y int32) bool { return x == y }},
		{format.OpNotEqual, func(x, y int32) bool { return x != y }},
		{format.OpLess, func(x, y int32) bool { return x < y }},
		{format.OpLessEqual, func(x, y int32) bool { return x <= y }},
		{format.OpGreater, func(x, y int32) bool { return x > y }},
		{format.OpGreaterEqual, func(x, y int32) bool { return x >= y }},
	}
	for iter := range 240 {
		c := cmps[iter%len(cmps)]
		sa, sb, so := randPairShapes(r)
		p := &format.ScaledPairParams{Table1: randTable(r, 40), Table2: randTable(r, 40), ActMin: -128, ActMax: 127}
		m := layoutOpModel(c.code, p, so, sa, sb)
		m.Tensors[2].DType = format.DTypeBool
		a, b := randInt8s(r, numElems(sa)), randInt8s(r, numElems(sb))
		got := runKernel(t, m, a, b)
		forEachIndex(so, func(idx []int) {
			x, y := p.Table1[int(a[bcastAt(sa, idx)])+128], p.Table2[int(b[bcastAt(sb, idx)])+128]
			want := int8(0)
			if c.f(x, y) {
				want = 1
			}
			if g := got[flatIndex(so, idx)]; g != want {
				t.Fatalf("#%d %s %d vs %d: got %d, want %d", iter, c.code, x, y, g, want)
			}
		})
	}
}

func TestSquaredDifferenceAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 3))
	for iter := range 200 {
		sa, sb, so := randPairShapes(r)
		p := &format.ScaledPairParams{Table1: randTable(r, 1<<14), Table2: randTable(r, 1<<14),
			OutputMultiplier: 1<<30 + r.Int32N(1<<30), OutputShift: -r.Int32N(32), OutputOffset: randZeroPoint(r),
			ActMin: -128 + r.Int32N(10), ActMax: 127 - r.Int32N(10)}
		if iter%5 == 0 {
			p.OutputShift = r.Int32N(3) // left shifts wrap the square in int32, as TFLite's
		}
		a, b := randInt8s(r, numElems(sa)), randInt8s(r, numElems(sb))
		got := runKernel(t, layoutOpModel(format.OpSquaredDifference, p, so, sa, sb), a, b)
		forEachIndex(so, func(idx []int) {
			d := p.Table1[int(a[bcastAt(sa, idx)])+128] - p.Table2[int(b[bcastAt(sb, idx)])+128]
			want := quanttest.Requantize(d*d, p.OutputMultiplier, p.OutputShift, p.OutputOffset, p.ActMin, p.ActMax)
			if g := got[flatIndex(so, idx)]; g != want {
				t.Fatalf("#%d diff %d: got %d, want %d", iter, d, g, want)
			}
		})
	}
}

func TestPReluAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 4))
	for iter := range 200 {
		sa, sb, so := randPairShapes(r)
		if !slices.Equal(sa, so) { // PRELU's output has the input's shape
			sa = so
		}
		p := &format.ArithParams{Input1Offset: -randZeroPoint(r), Input2Offset: -randZeroPoint(r), OutputOffset: randZeroPoint(r),
			Input1Multiplier: 1<<30 + r.Int32N(1<<30), Input1Shift: r.Int32N(12) - 8,
			Input2Multiplier: 1<<30 + r.Int32N(1<<30), Input2Shift: r.Int32N(12) - 14,
			ActMin: -128, ActMax: 127}
		a, b := randInt8s(r, numElems(sa)), randInt8s(r, numElems(sb))
		got := runKernel(t, layoutOpModel(format.OpPRelu, p, so, sa, sb), a, b)
		forEachIndex(so, func(idx []int) {
			x := int32(a[bcastAt(sa, idx)]) + p.Input1Offset
			var v int32
			if x >= 0 {
				v = quanttest.MultiplyByQuantizedMultiplier(x, p.Input1Multiplier, p.Input1Shift)
			} else {
				v = quanttest.MultiplyByQuantizedMultiplier(x*(int32(b[bcastAt(sb, idx)])+p.Input2Offset), p.Input2Multiplier, p.Input2Shift)
			}
			if g, want := got[flatIndex(so, idx)], quanttest.Clamp(v+p.OutputOffset, -128, 127); g != want {
				t.Fatalf("#%d x %d: got %d, want %d", iter, x, g, want)
			}
		})
	}
}

// TestDivNearExactQuotient: TFLite's DIV (reciprocal to 31 bits, two
// roundings) is within one step of the exactly rounded quotient
// v1/v2 · M · 2^(shift-31) before the output offset and clamp; and every
// value pair is checked.
func TestDivNearExactQuotient(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 5))
	for iter := range 40 {
		p := &format.ArithParams{Input1Offset: -randZeroPoint(r), Input2Offset: -randZeroPoint(r), OutputOffset: randZeroPoint(r),
			OutputMultiplier: 1<<30 + r.Int32N(1<<30), OutputShift: r.Int32N(16) - 12, ActMin: -128, ActMax: 127}
		a, b := make([]int8, 256*256), make([]int8, 256*256)
		for i := range a {
			a[i], b[i] = int8(i>>8), int8(i)
		}
		got := runKernel(t, layoutOpModel(format.OpDiv, p, []int32{256 * 256}, []int32{256 * 256}, []int32{256 * 256}), a, b)
		for i := range got {
			v1, v2 := int32(a[i])+p.Input1Offset, int32(b[i])+p.Input2Offset
			if v2 == 0 {
				continue
			}
			exact := float64(v1) / float64(v2) * float64(p.OutputMultiplier) * float64(int64(1)<<(p.OutputShift+31)) / float64(int64(1)<<62)
			lo := int32(quanttest.Clamp(int32(math.Floor(exact))-1+p.OutputOffset, -128, 127))
			hi := int32(quanttest.Clamp(int32(math.Ceil(exact))+1+p.OutputOffset, -128, 127))
			if g := int32(got[i]); g < lo || g > hi {
				t.Fatalf("#%d %d/%d: got %d, exact %v + %d", iter, v1, v2, got[i], exact, p.OutputOffset)
			}
		}
	}
}

func TestSelectV2AgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 6))
	for iter := range 200 {
		sa, sb, so := randPairShapes(r)
		sc, _, _ := randPairShapes(r)
		// The condition broadcasts to the output too: take a suffix of it.
		sc = slices.Clone(so[len(so)-min(len(so), len(sc)):])
		for i := range sc {
			if r.IntN(2) == 0 {
				sc[i] = 1
			}
		}
		size := 1
		dt := format.DTypeInt8
		if iter%3 == 0 {
			size, dt = 2, format.DTypeInt16
		}
		cond := make([]byte, numElems(sc))
		for i := range cond {
			cond[i] = byte(r.IntN(2))
		}
		x, y := make([]byte, size*numElems(sa)), make([]byte, size*numElems(sb))
		for _, s := range [][]byte{x, y} {
			for i := range s {
				s[i] = byte(r.IntN(256))
			}
		}
		got := runBytes(t, typedModel(format.OpSelectV2, nil, []format.DType{format.DTypeBool, dt, dt, dt}, sc, sa, sb, so), cond, x, y)
		forEachIndex(so, func(idx []int) {
			src, at := y, bcastAt(sb, idx)
			if cond[bcastAt(sc, idx)] != 0 {
				src, at = x, bcastAt(sa, idx)
			}
			o := flatIndex(so, idx)
			if !slices.Equal(got[size*o:size*o+size], src[size*at:size*at+size]) {
				t.Fatalf("#%d at %v: got %v", iter, idx, got[size*o:size*o+size])
			}
		})
	}
}

func TestArgMinMaxAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 7))
	for iter := range 200 {
		rank := 1 + r.IntN(4)
		in := make([]int32, rank)
		for d := range in {
			in[d] = int32(1 + r.IntN(5))
		}
		axis := r.IntN(rank)
		out := slices.Delete(slices.Clone(in), axis, axis+1)
		isMax := iter%2 == 0
		code := format.OpArgMin
		if isMax {
			code = format.OpArgMax
		}
		wide := iter%4 < 2
		odt, osz := format.DTypeInt32, 4
		if wide {
			odt, osz = format.DTypeInt64, 8
		}
		data := randInt8s(r, numElems(in))
		for i := range data {
			data[i] %= 4 // many ties
		}
		raw := make([]byte, len(data))
		for i, v := range data {
			raw[i] = byte(v)
		}
		got := runBytes(t, typedModel(code, &format.ReduceParams{Axes: []int32{int32(axis)}}, []format.DType{format.DTypeInt8, odt}, in, out), raw)
		forEachIndex(out, func(idx []int) {
			full := slices.Insert(slices.Clone(idx), axis, 0)
			best := 0
			for k := range int(in[axis]) {
				full[axis] = k
				v := data[flatIndex(in, full)]
				full[axis] = best
				b := data[flatIndex(in, full)]
				if (isMax && v > b) || (!isMax && v < b) {
					best = k
				}
			}
			o := flatIndex(out, idx)
			var g int64
			if wide {
				g = int64(binary.LittleEndian.Uint64(got[osz*o:]))
			} else {
				g = int64(int32(binary.LittleEndian.Uint32(got[osz*o:])))
			}
			if g != int64(best) {
				t.Fatalf("#%d %v axis %d at %v: got %d, want %d", iter, in, axis, idx, g, best)
			}
		})
	}
}

func TestReduceMinMaxAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 8))
	for iter := range 200 {
		rank := r.IntN(5)
		in := make([]int32, rank)
		for d := range in {
			in[d] = int32(1 + r.IntN(4))
			if r.IntN(30) == 0 {
				in[d] = 0
			}
		}
		var axes []int32
		var out []int32
		keep := r.IntN(2) == 0
		reduced := make([]bool, rank)
		for d := range rank {
			if r.IntN(2) == 0 {
				axes = append(axes, int32(d))
				reduced[d] = true
				if keep {
					out = append(out, 1)
				}
			} else {
				out = append(out, in[d])
			}
		}
		isMax := iter%2 == 0
		code := format.OpReduceMin
		if isMax {
			code = format.OpReduceMax
		}
		data := randInt8s(r, numElems(in))
		got := runKernel(t, layoutOpModel(code, &format.ReduceParams{Axes: axes, KeepDims: keep}, out, in), data)
		want := make([]int8, numElems(out))
		for i := range want {
			want[i] = 127
			if isMax {
				want[i] = -128
			}
		}
		kept := make([]int32, 0, rank)
		for d := range rank {
			if !reduced[d] {
				kept = append(kept, in[d])
			}
		}
		forEachIndex(in, func(idx []int) {
			var k []int
			for d := range rank {
				if !reduced[d] {
					k = append(k, idx[d])
				}
			}
			o := flatIndex(kept, k)
			v := data[flatIndex(in, idx)]
			if isMax {
				want[o] = max(want[o], v)
			} else {
				want[o] = min(want[o], v)
			}
		})
		if !slices.Equal(got, want) {
			t.Fatalf("#%d %v axes %v keep %v:\ngot  %v\nwant %v", iter, in, axes, keep, got, want)
		}
	}
}

func TestCastAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 9))
	dts := []format.DType{format.DTypeInt8, format.DTypeInt16, format.DTypeInt32, format.DTypeBool}
	get := func(b []byte, dt format.DType, i int) int64 {
		switch dt {
		case format.DTypeInt8:
			return int64(int8(b[i]))
		case format.DTypeInt16:
			return int64(int16(binary.LittleEndian.Uint16(b[2*i:])))
		case format.DTypeInt32:
			return int64(int32(binary.LittleEndian.Uint32(b[4*i:])))
		}
		return int64(b[i])
	}
	for _, from := range dts {
		for _, to := range dts {
			shape := []int32{int32(r.IntN(7)), 3}
			n := numElems(shape)
			in := make([]byte, n*from.Size())
			for i := range in {
				in[i] = byte(r.IntN(256))
			}
			if from == format.DTypeBool {
				for i := range in {
					in[i] &= 1
				}
			}
			got := runBytes(t, typedModel(format.OpCast, nil, []format.DType{from, to}, shape, shape), in)
			for i := range n {
				v := get(in, from, i)
				var want int64
				switch to {
				case format.DTypeInt8:
					want = int64(int8(v))
				case format.DTypeInt16:
					want = int64(int16(v))
				case format.DTypeInt32:
					want = int64(int32(v))
				default:
					if v != 0 {
						want = 1
					}
				}
				if g := get(got, to, i); g != want {
					t.Fatalf("%s -> %s element %d (%d): got %d, want %d", from, to, i, v, g, want)
				}
			}
		}
	}
}

func TestComputeOpsRejectMalformed(t *testing.T) {
	i8, i16, i32, b := format.DTypeInt8, format.DTypeInt16, format.DTypeInt32, format.DTypeBool
	s := []int32{2, 3}
	pair := func() *format.ScaledPairParams {
		return &format.ScaledPairParams{Table1: make([]int32, 256), Table2: make([]int32, 256), OutputMultiplier: 1 << 30, ActMin: -128, ActMax: 127}
	}
	arith := func() *format.ArithParams {
		return &format.ArithParams{Input1Multiplier: 1 << 30, Input2Multiplier: 1 << 30, OutputMultiplier: 1 << 30, ActMin: -128, ActMax: 127}
	}
	with := func(m *format.Model, f func(*format.Model)) *format.Model { f(m); return m }
	for name, m := range map[string]*format.Model{
		"minimum with params":         typedModel(format.OpMinimum, &format.TableParams{}, []format.DType{i8, i8, i8}, s, s, s),
		"maximum mixed dtypes":        typedModel(format.OpMaximum, nil, []format.DType{i16, i8, i16}, s, s, s),
		"maximum not a broadcast":     typedModel(format.OpMaximum, nil, []format.DType{i8, i8, i8}, s, []int32{2, 2}, s),
		"maximum one input":           typedModel(format.OpMaximum, nil, []format.DType{i8, i8}, s, s),
		"less int8 output":            typedModel(format.OpLess, pair(), []format.DType{i8, i8, i8}, s, s, s),
		"equal short table":           typedModel(format.OpEqual, &format.ScaledPairParams{Table1: make([]int32, 256)}, []format.DType{i8, i8, b}, s, s, s),
		"equal without params":        typedModel(format.OpEqual, nil, []format.DType{i8, i8, b}, s, s, s),
		"squared difference bool out": typedModel(format.OpSquaredDifference, pair(), []format.DType{i8, i8, b}, s, s, s),
		"squared difference big table": typedModel(format.OpSquaredDifference, func() *format.ScaledPairParams {
			p := pair()
			p.Table2[7] = 1<<14 + 1
			return p
		}(), []format.DType{i8, i8, i8}, s, s, s),
		"squared difference shift": typedModel(format.OpSquaredDifference, func() *format.ScaledPairParams {
			p := pair()
			p.OutputShift = 31
			return p
		}(), []format.DType{i8, i8, i8}, s, s, s),
		"squared difference clamp": typedModel(format.OpSquaredDifference, func() *format.ScaledPairParams {
			p := pair()
			p.ActMin = 5
			p.ActMax = 4
			return p
		}(), []format.DType{i8, i8, i8}, s, s, s),
		"div negative multiplier": typedModel(format.OpDiv, func() *format.ArithParams { p := arith(); p.OutputMultiplier = -1; return p }(), []format.DType{i8, i8, i8}, s, s, s),
		"div offset":              typedModel(format.OpDiv, func() *format.ArithParams { p := arith(); p.Input2Offset = 129; return p }(), []format.DType{i8, i8, i8}, s, s, s),
		"div shift":               typedModel(format.OpDiv, func() *format.ArithParams { p := arith(); p.OutputShift = 23; return p }(), []format.DType{i8, i8, i8}, s, s, s),
		"prelu shift":             typedModel(format.OpPRelu, func() *format.ArithParams { p := arith(); p.Input2Shift = 15; return p }(), []format.DType{i8, i8, i8}, s, s, s),
		"prelu clamp":             typedModel(format.OpPRelu, func() *format.ArithParams { p := arith(); p.ActMax = 200; return p }(), []format.DType{i8, i8, i8}, s, s, s),
		"prelu int16 alpha":       typedModel(format.OpPRelu, arith(), []format.DType{i8, i16, i8}, s, s, s),
		"select int8 condition":   typedModel(format.OpSelectV2, nil, []format.DType{i8, i8, i8, i8}, s, s, s, s),
		"select not a broadcast":  typedModel(format.OpSelectV2, nil, []format.DType{b, i8, i8, i8}, []int32{3, 3}, s, s, s),
		"select two inputs":       typedModel(format.OpSelectV2, nil, []format.DType{b, i8, i8}, s, s, s),
		"arg max two axes":        typedModel(format.OpArgMax, &format.ReduceParams{Axes: []int32{0, 1}}, []format.DType{i8, i32}, s, []int32{}),
		"arg max axis range":      typedModel(format.OpArgMax, &format.ReduceParams{Axes: []int32{2}}, []format.DType{i8, i32}, s, []int32{2}),
		"arg min keep dims":       typedModel(format.OpArgMin, &format.ReduceParams{Axes: []int32{1}, KeepDims: true}, []format.DType{i8, i32}, s, []int32{2}),
		"arg min output shape":    typedModel(format.OpArgMin, &format.ReduceParams{Axes: []int32{1}}, []format.DType{i8, i32}, s, []int32{3}),
		"arg min int8 output":     typedModel(format.OpArgMin, &format.ReduceParams{Axes: []int32{1}}, []format.DType{i8, i8}, s, []int32{2}),
		"arg max empty axis":      typedModel(format.OpArgMax, &format.ReduceParams{Axes: []int32{1}}, []format.DType{i8, i32}, []int32{2, 0}, []int32{2}),
		"reduce max axis range":   typedModel(format.OpReduceMax, &format.ReduceParams{Axes: []int32{-1}}, []format.DType{i8, i8}, s, []int32{2}),
		"reduce min output shape": typedModel(format.OpReduceMin, &format.ReduceParams{Axes: []int32{1}}, []format.DType{i8, i8}, s, []int32{3}),
		"reduce min mean params":  typedModel(format.OpReduceMin, &format.MeanParams{}, []format.DType{i8, i8}, s, []int32{2}),
		"cast element count":      typedModel(format.OpCast, nil, []format.DType{i8, i32}, s, []int32{5}),
		"cast with params":        typedModel(format.OpCast, &format.ReduceParams{}, []format.DType{i8, i32}, s, s),
		"cast index range": with(typedModel(format.OpCast, nil, []format.DType{i8, i32}, s, s), func(m *format.Model) {
			m.Ops[0].Inputs[0] = 9
		}),
	} {
		t.Run(name, func(t *testing.T) { wantMalformed(t, m, name) })
	}
	// Float32 casts are unsupported, not malformed.
	if _, err := Prepare(typedModel(format.OpCast, nil, []format.DType{i8, format.DTypeFloat32}, s, s), 0); err == nil {
		t.Error("CAST to float32 prepared")
	}
}

func TestAddNAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 10))
	for iter := range 100 {
		n := 1 + r.IntN(maxAddNInputs)
		shape := []int32{int32(r.IntN(5)), int32(1 + r.IntN(6))}
		p := &format.ArithParams{Input1Offset: -randZeroPoint(r), OutputOffset: randZeroPoint(r), LeftShift: 20,
			Input1Multiplier: 1<<30 + r.Int32N(1<<30), Input1Shift: -r.Int32N(4),
			OutputMultiplier: 1<<30 + r.Int32N(1<<30), OutputShift: -r.Int32N(32), ActMin: -128, ActMax: 127}
		p.Input2Offset = p.Input1Offset
		shapes := make([][]int32, n)
		ins := make([][]int8, n)
		for j := range ins {
			shapes[j] = shape
			ins[j] = randInt8s(r, numElems(shape))
		}
		got := runKernel(t, layoutOpModel(format.OpAddN, p, shape, shapes...), ins...)
		scaled := func(v int32) int32 {
			return quanttest.MultiplyByQuantizedMultiplier(v<<20, p.Input1Multiplier, p.Input1Shift)
		}
		for i := range got {
			acc := scaled(p.Input1Offset) // TFLite's sum starts at the rescaled offset
			for j := range ins {
				acc += scaled(int32(ins[j][i]) + p.Input1Offset)
			}
			want := quanttest.Requantize(acc, p.OutputMultiplier, p.OutputShift, p.OutputOffset, -128, 127)
			if got[i] != want {
				t.Fatalf("#%d element %d: got %d, want %d", iter, i, got[i], want)
			}
		}
	}
}

func TestAddNRejectsMalformed(t *testing.T) {
	s := []int32{2, 3}
	ok := func() *format.ArithParams {
		return &format.ArithParams{LeftShift: 20, Input1Multiplier: 1 << 30, OutputMultiplier: 1 << 30, ActMin: -128, ActMax: 127}
	}
	for name, m := range map[string]*format.Model{
		"shape differs": layoutOpModel(format.OpAddN, ok(), s, s, []int32{3, 2}),
		"too many":      layoutOpModel(format.OpAddN, ok(), s, s, s, s, s, s, s, s, s),
		"left shift":    layoutOpModel(format.OpAddN, func() *format.ArithParams { p := ok(); p.LeftShift = 21; return p }(), s, s, s),
		"output shift":  layoutOpModel(format.OpAddN, func() *format.ArithParams { p := ok(); p.OutputShift = 1; return p }(), s, s, s),
		"input offset":  layoutOpModel(format.OpAddN, func() *format.ArithParams { p := ok(); p.Input1Offset = -128; return p }(), s, s, s),
		"no params":     layoutOpModel(format.OpAddN, nil, s, s, s),
		"int16 input":   typedModel(format.OpAddN, ok(), []format.DType{format.DTypeInt16, format.DTypeInt8}, s, s),
	} {
		t.Run(name, func(t *testing.T) { wantMalformed(t, m, name) })
	}
}

// TestL2NormNearExact: TFLite's integer L2_NORMALIZATION is within one
// step of 128·v/‖v‖ (clamped to int8) for every row.
func TestL2NormNearExact(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 11))
	for iter := range 200 {
		shape := []int32{int32(r.IntN(4)), int32(1 + r.IntN(40))}
		m := layoutOpModel(format.OpL2Normalization, nil, shape, shape)
		zp := randZeroPoint(r)
		m.Tensors[0].ZeroPoint = []int32{zp}
		data := randInt8s(r, numElems(shape))
		got := runKernel(t, m, data)
		d := int(shape[1])
		for o := 0; o < int(shape[0]); o++ {
			var ss float64
			for _, x := range data[o*d : (o+1)*d] {
				ss += float64((int32(x) - zp) * (int32(x) - zp))
			}
			for i := o * d; i < (o+1)*d; i++ {
				want := 0.0
				if ss > 1 {
					want = 128 * float64(int32(data[i])-zp) / math.Sqrt(ss)
				}
				want = math.Min(math.Max(want, -128), 127)
				if math.Abs(float64(got[i])-want) > 1 {
					t.Fatalf("#%d row %d element %d: got %d, want about %v", iter, o, i, got[i], want)
				}
			}
		}
	}
}

func TestL2NormRejectsMalformed(t *testing.T) {
	s := []int32{2, 3}
	for name, m := range map[string]*format.Model{
		"with params": layoutOpModel(format.OpL2Normalization, &format.TableParams{}, s, s),
		"shape":       layoutOpModel(format.OpL2Normalization, nil, []int32{3, 2}, s),
		"scalar":      layoutOpModel(format.OpL2Normalization, nil, []int32{}, []int32{}),
		"int16":       typedModel(format.OpL2Normalization, nil, []format.DType{format.DTypeInt16, format.DTypeInt8}, s, s),
		"two inputs":  layoutOpModel(format.OpL2Normalization, nil, s, s, s),
		"no zero point": func() *format.Model {
			m := layoutOpModel(format.OpL2Normalization, nil, s, s)
			m.Tensors[0].ZeroPoint = nil
			return m
		}(),
	} {
		t.Run(name, func(t *testing.T) { wantMalformed(t, m, name) })
	}
}

func TestCumSumAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 12))
	for iter := range 200 {
		rank := 1 + r.IntN(4)
		shape := make([]int32, rank)
		for d := range shape {
			shape[d] = int32(1 + r.IntN(5))
			if r.IntN(20) == 0 {
				shape[d] = 0
			}
		}
		p := &format.CumSumParams{Axis: int32(r.IntN(rank)), Exclusive: r.IntN(2) == 0, Reverse: r.IntN(2) == 0,
			InputOffset: -randZeroPoint(r), OutputOffset: randZeroPoint(r), LeftShift: 20,
			InputMultiplier: 1<<30 + r.Int32N(1<<30), InputShift: -r.Int32N(3),
			OutputMultiplier: 1<<30 + r.Int32N(1<<30), OutputShift: -r.Int32N(32), ActMin: -128, ActMax: 127}
		data := randInt8s(r, numElems(shape))
		got := runKernel(t, layoutOpModel(format.OpCumSum, p, shape, shape), data)
		scaled := func(v int32) int32 {
			return quanttest.MultiplyByQuantizedMultiplier(v<<20, p.InputMultiplier, p.InputShift)
		}
		ax := int(p.Axis)
		forEachIndex(shape, func(idx []int) {
			// Sum the axis positions before (after, reversed) this one,
			// this one included unless exclusive, from the rescaled offset.
			acc := scaled(p.InputOffset)
			j := slices.Clone(idx)
			for k := range int(shape[ax]) {
				before := k < idx[ax]
				if p.Reverse {
					before = k > idx[ax]
				}
				if before || (k == idx[ax] && !p.Exclusive) {
					j[ax] = k
					acc += scaled(int32(data[flatIndex(shape, j)]) + p.InputOffset)
				}
			}
			want := quanttest.Requantize(acc, p.OutputMultiplier, p.OutputShift, p.OutputOffset, -128, 127)
			if g := got[flatIndex(shape, idx)]; g != want {
				t.Fatalf("#%d %v axis %d excl %v rev %v at %v: got %d, want %d", iter, shape, ax, p.Exclusive, p.Reverse, idx, g, want)
			}
		})
	}
}

func TestCumSumRejectsMalformed(t *testing.T) {
	s := []int32{2, 3}
	ok := func() *format.CumSumParams {
		return &format.CumSumParams{Axis: 1, LeftShift: 20, InputMultiplier: 1 << 30, OutputMultiplier: 1 << 30, ActMin: -128, ActMax: 127}
	}
	mod := func(f func(p *format.CumSumParams)) *format.CumSumParams { p := ok(); f(p); return p }
	for name, m := range map[string]*format.Model{
		"axis range":    layoutOpModel(format.OpCumSum, mod(func(p *format.CumSumParams) { p.Axis = 2 }), s, s),
		"axis negative": layoutOpModel(format.OpCumSum, mod(func(p *format.CumSumParams) { p.Axis = -1 }), s, s),
		"shape":         layoutOpModel(format.OpCumSum, ok(), []int32{3, 2}, s),
		"left shift":    layoutOpModel(format.OpCumSum, mod(func(p *format.CumSumParams) { p.LeftShift = 23 }), s, s),
		"input shift":   layoutOpModel(format.OpCumSum, mod(func(p *format.CumSumParams) { p.InputShift = 1 }), s, s),
		"output mult":   layoutOpModel(format.OpCumSum, mod(func(p *format.CumSumParams) { p.OutputMultiplier = -5 }), s, s),
		"offset":        layoutOpModel(format.OpCumSum, mod(func(p *format.CumSumParams) { p.OutputOffset = 128 }), s, s),
		"clamp":         layoutOpModel(format.OpCumSum, mod(func(p *format.CumSumParams) { p.ActMin = 10; p.ActMax = 9 }), s, s),
		"arith params":  layoutOpModel(format.OpCumSum, &format.ArithParams{}, s, s),
	} {
		t.Run(name, func(t *testing.T) { wantMalformed(t, m, name) })
	}
}

// refResizeBilinear is TFLite's ResizeBilinearInteger written per output
// element: 10-bit source coordinates, four weighted neighbours, the 20-bit
// sum divided with rounding half away from zero.
func refResizeBilinear(in []int8, n, ih, iw, c, oh, ow int, align, half bool) []int8 {
	coord := func(i, inSize, outSize int) (lo, hi, w int64) {
		scale := int64((1024*inSize + outSize/2) / outSize)
		if align && outSize > 1 {
			scale = int64((1024*(inSize-1) + (outSize-1)/2) / (outSize - 1))
		}
		v := int64(i) * scale
		if half {
			v += scale/2 - 512
		}
		lo = v / 1024 // truncation toward zero, as C++
		if lo < 0 {
			lo = 0
		}
		hi = (v + 1023) / 1024
		if hi > int64(inSize-1) {
			hi = int64(inSize - 1)
		}
		return lo, hi, v - 1024*lo
	}
	out := make([]int8, n*oh*ow*c)
	at := func(b int, y, x int64, ch int) int64 { return int64(in[((b*ih+int(y))*iw+int(x))*c+ch]) }
	for b := range n {
		for y := range oh {
			y0, y1, wy := coord(y, ih, oh)
			for x := range ow {
				x0, x1, wx := coord(x, iw, ow)
				for ch := range c {
					s := at(b, y0, x0, ch)*(1024-wy)*(1024-wx) + at(b, y1, x0, ch)*wy*(1024-wx) +
						at(b, y0, x1, ch)*(1024-wy)*wx + at(b, y1, x1, ch)*wy*wx
					r := int64(1 << 19)
					if s <= 0 {
						r = -r
					}
					out[((b*oh+y)*ow+x)*c+ch] = int8((s + r) / (1 << 20))
				}
			}
		}
	}
	return out
}

func TestResizeBilinearAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 13))
	for iter := range 200 {
		n, ih, iw, c := 1+r.IntN(2), 1+r.IntN(6), 1+r.IntN(6), 1+r.IntN(4)
		oh, ow := 1+r.IntN(12), 1+r.IntN(12)
		p := &format.ResizeBilinearParams{}
		switch iter % 3 {
		case 1:
			p.AlignCorners = true
		case 2:
			p.HalfPixelCenters = true
		}
		data := randInt8s(r, n*ih*iw*c)
		got := runKernel(t, layoutOpModel(format.OpResizeBilinear, p, []int32{int32(n), int32(oh), int32(ow), int32(c)},
			[]int32{int32(n), int32(ih), int32(iw), int32(c)}), data)
		want := refResizeBilinear(data, n, ih, iw, c, oh, ow, p.AlignCorners, p.HalfPixelCenters)
		if !slices.Equal(got, want) {
			t.Fatalf("#%d %dx%d -> %dx%d %+v:\ngot  %v\nwant %v", iter, ih, iw, oh, ow, *p, got, want)
		}
		// Same size without align_corners / half-pixel: the identity.
		if iter%3 == 0 {
			s := []int32{int32(n), int32(ih), int32(iw), int32(c)}
			if same := runKernel(t, layoutOpModel(format.OpResizeBilinear, p, s, s), data); !slices.Equal(same, data) {
				t.Fatalf("#%d same size is not the identity", iter)
			}
		}
	}
}

func TestResizeBilinearRejectsMalformed(t *testing.T) {
	in, out := []int32{1, 2, 2, 3}, []int32{1, 4, 4, 3}
	for name, m := range map[string]*format.Model{
		"both flags":   layoutOpModel(format.OpResizeBilinear, &format.ResizeBilinearParams{AlignCorners: true, HalfPixelCenters: true}, out, in),
		"depth":        layoutOpModel(format.OpResizeBilinear, &format.ResizeBilinearParams{}, []int32{1, 4, 4, 2}, in),
		"batch":        layoutOpModel(format.OpResizeBilinear, &format.ResizeBilinearParams{}, []int32{2, 4, 4, 3}, in),
		"rank":         layoutOpModel(format.OpResizeBilinear, &format.ResizeBilinearParams{}, []int32{1, 1, 4, 4, 3}, []int32{1, 1, 2, 2, 3}),
		"empty input":  layoutOpModel(format.OpResizeBilinear, &format.ResizeBilinearParams{}, out, []int32{1, 0, 2, 3}),
		"no params":    layoutOpModel(format.OpResizeBilinear, nil, out, in),
		"int16 output": typedModel(format.OpResizeBilinear, &format.ResizeBilinearParams{}, []format.DType{format.DTypeInt8, format.DTypeInt16}, in, out),
	} {
		t.Run(name, func(t *testing.T) { wantMalformed(t, m, name) })
	}
}

// TestLogSoftmaxNearExact: TFLite's fixed-point LOG_SOFTMAX is within one
// output step (1/16) of 16·(x·s - log Σ exp(x_j·s)) + 127, clamped.
func TestLogSoftmaxNearExact(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 14))
	for iter := range 200 {
		scale := math.Exp(r.Float64()*6 - 5) // 0.0067 .. 2.7
		m, sh, rm, rs, err := dyadic.PreprocessLogSoftmaxScalingExp(1, scale, 5)
		if err != nil {
			t.Fatal(err)
		}
		p := &format.LogSoftmaxParams{InputMultiplier: m, InputLeftShift: sh, ReverseMultiplier: rm, ReverseShift: rs,
			DiffMin: -dyadic.CalculateInputRadius(5, sh, 31)}
		shape := []int32{int32(r.IntN(4)), int32(1 + r.IntN(30))}
		data := randInt8s(r, numElems(shape))
		got := runKernel(t, layoutOpModel(format.OpLogSoftmax, p, shape, shape), data)
		d := int(shape[1])
		for o := 0; o < int(shape[0]); o++ {
			row := data[o*d : (o+1)*d]
			var sum float64
			for _, x := range row {
				sum += math.Exp(float64(x) * scale)
			}
			for i, x := range row {
				want := math.Round(16*(float64(x)*scale-math.Log(sum))) + 127
				want = math.Max(want, -128)
				if g := float64(got[o*d+i]); math.Abs(g-want) > 1 && !(g == -128 && want < -120) {
					t.Fatalf("#%d scale %v row %d element %d: got %v, want about %v", iter, scale, o, i, g, want)
				}
			}
		}
	}
}

func TestLogSoftmaxRejectsMalformed(t *testing.T) {
	s := []int32{2, 3}
	ok := func() *format.LogSoftmaxParams {
		return &format.LogSoftmaxParams{InputMultiplier: 1 << 30, InputLeftShift: 20, ReverseMultiplier: 1 << 30, ReverseShift: -2, DiffMin: -200}
	}
	mod := func(f func(p *format.LogSoftmaxParams)) *format.LogSoftmaxParams { p := ok(); f(p); return p }
	for name, m := range map[string]*format.Model{
		"shape":          layoutOpModel(format.OpLogSoftmax, ok(), []int32{3, 2}, s),
		"left shift":     layoutOpModel(format.OpLogSoftmax, mod(func(p *format.LogSoftmaxParams) { p.InputLeftShift = 32 }), s, s),
		"multiplier":     layoutOpModel(format.OpLogSoftmax, mod(func(p *format.LogSoftmaxParams) { p.InputMultiplier = -1 }), s, s),
		"reverse shift":  layoutOpModel(format.OpLogSoftmax, mod(func(p *format.LogSoftmaxParams) { p.ReverseShift = 1 }), s, s),
		"diff min":       layoutOpModel(format.OpLogSoftmax, mod(func(p *format.LogSoftmaxParams) { p.DiffMin = 1 }), s, s),
		"diff min range": layoutOpModel(format.OpLogSoftmax, mod(func(p *format.LogSoftmaxParams) { p.DiffMin = math.MinInt32 }), s, s),
		"softmax params": layoutOpModel(format.OpLogSoftmax, &format.SoftmaxParams{}, s, s),
	} {
		t.Run(name, func(t *testing.T) { wantMalformed(t, m, name) })
	}
}

// refBatchMatMul multiplies by definition: out[b][i][j] = requant(Σ_k
// (L[b][i][k] + lo)(R[b][k][j] + ro)), with L and R read through the
// transposition flags and the batch dimensions broadcast.
func TestBatchMatMulAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 15))
	for iter := range 200 {
		wide := iter%4 == 3
		m, n, kk := 1+r.IntN(5), 1+r.IntN(5), 1+r.IntN(9)
		adjX, adjY := r.IntN(2) == 0, r.IntN(2) == 0
		rank := 2 + r.IntN(3)
		ob := make([]int32, rank-2)
		for d := range ob {
			ob[d] = int32(1 + r.IntN(3))
		}
		batch := func() []int32 {
			s := slices.Clone(ob[len(ob)-r.IntN(len(ob)+1):])
			for i := range s {
				if r.IntN(3) == 0 {
					s[i] = 1
				}
			}
			return s
		}
		lb, rb := batch(), batch()
		// The output's batch dimensions are the broadcast of the two.
		ob = ob[:0]
		nd := max(len(lb), len(rb))
		for d := range nd {
			v := int32(1)
			for _, s := range [][]int32{lb, rb} {
				if k := d - (nd - len(s)); k >= 0 {
					v = max(v, s[k])
				}
			}
			ob = append(ob, v)
		}
		ls := append(slices.Clone(lb), int32(m), int32(kk))
		if adjX {
			ls = append(slices.Clone(lb), int32(kk), int32(m))
		}
		rs := append(slices.Clone(rb), int32(kk), int32(n))
		if adjY {
			rs = append(slices.Clone(rb), int32(n), int32(kk))
		}
		os := append(slices.Clone(ob), int32(m), int32(n))
		p := &format.BatchMatMulParams{AdjX: adjX, AdjY: adjY, OutputMultiplier: 1<<30 + r.Int32N(1<<30), OutputShift: -r.Int32N(12), ActMin: -128, ActMax: 127}
		lval := func(buf []byte, i int) int64 { return int64(int8(buf[i])) }
		dt, size := format.DTypeInt8, 1
		if wide {
			dt, size = format.DTypeInt16, 2
			p.ActMin, p.ActMax = -32768, 32767
			p.OutputShift = r.Int32N(8) - 20
			lval = func(buf []byte, i int) int64 { return int64(int16(binary.LittleEndian.Uint16(buf[2*i:]))) }
		} else {
			p.LhsOffset, p.RhsOffset, p.OutputOffset = -randZeroPoint(r), -randZeroPoint(r), randZeroPoint(r)
		}
		a, b := make([]byte, size*numElems(ls)), make([]byte, size*numElems(rs))
		for _, s := range [][]byte{a, b} {
			for i := range s {
				s[i] = byte(r.IntN(256))
			}
		}
		got := runBytes(t, typedModel(format.OpBatchMatMul, p, []format.DType{dt, dt, dt}, ls, rs, os), a, b)
		forEachIndex(os, func(idx []int) {
			bi := idx[:len(idx)-2]
			i, j := idx[len(idx)-2], idx[len(idx)-1]
			var acc int64
			for x := range kk {
				li := append(slices.Clone(bi), i, x)
				if adjX {
					li = append(slices.Clone(bi), x, i)
				}
				ri := append(slices.Clone(bi), x, j)
				if adjY {
					ri = append(slices.Clone(bi), j, x)
				}
				acc += (lval(a, bcastAt(ls, li)) + int64(p.LhsOffset)) * (lval(b, bcastAt(rs, ri)) + int64(p.RhsOffset))
			}
			o := flatIndex(os, idx)
			if wide {
				w := dyadic.MultiplyByQuantizedMultiplierInt64(acc, p.OutputMultiplier, p.OutputShift)
				w = min(max(w, -32768), 32767)
				if g := int16(binary.LittleEndian.Uint16(got[2*o:])); int32(g) != w {
					t.Fatalf("#%d int16 %v x %v at %v: got %d, want %d", iter, ls, rs, idx, g, w)
				}
				return
			}
			want := quanttest.Requantize(int32(acc), p.OutputMultiplier, p.OutputShift, p.OutputOffset, -128, 127)
			if g := int8(got[o]); g != want {
				t.Fatalf("#%d %v x %v (adj %v %v) at %v: got %d, want %d", iter, ls, rs, adjX, adjY, idx, g, want)
			}
		})
	}
}

func TestBatchMatMulRejectsMalformed(t *testing.T) {
	i8, i16 := format.DTypeInt8, format.DTypeInt16
	ok := func() *format.BatchMatMulParams {
		return &format.BatchMatMulParams{OutputMultiplier: 1 << 30, ActMin: -128, ActMax: 127}
	}
	mod := func(f func(p *format.BatchMatMulParams)) *format.BatchMatMulParams { p := ok(); f(p); return p }
	l, r, o := []int32{2, 3, 4}, []int32{2, 4, 5}, []int32{2, 3, 5}
	for name, m := range map[string]*format.Model{
		"depth mismatch": typedModel(format.OpBatchMatMul, ok(), []format.DType{i8, i8, i8}, l, []int32{2, 3, 5}, o),
		"output rows":    typedModel(format.OpBatchMatMul, ok(), []format.DType{i8, i8, i8}, l, r, []int32{2, 4, 5}),
		"batch":          typedModel(format.OpBatchMatMul, ok(), []format.DType{i8, i8, i8}, []int32{3, 3, 4}, r, o),
		"rank 1":         typedModel(format.OpBatchMatMul, ok(), []format.DType{i8, i8, i8}, []int32{4}, r, o),
		"output rank":    typedModel(format.OpBatchMatMul, ok(), []format.DType{i8, i8, i8}, l, r, []int32{1, 2, 3, 5}),
		"shift":          typedModel(format.OpBatchMatMul, mod(func(p *format.BatchMatMulParams) { p.OutputShift = 31 }), []format.DType{i8, i8, i8}, l, r, o),
		"offset":         typedModel(format.OpBatchMatMul, mod(func(p *format.BatchMatMulParams) { p.RhsOffset = 129 }), []format.DType{i8, i8, i8}, l, r, o),
		"clamp":          typedModel(format.OpBatchMatMul, mod(func(p *format.BatchMatMulParams) { p.ActMax = 128 }), []format.DType{i8, i8, i8}, l, r, o),
		"int16 offset":   typedModel(format.OpBatchMatMul, mod(func(p *format.BatchMatMulParams) { p.LhsOffset = 1; p.ActMin, p.ActMax = -32768, 32767 }), []format.DType{i16, i16, i16}, l, r, o),
		"int16 shift":    typedModel(format.OpBatchMatMul, mod(func(p *format.BatchMatMulParams) { p.OutputShift = 8; p.ActMin, p.ActMax = -32768, 32767 }), []format.DType{i16, i16, i16}, l, r, o),
		"mixed dtypes":   typedModel(format.OpBatchMatMul, ok(), []format.DType{i8, i16, i8}, l, r, o),
		"no params":      typedModel(format.OpBatchMatMul, nil, []format.DType{i8, i8, i8}, l, r, o),
	} {
		t.Run(name, func(t *testing.T) { wantMalformed(t, m, name) })
	}
}

func TestPRelu16AgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 16))
	for iter := range 150 {
		_, sb, so := randPairShapes(r)
		p := &format.ArithParams{Input2Offset: -randZeroPoint(r),
			Input1Multiplier: 1<<30 + r.Int32N(1<<30), Input1Shift: r.Int32N(20) - 16,
			Input2Multiplier: 1<<30 + r.Int32N(1<<30), Input2Shift: r.Int32N(14) - 20,
			ActMin: -32768, ActMax: 32767}
		a := make([]byte, 2*numElems(so))
		for i := range a {
			a[i] = byte(r.IntN(256))
		}
		alpha := randInt8s(r, numElems(sb))
		m := typedModel(format.OpPRelu, p, []format.DType{format.DTypeInt16, format.DTypeInt8, format.DTypeInt16}, so, sb, so)
		ab := make([]byte, len(alpha))
		for i, v := range alpha {
			ab[i] = byte(v)
		}
		got := runBytes(t, m, a, ab)
		forEachIndex(so, func(idx []int) {
			o := flatIndex(so, idx)
			x := int32(int16(binary.LittleEndian.Uint16(a[2*o:])))
			var v int32
			if x >= 0 {
				v = quanttest.MultiplyByQuantizedMultiplier(x, p.Input1Multiplier, p.Input1Shift)
			} else {
				v = quanttest.MultiplyByQuantizedMultiplier(x*(int32(alpha[bcastAt(sb, idx)])+p.Input2Offset), p.Input2Multiplier, p.Input2Shift)
			}
			want := int16(min(max(v, -32768), 32767))
			if g := int16(binary.LittleEndian.Uint16(got[2*o:])); g != want {
				t.Fatalf("#%d x %d: got %d, want %d", iter, x, g, want)
			}
		})
	}
	i8, i16 := format.DTypeInt8, format.DTypeInt16
	s := []int32{2, 3}
	ok := func() *format.ArithParams {
		return &format.ArithParams{Input1Multiplier: 1 << 30, Input2Multiplier: 1 << 30, ActMin: -32768, ActMax: 32767}
	}
	mod := func(f func(p *format.ArithParams)) *format.ArithParams { p := ok(); f(p); return p }
	for name, m := range map[string]*format.Model{
		"int16 alpha":   typedModel(format.OpPRelu, ok(), []format.DType{i16, i16, i16}, s, s, s),
		"int8 output":   typedModel(format.OpPRelu, ok(), []format.DType{i16, i8, i8}, s, s, s),
		"input offset":  typedModel(format.OpPRelu, mod(func(p *format.ArithParams) { p.Input1Offset = 1 }), []format.DType{i16, i8, i16}, s, s, s),
		"alpha shift":   typedModel(format.OpPRelu, mod(func(p *format.ArithParams) { p.Input2Shift = 8 }), []format.DType{i16, i8, i16}, s, s, s),
		"clamp":         typedModel(format.OpPRelu, mod(func(p *format.ArithParams) { p.ActMax = 40000 }), []format.DType{i16, i8, i16}, s, s, s),
		"not broadcast": typedModel(format.OpPRelu, ok(), []format.DType{i16, i8, i16}, s, []int32{4}, s),
	} {
		t.Run(name, func(t *testing.T) { wantMalformed(t, m, name) })
	}
}

// TestBatchMatMulConstRhsGemm: a constant rhs with zero point 0 runs on
// every asm implementation's GEMM (packed at prepare); the result equals
// the plain sum of products, including broadcast rhs batches and adj_y.
func TestBatchMatMulConstRhsGemm(t *testing.T) {
	forEachImpl(t, func(t *testing.T, impl *asm.Impl) {
		r := rand.New(rand.NewPCG(161, 17))
		for iter := range 60 {
			c := randBatchMatMulCase(r, 40)
			lhs, rhs, mdl := c.lhs, c.rhs, c.model
			mdl.Tensors[1].Data = make([]byte, len(rhs))
			for i, v := range rhs {
				mdl.Tensors[1].Data[i] = byte(v)
			}
			mdl.Tensors[1].ArenaOffset = -1
			k, err := Prepare(mdl, 0)
			if err != nil {
				t.Fatal(err)
			}
			if k.(*batchMatMulKernel).impl != impl {
				t.Fatalf("constant rhs not on the selected GEMM")
			}
			lb := make([]byte, len(lhs))
			for i, v := range lhs {
				lb[i] = byte(v)
			}
			got := runBytes(t, mdl, lb)
			for i, w := range c.want() {
				if g := int8(got[i]); g != w {
					t.Fatalf("#%d (%v x %v adj_y %v): output %d = %d, want %d", iter, c.ls, c.rs, c.p.AdjY, i, g, w)
				}
			}
		}
	})
}

func TestSquaredDifference16AgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 18))
	for iter := range 150 {
		sa, sb, so := randPairShapes(r)
		p := &format.ScaledPairParams{ActMin: -32768, ActMax: 32767,
			Input1Multiplier: 1<<30 + r.Int32N(1<<30), Input1Shift: -1 - r.Int32N(3),
			Input2Multiplier: 1<<30 + r.Int32N(1<<30), Input2Shift: -1 - r.Int32N(3),
			OutputMultiplier: 1<<30 + r.Int32N(1<<30), OutputShift: -r.Int32N(32)}
		a, b := make([]byte, 2*numElems(sa)), make([]byte, 2*numElems(sb))
		for _, s := range [][]byte{a, b} {
			for i := range s {
				s[i] = byte(r.IntN(256))
			}
		}
		dt := format.DTypeInt16
		got := runBytes(t, typedModel(format.OpSquaredDifference, p, []format.DType{dt, dt, dt}, sa, sb, so), a, b)
		forEachIndex(so, func(idx []int) {
			x := int32(int16(binary.LittleEndian.Uint16(a[2*bcastAt(sa, idx):])))
			y := int32(int16(binary.LittleEndian.Uint16(b[2*bcastAt(sb, idx):])))
			d := quanttest.MultiplyByQuantizedMultiplier(x, p.Input1Multiplier, p.Input1Shift) -
				quanttest.MultiplyByQuantizedMultiplier(y, p.Input2Multiplier, p.Input2Shift)
			w := quanttest.MultiplyByQuantizedMultiplier(d*d, p.OutputMultiplier, p.OutputShift)
			want := int16(min(max(w, -32768), 32767))
			o := flatIndex(so, idx)
			if g := int16(binary.LittleEndian.Uint16(got[2*o:])); g != want {
				t.Fatalf("#%d %d, %d: got %d, want %d", iter, x, y, g, want)
			}
		})
	}
	i8, i16 := format.DTypeInt8, format.DTypeInt16
	s := []int32{2, 3}
	ok := func() *format.ScaledPairParams {
		return &format.ScaledPairParams{ActMin: -32768, ActMax: 32767, Input1Multiplier: 1 << 30, Input1Shift: -1,
			Input2Multiplier: 1 << 30, Input2Shift: -1, OutputMultiplier: 1 << 30}
	}
	mod := func(f func(p *format.ScaledPairParams)) *format.ScaledPairParams { p := ok(); f(p); return p }
	for name, m := range map[string]*format.Model{
		"int8 output":   typedModel(format.OpSquaredDifference, ok(), []format.DType{i16, i16, i8}, s, s, s),
		"tables":        typedModel(format.OpSquaredDifference, mod(func(p *format.ScaledPairParams) { p.Table1, p.Table2 = make([]int32, 256), make([]int32, 256) }), []format.DType{i16, i16, i16}, s, s, s),
		"input shift":   typedModel(format.OpSquaredDifference, mod(func(p *format.ScaledPairParams) { p.Input2Shift = 1 }), []format.DType{i16, i16, i16}, s, s, s),
		"output shift":  typedModel(format.OpSquaredDifference, mod(func(p *format.ScaledPairParams) { p.OutputShift = 1 }), []format.DType{i16, i16, i16}, s, s, s),
		"output offset": typedModel(format.OpSquaredDifference, mod(func(p *format.ScaledPairParams) { p.OutputOffset = 3 }), []format.DType{i16, i16, i16}, s, s, s),
		"clamp":         typedModel(format.OpSquaredDifference, mod(func(p *format.ScaledPairParams) { p.ActMin = -40000 }), []format.DType{i16, i16, i16}, s, s, s),
	} {
		t.Run(name, func(t *testing.T) { wantMalformed(t, m, name) })
	}
}

func TestBatchMatMulMACs(t *testing.T) {
	p := &format.BatchMatMulParams{OutputMultiplier: 1 << 30, ActMin: -128, ActMax: 127}
	m := layoutOpModel(format.OpBatchMatMul, p, []int32{2, 3, 5}, []int32{2, 3, 4}, []int32{2, 4, 5})
	if got := MACs(m, 0); got != 2*3*5*4 {
		t.Errorf("MACs %d, want %d", got, 2*3*5*4)
	}
	p.AdjX = true // lhs [2, 4, 3]: K is still 4
	m = layoutOpModel(format.OpBatchMatMul, p, []int32{2, 3, 5}, []int32{2, 4, 3}, []int32{2, 4, 5})
	if got := MACs(m, 0); got != 2*3*5*4 {
		t.Errorf("adj_x MACs %d, want %d", got, 2*3*5*4)
	}
}

// TestAbsAgainstReference: ABS on int8 (through the prepared table) and
// int16 (per element), with and without a rescale, and unquantized int16
// whose cast wraps |-32768|.
func TestAbsAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 19))
	for iter := range 200 {
		wide := iter%2 == 1
		p := &format.ArithParams{OutputMultiplier: 1<<30 + r.Int32N(1<<30), OutputShift: r.Int32N(8) - 6, ActMin: -128, ActMax: 127}
		if iter%5 == 0 {
			p.OutputMultiplier, p.OutputShift = 1<<30, 1 // identity
		}
		n := 1 + r.IntN(40)
		if !wide {
			p.Input1Offset, p.OutputOffset = -randZeroPoint(r), randZeroPoint(r)
			data := randInt8s(r, n)
			got := runKernel(t, layoutOpModel(format.OpAbs, p, []int32{int32(n)}, []int32{int32(n)}), data)
			for i, x := range data {
				v := int32(x) + p.Input1Offset
				if v < 0 {
					v = -v
				}
				want := quanttest.Clamp(quanttest.MultiplyByQuantizedMultiplier(v, p.OutputMultiplier, p.OutputShift)+p.OutputOffset, -128, 127)
				if got[i] != want {
					t.Fatalf("#%d abs(%d): got %d, want %d", iter, x, got[i], want)
				}
			}
			continue
		}
		p.ActMin, p.ActMax = -32768, 32767
		unq := iter%3 == 0
		if unq {
			p.OutputMultiplier, p.OutputShift, p.ActMax = 1<<30, 1, 32768
		}
		data := make([]byte, 2*n)
		for i := range data {
			data[i] = byte(r.IntN(256))
		}
		binary.LittleEndian.PutUint16(data, 0x8000) // -32768
		dt := format.DTypeInt16
		got := runBytes(t, typedModel(format.OpAbs, p, []format.DType{dt, dt}, []int32{int32(n)}, []int32{int32(n)}), data)
		for i := range n {
			x := int32(int16(binary.LittleEndian.Uint16(data[2*i:])))
			var want int16
			if unq {
				want = int16(max(x, -x)) // std::abs, then the int16 cast
			} else {
				w := quanttest.MultiplyByQuantizedMultiplier(max(x, -x), p.OutputMultiplier, p.OutputShift)
				want = int16(min(max(w, -32768), 32767))
			}
			if g := int16(binary.LittleEndian.Uint16(got[2*i:])); g != want {
				t.Fatalf("#%d int16 abs(%d): got %d, want %d", iter, x, g, want)
			}
		}
	}
	i8, i16 := format.DTypeInt8, format.DTypeInt16
	s := []int32{4}
	ok := func() *format.ArithParams {
		return &format.ArithParams{OutputMultiplier: 1 << 30, OutputShift: 1, ActMin: -128, ActMax: 127}
	}
	mod := func(f func(p *format.ArithParams)) *format.ArithParams { p := ok(); f(p); return p }
	for name, m := range map[string]*format.Model{
		"table params":  typedModel(format.OpAbs, &format.TableParams{Table: make([]int8, 256)}, []format.DType{i8, i8}, s, s),
		"shift":         typedModel(format.OpAbs, mod(func(p *format.ArithParams) { p.OutputShift = 15 }), []format.DType{i8, i8}, s, s),
		"multiplier":    typedModel(format.OpAbs, mod(func(p *format.ArithParams) { p.OutputMultiplier = -1 }), []format.DType{i8, i8}, s, s),
		"int8 clamp":    typedModel(format.OpAbs, mod(func(p *format.ArithParams) { p.ActMax = 128 }), []format.DType{i8, i8}, s, s),
		"int8 offset":   typedModel(format.OpAbs, mod(func(p *format.ArithParams) { p.OutputOffset = 200 }), []format.DType{i8, i8}, s, s),
		"int16 offset":  typedModel(format.OpAbs, mod(func(p *format.ArithParams) { p.Input1Offset = 1; p.ActMin, p.ActMax = -32768, 32767 }), []format.DType{i16, i16}, s, s),
		"int16 clamp":   typedModel(format.OpAbs, mod(func(p *format.ArithParams) { p.ActMin, p.ActMax = -32768, 32769 }), []format.DType{i16, i16}, s, s),
		"mixed dtypes":  typedModel(format.OpAbs, ok(), []format.DType{i16, i8}, s, s),
		"element count": typedModel(format.OpAbs, ok(), []format.DType{i8, i8}, s, []int32{5}),
	} {
		t.Run(name, func(t *testing.T) { wantMalformed(t, m, name) })
	}
}

// TestSum16AgainstReference: int16 SUM's int32 group sums (wrapping),
// rescaled and clamped, over random axes; and int8 SUM runs MEAN's kernel
// on the thresholds.
func TestSum16AgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 20))
	for iter := range 150 {
		rank := 1 + r.IntN(4)
		in := make([]int32, rank)
		for d := range in {
			in[d] = int32(1 + r.IntN(4))
		}
		var axes, out []int32
		keep := r.IntN(2) == 0
		reduced := make([]bool, rank)
		for d := range rank {
			if r.IntN(2) == 0 {
				axes, reduced[d] = append(axes, int32(d)), true
				if keep {
					out = append(out, 1)
				}
			} else {
				out = append(out, in[d])
			}
		}
		p := &format.ReduceParams{Axes: axes, KeepDims: keep, Multiplier: 1<<30 + r.Int32N(1<<30), Shift: r.Int32N(8) - 6}
		data := make([]byte, 2*numElems(in))
		for i := range data {
			data[i] = byte(r.IntN(256))
		}
		dt := format.DTypeInt16
		got := runBytes(t, typedModel(format.OpSum, p, []format.DType{dt, dt}, in, out), data)
		var kept []int32
		for d := range rank {
			if !reduced[d] {
				kept = append(kept, in[d])
			}
		}
		sums := make([]int32, numElems(kept))
		forEachIndex(in, func(idx []int) {
			var k []int
			for d := range rank {
				if !reduced[d] {
					k = append(k, idx[d])
				}
			}
			sums[flatIndex(kept, k)] += int32(int16(binary.LittleEndian.Uint16(data[2*flatIndex(in, idx):])))
		})
		for i, s := range sums {
			w := quanttest.MultiplyByQuantizedMultiplier(s, p.Multiplier, p.Shift)
			want := int16(min(max(w, -32768), 32767))
			if g := int16(binary.LittleEndian.Uint16(got[2*i:])); g != want {
				t.Fatalf("#%d %v axes %v output %d (sum %d): got %d, want %d", iter, in, axes, i, s, g, want)
			}
		}
	}
	// int8: the thresholds decide (here: output = -128 + #{k: sum >= k-127}).
	th := make([]int32, 255)
	for i := range th {
		th[i] = int32(i - 127)
	}
	data := []int8{3, -5, 100, 100, -128, -128}
	got := runKernel(t, layoutOpModel(format.OpSum, &format.ReduceParams{Axes: []int32{1}, Thresholds: th}, []int32{3}, []int32{3, 2}), data)
	if want := []int8{-2, 127, -128}; !slices.Equal(got, want) {
		t.Errorf("int8 SUM: got %v, want %v", got, want)
	}
	i8, i16 := format.DTypeInt8, format.DTypeInt16
	s, o := []int32{2, 3}, []int32{2}
	for name, m := range map[string]*format.Model{
		"int16 thresholds":   typedModel(format.OpSum, &format.ReduceParams{Axes: []int32{1}, Thresholds: th, Multiplier: 1 << 30}, []format.DType{i16, i16}, s, o),
		"int16 shift":        typedModel(format.OpSum, &format.ReduceParams{Axes: []int32{1}, Multiplier: 1 << 30, Shift: 31}, []format.DType{i16, i16}, s, o),
		"int16 axis":         typedModel(format.OpSum, &format.ReduceParams{Axes: []int32{2}, Multiplier: 1 << 30}, []format.DType{i16, i16}, s, o),
		"int16 count":        typedModel(format.OpSum, &format.ReduceParams{Axes: []int32{1}, Multiplier: 1 << 30}, []format.DType{i16, i16}, s, []int32{3}),
		"int16 to int8":      typedModel(format.OpSum, &format.ReduceParams{Axes: []int32{1}, Multiplier: 1 << 30}, []format.DType{i16, i8}, s, o),
		"int8 no thresholds": typedModel(format.OpSum, &format.ReduceParams{Axes: []int32{1}}, []format.DType{i8, i8}, s, o),
		"mean params":        typedModel(format.OpSum, &format.MeanParams{Axes: []int32{1}, Thresholds: th}, []format.DType{i8, i8}, s, o),
	} {
		t.Run(name, func(t *testing.T) { wantMalformed(t, m, name) })
	}
}

// TestCastFromFloat32: truncation toward zero from the IEEE bits equals Go's
// conversion for every value in int32 range; the rest saturates, NaN is 0.
func TestCastFromFloat32(t *testing.T) {
	r := rand.New(rand.NewPCG(161, 21))
	check := func(f float32) {
		t.Helper()
		var want int32
		switch {
		case f != f:
			want = 0
		case f >= 1<<31:
			want = math.MaxInt32
		case f < -(1 << 31):
			want = math.MinInt32
		default:
			want = int32(f) // Go truncates toward zero in range
		}
		if got := float32ToInt32(math.Float32bits(f)); got != want {
			t.Fatalf("%v (%#x): got %d, want %d", f, math.Float32bits(f), got, want)
		}
	}
	for _, f := range []float32{0, -0.0, 0.5, -0.5, 1, -1, 1.9999999, -1.9999999, 127.9, -128.9, 8388607.5, 16777217, 2147483520, -2147483648,
		2147483648, -2147483904, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), math.SmallestNonzeroFloat32, math.MaxFloat32} {
		check(f)
	}
	for range 100000 {
		check(math.Float32frombits(r.Uint32()))
		check(float32(r.NormFloat64() * 1000))
	}
	// The kernel: float32 to int8 (low bits), int16 and int32.
	vals := []float32{5.78, 33, -42, -5.43, 102.37, -35.75, 300.5, -129.9}
	raw := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	n := []int32{int32(len(vals))}
	for _, to := range []format.DType{format.DTypeInt8, format.DTypeInt16, format.DTypeInt32} {
		got := runBytes(t, typedModel(format.OpCast, nil, []format.DType{format.DTypeFloat32, to}, n, n), raw)
		for i, v := range vals {
			w := int32(v)
			var g int32
			switch to {
			case format.DTypeInt8:
				w, g = int32(int8(w)), int32(int8(got[i]))
			case format.DTypeInt16:
				w, g = int32(int16(w)), int32(int16(binary.LittleEndian.Uint16(got[2*i:])))
			default:
				g = int32(binary.LittleEndian.Uint32(got[4*i:]))
			}
			if g != w {
				t.Errorf("%v to %s: got %d, want %d", v, to, g, w)
			}
		}
	}
	if _, err := Prepare(typedModel(format.OpCast, nil, []format.DType{format.DTypeFloat32, format.DTypeBool}, n, n), 0); err == nil {
		t.Error("float32 to bool prepared")
	}
}
