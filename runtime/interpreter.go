package runtime

import (
	"fmt"
	"math"
	goruntime "runtime"
	"slices"
	"time"
	"unsafe"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/ops"
)

// Options configures an interpreter. The zero value (or nil) is valid.
type Options struct {
	// MaxArenaBytes refuses models whose arena (Model.ArenaBytes) is larger;
	// 0 means DefaultMaxArenaBytes.
	MaxArenaBytes int64
	// Threads splits conv, depthwise and fully connected work over this
	// many goroutines, created once by NewInterpreter (each needs its own
	// scratch memory). 0 means GOMAXPROCS; 1 runs everything on the
	// goroutine that calls Invoke. Outputs are identical for every count.
	Threads int
	// SplitMinMACs: with several threads, an op is split only when it has
	// at least this many multiply-accumulates (a depthwise MAC counts as
	// 8, being that much slower); smaller ops run on the invoking
	// goroutine, because handing out work would cost more than it saves.
	// 0 means DefaultSplitMinMACs; a negative value splits every
	// splittable op (tests use it to exercise splitting on tiny models).
	SplitMinMACs int64
	// SplitMinNanos: with several threads, an op that has SplitMinMACs is
	// split only if, in a timing run NewInterpreter makes (the graph
	// five times on one goroutine and five times with those ops split,
	// alternately, on whatever the arena holds; each op's fastest time
	// counts), it took at least this long on one thread and ran at least
	// 1.1 times faster split; then the splits are kept only if the whole
	// graph ran at least 1.15 times faster with them. MACs alone misjudge it: kernels run from
	// ~20 GMAC/s (a 3-channel stem) to ~300 (a wide pointwise conv), and
	// what a split costs (a cache-line round trip between cores, ~1 µs on
	// a virtual machine) depends on the machine. 0 means
	// DefaultSplitMinNanos; a negative value skips the timing run (MACs
	// alone decide), as does a negative SplitMinMACs.
	SplitMinNanos int64
	// Schedule chooses how several threads share the graph: ScheduleAuto
	// (the zero value) lets NewInterpreter's timing run pick per-op
	// splits or the row dataflow, whichever runs the graph faster (or
	// neither); SchedulePerOp never runs the dataflow; ScheduleDataflow
	// always does (no timing run).
	Schedule Schedule
}

// Schedule is how several threads share the graph (Options.Schedule).
type Schedule int

const (
	// ScheduleAuto: the timing run decides.
	ScheduleAuto Schedule = iota
	// SchedulePerOp: the ops that split (SplitMinMACs, SplitMinNanos)
	// are each cut into one part per thread, and the threads meet after
	// every split op.
	SchedulePerOp
	// ScheduleDataflow: every splittable op is cut into one part per
	// thread, and each thread runs its parts of the ops in graph order,
	// waiting only for the parts of other threads whose bytes its part
	// touches (see docs/ARCHITECTURE.md, Threads).
	ScheduleDataflow
)

// DefaultSplitMinMACs is the default Options.SplitMinMACs, measured with
// the AVX-512 VNNI kernels on a 2-core virtual machine, 2 threads against
// 1 (best of three, p50): with 2^17, person_detect 1.07x, VWW 1.17x, KWS
// 1.21x, MobileNetV2 1.68x; with 2^21 (no op of the first three split)
// 1.00x, and MobileNetV2 1.68x too. 2^16 to 2^18 did about as well.
const DefaultSplitMinMACs = 1 << 17

// DefaultSplitMinNanos is the default Options.SplitMinNanos. On a 2-core
// virtual machine (AMD Zen 5, ~0.94 µs for a cache-line round trip
// between the cores) an op under ~2 µs cannot gain 1.1x from a split;
// the timing run decides above it.
const DefaultSplitMinNanos = 2000

