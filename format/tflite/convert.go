package tflite

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/plan"
)

// ConvertBytes parses a .tflite file and converts it.
func ConvertBytes(data []byte) (*format.Model, error) {
	src, err := Parse(data)
	if err != nil {
		return nil, err
	}
	return Convert(src)
}

// opConverter turns one source operator into an edgerun op. Tensor indices
// in the returned op are source tensor indices; Convert renumbers them.
type opConverter func(c *converter, idx int, op *Operator) (format.Op, error)

// converters lists the per-operator conversions; boundary QUANTIZE /
// DEQUANTIZE and RESHAPE are handled by Convert itself.
var converters = map[BuiltinOperator]opConverter{
	OpConv2D:          convertConv2D,
	OpDepthwiseConv2D: convertDepthwiseConv2D,
	OpFullyConnected:  convertFullyConnected,
	OpAdd:             convertAdd,
	OpSub:             convertSub,
	OpMul:             convertMul,
	OpAveragePool2D:   convertAveragePool2D,
	OpMaxPool2D:       convertMaxPool2D,
	OpSoftmax:         convertSoftmax,
	OpLogistic:        convertLogistic,
	OpTanh:            convertTanh,
	OpHardSwish:       convertHardSwish,
	OpLeakyRelu:       convertLeakyRelu,
	OpRelu:            convertRelu,
	OpRelu6:           convertRelu6,
	OpReluN1To1:       convertReluN1To1,
	OpQuantize:        convertQuantize,
	OpPad:             convertPad,
	OpPadV2:           convertPadV2,
	OpMean:            convertMean,
	OpConcatenation:   convertConcatenation,
	OpTranspose:       convertTranspose,
	OpSVDF:            convertSVDF,
	OpTransposeConv:   convertTransposeConv,
}

// converter holds the state of one conversion. Tensors keep their source
// indices until the end, when unused ones are dropped.
type converter struct {
	src *Model
	sg  *Subgraph
	// tensors[i] is source tensor i converted (uint8 shifted to int8);
	// valid only where ok[i]. Entries after the source's are the uint8
	// boundary tensors (convert_uint8.go).
	tensors []format.Tensor
	ok      []bool
	// viewOf[i] >= 0: tensor i is a removed RESHAPE's output and shares the
	// memory of tensor viewOf[i].
	viewOf []int32
	// meanWork is what is left of meanWorkBudget.
	meanWork int64
	// folded is the bytes of op outputs folded into constants so far
	// (convert_fold.go).
	folded int64
	// outputs are the graph outputs (a converter may mark one Float).
	outputs []format.IO
}

