package ops

import "github.com/edgerun/edgerun/format"

// Layout operators on gridCopy (movement.go): each only builds the
// per-dimension offset tables of its output.

// movePair returns the data input 0 and output 0 of a data-movement op,
// checking the counts and that the dtypes agree.
func movePair(m *format.Model, op *format.Op, path string, minIn, maxIn int) (in, out *format.Tensor, err error) {
	if err = wantCounts(op, path, minIn, maxIn, 1); err != nil {
		return nil, nil, err
	}
	if in, err = dataOperand(m, op.Inputs, 0, "input", path); err != nil {
		return nil, nil, err
	}
	if out, err = dataOperand(m, op.Outputs, 0, "output", path); err != nil {
		return nil, nil, err
	}
	return in, out, sameDType(in, out, path)
}

// prepareResizeNearest: RESIZE_NEAREST_NEIGHBOR on [N, H, W, C] with the
// source row and column of every output row and column resolved at
// conversion.
func prepareResizeNearest(m *format.Model, op *format.Op, path string) (Kernel, error) {
	in, out, err := movePair(m, op, path, 1, 2)
	if err != nil {
		return nil, err
	}
	p, err := wantParams[format.ResizeNearestParams](op, path)
	if err != nil {
		return nil, err
	}
	if len(in.Shape) != 4 || len(out.Shape) != 4 || in.Shape[0] != out.Shape[0] || in.Shape[3] != out.Shape[3] ||
		len(p.YIndex) != int(out.Shape[1]) || len(p.XIndex) != int(out.Shape[2]) {
		return nil, format.Malformed(path, "input %v, output %v, %d rows and %d columns in params: want [N,H,W,C] both", in.Shape, out.Shape, len(p.YIndex), len(p.XIndex))
	}
	st := elemStrides(in.Shape)
	table := func(src []int32, dim int32, stride int) ([]int, error) {
		t := make([]int, len(src))
		for i, v := range src {
			if v < 0 || v >= dim {
				return nil, format.Malformed(path+" / params", "source index %d outside [0, %d)", v, dim)
			}
			t[i] = int(v) * stride
		}
		return t, nil
	}
	ys, err := table(p.YIndex, in.Shape[1], st[1])
	if err != nil {
		return nil, err
	}
	xs, err := table(p.XIndex, in.Shape[2], st[2])
	if err != nil {
		return nil, err
	}
	offs := [][]int{arange(int(in.Shape[0]), st[0]), ys, xs, arange(int(in.Shape[3]), 1)}
	return newGridCopy(op.Inputs[0], op.Outputs[0], in.DType.Size(), offs, int(in.ByteSize()), path)
}

// arange returns 0, step, 2·step, … (n values).
func arange(n, step int) []int {
	t := make([]int, n)
	for i := range t {
		t[i] = i * step
	}
	return t
}

// prepareBroadcastTo: BROADCAST_TO to the output's shape (the shape operand
// was checked against it at conversion): input dimensions align to the
// right; a size-1 input dimension repeats.
func prepareBroadcastTo(m *format.Model, op *format.Op, path string) (Kernel, error) {
	in, out, err := movePair(m, op, path, 1, 2)
	if err != nil {
		return nil, err
	}
	r, ri := len(out.Shape), len(in.Shape)
	if ri > r {
		return nil, format.Malformed(path, "input shape %v has more dimensions than output shape %v", in.Shape, out.Shape)
	}
	st := elemStrides(in.Shape)
	offs := make([][]int, r)
	for d := 0; d < r; d++ {
		n := int(out.Shape[d])
		di := d - (r - ri)
		switch {
		case di < 0 || in.Shape[di] == 1:
			offs[d] = make([]int, n)
		case in.Shape[di] == out.Shape[d]:
			offs[d] = arange(n, st[di])
		default:
			return nil, format.Malformed(path, "input shape %v does not broadcast to %v", in.Shape, out.Shape)
		}
	}
	return newGridCopy(op.Inputs[0], op.Outputs[0], in.DType.Size(), offs, int(in.ByteSize()), path)
}