// Interpreter runs one model in its own arena. It is not safe for
// concurrent use; create one per goroutine (they share the Model).
type Interpreter struct {
	model    *Model
	arena    []byte
	env      ops.Env
	inputSet []bool
	closed   bool
	// pool is nil with one thread; cleanup stops it if the interpreter is
	// collected without Close.
	pool    *workerPool
	cleanup goruntime.Cleanup
	// tasks[i] is op i's work for the pool when op i is split (it is
	// splittable, has at least Options.SplitMinMACs MACs and took at least
	// Options.SplitMinNanos on one thread).
	tasks []*poolTask
	// flow is the graph's dataflow plan when Invoke runs the row
	// dataflow (then tasks is unused); nil otherwise.
	flow *dataflow
	// scratch[i] is op i's scratch on the invoking goroutine (nil if it
	// needs none).
	scratch [][]byte
	// state lists the variable tensors (SVDF, LSTM state).
	state []int32
}

// NewInterpreter allocates the arena (Model.ArenaBytes) and binds every
// tensor to its memory. Invoke then allocates nothing.
func NewInterpreter(m *Model, opts *Options) (*Interpreter, error) {
	if m == nil {
		return nil, fmt.Errorf("runtime: nil model")
	}
	limit := int64(DefaultMaxArenaBytes)
	threads := defaultThreads()
	splitMin, splitNanos := int64(DefaultSplitMinMACs), int64(DefaultSplitMinNanos)
	schedule := ScheduleAuto
	if opts != nil {
		if opts.SplitMinMACs != 0 {
			splitMin = max(opts.SplitMinMACs, 0)
		}
		if opts.SplitMinNanos != 0 {
			splitNanos = opts.SplitMinNanos
		}
		if opts.SplitMinMACs < 0 {
			splitNanos = -1
		}
		if opts.MaxArenaBytes > 0 {
			limit = opts.MaxArenaBytes
		}
		if opts.Threads < 0 {
			return nil, fmt.Errorf("runtime: Options.Threads %d, want >= 0", opts.Threads)
		}
		if opts.Schedule < ScheduleAuto || opts.Schedule > ScheduleDataflow {
			return nil, fmt.Errorf("runtime: Options.Schedule %d: unknown", opts.Schedule)
		}
		schedule = opts.Schedule
		if opts.Threads > 0 {
			threads = opts.Threads
		}
	}
	if !m.splittable {
		threads = 1
	}
	// The arena holds activations and every op's scratch (see
	// planScratch); every extra thread has its own scratch after it.
	// With more than one thread the activations are planned again
	// (threadedPlan).
	g, sp := m.graph, &m.scratch
	if threads > 1 {
		tp := m.threadedPlan()
		g, sp = tp.graph, &tp.scratch
	}
	// Checked without overflow for any Threads, and within an int's range.
	if int64(threads-1) > limit/max(sp.extra, 1) {
		return nil, fmt.Errorf("model needs %d bytes of scratch for each of %d extra threads, limit %d: %w", sp.extra, threads-1, limit, ErrResourceLimit)
	}
	size := sp.arenaBytes(threads)
	if size > limit || size > maxArenaLen {
		return nil, fmt.Errorf("model needs a %d-byte arena with %d threads, limit %d: %w", size, threads, limit, ErrResourceLimit)
	}
	// Over-allocate so the arena can start on a 64-byte boundary.
	const align = 64
	raw := make([]byte, size+align)
	shift := (align - int(uintptr(unsafe.Pointer(&raw[0]))%align)) % align
	arena := raw[shift : shift+int(size)]
	it := &Interpreter{
		model:    m,
		arena:    arena,
		inputSet: make([]bool, len(m.inputs)),
		env:      ops.Env{Tensors: make([][]int8, len(g.Tensors))},
		scratch:  make([][]byte, len(m.kernels)),
	}
	for i, n := range sp.size {
		if n > 0 {
			it.scratch[i] = arena[sp.offset[i] : sp.offset[i]+n : sp.offset[i]+n]
		}
	}
	for i := range g.Tensors {
		t := &g.Tensors[i]
		if t.IsConstant() {
			it.env.Tensors[i] = ops.Int8s(t.Data)
			continue
		}
		off, size := t.ArenaOffset, t.ByteSize()
		if off < 0 || size < 0 || off > g.ArenaBytes || size > g.ArenaBytes-off {
			return nil, format.Malformed(fmt.Sprintf("tensor %d %q", i, t.Name), "%d bytes at arena offset %d outside the %d-byte arena", size, off, g.ArenaBytes)
		}
		it.env.Tensors[i] = ops.Int8s(arena[off : off+size : off+size])
		if t.Variable {
			it.state = append(it.state, int32(i))
		}
	}
	it.resetState()
	if threads > 1 {
		envs := make([]ops.Env, threads)
		for w := 1; w < threads; w++ {
			start := sp.threadScratch() + sp.extra*int64(w-1)
			envs[w] = ops.Env{Tensors: it.env.Tensors, Scratch: arena[start : start+sp.extra : start+sp.extra]}
		}
		envs[0].Tensors = it.env.Tensors // its Scratch is set per op
		// Ops big enough by MACs; the timing run (only when some op is)
		// then keeps those that took SplitMinNanos on one thread and ran
		// faster split.
		it.pool = newWorkerPool(envs)
		it.tasks = make([]*poolTask, len(m.kernels))
		if schedule == ScheduleDataflow {
			it.useFlow(it.newDataflow(threads))
		} else {
			it.chooseSchedule(schedule, splitMin, splitNanos)
		}
		// Stop the workers when the interpreter is collected without Close.
		it.cleanup = goruntime.AddCleanup(it, (*workerPool).stop, it.pool)
	}
	return it, nil
}

