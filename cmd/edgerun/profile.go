package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"github.com/edgerun/edgerun/ops"
	"github.com/edgerun/edgerun/runtime"
)

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
	// RuntimeMicros is the time per invocation outside the ops: the call
	// to Invoke and its checks, timed in a loop (Interpreter.TimeChecks).
	RuntimeMicros float64 `json:"runtime_us"`
	// ClockNanos is the cost of a clock reading, subtracted from each op
	// timed inside the invocation.
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
	// InLoop: the op is too short to time inside the invocation, and
	// Micros is its time run back to back in a loop (see profileOps).
	InLoop bool `json:"timed_in_loop"`
}

const (
	// loopClockReadings: an op whose median time inside the invocation
	// is under this many clock readings is timed in a loop instead.
	// Subtracting a reading's cost leaves about 2 ns of error per op (the
	// part of the reading that overlaps the op varies), under 1% here.
	loopClockReadings = 8
	// loopNanos is about how long each loop of one op runs: the two
	// readings around it then cost about 1% of the op or less.
	loopNanos = 5000
	// pickAfter is how many profiled invocations pick the looped ops.
	pickAfter = 10
)

// profileOps times every op over profiled invocations, at least 100 and
// a second's worth (fewer if runs is smaller; at most 16 MiB of samples).
// Before each, it times a block of unprofiled invocations, long enough
// (about 20 µs) that reading the clock around the block costs nothing
// next to it: the latency to judge the profile by, measured on the same
// machine at the same time, with the same estimator (runtime.RobustMean).
//
// Ops shorter than loopClockReadings clock readings, and Invoke's own
// checks, are timed differently. Around an op of 20 ns, the clock reading
// costs as much as the op, and how much of the reading overlaps the op
// varies: subtracting the reading's back-to-back cost left hello_world's
// three 20 ns ops 7-27% short of the latency. So after each profiled
// invocation, those are also run back to back in loops of about loopNanos
// (Interpreter.TimeOp, TimeChecks), and the table gives the loops' time
// per run. The first profiled invocations pick them.
//
// The loops leave the activations unspecified: a caller that wants the
// outputs reads them before.
func profileOps(it *runtime.Interpreter, runs int, latency time.Duration) (*opProfile, error) {
	const minRuns, minTime = 100, time.Second
	g := it.Model().Graph()
	nops := len(g.Ops)
	maxRuns := max(5000, min(100000, (16<<20)/8/max(1, nops)))
	p := runtime.NewProfile(it.Model())
	limit := max(1, min(runs, maxRuns))
	block := 1
	if latency > 0 {
		block = max(1, int(20*time.Microsecond/latency))
	}
	// inline[run*cols + op]: each op's time inside the profiled
	// invocation; column nops is Invoke's checks.
	cols := nops + 1
	inline := make([]int64, limit*cols)
	plain := make([]int64, limit)
	prev := make([]int64, cols)
	// The columns timed in loops, once picked (looped != nil), their loop
	// lengths, and their time per run in picoseconds, one row per round:
	// loopPs[round*len(looped) + j].
	var looped, reps []int
	var loopPs []int64
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
		row := inline[n*cols : (n+1)*cols]
		for i, ns := range p.OpNanos {
			row[i] = ns - prev[i]
			prev[i] = ns
		}
		row[nops] = p.RuntimeNanos - prev[nops]
		prev[nops] = p.RuntimeNanos

		if looped == nil && n+1 == min(limit, pickAfter) {
			looped, reps = pickLooped(inline[:(n+1)*cols], cols, p.ClockNanos)
			loopPs = make([]int64, 0, (limit-n)*len(looped))
		}
		for j, i := range looped {
			var d time.Duration
			var err error
			if i == nops {
				d, err = it.TimeChecks(reps[j])
			} else {
				d, err = it.TimeOp(i, reps[j])
			}
			if err != nil {
				return nil, err
			}
			loopPs = append(loopPs, d.Nanoseconds()*1000/int64(reps[j]))
		}
	}

	means := inlineMeans(inline[:n*cols], cols)
	inLoop := make([]bool, cols)
	if len(looped) > 0 {
		col := make([]int64, len(loopPs)/len(looped))
		for j, i := range looped {
			for r := range col {
				col[r] = loopPs[r*len(looped)+j]
			}
			means[i] = runtime.RobustMean(col) / 1e3
			inLoop[i] = true
		}
	}

	prof := &opProfile{
		ClockNanos:    p.ClockNanos,
		Runs:          n,
		LatencyMicros: runtime.RobustMean(plain[:n]) / 1e3,
	}
	var sum float64
	for i := range means {
		// An op shorter than the clock's jitter can average below zero.
		means[i] = max(0, means[i])
		sum += means[i]
	}
	prof.TotalMicros = sum / 1e3
	prof.RuntimeMicros = means[nops] / 1e3
	for i, ns := range means[:nops] {
		op := &g.Ops[i]
		t := opTime{Index: i, Type: op.Code.String(), MACs: ops.MACs(g, i), Micros: ns / 1e3, InLoop: inLoop[i]}
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

// inlineMeans returns each column's mean over the rows (invocations) of
// samples. Invocations an interrupt or a preemption inflated are dropped
// whole (RobustMean's rule applied to the rows' totals), and each op's
// time is its mean over the rest: the ops' times then add up to the mean
// of the same invocations, judged against the same estimator on the
// unprofiled ones. (Dropping outliers op by op instead would drop a 5 µs
// interrupt from a 2 µs op but keep it in a 90 µs total.)
func inlineMeans(samples []int64, cols int) []float64 {
	rows := len(samples) / cols
	totals := make([]int64, rows)
	for r := range totals {
		for _, v := range samples[r*cols : (r+1)*cols] {
			totals[r] += v
		}
	}
	sorted := slices.Clone(totals)
	slices.Sort(sorted)
	cut := 2*max(sorted[rows/2], 0) + 100
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
	for i := range means {
		means[i] /= float64(kept)
	}
	return means
}

// pickLooped returns the columns of samples (rows of cols; the last is
// Invoke's checks) to time in loops: the checks, and every op whose
// median is under loopClockReadings clock readings; and how many runs of
// each make about loopNanos.
func pickLooped(samples []int64, cols int, clockNanos float64) (looped, reps []int) {
	looped = []int{}
	rows := len(samples) / cols
	col := make([]int64, rows)
	for i := range cols {
		for r := range col {
			col[r] = samples[r*cols+i]
		}
		slices.Sort(col)
		if median := float64(col[rows/2]); i == cols-1 || median < loopClockReadings*clockNanos {
			looped = append(looped, i)
			reps = append(reps, int(loopNanos/max(median, 1))+1)
		}
	}
	return looped, reps
}

func printProfile(w io.Writer, p *opProfile) {
	fmt.Fprintf(w, "\n%5s  %-18s %-18s %12s %7s %10s %8s\n", "op", "type", "output", "MACs", "time%", "us", "GMAC/s")
	anyLooped := false
	for _, o := range p.Ops {
		mark := " "
		if o.InLoop {
			mark, anyLooped = "*", true
		}
		fmt.Fprintf(w, "%5d  %-18s %-18s %12d %6.1f%% %10.3f%s%8.2f\n", o.Index, o.Type, fmt.Sprint(o.OutputShape), o.MACs, 100*o.Share, o.Micros, mark, o.GMACPerSec)
	}
	if p.TotalMicros > 0 {
		fmt.Fprintf(w, "%5s  %-18s %-18s %12s %6.1f%% %10.3f*\n", "-", "(runtime checks)", "", "", 100*p.RuntimeMicros/p.TotalMicros, p.RuntimeMicros)
	}
	fmt.Fprintf(w, "total: %.3f us per invoke (mean times over %d profiled invokes, %.1f ns clock overhead subtracted per op)\n",
		p.TotalMicros, p.Runs, p.ClockNanos)
	what := "Invoke's own checks"
	if anyLooped {
		what = "ops and " + what
	}
	fmt.Fprintf(w, "* %s too short to time inside the invoke: timed run back to back in loops of about %d us\n", what, loopNanos/1000)
	if p.LatencyMicros > 0 {
		fmt.Fprintf(w, "unprofiled latency %.3f us, measured between the profiled invokes (profile/latency = %.3f)\n", p.LatencyMicros, p.TotalMicros/p.LatencyMicros)
	}
}
