// Package runtime loads edgerun and .tflite models and runs them with
// integer-only kernels in one preallocated arena.
//
//	model, err := runtime.LoadFile("person_detect.tflite")
//	it, err := runtime.NewInterpreter(model, nil)
//	copy(it.InputBytes(0), image)
//	err = it.Invoke()
//	scores := it.OutputBytes(0)
//
// A Model is immutable and safe for concurrent use; each goroutine uses its
// own Interpreter.
package runtime

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/tflite"
	"github.com/edgerun/edgerun/ops"
)

// Errors callers tell apart with errors.Is.
var (
	// ErrMalformedModel: the model file is corrupt or inconsistent.
	ErrMalformedModel = format.ErrMalformedModel
	// ErrUnsupportedOp: the model uses an operator (or configuration)
	// edgerun cannot run. The error is a *format.UnsupportedOpError naming
	// it.
	ErrUnsupportedOp = format.ErrUnsupportedOp
	// ErrShapeMismatch: data passed to an input or output has the wrong
	// size or type.
	ErrShapeMismatch = errors.New("shape mismatch")
	// ErrUnknownFormat: the bytes are neither an edgerun nor a .tflite file.
	ErrUnknownFormat = errors.New("unknown model format (want an edgerun .erm or a .tflite file)")
	// ErrClosed: the interpreter was closed.
	ErrClosed = errors.New("interpreter closed")
	// ErrInputNotSet: Invoke was called before every input was set.
	ErrInputNotSet = errors.New("input not set")
	// ErrInvalidInput: Invoke found an input value the model cannot run
	// on (a GATHER position outside its axis, read from an int32 input);
	// the outputs are then unspecified.
	ErrInvalidInput = errors.New("invalid input value")
	// ErrResourceLimit: the model needs more than a configured limit
	// (LoadOptions, Options.MaxArenaBytes) allows.
	ErrResourceLimit = errors.New("resource limit exceeded")
)

// Model is a loaded, validated and prepared model. It is immutable and may
// be shared by any number of interpreters on any goroutines.
type Model struct {
	graph   *format.Model
	kernels []ops.Kernel
	// split[i] is kernels[i] when it can run on several goroutines.
	split      []ops.Splittable
	splittable bool // some kernel is splittable
	// work[i] estimates op i's cost in pointwise-conv MACs (see
	// splitWork): with several threads, ops below Options.SplitMinMACs are
	// not split.
	work []int64
	// macs[i] is op i's multiply-accumulates per Invoke (OpInfo.MACs).
	macs []int64
	// scratch places every op's scratch in the arena (planScratch).
	scratch scratchPlan
	// threaded is the memory plan of interpreters with more than one
	// thread (threadedPlan), made by the first of them.
	threaded *lazyThreadedArena
	inputs   []TensorInfo
	outputs  []TensorInfo
}

// TensorInfo describes a graph input or output.
type TensorInfo struct {
	Name  string
	Index int // tensor index in the graph
	Shape []int
	// DType is the type the model file declares (a uint8 input stays
	// uint8: its bytes are what TFLite would take), or the quantized type
	// behind a Float boundary.
	DType format.DType
	// Scale and ZeroPoint are the tensor's (per-tensor) quantization; Scale
	// is 0 for unquantized tensors.
	Scale     float32
	ZeroPoint int32
	// Float reports that the source model took or produced float32 here;
	// use SetInputFloat32 / OutputFloat32 for TFLite's exact conversion.
	Float bool
	// Bytes is the size of the tensor's data.
	Bytes int
}

// LoadOptions bounds what a model file may ask for. Zero fields take the
// defaults; the limits are checked before anything sized by the file is
// allocated.
type LoadOptions struct {
	// MaxModelBytes bounds the file size (default DefaultMaxModelBytes).
	MaxModelBytes int64
	// MaxArenaBytes bounds the memory a one-thread interpreter of the
	// model needs, activations and kernel scratch (Model.ArenaBytes;
	// default DefaultMaxArenaBytes).
	MaxArenaBytes int64
	// MaxTensorElements bounds every tensor's element count (default
	// DefaultMaxTensorElements).
	MaxTensorElements int64
}

// Default resource limits: generous for edge models, small enough that a
// hostile file cannot make a device allocate without bound.
const (
	DefaultMaxModelBytes     = 1 << 30
	DefaultMaxArenaBytes     = format.DefaultMaxArenaBytes
	DefaultMaxTensorElements = 1 << 28
)