// chooseSchedule sets the tasks of the ops to split per op (those with
// SplitMinMACs; with a timing run, those that took SplitMinNanos on one
// thread and ran faster split), then, with a timing run and schedule
// ScheduleAuto, times the graph serial, per-op split and as a dataflow
// and keeps the fastest, if it beats serial by graphSplitGain.
func (it *Interpreter) chooseSchedule(schedule Schedule, splitMin, splitNanos int64) {
	m := it.model
	anyCandidate := false
	for i, sp := range m.split {
		if sp != nil && m.work[i] >= splitMin {
			it.tasks[i] = it.pool.newTask(sp)
			anyCandidate = true
		}
	}
	if splitNanos < 0 {
		return
	}
	// A garbage collection running through the timing run (loading a
	// model allocates: one is often under way right after) takes a core
	// from the split ops: measured on MobileNetV2 in the CLI, the split
	// graph then looked 1.1-1.25x faster instead of ~1.5x and 4 runs in
	// 6 kept no split. Finish one first.
	goruntime.GC()
	it.pool.awaitWorkers(workerStartTimeout)
	if anyCandidate {
		serial, split := it.timeSplits()
		keep := chooseSplits(serial, split, time.Duration(splitNanos))
		for i := range it.tasks {
			if !keep[i] {
				it.tasks[i] = nil
			}
		}
	}
	var flow *dataflow
	if schedule == ScheduleAuto {
		flow = it.newDataflow(len(it.pool.envs))
	}
	// An op's own gain can be lost again by the ops after it, which read
	// what the other cores wrote: the whole graph decides.
	serial, perOp, dataflow := it.timeSchedules(flow)
	best := min(perOp, dataflow)
	if float64(serial) < graphSplitGain*float64(best) {
		clear(it.tasks)
		return
	}
	if dataflow < perOp {
		clear(it.tasks)
		it.useFlow(flow)
	}
}

// useFlow makes Invoke run the graph as dataflow f.
func (it *Interpreter) useFlow(f *dataflow) {
	it.flow = f
	it.pool.flowTask = &poolTask{flow: f}
}

// workerStartTimeout bounds how long NewInterpreter waits for the
// workers' goroutines to run before its timing run (a machine too busy to
// run them by then is one where splitting does not pay either).
const workerStartTimeout = 20 * time.Millisecond

