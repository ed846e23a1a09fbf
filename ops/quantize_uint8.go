package ops

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"github.com/edgerun/edgerun/format"
)

// prepareQuantize prepares an integer QUANTIZE. Between 8-bit types it is a
// table op (format.TableParams) whose input and output may also be uint8:
// the graph's uint8 inputs and outputs keep their type, and the converter
// folds the uint8↔int8 shift into the table (format/tflite/convert_uint8.go).
// The table kernel maps bytes to bytes, so it runs unchanged.
func prepareQuantize(m *format.Model, op *format.Op, path string) (Kernel, error) {
	switch op.Params.(type) {
	case *format.Int32TableParams:
		return prepareQuantizeInt32(m, op, path)
	case *format.RescaleParams: // an int16 operand (ops/rescale.go)
		return prepareRescale(m, op, path)
	}
	if err := wantCounts(op, path, 1, 1, 1); err != nil {
		return nil, err
	}
	for _, o := range []struct {
		list []int32
		what string
	}{{op.Inputs, "input"}, {op.Outputs, "output"}} {
		idx := o.list[0]
		if idx < 0 || int(idx) >= len(m.Tensors) {
			return nil, format.Malformed(fmt.Sprintf("%s / %s 0", path, o.what), "tensor index %d out of range", idx)
		}
		if d := m.Tensors[idx].DType; d != format.DTypeInt8 && d != format.DTypeUint8 {
			return nil, format.Malformed(fmt.Sprintf("%s / %s 0", path, o.what), "tensor %d is %s, want int8 or uint8", idx, d)
		}
	}
	p, err := wantParams[format.TableParams](op, path)
	if err != nil {
		return nil, err
	}
	k, err := newTableKernel(p, &m.Tensors[op.Inputs[0]], &m.Tensors[op.Outputs[0]], op, path)
	if err != nil {
		return nil, err
	}
	if isShiftTable(p.Table) {
		return &shiftKernel{in: op.Inputs[0], out: op.Outputs[0]}, nil
	}
	return k, nil
}

// isShiftTable reports whether table maps every byte b to b ^ 0x80 (the
// uint8↔int8 conversion the converter adds at a fully uint8 model's
// boundary, or a QUANTIZE between them with one scale and zero points 128
// apart).
func isShiftTable(table []int8) bool {
	for i, v := range table {
		if uint8(v) != uint8(i) { // Table[b^0x80] = b^0x80
			return false
		}
	}
	return true
}

// shiftKernel is a QUANTIZE whose table is x ^ 0x80: eight bytes at a
// time (the whole input image of a fully uint8 model goes through it).
type shiftKernel struct{ in, out int32 }

func (k *shiftKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	n := len(in)
	if n == 0 {
		return
	}
	src := unsafe.Slice((*byte)(unsafe.Pointer(&in[0])), n)
	dst := unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), n)
	i := 0
	for ; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(dst[i:], binary.LittleEndian.Uint64(src[i:])^0x8080808080808080)
	}
	for ; i < n; i++ {
		dst[i] = src[i] ^ 0x80
	}
}

// quantizeInt32Kernel is QUANTIZE int8→int32: every input looks up its
// int32 output (format.Int32TableParams), stored little-endian.
type quantizeInt32Kernel struct {
	in, out int32
	table   [256][4]int8 // the outputs' little-endian bytes
}

func prepareQuantizeInt32(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 1, 1, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.Int32TableParams](op, path)
	if err != nil {
		return nil, err
	}
	in, err := operand(m, op.Inputs, 0, "input", path, format.DTypeInt8)
	if err != nil {
		return nil, err
	}
	out, err := operand(m, op.Outputs, 0, "output", path, format.DTypeInt32)
	if err != nil {
		return nil, err
	}
	if len(p.Table) != 256 {
		return nil, format.Malformed(path+" / params / table", "has %d entries, want 256", len(p.Table))
	}
	if in.NumElements() != out.NumElements() {
		return nil, format.Malformed(path, "input has %d elements, output %d", in.NumElements(), out.NumElements())
	}
	k := &quantizeInt32Kernel{in: op.Inputs[0], out: op.Outputs[0]}
	for i, v := range p.Table {
		k.table[i] = [4]int8{int8(v), int8(v >> 8), int8(v >> 16), int8(v >> 24)}
	}
	return k, nil
}

func (k *quantizeInt32Kernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	out = out[:4*len(in)]
	for i, x := range in {
		copy(out[4*i:4*i+4], k.table[uint8(x)^0x80][:])
	}
}