// prepareMirrorPad: MIRROR_PAD with PadParams (Value 1: REFLECT, the edge
// not repeated; 0: SYMMETRIC, the edge repeated). Output index o of a
// dimension of size n reads i = o − before, mirrored at the edges:
// i < 0 → −i − 1 + Value, i >= n → 2n − 1 − i − Value (TFLite's
// GetInputDimension). Each side pads at most n − Value.
func prepareMirrorPad(m *format.Model, op *format.Op, path string) (Kernel, error) {
	in, out, err := movePair(m, op, path, 1, 2)
	if err != nil {
		return nil, err
	}
	p, err := wantParams[format.PadParams](op, path)
	if err != nil {
		return nil, err
	}
	r := len(in.Shape)
	if len(p.Before) != r || len(p.After) != r || len(out.Shape) != r || (p.Value != 0 && p.Value != 1) {
		return nil, format.Malformed(path+" / params", "%d/%d paddings, mode %d, for input %v and output %v", len(p.Before), len(p.After), p.Value, in.Shape, out.Shape)
	}
	st := elemStrides(in.Shape)
	offs := make([][]int, r)
	for d := 0; d < r; d++ {
		n, b, a := int64(in.Shape[d]), int64(p.Before[d]), int64(p.After[d])
		// Each side pads at most n - offset (REFLECT: n - 1).
		limit := n - int64(p.Value)
		if b < 0 || a < 0 || b > limit || a > limit || n+b+a != int64(out.Shape[d]) {
			return nil, format.Malformed(path+" / params", "dimension %d: paddings %d, %d for size %d (at most %d each), output %d", d, b, a, n, limit, out.Shape[d])
		}
		offs[d] = make([]int, out.Shape[d])
		for o := range offs[d] {
			i := int64(o) - b
			if i < 0 {
				i = -i - 1 + int64(p.Value)
			} else if i >= n {
				i = 2*n - 1 - i - int64(p.Value)
			}
			offs[d][o] = int(i) * st[d]
		}
	}
	return newGridCopy(op.Inputs[0], op.Outputs[0], in.DType.Size(), offs, int(in.ByteSize()), path)
}

// prepareDepthToSpace: [N, H, W, C·b²] → [N, H·b, W·b, C]: output
// (n, h·b+y, w·b+x, c) is input (n, h, w, (y·b+x)·C + c), a grid over
// (n, h, y, w, x, c).
func prepareDepthToSpace(m *format.Model, op *format.Op, path string) (Kernel, error) {
	in, out, err := movePair(m, op, path, 1, 1)
	if err != nil {
		return nil, err
	}
	b, err := blockSize(op, path, in, out)
	if err != nil {
		return nil, err
	}
	n, h, w, cin := int(in.Shape[0]), int(in.Shape[1]), int(in.Shape[2]), int(in.Shape[3])
	c := cin / (b * b)
	if cin%(b*b) != 0 || !sameShape(out.Shape, []int32{int32(n), int32(h * b), int32(w * b), int32(c)}) {
		return nil, format.Malformed(path, "input %v, block %d, output %v", in.Shape, b, out.Shape)
	}
	offs := [][]int{arange(n, h*w*cin), arange(h, w*cin), arange(b, b*c), arange(w, cin), arange(b, c), arange(c, 1)}
	return newGridCopy(op.Inputs[0], op.Outputs[0], in.DType.Size(), offs, int(in.ByteSize()), path)
}