// Convert converts a parsed .tflite model to an edgerun model: scales become
// dyadic multipliers, elementwise ops become tables, fused activations
// become clamp ranges, RESHAPEs become views, float QUANTIZE/DEQUANTIZE at
// the boundary become Float inputs/outputs, uint8 becomes int8 inside the
// graph (graph inputs and outputs keep uint8: convert_uint8.go), and a static
// memory plan is computed.
func Convert(src *Model) (*format.Model, error) {
	if len(src.Subgraphs) != 1 {
		return nil, &format.UnsupportedOpError{Op: "model", Index: -1,
			Reason: fmt.Sprintf("%d subgraphs (control flow); edgerun runs single-graph models", len(src.Subgraphs))}
	}
	sg := &src.Subgraphs[0]
	if err := floatModel(src, sg); err != nil {
		return nil, err
	}
	c := &converter{src: src, sg: sg,
		tensors:  make([]format.Tensor, len(sg.Tensors)),
		ok:       make([]bool, len(sg.Tensors)),
		viewOf:   make([]int32, len(sg.Tensors)),
		meanWork: meanWorkBudget,
	}
	for i := range c.viewOf {
		c.viewOf[i] = -1
	}
	inputs := make([]format.IO, len(sg.Inputs))
	for i, t := range sg.Inputs {
		inputs[i] = format.IO{Tensor: t}
	}
	outputs := make([]format.IO, len(sg.Outputs))
	for i, t := range sg.Outputs {
		outputs[i] = format.IO{Tensor: t}
	}
	c.outputs = outputs

	var ops []format.Op
	// written[t]: a graph input or an earlier op writes source tensor t.
	written := make([]bool, len(sg.Tensors))
	for _, t := range sg.Inputs {
		written[t] = true
	}
	for idx := range sg.Operators {
		op := &sg.Operators[idx]
		fop, keep, err := c.convertOp(idx, op, inputs, outputs)
		if err != nil {
			return nil, err
		}
		if keep {
			folded, err := c.fold(idx, &fop, outputs)
			if err != nil {
				return nil, err
			}
			keep = !folded
		}
		// After the op's own checks, which say more about, for example, a
		// filter that is not a constant.
		if err := c.checkDataflow(idx, op, written); err != nil {
			return nil, err
		}
		if keep {
			ops = append(ops, fop)
		}
	}
	for k, t := range sg.Outputs {
		if !written[t] && !c.hasNoData(t) {
			return nil, format.Malformed(fmt.Sprintf("subgraph 0 / output %d", k), "tensor %d %q is neither a constant, a graph input nor written by an op", t, sg.Tensors[t].Name)
		}
	}
	ops = c.fusePads(ops, outputs)
	return c.finish(c.uint8Boundaries(ops, inputs, outputs), inputs, outputs)
}

// checkDataflow checks op idx against the source graph's dataflow: every
// tensor it reads is a constant, a graph input or written by an earlier op
// (so the graph has no cycle), and every tensor it writes is an activation
// nothing wrote before. The memory plan alone cannot tell: a tensor that
// nothing writes may share memory with one that something does (see
// format.VerifyGraph's aliases).
func (c *converter) checkDataflow(idx int, op *Operator, written []bool) error {
	for k, t := range op.Inputs {
		if t >= 0 && !written[t] && !c.hasNoData(t) && !c.sg.Tensors[t].IsVariable {
			return format.Malformed(fmt.Sprintf("%s / input %d", c.opPath(idx), k),
				"tensor %d %q is read before any op writes it (a cycle, or no producer)", t, c.sg.Tensors[t].Name)
		}
	}
	for k, t := range op.Outputs {
		if written[t] || c.isConstant(t) {
			return format.Malformed(fmt.Sprintf("%s / output %d", c.opPath(idx), k),
				"tensor %d %q is a constant, a graph input, or already written by an earlier op", t, c.sg.Tensors[t].Name)
		}
		written[t] = true
	}
	return nil
}

// isConstant reports whether source tensor t has data.
func (c *converter) isConstant(t int32) bool {
	return len(c.src.Buffers[c.sg.Tensors[t].Buffer].Data) > 0
}

// hasNoData reports whether reading source tensor t needs no producer: it
// is a constant, or it has no elements.
func (c *converter) hasNoData(t int32) bool {
	if c.isConstant(t) {
		return true
	}
	for _, d := range c.sg.Tensors[t].Shape {
		if d == 0 {
			return true
		}
	}
	return false
}

// convertOp converts source op idx; keep is false for ops that become
// boundaries or views.
func (c *converter) convertOp(idx int, op *Operator, inputs, outputs []format.IO) (fop format.Op, keep bool, err error) {
	code := c.src.OperatorCodes[op.OpcodeIndex]
	done, err := c.convertBoundary(idx, op, code, inputs, outputs)
	if err != nil || done {
		return format.Op{}, false, err
	}
	if code.BuiltinCode == OpReshape {
		return format.Op{}, false, c.convertReshape(idx, op)
	}
	if free, ok := freeConverters[code.BuiltinCode]; ok {
		if err := free(c, idx, op); err != nil {
			return format.Op{}, false, c.atOp(idx, err)
		}
		return format.Op{}, false, nil
	}
	conv, found := converters[code.BuiltinCode]
	if !found || code.BuiltinCode == OpCustom {
		return format.Op{}, false, &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: idx, Reason: customOpReason(code)}
	}
	fop, err = conv(c, idx, op)
	if err != nil {
		return format.Op{}, false, c.atOp(idx, err)
	}
	return fop, true, nil
}

