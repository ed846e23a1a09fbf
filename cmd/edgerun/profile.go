package main

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"time"

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
	// loopNanos is about how long each loop runs, and each block of
	// unprofiled invocations: the two readings around it then cost 0.2%
	// of it or less.
	loopNanos = 20000
	// loopMaxOps bounds a run of consecutive looped ops timed together
	// (see loopJobs): an op's time is the difference of two loops, whose
	// noise grows with the ops before it in the run.
	loopMaxOps = 16
	// pickAfter is how many profiled invocations pick the looped ops.
	pickAfter = 10
)

// profileOps times every op over profiled invocations, at least 100 and
// a second's worth (fewer if runs is smaller; at most 16 MiB of samples).
// Before each, it times a block of unprofiled invocations, long enough
// (about loopNanos) that reading the clock around the block costs nothing
// next to it: the latency to judge the profile by, measured on the same
// machine at the same time, with the same estimator (runtime.RobustMean).
// The block runs through Interpreter.TimeOps, like the loops (below): on
// a 60 ns model, the same invocations timed from two call sites differed
// by up to 10% in some processes and not at all in others, and the loops
// and the block must run alike.
//
// Ops shorter than loopClockReadings clock readings, and Invoke's own
// checks, are timed differently. Around an op of 20 ns, the clock reading
// costs as much as the op, and how much of the reading overlaps the op
// varies: subtracting the reading's back-to-back cost left hello_world's
// three 20 ns ops 7-27% short of the latency. So after each profiled
// invocation, they are also timed in loops of about loopNanos, read
// only at their ends (Interpreter.TimeOps); see loopJobs. The first
// profiled invocations pick them.
//
// The loops leave the activations unspecified: a caller that wants the
// outputs reads them before.
func profileOps(it *runtime.Interpreter, runs int, latency time.Duration) (*opProfile, error) {
	const minRuns, minTime = 100, time.Second
	g := it.Model().Graph()
	nops := it.Model().NumOps()
	maxRuns := max(5000, min(100000, (16<<20)/8/max(1, nops)))
	p := runtime.NewProfile(it.Model())
	limit := max(1, min(runs, maxRuns))
	block := 1
	if latency > 0 {
		block = max(1, int(loopNanos/latency.Nanoseconds()))
	}
	// inline[run*cols + op]: each op's time inside the profiled
	// invocation; column nops is Invoke's checks.
	cols := nops + 1
	inline := make([]int64, limit*cols)
	plain := make([]int64, limit) // per invocation, in picoseconds
	prev := make([]int64, cols)
	// The loops, once picked (jobs != nil), and their time per run in
	// picoseconds, one row per round: loopPs[round*len(jobs) + j].
	var jobs []loopJob
	var loopPs []int64
	start := time.Now()
	n := 0
	for ; n < limit && (n < minRuns || time.Since(start) < minTime); n++ {
		d, err := it.TimeOps(0, nops, block)
		if err != nil {
			return nil, err
		}
		plain[n] = d.Nanoseconds() * 1000 / int64(block)
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

		if jobs == nil && n+1 == min(limit, pickAfter) {
			jobs = loopJobs(inline[:(n+1)*cols], cols, p.ClockNanos)
			loopPs = make([]int64, 0, (limit-n)*len(jobs))
		}
		for _, job := range jobs {
			d, err := it.TimeOps(job.from, job.to, job.reps)
			if err != nil {
				return nil, err
			}
			loopPs = append(loopPs, d.Nanoseconds()*1000/int64(job.reps))
		}
	}

	means := inlineMeans(inline[:n*cols], cols)
	inLoop := make([]bool, cols)
	if len(jobs) > 0 {
		col := make([]int64, len(loopPs)/len(jobs))
		loop := make([]float64, len(jobs))
		for j := range jobs {
			for r := range col {
				col[r] = loopPs[r*len(jobs)+j]
			}
			loop[j] = runtime.RobustMean(col) / 1e3
		}
		loopTimes(jobs, loop, means, inLoop)
	}

	prof := &opProfile{
		ClockNanos:    p.ClockNanos,
		Runs:          n,
		LatencyMicros: runtime.RobustMean(plain[:n]) / 1e6,
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
		op := it.Model().Op(i)
		t := opTime{Index: i, Type: op.Type, MACs: op.MACs, Micros: ns / 1e3, InLoop: inLoop[i]}
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

// loopJob is one loop of profileOps: reps invocations running only ops
// from..to-1 (Interpreter.TimeOps).
type loopJob struct{ from, to, reps int }

// loopJobs picks what profileOps times in loops, from the inline samples
// of its first invocations (rows of cols; the last column is Invoke's
// checks): the checks, and every op whose median is under
// loopClockReadings clock readings (a median, so that one interrupted run
// does not decide). Each loop runs about loopNanos.
//
// The first job runs the checks alone. Looped ops that follow each other
// then run together from the first of them (at most loopMaxOps): op k's
// time is the loop of invocations cut after op k less the loop cut before
// it (the job before, or the checks alone for the first op of a run), as
// the readings after each op measure it in InvokeProfiled, without their
// cost. Each op thus runs after the ops it follows in Invoke, through
// Invoke's own code: ops timed alone in a loop of their own came out up
// to 25% slower or faster than in the graph, varying from one process to
// the next.
func loopJobs(samples []int64, cols int, clockNanos float64) []loopJob {
	rows := len(samples) / cols
	col := make([]int64, rows)
	median := func(k int) float64 {
		for r := range col {
			col[r] = samples[r*cols+k]
		}
		slices.Sort(col)
		return max(float64(col[rows/2]), 1)
	}
	checksNanos := median(cols - 1)
	jobs := []loopJob{{0, 0, int(loopNanos/checksNanos) + 1}}
	runNanos := 0.0 // the median times of the run's ops so far, and the checks
	for k := range cols - 1 {
		m := median(k)
		if m >= loopClockReadings*clockNanos {
			continue
		}
		last := jobs[len(jobs)-1]
		from := last.from
		if len(jobs) == 1 || last.to != k || k-from >= loopMaxOps {
			from, runNanos = k, checksNanos
		}
		runNanos += m
		jobs = append(jobs, loopJob{from, k + 1, int(loopNanos/runNanos) + 1})
	}
	return jobs
}

// loopTimes sets the time of the checks (the last column) and of each op
// jobs loops, from loop[j], the time per run of jobs[j] (see loopJobs):
// the checks' is jobs[0]'s; an op's is its loop less the loop before it
// in its run, or less the checks' if it starts the run.
func loopTimes(jobs []loopJob, loop, means []float64, inLoop []bool) {
	checks := len(means) - 1
	means[checks], inLoop[checks] = loop[0], true
	for j := 1; j < len(jobs); j++ {
		k := jobs[j].to - 1
		before := loop[j-1]
		if jobs[j].from == k {
			before = loop[0]
		}
		means[k], inLoop[k] = loop[j]-before, true
	}
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
	what := "Invoke's own checks: timed in loops of invocations that run no op"
	if anyLooped {
		what = "shorter than " + strconv.Itoa(loopClockReadings) + " clock readings: timed in loops of invocations cut short after the op, less those cut before it"
	}
	fmt.Fprintf(w, "* %s (about %d us a loop)\n", what, loopNanos/1000)
	if p.LatencyMicros > 0 {
		fmt.Fprintf(w, "unprofiled latency %.3f us, measured between the profiled invokes (profile/latency = %.3f)\n", p.LatencyMicros, p.TotalMicros/p.LatencyMicros)
	}
}
