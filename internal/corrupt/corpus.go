package corrupt

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/edgerun/edgerun/format/tflite"
)

// Expect says what loading a corpus file must do.
type Expect int

const (
	// Reject: loading must fail with a typed error.
	Reject Expect = iota
	// Any: the file may load (then it must run) or be rejected (with a
	// typed error). Random byte flips may keep a file valid.
	Any
	// Valid: the file must load and run (a control: the source model
	// re-serialized without changes).
	Valid
)

func (e Expect) String() string {
	switch e {
	case Reject:
		return "reject"
	case Any:
		return "any"
	}
	return "valid"
}

// Case is one file of the corpus.
type Case struct {
	// Name identifies the case: "source/kind", for example
	// "tflm_person_detect.tflite/truncate@970" or
	// "add_0000.tflite/op 0 ADD/input 0 out of range".
	Name string
	// Ext is the file extension the file should be written with:
	// ".tflite" or ".erm".
	Ext string
	// Data may share memory with the source model and with other cases:
	// it must not be modified.
	Data   []byte
	Expect Expect
}

// Options tunes the corpus.
type Options struct {
	// TruncateStep: files truncated at every TruncateStep-th byte (0: no
	// truncations).
	TruncateStep int
	// Flips is the number of randomly flipped variants per model; each
	// flips 1 to 4 bytes.
	Flips int
	// Seed seeds the flips.
	Seed uint64
}

// Bytes generates the byte-level cases of a model file: truncations and
// random byte flips.
func Bytes(name, ext string, data []byte, o Options) []Case {
	var cs []Case
	if o.TruncateStep > 0 {
		for n := 0; n < len(data); n += o.TruncateStep {
			// A .tflite prefix can still be a valid file when the cut
			// only drops bytes nothing references (padding at the end);
			// an .erm file has none (Encode drops it), and the trailing
			// bytes of a .tflite file are the end of its last object.
			cs = append(cs, Case{Name: fmt.Sprintf("%s/truncate@%d", name, n), Ext: ext, Data: data[:n:n], Expect: Reject})
		}
	}
	rng := rand.New(rand.NewPCG(o.Seed, uint64(len(data))))
	for i := 0; i < o.Flips && len(data) > 8; i++ {
		d := bytes.Clone(data)
		k := 1 + rng.IntN(4)
		desc := ""
		for j := 0; j < k; j++ {
			p := rng.IntN(len(d))
			x := byte(1 + rng.IntN(255))
			d[p] ^= x
			desc += fmt.Sprintf(" %d^%#02x", p, x)
		}
		cs = append(cs, Case{Name: fmt.Sprintf("%s/flip%s", name, desc), Ext: ext, Data: d, Expect: Any})
	}
	return cs
}

