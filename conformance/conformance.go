// Package conformance runs golden test cases (models with inputs and the
// outputs TFLite's reference kernels produced) through the runtime and
// compares the outputs byte for byte. The manifest format is described in
// the shared conformance set's README.md.
package conformance

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/edgerun/edgerun/runtime"
)

// Case is one manifest entry.
type Case struct {
	Name    string   `json:"name"`
	Op      string   `json:"op"`
	Model   string   `json:"model"`
	Inputs  []Tensor `json:"inputs"`
	Outputs []Tensor `json:"outputs"`
	Golden  bool     `json:"golden"`
	Params  Params   `json:"params"`
}

// Params holds the descriptive parameters the runner uses (the model file
// is the truth for everything else).
type Params struct {
	// Family tells wave2's two kinds apart: "int8" or "int16".
	Family  string `json:"family"`
	Variant string `json:"variant"`
}

// Kind is the case's op, qualified by its family where it has one:
// "CONV_2D/int16", "GATHER/int8", "MODEL".
func (c *Case) Kind() string {
	if c.Params.Family != "" {
		return c.Op + "/" + c.Params.Family
	}
	return c.Op
}

// Tensor is one input or output file of a case.
type Tensor struct {
	File  string `json:"file"`
	DType string `json:"dtype"`
	Shape []int  `json:"shape"`
}

// Manifest is a parsed manifest and the folder its paths are relative to.
type Manifest struct {
	Dir   string
	Cases []Case
}

// ReadManifest reads a manifest.json.
func ReadManifest(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cases []Case
	if err := json.Unmarshal(data, &cases); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Manifest{Dir: filepath.Dir(path), Cases: cases}, nil
}

// Status of a case.
type Status int

const (
	Passed Status = iota
	Failed
	Skipped
)

// Result is the outcome of one case.
type Result struct {
	Case   *Case
	Status Status
	// Detail says why a case failed or was skipped, naming the first
	// differing output index for mismatches.
	Detail string
}

// Runner runs cases, loading each model file once.
type Runner struct {
	Manifest *Manifest
	// Options are passed to every interpreter.
	Options *runtime.Options
	models  map[string]*runtime.Model
}

// NewRunner returns a runner for m.
func NewRunner(m *Manifest) *Runner {
	return &Runner{Manifest: m, models: map[string]*runtime.Model{}}
}

// Run runs one case.
func (r *Runner) Run(c *Case) Result {
	if !c.Golden {
		return Result{Case: c, Status: Skipped, Detail: "no golden outputs"}
	}
	if err := r.run(c); err != nil {
		return Result{Case: c, Status: Failed, Detail: err.Error()}
	}
	return Result{Case: c, Status: Passed}
}

// RunAll runs every case in order.
func (r *Runner) RunAll() []Result {
	res := make([]Result, len(r.Manifest.Cases))
	for i := range r.Manifest.Cases {
		res[i] = r.Run(&r.Manifest.Cases[i])
	}
	return res
}

// path resolves a manifest path: relative to the manifest's folder unless
// absolute.
func (r *Runner) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(r.Manifest.Dir, p)
}

func (r *Runner) model(path string) (*runtime.Model, error) {
	if m, ok := r.models[path]; ok {
		return m, nil
	}
	m, err := runtime.LoadFile(path)
	if err != nil {
		return nil, err
	}
	r.models[path] = m
	return m, nil
}

func (r *Runner) run(c *Case) error {
	m, err := r.model(r.path(c.Model))
	if err != nil {
		return err
	}
	it, err := runtime.NewInterpreter(m, r.Options)
	if err != nil {
		return err
	}
	defer it.Close()
	if len(c.Inputs) != len(m.Inputs()) || len(c.Outputs) != len(m.Outputs()) {
		return fmt.Errorf("case has %d inputs / %d outputs, model %d / %d", len(c.Inputs), len(c.Outputs), len(m.Inputs()), len(m.Outputs()))
	}
	// Data files hold the declared dtype of each graph input and output
	// (float32 where the model converts at the boundary): a file of
	// another dtype would be fed or compared as the wrong values.
	for i, info := range m.Inputs() {
		if want := declaredDType(info); c.Inputs[i].DType != want {
			return fmt.Errorf("input %d: case gives %s data, the model's input is %s", i, c.Inputs[i].DType, want)
		}
	}
	for i, info := range m.Outputs() {
		if want := declaredDType(info); c.Outputs[i].DType != want {
			return fmt.Errorf("output %d: case expects %s data, the model's output is %s", i, c.Outputs[i].DType, want)
		}
	}
	if err := r.feed(it, c); err != nil {
		return err
	}
	if err := it.Invoke(); err != nil {
		return err
	}
	return r.check(it, c)
}

// feed sets the interpreter's inputs from the case's input files.
func (r *Runner) feed(it *runtime.Interpreter, c *Case) error {
	for i, in := range c.Inputs {
		data, err := os.ReadFile(r.path(in.File))
		if err != nil {
			return err
		}
		if in.DType == "float32" {
			err = it.SetInputFloat32(i, float32s(data))
		} else {
			err = it.SetInput(i, data)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// check compares the interpreter's outputs with the case's output files.
func (r *Runner) check(it *runtime.Interpreter, c *Case) error {
	for i, out := range c.Outputs {
		want, err := os.ReadFile(r.path(out.File))
		if err != nil {
			return err
		}
		var got []byte
		if out.DType == "float32" {
			f, err := it.OutputFloat32(i, nil)
			if err != nil {
				return err
			}
			got = float32Bytes(f)
		} else {
			got = it.OutputBytes(i)
		}
		if err := compare(got, want, out.DType); err != nil {
			return fmt.Errorf("output %d: %w", i, err)
		}
	}
	return nil
}

// declaredDType names the data a graph input or output takes or gives,
// as manifests do: float32 at a float boundary, else the tensor's dtype
// (uint8 where the file declares uint8).
func declaredDType(info runtime.TensorInfo) string {
	if info.Float {
		return "float32"
	}
	return info.DType.String()
}

func compare(got, want []byte, dtype string) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d bytes, want %d", len(got), len(want))
	}
	size := 1
	switch dtype {
	case "int16":
		size = 2
	case "int32", "float32":
		size = 4
	}
	for i := range got {
		if got[i] != want[i] {
			e := i / size
			return fmt.Errorf("first difference at element %d: got %s, want %s", e, element(got, e, dtype), element(want, e, dtype))
		}
	}
	return nil
}

func element(b []byte, e int, dtype string) string {
	switch dtype {
	case "int8":
		return fmt.Sprint(int8(b[e]))
	case "uint8":
		return fmt.Sprint(b[e])
	case "int16":
		return fmt.Sprint(int16(binary.LittleEndian.Uint16(b[2*e:])))
	case "int32":
		return fmt.Sprint(int32(binary.LittleEndian.Uint32(b[4*e:])))
	case "float32":
		return fmt.Sprint(math.Float32frombits(binary.LittleEndian.Uint32(b[4*e:])))
	}
	return fmt.Sprint(b[e])
}

func float32s(b []byte) []float32 {
	f := make([]float32, len(b)/4)
	for i := range f {
		f[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return f
}

func float32Bytes(f []float32) []byte {
	b := make([]byte, 4*len(f))
	for i, v := range f {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}
