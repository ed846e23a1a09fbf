package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/cpuid/v2"

	"github.com/edgerun/edgerun/ops"
	"github.com/edgerun/edgerun/runtime"
)

// benchReport is what `edgerun bench` measures; --json prints it as is.
type benchReport struct {
	Model         string     `json:"model"`
	Runs          int        `json:"runs"`
	WarmupRuns    int        `json:"warmup_runs"`
	LatencyMicros latencies  `json:"latency_us"`
	PerSecond     float64    `json:"inferences_per_second"`
	ArenaBytes    int64      `json:"arena_bytes"`
	Threads       int        `json:"threads"`
	WeightBytes   int64      `json:"weight_bytes"`
	AllocsPerRun  float64    `json:"allocs_per_invoke"`
	MACs          int64      `json:"macs"`
	GMACPerSecond float64    `json:"gmac_per_second"`
	Kernels       string     `json:"kernels"`
	GoVersion     string     `json:"go_version"`
	GOOS          string     `json:"goos"`
	GOARCH        string     `json:"goarch"`
	CPU           string     `json:"cpu"`
	Profile       *opProfile `json:"profile,omitempty"`
}

type latencies struct {
	Min float64 `json:"min"`
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func cmdBench(args []string, stdout io.Writer) error {
	fs := newFlagSet("bench", "edgerun bench [MODEL] [flags]")
	var inputs fileList
	fs.Var(&inputs, "i", "input file per input (default: seeded pseudo-random bytes)")
	runs := fs.Int("runs", 0, "timed runs (default: as many as fit in --duration, at least 10)")
	duration := fs.Duration("duration", 3*time.Second, "timed duration when --runs is not given")
	warmup := fs.Int("warmup", 3, "untimed warm-up runs")
	seed := fs.Uint("seed", 1, "seed of the pseudo-random inputs")
	asJSON := fs.Bool("json", false, "print one JSON object")
	profile := fs.Bool("profile", false, "also time every op")
	threads := fs.Int("threads", 0, "goroutines for conv/depthwise/FC work (default: all cores)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("bench takes at most one MODEL")
	}
	if *runs < 0 || *warmup < 0 || *duration <= 0 || *threads < 0 {
		return usagef("--runs, --warmup, --threads must be >= 0 and --duration > 0")
	}
	path := ""
	if len(pos) == 1 {
		path = pos[0]
	}
	m, name, err := loadModel(path)
	if err != nil {
		return err
	}
	it, err := runtime.NewInterpreter(m, &runtime.Options{Threads: *threads})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer it.Close()
	if err := setInputs(it, inputs, uint32(*seed)); err != nil {
		return err
	}

	rep := benchReport{Model: name, WarmupRuns: *warmup, ArenaBytes: it.ArenaBytes(), Threads: it.Threads(), Kernels: ops.KernelsDescription(),
		GoVersion: goruntime.Version(), GOOS: goruntime.GOOS, GOARCH: goruntime.GOARCH, CPU: cpuModel()}
	g := m.Graph()
	for i := range g.Tensors {
		if g.Tensors[i].IsConstant() {
			rep.WeightBytes += int64(len(g.Tensors[i].Data))
		}
	}
	for i := range g.Ops {
		rep.MACs += ops.MACs(g, i)
	}
	for i := 0; i < *warmup; i++ {
		if err := it.Invoke(); err != nil {
			return err
		}
	}

	progress := isTerminal(stdout) && !*asJSON
	var times []time.Duration
	start := time.Now()
	lastProgress := start
	for n := 0; ; n++ {
		if *runs > 0 && n >= *runs || *runs == 0 && n >= 10 && time.Since(start) >= *duration {
			break
		}
		t0 := time.Now()
		if err := it.Invoke(); err != nil {
			return err
		}
		// A monotonic-only reading: half the cost of time.Now.
		t1 := t0.Add(time.Since(t0))
		if times == nil {
			times = make([]time.Duration, 0, 1024)
		}
		times = append(times, t1.Sub(t0))
		if progress && t1.Sub(lastProgress) > 200*time.Millisecond {
			fmt.Fprintf(stdout, "\r%d runs, %.1fs ...", n+1, t1.Sub(start).Seconds())
			lastProgress = t1
		}
	}
	if progress {
		fmt.Fprint(stdout, "\r\033[K")
	}
	rep.Runs = len(times)
	// Measure allocations on a separate pass so the timing slice's growth
	// does not count.
	rep.AllocsPerRun = allocsPerInvoke(it)

	sort.Slice(times, func(a, b int) bool { return times[a] < times[b] })
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	pct := func(p float64) time.Duration { return times[min(len(times)-1, int(p*float64(len(times))))] }
	var total time.Duration
	for _, d := range times {
		total += d
	}
	rep.LatencyMicros = latencies{Min: us(times[0]), P50: us(pct(0.5)), P90: us(pct(0.9)), P99: us(pct(0.99)), Max: us(times[len(times)-1])}
	rep.PerSecond = float64(len(times)) / total.Seconds()
	rep.GMACPerSecond = float64(rep.MACs) * rep.PerSecond / 1e9

	if *profile {
		if rep.Profile, err = profileOps(it, rep.Runs, pct(0.5)); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printBench(stdout, &rep)
	if rep.Profile != nil {
		printProfile(stdout, rep.Profile)
	}
	return nil
}

// allocsPerInvoke counts heap allocations per Invoke the way
// testing.AllocsPerRun does: one warm-up call, GOMAXPROCS 1 while
// measuring, and the average rounded down, so that a stray allocation by
// the Go runtime's own goroutines does not count as the model's.
func allocsPerInvoke(it *runtime.Interpreter) float64 {
	const n = 20
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(1))
	_ = it.Invoke()
	var a, b goruntime.MemStats
	goruntime.ReadMemStats(&a)
	for i := 0; i < n; i++ {
		_ = it.Invoke()
	}
	goruntime.ReadMemStats(&b)
	return float64((b.Mallocs - a.Mallocs) / n)
}

// setInputs fills inputs from files, or with seeded pseudo-random bytes.
func setInputs(it *runtime.Interpreter, files []string, seed uint32) error {
	m := it.Model()
	if len(files) != 0 && len(files) != len(m.Inputs()) {
		return usagef("model has %d inputs, got %d -i files", len(m.Inputs()), len(files))
	}
	for i, info := range m.Inputs() {
		if len(files) == 0 {
			fillPattern(it.InputBytes(i), seed+uint32(i))
			continue
		}
		data, err := readInputFile(files[i], info)
		if err != nil {
			return err
		}
		if err := it.SetInput(i, data); err != nil {
			return fmt.Errorf("%s: %w (input %q is %v %s, %d bytes)", files[i], err, info.Name, info.Shape, info.DType, info.Bytes)
		}
	}
	return nil
}

func printBench(w io.Writer, r *benchReport) {
	fmt.Fprintf(w, "model:        %s\n", r.Model)
	fmt.Fprintf(w, "runs:         %d (after %d warm-up)\n", r.Runs, r.WarmupRuns)
	fmt.Fprintf(w, "latency (us): min %.1f  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n",
		r.LatencyMicros.Min, r.LatencyMicros.P50, r.LatencyMicros.P90, r.LatencyMicros.P99, r.LatencyMicros.Max)
	fmt.Fprintf(w, "throughput:   %.1f inferences/s, %.2f GMAC/s (%d MACs per inference)\n", r.PerSecond, r.GMACPerSecond, r.MACs)
	fmt.Fprintf(w, "memory:       arena %d bytes, weights %d bytes\n", r.ArenaBytes, r.WeightBytes)
	fmt.Fprintf(w, "allocations:  %g per Invoke\n", r.AllocsPerRun)
	fmt.Fprintf(w, "threads:      %d\n", r.Threads)
	fmt.Fprintf(w, "kernels:      %s\n", r.Kernels)
	fmt.Fprintf(w, "platform:     %s %s/%s, %s\n", r.GoVersion, r.GOOS, r.GOARCH, r.CPU)
}

// opProfile is the per-op time table of --profile.
type opProfile struct {
	Ops []opTime `json:"ops"`
	// LatencyMicros is the latency of unprofiled invocations interleaved
	// with the profiled ones (RobustMean, like the ops' times), so that
	// both see the same machine; TotalMicros / LatencyMicros ≈ 1 shows
	// that the table accounts for the time an inference takes.
	LatencyMicros float64 `json:"unprofiled_latency_us"`
	// TotalMicros is the sum of the ops' times and RuntimeMicros.
	TotalMicros float64 `json:"total_us_per_invoke"`
	// RuntimeMicros is the time per invocation outside the ops: the
	// checks Invoke makes before running them.
	RuntimeMicros float64 `json:"runtime_us"`
	// ClockNanos is the cost of a clock reading, subtracted from each op.
	ClockNanos float64 `json:"clock_overhead_ns"`
	Runs       int     `json:"runs"`
}

type opTime struct {
	Index       int     `json:"index"`
	Type        string  `json:"type"`
	OutputShape []int32 `json:"output_shape"`
	MACs        int64   `json:"macs"`
	Share       float64 `json:"time_share"`
	Micros      float64 `json:"us"`
	GMACPerSec  float64 `json:"gmac_per_second"`
}

// profileOps times every op over profiled invocations, at least 100 and
// a second's worth (fewer if runs is smaller; at most 16 MiB of samples). Before each,
// it times a block of unprofiled invocations, long enough (about 20 µs)
// that reading the clock around the block costs nothing next to it: the
// latency to judge the profile by, measured on the same machine at the
// same time, with the same estimator (runtime.RobustMean). Each op's
// figure is a mean, so ops shorter than the clock's step still add up
// right.
func profileOps(it *runtime.Interpreter, runs int, latency time.Duration) (*opProfile, error) {
	const minRuns, minTime = 100, time.Second
	maxRuns := max(5000, min(100000, (16<<20)/8/max(1, len(it.Model().Graph().Ops))))
	m := it.Model()
	g := m.Graph()
	p := runtime.NewProfile(m)
	limit := max(1, min(runs, maxRuns))
	block := 1
	if latency > 0 {
		block = max(1, int(20*time.Microsecond/latency))
	}
	nops := len(g.Ops)
	// samples[run*cols + op]; column nops is the runtime's time.
	cols := nops + 1
	samples := make([]int64, limit*cols)
	plain := make([]int64, limit)
	prev := make([]int64, cols)
	start := time.Now()
	n := 0
	for ; n < limit && (n < minRuns || time.Since(start) < minTime); n++ {
		t0 := time.Now()
		for range block {
			if err := it.Invoke(); err != nil {
				return nil, err
			}
		}
		plain[n] = int64(time.Since(t0)) / int64(block)
		if err := it.InvokeProfiled(p); err != nil {
			return nil, err
		}
		row := samples[n*cols : (n+1)*cols]
		for i, ns := range p.OpNanos {
			row[i] = ns - prev[i]
			prev[i] = ns
		}
		row[nops] = p.RuntimeNanos - prev[nops]
		prev[nops] = p.RuntimeNanos
	}
	prof := &opProfile{
		ClockNanos:    p.ClockNanos,
		Runs:          n,
		LatencyMicros: runtime.RobustMean(plain[:n]) / 1e3,
	}
	// Invocations an interrupt or a preemption inflated are dropped whole
	// (RobustMean's rule applied to the profiled totals), and each op's
	// time is its mean over the rest: the ops' times then add up to the
	// mean of the same invocations, judged against the same estimator on
	// the unprofiled ones. (Dropping outliers op by op instead would drop
	// a 5 µs interrupt from a 2 µs op but keep it in a 90 µs total.)
	totals := make([]int64, n)
	for r := range totals {
		for _, v := range samples[r*cols : (r+1)*cols] {
			totals[r] += v
		}
	}
	sorted := slices.Clone(totals)
	slices.Sort(sorted)
	cut := 2*max(sorted[len(sorted)/2], 0) + 100
	kept := 0
	means := make([]float64, cols)
	for r, total := range totals {
		if total > cut {
			continue
		}
		kept++
		for i, v := range samples[r*cols : (r+1)*cols] {
			means[i] += float64(v)
		}
	}
	var sum float64
	for i := range means {
		// An op shorter than the clock's jitter can average below zero.
		means[i] = max(0, means[i]/float64(kept))
		sum += means[i]
	}
	prof.TotalMicros = sum / 1e3
	prof.RuntimeMicros = means[nops] / 1e3
	for i, ns := range means[:nops] {
		op := &g.Ops[i]
		t := opTime{Index: i, Type: op.Code.String(), MACs: ops.MACs(g, i), Micros: ns / 1e3}
		if len(op.Outputs) > 0 {
			t.OutputShape = g.Tensors[op.Outputs[0]].Shape
		}
		if sum > 0 {
			t.Share = ns / sum
		}
		if t.Micros > 0 {
			t.GMACPerSec = float64(t.MACs) / (t.Micros * 1e3)
		}
		prof.Ops = append(prof.Ops, t)
	}
	sort.SliceStable(prof.Ops, func(a, b int) bool { return prof.Ops[a].Micros > prof.Ops[b].Micros })
	return prof, nil
}

func printProfile(w io.Writer, p *opProfile) {
	fmt.Fprintf(w, "\n%5s  %-18s %-18s %12s %7s %10s %8s\n", "op", "type", "output", "MACs", "time%", "us", "GMAC/s")
	for _, o := range p.Ops {
		fmt.Fprintf(w, "%5d  %-18s %-18s %12d %6.1f%% %10.3f %8.2f\n", o.Index, o.Type, fmt.Sprint(o.OutputShape), o.MACs, 100*o.Share, o.Micros, o.GMACPerSec)
	}
	if p.TotalMicros > 0 {
		fmt.Fprintf(w, "%5s  %-18s %-18s %12s %6.1f%% %10.3f\n", "-", "(runtime checks)", "", "", 100*p.RuntimeMicros/p.TotalMicros, p.RuntimeMicros)
	}
	fmt.Fprintf(w, "total: %.3f us per invoke (the ops' mean times over %d profiled invokes, %.1f ns clock overhead subtracted per op)\n",
		p.TotalMicros, p.Runs, p.ClockNanos)
	if p.LatencyMicros > 0 {
		fmt.Fprintf(w, "unprofiled latency %.3f us, measured between the profiled invokes (profile/latency = %.3f)\n", p.LatencyMicros, p.TotalMicros/p.LatencyMicros)
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// cpuModel names the processor.
func cpuModel() string {
	if name := strings.TrimSpace(cpuid.CPU.BrandName); name != "" {
		return name
	}
	// cpuid knows little on some architectures; Linux says more.
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if ok && (strings.TrimSpace(k) == "model name" || strings.TrimSpace(k) == "Model") {
				return strings.TrimSpace(v)
			}
		}
	}
	return "unknown CPU (" + goruntime.GOARCH + ")"
}
