package conformance

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/runtime"
)

// sharedDir is where CI (and developers) keep the shared conformance set.
const sharedDir = "../../shared/conformance"

// threadCounts: every case must give the same bytes however the kernels'
// work is split.
var threadCounts = []int{1, 2, 3}

// schedules: the per-op split and the row dataflow (2 and 3 threads; one
// thread has no schedule) each run every case.
type schedule struct {
	threads  int
	schedule runtime.Schedule
}

var schedules = []schedule{{1, runtime.SchedulePerOp}, {2, runtime.SchedulePerOp}, {3, runtime.SchedulePerOp},
	{2, runtime.ScheduleDataflow}, {3, runtime.ScheduleDataflow}}

func (s schedule) String() string {
	if s.threads == 1 {
		return "1 thread"
	}
	if s.schedule == runtime.ScheduleDataflow {
		return fmt.Sprintf("%d threads (dataflow)", s.threads)
	}
	return fmt.Sprintf("%d threads (per-op)", s.threads)
}

// TestConformance runs every golden case of the visible single-op set and
// the real-model set, with 1, 2 and 3 threads; any byte difference fails.
func TestConformance(t *testing.T) {
	for _, set := range []string{"visible", "models"} {
		runSet(t, set, func(*Case) bool { return true })
	}
}

// requiredKinds lists, for the sets that later issues opened, the case
// kinds (Case.Kind: "GATHER/int8", "CONV_2D/int16", "MODEL") whose cases
// must pass. A case of any other kind is reported as skipped, naming its
// kind, until the issue that brings it adds the kind here: never counted
// as passed.
var requiredKinds = map[string][]string{
	"wave2": {
		// Data movement (issue 16).
		"GATHER/int8", "GATHER_ND/int8", "PACK/int8", "PACK/int16", "UNPACK/int8", "UNPACK/int16",
		"STRIDED_SLICE/int8", "STRIDED_SLICE/int16", "SLICE/int8", "SLICE/int16", "SPLIT/int8",
		"SPLIT/int16", "SPLIT_V/int8", "SPLIT_V/int16", "SHAPE/int8", "SHAPE/int16", "FILL/int8",
		"EXPAND_DIMS/int8", "EXPAND_DIMS/int16", "SQUEEZE/int8", "SQUEEZE/int16", "BROADCAST_TO/int8",
		"BROADCAST_TO/int16", "ZEROS_LIKE/int8", "RESIZE_NEAREST_NEIGHBOR/int8",
		"RESIZE_NEAREST_NEIGHBOR/int16", "REVERSE_V2/int8", "REVERSE_V2/int16", "DEPTH_TO_SPACE/int8",
		"SPACE_TO_DEPTH/int8", "SPACE_TO_BATCH_ND/int8", "BATCH_TO_SPACE_ND/int8", "MIRROR_PAD/int8",
		"DYNAMIC_UPDATE_SLICE/int8", "DYNAMIC_UPDATE_SLICE/int16", "EMBEDDING_LOOKUP/int8",
		// uint8 boundary (issue 14) and state (issue 13).
		"QUANTIZE/int8", "DEQUANTIZE/int8", "SVDF/int8",
		// issue 13, int16 (16x8) activations:
		"CONV_2D/int16",
		"DEPTHWISE_CONV_2D/int16",
		"FULLY_CONNECTED/int16",
		"ADD/int16",
		"SUB/int16",
		"MUL/int16",
		"RESHAPE/int16",
		"PAD/int16",
		"PADV2/int16",
		"LEAKY_RELU/int16",
		"RELU/int16",
		"RELU6/int16",
		"TRANSPOSE_CONV/int16",
		"TRANSPOSE_CONV/int8",
		"QUANTIZE/int16",
		"DEQUANTIZE/int16",
		"CONCATENATION/int16",
		"TRANSPOSE/int16",
		"AVERAGE_POOL_2D/int16",
		"MAX_POOL_2D/int16",
		"LOGISTIC/int16",
		"TANH/int16",
		"SOFTMAX/int16",
		"MEAN/int16",
		// Arithmetic, comparison and reduction (issue 16).
		"CAST/int8", "CAST/int16", "MINIMUM/int8", "MAXIMUM/int8", "MINIMUM/int16", "MAXIMUM/int16",
		"ARG_MAX/int8", "ARG_MIN/int8", "PRELU/int8", "DIV/int8",
		"EQUAL/int8", "NOT_EQUAL/int8", "LESS/int8", "LESS_EQUAL/int8", "GREATER/int8", "GREATER_EQUAL/int8",
		"SELECT_V2/int8", "SELECT_V2/int16", "ABS/int8", "ABS/int16", "ELU/int8", "RSQRT/int8",
		"SQUARED_DIFFERENCE/int8", "REDUCE_MAX/int8", "REDUCE_MIN/int8", "SUM/int8", "SUM/int16", "ADD_N/int8", "L2_NORMALIZATION/int8", "CUMSUM/int8", "RESIZE_BILINEAR/int8", "LOG_SOFTMAX/int8", "BATCH_MATMUL/int8", "BATCH_MATMUL/int16", "PRELU/int16", "SQUARED_DIFFERENCE/int16",
		"UNIDIRECTIONAL_SEQUENCE_LSTM/int8", "UNIDIRECTIONAL_SEQUENCE_LSTM/int16",
	},
	"wave2-layers":   {"MODEL"},
	"next":           {"MODEL"},
	"uint8-boundary": {"MODEL"},
}