// splitRounds is the fewest times timeSplits and timeSchedules run the
// graph each way.
const splitRounds = 5

// timeSplits runs the graph scheduleRounds times on the invoking goroutine
// alone and as many times with the ops that have tasks split, alternately,
// whatever the arena holds (kernels take any bytes), and returns each
// op's fastest time each way. Timed in sequence, an op's time includes
// what it pays for reading data the other threads wrote (or, unsplit,
// for data its own split neighbours left in other cores' caches).
func (it *Interpreter) timeSplits() (serial, split []time.Duration) {
	n := len(it.model.kernels)
	serial, split = make([]time.Duration, n), make([]time.Duration, n)
	for i := range n {
		serial[i], split[i] = time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	}
	inRounds(func() {
		// Each way runs once untimed first (see timeSchedules).
		for i := range n {
			it.eval(i)
		}
		for i := range n {
			t0 := time.Now()
			it.eval(i)
			serial[i] = min(serial[i], time.Since(t0))
		}
		it.pool.wake(workerStartTimeout)
		for i := range n {
			it.evalShared(i)
		}
		for i := range n {
			t0 := time.Now()
			it.evalShared(i)
			split[i] = min(split[i], time.Since(t0))
		}
	})
	it.env.Err = nil // garbage positions in the arena
	return serial, split
}

// scheduleBudget is about how long timeSchedules spends on its rounds
// beyond the first splitRounds, and maxScheduleRounds caps them. A small
// graph's fastest of five runs is a noisy estimate: on the development VM
// ResNet-8 (a 50 µs graph) read 54-72 µs serial against 52 steady, and
// chose serial in 4 of 12 interpreters though its dataflow ran 1.3-1.5x
// faster; KWS chose its slower dataflow in 1 of 12. Large graphs, whose
// five rounds already take tens of milliseconds, keep five.
const (
	scheduleBudget    = 10 * time.Millisecond
	maxScheduleRounds = 40
)

// scheduleRounds is how many rounds timeSchedules runs when one round
// (every way, each run twice) took round.
func scheduleRounds(round time.Duration) int {
	if round <= 0 {
		return maxScheduleRounds
	}
	return int(min(max(int64(scheduleBudget/round), splitRounds), maxScheduleRounds))
}

// inRounds runs round once, then again until it has run scheduleRounds
// of the first one's time.
func inRounds(round func()) {
	start := time.Now()
	round()
	for n := scheduleRounds(time.Since(start)); n > 1; n-- {
		round()
	}
}

// timeSchedules runs the graph scheduleRounds times each way, alternately:
// on the invoking goroutine alone, with the ops that have tasks split
// (MaxInt64 when none has), and as dataflow flow (MaxInt64 when nil); it
// returns the fastest run of each. Each timed run follows an untimed one
// of the same way: right after another way the arena's lines sit in the
// cache of whichever core wrote them last, which a steady stream of
// Invokes of one way does not pay. Without it, KWS on the development
// VM (a 25 µs graph, half its lines moving between cores) chose dataflow
// in 3 of 6 interpreters, and ran 1.15x slower than one thread.
func (it *Interpreter) timeSchedules(flow *dataflow) (serial, perOp, dataflow time.Duration) {
	serial, perOp, dataflow = math.MaxInt64, math.MaxInt64, math.MaxInt64
	anyTask := slices.ContainsFunc(it.tasks, func(t *poolTask) bool { return t != nil })
	if !anyTask && flow == nil {
		return serial, perOp, dataflow
	}
	n := len(it.model.kernels)
	inRounds(func() {
		serial = min(serial, timedWarm(func() {
			for i := range n {
				it.eval(i)
			}
		}))
		if anyTask {
			it.pool.wake(workerStartTimeout)
			perOp = min(perOp, timedWarm(func() {
				for i := range n {
					it.evalShared(i)
				}
			}))
		}
		if flow != nil {
			it.useFlow(flow)
			it.pool.wake(workerStartTimeout)
			dataflow = min(dataflow, timedWarm(func() { it.runFlow(0, n, nil, time.Time{}) }))
			it.flow, it.pool.flowTask = nil, nil
		}
	})
	it.env.Err = nil
	return serial, perOp, dataflow
}

