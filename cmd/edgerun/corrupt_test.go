package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/internal/corrupt"
)

// cliCheck runs the CLI in-process and checks issue 3's rules for a model
// file: success, or exit status 1 with exactly one line on stderr that
// names the file, never a panic or a stack trace.
func cliCheck(path string, c corrupt.Case, args ...string) (ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v: panic: %v", args, r)
		}
	}()
	code, _, stderr := runCLI(args...)
	switch {
	case code == 0:
		if c.Expect == corrupt.Reject {
			return true, fmt.Errorf("%v: exit 0, want a rejection", args)
		}
		if stderr != "" {
			return true, fmt.Errorf("%v: exit 0 with stderr %q", args, stderr)
		}
		return true, nil
	case code != 1:
		return false, fmt.Errorf("%v: exit %d, want 0 or 1 (stderr %q)", args, code, stderr)
	case c.Expect == corrupt.Valid:
		return false, fmt.Errorf("%v: valid file rejected: %s", args, stderr)
	case strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") || !strings.HasPrefix(stderr, "edgerun: "):
		return false, fmt.Errorf("%v: stderr is not one line: %q", args, stderr)
	case strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic"):
		return false, fmt.Errorf("%v: stderr looks like a crash: %q", args, stderr)
	case !strings.Contains(stderr, path):
		return false, fmt.Errorf("%v: stderr does not name the file: %q", args, stderr)
	}
	return false, nil
}

// TestCorruptFiles runs `edgerun run` on every file of the corrupt corpus
// (internal/corrupt: the conformance models and the built-in examples
// truncated at every 97th byte, with random byte flips, and edited to have
// huge dimensions, out-of-range indices, cycles, wrong buffer sizes, bad
// quantization and params, broken memory plans), and `inspect` and
// `convert` on the structural cases: each invalid file exits 1 with one
// line on stderr naming it; files that stay valid run.
func TestCorruptFiles(t *testing.T) {
	srcs, err := corrupt.Sources("../../../shared/conformance", 512<<10)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	n, failures := 0, 0
	counts := map[string]int{}
	fail := func(c corrupt.Case, err error) {
		failures++
		if failures <= 50 {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
	opts := corrupt.Options{TruncateStep: 97, Flips: 4, Seed: 97}
	if raceDetector {
		// Under -race (CI's race step), whose point here is the threaded
		// interpreters of the files that load, a tenth of the
		// truncations, which all fail to parse, keeps the test to a
		// minute.
		opts.TruncateStep = 997
	}
	err = corrupt.Walk(srcs, opts, func(c corrupt.Case) {
		n++
		path := filepath.Join(dir, fmt.Sprintf("case%d%s", n, c.Ext))
		if err := os.WriteFile(path, c.Data, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(path)
		counts[c.Expect.String()]++
		loaded, err := cliCheck(path, c, "run", path)
		if err != nil {
			fail(c, err)
			return
		}
		if loaded {
			counts["ran"]++
		}
		if strings.Contains(c.Name, "/truncate@") || strings.Contains(c.Name, "/flip ") {
			return // the structural cases suffice for the other commands
		}
		if _, err := cliCheck(path, c, "inspect", path); err != nil {
			fail(c, err)
		}
		if c.Ext == ".tflite" {
			out := filepath.Join(dir, "out.erm")
			if _, err := cliCheck(path, c, "convert", path, out); err != nil {
				fail(c, err)
			}
			os.Remove(out)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d files from %d sources: %v; %d failures", n, len(srcs), counts, failures)
}

// TestEndlessInputs: run and convert read no more of a file than they may
// use; an endless file (/dev/zero, whose size reads as 0) is one error
// line, not a hang.
func TestEndlessInputs(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	msg := oneLineError(t, 1, "run", "-i", "/dev/zero")
	if !strings.Contains(msg, "/dev/zero") || !strings.Contains(msg, "longer than") {
		t.Errorf("run -i /dev/zero: %q", msg)
	}
}
