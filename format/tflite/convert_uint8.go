package tflite

import (
	"slices"

	"github.com/edgerun/edgerun/dyadic"
	"github.com/edgerun/edgerun/format"
)

// uint8 at the boundary.
//
// Inside the graph a uint8 tensor is stored as int8, value and zero point
// shifted by -128 (converter.tensor): lossless, and it lets every kernel
// take int8 only. A graph input or output the file declares uint8 keeps its
// type, though: the caller feeds and reads the very bytes it would give
// TFLite. Such an IO gets its own tensor (dtype uint8, the declared scale
// and zero point), and the shift (x ^ 0x80) happens at the boundary:
//
//   - folded into the QUANTIZE that reads a uint8 input (uint8→int8, the
//     usual start of a model with uint8 images) or writes a uint8 output
//     (int8→uint8): its 256-entry table is re-indexed by the input byte or
//     gives the output byte, the very values TFLite's Requantize computes
//     for those bytes;
//   - otherwise (a fully uint8 model, whose first op reads the input
//     directly) a QUANTIZE op added at the start converts the uint8 input
//     into the internal int8 tensor, or one added at the end converts the
//     internal tensor into the uint8 output. That is TFLite's own
//     arithmetic too: its uint8 kernels subtract the zero point from the
//     raw byte, and x - zp is the same difference in either domain.
//
// A tensor that is both a graph input and a graph output is one boundary
// tensor, read and written by no op in between.

// uint8Boundaries gives every uint8 graph input and output its boundary
// tensor (see above) and returns the ops with the conversions folded or
// added. ops, inputs and outputs are in source tensor indices (boundary
// tensors get indices after the source's).
func (c *converter) uint8Boundaries(ops []format.Op, inputs, outputs []format.IO) []format.Op {
	boundary := map[int32]int32{} // internal tensor -> its boundary tensor
	viewRoot := make([]bool, len(c.viewOf))
	for t := range c.viewOf {
		if c.viewOf[t] >= 0 {
			viewRoot[c.root(int32(t))] = true
		}
	}
	var front, back []format.Op
	for i := range inputs {
		t := inputs[i].Tensor
		if c.sg.Tensors[t].Type != TypeUInt8 {
			continue
		}
		u, seen := boundary[t]
		if seen {
			inputs[i].Tensor = u
			continue
		}
		u, ok := c.boundaryTensor(t)
		if !ok {
			continue
		}
		boundary[t] = u
		inputs[i].Tensor = u
		convert := viewRoot[t]
		for k := range ops {
			op := &ops[k]
			for j, x := range op.Inputs {
				if x != t {
					continue
				}
				if p, ok := op.Params.(*format.TableParams); ok && op.Code == format.OpQuantize && len(p.Table) == 256 {
					// Table[b^0x80] is the output for input byte b (the
					// kernel's indexing); the table was built for the
					// shifted value b-128, stored as the byte b^0x80.
					p.Table = byteIndexed(p.Table)
					op.Inputs[j] = u
					continue
				}
				convert = true
			}
		}
		if convert {
			front = append(front, shiftOp(u, t))
		}
	}
	for i := range outputs {
		t := outputs[i].Tensor
		if t >= int32(len(c.sg.Tensors)) {
			continue // already a boundary tensor (also a graph input)
		}
		if u, seen := boundary[t]; seen {
			outputs[i].Tensor = u
			continue
		}
		if c.sg.Tensors[t].Type != TypeUInt8 {
			continue
		}
		u, ok := c.boundaryTensor(t)
		if !ok {
			continue
		}
		boundary[t] = u
		outputs[i].Tensor = u
		if k := producer(ops, t); k >= 0 && !viewRoot[t] && !isRead(ops, t) && !isRead(front, t) {
			op := &ops[k]
			if p, ok := op.Params.(*format.TableParams); ok && op.Code == format.OpQuantize && len(p.Table) == 256 && len(op.Outputs) == 1 {
				for j := range p.Table {
					p.Table[j] ^= -128 // shifted value v is the uint8 byte v+128
				}
				op.Outputs[0] = u
				continue
			}
		}
		back = append(back, shiftOp(t, u))
	}
	if len(front) == 0 && len(back) == 0 {
		return ops
	}
	return slices.Concat(front, ops, back)
}