// maxArenaLen bounds every arena, whatever MaxArenaBytes allows: a slice
// length is an int (2^31-1 on 32-bit targets), and NewInterpreter
// over-allocates 64 bytes to align the arena. Every activation's offset
// and size then fit an int too.
const maxArenaLen = math.MaxInt - 64

func (o *LoadOptions) withDefaults() LoadOptions {
	var l LoadOptions
	if o != nil {
		l = *o
	}
	if l.MaxModelBytes <= 0 {
		l.MaxModelBytes = DefaultMaxModelBytes
	}
	if l.MaxArenaBytes <= 0 {
		l.MaxArenaBytes = DefaultMaxArenaBytes
	}
	if l.MaxTensorElements <= 0 {
		l.MaxTensorElements = DefaultMaxTensorElements
	}
	return l
}

// Load reads a model from bytes: an edgerun model (identifier ERM1) or a
// .tflite file (identifier TFL3), which is converted in memory. The model
// may keep references to data; do not modify it afterwards. It applies the
// default LoadOptions.
func Load(data []byte) (*Model, error) { return LoadWithOptions(data, nil) }

// LoadWithOptions is Load with explicit resource limits.
func LoadWithOptions(data []byte, opts *LoadOptions) (*Model, error) {
	lim := opts.withDefaults()
	if int64(len(data)) > lim.MaxModelBytes {
		return nil, fmt.Errorf("model is %d bytes, limit %d: %w", len(data), lim.MaxModelBytes, ErrResourceLimit)
	}
	var (
		g   *format.Model
		err error
	)
	switch {
	case format.HasIdentifier(data):
		g, err = format.DecodeWithLimits(data, format.Limits{MaxArenaBytes: lim.MaxArenaBytes})
	case tflite.HasIdentifier(data):
		g, err = tflite.ConvertBytes(data)
	default:
		return nil, ErrUnknownFormat
	}
	if err != nil {
		return nil, err
	}
	return fromGraph(g, lim)
}

// LoadFile reads and loads a model file with the default limits.
func LoadFile(path string) (*Model, error) { return LoadFileWithOptions(path, nil) }