// timedWarm runs f twice and returns how long the second run took: the
// first puts the memory f touches where f leaves it (see timeSchedules).
func timedWarm(f func()) time.Duration {
	f()
	t0 := time.Now()
	f()
	return time.Since(t0)
}

// splitGain: an op is split only if it ran at least this much faster
// split (serial/split), so that noise in a timing run does not decide.
const splitGain = 1.1

// graphSplitGain: the splits are kept only if the whole graph ran at
// least this much faster with them. Higher than splitGain: on small
// models (micro_speech, 12 us) a timing run of a few graphs on a shared
// machine can show 1.1x that steady running does not keep.
const graphSplitGain = 1.15

// chooseSplits keeps op i split when it took at least minTime on one
// thread and ran splitGain times faster split.
func chooseSplits(serial, split []time.Duration, minTime time.Duration) []bool {
	keep := make([]bool, len(serial))
	for i := range keep {
		keep[i] = serial[i] >= minTime && float64(serial[i]) >= splitGain*float64(split[i])
	}
	return keep
}

// String names the schedule as ParseSchedule reads it.
func (s Schedule) String() string {
	switch s {
	case ScheduleAuto:
		return "auto"
	case SchedulePerOp:
		return "perop"
	case ScheduleDataflow:
		return "dataflow"
	}
	return fmt.Sprintf("Schedule(%d)", int(s))
}