// atOperand places an error about operand what ("input 0") of op idx at
// the operand: a malformed-model error's path becomes "subgraph 0 / op 3
// LOGISTIC / input 0 / tensor 5 "x" / quantization"; other errors are
// prefixed with the operand.
func (c *converter) atOperand(idx int, what string, err error) error {
	if e, ok := err.(*format.MalformedError); ok {
		rest, _ := strings.CutPrefix(e.Path, "subgraph 0")
		return &format.MalformedError{Path: c.opPath(idx) + " / " + what + rest, Msg: e.Msg}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// atOp places an error of op idx's conversion at the op: a malformed-model
// error's path goes through the op ("subgraph 0 / op 3 CONV_2D / tensor 5
// "w" / quantization"), an unsupported-operator error about an operand
// becomes one about the op, and other errors are prefixed with the op.
func (c *converter) atOp(idx int, err error) error {
	code := c.src.OperatorCodes[c.sg.Operators[idx].OpcodeIndex]
	opPath := c.opPath(idx)
	switch e := err.(type) {
	case *format.MalformedError:
		if e.Path == opPath || strings.HasPrefix(e.Path, opPath+" / ") {
			return e
		}
		path := opPath
		if rest, ok := strings.CutPrefix(e.Path, "subgraph 0 / "); ok {
			path += " / " + rest
		} else if e.Path != "subgraph 0" && e.Path != "" {
			path += " / " + e.Path
		}
		return &format.MalformedError{Path: path, Msg: e.Msg}
	case *format.UnsupportedOpError:
		if e.Index < 0 {
			reason := e.Reason
			if e.Op != "tensor" && e.Op != code.Name() {
				reason = e.Op + ": " + reason
			}
			err = &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: idx, Reason: reason}
		}
	}
	return fmt.Errorf("op %d %s: %w", idx, code.Name(), err)
}

// convertBoundary turns a float32→int QUANTIZE on a graph input, or an
// int→float32 DEQUANTIZE on a graph output, into a Float boundary.
func (c *converter) convertBoundary(idx int, op *Operator, code OperatorCode, inputs, outputs []format.IO) (bool, error) {
	if code.BuiltinCode == OpCast {
		return c.castBoundary(idx, op, inputs, outputs)
	}
	if code.BuiltinCode != OpQuantize && code.BuiltinCode != OpDequantize {
		return false, nil
	}
	if len(op.Inputs) != 1 || len(op.Outputs) != 1 || op.Inputs[0] < 0 {
		return false, format.Malformed(c.opPath(idx), "%s needs one input and one output", code.Name())
	}
	in, out := op.Inputs[0], op.Outputs[0]
	inType, outType := c.sg.Tensors[in].Type, c.sg.Tensors[out].Type
	if (inType == TypeFloat32 || outType == TypeFloat32) && !poolShapeEqual(c.sg.Tensors[in].Shape, c.sg.Tensors[out].Shape) {
		return false, format.Malformed(c.opPath(idx), "input shape %v and output shape %v differ", c.sg.Tensors[in].Shape, c.sg.Tensors[out].Shape)
	}
	switch {
	case code.BuiltinCode == OpQuantize && inType == TypeFloat32:
		for i := range inputs {
			if inputs[i].Tensor == in {
				if err := c.needQuantized(idx, out); err != nil {
					return false, err
				}
				inputs[i] = format.IO{Tensor: out, Float: true}
				return true, nil
			}
		}
		return false, &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: idx,
			Reason: "float32 input inside the graph (only a graph input may be float)"}
	case code.BuiltinCode == OpDequantize && outType == TypeFloat32:
		for i := range outputs {
			if outputs[i].Tensor == out {
				if err := c.needQuantized(idx, in); err != nil {
					return false, err
				}
				outputs[i] = format.IO{Tensor: in, Float: true}
				return true, nil
			}
		}
		return false, &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: idx,
			Reason: "float32 output inside the graph (only a graph output may be float)"}
	case code.BuiltinCode == OpDequantize:
		return false, &format.UnsupportedOpError{Op: code.Name(), Version: code.Version, Index: idx,
			Reason: fmt.Sprintf("%s → %s", inType, outType)}
	}
	return false, nil // QUANTIZE between integer types: a table op.
}

