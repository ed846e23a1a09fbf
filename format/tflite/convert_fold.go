package tflite

import (
	"fmt"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/ops"
)

// maxFoldBytes bounds the output of an op folded into a constant, and
// maxFoldTotal all folded outputs of a model: folding trades arena and time
// at Invoke for model size, and a hostile file of many FILLs must not make
// the converter allocate without bound.
const (
	maxFoldBytes = 1 << 20
	maxFoldTotal = 16 << 20
)

// fold runs op idx (converted to fop) at conversion when every input it
// reads is a constant, with edgerun's own kernel, so the constant holds
// exactly the bytes Invoke would compute; its outputs become constants
// and the op is dropped (folded reports it). Shape subgraphs of detection
// models (SHAPE -> STRIDED_SLICE -> PACK ...) disappear this way. Ops that
// touch state, write a graph output, or would produce more than
// maxFoldBytes stay.
func (c *converter) fold(idx int, fop *format.Op, outputs []format.IO) (folded bool, err error) {
	var size int64
	for _, t := range fop.Outputs {
		for _, o := range outputs {
			if o.Tensor == t {
				return false, nil
			}
		}
		ft, err := c.tensor(t)
		if err != nil || ft.IsConstant() || ft.Variable {
			return false, err
		}
		size += ft.ByteSize()
	}
	if size > maxFoldBytes || c.folded+size > maxFoldTotal || len(fop.Inputs) == 0 {
		return false, nil
	}
	for _, t := range fop.Inputs {
		if t < 0 {
			continue
		}
		ft, err := c.tensor(t)
		if err != nil || !ft.IsConstant() || ft.Variable {
			return false, err
		}
	}
	m := &format.Model{Tensors: c.tensors, Ops: []format.Op{*fop}}
	k, err := ops.Prepare(m, 0)
	if err != nil {
		return false, c.atOp(idx, err)
	}
	env := &ops.Env{Tensors: make([][]int8, len(m.Tensors))}
	for _, t := range fop.Inputs {
		if t >= 0 {
			env.Tensors[t] = ops.Int8s(m.Tensors[t].Data)
		}
	}
	outs := make([][]byte, len(fop.Outputs))
	for i, t := range fop.Outputs {
		outs[i] = make([]byte, m.Tensors[t].ByteSize())
		env.Tensors[t] = ops.Int8s(outs[i])
	}
	if s, ok := k.(ops.ScratchUser); ok {
		env.Scratch = make([]byte, s.ScratchBytes())
	}
	if err := evalGuarded(k, env); err != nil {
		return false, c.atOp(idx, format.Malformed(c.opPath(idx), "folding its constant inputs: %v", err))
	}
	if env.Err != nil {
		return false, c.atOp(idx, format.Malformed(c.opPath(idx), "folding its constant inputs: %v", env.Err))
	}
	for i, t := range fop.Outputs {
		c.tensors[t].Data = outs[i]
	}
	c.folded += size
	return true, nil
}

// evalGuarded runs k. A kernel never panics on what its prepare accepted;
// should one, the file being converted must still give an error, not a
// crash.
func evalGuarded(k ops.Kernel, env *ops.Env) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("kernel failed: %v", r)
		}
	}()
	k.Eval(env)
	return nil
}
