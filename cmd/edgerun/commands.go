package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"

	"github.com/edgerun/edgerun/conformance"
	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/tflite"
	"github.com/edgerun/edgerun/runtime"
)

// fileList is a repeatable string flag.
type fileList []string

func (f *fileList) String() string     { return strings.Join(*f, ",") }
func (f *fileList) Set(s string) error { *f = append(*f, s); return nil }

// parseInterspersed parses flags that may appear before or after positional
// arguments, returning the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, helpRequest{fs}
			}
			return nil, usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// newFlagSet returns the flag set of the command name; synopsis heads its
// -h text (its Usage, which writes to the flag set's output: io.Discard
// while parsing, stdout for helpRequest.print).
func newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "usage: %s\n", synopsis)
		var flags strings.Builder
		fs.SetOutput(&flags)
		fs.PrintDefaults()
		fs.SetOutput(w)
		if flags.Len() > 0 {
			fmt.Fprintf(w, "\nflags:\n%s", flags.String())
		}
	}
	return fs
}

// helpRequest is returned for -h or --help: run prints the command's
// synopsis and flags on stdout and exits 0.
type helpRequest struct{ fs *flag.FlagSet }

func (h helpRequest) Error() string { return "help requested" }

func (h helpRequest) print(w io.Writer) {
	h.fs.SetOutput(w)
	h.fs.Usage()
	h.fs.SetOutput(io.Discard)
}

// builtinPrefix names a built-in example as MODEL: builtin:mlp_64_10.
const builtinPrefix = "builtin:"

// loadModel loads MODEL: a file, builtin:NAME, or the default built-in
// example when path is "".
func loadModel(path string) (*runtime.Model, string, error) {
	name, builtin := strings.CutPrefix(path, builtinPrefix)
	if path == "" {
		name, builtin = examples.DefaultName, true
	}
	if builtin {
		data, err := examples.Bytes(name)
		if err != nil {
			return nil, "", err
		}
		m, err := runtime.Load(data)
		return m, "built-in example " + name, err
	}
	m, err := runtime.LoadFile(path)
	return m, path, err
}

