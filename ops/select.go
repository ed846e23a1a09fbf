package ops

import (
	"fmt"

	"github.com/edgerun/edgerun/format"
)

// selectKernel is SELECT_V2 (int8 or int16 values, bool condition) with
// broadcasting of all three inputs to the output shape: out = cond ? x : y,
// raw stored values (TFLite Micro's kernel copies them without rescaling).
type selectKernel struct {
	cond, x, y, out int32
	size            int // element size of x, y and out
	rank, n         int
	dims            [maxLayoutRank]int
	sc, sx, sy      [maxLayoutRank]int // element strides per output dimension
}

// broadcastStrides returns the element strides of an input of shape in
// broadcast to out (0 along broadcast dimensions), aligned at the last
// dimension, or an error if in does not broadcast to out.
func broadcastStrides(in, out []int32, path, what string) ([maxLayoutRank]int, error) {
	var st [maxLayoutRank]int
	if len(in) > len(out) {
		return st, format.Malformed(path, "%s shape %v has more dimensions than the output %v", what, in, out)
	}
	acc := 1
	for i := len(in) - 1; i >= 0; i-- {
		d := len(out) - len(in) + i
		switch {
		case in[i] == out[d]:
			st[d] = acc
		case in[i] == 1:
			st[d] = 0
		default:
			return st, format.Malformed(path, "%s shape %v does not broadcast to the output shape %v", what, in, out)
		}
		acc *= int(in[i])
	}
	return st, nil
}

func prepareSelectV2(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if op.Params != nil {
		return nil, format.Malformed(path+" / params", "%T, want none", op.Params)
	}
	if err := wantCounts(op, path, 3, 3, 1); err != nil {
		return nil, err
	}
	c, err := operand(m, op.Inputs, 0, "input", path, format.DTypeBool)
	if err != nil {
		return nil, err
	}
	dt := format.DTypeInt8
	if op.Inputs[1] >= 0 && int(op.Inputs[1]) < len(m.Tensors) && m.Tensors[op.Inputs[1]].DType == format.DTypeInt16 {
		dt = format.DTypeInt16
	}
	x, err := operand(m, op.Inputs, 1, "input", path, dt)
	if err != nil {
		return nil, err
	}
	y, err := operand(m, op.Inputs, 2, "input", path, dt)
	if err != nil {
		return nil, err
	}
	out, err := operand(m, op.Outputs, 0, "output", path, dt)
	if err != nil {
		return nil, err
	}
	if len(out.Shape) > maxLayoutRank {
		return nil, &format.UnsupportedOpError{Op: op.Code.String(), Index: -1,
			Reason: fmt.Sprintf("%s: output rank %d (at most %d supported)", path, len(out.Shape), maxLayoutRank)}
	}
	k := &selectKernel{cond: op.Inputs[0], x: op.Inputs[1], y: op.Inputs[2], out: op.Outputs[0],
		size: dt.Size(), rank: len(out.Shape), n: int(out.NumElements())}
	for i, d := range out.Shape {
		k.dims[i] = int(d)
	}
	if k.sc, err = broadcastStrides(c.Shape, out.Shape, path, "condition"); err != nil {
		return nil, err
	}
	if k.sx, err = broadcastStrides(x.Shape, out.Shape, path, "x"); err != nil {
		return nil, err
	}
	if k.sy, err = broadcastStrides(y.Shape, out.Shape, path, "y"); err != nil {
		return nil, err
	}
	return k, nil
}

func (k *selectKernel) Eval(env *Env) {
	c, x, y, out := env.Tensors[k.cond], env.Tensors[k.x], env.Tensors[k.y], env.Tensors[k.out]
	var idx [maxLayoutRank]int
	pc, px, py := 0, 0, 0
	for o := 0; o < k.n; o++ {
		if c[pc] != 0 {
			copy(out[o*k.size:(o+1)*k.size], x[px*k.size:])
		} else {
			copy(out[o*k.size:(o+1)*k.size], y[py*k.size:])
		}
		for d := k.rank - 1; d >= 0; d-- {
			idx[d]++
			pc += k.sc[d]
			px += k.sx[d]
			py += k.sy[d]
			if idx[d] < k.dims[d] {
				break
			}
			idx[d] = 0
			pc -= k.sc[d] * k.dims[d]
			px -= k.sx[d] * k.dims[d]
			py -= k.sy[d] * k.dims[d]
		}
	}
}