// prepareSpaceToDepth: [N, H·b, W·b, C] → [N, H, W, C·b²], the inverse:
// output (n, h, w, (y·b+x)·C + c) is input (n, h·b+y, w·b+x, c).
func prepareSpaceToDepth(m *format.Model, op *format.Op, path string) (Kernel, error) {
	in, out, err := movePair(m, op, path, 1, 1)
	if err != nil {
		return nil, err
	}
	b, err := blockSize(op, path, in, out)
	if err != nil {
		return nil, err
	}
	n, hin, win, c := int(in.Shape[0]), int(in.Shape[1]), int(in.Shape[2]), int(in.Shape[3])
	h, w := hin/b, win/b
	if hin%b != 0 || win%b != 0 || !sameShape(out.Shape, []int32{int32(n), int32(h), int32(w), int32(c * b * b)}) {
		return nil, format.Malformed(path, "input %v, block %d, output %v", in.Shape, b, out.Shape)
	}
	offs := [][]int{arange(n, hin*win*c), arange(h, b*win*c), arange(w, b*c), arange(b, win*c), arange(b, c), arange(c, 1)}
	return newGridCopy(op.Inputs[0], op.Outputs[0], in.DType.Size(), offs, int(in.ByteSize()), path)
}

// blockSize checks the 4-D shapes and returns the block size of a
// DEPTH_TO_SPACE / SPACE_TO_DEPTH.
func blockSize(op *format.Op, path string, in, out *format.Tensor) (int, error) {
	p, err := wantParams[format.BlockParams](op, path)
	if err != nil {
		return 0, err
	}
	if len(p.Block) != 1 || p.Block[0] < 1 || len(p.Before) != 0 || len(p.After) != 0 {
		return 0, format.Malformed(path+" / params", "block %v, before %v, after %v: want one block size >= 1", p.Block, p.Before, p.After)
	}
	if len(in.Shape) != 4 || len(out.Shape) != 4 {
		return 0, format.Malformed(path, "input %v, output %v: want 4 dimensions", in.Shape, out.Shape)
	}
	return int(p.Block[0]), nil
}

// spaceBatch checks the shapes of SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND
// (rank 3 [B, H, C] or 4 [B, H, W, C], one block entry per spatial
// dimension) and returns them as 4-D (W = 1, block 1 for rank 3), with
// the block and the paddings/crops.
func spaceBatch(op *format.Op, path string, in, out *format.Tensor) (ins, outs [4]int, block, before, after [2]int, err error) {
	p, err := wantParams[format.BlockParams](op, path)
	if err != nil {
		return
	}
	r := len(in.Shape)
	if (r != 3 && r != 4) || len(out.Shape) != r || len(p.Block) != r-2 || len(p.Before) != r-2 || len(p.After) != r-2 {
		err = format.Malformed(path, "input %v, output %v, block %v, before %v, after %v", in.Shape, out.Shape, p.Block, p.Before, p.After)
		return
	}
	ins, outs = [4]int{1, 1, 1, 1}, [4]int{1, 1, 1, 1}
	block = [2]int{1, 1}
	at := [4]int{0, 1, 2, 3}
	if r == 3 {
		at = [4]int{0, 1, -1, 2}
	}
	for d, a := range at {
		if a >= 0 {
			ins[d], outs[d] = int(in.Shape[a]), int(out.Shape[a])
		}
	}
	for s := 0; s < r-2; s++ {
		block[s], before[s], after[s] = int(p.Block[s]), int(p.Before[s]), int(p.After[s])
		if block[s] < 1 || before[s] < 0 || after[s] < 0 {
			err = format.Malformed(path+" / params", "block %v, before %v, after %v", p.Block, p.Before, p.After)
			return
		}
	}
	return
}

