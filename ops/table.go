package ops

import (
	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// tableKernel maps every int8 input through a 256-entry table (see
// format.TableParams): the converter folded the op's whole integer
// computation into the table. It maps bytes to bytes: a QUANTIZE's uint8
// operands go through it too (see prepareQuantize). Eval is asm's
// Lookup8 on the selected implementation (VPERMI2B, VPSHUFB or TBL).
type tableKernel struct {
	in, out int32
	impl    *asm.Impl
	// lut is the table prepared for Lookup8, indexed by the input byte
	// as unsigned (format.TableParams' index is that byte ^ 0x80).
	lut *asm.Table8
}

func prepareTable(m *format.Model, op *format.Op, path string) (Kernel, error) {
	switch op.Params.(type) {
	case *format.RescaleParams:
		return prepareRescale(m, op, path)
	case *format.Sigmoid16Params:
		return prepareSigmoid16(m, op, path)
	}
	p, in, out, err := paramsInOut[format.TableParams](m, op, path, 1, 1, 1)
	if err != nil {
		return nil, err
	}
	return newTableKernel(p, in, out, op, path)
}

// newTableKernel checks a table op's params and element counts (its
// operands are checked by the caller).
func newTableKernel(p *format.TableParams, in, out *format.Tensor, op *format.Op, path string) (Kernel, error) {
	if len(p.Table) != 256 {
		return nil, format.Malformed(path+" / params / table", "has %d entries, want 256", len(p.Table))
	}
	if in.NumElements() != out.NumElements() {
		return nil, format.Malformed(path, "input has %d elements, output %d", in.NumElements(), out.NumElements())
	}
	var t [256]int8
	for b := range t {
		t[b] = p.Table[b^0x80]
	}
	return &tableKernel{in: op.Inputs[0], out: op.Outputs[0], impl: asm.Selected(), lut: asm.NewTable8(&t)}, nil
}

func (k *tableKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	k.impl.Lookup8(out[:len(in)], in, k.lut)
}