// ParseSchedule reads "auto", "perop" or "dataflow".
func ParseSchedule(name string) (Schedule, error) {
	for s := ScheduleAuto; s <= ScheduleDataflow; s++ {
		if name == s.String() {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown schedule %q (want auto, perop or dataflow)", name)
}

// Schedule reports how Invoke shares the graph between threads:
// ScheduleDataflow, or SchedulePerOp with the number of ops it splits
// (0: everything runs on the invoking goroutine, as with one thread).
func (it *Interpreter) Schedule() (s Schedule, splitOps int) {
	if it.flow != nil {
		return ScheduleDataflow, 0
	}
	for _, t := range it.tasks {
		if t != nil {
			splitOps++
		}
	}
	return SchedulePerOp, splitOps
}

// Threads returns the number of goroutines Invoke uses.
func (it *Interpreter) Threads() int {
	if it.pool == nil {
		return 1
	}
	return len(it.pool.envs)
}

// ArenaBytes returns the memory this interpreter allocated for activations
// and scratch: Model.ArenaBytes with one thread; with more, the threaded
// plan's arena plus scratch for every extra thread (ArenaLayout.Threaded).
func (it *Interpreter) ArenaBytes() int64 { return int64(len(it.arena)) }

// Model returns the interpreter's model.
func (it *Interpreter) Model() *Model { return it.model }

// ResetState resets every variable tensor (the state SVDF and LSTM layers
// keep from one Invoke to the next) as TFLite Micro's
// ResetVariableTensors does: int8 state to its zero point, other state to
// 0. A new interpreter starts so.
// Streaming models run Invoke once per frame and ResetState between
// independent streams (utterances).
func (it *Interpreter) ResetState() error {
	if it.closed {
		return ErrClosed
	}
	it.resetState()
	return nil
}

func (it *Interpreter) resetState() {
	g := it.model.graph
	for _, i := range it.state {
		// int8 state starts at its zero point, wider state at 0 (what
		// TFLite Micro's reset writes, whatever the zero point).
		v := it.env.Tensors[i]
		if t := &g.Tensors[i]; t.DType == format.DTypeInt8 && len(t.ZeroPoint) > 0 {
			for k := range v {
				v[k] = int8(t.ZeroPoint[0])
			}
			continue
		}
		clear(v)
	}
}

// Close releases the arena. Later calls return ErrClosed.
func (it *Interpreter) Close() error {
	if it.closed {
		return nil
	}
	if it.pool != nil {
		it.cleanup.Stop()
		it.pool.stop()
		it.pool, it.tasks, it.flow = nil, nil, nil
	}
	it.closed = true
	it.arena = nil
	for i := range it.env.Tensors {
		it.env.Tensors[i] = nil
	}
	return nil
}

// Invoke runs the graph once. It performs no heap allocation.
//
// The memory plan reuses an input's memory once the input has been read,
// so Invoke may overwrite the inputs: set every input again (SetInput,
// SetInputFloat32, or by writing through InputBytes) before the next
// Invoke. Invoke does not detect stale inputs; it only refuses inputs that
// were never set (ErrInputNotSet).
func (it *Interpreter) Invoke() error { return it.invoke(0, len(it.model.kernels)) }

// invoke is Invoke running only ops from..to-1, for TimeOps. Out of line,
// so that TimeOps runs the very code Invoke runs.
//
//go:noinline
func (it *Interpreter) invoke(from, to int) error {
	if err := it.ready(); err != nil {
		return err
	}
	if it.flow != nil {
		it.runFlow(from, to, nil, time.Time{})
	} else if it.pool != nil {
		for i := from; i < to; i++ {
			it.evalShared(i)
		}
	} else {
		for i := from; i < to; i++ {
			it.eval(i)
		}
	}
	return it.takeErr()
}

// takeErr returns and clears the error a kernel reported during the
// invocation (ops.Env.Err: an out-of-range position read from an input).
func (it *Interpreter) takeErr() error {
	if err := it.env.Err; err != nil {
		it.env.Err = nil
		return fmt.Errorf("%w: %w", ErrInvalidInput, err)
	}
	return nil
}

// eval runs op i on the invoking goroutine, in its scratch.
func (it *Interpreter) eval(i int) {
	it.env.Scratch = it.scratch[i]
	it.model.kernels[i].Eval(&it.env)
}

// evalShared runs op i, split over the pool when it is splittable and
// large enough.
func (it *Interpreter) evalShared(i int) {
	if t := it.tasks[i]; t != nil {
		it.pool.envs[0].Scratch = it.scratch[i]
		it.pool.run(t)
		return
	}
	it.eval(i)
}

// ready reports why the interpreter cannot run, if it cannot.
func (it *Interpreter) ready() error {
	if it.closed {
		return ErrClosed
	}
	for i, set := range it.inputSet {
		if !set {
			return fmt.Errorf("input %d %q: %w", i, it.model.inputs[i].Name, ErrInputNotSet)
		}
	}
	return nil
}

func (it *Interpreter) tensorBytes(t int) []byte {
	v := it.env.Tensors[t]
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), len(v))
}

func (it *Interpreter) checkIndex(i int, infos []TensorInfo, what string) error {
	if it.closed {
		return ErrClosed
	}
	if i < 0 || i >= len(infos) {
		return fmt.Errorf("%s %d: out of range (model has %d)", what, i, len(infos))
	}
	return nil
}

// InputBytes returns input i's memory in the arena (raw little-endian data
// in the tensor's dtype) for the caller to fill, and marks the input set.
// It returns nil for an invalid index or a closed interpreter.
func (it *Interpreter) InputBytes(i int) []byte {
	if it.checkIndex(i, it.model.inputs, "input") != nil {
		return nil
	}
	it.inputSet[i] = true
	return it.tensorBytes(it.model.inputs[i].Index)
}

// SetInput copies data (raw bytes in the tensor's dtype) into input i.
func (it *Interpreter) SetInput(i int, data []byte) error {
	if err := it.checkIndex(i, it.model.inputs, "input"); err != nil {
		return err
	}
	info := &it.model.inputs[i]
	if len(data) != info.Bytes {
		return fmt.Errorf("input %d %q: %d bytes, want %d (%v %s): %w", i, info.Name, len(data), info.Bytes, info.Shape, info.DType, ErrShapeMismatch)
	}
	copy(it.tensorBytes(info.Index), data)
	it.inputSet[i] = true
	return nil
}

