package ops

import (
	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// Two-input elementwise operators with NumPy-style broadcasting, on the
// broadcastLayout ADD/SUB/MUL use: MINIMUM and MAXIMUM (int8 and int16,
// raw stored values, as TFLite Micro's kernel compares them without
// rescaling), the six comparisons (int8 in, bool out), SQUARED_DIFFERENCE,
// DIV and PRELU (int8).

// eachRow calls fn for every innermost row of bl with the row's output
// offset and both inputs' offsets (in elements). A row has
// bl.dims[bl.rank-1] elements; its input strides are bl.str1/str2 at the
// last dimension, each 0 (broadcast) or 1.
func (bl *broadcastLayout) eachRow(fn func(o, p1, p2 int)) {
	if bl.n == 0 {
		return
	}
	last := bl.rank - 1
	inner := bl.dims[last]
	var idx [maxLayoutRank]int
	p1, p2 := 0, 0
	for o := 0; o < bl.n; o += inner {
		fn(o, p1, p2)
		for d := last - 1; d >= 0; d-- {
			idx[d]++
			p1 += bl.str1[d]
			p2 += bl.str2[d]
			if idx[d] < bl.dims[d] {
				break
			}
			idx[d] = 0
			p1 -= bl.str1[d] * bl.dims[d]
			p2 -= bl.str2[d] * bl.dims[d]
		}
	}
}

// pairOperands checks two inputs of dtype in and one output of dtype out
// and builds their broadcast layout.
func pairOperands(m *format.Model, op *format.Op, path string, in, out format.DType) (broadcastLayout, error) {
	if err := wantCounts(op, path, 2, 2, 1); err != nil {
		return broadcastLayout{}, err
	}
	a, err := operand(m, op.Inputs, 0, "input", path, in)
	if err != nil {
		return broadcastLayout{}, err
	}
	b, err := operand(m, op.Inputs, 1, "input", path, in)
	if err != nil {
		return broadcastLayout{}, err
	}
	o, err := operand(m, op.Outputs, 0, "output", path, out)
	if err != nil {
		return broadcastLayout{}, err
	}
	return newBroadcastLayout(a.Shape, b.Shape, o.Shape, path)
}

// ---- MINIMUM, MAXIMUM ----------------------------------------------------

type minMaxKernel struct {
	in1, in2, out int32
	max, wide     bool // wide: int16
	bc            broadcastLayout
	impl          *asm.Impl // rows with both inputs contiguous
}

func prepareMinimum(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return prepareMinMax(m, op, path, false)
}

func prepareMaximum(m *format.Model, op *format.Op, path string) (Kernel, error) {
	return prepareMinMax(m, op, path, true)
}

func prepareMinMax(m *format.Model, op *format.Op, path string, isMax bool) (Kernel, error) {
	if op.Params != nil {
		return nil, format.Malformed(path+" / params", "%T, want none", op.Params)
	}
	dt := format.DTypeInt8
	if len(op.Inputs) > 0 && op.Inputs[0] >= 0 && int(op.Inputs[0]) < len(m.Tensors) && m.Tensors[op.Inputs[0]].DType == format.DTypeInt16 {
		dt = format.DTypeInt16
	}
	bc, err := pairOperands(m, op, path, dt, dt)
	if err != nil {
		return nil, err
	}
	return &minMaxKernel{in1: op.Inputs[0], in2: op.Inputs[1], out: op.Outputs[0], max: isMax, wide: dt == format.DTypeInt16, bc: bc, impl: asm.Selected()}, nil
}

func (k *minMaxKernel) Eval(env *Env) {
	a, b, out := env.Tensors[k.in1], env.Tensors[k.in2], env.Tensors[k.out]
	inner := k.bc.dims[k.bc.rank-1]
	m1, m2 := -k.bc.str1[k.bc.rank-1], -k.bc.str2[k.bc.rank-1]
	if m1 == -1 && m2 == -1 { // no broadcast in the rows: asm's kernels
		k.bc.eachRow(func(o, p1, p2 int) {
			switch {
			case k.wide && k.max:
				k.impl.MaxInt16(Int16s(out)[o:o+inner], Int16s(a)[p1:p1+inner], Int16s(b)[p2:p2+inner])
			case k.wide:
				k.impl.MinInt16(Int16s(out)[o:o+inner], Int16s(a)[p1:p1+inner], Int16s(b)[p2:p2+inner])
			case k.max:
				k.impl.MaxInt8(out[o:o+inner], a[p1:p1+inner], b[p2:p2+inner])
			default:
				k.impl.MinInt8(out[o:o+inner], a[p1:p1+inner], b[p2:p2+inner])
			}
		})
		return
	}
	if k.wide {
		k.bc.eachRow(func(o, p1, p2 int) {
			for i := range inner {
				x, y := getInt16(a, p1+i&m1), getInt16(b, p2+i&m2)
				if (y > x) == k.max {
					x = y
				}
				putInt16(out, o+i, x)
			}
		})
		return
	}
	k.bc.eachRow(func(o, p1, p2 int) {
		row := out[o : o+inner]
		x, y := a[p1:], b[p2:]
		if k.max {
			for i := range row {
				row[i] = max(x[i&m1], y[i&m2])
			}
		} else {
			for i := range row {
				row[i] = min(x[i&m1], y[i&m2])
			}
		}
	})
}

// getInt16 and putInt16 access element i of a little-endian int16 tensor.
func getInt16(b []int8, i int) int16 {
	return int16(uint16(uint8(b[2*i])) | uint16(uint8(b[2*i+1]))<<8)
}

func putInt16(b []int8, i int, v int16) {
	b[2*i] = int8(v)
	b[2*i+1] = int8(v >> 8)
}

// putInt32 stores element i of a little-endian int32 tensor.
func putInt32(b []int8, i int, v int32) {
	b[4*i] = int8(v)
	b[4*i+1] = int8(v >> 8)
	b[4*i+2] = int8(v >> 16)
	b[4*i+3] = int8(v >> 24)
}

// ---- comparisons and SQUARED_DIFFERENCE ------------------------------------

// Comparison kinds.
const (
	cmpEqual = iota
	cmpNotEqual
	cmpLess
	cmpLessEqual
	cmpGreater
	cmpGreaterEqual
	cmpSquaredDifference
)

// scaledPairKernel runs TFLite's ComparisonWithScaling and int8
// SQUARED_DIFFERENCE: each input value is first mapped to its rescaled
// int32 (the converter's tables, format.ScaledPairParams); comparisons
// write bool (0/1), SQUARED_DIFFERENCE rescales the squared difference.
type scaledPairKernel struct {
	in1, in2, out int32
	kind          int
	t1, t2        [256]int32
	mult, shift   int32
	off, lo, hi   int32
	bc            broadcastLayout
}

func prepareComparison(kind int) preparer {
	return func(m *format.Model, op *format.Op, path string) (Kernel, error) {
		p, err := wantParams[format.ScaledPairParams](op, path)
		if err != nil {
			return nil, err
		}
		outType := format.DTypeBool
		if kind == cmpSquaredDifference {
			outType = format.DTypeInt8
			if len(op.Inputs) > 0 && op.Inputs[0] >= 0 && int(op.Inputs[0]) < len(m.Tensors) && m.Tensors[op.Inputs[0]].DType == format.DTypeInt16 {
				return prepareSquaredDifference16(m, op, path, p)
			}
		}
		bc, err := pairOperands(m, op, path, format.DTypeInt8, outType)
		if err != nil {
			return nil, err
		}
		pp := path + " / params"
		if len(p.Table1) != 256 || len(p.Table2) != 256 {
			return nil, format.Malformed(pp, "tables of %d and %d entries, want 256 each", len(p.Table1), len(p.Table2))
		}
		k := &scaledPairKernel{in1: op.Inputs[0], in2: op.Inputs[1], out: op.Outputs[0], kind: kind, bc: bc,
			mult: p.OutputMultiplier, shift: p.OutputShift, off: p.OutputOffset, lo: p.ActMin, hi: p.ActMax}
		copy(k.t1[:], p.Table1)
		copy(k.t2[:], p.Table2)
		if kind == cmpSquaredDifference {
			if err := checkClamp(p.ActMin, p.ActMax, pp); err != nil {
				return nil, err
			}
			if p.OutputOffset < -128 || p.OutputOffset > 127 {
				return nil, format.Malformed(pp, "output offset %d outside the int8 range", p.OutputOffset)
			}
			if p.OutputMultiplier < 0 || p.OutputShift < -31 || p.OutputShift > 30 {
				return nil, format.Malformed(pp, "output multiplier %d shift %d: want multiplier >= 0 and shift in [-31, 30]", p.OutputMultiplier, p.OutputShift)
			}
			// The difference of two table values must square inside
			// int32 as TFLite's does (it keeps them below 2^15).
			for i := range 256 {
				for _, v := range []int32{k.t1[i], k.t2[i]} {
					if v < -1<<14 || v > 1<<14 {
						return nil, format.Malformed(pp, "table value %d outside [-2^14, 2^14]", v)
					}
				}
			}
		}
		return k, nil
	}
}

func (k *scaledPairKernel) Eval(env *Env) {
	a, b, out := env.Tensors[k.in1], env.Tensors[k.in2], env.Tensors[k.out]
	inner := k.bc.dims[k.bc.rank-1]
	m1, m2 := -k.bc.str1[k.bc.rank-1], -k.bc.str2[k.bc.rank-1]
	t1, t2 := &k.t1, &k.t2
	k.bc.eachRow(func(o, p1, p2 int) {
		row := out[o : o+inner]
		x, y := a[p1:], b[p2:]
		switch k.kind {
		case cmpEqual:
			for i := range row {
				row[i] = b2i(t1[uint8(x[i&m1])^0x80] == t2[uint8(y[i&m2])^0x80])
			}
		case cmpNotEqual:
			for i := range row {
				row[i] = b2i(t1[uint8(x[i&m1])^0x80] != t2[uint8(y[i&m2])^0x80])
			}
		case cmpLess:
			for i := range row {
				row[i] = b2i(t1[uint8(x[i&m1])^0x80] < t2[uint8(y[i&m2])^0x80])
			}
		case cmpLessEqual:
			for i := range row {
				row[i] = b2i(t1[uint8(x[i&m1])^0x80] <= t2[uint8(y[i&m2])^0x80])
			}
		case cmpGreater:
			for i := range row {
				row[i] = b2i(t1[uint8(x[i&m1])^0x80] > t2[uint8(y[i&m2])^0x80])
			}
		case cmpGreaterEqual:
			for i := range row {
				row[i] = b2i(t1[uint8(x[i&m1])^0x80] >= t2[uint8(y[i&m2])^0x80])
			}
		default:
			for i := range row {
				d := t1[uint8(x[i&m1])^0x80] - t2[uint8(y[i&m2])^0x80]
				v := dyadic.MultiplyByQuantizedMultiplier(d*d, k.mult, k.shift) + k.off
				row[i] = int8(min(max(v, k.lo), k.hi))
			}
		}
	})
}

func b2i(b bool) int8 {
	if b {
		return 1
	}
	return 0
}

// sqDiff16Kernel is int16 SQUARED_DIFFERENCE: TFLite's arithmetic with
// left shift 0 and zero points 0, each input rescaled per element
// (MultiplyByQuantizedMultiplierSmallerThanOneExp), the squared difference
// rescaled to the output and clamped to int16.
type sqDiff16Kernel struct {
	in1, in2, out int32
	bc            broadcastLayout
	p             format.ScaledPairParams
}

func prepareSquaredDifference16(m *format.Model, op *format.Op, path string, p *format.ScaledPairParams) (Kernel, error) {
	bc, err := pairOperands(m, op, path, format.DTypeInt16, format.DTypeInt16)
	if err != nil {
		return nil, err
	}
	pp := path + " / params"
	if len(p.Table1) != 0 || len(p.Table2) != 0 || p.OutputOffset != 0 {
		return nil, format.Malformed(pp, "int16 takes no tables and output offset 0")
	}
	if p.ActMin < -32768 || p.ActMax > 32767 || p.ActMin > p.ActMax {
		return nil, format.Malformed(pp, "activation range [%d, %d] not within int16", p.ActMin, p.ActMax)
	}
	// Input multipliers below one keep each rescaled value within 2^15, so
	// the square stays inside int32; the output rescale's left shift must
	// not overflow 2^30 either.
	for _, s := range [][2]int32{{p.Input1Multiplier, p.Input1Shift}, {p.Input2Multiplier, p.Input2Shift}} {
		if s[0] < 0 || s[1] < -31 || s[1] > 0 {
			return nil, format.Malformed(pp, "input multiplier %d shift %d: want multiplier >= 0 and shift in [-31, 0]", s[0], s[1])
		}
	}
	if p.OutputMultiplier < 0 || p.OutputShift < -31 || p.OutputShift > 0 {
		return nil, format.Malformed(pp, "output multiplier %d shift %d: want multiplier >= 0 and shift in [-31, 0]", p.OutputMultiplier, p.OutputShift)
	}
	return &sqDiff16Kernel{in1: op.Inputs[0], in2: op.Inputs[1], out: op.Outputs[0], bc: bc, p: *p}, nil
}

func (k *sqDiff16Kernel) Eval(env *Env) {
	a, b, out := env.Tensors[k.in1], env.Tensors[k.in2], env.Tensors[k.out]
	inner := k.bc.dims[k.bc.rank-1]
	m1, m2 := -k.bc.str1[k.bc.rank-1], -k.bc.str2[k.bc.rank-1]
	p := &k.p
	k.bc.eachRow(func(o, p1, p2 int) {
		for i := range inner {
			x := dyadic.MultiplyByQuantizedMultiplierSmallerThanOneExp(int32(getInt16(a, p1+i&m1)), p.Input1Multiplier, p.Input1Shift)
			y := dyadic.MultiplyByQuantizedMultiplierSmallerThanOneExp(int32(getInt16(b, p2+i&m2)), p.Input2Multiplier, p.Input2Shift)
			d := x - y
			v := dyadic.MultiplyByQuantizedMultiplier(d*d, p.OutputMultiplier, p.OutputShift)
			putInt16(out, o+i, int16(min(max(v, p.ActMin), p.ActMax)))
		}
	})
}
