package corrupt

import (
	"bytes"
	"fmt"
	"math"

	"github.com/edgerun/edgerun/format"
)

// ERM generates structural cases from a valid edgerun file: the decoded
// model edited in memory (huge dimensions, out-of-range indices, cycles,
// written constants, wrong data sizes, broken memory plans, bad
// quantization, invalid params, operand lists and types) and re-serialized
// with EncodeERM, each of which must be rejected, plus one unchanged
// re-serialization that must load.
func ERM(name string, data []byte) ([]Case, error) {
	m0, err := format.Decode(data)
	if err != nil {
		return nil, err
	}
	var cs []Case
	add := func(kind string, expect Expect, f func(m *format.Model) bool) {
		m, err := format.Decode(bytes.Clone(data))
		if err != nil {
			panic(err)
		}
		if !f(m) {
			return
		}
		cs = append(cs, Case{Name: name + "/" + kind, Ext: ".erm", Data: EncodeERM(m), Expect: expect})
	}
	// edit: an invalid model; editAny: a model that may still be valid
	// (for example a zero-size tensor, or geometry TFLite would not
	// produce but the kernels compute exactly).
	edit := func(kind string, f func(m *format.Model) bool) { add(kind, Reject, f) }
	editAny := func(kind string, f func(m *format.Model) bool) { add(kind, Any, f) }
	cs = append(cs, Case{Name: name + "/re-encoded", Ext: ".erm", Data: EncodeERM(m0), Expect: Valid})
	cs = append(cs, Case{Name: name + "/version 2", Ext: ".erm", Data: EncodeERMVersion(m0, 2), Expect: Reject})

	nt := int32(len(m0.Tensors))
	nops := len(m0.Ops)
	opName := func(i int) string { return fmt.Sprintf("op %d %s", i, m0.Ops[i].Code) }
	var input, act, constant int32 = -1, -1, -1
	if len(m0.Inputs) > 0 {
		input = m0.Inputs[0].Tensor
	}
	for i := range m0.Ops {
		op := &m0.Ops[i]
		if act < 0 && len(op.Outputs) > 0 {
			act = op.Outputs[0]
		}
		for _, t := range op.Inputs {
			if constant < 0 && t >= 0 && m0.Tensors[t].IsConstant() {
				constant = t
			}
		}
	}

	// Model level.
	edit("arena 2^40 bytes", func(m *format.Model) bool { m.ArenaBytes = 1 << 40; return true })
	edit("arena -1 bytes", func(m *format.Model) bool { m.ArenaBytes = -1; return true })
	edit("arena ends inside the last activation", func(m *format.Model) bool {
		end := int64(0)
		for i := range m.Tensors {
			if t := &m.Tensors[i]; !t.IsConstant() {
				end = max(end, t.ArenaOffset+t.ByteSize())
			}
		}
		m.ArenaBytes = end - 1
		return end > 0
	})
	edit("no tensors", func(m *format.Model) bool { m.Tensors = nil; return true })

	// Dimensions.
	dims := func(t int32, label string) {
		if t < 0 {
			return
		}
		rank := len(m0.Tensors[t].Shape)
		for _, v := range []int32{1 << 30, math.MaxInt32, 0, -1} {
			if rank == 0 {
				break
			}
			e := edit
			if v == 0 {
				e = editAny // zero-size tensors are legal
			}
			e(fmt.Sprintf("%s tensor %d dimension %d = %d", label, t, rank-1, v), func(m *format.Model) bool {
				s := m.Tensors[t].Shape
				if s[rank-1] == v {
					return false
				}
				s[rank-1] = v
				return true
			})
		}
		edit(fmt.Sprintf("%s tensor %d rank 9 of 2^20", label, t), func(m *format.Model) bool {
			m.Tensors[t].Shape = []int32{1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20}
			return true
		})
		// One element more can still fit (a grouped convolution, an
		// identity model).
		editAny(fmt.Sprintf("%s tensor %d one element more", label, t), func(m *format.Model) bool {
			s := m.Tensors[t].Shape
			if rank == 0 {
				return false
			}
			s[rank-1]++
			return true
		})
	}
	dims(input, "input")
	dims(act, "activation")
	dims(constant, "constant")

	// Indices.
	for _, bad := range []int32{nt, math.MaxInt32, -1, math.MinInt32} {
		edit(fmt.Sprintf("graph input 0 = tensor %d", bad), func(m *format.Model) bool {
			if len(m.Inputs) == 0 {
				return false
			}
			m.Inputs[0].Tensor = bad
			return true
		})
		edit(fmt.Sprintf("graph output 0 = tensor %d", bad), func(m *format.Model) bool {
			if len(m.Outputs) == 0 {
				return false
			}
			m.Outputs[0].Tensor = bad
			return true
		})
	}
	for op := 0; op < nops && op < 3; op++ {
		for _, bad := range []int32{nt, math.MaxInt32, -2} {
			edit(fmt.Sprintf("%s input 0 = tensor %d", opName(op), bad), func(m *format.Model) bool {
				o := &m.Ops[op]
				if len(o.Inputs) == 0 {
					return false
				}
				o.Inputs[0] = bad
				return true
			})
			edit(fmt.Sprintf("%s output 0 = tensor %d", opName(op), bad), func(m *format.Model) bool {
				o := &m.Ops[op]
				if len(o.Outputs) == 0 {
					return false
				}
				o.Outputs[0] = bad
				return true
			})
		}
		edit(fmt.Sprintf("%s input 0 absent", opName(op)), func(m *format.Model) bool {
			o := &m.Ops[op]
			if len(o.Inputs) == 0 {
				return false
			}
			o.Inputs[0] = -1
			return true
		})
	}

	// Cycles and dataflow.
	for op := 0; op < nops; op++ {
		if op > 2 && op < nops-1 {
			continue
		}
		edit(fmt.Sprintf("%s reads its own output", opName(op)), func(m *format.Model) bool {
			o := &m.Ops[op]
			if len(o.Inputs) == 0 || len(o.Outputs) == 0 {
				return false
			}
			o.Inputs[0] = o.Outputs[0]
			return true
		})
	}
	if nops >= 2 {
		edit(fmt.Sprintf("%s reads the output of the last op", opName(0)), func(m *format.Model) bool {
			last := &m.Ops[nops-1]
			if len(m.Ops[0].Inputs) == 0 || len(last.Outputs) == 0 {
				return false
			}
			m.Ops[0].Inputs[0] = last.Outputs[0]
			return true
		})
		edit("op 1 writes op 0's output", func(m *format.Model) bool {
			if len(m.Ops[0].Outputs) == 0 || len(m.Ops[1].Outputs) == 0 {
				return false
			}
			m.Ops[1].Outputs[0] = m.Ops[0].Outputs[0]
			return true
		})
		edit("ops in reverse order", func(m *format.Model) bool {
			ops := m.Ops
			if len(ops[0].Outputs) == 0 || !contains(ops[1].Inputs, ops[0].Outputs[0]) {
				return false
			}
			for i, j := 0, len(ops)-1; i < j; i, j = i+1, j-1 {
				ops[i], ops[j] = ops[j], ops[i]
			}
			return true
		})
	}
	if constant >= 0 && nops > 0 {
		edit(fmt.Sprintf("%s writes constant tensor %d", opName(nops-1), constant), func(m *format.Model) bool {
			o := &m.Ops[nops-1]
			if len(o.Outputs) == 0 {
				return false
			}
			o.Outputs[0] = constant
			return true
		})
		edit(fmt.Sprintf("graph input 0 is constant tensor %d", constant), func(m *format.Model) bool {
			if len(m.Inputs) == 0 {
				return false
			}
			m.Inputs[0].Tensor = constant
			return true
		})
	}
	edit("graph input listed twice", func(m *format.Model) bool {
		if len(m.Inputs) == 0 {
			return false
		}
		m.Inputs = append(m.Inputs, m.Inputs[0])
		return true
	})

	// Constant data and the memory plan.
	if constant >= 0 {
		for _, delta := range []int{-1, 1} {
			edit(fmt.Sprintf("constant tensor %d data %+d bytes", constant, delta), func(m *format.Model) bool {
				t := &m.Tensors[constant]
				n := len(t.Data) + delta
				if n < 0 {
					return false
				}
				d := make([]byte, n)
				copy(d, t.Data)
				t.Data = d
				return true
			})
		}
		edit(fmt.Sprintf("constant tensor %d has an arena offset", constant), func(m *format.Model) bool {
			m.Tensors[constant].ArenaOffset = 0
			return true
		})
	}
	for _, t := range []int32{input, act} {
		if t < 0 {
			continue
		}
		for _, off := range []int64{-1, -2, m0.ArenaBytes, math.MaxInt64, m0.ArenaBytes - m0.Tensors[t].ByteSize() + 1} {
			edit(fmt.Sprintf("tensor %d arena offset %d", t, off), func(m *format.Model) bool {
				if m.Tensors[t].ArenaOffset == off {
					return false
				}
				m.Tensors[t].ArenaOffset = off
				return true
			})
		}
	}
	// Overlaps: an op's output placed on its input, every activation at 0.
	for op := 0; op < nops && op < 2; op++ {
		edit(fmt.Sprintf("%s output overlaps its input", opName(op)), func(m *format.Model) bool {
			o := &m.Ops[op]
			if len(o.Inputs) == 0 || len(o.Outputs) == 0 || o.Inputs[0] < 0 || o.Code == format.OpReshape {
				return false
			}
			in, out := &m.Tensors[o.Inputs[0]], &m.Tensors[o.Outputs[0]]
			if in.IsConstant() || in.ByteSize() == 0 || out.ByteSize() == 0 {
				return false
			}
			// Any offset in (in - out size, in end) overlaps; take one
			// that keeps the output inside the arena.
			for _, off := range []int64{in.ArenaOffset + in.ByteSize() - 1, in.ArenaOffset, in.ArenaOffset - out.ByteSize() + 1} {
				if off >= 0 && off+out.ByteSize() <= m.ArenaBytes {
					out.ArenaOffset = off
					return true
				}
			}
			return false
		})
	}
	edit("every activation at arena offset 0", func(m *format.Model) bool {
		if nops == 0 {
			return false // input and output may share memory
		}
		n := 0
		for i := range m.Tensors {
			if !m.Tensors[i].IsConstant() && m.Tensors[i].ByteSize() > 0 {
				m.Tensors[i].ArenaOffset = 0
				n++
			}
		}
		return n >= 2
	})

	// Quantization.
	quant := func(t int32, label string) {
		if t < 0 || len(m0.Tensors[t].Scale) == 0 {
			return
		}
		for _, s := range []float32{0, -1, float32(math.NaN()), float32(math.Inf(1))} {
			edit(fmt.Sprintf("%s tensor %d scale %v", label, t, s), func(m *format.Model) bool {
				sc := m.Tensors[t].Scale
				sc[len(sc)-1] = s
				return true
			})
		}
		if m0.Tensors[t].DType == format.DTypeInt8 {
			for _, z := range []int32{128, -129, math.MaxInt32} {
				edit(fmt.Sprintf("%s tensor %d zero point %d", label, t, z), func(m *format.Model) bool {
					zp := m.Tensors[t].ZeroPoint
					zp[len(zp)-1] = z
					return true
				})
			}
		}
		edit(fmt.Sprintf("%s tensor %d one scale more than zero points", label, t), func(m *format.Model) bool {
			m.Tensors[t].Scale = append(m.Tensors[t].Scale, 1)
			return true
		})
		edit(fmt.Sprintf("%s tensor %d scales without zero points", label, t), func(m *format.Model) bool {
			m.Tensors[t].ZeroPoint = nil
			return true
		})
		edit(fmt.Sprintf("%s tensor %d zero points without scales", label, t), func(m *format.Model) bool {
			m.Tensors[t].Scale = nil
			return true
		})
		shape := m0.Tensors[t].Shape
		if n := len(m0.Tensors[t].Scale); n > 1 {
			edit(fmt.Sprintf("%s tensor %d one channel scale missing", label, t), func(m *format.Model) bool {
				tt := &m.Tensors[t]
				tt.Scale, tt.ZeroPoint = tt.Scale[1:], tt.ZeroPoint[1:]
				return n > 2
			})
			edit(fmt.Sprintf("%s tensor %d quantized dimension %d", label, t, len(shape)), func(m *format.Model) bool {
				m.Tensors[t].QuantizedDim = int32(len(shape))
				return true
			})
			edit(fmt.Sprintf("%s tensor %d quantized dimension -1", label, t), func(m *format.Model) bool {
				m.Tensors[t].QuantizedDim = -1
				return true
			})
		}
	}
	quant(input, "input")
	quant(act, "activation")
	for i := range m0.Ops {
		if c := m0.Ops[i].Code; (c == format.OpConv2D || c == format.OpDepthwiseConv2D || c == format.OpFullyConnected) && len(m0.Ops[i].Inputs) > 1 {
			quant(m0.Ops[i].Inputs[1], "filter")
			break
		}
	}

	// Types and codes.
	for _, t := range []int32{input, act} {
		if t < 0 {
			continue
		}
		for _, dt := range []format.DType{format.DTypeInvalid, format.DTypeInt16, format.DTypeInt32, format.DTypeFloat32, 9} {
			edit(fmt.Sprintf("tensor %d dtype %d", t, dt), func(m *format.Model) bool {
				if m.Tensors[t].DType == dt {
					return false
				}
				// An int16 tensor only float boundaries touch is a valid
				// int16 QUANTIZE input / DEQUANTIZE output (issue 13).
				if dt == format.DTypeInt16 && floatBoundaryOnly(m0, t) {
					return false
				}
				m.Tensors[t].DType = dt
				return true
			})
		}
	}
	for op := 0; op < nops && op < 2; op++ {
		for _, c := range []format.OpCode{format.OpInvalid, 99, math.MaxUint16} {
			edit(fmt.Sprintf("%s code %d", opName(op), c), func(m *format.Model) bool {
				m.Ops[op].Code = c
				return true
			})
		}
		edit(fmt.Sprintf("%s without params", opName(op)), func(m *format.Model) bool {
			m.Ops[op].Params = nil
			return m0.Ops[op].Params != nil
		})
		edit(fmt.Sprintf("%s without inputs", opName(op)), func(m *format.Model) bool {
			m.Ops[op].Inputs = nil
			return true
		})
		edit(fmt.Sprintf("%s without outputs", opName(op)), func(m *format.Model) bool {
			m.Ops[op].Outputs = nil
			return true
		})
		edit(fmt.Sprintf("%s with four more inputs", opName(op)), func(m *format.Model) bool {
			o := &m.Ops[op]
			if len(o.Inputs) == 0 || o.Code == format.OpConcatenation {
				return false
			}
			o.Inputs = append(o.Inputs, o.Inputs[0], o.Inputs[0], o.Inputs[0], o.Inputs[0])
			return true
		})
	}
	// Ops whose params type matches another code (same params, wrong op).
	for op := 0; op < nops && op < 2; op++ {
		for _, c := range []format.OpCode{format.OpConv2D, format.OpFullyConnected, format.OpAveragePool2D, format.OpSoftmax, format.OpReshape} {
			// Same params type: may be a valid model of another op.
			editAny(fmt.Sprintf("%s becomes %s", opName(op), c), func(m *format.Model) bool {
				if m.Ops[op].Code == c {
					return false
				}
				m.Ops[op].Code = c
				return true
			})
		}
	}

	// Invalid params: the first op of each params type.
	seen := map[string]bool{}
	for op := range m0.Ops {
		p := m0.Ops[op].Params
		key := fmt.Sprintf("%T", p)
		if p == nil || seen[key] {
			continue
		}
		seen[key] = true
		label := opName(op)
		par := func(kind string, f func(p format.OpParams) bool) {
			edit(label+" "+kind, func(m *format.Model) bool { return f(m.Ops[op].Params) })
		}
		// parAny: parameters the kernels accept and compute exactly
		// although TFLite would never derive them from the shapes (the
		// kernels handle any window geometry with stride, dilation and
		// filter >= 1 and padding within the filter), or fields the op
		// does not use (a CONV_2D's depth multiplier, MUL's ADD/SUB
		// fields).
		parAny := func(kind string, f func(p format.OpParams) bool) {
			editAny(label+" "+kind, func(m *format.Model) bool { return f(m.Ops[op].Params) })
		}
		// wide: an op on int16 tensors (issue 13), whose ranges are
		// int16's, not int8's.
		wide := false
		if ins := m0.Ops[op].Inputs; len(ins) > 0 && ins[0] >= 0 && int(ins[0]) < len(m0.Tensors) {
			wide = m0.Tensors[ins[0]].DType == format.DTypeInt16
		}
		switch p.(type) {
		case *format.ConvParams:
			cp := func(f func(p *format.ConvParams)) func(format.OpParams) bool {
				return func(p format.OpParams) bool { f(p.(*format.ConvParams)); return true }
			}
			par("stride 0", cp(func(p *format.ConvParams) { p.StrideH = 0 }))
			par("stride -1", cp(func(p *format.ConvParams) { p.StrideW = -1 }))
			par("dilation 0", cp(func(p *format.ConvParams) { p.DilationW = 0 }))
			parAny("dilation 2^30", cp(func(p *format.ConvParams) { p.DilationH = 1 << 30 }))
			parAny("stride 2^31-1", cp(func(p *format.ConvParams) { p.StrideH, p.StrideW = math.MaxInt32, math.MaxInt32 }))
			par("padding 2^30", cp(func(p *format.ConvParams) { p.PadTop = 1 << 30 }))
			par("padding -1", cp(func(p *format.ConvParams) { p.PadLeft = -1 }))
			dm := par
			if m0.Ops[op].Code == format.OpConv2D {
				dm = parAny
			}
			dm("depth multiplier 0", cp(func(p *format.ConvParams) { p.DepthMultiplier = 0 }))
			dm("depth multiplier 2^31-1", cp(func(p *format.ConvParams) { p.DepthMultiplier = math.MaxInt32 }))
			par("input offset 300", cp(func(p *format.ConvParams) { p.InputOffset = 300 }))
			par("filter offset -200", cp(func(p *format.ConvParams) { p.FilterOffset = -200 }))
			par("output offset 128", cp(func(p *format.ConvParams) { p.OutputOffset = 128 }))
			par("requant shift 31", cp(func(p *format.ConvParams) { p.Requant.Shift[0] = 31 }))
			par("requant shift -32", cp(func(p *format.ConvParams) { p.Requant.Shift[0] = -32 }))
			par("requant multiplier -1", cp(func(p *format.ConvParams) { p.Requant.Multiplier[0] = -1 }))
			par("requant lengths differ", cp(func(p *format.ConvParams) { p.Requant.Shift = append(p.Requant.Shift, 0) }))
			par("requant empty", cp(func(p *format.ConvParams) { p.Requant = format.Requant{} }))
			par("requant one channel missing", func(p format.OpParams) bool {
				r := &p.(*format.ConvParams).Requant
				if len(r.Multiplier) < 3 {
					return false
				}
				r.Multiplier, r.Shift = r.Multiplier[1:], r.Shift[1:]
				return true
			})
			par("activation range [10, -10]", cp(func(p *format.ConvParams) { p.ActMin, p.ActMax = 10, -10 }))
			if wide {
				par("activation range [-32769, 32767]", cp(func(p *format.ConvParams) { p.ActMin = -32769 }))
			} else {
				par("activation range [-129, 127]", cp(func(p *format.ConvParams) { p.ActMin = -129 }))
			}
		case *format.FullyConnectedParams:
			fp := func(f func(p *format.FullyConnectedParams)) func(format.OpParams) bool {
				return func(p format.OpParams) bool { f(p.(*format.FullyConnectedParams)); return true }
			}
			par("input offset -128", fp(func(p *format.FullyConnectedParams) { p.InputOffset = -128 }))
			par("output offset -129", fp(func(p *format.FullyConnectedParams) { p.OutputOffset = -129 }))
			par("requant shift 100", fp(func(p *format.FullyConnectedParams) { p.Requant.Shift[0] = 100 }))
			if wide {
				par("activation range [0, 32768]", fp(func(p *format.FullyConnectedParams) { p.ActMax = 32768 }))
			} else {
				par("activation range [0, 128]", fp(func(p *format.FullyConnectedParams) { p.ActMax = 128 }))
			}
		case *format.ArithParams:
			ap := func(f func(p *format.ArithParams)) func(format.OpParams) bool {
				return func(p format.OpParams) bool { f(p.(*format.ArithParams)); return true }
			}
			addSub := par
			if m0.Ops[op].Code == format.OpMul {
				addSub = parAny
			}
			addSub("left shift 40", ap(func(p *format.ArithParams) { p.LeftShift = 40 }))
			addSub("left shift -1", ap(func(p *format.ArithParams) { p.LeftShift = -1 }))
			par("input 1 offset 1000", ap(func(p *format.ArithParams) { p.Input1Offset = 1000 }))
			par("output offset 1000", ap(func(p *format.ArithParams) { p.OutputOffset = 1000 }))
			par("output shift 40", ap(func(p *format.ArithParams) { p.OutputShift = 40 }))
			par("output shift -40", ap(func(p *format.ArithParams) { p.OutputShift = -40 }))
			addSub("input 1 shift 5", ap(func(p *format.ArithParams) { p.Input1Shift = 5 }))
			par("output multiplier -5", ap(func(p *format.ArithParams) { p.OutputMultiplier = -5 }))
			par("activation range [5, 4]", ap(func(p *format.ArithParams) { p.ActMin, p.ActMax = 5, 4 }))
		case *format.PoolParams:
			pp := func(f func(p *format.PoolParams)) func(format.OpParams) bool {
				return func(p format.OpParams) bool { f(p.(*format.PoolParams)); return true }
			}
			par("filter 0", pp(func(p *format.PoolParams) { p.FilterH = 0 }))
			parAny("filter 2^31-1", pp(func(p *format.PoolParams) { p.FilterW = math.MaxInt32 }))
			par("stride 0", pp(func(p *format.PoolParams) { p.StrideW = 0 }))
			// With a single output row the stride is unused.
			parAny("stride 2^31-1", pp(func(p *format.PoolParams) { p.StrideH = math.MaxInt32 }))
			par("padding -1", pp(func(p *format.PoolParams) { p.PadTop = -1 }))
			par("padding 2^31-1", pp(func(p *format.PoolParams) { p.PadLeft = math.MaxInt32 }))
			par("activation range [1, 0]", pp(func(p *format.PoolParams) { p.ActMin, p.ActMax = 1, 0 }))
		case *format.SoftmaxParams:
			sp := func(f func(p *format.SoftmaxParams)) func(format.OpParams) bool {
				return func(p format.OpParams) bool { f(p.(*format.SoftmaxParams)); return true }
			}
			// int16 SOFTMAX takes any multiplier >= 0 (0 when flushed)
			// and does not use diff_min.
			int8Only := par
			if wide {
				int8Only = parAny
			}
			int8Only("multiplier 0", sp(func(p *format.SoftmaxParams) { p.InputBetaMultiplier = 0 }))
			par("left shift 32", sp(func(p *format.SoftmaxParams) { p.InputBetaLeftShift = 32 }))
			int8Only("diff min 1", sp(func(p *format.SoftmaxParams) { p.DiffMin = 1 }))
			int8Only("diff min -2^31", sp(func(p *format.SoftmaxParams) { p.DiffMin = math.MinInt32 }))
		case *format.TableParams:
			par("table of 255", func(p format.OpParams) bool {
				tp := p.(*format.TableParams)
				tp.Table = tp.Table[:255]
				return true
			})
			par("table of 0", func(p format.OpParams) bool { p.(*format.TableParams).Table = nil; return true })
		case *format.PadParams:
			pp := func(f func(p *format.PadParams)) func(format.OpParams) bool {
				return func(p format.OpParams) bool { f(p.(*format.PadParams)); return true }
			}
			par("before -1", pp(func(p *format.PadParams) { p.Before[0] = -1 }))
			par("after 2^31-1", pp(func(p *format.PadParams) { p.After[len(p.After)-1] = math.MaxInt32 }))
			par("one padding missing", pp(func(p *format.PadParams) { p.Before, p.After = p.Before[1:], p.After[1:] }))
			par("before and after lengths differ", pp(func(p *format.PadParams) { p.After = append(p.After, 0) }))
			if wide {
				par("value 32768", pp(func(p *format.PadParams) { p.Value = 32768 }))
			} else {
				par("value 128", pp(func(p *format.PadParams) { p.Value = 128 }))
			}
		case *format.MeanParams:
			mp := func(f func(p *format.MeanParams)) func(format.OpParams) bool {
				return func(p format.OpParams) bool { f(p.(*format.MeanParams)); return true }
			}
			par("axis 17", mp(func(p *format.MeanParams) { p.Axes = append(p.Axes, 17) }))
			par("axis -17", mp(func(p *format.MeanParams) { p.Axes = append(p.Axes, -17) }))
			par("thresholds decreasing", mp(func(p *format.MeanParams) { p.Thresholds[100] = p.Thresholds[99] - 1 }))
			par("254 thresholds", mp(func(p *format.MeanParams) { p.Thresholds = p.Thresholds[1:] }))
		case *format.ConcatenationParams:
			par("axis -1", func(p format.OpParams) bool { p.(*format.ConcatenationParams).Axis = -1; return true })
			par("axis 17", func(p format.OpParams) bool { p.(*format.ConcatenationParams).Axis = 17; return true })
		case *format.TransposeParams:
			tp := func(f func(p *format.TransposeParams)) func(format.OpParams) bool {
				return func(p format.OpParams) bool { f(p.(*format.TransposeParams)); return true }
			}
			par("perm repeats", tp(func(p *format.TransposeParams) { p.Perm[len(p.Perm)-1] = p.Perm[0] }))
			par("perm out of range", tp(func(p *format.TransposeParams) { p.Perm[0] = 100 }))
			par("perm too short", tp(func(p *format.TransposeParams) { p.Perm = p.Perm[:len(p.Perm)-1] }))
		}
	}
	return cs, nil
}

// floatBoundaryOnly reports whether tensor t is a float graph input or
// output that no op reads or writes.
func floatBoundaryOnly(m *format.Model, t int32) bool {
	for _, op := range m.Ops {
		for _, x := range append(append([]int32(nil), op.Inputs...), op.Outputs...) {
			if x == t {
				return false
			}
		}
	}
	for _, io := range append(append([]format.IO(nil), m.Inputs...), m.Outputs...) {
		if io.Tensor == t && io.Float {
			return true
		}
	}
	return false
}