// prepareBatchToSpace: BATCH_TO_SPACE_ND, [B·bh·bw, H, W, C] → [B,
// H·bh − crops, W·bw − crops, C]: output (b, y, x, c), with y + cropTop =
// h·bh + by and x + cropLeft = w·bw + bx, is input ((by·bw + bx)·B + b, h,
// w, c), which separates into a row table and a column table.
func prepareBatchToSpace(m *format.Model, op *format.Op, path string) (Kernel, error) {
	in, out, err := movePair(m, op, path, 1, 3)
	if err != nil {
		return nil, err
	}
	ins, outs, block, crop0, crop1, err := spaceBatch(op, path, in, out)
	if err != nil {
		return nil, err
	}
	bh, bw := block[0], block[1]
	batch := ins[0] / (bh * bw)
	if ins[0]%(bh*bw) != 0 || outs[0] != batch || outs[3] != ins[3] ||
		outs[1] != ins[1]*bh-crop0[0]-crop1[0] || outs[2] != ins[2]*bw-crop0[1]-crop1[1] || outs[1] < 0 || outs[2] < 0 {
		return nil, format.Malformed(path, "input %v, block %v, crops %v %v, output %v", in.Shape, block, crop0, crop1, out.Shape)
	}
	img := ins[1] * ins[2] * ins[3]
	rows, cols := make([]int, outs[1]), make([]int, outs[2])
	for y := range rows {
		h, by := (y+crop0[0])/bh, (y+crop0[0])%bh
		rows[y] = by*bw*batch*img + h*ins[2]*ins[3]
	}
	for x := range cols {
		w, bx := (x+crop0[1])/bw, (x+crop0[1])%bw
		cols[x] = bx*batch*img + w*ins[3]
	}
	offs := [][]int{arange(batch, img), rows, cols, arange(ins[3], 1)}
	return newGridCopy(op.Inputs[0], op.Outputs[0], in.DType.Size(), offs, int(in.ByteSize()), path)
}

// spaceToBatchKernel is SPACE_TO_BATCH_ND, [B, H, W, C] → [B·bh·bw,
// (H+pads)/bh, (W+pads)/bw, C]: output batch (by·bw + bx)·B + b, pixel
// (y, x) is padded-input pixel (y·bh + by, x·bw + bx); the padding is the
// raw value 0 (TFLite Micro's kernel pads with 0, not the zero point).
type spaceToBatchKernel struct {
	in, out             int32
	batch, bh, bw       int
	ih, iw, oh, ow, pix int // pix: bytes per pixel
	padTop, padLeft     int
}

func prepareSpaceToBatch(m *format.Model, op *format.Op, path string) (Kernel, error) {
	in, out, err := movePair(m, op, path, 1, 3)
	if err != nil {
		return nil, err
	}
	ins, outs, block, pad0, pad1, err := spaceBatch(op, path, in, out)
	if err != nil {
		return nil, err
	}
	bh, bw := block[0], block[1]
	ph, pw := ins[1]+pad0[0]+pad1[0], ins[2]+pad0[1]+pad1[1]
	if ph%bh != 0 || pw%bw != 0 || outs[0] != ins[0]*bh*bw || outs[1] != ph/bh || outs[2] != pw/bw || outs[3] != ins[3] {
		return nil, format.Malformed(path, "input %v, block %v, paddings %v %v, output %v", in.Shape, block, pad0, pad1, out.Shape)
	}
	return &spaceToBatchKernel{in: op.Inputs[0], out: op.Outputs[0], batch: ins[0], bh: bh, bw: bw,
		ih: ins[1], iw: ins[2], oh: outs[1], ow: outs[2], pix: ins[3] * in.DType.Size(),
		padTop: pad0[0], padLeft: pad0[1]}, nil
}

func (k *spaceToBatchKernel) Eval(env *Env) {
	in, out := env.Tensors[k.in], env.Tensors[k.out]
	pix, o := k.pix, 0
	rowBytes := k.ow * pix
	for by := 0; by < k.bh; by++ {
		for bx := 0; bx < k.bw; bx++ {
			for b := 0; b < k.batch; b++ {
				for y := 0; y < k.oh; y++ {
					dst := out[o : o+rowBytes]
					o += rowBytes
					iy := y*k.bh + by - k.padTop
					if iy < 0 || iy >= k.ih {
						clear(dst)
						continue
					}
					src := in[(b*k.ih+iy)*k.iw*pix:][:k.iw*pix]
					for x := 0; x < k.ow; x++ {
						ix := x*k.bw + bx - k.padLeft
						d := dst[x*pix : x*pix+pix]
						if ix < 0 || ix >= k.iw {
							clear(d)
						} else {
							copy(d, src[ix*pix:ix*pix+pix])
						}
					}
				}
			}
		}
	}
}