// boundaryTensor adds the uint8 boundary tensor of source tensor t: t
// converted (int8, shifted), then given back its declared type and zero
// point. The internal tensor is renamed so that names stay unique. ok is
// false when t does not convert (its error surfaces elsewhere).
func (c *converter) boundaryTensor(t int32) (int32, bool) {
	ft, err := c.tensor(t)
	if err != nil || ft.DType != format.DTypeInt8 {
		return -1, false
	}
	b := format.Tensor{Name: ft.Name, DType: format.DTypeUint8, Shape: slices.Clone(ft.Shape),
		QuantizedDim: ft.QuantizedDim, Scale: slices.Clone(ft.Scale), ArenaOffset: -1}
	for _, z := range ft.ZeroPoint {
		b.ZeroPoint = append(b.ZeroPoint, z+128)
	}
	ft.Name += " (int8)"
	u := int32(len(c.tensors))
	c.tensors = append(c.tensors, b)
	c.ok = append(c.ok, true)
	c.viewOf = append(c.viewOf, -1)
	return u, true
}

// shiftOp is the QUANTIZE between a uint8 tensor and its int8 (shifted)
// twin, either way: out byte = in byte ^ 0x80, so Table[i] (the output for
// input byte i^0x80) is the byte i.
func shiftOp(in, out int32) format.Op {
	table := make([]int8, 256)
	for i := range table {
		table[i] = int8(uint8(i))
	}
	return format.Op{Code: format.OpQuantize, Inputs: []int32{in}, Outputs: []int32{out},
		Params: &format.TableParams{Table: table}}
}

// byteIndexed re-indexes a table built for the shifted value x of a uint8
// input (Table[x+128], as for int8) by the input's byte b = x+128, which
// the kernel looks up at b^0x80: entry i moves to i^0x80.
func byteIndexed(table []int8) []int8 {
	out := make([]int8, len(table))
	for i, v := range table {
		out[i^0x80] = v
	}
	return out
}

// producer returns the index of the op writing tensor t, or -1.
func producer(ops []format.Op, t int32) int {
	for k := range ops {
		if slices.Contains(ops[k].Outputs, t) {
			return k
		}
	}
	return -1
}

// isRead reports whether an op reads tensor t.
func isRead(ops []format.Op, t int32) bool {
	for k := range ops {
		if slices.Contains(ops[k].Inputs, t) {
			return true
		}
	}
	return false
}

// convertQuantizeInt32 converts QUANTIZE int8→int32 (ok is false for any
// other pair of types): TFLM's Requantize into int32, the multiplier of
// input scale / output scale (double) as for the 8-bit pairs, run on all
// 256 inputs into a format.Int32TableParams. The output is
// MultiplyByQuantizedMultiplier(x - inZP) + outZP in int32 (the clamp to
// the int32 range is no clamp; the sum wraps as TFLM's int32 addition does
// in every build it ships).
func (c *converter) convertQuantizeInt32(idx int, op *Operator) (format.Op, bool, error) {
	if len(op.Inputs) != 1 || len(op.Outputs) != 1 || op.Inputs[0] < 0 || int(op.Inputs[0]) >= len(c.sg.Tensors) ||
		op.Outputs[0] < 0 || int(op.Outputs[0]) >= len(c.sg.Tensors) ||
		c.sg.Tensors[op.Inputs[0]].Type != TypeInt8 || c.sg.Tensors[op.Outputs[0]].Type != TypeInt32 {
		return format.Op{}, false, nil // tableOperands says what is wrong
	}
	in, out := op.Inputs[0], op.Outputs[0]
	ti, inScale, inZP, err := c.quantized(in)
	if err != nil {
		return format.Op{}, true, c.atOperand(idx, "input 0", err)
	}
	to, err := c.tensor(out)
	if err != nil {
		return format.Op{}, true, c.atOperand(idx, "output 0", err)
	}
	if len(to.Scale) != 1 {
		return format.Op{}, true, c.tableUnsupported(idx, op, "output 0 has %d scales; QUANTIZE needs per-tensor quantization", len(to.Scale))
	}
	if ti.NumElements() != to.NumElements() {
		return format.Op{}, true, format.Malformed(c.opPath(idx), "input has %d elements, output %d", ti.NumElements(), to.NumElements())
	}
	mult, shift, err := c.tableMultiplier(idx, op, "effective", inScale/float64(to.Scale[0]))
	if err != nil {
		return format.Op{}, true, err
	}
	table := make([]int32, 256)
	for x := int32(-128); x <= 127; x++ {
		table[x+128] = dyadic.MultiplyByQuantizedMultiplier(x-inZP, mult, shift) + to.ZeroPoint[0]
	}
	return format.Op{Code: format.OpQuantize, Inputs: []int32{in}, Outputs: []int32{out},
		Params: &format.Int32TableParams{Table: table}}, true, nil
}
