package ops

import (
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/asm"
	"github.com/edgerun/edgerun/format"
)

// The one kernel runner every op test uses (TFLite Micro's KernelRunner):
// build a one-op format.Model (the test), prepare op 0, run Eval on the
// given inputs and return the output bytes, checking on the way what every
// kernel owes the runtime:
//   - it writes nothing past its output or its scratch (guard bytes after
//     both, within the slices' capacity, so that Go's bounds checks would
//     not catch a re-slice past len);
//   - it reads nothing from scratch it did not write (scratch starts as
//     garbage, misaligned by one byte), and a second Eval gives the same
//     bytes;
//   - it leaves its inputs alone and allocates nothing;
//   - if it is Splittable, every split of its units (halves, one unit at
//     a time) gives the same bytes as Eval.
// forEachImpl runs a test under every registered asm implementation.

// runnerGuard is the value of the guard bytes after outputs and scratch.
const runnerGuard = 0x5a

// runnerGuardLen is the number of guard bytes.
const runnerGuardLen = 32

// runKernel prepares op 0 of m and runs it (see above) on inputs, one per
// non-constant input tensor of the op in order (constant tensors, such as
// filters and biases, come from the model), and returns its output 0.
// Inputs and the output are the tensors' bytes (Int16s views int16 ones).
func runKernel(t testing.TB, m *format.Model, inputs ...[]int8) []int8 {
	t.Helper()
	k, err := Prepare(m, 0)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	out := runPrepared(t, k, m, inputs...)
	if f, ok := k.(ScratchFitter); ok {
		// The strategies for less scratch give the same bytes: the lean
		// size, and halfway to what the kernel prefers.
		lo, hi := f.LeanScratchBytes(), f.ScratchBytes()
		if lo > hi {
			t.Fatalf("LeanScratchBytes %d above ScratchBytes %d", lo, hi)
		}
		for _, n := range []int{lo, lo + (hi-lo)/2} {
			k2, err := Prepare(m, 0)
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			k2.(ScratchFitter).FitScratch(n)
			if got := k2.(ScratchUser).ScratchBytes(); got > n {
				t.Fatalf("FitScratch(%d): ScratchBytes %d", n, got)
			}
			got := runPrepared(t, k2, m, inputs...)
			for i := range out {
				if got[i] != out[i] {
					t.Fatalf("with FitScratch(%d) (prefers %d): output %d = %d, want %d", n, hi, i, got[i], out[i])
				}
			}
		}
	}
	return out
}

// runPrepared is runKernel for a kernel already prepared from op 0 of m.
func runPrepared(t testing.TB, k Kernel, m *format.Model, inputs ...[]int8) []int8 {
	t.Helper()
	r := newKernelRun(t, k, m, inputs...)
	k.Eval(r.env)
	r.check(t)
	first := append([]int8(nil), r.out...)
	r.garble()
	k.Eval(r.env)
	r.check(t)
	r.same(t, first, "second Eval")
	if s, ok := k.(Splittable); ok && s.Units() > 1 {
		u := s.Units()
		r.garble()
		s.EvalRange(r.env, u/2, u)
		s.EvalRange(r.env, 0, u/2)
		r.check(t)
		r.same(t, first, "EvalRange in halves")
		r.garble()
		for i := u - 1; i >= 0; i-- {
			s.EvalRange(r.env, i, i+1)
		}
		r.check(t)
		r.same(t, first, "EvalRange unit by unit")
	}
	if n := testing.AllocsPerRun(1, func() { k.Eval(r.env) }); n != 0 {
		t.Fatalf("Eval allocates %v times", n)
	}
	return first
}

// kernelRun is the memory of one kernel under test.
type kernelRun struct {
	env        *Env
	out        []int8 // output 0, its capacity reaching the guard
	outBuf     []int8
	scratchBuf []byte      // one byte of misalignment, scratch, guard
	inputs     [][2][]int8 // per input: the tensor as given, the caller's copy
}