// LoadFileWithOptions reads and loads a model file. The file's size is
// checked against the limit before it is read.
func LoadFileWithOptions(path string, opts *LoadOptions) (*Model, error) {
	lim := opts.withDefaults()
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > lim.MaxModelBytes {
		return nil, fmt.Errorf("%s: %d bytes, limit %d: %w", path, st.Size(), lim.MaxModelBytes, ErrResourceLimit)
	}
	data, err := ReadFileLimit(path, lim.MaxModelBytes)
	if err != nil {
		return nil, err
	}
	m, err := LoadWithOptions(data, &lim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ReadFileLimit reads the file at path, refusing with ErrResourceLimit
// one longer than limit bytes. Unlike a size check before os.ReadFile, it
// also stops on files whose size is not known in advance (a device such
// as /dev/zero, a pipe, a file still growing), which would otherwise be
// read without bound.
func ReadFileLimit(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: more than %d bytes: %w", path, limit, ErrResourceLimit)
	}
	return data, nil
}

// FromGraph validates and prepares an in-memory edgerun model. The model
// must not be modified afterwards.
func FromGraph(g *format.Model) (*Model, error) {
	return fromGraph(g, (*LoadOptions)(nil).withDefaults())
}

func fromGraph(g *format.Model, lim LoadOptions) (*Model, error) {
	if err := format.VerifyModel(g, format.Limits{MaxArenaBytes: lim.MaxArenaBytes}); err != nil {
		return nil, err
	}
	for i := range g.Tensors {
		if n := g.Tensors[i].NumElements(); n > lim.MaxTensorElements {
			return nil, fmt.Errorf("tensor %d %q has %d elements, limit %d: %w", i, g.Tensors[i].Name, n, lim.MaxTensorElements, ErrResourceLimit)
		}
	}
	m := &Model{graph: g, kernels: make([]ops.Kernel, len(g.Ops)), split: make([]ops.Splittable, len(g.Ops)), threaded: &lazyThreadedArena{},
		work: make([]int64, len(g.Ops)), macs: make([]int64, len(g.Ops))}
	for i := range g.Ops {
		k, err := ops.Prepare(g, i)
		if err != nil {
			return nil, err
		}
		m.kernels[i] = k
		m.macs[i] = ops.MACs(g, i)
		m.work[i] = splitWork(g, i, m.macs[i])
		if sp, ok := k.(ops.Splittable); ok && sp.Units() > 1 {
			m.split[i] = sp
			m.splittable = true
		}
		if s, ok := k.(ops.ScratchUser); ok {
			n := s.ScratchBytes()
			// A kernel's scratch size is computed from the file's shapes
			// and params: it is checked like any other size read from
			// the file (a negative size means its computation overflowed).
			if n < 0 || int64(n) > lim.MaxArenaBytes {
				return nil, fmt.Errorf("op %d %s: kernel scratch of %d bytes, limit %d: %w", i, g.Ops[i].Code, n, lim.MaxArenaBytes, ErrResourceLimit)
			}
		}
	}
	m.scratch = planScratch(g, m.kernels)
	if m.ArenaBytes() > min(lim.MaxArenaBytes, maxArenaLen) {
		return nil, fmt.Errorf("model needs a %d-byte arena (%d activations, %d more for scratch), limit %d: %w",
			m.ArenaBytes(), g.ArenaBytes, m.ArenaBytes()-g.ArenaBytes, min(lim.MaxArenaBytes, maxArenaLen), ErrResourceLimit)
	}
	var err error
	if m.inputs, err = describe(g, g.Inputs, "input"); err != nil {
		return nil, err
	}
	if m.outputs, err = describe(g, g.Outputs, "output"); err != nil {
		return nil, err
	}
	return m, nil
}

func describe(g *format.Model, ios []format.IO, what string) ([]TensorInfo, error) {
	infos := make([]TensorInfo, len(ios))
	for i, io := range ios {
		if io.Tensor < 0 || int(io.Tensor) >= len(g.Tensors) {
			return nil, format.Malformed(fmt.Sprintf("%s %d", what, i), "tensor index %d out of range", io.Tensor)
		}
		t := &g.Tensors[io.Tensor]
		info := TensorInfo{Name: t.Name, Index: int(io.Tensor), DType: t.DType, Float: io.Float, Bytes: int(t.ByteSize())}
		for _, d := range t.Shape {
			info.Shape = append(info.Shape, int(d))
		}
		if len(t.Scale) > 0 {
			info.Scale, info.ZeroPoint = t.Scale[0], t.ZeroPoint[0]
		}
		if io.Float && (len(t.Scale) != 1 || (t.DType != format.DTypeInt8 && t.DType != format.DTypeUint8 && t.DType != format.DTypeInt16)) {
			return nil, format.Malformed(fmt.Sprintf("%s %d", what, i), "float boundary needs a per-tensor quantized int8, uint8 or int16 tensor")
		}
		infos[i] = info
	}
	return infos, nil
}

// Graph returns the model's graph. It must not be modified.
func (m *Model) Graph() *format.Model { return m.graph }

// Inputs describes the graph inputs, in order. The result is the
// caller's: changing it does not change the model.
func (m *Model) Inputs() []TensorInfo { return cloneInfos(m.inputs) }

// Outputs describes the graph outputs, in order. The result is the
// caller's: changing it does not change the model.
func (m *Model) Outputs() []TensorInfo { return cloneInfos(m.outputs) }

func cloneInfos(infos []TensorInfo) []TensorInfo {
	out := make([]TensorInfo, len(infos))
	for i, info := range infos {
		info.Shape = slices.Clone(info.Shape)
		out[i] = info
	}
	return out
}

// OpInfo describes one op of a prepared model, for tools that print or
// measure per-op figures (edgerun inspect, bench, --profile).
type OpInfo struct {
	// Type is the operator's name, as TFLite spells it (CONV_2D).
	Type string
	// Code is the operator.
	Code format.OpCode
	// MACs is the multiply-accumulates the op performs per Invoke,
	// padding taps included (0 for ops without multiplications).
	MACs int64
	// Inputs and Outputs are the op's tensor indices in Graph().Tensors
	// (-1: an omitted optional input).
	Inputs, Outputs []int32
}

// NumOps is the number of ops the model runs per Invoke.
func (m *Model) NumOps() int { return len(m.kernels) }

// Op describes op i (0 <= i < NumOps()), in execution order. The
// result is the caller's.
func (m *Model) Op(i int) OpInfo {
	op := &m.graph.Ops[i]
	return OpInfo{Type: op.Code.String(), Code: op.Code, MACs: m.macs[i],
		Inputs: slices.Clone(op.Inputs), Outputs: slices.Clone(op.Outputs)}
}

// MACs is the multiply-accumulates of one Invoke: the sum of every op's
// OpInfo.MACs.
func (m *Model) MACs() int64 {
	var n int64
	for _, v := range m.macs {
		n += v
	}
	return n
}

// KernelsDescription names the kernel implementation models prepare for
// and run with (the one chosen for this CPU, or EDGERUN_KERNELS), why it
// was chosen, and the state of the others, in one line.
func KernelsDescription() string { return ops.KernelsDescription() }

// ArenaBytes is the memory a one-thread interpreter allocates for
// activations and scratch: the exact RAM needed beyond the model's weights
// (more threads need more: see ArenaLayout.Threaded).
// Each op's scratch lives in arena memory no tensor uses while it runs.
func (m *Model) ArenaBytes() int64 { return m.scratch.arena }

// ArenaLayout is what a one-thread arena (Model.ArenaBytes) holds.
type ArenaLayout struct {
	// Activations is the activations' static memory plan (from the file)
	// less State.
	Activations int64
	// Scratch is what the ops' scratch adds beyond the activations: 0
	// when every op's scratch fits in memory free while it runs.
	Scratch int64
	// State is the memory of variable tensors that persist from one
	// Invoke to the next (SVDF and LSTM state), planned with the
	// activations but never shared.
	State int64
	// PeakOp is the op whose live tensors and scratch reach furthest into
	// the arena (-1 if not known).
	PeakOp int
	// ScratchPerThread is what each thread beyond the first adds: its
	// own copy of the largest op scratch.
	ScratchPerThread int64
	// Threaded is what an interpreter with more than one thread
	// allocates before the extra threads' scratch: its activations are
	// planned again with every lifetime one op longer (so that an op
	// never overwrites what the op before it read, which another thread
	// may still be reading), and the ops' scratch placed among them. An
	// interpreter with n > 1 threads allocates Threaded plus
	// (n − 1)·ScratchPerThread.
	Threaded int64
}

// ArenaLayout splits ArenaBytes into activations, scratch and state.
func (m *Model) ArenaLayout() ArenaLayout {
	sp := &m.scratch
	var state int64
	for i := range m.graph.Tensors {
		if t := &m.graph.Tensors[i]; t.Variable {
			state += t.ByteSize()
		}
	}
	return ArenaLayout{Activations: m.graph.ArenaBytes - state, Scratch: sp.arena - m.graph.ArenaBytes, State: state,
		PeakOp: sp.peakOp, ScratchPerThread: sp.extra, Threaded: m.threadedPlan().scratch.threadScratch()}
}

// InputIndex returns the position of the input named name.
func (m *Model) InputIndex(name string) (int, error) { return indexOf(m.inputs, name, "input") }

// OutputIndex returns the position of the output named name.
func (m *Model) OutputIndex(name string) (int, error) { return indexOf(m.outputs, name, "output") }

func indexOf(infos []TensorInfo, name, what string) (int, error) {
	for i, info := range infos {
		if info.Name == name {
			return i, nil
		}
	}
	return -1, fmt.Errorf("no %s named %q", what, name)
}

// depthwiseWorkFactor: a depthwise MAC costs about this many pointwise
// MACs with the SIMD kernels (measured on MobileNetV2 and person_detect:
// 30-60 ns per thousand depthwise MACs against 3-7 for 1x1 and 3x3 conv),
// because each output needs its own requantization after only 9 or 25
// products.
const depthwiseWorkFactor = 8

// splitWork estimates op i's cost in pointwise-conv MACs, which decides
// whether splitting it over threads pays for the hand-off.
func splitWork(g *format.Model, i int, macs int64) int64 {
	op := &g.Ops[i]
	switch op.Code {
	case format.OpDepthwiseConv2D:
		return macs * depthwiseWorkFactor
	case format.OpAdd, format.OpSub, format.OpMul:
		// Elementwise, no MACs: ~0.3 ns per int8 element with the
		// AVX-512 kernels, some 100 pointwise MACs' time.
		if len(op.Outputs) == 1 && op.Outputs[0] >= 0 && int(op.Outputs[0]) < len(g.Tensors) {
			return g.Tensors[op.Outputs[0]].NumElements() * elementwiseWorkFactor
		}
	}
	return macs
}

// elementwiseWorkFactor: an elementwise ADD/SUB/MUL output costs about
// this many pointwise-conv MACs (see splitWork).
const elementwiseWorkFactor = 100