func (c *converter) needQuantized(idx int, t int32) error {
	q := c.sg.Tensors[t].Quantization
	if q == nil || len(q.Scale) != 1 || len(q.ZeroPoint) != 1 {
		return format.Malformed(fmt.Sprintf("%s / tensor %d", c.opPath(idx), t), "boundary tensor needs per-tensor quantization")
	}
	return nil
}

// convertReshape makes the output a view of the input (RESHAPE never moves
// data in row-major layout). A constant input makes a constant output.
func (c *converter) convertReshape(idx int, op *Operator) error {
	if len(op.Inputs) < 1 || len(op.Inputs) > 2 || len(op.Outputs) != 1 || op.Inputs[0] < 0 {
		return format.Malformed(c.opPath(idx), "has %d inputs and %d outputs; RESHAPE needs an input, an optional shape and one output", len(op.Inputs), len(op.Outputs))
	}
	in, out := op.Inputs[0], op.Outputs[0]
	ti, err := c.tensor(in)
	if err != nil {
		return err
	}
	to, err := c.tensor(out)
	if err != nil {
		return err
	}
	if ti.NumElements() != to.NumElements() || ti.DType != to.DType {
		return format.Malformed(c.opPath(idx), "RESHAPE from %v %s to %v %s", ti.Shape, ti.DType, to.Shape, to.DType)
	}
	if !sameQuantization(ti, to) {
		return &format.UnsupportedOpError{Op: "RESHAPE", Index: idx, Reason: "input and output quantization differ"}
	}
	// The views form a forest (root never loops): out must not already be
	// a view (written by an earlier RESHAPE), nor the memory in is a view
	// of (which includes in == out).
	if c.viewOf[out] >= 0 {
		return format.Malformed(c.opPath(idx)+" / output 0", "tensor %d is already written by an earlier RESHAPE", out)
	}
	r := c.root(in)
	if r == out {
		return format.Malformed(c.opPath(idx)+" / output 0", "tensor %d is the input or the memory the input is a view of (a cycle)", out)
	}
	if ti.IsConstant() {
		to.Data = ti.Data
		return nil
	}
	c.viewOf[out] = r
	return nil
}

func sameQuantization(a, b *format.Tensor) bool {
	if len(a.Scale) != len(b.Scale) || len(a.ZeroPoint) != len(b.ZeroPoint) {
		return false
	}
	for i := range a.Scale {
		if a.Scale[i] != b.Scale[i] || a.ZeroPoint[i] != b.ZeroPoint[i] {
			return false
		}
	}
	return true
}

func (c *converter) root(t int32) int32 {
	for c.viewOf[t] >= 0 {
		t = c.viewOf[t]
	}
	return t
}

// opPath names an op in error paths.
func (c *converter) opPath(idx int) string {
	code := c.src.OperatorCodes[c.sg.Operators[idx].OpcodeIndex]
	return fmt.Sprintf("subgraph 0 / op %d %s", idx, code.Name())
}

