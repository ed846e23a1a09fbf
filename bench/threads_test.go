package bench

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/runtime"
)

// BenchmarkThreads times whole models with 1 and 2 threads (wall time per
// Invoke, the best kernel implementation of this CPU): the real models of
// ../shared/conformance/models and ResNet-8 with 16 (MLPerf Tiny's) and 32
// filters ("large"). Compare the two sub-benchmarks of a model with
// benchstat or as a ratio of one run; -cpu must allow 2 threads
// (GOMAXPROCS ≥ 2, the default on a 2-core machine).
func BenchmarkThreads(b *testing.B) {
	type src struct {
		name string
		m    *runtime.Model
	}
	var srcs []src
	for _, filters := range []int32{16, 32} {
		g, err := examples.ResNet8(1, filters)
		if err != nil {
			b.Fatal(err)
		}
		m, err := runtime.FromGraph(g)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, src{fmt.Sprintf("resnet8_%d", filters), m})
	}
	if g, _ := conv(48, 48, 64, 128, 1, 1); true {
		m, err := runtime.FromGraph(g)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, src{"pointwise-48x48x64-128", m})
	}
	files, _ := filepath.Glob("../../shared/conformance/models/models/*.tflite")
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		m, err := runtime.Load(data)
		if err != nil {
			b.Fatalf("%s: %v", f, err)
		}
		srcs = append(srcs, src{strings.TrimSuffix(filepath.Base(f), ".tflite"), m})
	}
	for _, s := range srcs {
		for _, run := range []struct {
			name string
			opts runtime.Options
		}{
			{"threads=1", runtime.Options{Threads: 1}},
			{"threads=2", runtime.Options{Threads: 2}},
			// Every splittable op split, whatever its size: what the
			// runtime's split thresholds save.
			{"threads=2,split=all", runtime.Options{Threads: 2, SplitMinMACs: -1}},
			// The schedules forced: per-op splits as the timing run
			// chooses them, and the row dataflow.
			{"threads=2,perop", runtime.Options{Threads: 2, Schedule: runtime.SchedulePerOp}},
			{"threads=2,dataflow", runtime.Options{Threads: 2, Schedule: runtime.ScheduleDataflow}},
		} {
			b.Run(s.name+"/"+run.name, func(b *testing.B) {
				it, err := runtime.NewInterpreter(s.m, &run.opts)
				if err != nil {
					b.Fatal(err)
				}
				defer it.Close()
				if it.Threads() != run.opts.Threads {
					b.Skipf("%d threads asked, %d running: no splittable op", run.opts.Threads, it.Threads())
				}
				r := rand.New(rand.NewPCG(9, 9))
				for i := range s.m.Inputs() {
					in := it.InputBytes(i)
					for j := range in {
						in[j] = byte(r.IntN(256))
					}
				}
				for b.Loop() {
					if err := it.Invoke(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