// newKernelRun lays out the tensors of op 0 of m for k (see runKernel).
func newKernelRun(t testing.TB, k Kernel, m *format.Model, inputs ...[]int8) *kernelRun {
	t.Helper()
	op := &m.Ops[0]
	r := &kernelRun{env: &Env{Tensors: make([][]int8, len(m.Tensors))}}
	next := 0
	for _, ti := range op.Inputs {
		if ti < 0 {
			continue
		}
		if tt := &m.Tensors[ti]; tt.IsConstant() {
			r.env.Tensors[ti] = Int8s(tt.Data)
			continue
		}
		if next >= len(inputs) {
			t.Fatalf("test bug: %d inputs for an op with more non-constant inputs", len(inputs))
		}
		in := inputs[next]
		next++
		if n := m.Tensors[ti].ByteSize(); int64(len(in)) != n {
			t.Fatalf("test bug: input %d has %d bytes, tensor %d has %d", next-1, len(in), ti, n)
		}
		buf := make([]int8, len(in)+runnerGuardLen)
		copy(buf, in)
		r.env.Tensors[ti] = buf[:len(in)]
		r.inputs = append(r.inputs, [2][]int8{buf[:len(in)], in})
	}
	if next != len(inputs) {
		t.Fatalf("test bug: %d inputs for an op with %d non-constant inputs", len(inputs), next)
	}
	n := int(m.Tensors[op.Outputs[0]].ByteSize()) // bytes, for outputs wider than int8
	r.outBuf = make([]int8, n+runnerGuardLen)
	r.out = r.outBuf[:n]
	r.env.Tensors[op.Outputs[0]] = r.out
	scratch := 0
	if s, ok := k.(ScratchUser); ok {
		scratch = s.ScratchBytes()
	}
	r.scratchBuf = make([]byte, 1+scratch+runnerGuardLen)
	r.env.Scratch = r.scratchBuf[1 : 1+scratch]
	r.garble()
	return r
}

// garble fills the output and the scratch with random bytes, and the
// guards with runnerGuard.
func (r *kernelRun) garble() {
	for i := range r.outBuf {
		r.outBuf[i] = int8(rand.IntN(256))
		if i >= len(r.out) {
			r.outBuf[i] = runnerGuard
		}
	}
	for i := range r.scratchBuf {
		r.scratchBuf[i] = byte(rand.IntN(256))
		if i > len(r.env.Scratch) {
			r.scratchBuf[i] = runnerGuard
		}
	}
}

// check fails if a guard byte or an input changed.
func (r *kernelRun) check(t testing.TB) {
	t.Helper()
	for i := len(r.out); i < len(r.outBuf); i++ {
		if r.outBuf[i] != runnerGuard {
			t.Fatalf("kernel wrote past its output: guard byte %d changed", i-len(r.out))
		}
	}
	for i := 1 + len(r.env.Scratch); i < len(r.scratchBuf); i++ {
		if r.scratchBuf[i] != runnerGuard {
			t.Fatalf("kernel wrote past its scratch: guard byte %d changed", i-1-len(r.env.Scratch))
		}
	}
	for j, in := range r.inputs {
		for i := range in[1] {
			if in[0][i] != in[1][i] {
				t.Fatalf("kernel modified input %d at %d", j, i)
			}
		}
	}
}

// same fails if the output differs from want.
func (r *kernelRun) same(t testing.TB, want []int8, what string) {
	t.Helper()
	for i := range want {
		if r.out[i] != want[i] {
			t.Fatalf("%s: output %d = %d, first Eval gave %d", what, i, r.out[i], want[i])
		}
	}
}

// forEachImpl runs f as a subtest per registered asm implementation,
// selected while f runs (kernels capture the selected implementation at
// prepare); implementations this machine cannot run are skipped with the
// reason.
func forEachImpl(t *testing.T, f func(t *testing.T, impl *asm.Impl)) {
	for _, impl := range asm.All() {
		t.Run(impl.Name, func(t *testing.T) {
			if !impl.Available {
				t.Skip(impl.Reason)
			}
			prev := asm.Selected().Name
			if err := asm.Select(impl.Name); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if err := asm.Select(prev); err != nil {
					t.Error(err)
				}
			})
			f(t, impl)
		})
	}
}

// benchKernel prepares op 0 of m and times its Eval on inputs (laid out
// as runKernel does) in b.Loop.
func benchKernel(b *testing.B, m *format.Model, inputs ...[]int8) {
	b.Helper()
	k, err := Prepare(m, 0)
	if err != nil {
		b.Fatalf("Prepare: %v", err)
	}
	env := newKernelRun(b, k, m, inputs...).env
	b.ReportAllocs()
	for b.Loop() {
		k.Eval(env)
	}
}
