package ops

import "github.com/edgerun/edgerun/format"

// prepareSlice serves STRIDED_SLICE, SLICE and REVERSE_V2, which the
// converter resolves to SliceParams: output element (i0, i1, …) is input
// element (Begin[d] + i_d·Stride[d])_d, i_d < Size[d]. The output shape is
// Size with some size-1 entries dropped (shrink axes).
func prepareSlice(m *format.Model, op *format.Op, path string) (Kernel, error) {
	if err := wantCounts(op, path, 1, 4, 1); err != nil {
		return nil, err
	}
	p, err := wantParams[format.SliceParams](op, path)
	if err != nil {
		return nil, err
	}
	in, err := dataOperand(m, op.Inputs, 0, "input", path)
	if err != nil {
		return nil, err
	}
	out, err := dataOperand(m, op.Outputs, 0, "output", path)
	if err != nil {
		return nil, err
	}
	if err := sameDType(in, out, path); err != nil {
		return nil, err
	}
	rank := len(in.Shape)
	if len(p.Begin) != rank || len(p.Stride) != rank || len(p.Size) != rank {
		return nil, format.Malformed(path+" / params", "%d begins, %d strides, %d sizes for input shape %v", len(p.Begin), len(p.Stride), len(p.Size), in.Shape)
	}
	// The output shape is Size without some of its 1s.
	j := 0
	for d := 0; d < rank; d++ {
		if j < len(out.Shape) && out.Shape[j] == p.Size[d] {
			j++
			continue
		}
		if p.Size[d] != 1 {
			break
		}
	}
	if j != len(out.Shape) || int64(product(p.Size)) != out.NumElements() {
		return nil, format.Malformed(path, "output shape %v does not match the slice sizes %v", out.Shape, p.Size)
	}
	strides := elemStrides(in.Shape)
	offs := make([][]int, rank)
	for d := 0; d < rank; d++ {
		n, b, s, dim := int(p.Size[d]), int64(p.Begin[d]), int64(p.Stride[d]), int64(in.Shape[d])
		if n < 0 {
			return nil, format.Malformed(path+" / params", "size %d of dimension %d is negative", n, d)
		}
		if n > 0 {
			lastPos := b + int64(n-1)*s
			if b < 0 || b >= dim || lastPos < 0 || lastPos >= dim {
				return nil, format.Malformed(path+" / params", "dimension %d: begin %d, stride %d, size %d leave the input's [0, %d)", d, b, s, n, dim)
			}
		}
		offs[d] = make([]int, n)
		for i := range offs[d] {
			offs[d][i] = int(b+int64(i)*s) * strides[d]
		}
	}
	return newGridCopy(op.Inputs[0], op.Outputs[0], in.DType.Size(), offs, int(in.ByteSize()), path)
}
