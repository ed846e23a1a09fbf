package ops

import (
	"fmt"
	"math"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// The data-movement operators (GATHER, STRIDED_SLICE, PACK, …) copy
// elements without looking at them, so their kernels work on raw bytes:
// one kernel serves every element size (int8, int16, int32, …), the
// element size folded into byte counts at prepare. TFLite Micro's kernels
// copy raw values too, whatever the input and output quantization.

// dataOperand returns tensor k of list (the op's inputs or outputs): present,
// of a dtype with a size.
func dataOperand(m *format.Model, list []int32, k int, what, path string) (*format.Tensor, error) {
	if k >= len(list) {
		return nil, format.Malformed(path, "missing %s %d (op has %d)", what, k, len(list))
	}
	idx := list[k]
	if idx < 0 || int(idx) >= len(m.Tensors) {
		return nil, format.Malformed(fmt.Sprintf("%s / %s %d", path, what, k), "tensor index %d out of range", idx)
	}
	t := &m.Tensors[idx]
	if t.DType.Size() == 0 {
		return nil, format.Malformed(fmt.Sprintf("%s / %s %d", path, what, k), "tensor %d has no valid dtype", idx)
	}
	return t, nil
}

// sameDType checks that out has in's dtype (a copy keeps the bytes).
func sameDType(in, out *format.Tensor, path string) error {
	if in.DType != out.DType {
		return format.Malformed(path, "input is %s, output %s: a data-movement op keeps the dtype", in.DType, out.DType)
	}
	return nil
}

// elemStrides returns the element stride of every dimension of shape
// (row-major).
func elemStrides(shape []int32) []int {
	s := make([]int, len(shape))
	acc := 1
	for d := len(shape) - 1; d >= 0; d-- {
		s[d] = acc
		acc *= int(shape[d])
	}
	return s
}

// product returns the product of dims (1 for none).
func product(dims []int32) int {
	n := 1
	for _, d := range dims {
		n *= int(d)
	}
	return n
}

// indexInt reads element i of an int32 (size 4) or int64 (size 8) tensor's
// bytes, little-endian; int64 values saturate to the int32 range (beyond any
// position; an int on every target).
func indexInt(b []int8, i, size int) int {
	if size == 4 {
		p := b[4*i : 4*i+4]
		return int(int32(uint32(uint8(p[0])) | uint32(uint8(p[1]))<<8 | uint32(uint8(p[2]))<<16 | uint32(uint8(p[3]))<<24))
	}
	p := b[8*i : 8*i+8]
	v := int64(uint64(uint8(p[0])) | uint64(uint8(p[1]))<<8 | uint64(uint8(p[2]))<<16 | uint64(uint8(p[3]))<<24 |
		uint64(uint8(p[4]))<<32 | uint64(uint8(p[5]))<<40 | uint64(uint8(p[6]))<<48 | uint64(uint8(p[7]))<<56)
	return int(min(max(v, math.MinInt32), math.MaxInt32))
}

// indexOperand checks an index tensor: int32 or int64, and returns its
// element size and, when it is a constant, its values.
func indexOperand(t *format.Tensor, path string) (size int, values []int, err error) {
	switch t.DType {
	case format.DTypeInt32, format.DTypeInt64:
	default:
		return 0, nil, format.Malformed(path, "indices are %s, want int32 or int64", t.DType)
	}
	size = t.DType.Size()
	if !t.IsConstant() {
		return size, nil, nil
	}
	n := t.NumElements()
	if int64(len(t.Data)) != n*int64(size) {
		return 0, nil, format.Malformed(path, "constant of %d bytes for %d %s elements", len(t.Data), n, t.DType)
	}
	data := Int8s(t.Data)
	values = make([]int, n)
	for i := range values {
		values[i] = indexInt(data, i, size)
	}
	return size, values, nil
}

// gridCopy copies an input to a row-major output over a grid: output
// element (i0, i1, …) is the input element at byte offset Σ offs[d][i_d].
// Trailing dimensions along which the input is contiguous are folded into
// one run of bytes copied at a time (row copies, not element loops);
// what remains is walked as an odometer. It serves STRIDED_SLICE, SLICE,
// REVERSE_V2, BROADCAST_TO, MIRROR_PAD, RESIZE_NEAREST_NEIGHBOR,
// DEPTH_TO_SPACE, SPACE_TO_DEPTH and BATCH_TO_SPACE_ND.
type gridCopy struct {
	in, out int32
	impl    *asm.Impl
	run     int     // bytes per copy
	base    int     // byte offset of output element 0
	offs    [][]int // per remaining dimension, byte offset of each index
	// step > 0: the last remaining dimension's offsets are an arithmetic
	// progression of this step (one CopyRows call per row).
	step int
	// block[d] is the output bytes of one index of remaining dimension d.
	block []int
	total int // output bytes
	maxIn int // one past the largest input byte read (checked at prepare)
}

// newGridCopy builds a gridCopy of elements of es bytes from per-dimension
// element offsets (offs[d][i] for output index i of dimension d) and checks
// that every read lies inside inBytes.
func newGridCopy(in, out int32, es int, offs [][]int, inBytes int, path string) (*gridCopy, error) {
	k := &gridCopy{in: in, out: out, impl: asm.Selected(), run: es}
	// Byte offsets; the largest read is Σ max offs + es.
	maxOff, total := 0, es
	bytes := make([][]int, 0, len(offs))
	for _, o := range offs {
		if len(o) == 0 {
			k.total = 0
			return k, nil
		}
		b := make([]int, len(o))
		hi := 0
		for i, v := range o {
			if v < 0 {
				return nil, format.Malformed(path, "reads before the input's start")
			}
			b[i] = v * es
			hi = max(hi, v)
		}
		maxOff += hi
		total *= len(o)
		bytes = append(bytes, b)
	}
	if maxOff*es+es > inBytes {
		return nil, format.Malformed(path, "reads past the input's %d bytes", inBytes)
	}
	k.total, k.maxIn = total, maxOff*es+es
	// Each dimension's first offset goes into base, so that every table
	// starts at 0; then contiguous trailing dimensions fold into the run
	// and size-1 dimensions disappear.
	for _, b := range bytes {
		k.base += b[0]
		for i := len(b) - 1; i >= 0; i-- {
			b[i] -= b[0]
		}
	}
	for len(bytes) > 0 {
		last := bytes[len(bytes)-1]
		contiguous := true
		for i, v := range last {
			if v != i*k.run {
				contiguous = false
				break
			}
		}
		if !contiguous {
			break
		}
		k.run *= len(last)
		bytes = bytes[:len(bytes)-1]
	}
	for _, b := range bytes {
		if len(b) > 1 {
			k.offs = append(k.offs, b)
		}
	}
	if len(k.offs) == 0 {
		k.offs = [][]int{{0}}
	}
	if len(k.offs) > maxLayoutRank {
		return nil, &format.UnsupportedOpError{Op: "data movement", Index: -1,
			Reason: fmt.Sprintf("%s: %d dimensions after merging (at most %d supported)", path, len(k.offs), maxLayoutRank)}
	}
	k.block = make([]int, len(k.offs))
	for d, blk := len(k.offs)-1, k.run; d >= 0; d-- {
		k.block[d] = blk
		blk *= len(k.offs[d])
	}
	last := k.offs[len(k.offs)-1]
	if len(last) > 1 {
		k.step = last[1] - last[0]
		for i := range last {
			if last[i]-last[0] != i*k.step {
				k.step = 0
				break
			}
		}
		if k.step < 0 {
			k.step = 0
		}
	}
	return k, nil
}

func (k *gridCopy) Eval(env *Env) {
	if k.total == 0 {
		return
	}
	in, out := env.Tensors[k.in][:k.maxIn], env.Tensors[k.out][:k.total]
	rank := len(k.offs)
	last := k.offs[rank-1]
	var idx [maxLayoutRank]int
	base := k.base
	run, n := k.run, len(last)
	for p := 0; p < len(out); {
		dst := out[p : p+run*n]
		if k.step > 0 {
			k.impl.CopyRows(dst, run, in[base:], k.step, run, n)
		} else {
			copyRuns(dst, in, last, base, run)
		}
		p += run * n
		// Advance the odometer. A dimension whose next index reads the
		// same input as the one just finished (RESIZE_NEAREST_NEIGHBOR's
		// repeated rows, BROADCAST_TO) repeats the output block just
		// written: one memmove instead of recomputing it.
		for d := rank - 2; d >= 0; d-- {
			o := k.offs[d]
			base -= o[idx[d]]
			idx[d]++
			for blk := k.block[d]; idx[d] < len(o) && o[idx[d]] == o[idx[d]-1]; idx[d]++ {
				copy(out[p:p+blk], out[p-blk:p])
				p += blk
			}
			if idx[d] < len(o) {
				base += o[idx[d]]
				break
			}
			idx[d] = 0
		}
	}
}

// copyRuns copies run bytes from in[base+o] for each o of offs to dst,
// one after another; fixed-size moves for the short runs of
// channel-minor layouts.
func copyRuns(dst, in []int8, offs []int, base, run int) {
	switch run {
	case 1:
		for i, o := range offs {
			dst[i] = in[base+o]
		}
	case 2:
		for i, o := range offs {
			*(*[2]int8)(dst[2*i:]) = *(*[2]int8)(in[base+o:])
		}
	case 3:
		for i, o := range offs {
			*(*[3]int8)(dst[3*i:]) = *(*[3]int8)(in[base+o:])
		}
	case 4:
		for i, o := range offs {
			*(*[4]int8)(dst[4*i:]) = *(*[4]int8)(in[base+o:])
		}
	case 8:
		for i, o := range offs {
			*(*[8]int8)(dst[8*i:]) = *(*[8]int8)(in[base+o:])
		}
	case 16:
		for i, o := range offs {
			*(*[16]int8)(dst[16*i:]) = *(*[16]int8)(in[base+o:])
		}
	default:
		for i, o := range offs {
			copy(dst[i*run:i*run+run], in[base+o:base+o+run])
		}
	}
}

// movementPreparers are the data-movement ops' kernels (added to
// preparers).
var movementPreparers = map[format.OpCode]preparer{
	format.OpStridedSlice: prepareSlice,
	format.OpSlice:        prepareSlice,
	format.OpReverseV2:    prepareSlice,

	format.OpGather:          prepareGather,
	format.OpGatherND:        prepareGatherND,
	format.OpEmbeddingLookup: prepareEmbeddingLookup,

	format.OpPack:   preparePack,
	format.OpUnpack: prepareSplit,
	format.OpSplit:  prepareSplit,
	format.OpSplitV: prepareSplit,

	format.OpResizeNearestNeighbor: prepareResizeNearest,
	format.OpBroadcastTo:           prepareBroadcastTo,
	format.OpMirrorPad:             prepareMirrorPad,
	format.OpDepthToSpace:          prepareDepthToSpace,
	format.OpSpaceToDepth:          prepareSpaceToDepth,
	format.OpBatchToSpaceND:        prepareBatchToSpace,
	format.OpSpaceToBatchND:        prepareSpaceToBatch,

	format.OpFill:               prepareFill,
	format.OpZerosLike:          prepareZerosLike,
	format.OpDynamicUpdateSlice: prepareDynamicUpdateSlice,
}
