package ops

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// The data-movement ops' runner: like runKernel, but on raw bytes (any
// element size) and every output. Each non-constant input and every
// output gets guard bytes; outputs start as garbage; Eval runs twice with
// the outputs garbled in between and must give the same bytes, leave the
// inputs and guards alone and allocate nothing. It returns the outputs and
// the error the kernel reported through Env.Err.

// mvTensor describes one tensor of a test model: data != nil makes a
// constant.
type mvTensor struct {
	dt    format.DType
	shape []int32
	data  []byte
}

// mvModel builds a one-op model of the tensors (inputs first, then
// outputs).
func mvModel(code format.OpCode, params format.OpParams, ins, outs []mvTensor) *format.Model {
	m := &format.Model{}
	op := format.Op{Code: code, Params: params}
	add := func(t mvTensor) int32 {
		ft := format.Tensor{Name: "t", DType: t.dt, Shape: t.shape, Data: t.data, ArenaOffset: -1}
		if t.data == nil {
			ft.ArenaOffset = 0
		}
		m.Tensors = append(m.Tensors, ft)
		return int32(len(m.Tensors) - 1)
	}
	for _, t := range ins {
		op.Inputs = append(op.Inputs, add(t))
	}
	for _, t := range outs {
		op.Outputs = append(op.Outputs, add(t))
	}
	m.Ops = []format.Op{op}
	return m
}

// runMove prepares op 0 of m and runs it on inputs (one per non-constant
// input, raw bytes).
func runMove(t testing.TB, m *format.Model, inputs ...[]byte) ([][]byte, error) {
	t.Helper()
	k, err := Prepare(m, 0)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	op := &m.Ops[0]
	env := &Env{Tensors: make([][]int8, len(m.Tensors))}
	guard := func(n int) []byte {
		b := make([]byte, n+runnerGuardLen)
		for i := n; i < len(b); i++ {
			b[i] = runnerGuard
		}
		return b
	}
	var inBufs, inCopies [][]byte
	next := 0
	for _, ti := range op.Inputs {
		tt := &m.Tensors[ti]
		if tt.IsConstant() {
			env.Tensors[ti] = Int8s(tt.Data)
			continue
		}
		if next >= len(inputs) || int64(len(inputs[next])) != tt.ByteSize() {
			t.Fatalf("test bug: input %d", next)
		}
		b := guard(len(inputs[next]))
		copy(b, inputs[next])
		env.Tensors[ti] = Int8s(b)[:len(inputs[next])]
		inBufs, inCopies = append(inBufs, b), append(inCopies, append([]byte(nil), b...))
		next++
	}
	if next != len(inputs) {
		t.Fatalf("test bug: %d inputs for %d", len(inputs), next)
	}
	outBufs := make([][]byte, len(op.Outputs))
	for j, to := range op.Outputs {
		n := int(m.Tensors[to].ByteSize())
		outBufs[j] = guard(n)
		env.Tensors[to] = Int8s(outBufs[j])[:n]
	}
	garble := func() {
		for j, to := range op.Outputs {
			for i := 0; i < len(env.Tensors[to]); i++ {
				outBufs[j][i] = byte(rand.IntN(256))
			}
		}
	}
	check := func() {
		t.Helper()
		for j, b := range outBufs {
			for i := len(env.Tensors[op.Outputs[j]]); i < len(b); i++ {
				if b[i] != runnerGuard {
					t.Fatalf("kernel wrote past output %d", j)
				}
			}
		}
		for i := range inBufs {
			if !bytes.Equal(inBufs[i], inCopies[i]) {
				t.Fatalf("kernel changed input %d", i)
			}
		}
	}
	garble()
	k.Eval(env)
	check()
	first := make([][]byte, len(outBufs))
	for j, to := range op.Outputs {
		first[j] = append([]byte(nil), outBufs[j][:len(env.Tensors[to])]...)
	}
	firstErr := env.Err
	env.Err = nil
	garble()
	k.Eval(env)
	check()
	for j, to := range op.Outputs {
		if !bytes.Equal(first[j], outBufs[j][:len(env.Tensors[to])]) {
			t.Fatalf("second Eval gave other bytes in output %d", j)
		}
	}
	if (env.Err == nil) != (firstErr == nil) {
		t.Fatalf("second Eval reported %v, first %v", env.Err, firstErr)
	}
	if n := testing.AllocsPerRun(1, func() { k.Eval(env) }); n != 0 {
		t.Fatalf("Eval allocates %v times", n)
	}
	return first, firstErr
}

// randBytes returns n random bytes.
func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return b
}

// elemSizes lists the element sizes every data-movement kernel is tested
// with, as dtypes.
var elemSizes = []format.DType{format.DTypeInt8, format.DTypeInt16, format.DTypeInt32, format.DTypeInt64}

// randShape returns a random shape of rank r with dimensions in [lo, hi].
func randShape(r *rand.Rand, rank, lo, hi int) []int32 {
	s := make([]int32, rank)
	for i := range s {
		s[i] = int32(lo + r.IntN(hi-lo+1))
	}
	return s
}

// unravel returns the multi-index of flat index i in shape.
func unravel(i int, shape []int32) []int {
	idx := make([]int, len(shape))
	for d := len(shape) - 1; d >= 0; d-- {
		n := int(shape[d])
		idx[d] = i % n
		i /= n
	}
	return idx
}

// ravel returns the flat index of idx in shape.
func ravel(idx []int, shape []int32) int {
	f := 0
	for d, v := range idx {
		f = f*int(shape[d]) + v
	}
	return f
}

// elem returns element i (es bytes) of b.
func elem(b []byte, i, es int) []byte { return b[i*es : i*es+es] }

// intBytes encodes values as int32 (size 4) or int64 (size 8).
func intBytes(size int, v ...int) []byte {
	var b []byte
	for _, x := range v {
		if size == 4 {
			b = binary.LittleEndian.AppendUint32(b, uint32(int32(x)))
		} else {
			b = binary.LittleEndian.AppendUint64(b, uint64(int64(x)))
		}
	}
	return b
}

// wantPrepareError checks that Prepare rejects op 0 of m.
func wantPrepareError(t *testing.T, m *format.Model, what string) {
	t.Helper()
	if _, err := Prepare(m, 0); err == nil {
		t.Errorf("%s: Prepare accepted it", what)
	}
}