// tensor returns source tensor t converted to edgerun's types: int8 (uint8
// shifted by -128 in zero point and data), int16, int32, int64, bool, with
// scales and zero points copied; each op's conversion checks the dtypes
// it takes. Float32 and other types are unsupported here: the
// graph is integer-only.
func (c *converter) tensor(t int32) (*format.Tensor, error) {
	if t < 0 || int(t) >= len(c.tensors) {
		return nil, format.Malformed("subgraph 0", "tensor index %d out of range", t)
	}
	if c.ok[t] {
		return &c.tensors[t], nil
	}
	st := &c.sg.Tensors[t]
	path := fmt.Sprintf("subgraph 0 / tensor %d %q", t, st.Name)
	ft := format.Tensor{Name: st.Name, Shape: append([]int32(nil), st.Shape...), ArenaOffset: -1}
	shift := int64(0)
	switch st.Type {
	case TypeInt8:
		ft.DType = format.DTypeInt8
	case TypeUInt8:
		ft.DType, shift = format.DTypeInt8, 128
	case TypeInt16:
		ft.DType = format.DTypeInt16
	case TypeInt32:
		ft.DType = format.DTypeInt32
	case TypeInt64:
		ft.DType = format.DTypeInt64
	case TypeBool:
		ft.DType = format.DTypeBool
	default:
		return nil, &format.UnsupportedOpError{Op: "tensor", Index: -1,
			Reason: fmt.Sprintf("%s: type %s (edgerun runs integer graphs; float32 is allowed only at the inputs/outputs through QUANTIZE/DEQUANTIZE)", path, st.Type)}
	}
	if q := st.Quantization; q != nil && len(q.Scale) > 0 {
		ft.QuantizedDim = q.QuantizedDimension
		ft.Scale = append([]float32(nil), q.Scale...)
		ft.ZeroPoint = make([]int32, len(q.ZeroPoint))
		// A zero point is a value of the tensor's type (uint8 ones are
		// checked before the shift to int8).
		lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
		switch st.Type {
		case TypeInt8:
			lo, hi = math.MinInt8, math.MaxInt8
		case TypeUInt8:
			lo, hi = 0, math.MaxUint8
		case TypeInt16:
			lo, hi = math.MinInt16, math.MaxInt16
		}
		for i, z := range q.ZeroPoint {
			if z < lo || z > hi {
				return nil, format.Malformed(path+" / quantization", "zero point %d is %d, outside the %s range [%d, %d]", i, z, st.Type, lo, hi)
			}
			ft.ZeroPoint[i] = int32(z - shift)
		}
		for i, s := range q.Scale {
			if !(s > 0) || math.IsInf(float64(s), 0) {
				return nil, format.Malformed(path+" / quantization", "scale %d is %v, want positive and finite", i, s)
			}
		}
		if len(ft.ZeroPoint) == 0 {
			ft.ZeroPoint = make([]int32, len(ft.Scale))
		}
	}
	if st.IsVariable {
		// State kept across invocations, which the runtime sets to its
		// zero point (as TFLite Micro resets variable tensors).
		if len(c.src.Buffers[st.Buffer].Data) > 0 {
			return nil, &format.UnsupportedOpError{Op: "tensor", Index: -1, Reason: path + ": a variable tensor with initial data"}
		}
		ft.Variable = true
	}
	if b := c.src.Buffers[st.Buffer].Data; len(b) > 0 {
		data := append([]byte(nil), b...)
		if shift != 0 {
			for i := range data {
				data[i] ^= 0x80 // uint8 v → int8 v-128
			}
		}
		if int64(len(data)) != ft.ByteSize() {
			return nil, format.Malformed(path, "%d bytes, shape %v %s needs %d", len(data), ft.Shape, ft.DType, ft.ByteSize())
		}
		ft.Data = data
	}
	c.tensors[t] = ft
	c.ok[t] = true
	return &c.tensors[t], nil
}