// TFLite generates structural cases from a valid .tflite file: the parsed
// model edited in memory (huge dimensions, out-of-range indices, cycles,
// wrong buffer sizes, bad quantization, invalid options and operand lists,
// wrong types) and re-serialized with EncodeTFLite, each of which must be
// rejected, plus one unchanged re-serialization that must load. Cases that
// need an operator the model lacks are left out.
func TFLite(name string, data []byte) ([]Case, error) {
	if _, err := tflite.Parse(data); err != nil {
		return nil, err
	}
	var cs []Case
	// add re-parses data (so every case edits a fresh copy) and applies
	// f; f returns false when the edit does not apply to this model.
	add := func(kind string, expect Expect, f func(m *tflite.Model) bool) {
		m, err := tflite.Parse(bytes.Clone(data))
		if err != nil {
			panic(err)
		}
		if !f(m) {
			return
		}
		cs = append(cs, Case{Name: name + "/" + kind, Ext: ".tflite", Data: EncodeTFLite(m), Expect: expect})
	}
	// edit: an invalid model; editAny: one that may still be valid.
	edit := func(kind string, f func(m *tflite.Model) bool) { add(kind, Reject, f) }
	editAny := func(kind string, f func(m *tflite.Model) bool) { add(kind, Any, f) }
	m0, _ := tflite.Parse(data)
	sg0 := &m0.Subgraphs[0]
	cs = append(cs, Case{Name: name + "/re-encoded", Ext: ".tflite", Data: EncodeTFLite(m0), Expect: Valid})

	code := func(m *tflite.Model, op int) tflite.BuiltinOperator {
		return m.OperatorCodes[m.Subgraphs[0].Operators[op].OpcodeIndex].BuiltinCode
	}
	opName := func(op int) string {
		return fmt.Sprintf("op %d %s", op, m0.OperatorCodes[sg0.Operators[op].OpcodeIndex].Name())
	}
	nt := int32(len(sg0.Tensors))
	nops := len(sg0.Operators)
	// isConst reports whether tensor t has data.
	isConst := func(m *tflite.Model, t int32) bool {
		return t >= 0 && len(m.Buffers[m.Subgraphs[0].Tensors[t].Buffer].Data) > 0
	}
	// Tensors to attack: a graph input, an activation written by an op,
	// and a constant read by an op.
	var input, act, constant int32 = -1, -1, -1
	if len(sg0.Inputs) > 0 {
		input = sg0.Inputs[0]
	}
	for i := range sg0.Operators {
		op := &sg0.Operators[i]
		if act < 0 && len(op.Outputs) > 0 {
			act = op.Outputs[0]
		}
		for _, t := range op.Inputs {
			if constant < 0 && isConst(m0, t) {
				constant = t
			}
		}
	}
	// quantizes reports whether tensor t is an operand of a QUANTIZE or
	// DEQUANTIZE.
	quantizes := func(m *tflite.Model, t int32) bool {
		for i, op := range m.Subgraphs[0].Operators {
			if (code(m, i) == tflite.OpQuantize || code(m, i) == tflite.OpDequantize) && ((len(op.Inputs) > 0 && op.Inputs[0] == t) || (len(op.Outputs) > 0 && op.Outputs[0] == t)) {
				return true
			}
		}
		return false
	}
	// weightedOp: the first CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED.
	weightedOp := -1
	for i := range sg0.Operators {
		switch code(m0, i) {
		case tflite.OpConv2D, tflite.OpDepthwiseConv2D, tflite.OpFullyConnected:
			if weightedOp < 0 && len(sg0.Operators[i].Inputs) >= 2 {
				weightedOp = i
			}
		}
	}
	firstOf := func(codes ...tflite.BuiltinOperator) int {
		for i := range sg0.Operators {
			for _, c := range codes {
				if code(m0, i) == c {
					return i
				}
			}
		}
		return -1
	}

	// Model level.
	edit("version 2", func(m *tflite.Model) bool { m.Version = 2; return true })
	edit("no subgraphs", func(m *tflite.Model) bool { m.Subgraphs = nil; return true })
	edit("two subgraphs", func(m *tflite.Model) bool {
		m.Subgraphs = append(m.Subgraphs, m.Subgraphs[0])
		return true
	})
	edit("no operator codes", func(m *tflite.Model) bool { m.OperatorCodes = nil; return nops > 0 })
	edit("no buffers", func(m *tflite.Model) bool { m.Buffers = nil; return true })
	edit("buffer 0 not empty", func(m *tflite.Model) bool { m.Buffers[0].Data = []byte{1, 2, 3, 4}; return true })

	// Huge and empty dimensions.
	dims := func(t int32, label string) {
		if t < 0 {
			return
		}
		rank := len(sg0.Tensors[t].Shape)
		for _, v := range []int32{1 << 30, math.MaxInt32, 0} {
			if rank == 0 {
				break
			}
			e := edit
			if v == 0 {
				e = editAny // zero-size tensors are legal
			}
			e(fmt.Sprintf("%s tensor %d dimension %d = %d", label, t, rank-1, v), func(m *tflite.Model) bool {
				s := m.Subgraphs[0].Tensors[t].Shape
				if s[rank-1] == v {
					return false
				}
				s[rank-1] = v
				return true
			})
		}
		edit(fmt.Sprintf("%s tensor %d every dimension = 2^31-1", label, t), func(m *tflite.Model) bool {
			s := m.Subgraphs[0].Tensors[t].Shape
			for i := range s {
				s[i] = math.MaxInt32
			}
			return rank > 0
		})
		edit(fmt.Sprintf("%s tensor %d rank 9 of 2^20", label, t), func(m *tflite.Model) bool {
			m.Subgraphs[0].Tensors[t].Shape = []int32{1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20}
			return true
		})
		edit(fmt.Sprintf("%s tensor %d negative dimension", label, t), func(m *tflite.Model) bool {
			s := m.Subgraphs[0].Tensors[t].Shape
			if rank == 0 {
				return false
			}
			s[0] = -1
			return true
		})
	}
	dims(input, "input")
	dims(act, "activation")
	dims(constant, "constant")

	// Out-of-range indices.
	for _, bad := range []int32{nt, nt + 1000, math.MaxInt32, -2, math.MinInt32} {
		edit(fmt.Sprintf("graph input 0 = tensor %d", bad), func(m *tflite.Model) bool {
			sg := &m.Subgraphs[0]
			if len(sg.Inputs) == 0 {
				return false
			}
			sg.Inputs[0] = bad
			return true
		})
		edit(fmt.Sprintf("graph output 0 = tensor %d", bad), func(m *tflite.Model) bool {
			sg := &m.Subgraphs[0]
			if len(sg.Outputs) == 0 {
				return false
			}
			sg.Outputs[0] = bad
			return true
		})
	}
	for op := 0; op < nops && op < 3; op++ {
		for _, bad := range []int32{nt, math.MaxInt32, -2} {
			edit(fmt.Sprintf("%s input 0 = tensor %d", opName(op), bad), func(m *tflite.Model) bool {
				o := &m.Subgraphs[0].Operators[op]
				if len(o.Inputs) == 0 {
					return false
				}
				o.Inputs[0] = bad
				return true
			})
			edit(fmt.Sprintf("%s output 0 = tensor %d", opName(op), bad), func(m *tflite.Model) bool {
				o := &m.Subgraphs[0].Operators[op]
				if len(o.Outputs) == 0 {
					return false
				}
				o.Outputs[0] = bad
				return true
			})
		}
		edit(fmt.Sprintf("%s output 0 = -1", opName(op)), func(m *tflite.Model) bool {
			o := &m.Subgraphs[0].Operators[op]
			if len(o.Outputs) == 0 {
				return false
			}
			o.Outputs[0] = -1
			return true
		})
		for _, bad := range []uint32{uint32(len(m0.OperatorCodes)), math.MaxUint32} {
			edit(fmt.Sprintf("%s opcode index %d", opName(op), bad), func(m *tflite.Model) bool {
				m.Subgraphs[0].Operators[op].OpcodeIndex = bad
				return true
			})
		}
	}
	for _, t := range []int32{input, act, constant} {
		if t < 0 {
			continue
		}
		for _, bad := range []uint32{uint32(len(m0.Buffers)), math.MaxUint32} {
			edit(fmt.Sprintf("tensor %d buffer index %d", t, bad), func(m *tflite.Model) bool {
				m.Subgraphs[0].Tensors[t].Buffer = bad
				return true
			})
		}
	}

	// Cycles and dataflow.
	for op := 0; op < nops; op++ {
		if op > 2 && op < nops-1 {
			continue // first ops and the last one are enough
		}
		edit(fmt.Sprintf("%s reads its own output", opName(op)), func(m *tflite.Model) bool {
			o := &m.Subgraphs[0].Operators[op]
			if len(o.Inputs) == 0 || len(o.Outputs) == 0 {
				return false
			}
			o.Inputs[0] = o.Outputs[0]
			return true
		})
	}
	if nops >= 2 {
		edit(fmt.Sprintf("%s reads the output of the last op", opName(0)), func(m *tflite.Model) bool {
			sg := &m.Subgraphs[0]
			last := &sg.Operators[nops-1]
			if len(sg.Operators[0].Inputs) == 0 || len(last.Outputs) == 0 {
				return false
			}
			sg.Operators[0].Inputs[0] = last.Outputs[0]
			return true
		})
		edit("op 1 writes op 0's output", func(m *tflite.Model) bool {
			sg := &m.Subgraphs[0]
			if len(sg.Operators[0].Outputs) == 0 || len(sg.Operators[1].Outputs) == 0 {
				return false
			}
			sg.Operators[1].Outputs[0] = sg.Operators[0].Outputs[0]
			return true
		})
		edit("ops in reverse order", func(m *tflite.Model) bool {
			ops := m.Subgraphs[0].Operators
			if len(ops[0].Outputs) == 0 || !contains(ops[1].Inputs, ops[0].Outputs[0]) {
				return false // independent ops may run in either order
			}
			for i, j := 0, len(ops)-1; i < j; i, j = i+1, j-1 {
				ops[i], ops[j] = ops[j], ops[i]
			}
			return true
		})
	}
	if constant >= 0 && nops > 0 {
		edit(fmt.Sprintf("%s writes constant tensor %d", opName(nops-1), constant), func(m *tflite.Model) bool {
			o := &m.Subgraphs[0].Operators[nops-1]
			if len(o.Outputs) == 0 {
				return false
			}
			o.Outputs[0] = constant
			return true
		})
		edit(fmt.Sprintf("graph input 0 is constant tensor %d", constant), func(m *tflite.Model) bool {
			sg := &m.Subgraphs[0]
			if len(sg.Inputs) == 0 {
				return false
			}
			sg.Inputs[0] = constant
			return true
		})
	}
	edit("graph input listed twice", func(m *tflite.Model) bool {
		sg := &m.Subgraphs[0]
		if len(sg.Inputs) == 0 {
			return false
		}
		sg.Inputs = append(sg.Inputs, sg.Inputs[0])
		return true
	})
	edit("graph output is an unused new tensor", func(m *tflite.Model) bool {
		sg := &m.Subgraphs[0]
		if len(sg.Outputs) == 0 {
			return false
		}
		t := sg.Tensors[sg.Outputs[0]]
		t.Name = "orphan"
		sg.Tensors = append(sg.Tensors, t)
		sg.Outputs[0] = int32(len(sg.Tensors) - 1)
		return true
	})

	// Wrong buffer sizes.
	if constant >= 0 {
		for _, delta := range []int{-1, 1, 1000} {
			edit(fmt.Sprintf("constant tensor %d buffer %+d bytes", constant, delta), func(m *tflite.Model) bool {
				b := &m.Buffers[m.Subgraphs[0].Tensors[constant].Buffer]
				n := len(b.Data) + delta
				if n <= 0 {
					return false
				}
				d := make([]byte, n)
				copy(d, b.Data)
				b.Data = d
				return true
			})
		}
	}
	if input >= 0 {
		edit(fmt.Sprintf("graph input tensor %d has a buffer of the wrong size", input), func(m *tflite.Model) bool {
			m.Buffers = append(m.Buffers, tflite.Buffer{Data: []byte{1, 2, 3}})
			m.Subgraphs[0].Tensors[input].Buffer = uint32(len(m.Buffers) - 1)
			return true
		})
	}

	// Bad quantization.
	quant := func(t int32, label string) {
		if t < 0 || sg0.Tensors[t].Quantization == nil {
			return
		}
		q0 := sg0.Tensors[t].Quantization
		typ := sg0.Tensors[t].Type
		scales := []float32{0, -1, float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1))}
		for _, s := range scales {
			edit(fmt.Sprintf("%s tensor %d scale %v", label, t, s), func(m *tflite.Model) bool {
				q := m.Subgraphs[0].Tensors[t].Quantization
				q.Scale[len(q.Scale)-1] = s
				return true
			})
		}
		if typ == tflite.TypeInt8 || typ == tflite.TypeUInt8 || typ == tflite.TypeInt16 {
			var zps []int64
			switch typ {
			case tflite.TypeInt8:
				zps = []int64{128, -129, 1 << 40, math.MinInt64}
			case tflite.TypeUInt8:
				zps = []int64{256, -1, 1 << 40}
			case tflite.TypeInt16:
				zps = []int64{1 << 15, -(1 << 15) - 1}
			}
			for _, z := range zps {
				edit(fmt.Sprintf("%s tensor %d zero point %d", label, t, z), func(m *tflite.Model) bool {
					q := m.Subgraphs[0].Tensors[t].Quantization
					q.ZeroPoint[len(q.ZeroPoint)-1] = z
					return true
				})
			}
		}
		edit(fmt.Sprintf("%s tensor %d one scale more than zero points", label, t), func(m *tflite.Model) bool {
			q := m.Subgraphs[0].Tensors[t].Quantization
			q.Scale = append(q.Scale, 1)
			return true
		})
		shape := sg0.Tensors[t].Shape
		if len(q0.Scale) > 1 {
			qd := q0.QuantizedDimension
			edit(fmt.Sprintf("%s tensor %d one channel scale missing", label, t), func(m *tflite.Model) bool {
				q := m.Subgraphs[0].Tensors[t].Quantization
				q.Scale, q.ZeroPoint = q.Scale[1:], q.ZeroPoint[1:]
				return true
			})
			edit(fmt.Sprintf("%s tensor %d one channel scale too many", label, t), func(m *tflite.Model) bool {
				q := m.Subgraphs[0].Tensors[t].Quantization
				q.Scale, q.ZeroPoint = append(q.Scale, 1), append(q.ZeroPoint, 0)
				return true
			})
			for _, d := range []int32{int32(len(shape)), -1, (qd + 1) % int32(len(shape))} {
				if d == qd || len(shape) == 1 {
					continue
				}
				edit(fmt.Sprintf("%s tensor %d quantized dimension %d", label, t, d), func(m *tflite.Model) bool {
					m.Subgraphs[0].Tensors[t].Quantization.QuantizedDimension = d
					return int(d) >= len(shape) || d < 0 || shape[d] != shape[qd]
				})
			}
		} else if len(shape) > 0 && shape[len(shape)-1] > 1 {
			edit(fmt.Sprintf("%s tensor %d per-channel scales on a per-tensor operand", label, t), func(m *tflite.Model) bool {
				q := m.Subgraphs[0].Tensors[t].Quantization
				n := int(shape[len(shape)-1])
				q.Scale, q.ZeroPoint = make([]float32, n), make([]int64, n)
				for i := range q.Scale {
					q.Scale[i] = q0.Scale[0]
					q.ZeroPoint[i] = q0.ZeroPoint[0]
				}
				q.QuantizedDimension = int32(len(shape) - 1)
				// Activations and graph inputs must be per-tensor.
				return t != constant
			})
		}
		if typ == tflite.TypeInt8 && t != constant {
			edit(fmt.Sprintf("%s tensor %d without quantization", label, t), func(m *tflite.Model) bool {
				m.Subgraphs[0].Tensors[t].Quantization = nil
				return true
			})
		}
	}
	quant(input, "input")
	quant(act, "activation")
	if weightedOp >= 0 {
		quant(sg0.Operators[weightedOp].Inputs[1], "filter")
	}

	// Wrong types.
	for _, t := range []int32{input, act} {
		if t < 0 {
			continue
		}
		for _, typ := range []tflite.TensorType{tflite.TypeFloat32, tflite.TypeInt16, tflite.TypeInt32, tflite.TypeString, tflite.TypeBool, tflite.TypeInt64, tflite.TypeInt4, tflite.TypeComplex128, 19, 100, -1} {
			edit(fmt.Sprintf("tensor %d type %s", t, typ), func(m *tflite.Model) bool {
				tt := &m.Subgraphs[0].Tensors[t]
				if tt.Type == typ {
					return false
				}
				// FLOAT32 on a graph input with a boundary QUANTIZE is valid.
				if typ == tflite.TypeFloat32 && t == input {
					return false
				}
				// INT16 on either side of a QUANTIZE or DEQUANTIZE is a
				// valid int8 ↔ int16 requantization or int16 float
				// boundary, and INT32 a valid requantization output
				// (issue 13), as is QUANTIZE int8→int32.
				if (typ == tflite.TypeInt16 || typ == tflite.TypeInt32) && quantizes(m0, t) ||
					typ == tflite.TypeInt32 && quantizeOfInt8(m, t) {
					return false
				}
				tt.Type = typ
				return true
			})
		}
	}
	if weightedOp >= 0 {
		f := sg0.Operators[weightedOp].Inputs[1]
		for _, typ := range []tflite.TensorType{tflite.TypeInt4, tflite.TypeInt16, tflite.TypeUInt8} {
			edit(fmt.Sprintf("%s filter type %s", opName(weightedOp), typ), func(m *tflite.Model) bool {
				m.Subgraphs[0].Tensors[f].Type = typ
				return true
			})
		}
		edit(fmt.Sprintf("%s filter is not constant", opName(weightedOp)), func(m *tflite.Model) bool {
			m.Subgraphs[0].Tensors[f].Buffer = 0
			return true
		})
		if o := sg0.Operators[weightedOp]; len(o.Inputs) == 3 && o.Inputs[2] >= 0 {
			b := o.Inputs[2]
			edit(fmt.Sprintf("%s bias type INT8", opName(weightedOp)), func(m *tflite.Model) bool {
				m.Subgraphs[0].Tensors[b].Type = tflite.TypeInt8
				return true
			})
			edit(fmt.Sprintf("%s bias one element short", opName(weightedOp)), func(m *tflite.Model) bool {
				t := &m.Subgraphs[0].Tensors[b]
				if len(t.Shape) != 1 || t.Shape[0] < 2 {
					return false
				}
				t.Shape[0]--
				buf := &m.Buffers[t.Buffer]
				buf.Data = buf.Data[:len(buf.Data)-4]
				t.Quantization = nil
				return true
			})
		}
	}

	// Operand counts.
	for op := 0; op < nops; op++ {
		if op > 2 && op < nops-1 {
			continue
		}
		edit(fmt.Sprintf("%s without inputs", opName(op)), func(m *tflite.Model) bool {
			m.Subgraphs[0].Operators[op].Inputs = nil
			return true
		})
		edit(fmt.Sprintf("%s without outputs", opName(op)), func(m *tflite.Model) bool {
			m.Subgraphs[0].Operators[op].Outputs = nil
			return true
		})
		edit(fmt.Sprintf("%s with an extra output", opName(op)), func(m *tflite.Model) bool {
			sg := &m.Subgraphs[0]
			o := &sg.Operators[op]
			if len(o.Outputs) == 0 {
				return false
			}
			t := sg.Tensors[o.Outputs[0]]
			t.Name = "extra"
			sg.Tensors = append(sg.Tensors, t)
			o.Outputs = append(o.Outputs, int32(len(sg.Tensors)-1))
			return true
		})
		edit(fmt.Sprintf("%s with four more inputs", opName(op)), func(m *tflite.Model) bool {
			o := &m.Subgraphs[0].Operators[op]
			if len(o.Inputs) == 0 {
				return false
			}
			// CONCATENATION takes any number of equal inputs; repeat a
			// different operand to keep it wrong.
			o.Inputs = append(o.Inputs, o.Inputs[0], o.Inputs[0], o.Inputs[0], o.Inputs[0])
			return code(m, op) != tflite.OpConcatenation && code(m, op) != tflite.OpAdd && code(m, op) != tflite.OpMul
		})
		edit(fmt.Sprintf("%s last input absent", opName(op)), func(m *tflite.Model) bool {
			o := &m.Subgraphs[0].Operators[op]
			if len(o.Inputs) == 0 {
				return false
			}
			c := code(m, op)
			if (c == tflite.OpConv2D || c == tflite.OpDepthwiseConv2D || c == tflite.OpFullyConnected) && len(o.Inputs) == 3 {
				return false // the bias is optional
			}
			if c == tflite.OpPadV2 && len(o.Inputs) == 3 {
				return false // PADV2 without a value pads like PAD
			}
			if c == tflite.OpTransposeConv && len(o.Inputs) == 4 {
				return false // the bias is optional
			}
			if c == tflite.OpReshape && len(o.Inputs) == 2 {
				return false // the new shape is optional
			}
			o.Inputs[len(o.Inputs)-1] = -1
			return true
		})
	}

	// Unsupported and unknown operators.
	if nops > 0 {
		for _, c := range []struct {
			code   tflite.BuiltinOperator
			custom string
		}{{36, ""}, {tflite.OpCustom, "my_op"}, {tflite.OpCustom, "\x00\xff("}, {1000, ""}, {-5, ""}} {
			edit(fmt.Sprintf("%s becomes builtin %d %q", opName(0), c.code, c.custom), func(m *tflite.Model) bool {
				m.OperatorCodes[m.Subgraphs[0].Operators[0].OpcodeIndex] = tflite.OperatorCode{BuiltinCode: c.code, CustomCode: c.custom, Version: 1}
				return true
			})
		}
	}

	// Invalid options.
	optionEdits := func(op int) {
		o := sg0.Operators[op].Options
		label := opName(op)
		// filterDim returns dimension d of the op's filter (input 1), 0
		// if there is none.
		filterDim := func(d int) int32 {
			ins := sg0.Operators[op].Inputs
			if len(ins) < 2 || ins[1] < 0 || len(sg0.Tensors[ins[1]].Shape) <= d {
				return 0
			}
			return sg0.Tensors[ins[1]].Shape[d]
		}
		opt := func(kind string, f func(o any) bool) {
			edit(label+" "+kind, func(m *tflite.Model) bool { return f(m.Subgraphs[0].Operators[op].Options) })
		}
		switch o.(type) {
		case *tflite.Conv2DOptions:
			opt("stride 0", func(o any) bool { o.(*tflite.Conv2DOptions).StrideH = 0; return true })
			opt("stride -1", func(o any) bool { o.(*tflite.Conv2DOptions).StrideW = -1; return true })
			opt("dilation 0", func(o any) bool { o.(*tflite.Conv2DOptions).DilationHFactor = 0; return true })
			opt("dilation 2^30", func(o any) bool {
				x := o.(*tflite.Conv2DOptions)
				x.DilationWFactor, x.Padding = 1<<30, tflite.PaddingValid
				return filterDim(2) > 1 // a 1x1 filter ignores dilation
			})
			opt("stride 2^31-1", func(o any) bool { o.(*tflite.Conv2DOptions).StrideW = math.MaxInt32; return true })
			opt("padding 7", func(o any) bool { o.(*tflite.Conv2DOptions).Padding = 7; return true })
			opt("activation 9", func(o any) bool { o.(*tflite.Conv2DOptions).FusedActivation = 9; return true })
			opt("activation TANH", func(o any) bool { o.(*tflite.Conv2DOptions).FusedActivation = tflite.ActTanh; return true })
			opt("options all zero", func(o any) bool {
				m := o.(*tflite.Conv2DOptions)
				*m = tflite.Conv2DOptions{}
				return true
			})
		case *tflite.DepthwiseConv2DOptions:
			opt("stride 0", func(o any) bool { o.(*tflite.DepthwiseConv2DOptions).StrideH = 0; return true })
			opt("dilation 0", func(o any) bool { o.(*tflite.DepthwiseConv2DOptions).DilationWFactor = 0; return true })
			opt("dilation 2^30", func(o any) bool {
				x := o.(*tflite.DepthwiseConv2DOptions)
				x.DilationHFactor, x.Padding = 1<<30, tflite.PaddingValid
				return filterDim(1) > 1
			})
			opt("depth multiplier 0", func(o any) bool { o.(*tflite.DepthwiseConv2DOptions).DepthMultiplier = 0; return true })
			opt("depth multiplier +1", func(o any) bool { o.(*tflite.DepthwiseConv2DOptions).DepthMultiplier++; return true })
			opt("padding -1", func(o any) bool { o.(*tflite.DepthwiseConv2DOptions).Padding = -1; return true })
		case *tflite.Pool2DOptions:
			opt("filter 0", func(o any) bool { o.(*tflite.Pool2DOptions).FilterHeight = 0; return true })
			opt("filter 2^31-1 VALID", func(o any) bool {
				x := o.(*tflite.Pool2DOptions)
				x.FilterWidth, x.Padding = math.MaxInt32, tflite.PaddingValid
				return true
			})
			opt("stride 0", func(o any) bool { o.(*tflite.Pool2DOptions).StrideW = 0; return true })
			opt("stride -3", func(o any) bool { o.(*tflite.Pool2DOptions).StrideH = -3; return true })
			opt("activation 6", func(o any) bool { o.(*tflite.Pool2DOptions).FusedActivation = 6; return true })
		case *tflite.FullyConnectedOptions:
			opt("weights format 1", func(o any) bool { o.(*tflite.FullyConnectedOptions).WeightsFormat = 1; return true })
			opt("activation 9", func(o any) bool { o.(*tflite.FullyConnectedOptions).FusedActivation = 9; return true })
		case *tflite.SoftmaxOptions:
			for _, beta := range []float32{float32(math.NaN()), float32(math.Inf(1)), -1, 0} {
				opt(fmt.Sprintf("beta %v", beta), func(o any) bool { o.(*tflite.SoftmaxOptions).Beta = beta; return true })
			}
			// TFLite saturates the beta multiplier: a huge beta is valid.
			editAny(label+" beta 1e30", func(m *tflite.Model) bool {
				m.Subgraphs[0].Operators[op].Options.(*tflite.SoftmaxOptions).Beta = 1e30
				return true
			})
		case *tflite.ConcatenationOptions:
			for _, axis := range []int32{100, -100, math.MinInt32} {
				opt(fmt.Sprintf("axis %d", axis), func(o any) bool { o.(*tflite.ConcatenationOptions).Axis = axis; return true })
			}
			opt("activation RELU", func(o any) bool { o.(*tflite.ConcatenationOptions).FusedActivation = tflite.ActRelu; return true })
		case *tflite.AddOptions:
			opt("activation 9", func(o any) bool { o.(*tflite.AddOptions).FusedActivation = 9; return true })
		case *tflite.SubOptions:
			opt("activation SIGN_BIT", func(o any) bool { o.(*tflite.SubOptions).FusedActivation = tflite.ActSignBit; return true })
		case *tflite.MulOptions:
			opt("activation TANH", func(o any) bool { o.(*tflite.MulOptions).FusedActivation = tflite.ActTanh; return true })
		case *tflite.LeakyReluOptions:
			for _, alpha := range []float32{float32(math.NaN()), float32(math.Inf(-1))} {
				opt(fmt.Sprintf("alpha %v", alpha), func(o any) bool { o.(*tflite.LeakyReluOptions).Alpha = alpha; return true })
			}
		}
	}
	seen := map[tflite.BuiltinOperator]bool{}
	for op := 0; op < nops; op++ {
		c := code(m0, op)
		if seen[c] {
			continue
		}
		seen[c] = true
		optionEdits(op)
	}
	// Options of another operator's type: the writer derives the union
	// type from the Go type, so swap in another type's options.
	if op := firstOf(tflite.OpConv2D, tflite.OpAveragePool2D, tflite.OpMaxPool2D, tflite.OpFullyConnected, tflite.OpAdd, tflite.OpSoftmax); op >= 0 {
		edit(opName(op)+" with MulOptions", func(m *tflite.Model) bool {
			m.Subgraphs[0].Operators[op].Options = &tflite.MulOptions{}
			return true
		})
	}

	// Constant operands with invalid values (axes, paddings, permutations).
	constEdits := func(op int, in int, label string, values []int32) {
		o := sg0.Operators[op]
		if len(o.Inputs) <= in || o.Inputs[in] < 0 || !isConst(m0, o.Inputs[in]) {
			return
		}
		t := o.Inputs[in]
		if sg0.Tensors[t].Type != tflite.TypeInt32 {
			return
		}
		for _, v := range values {
			edit(fmt.Sprintf("%s %s value %d", opName(op), label, v), func(m *tflite.Model) bool {
				b := &m.Buffers[m.Subgraphs[0].Tensors[t].Buffer]
				d := bytes.Clone(b.Data)
				putInt32(d, 0, v)
				if bytes.Equal(d, b.Data) {
					return false
				}
				b.Data = d
				return true
			})
		}
		edit(fmt.Sprintf("%s %s not constant", opName(op), label), func(m *tflite.Model) bool {
			m.Subgraphs[0].Tensors[t].Buffer = 0
			return len(sg0.Tensors[t].Shape) > 0 && sg0.Tensors[t].Shape[0] > 0
		})
	}
	if op := firstOf(tflite.OpMean); op >= 0 {
		constEdits(op, 1, "axes", []int32{17, -17, math.MaxInt32})
	}
	if op := firstOf(tflite.OpPad, tflite.OpPadV2); op >= 0 {
		constEdits(op, 1, "paddings", []int32{-1, 1 << 30, math.MinInt32})
	}
	if op := firstOf(tflite.OpTranspose); op >= 0 {
		constEdits(op, 1, "permutation", []int32{-1, 9, 1})
	}
	if op := firstOf(tflite.OpReshape); op >= 0 {
		edit(opName(op)+" output with one element more", func(m *tflite.Model) bool {
			sg := &m.Subgraphs[0]
			o := sg.Operators[op]
			if len(o.Outputs) == 0 {
				return false
			}
			s := sg.Tensors[o.Outputs[0]].Shape
			if len(s) == 0 {
				return false
			}
			s[len(s)-1]++
			return true
		})
	}
	return cs, nil
}

func putInt32(d []byte, i int, v int32) {
	if len(d) >= 4*(i+1) {
		u := uint32(v)
		d[4*i], d[4*i+1], d[4*i+2], d[4*i+3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
	}
}

func contains(list []int32, x int32) bool {
	for _, v := range list {
		if v == x {
			return true
		}
	}
	return false
}

// quantizeOfInt8 reports whether tensor t is written by a QUANTIZE whose
// input is int8.
func quantizeOfInt8(m *tflite.Model, t int32) bool {
	sg := &m.Subgraphs[0]
	for _, op := range sg.Operators {
		if int(op.OpcodeIndex) < len(m.OperatorCodes) && m.OperatorCodes[op.OpcodeIndex].BuiltinCode == tflite.OpQuantize &&
			len(op.Outputs) == 1 && op.Outputs[0] == t && len(op.Inputs) == 1 && op.Inputs[0] >= 0 &&
			int(op.Inputs[0]) < len(sg.Tensors) && sg.Tensors[op.Inputs[0]].Type == tflite.TypeInt8 {
			return true
		}
	}
	return false
}
