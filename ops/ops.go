// Package ops holds edgerun's kernels. Each operator is split in two:
//
//   - prepare (at model load): validate the op against its tensors' shapes,
//     dtypes and parameters, and precompute everything the kernel needs
//     (dimensions, decoded int32 biases, tables). The result is a Kernel:
//     immutable, shared by every interpreter of the model.
//   - eval (inside Invoke): tight integer loops over the prepared data, with
//     no allocation, no validation and no floating point.
package ops

import (
	"fmt"
	"unsafe"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// Env is what a kernel reads and writes during Eval.
type Env struct {
	// Tensors holds one int8 view per tensor of the model, indexed by tensor
	// index: activations point into the interpreter's arena, constants into
	// the model's data. Views of int32 constants are not used by kernels
	// (they decode them at prepare).
	Tensors [][]int8
	// Scratch is the running kernel's scratch memory: at least its
	// ScratchBytes, 16-byte aligned. The runtime places it, op by op, in
	// the arena memory that no live tensor uses while the op runs.
	Scratch []byte
	// Err is where a kernel reports operands it can only check while
	// running (positions read from an int32 input: GATHER, GATHER_ND,
	// EMBEDDING_LOOKUP): it stores an error value made at prepare (no
	// allocation), writes its whole output anyway (in-range bytes), and
	// Invoke returns the error. Only non-splittable kernels set it.
	Err error
}

// Kernel is a prepared operator.
type Kernel interface {
	// Eval runs the op. It must not allocate or fail: everything that can
	// go wrong was checked at prepare, except positions read from an input
	// tensor, which a kernel reports through Env.Err.
	Eval(env *Env)
}

// Splittable is implemented by kernels whose work divides into Units()
// independent parts (for example output rows) that may run on several
// goroutines at once. EvalRange computes parts [lo, hi); any split gives
// exactly the bytes Eval gives. Concurrent callers share env.Tensors but
// each passes its own Scratch. Eval must equal EvalRange(env, 0, Units()).
type Splittable interface {
	Kernel
	Units() int
	EvalRange(env *Env, lo, hi int)
}

// ScratchUser is implemented by kernels that need scratch memory.
type ScratchUser interface {
	ScratchBytes() int
}

// ScratchFitter is implemented by kernels that can trade speed for
// scratch: LeanScratchBytes is the least they run with at close to full
// speed (for example one row at a time rather than a whole padded image).
// The runtime calls FitScratch(n), with n >= LeanScratchBytes(), once,
// before the model is shared and any Eval: the kernel takes its fastest
// strategy that needs at most n bytes, and ScratchBytes then reports what
// that strategy uses. Every strategy computes the same bytes.
type ScratchFitter interface {
	ScratchUser
	LeanScratchBytes() int
	FitScratch(n int)
}

// preparer validates op and builds its kernel. path prefixes error paths.
type preparer func(m *format.Model, op *format.Op, path string) (Kernel, error)

// Prepare validates op number i of m and returns its kernel. Errors wrap
// format.ErrMalformedModel (the op does not fit its tensors) or
// format.ErrUnsupportedOp.
func Prepare(m *format.Model, i int) (Kernel, error) {
	if i < 0 || i >= len(m.Ops) {
		return nil, fmt.Errorf("ops: op index %d out of range", i)
	}
	op := &m.Ops[i]
	path := fmt.Sprintf("op %d %s", i, op.Code)
	p, ok := preparers[op.Code]
	if !ok {
		return nil, &format.UnsupportedOpError{Op: op.Code.String(), Index: i}
	}
	return p(m, op, path)
}

// Int8s views b as []int8 without copying.
func Int8s(b []byte) []int8 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*int8)(unsafe.Pointer(&b[0])), len(b))
}

// int32Scratch views n int32s of b, starting at its first 4-byte aligned
// byte: kernels that keep int32s in scratch ask for 3 bytes of slack.
func int32Scratch(b []byte, n int) []int32 {
	if n == 0 {
		return nil
	}
	skip := int((4 - uintptr(unsafe.Pointer(unsafe.SliceData(b)))%4) % 4)
	b = b[skip : skip+4*n]
	return unsafe.Slice((*int32)(unsafe.Pointer(&b[0])), n)
}

// KernelsDescription says which kernel implementation models loaded now
// use, and why.
func KernelsDescription() string { return asm.Describe() }