// quantized returns tensor t, requiring dtype int8 and per-tensor
// quantization (one scale: per-channel parameters are for weights and
// biases only), with its scale (float64, as TFLite's double math uses it)
// and zero point.
func (c *converter) quantized(t int32) (*format.Tensor, float64, int32, error) {
	ft, err := c.tensor(t)
	if err != nil {
		return nil, 0, 0, err
	}
	if ft.DType != format.DTypeInt8 {
		return nil, 0, 0, &format.UnsupportedOpError{Op: "tensor", Index: -1, Reason: fmt.Sprintf("tensor %d %q is %s, want int8", t, ft.Name, ft.DType)}
	}
	if len(ft.Scale) < 1 {
		return nil, 0, 0, format.Malformed(fmt.Sprintf("subgraph 0 / tensor %d %q", t, ft.Name), "int8 tensor without quantization")
	}
	if len(ft.Scale) != 1 {
		return nil, 0, 0, &format.UnsupportedOpError{Op: "tensor", Index: -1,
			Reason: fmt.Sprintf("tensor %d %q has %d scales (per-channel); this operand needs per-tensor quantization", t, ft.Name, len(ft.Scale))}
	}
	return ft, float64(ft.Scale[0]), ft.ZeroPoint[0], nil
}

// constInts reads a constant int32 or int64 tensor (axes, paddings,
// permutations).
func (c *converter) constInts(t int32) ([]int64, error) {
	if t < 0 || int(t) >= len(c.sg.Tensors) {
		return nil, format.Malformed("subgraph 0", "tensor index %d out of range", t)
	}
	st := &c.sg.Tensors[t]
	data := c.src.Buffers[st.Buffer].Data
	path := fmt.Sprintf("subgraph 0 / tensor %d %q", t, st.Name)
	n := int64(1)
	for _, d := range st.Shape {
		n *= int64(d)
	}
	switch st.Type {
	case TypeInt32:
		if int64(len(data)) != 4*n {
			return nil, format.Malformed(path, "want a constant int32 tensor of %d elements, have %d bytes", n, len(data))
		}
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(int32(binary.LittleEndian.Uint32(data[4*i:])))
		}
		return out, nil
	case TypeInt64:
		if int64(len(data)) != 8*n {
			return nil, format.Malformed(path, "want a constant int64 tensor of %d elements, have %d bytes", n, len(data))
		}
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(data[8*i:]))
		}
		return out, nil
	}
	return nil, &format.UnsupportedOpError{Op: "tensor", Index: -1, Reason: path + ": constant of type " + st.Type.String()}
}

// activationRange returns TFLite's CalculateActivationRangeQuantized for a
// fused activation on output tensor t: the int8 clamp range.
func (c *converter) activationRange(act Activation, t int32) (int32, int32, error) {
	if ft, err := c.tensor(t); err == nil && ft.DType == format.DTypeInt16 {
		return c.activationRange16(act, t)
	}
	_, scale, zp, err := c.quantized(t)
	if err != nil {
		return 0, 0, err
	}
	s := float32(scale)
	// TFLite quantizes the activation bounds in float: zp + round(f / scale).
	q := func(f float32) int32 { return zp + int32(math.Round(float64(f/s))) }
	lo, hi := int32(-128), int32(127)
	switch act {
	case ActNone:
	case ActRelu:
		lo = max(lo, q(0))
	case ActRelu6:
		lo, hi = max(lo, q(0)), min(hi, q(6))
	case ActReluN1To1:
		lo, hi = max(lo, q(-1)), min(hi, q(1))
	default:
		return 0, 0, &format.UnsupportedOpError{Op: "fused activation", Index: -1, Reason: fmt.Sprintf("activation %d", act)}
	}
	return lo, hi, nil
}

