package runtime_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/internal/corrupt"
	"github.com/edgerun/edgerun/runtime"
)

// corpusOptions: truncations at every 97th byte, 4 random flip variants per
// model with a fixed seed.
var corpusOptions = corrupt.Options{TruncateStep: 97, Flips: 4, Seed: 97}

// typedLoadError reports whether err is one of the errors Load documents.
func typedLoadError(err error) bool {
	return errors.Is(err, runtime.ErrMalformedModel) || errors.Is(err, runtime.ErrUnsupportedOp) ||
		errors.Is(err, runtime.ErrResourceLimit) || errors.Is(err, runtime.ErrUnknownFormat)
}

// checkCorruptCase loads one corpus file through the API: a rejection must
// be a typed, one-line error (with a field path for malformed models); a
// model that loads must run, and two interpreters must agree.
func checkCorruptCase(c corrupt.Case) (loaded bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	m, lerr := runtime.Load(c.Data)
	if lerr != nil {
		if !typedLoadError(lerr) {
			return false, fmt.Errorf("untyped error %T: %v", lerr, lerr)
		}
		msg := lerr.Error()
		if msg == "" || strings.Contains(msg, "\n") {
			return false, fmt.Errorf("error is not one line: %q", msg)
		}
		var me *format.MalformedError
		if errors.As(lerr, &me) && me.Path == "" && !strings.Contains(c.Name, "/truncate@") {
			return false, fmt.Errorf("malformed-model error without a path: %v", lerr)
		}
		if c.Expect == corrupt.Valid {
			return false, fmt.Errorf("valid file rejected: %v", lerr)
		}
		return false, nil
	}
	if c.Expect == corrupt.Reject {
		return true, fmt.Errorf("accepted (arena %d bytes, %d ops)", m.ArenaBytes(), len(m.Graph().Ops))
	}
	opts := &runtime.Options{MaxArenaBytes: 64 << 20}
	var outs [2][][]byte
	for k := range outs {
		it, err := runtime.NewInterpreter(m, opts)
		if errors.Is(err, runtime.ErrResourceLimit) && c.Expect == corrupt.Any {
			return true, nil
		}
		if err != nil {
			return true, fmt.Errorf("NewInterpreter: %v", err)
		}
		for i := range m.Inputs() {
			fill(it.InputBytes(i), uint32(i+1))
		}
		if err := it.Invoke(); err != nil {
			return true, fmt.Errorf("Invoke: %v", err)
		}
		outs[k] = outputsOf(it)
		it.Close()
	}
	for i := range outs[0] {
		if !bytes.Equal(outs[0][i], outs[1][i]) {
			return true, fmt.Errorf("output %d differs between two interpreters", i)
		}
	}
	return true, nil
}

// TestCorruptCorpus loads every file of the corrupt corpus (see
// internal/corrupt: truncations, byte flips, huge dimensions, out-of-range
// indices, cycles, wrong buffer sizes, bad quantization and params, broken
// memory plans) through runtime.Load: every file meant to be invalid is
// rejected with a typed error, never a panic; files that load run.
func TestCorruptCorpus(t *testing.T) {
	srcs, err := corrupt.Sources("../../shared/conformance", 512<<10)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	failures := 0
	dog := newWatchdog(time.Minute)
	defer dog.stop()
	err = corrupt.Walk(srcs, corpusOptions, func(c corrupt.Case) {
		dog.start(c.Name)
		loaded, err := checkCorruptCase(c)
		counts[c.Expect.String()]++
		if loaded {
			counts["loaded"]++
		}
		if err != nil {
			failures++
			if failures <= 100 {
				t.Errorf("%s: %v", c.Name, err)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d sources: %v; %d failures", len(srcs), counts, failures)
}

// watchdog crashes the test binary, naming the case, when one case runs
// longer than limit: a hang must fail loudly, not time out anonymously.
type watchdog struct {
	mu    sync.Mutex
	name  string
	since time.Time
	done  chan struct{}
}

func newWatchdog(limit time.Duration) *watchdog {
	w := &watchdog{done: make(chan struct{})}
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-tick.C:
				w.mu.Lock()
				name, since := w.name, w.since
				w.mu.Unlock()
				if name != "" && time.Since(since) > limit {
					panic(fmt.Sprintf("corpus case %q has run for more than %v (hang?)", name, limit))
				}
			}
		}
	}()
	return w
}

func (w *watchdog) start(name string) {
	w.mu.Lock()
	w.name, w.since = name, time.Now()
	w.mu.Unlock()
}

func (w *watchdog) stop() { close(w.done) }