func cmdRun(args []string, stdout io.Writer) error {
	fs := newFlagSet("run", "edgerun run [MODEL] [-i FILE]... [-o DIR] [flags]")
	var inputs fileList
	fs.Var(&inputs, "i", "input file (raw little-endian bytes in the input's declared dtype: uint8, int8, ..., float32 where the model quantizes at the boundary); repeat per input, in order")
	outDir := fs.String("o", "", "write each output to DIR/output_K.bin")
	profile := fs.Bool("profile", false, "print the time of every op")
	threads := fs.Int("threads", 0, "goroutines for conv/depthwise/FC work (default: all cores)")
	schedule := fs.String("schedule", "auto", "how threads share the graph: auto (timed at load), perop (split ops, a join after each) or dataflow (rows, no joins)")
	asJSON := fs.Bool("json", false, "print one JSON object: the outputs' values (and the profile)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("run takes one MODEL, got %d arguments", len(pos))
	}
	path := ""
	if len(pos) == 1 {
		path = pos[0]
	}
	m, name, err := loadModel(path)
	if err != nil {
		return err
	}
	if len(inputs) != 0 && len(inputs) != len(m.Inputs()) {
		return usagef("%s has %d inputs, got %d -i files", name, len(m.Inputs()), len(inputs))
	}
	if *threads < 0 {
		return usagef("--threads must be >= 0")
	}
	sched, err := runtime.ParseSchedule(*schedule)
	if err != nil {
		return usagef("--schedule: %v", err)
	}
	it, err := runtime.NewInterpreter(m, &runtime.Options{Threads: *threads, Schedule: sched})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer it.Close()
	for i, info := range m.Inputs() {
		if len(inputs) == 0 {
			// No files: deterministic example input.
			exampleInput(it.InputBytes(i), info.DType, uint32(i+1))
			continue
		}
		if err := setInputFile(it, i, info, inputs[i]); err != nil {
			return err
		}
	}
	if err := it.Invoke(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	rep := runReport{Model: name, RandomInputs: len(inputs) == 0}
	if *outDir != "" {
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			return err
		}
	}
	for i, info := range m.Outputs() {
		// The output in its declared type: float32 where the model
		// dequantizes at the boundary, else the tensor's bytes.
		out, dt := it.OutputBytes(i), info.DType
		if info.Float {
			f, err := it.OutputFloat32(i, nil)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			out, dt = float32Bytes(f), format.DTypeFloat32
		}
		rep.Outputs = append(rep.Outputs, runOutput{Name: info.Name, Shape: info.Shape, DType: dt.String(), Values: tensorValues(out, dt)})
		if *outDir != "" {
			p := filepath.Join(*outDir, fmt.Sprintf("output_%d.bin", i))
			if err := os.WriteFile(p, out, 0o644); err != nil {
				return err
			}
		}
	}
	// Profiling runs the graph again on inputs the first run may have
	// overwritten, and leaves the activations unspecified: it comes after
	// the outputs are read.
	if *profile {
		if rep.Profile, err = profileOps(it, 1, 0); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	if rep.RandomInputs {
		fmt.Fprintf(stdout, "model: %s (no -i given: pseudo-random inputs)\n", name)
	} else {
		fmt.Fprintf(stdout, "model: %s\n", name)
	}
	for i, o := range rep.Outputs {
		fmt.Fprintf(stdout, "output %d %q: %v %s: %s\n", i, o.Name, o.Shape, o.DType, firstValues(o.Values, 16))
	}
	if rep.Profile != nil {
		printProfile(stdout, rep.Profile)
	}
	return nil
}

// runReport is what `edgerun run` prints; --json prints it as is.
type runReport struct {
	Model        string      `json:"model"`
	RandomInputs bool        `json:"pseudo_random_inputs"`
	Outputs      []runOutput `json:"outputs"`
	Profile      *opProfile  `json:"profile,omitempty"`
}

type runOutput struct {
	Name   string    `json:"name"`
	Shape  []int     `json:"shape"`
	DType  string    `json:"dtype"`
	Values []float64 `json:"values"`
}

// setInputFile sets input i from an -i file: raw little-endian bytes of
// the input's declared type, the tensor's dtype (uint8 where the model
// declares uint8), or float32 where the model quantizes a float32 input at
// the boundary (converted as TFLite's QUANTIZE does).
func setInputFile(it *runtime.Interpreter, i int, info runtime.TensorInfo, path string) error {
	dt, size := info.DType, info.Bytes
	if info.Float {
		dt, size = format.DTypeFloat32, info.Bytes/info.DType.Size()*4
	}
	data, err := readInputFile(path, info, dt, size)
	if err != nil {
		return err
	}
	if info.Float {
		if len(data) != size {
			err = fmt.Errorf("%d bytes, want %d: %w", len(data), size, runtime.ErrShapeMismatch)
		} else {
			err = it.SetInputFloat32(i, float32s(data))
		}
	} else {
		err = it.SetInput(i, data)
	}
	if err != nil {
		return fmt.Errorf("%s: %w (input %q is %v %s, %d bytes)", path, err, info.Name, info.Shape, dt, size)
	}
	return nil
}

// readInputFile reads an -i file of size bytes (of dtype dt) for input
// info, reading no more than that: a longer file (or an endless one such
// as /dev/zero) is an error, not read whole.
func readInputFile(path string, info runtime.TensorInfo, dt format.DType, size int) ([]byte, error) {
	data, err := runtime.ReadFileLimit(path, int64(size))
	if errors.Is(err, runtime.ErrResourceLimit) {
		return nil, fmt.Errorf("%s: longer than the %d bytes of input %q (%v %s): %w", path, size, info.Name, info.Shape, dt, runtime.ErrShapeMismatch)
	}
	return data, err
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

// exampleInput fills input memory b for a run without input files:
// pseudo-random bytes, except int32 and int64 inputs (positions, start
// indices), which get zeros: a valid position for every gathering op,
// where random ones would be out of range (ErrInvalidInput).
func exampleInput(b []byte, dt format.DType, seed uint32) {
	if dt == format.DTypeInt32 || dt == format.DTypeInt64 {
		clear(b)
		return
	}
	fillPattern(b, seed)
}

// fillPattern fills b with deterministic pseudo-random bytes (xorshift).
func fillPattern(b []byte, seed uint32) {
	x := seed*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
}

func firstValues(v []float64, n int) string {
	var sb strings.Builder
	for i, x := range v {
		if i == n {
			sb.WriteString(" ...")
			break
		}
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	}
	return "[" + sb.String() + "]"
}

// tensorValues decodes a tensor's little-endian bytes; every int8, uint8,
// int16, int32 and float32 value is exact as a float64.
func tensorValues(b []byte, dt format.DType) []float64 {
	size := dt.Size()
	if size == 0 {
		return nil
	}
	v := make([]float64, len(b)/size)
	for i := range v {
		e := b[i*size:]
		switch dt {
		case format.DTypeInt8:
			v[i] = float64(int8(e[0]))
		case format.DTypeUint8, format.DTypeBool:
			v[i] = float64(e[0])
		case format.DTypeInt16:
			v[i] = float64(int16(binary.LittleEndian.Uint16(e)))
		case format.DTypeInt32:
			v[i] = float64(int32(binary.LittleEndian.Uint32(e)))
		case format.DTypeFloat32:
			v[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(e)))
		}
	}
	return v
}

func cmdConvert(args []string, stdout io.Writer) error {
	fs := newFlagSet("convert", "edgerun convert IN.tflite OUT.erm")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("convert takes IN.tflite OUT.erm")
	}
	data, err := runtime.ReadFileLimit(pos[0], runtime.DefaultMaxModelBytes)
	if err != nil {
		return err
	}
	g, err := tflite.ConvertBytes(data)
	if err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	if _, err := runtime.FromGraph(g); err != nil {
		return fmt.Errorf("%s: %w", pos[0], err)
	}
	out, err := format.Encode(g)
	if err != nil {
		return err
	}
	if err := os.WriteFile(pos[1], out, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d bytes, %d ops, arena %d bytes\n", pos[1], len(out), len(g.Ops), g.ArenaBytes)
	return nil
}

func cmdVerify(args []string, stdout io.Writer) error {
	fs := newFlagSet("verify", "edgerun verify MANIFEST.json")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("verify takes one MANIFEST.json")
	}
	m, err := conformance.ReadManifest(pos[0])
	if err != nil {
		return err
	}
	r := conformance.NewRunner(m)
	passed, failed, skipped := 0, 0, 0
	for i := range m.Cases {
		res := r.Run(&m.Cases[i])
		switch res.Status {
		case conformance.Passed:
			passed++
		case conformance.Failed:
			failed++
			fmt.Fprintf(stdout, "FAIL %s (%s): %s\n", res.Case.Name, res.Case.Op, firstLine(res.Detail))
		case conformance.Skipped:
			skipped++
			fmt.Fprintf(stdout, "SKIP %s: %s\n", res.Case.Name, res.Detail)
		}
	}
	if skipped > 0 {
		fmt.Fprintf(stdout, "%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	} else {
		fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	}
	if failed > 0 {
		return errFailed
	}
	return nil
}

func cmdVersion(args []string, stdout io.Writer) error {
	if len(args) != 0 {
		return usagef("version takes no arguments")
	}
	fmt.Fprintf(stdout, "edgerun %s (%s, %s/%s)\n", version, goruntime.Version(), goruntime.GOOS, goruntime.GOARCH)
	fmt.Fprintf(stdout, "kernels: %s\n", runtime.KernelsDescription())
	fmt.Fprintf(stdout, "built-in models: %s%s (the default)", builtinPrefix, examples.DefaultName)
	for _, name := range examples.Names() {
		if name != examples.DefaultName {
			fmt.Fprintf(stdout, ", %s%s", builtinPrefix, name)
		}
	}
	fmt.Fprintln(stdout)
	return nil
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"