// SetInputInt8 copies int8 data into input i, which must be an int8
// tensor (ErrShapeMismatch otherwise, even when the byte counts agree).
func (it *Interpreter) SetInputInt8(i int, data []int8) error {
	if err := it.checkIndex(i, it.model.inputs, "input"); err != nil {
		return err
	}
	if info := &it.model.inputs[i]; info.DType != format.DTypeInt8 {
		return fmt.Errorf("input %d %q: int8 data for a %s tensor: %w", i, info.Name, info.DType, ErrShapeMismatch)
	}
	if len(data) == 0 {
		return it.SetInput(i, nil)
	}
	return it.SetInput(i, unsafe.Slice((*byte)(unsafe.Pointer(&data[0])), len(data)))
}

// SetInputUint8 copies uint8 data into input i, which must be a uint8
// tensor (ErrShapeMismatch otherwise): the bytes TFLite would take, for
// example a camera image for a model declaring a uint8 input.
func (it *Interpreter) SetInputUint8(i int, data []uint8) error {
	if err := it.checkIndex(i, it.model.inputs, "input"); err != nil {
		return err
	}
	if info := &it.model.inputs[i]; info.DType != format.DTypeUint8 {
		return fmt.Errorf("input %d %q: uint8 data for a %s tensor: %w", i, info.Name, info.DType, ErrShapeMismatch)
	}
	return it.SetInput(i, data)
}

// SetInputFloat32 quantizes float values into int8, uint8 or int16 input
// i with the input's scale and zero point, exactly as TFLite's QUANTIZE
// does (round half away from zero of the float32 quotient value/scale,
// plus the zero point, clamped to the tensor's type). NaN quantizes to
// the zero point.
func (it *Interpreter) SetInputFloat32(i int, values []float32) error {
	if err := it.checkIndex(i, it.model.inputs, "input"); err != nil {
		return err
	}
	info := &it.model.inputs[i]
	if info.DType == format.DTypeFloat32 { // read by a CAST: the values as they are
		return it.setInputFloat32Raw(i, info, values)
	}
	if !floatBoundaryType(info.DType) || info.Scale == 0 {
		return fmt.Errorf("input %d %q: %s tensor without quantization cannot take float32: %w", i, info.Name, info.DType, ErrShapeMismatch)
	}
	if n := info.Bytes / info.DType.Size(); len(values) != n {
		return fmt.Errorf("input %d %q: %d values, want %d: %w", i, info.Name, len(values), n, ErrShapeMismatch)
	}
	switch info.DType {
	case format.DTypeInt16:
		QuantizeFloat32Int16(it.env.Tensors[info.Index], values, info.Scale, info.ZeroPoint)
	case format.DTypeUint8:
		QuantizeFloat32Uint8(it.tensorBytes(info.Index), values, info.Scale, info.ZeroPoint)
	default:
		QuantizeFloat32(it.env.Tensors[info.Index], values, info.Scale, info.ZeroPoint)
	}
	it.inputSet[i] = true
	return nil
}

// OutputBytes returns output i's memory in the arena (valid until the next
// Invoke), or nil for an invalid index or a closed interpreter.
func (it *Interpreter) OutputBytes(i int) []byte {
	if it.checkIndex(i, it.model.outputs, "output") != nil {
		return nil
	}
	return it.tensorBytes(it.model.outputs[i].Index)
}

// OutputInt8 returns output i as int8 values (valid until the next
// Invoke), or nil for an invalid index, a closed interpreter or an output
// that is not an int8 tensor (use OutputBytes for the raw data of others).
func (it *Interpreter) OutputInt8(i int) []int8 {
	if it.checkIndex(i, it.model.outputs, "output") != nil || it.model.outputs[i].DType != format.DTypeInt8 {
		return nil
	}
	return it.env.Tensors[it.model.outputs[i].Index]
}