// TestConformanceLaterSets runs the sets of the int16/LSTM, uint8 and
// new-operator issues: their required kinds must pass bit-exactly with 1,
// 2 and 3 threads.
func TestConformanceLaterSets(t *testing.T) {
	for set, kinds := range requiredKinds {
		required := map[string]bool{}
		for _, k := range kinds {
			required[k] = true
		}
		runSet(t, set, func(c *Case) bool { return required[c.Kind()] })
	}
}

// runSet runs set's golden cases for which required is true with every
// thread count; the others are skipped, naming their kind.
func runSet(t *testing.T, set string, required func(*Case) bool) {
	path := filepath.Join(sharedDir, set, "manifest.json")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("conformance set not found at %s (CI provides ../shared/conformance): %v", path, err)
	}
	m, err := ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	runners := make([]*Runner, len(schedules))
	for i, s := range schedules {
		runners[i] = NewRunner(m)
		runners[i].Options = &runtime.Options{Threads: s.threads, SplitMinMACs: -1, Schedule: s.schedule}
	}
	t.Run(set, func(t *testing.T) {
		for i := range m.Cases {
			c := &m.Cases[i]
			t.Run(c.Name, func(t *testing.T) {
				if !required(c) {
					t.Skipf("%s: kind %s is not required yet", c.Name, c.Kind())
				}
				for k, r := range runners {
					res := r.Run(c)
					switch res.Status {
					case Failed:
						t.Errorf("%s (%s) with %v: %s", c.Name, c.Kind(), schedules[k], res.Detail)
					case Skipped:
						t.Skipf("%s: %s", c.Name, res.Detail)
					}
				}
			})
		}
	})
}

// TestRunnerOnTestdata runs a small manifest without ../shared: the
// .tflite MLP of testdata/ against the outputs of the built-in .erm of the
// same network (a case whose outputs match passes, one with a changed
// byte fails naming the element, one without golden outputs is skipped),
// with every thread count.
func TestRunnerOnTestdata(t *testing.T) {
	dir := t.TempDir()
	in := make([]byte, 64)
	for i := range in {
		in[i] = byte(i * 37)
	}
	data, err := examples.Bytes("mlp_64_10")
	if err != nil {
		t.Fatal(err)
	}
	m, err := runtime.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	it, err := runtime.NewInterpreter(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if err := it.SetInput(0, in); err != nil {
		t.Fatal(err)
	}
	if err := it.Invoke(); err != nil {
		t.Fatal(err)
	}
	good := bytes.Clone(it.OutputBytes(0))
	bad := bytes.Clone(good)
	bad[7] ^= 1
	for name, b := range map[string][]byte{"in.bin": in, "good.bin": good, "bad.bin": bad} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	model, err := filepath.Abs("../testdata/mlp_64_10.tflite")
	if err != nil {
		t.Fatal(err)
	}
	tensor := func(file string, shape ...int) []Tensor { return []Tensor{{File: file, DType: "int8", Shape: shape}} }
	man := &Manifest{Dir: dir, Cases: []Case{
		{Name: "good", Model: model, Inputs: tensor("in.bin", 1, 64), Outputs: tensor("good.bin", 1, 10), Golden: true},
		{Name: "bad", Model: model, Inputs: tensor("in.bin", 1, 64), Outputs: tensor("bad.bin", 1, 10), Golden: true},
		{Name: "nogold", Model: model},
		// The MLP's input is int8: uint8 data is refused, not fed as int8.
		{Name: "dtype", Model: model, Inputs: []Tensor{{File: "in.bin", DType: "uint8", Shape: []int{1, 64}}},
			Outputs: tensor("good.bin", 1, 10), Golden: true},
	}}
	want := []Status{Passed, Failed, Skipped, Failed}
	for _, sc := range schedules {
		n := sc.threads
		r := NewRunner(man)
		r.Options = &runtime.Options{Threads: n, SplitMinMACs: -1, Schedule: sc.schedule}
		for i, res := range r.RunAll() {
			if res.Status != want[i] {
				t.Errorf("%d threads: case %s: status %d (%s), want %d", n, res.Case.Name, res.Status, res.Detail, want[i])
			}
		}
		if res := r.Run(&man.Cases[1]); !strings.Contains(res.Detail, "output 0: first difference at element 7") {
			t.Errorf("%d threads: failing case's detail %q does not name element 7", n, res.Detail)
		}
		if res := r.Run(&man.Cases[3]); !strings.Contains(res.Detail, "input 0: case gives uint8 data, the model's input is int8") {
			t.Errorf("%d threads: uint8 data for an int8 input: detail %q", n, res.Detail)
		}
	}
}
