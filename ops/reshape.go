package ops

import "github.com/edgerun/edgerun/format"

// reshapeKernel copies its input. The converter removes RESHAPEs by
// aliasing their output to their input, so this only runs for models that
// keep one (for example when input and output cannot share memory).
type reshapeKernel struct{ in, out int32 }

func prepareReshape(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 1, 2, 1); err != nil {
		return nil, err
	}
	in, out, err := inOut(m, op, path)
	if err != nil {
		return nil, err
	}
	if in.NumElements() != out.NumElements() {
		return nil, format.Malformed(path, "input has %d elements, output %d", in.NumElements(), out.NumElements())
	}
	return &reshapeKernel{in: op.Inputs[0], out: op.Outputs[0]}, nil
}

func (k *reshapeKernel) Eval(env *Env) {
	copy(env.Tensors[k.out], env.Tensors[k.in])
}
