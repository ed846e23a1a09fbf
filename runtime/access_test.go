package runtime

import (
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/edgerun/edgerun/ops"
)

// TestRangeAccessCoversEvalRange checks the contract the row dataflow
// relies on (ops.RangeAccessor): a part of a split op reads only the
// bytes its Access names and writes only those it names as written. Over
// every model of the visible and real-model conformance sets (convs and
// depthwise convs with every stride, dilation and padding, ADD and MUL),
// each part of 2, 3 and 5 runs on tensors whose bytes outside the ranges
// it reads are random, and must give the bytes the whole op gives, inside
// its write ranges, and leave every other byte of its tensors alone.
func TestRangeAccessCoversEvalRange(t *testing.T) {
	var files []string
	for _, set := range []string{"visible/models", "models/models"} {
		f, _ := filepath.Glob(filepath.Join("../../shared/conformance", set, "*.tflite"))
		files = append(files, f...)
	}
	if len(files) == 0 {
		t.Skip("conformance sets not found at ../../shared/conformance (CI provides them)")
	}
	r := rand.New(rand.NewPCG(1, 2))
	checked := 0
	for _, file := range files {
		m, err := LoadFile(file)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		it, err := NewInterpreter(m, &Options{Threads: 1})
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for k, sp := range m.split {
			ra, ok := sp.(ops.RangeAccessor)
			if sp == nil || !ok {
				continue
			}
			checked++
			checkRangeAccess(t, it, k, sp, ra, r, filepath.Base(file))
		}
		it.Close()
	}
	if checked < 100 {
		t.Fatalf("only %d ops checked", checked)
	}
	t.Logf("%d split ops checked in %d models", checked, len(files))
}

func checkRangeAccess(t *testing.T, it *Interpreter, k int, sp ops.Splittable, ra ops.RangeAccessor, r *rand.Rand, name string) {
	t.Helper()
	op := &it.model.graph.Ops[k]
	tensors := append(append([]int32{}, op.Inputs...), op.Outputs...)
	env := &it.env
	env.Scratch = it.scratch[k]
	// Random inputs, the whole op's output as the reference.
	for _, ti := range op.Inputs {
		if ti >= 0 && !it.model.graph.Tensors[ti].IsConstant() {
			fill(r, env.Tensors[ti])
		}
	}
	want := map[int32][]int8{}
	for _, ti := range tensors {
		if ti >= 0 {
			want[ti] = append([]int8(nil), env.Tensors[ti]...)
		}
	}
	sp.Eval(env)
	for _, ti := range op.Outputs {
		want[ti] = append([]int8(nil), env.Tensors[ti]...)
	}
	units := sp.Units()
	for _, n := range []int{2, 3, 5} {
		task := poolTask{units: units}
		for p := range n {
			lo, hi := task.part(p, n)
			if lo >= hi {
				continue
			}
			acc := ra.Access(lo, hi, nil)
			covered := func(ti int32, i int, write bool) bool {
				for _, a := range acc {
					if a.Tensor == ti && (a.Write || !write) && (a.Hi < 0 || i >= a.Lo && i < a.Hi) {
						return true
					}
				}
				return false
			}
			// Every byte this part may not read is random; every
			// output byte it may not write is a known junk value.
			before := map[int32][]int8{}
			for _, ti := range tensors {
				if ti < 0 || it.model.graph.Tensors[ti].IsConstant() {
					continue
				}
				b := env.Tensors[ti]
				copy(b, want[ti])
				for i := range b {
					if !covered(ti, i, false) {
						b[i] = int8(r.Uint32())
					}
				}
				before[ti] = append([]int8(nil), b...)
			}
			sp.EvalRange(env, lo, hi)
			for ti, b := range before {
				got := env.Tensors[ti]
				for i := range got {
					if covered(ti, i, true) {
						if got[i] != want[ti][i] {
							t.Fatalf("%s op %d (%s) part [%d,%d) of %d: tensor %d byte %d = %d, whole op gives %d (reads outside its Access?)",
								name, k, it.model.graph.Ops[k].Code, lo, hi, units, ti, i, got[i], want[ti][i])
						}
					} else if got[i] != b[i] {
						t.Fatalf("%s op %d (%s) part [%d,%d) of %d: wrote tensor %d byte %d outside its Access",
							name, k, it.model.graph.Ops[k].Code, lo, hi, units, ti, i)
					}
				}
			}
		}
	}
}

func fill(r *rand.Rand, b []int8) {
	for i := range b {
		b[i] = int8(r.Uint32())
	}
}
