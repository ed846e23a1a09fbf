package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	goruntime "runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/cpuid/v2"

	"github.com/edgerun/edgerun/runtime"
)

// benchReport is what `edgerun bench` measures; --json prints it as is.
type benchReport struct {
	Model         string    `json:"model"`
	Runs          int       `json:"runs"`
	WarmupRuns    int       `json:"warmup_runs"`
	LatencyMicros latencies `json:"latency_us"`
	// ClockNanos is the cost of a clock reading, subtracted from each
	// run's latency: hello_world's 60 ns invocation measured 90.
	ClockNanos float64 `json:"clock_overhead_ns"`
	PerSecond  float64 `json:"inferences_per_second"`
	ArenaBytes int64   `json:"arena_bytes"`
	Threads    int     `json:"threads"`
	// Schedule is how the threads share the graph: "dataflow", "perop
	// (N ops split)", or "serial" (one thread, or splitting did not pay).
	Schedule      string     `json:"schedule"`
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
	fs.Var(&inputs, "i", "input file per input, as run takes it (default: seeded pseudo-random bytes)")
	runs := fs.Int("runs", 0, "timed runs (default: as many as fit in --duration, at least 10)")
	duration := fs.Duration("duration", 3*time.Second, "timed duration when --runs is not given")
	warmup := fs.Int("warmup", 3, "untimed warm-up runs")
	seed := fs.Uint("seed", 1, "seed of the pseudo-random inputs")
	asJSON := fs.Bool("json", false, "print one JSON object")
	profile := fs.Bool("profile", false, "also time every op")
	threads := fs.Int("threads", 0, "goroutines for conv/depthwise/FC work (default: all cores)")
	schedule := fs.String("schedule", "auto", "how threads share the graph: auto (timed at load), perop (split ops, a join after each) or dataflow (rows, no joins)")
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
	sched, err := runtime.ParseSchedule(*schedule)
	if err != nil {
		return usagef("--schedule: %v", err)
	}
	it, err := runtime.NewInterpreter(m, &runtime.Options{Threads: *threads, Schedule: sched})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer it.Close()
	if err := setInputs(it, inputs, uint32(*seed)); err != nil {
		return err
	}

	rep := benchReport{Model: name, WarmupRuns: *warmup, ArenaBytes: it.ArenaBytes(), Threads: it.Threads(), Kernels: runtime.KernelsDescription(),
		GoVersion: goruntime.Version(), GOOS: goruntime.GOOS, GOARCH: goruntime.GOARCH, CPU: cpuModel()}
	switch s, n := it.Schedule(); {
	case it.Threads() == 1 || s == runtime.SchedulePerOp && n == 0:
		rep.Schedule = "serial"
	case s == runtime.SchedulePerOp:
		rep.Schedule = fmt.Sprintf("perop, %d ops split", n)
	default:
		rep.Schedule = s.String()
	}
	g := m.Graph()
	for i := range g.Tensors {
		if g.Tensors[i].IsConstant() {
			rep.WeightBytes += int64(len(g.Tensors[i].Data))
		}
	}
	rep.MACs = m.MACs()
	for i := 0; i < *warmup; i++ {
		if err := it.Invoke(); err != nil {
			return err
		}
	}

	progress := isTerminal(stdout) && !*asJSON
	rep.ClockNanos = runtime.ClockReadingNanos()
	var times []time.Duration
	// Readings since start read only the monotonic clock, half the cost of
	// time.Now, and the way ClockReadingNanos measured.
	start := time.Now()
	var lastProgress time.Duration
	for n := 0; ; n++ {
		t0 := time.Since(start)
		if *runs > 0 && n >= *runs || *runs == 0 && n >= 10 && t0 >= *duration {
			break
		}
		if err := it.Invoke(); err != nil {
			return err
		}
		t1 := time.Since(start)
		if times == nil {
			times = make([]time.Duration, 0, 1024)
		}
		times = append(times, t1-t0)
		if progress && t1-lastProgress > 200*time.Millisecond {
			fmt.Fprintf(stdout, "\r%d runs, %.1fs ...", n+1, t1.Seconds())
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
	// Each time less one reading's cost (it can come out a little below
	// the truth: how much of a reading overlaps the work varies).
	us := func(d time.Duration) float64 { return max(0, float64(d.Nanoseconds())-rep.ClockNanos) / 1e3 }
	pct := func(p float64) time.Duration { return times[min(len(times)-1, int(p*float64(len(times))))] }
	var totalMicros float64
	for _, d := range times {
		totalMicros += us(d)
	}
	rep.LatencyMicros = latencies{Min: us(times[0]), P50: us(pct(0.5)), P90: us(pct(0.9)), P99: us(pct(0.99)), Max: us(times[len(times)-1])}
	rep.PerSecond = float64(len(times)) / (totalMicros / 1e6)
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

// setInputs fills inputs from files, or as exampleInput does.
func setInputs(it *runtime.Interpreter, files []string, seed uint32) error {
	m := it.Model()
	if len(files) != 0 && len(files) != len(m.Inputs()) {
		return usagef("model has %d inputs, got %d -i files", len(m.Inputs()), len(files))
	}
	for i, info := range m.Inputs() {
		if len(files) == 0 {
			exampleInput(it.InputBytes(i), info.DType, seed+uint32(i))
			continue
		}
		if err := setInputFile(it, i, info, files[i]); err != nil {
			return err
		}
	}
	return nil
}

func printBench(w io.Writer, r *benchReport) {
	fmt.Fprintf(w, "model:        %s\n", r.Model)
	fmt.Fprintf(w, "runs:         %d (after %d warm-up)\n", r.Runs, r.WarmupRuns)
	l := r.LatencyMicros
	fmt.Fprintf(w, "latency (us): min %s  p50 %s  p90 %s  p99 %s  max %s (%.1f ns clock overhead subtracted per run)\n",
		micros(l.Min), micros(l.P50), micros(l.P90), micros(l.P99), micros(l.Max), r.ClockNanos)
	fmt.Fprintf(w, "throughput:   %.1f inferences/s, %.2f GMAC/s (%d MACs per inference)\n", r.PerSecond, r.GMACPerSecond, r.MACs)
	fmt.Fprintf(w, "memory:       arena %d bytes, weights %d bytes\n", r.ArenaBytes, r.WeightBytes)
	fmt.Fprintf(w, "allocations:  %g per Invoke\n", r.AllocsPerRun)
	fmt.Fprintf(w, "threads:      %d (%s)\n", r.Threads, r.Schedule)
	fmt.Fprintf(w, "kernels:      %s\n", r.Kernels)
	fmt.Fprintf(w, "platform:     %s %s/%s, %s\n", r.GoVersion, r.GOOS, r.GOARCH, r.CPU)
}

// micros formats a time in µs to about four significant digits, at most
// three decimals (0.061, 12.51, 1203.4).
func micros(v float64) string {
	switch {
	case v < 10:
		return strconv.FormatFloat(v, 'f', 3, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
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