// OutputUint8 returns output i as uint8 values (valid until the next
// Invoke), or nil for an invalid index, a closed interpreter or an output
// that is not a uint8 tensor.
func (it *Interpreter) OutputUint8(i int) []uint8 {
	if it.checkIndex(i, it.model.outputs, "output") != nil || it.model.outputs[i].DType != format.DTypeUint8 {
		return nil
	}
	return it.tensorBytes(it.model.outputs[i].Index)
}

// OutputFloat32 dequantizes int8, uint8 or int16 output i into dst (grown
// if needed) exactly as TFLite's DEQUANTIZE does:
// float32(double(scale) * (q - zero_point)).
func (it *Interpreter) OutputFloat32(i int, dst []float32) ([]float32, error) {
	if err := it.checkIndex(i, it.model.outputs, "output"); err != nil {
		return nil, err
	}
	info := &it.model.outputs[i]
	if !floatBoundaryType(info.DType) || info.Scale == 0 {
		return nil, fmt.Errorf("output %d %q: %s tensor without quantization has no float32 form: %w", i, info.Name, info.DType, ErrShapeMismatch)
	}
	q := it.env.Tensors[info.Index]
	n := len(q) / info.DType.Size()
	if cap(dst) < n {
		dst = make([]float32, n)
	}
	dst = dst[:n]
	switch info.DType {
	case format.DTypeInt16:
		DequantizeInt16(dst, q, info.Scale, info.ZeroPoint)
	case format.DTypeUint8:
		DequantizeUint8(dst, it.tensorBytes(info.Index), info.Scale, info.ZeroPoint)
	default:
		DequantizeInt8(dst, q, info.Scale, info.ZeroPoint)
	}
	return dst, nil
}

// QuantizeFloat32 is TFLite's affine quantization of float32 values to int8
// (see SetInputFloat32). dst and src must have equal lengths.
func QuantizeFloat32(dst []int8, src []float32, scale float32, zeroPoint int32) {
	for i, v := range src {
		dst[i] = int8(quantize(v, scale, zeroPoint, math.MinInt8, math.MaxInt8))
	}
}

// QuantizeFloat32Uint8 is QuantizeFloat32 for a uint8 tensor (zero point
// and clamp in [0, 255]).
func QuantizeFloat32Uint8(dst []uint8, src []float32, scale float32, zeroPoint int32) {
	for i, v := range src {
		dst[i] = uint8(quantize(v, scale, zeroPoint, 0, math.MaxUint8))
	}
}

// quantize is TFLite's AffineQuantize of one value, clamped to [lo, hi].
func quantize(v, scale float32, zeroPoint int32, lo, hi int64) int64 {
	// float32 division, as TFLite's reference does it; the golden cases
	// differ from a double-precision division.
	r := math.Round(float64(float32(v / scale)))
	var q int64
	switch {
	case r != r: // NaN
		q = 0
	case r > math.MaxInt32:
		q = math.MaxInt32
	case r < math.MinInt32:
		q = math.MinInt32
	default:
		q = int64(r)
	}
	return min(max(q+int64(zeroPoint), lo), hi)
}

// DequantizeInt8 is TFLite's dequantization of int8 values to float32 (see
// OutputFloat32). dst and src must have equal lengths.
func DequantizeInt8(dst []float32, src []int8, scale float32, zeroPoint int32) {
	s := float64(scale)
	for i, q := range src {
		dst[i] = float32(s * float64(int32(q)-zeroPoint))
	}
}

// DequantizeUint8 is DequantizeInt8 for uint8 values.
func DequantizeUint8(dst []float32, src []uint8, scale float32, zeroPoint int32) {
	s := float64(scale)
	for i, q := range src {
		dst[i] = float32(s * float64(int32(q)-zeroPoint))
	}
}