// finish renumbers tensors (dropping those no op or boundary uses), plans
// the arena and assembles the model.
func (c *converter) finish(ops []format.Op, inputs, outputs []format.IO) (*format.Model, error) {
	newIndex := make([]int32, len(c.tensors))
	for i := range newIndex {
		newIndex[i] = -1
	}
	m := &format.Model{Description: c.src.Description}
	use := func(t int32) (int32, error) {
		if t < 0 {
			return -1, nil
		}
		if newIndex[t] >= 0 {
			return newIndex[t], nil
		}
		ft, err := c.tensor(t)
		if err != nil {
			return 0, err
		}
		newIndex[t] = int32(len(m.Tensors))
		m.Tensors = append(m.Tensors, *ft)
		return newIndex[t], nil
	}
	renumber := func(list []int32) error {
		for i, t := range list {
			n, err := use(t)
			if err != nil {
				return err
			}
			list[i] = n
		}
		return nil
	}
	for i := range ops {
		if err := renumber(ops[i].Inputs); err != nil {
			return nil, err
		}
		if err := renumber(ops[i].Outputs); err != nil {
			return nil, err
		}
	}
	// Views need their root tensor in the model too.
	for _, io := range append(append([]format.IO(nil), inputs...), outputs...) {
		if _, err := use(io.Tensor); err != nil {
			return nil, err
		}
	}
	for t := range c.viewOf {
		if newIndex[t] >= 0 && c.viewOf[t] >= 0 {
			if _, err := use(c.root(int32(t))); err != nil {
				return nil, err
			}
		}
	}
	for i := range inputs {
		inputs[i].Tensor = newIndex[inputs[i].Tensor]
	}
	for i := range outputs {
		outputs[i].Tensor = newIndex[outputs[i].Tensor]
	}
	m.Ops, m.Inputs, m.Outputs = ops, inputs, outputs
	for _, io := range m.Inputs {
		if m.Tensors[io.Tensor].IsConstant() {
			return nil, format.Malformed("subgraph 0 / inputs", "graph input %q is a constant", m.Tensors[io.Tensor].Name)
		}
	}

	// Memory plan over view groups: a group's buffer lives from the first
	// to the last use of any of its members.
	oldOf := make([]int32, len(m.Tensors))
	for old, n := range newIndex {
		if n >= 0 {
			oldOf[n] = int32(old)
		}
	}
	group := func(n int32) int32 { return newIndex[c.root(oldOf[n])] }
	var bufs []plan.Buffer
	bufOf := map[int32]int{}
	touch := func(n int32, at int) {
		if n < 0 || m.Tensors[n].IsConstant() {
			return
		}
		g := group(n)
		b, ok := bufOf[g]
		if !ok {
			b = len(bufs)
			bufOf[g] = b
			bufs = append(bufs, plan.Buffer{Size: m.Tensors[g].ByteSize(), First: at, Last: at})
		}
		bufs[b].First = min(bufs[b].First, at)
		bufs[b].Last = max(bufs[b].Last, at)
	}
	for _, io := range m.Inputs {
		touch(io.Tensor, 0)
	}
	for i, op := range m.Ops {
		for _, t := range op.Inputs {
			touch(t, i)
		}
		for _, t := range op.Outputs {
			touch(t, i)
		}
	}
	for _, io := range m.Outputs {
		touch(io.Tensor, len(m.Ops))
	}
	for n := range m.Tensors {
		if m.Tensors[n].Variable {
			// State: live for the interpreter's life.
			touch(int32(n), 0)
			touch(int32(n), len(m.Ops))
		}
	}
	offsets, arena := plan.Greedy(bufs)
	for n := range m.Tensors {
		if !m.Tensors[n].IsConstant() {
			b, ok := bufOf[group(int32(n))]
			if !ok {
				return nil, format.Malformed("subgraph 0", "tensor %q is neither produced nor read", m.Tensors[n].Name)
			}
			m.Tensors[n].ArenaOffset = offsets[b]
		}
	}
	m.ArenaBytes = arena
	return m, nil
}
