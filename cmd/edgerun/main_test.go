package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/edgerun/edgerun/examples"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// oneLineError asserts the CLI failed with status want and a single-line
// message (no stack trace).
func oneLineError(t *testing.T, want int, args ...string) string {
	t.Helper()
	code, _, stderr := runCLI(args...)
	if code != want {
		t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, want, stderr)
	}
	if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "edgerun: ") || strings.Contains(stderr, "goroutine") {
		t.Errorf("%v: stderr is not one error line: %q", args, stderr)
	}
	return stderr
}

func TestUsageErrors(t *testing.T) {
	if code, _, _ := runCLI(); code != 2 {
		t.Errorf("no arguments: exit %d, want 2", code)
	}
	oneLineError(t, 2, "frobnicate")
	oneLineError(t, 2, "run", "-nosuchflag")
	oneLineError(t, 2, "convert", "only-one-arg")
	oneLineError(t, 2, "verify")
	oneLineError(t, 2, "run", "a.tflite", "b.tflite")
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.tflite")
	if err := os.WriteFile(garbage, []byte("this is not a model at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	msg := oneLineError(t, 1, "run", garbage)
	if !strings.Contains(msg, "garbage.tflite") {
		t.Errorf("message does not name the file: %q", msg)
	}
	oneLineError(t, 1, "run", filepath.Join(dir, "missing.tflite"))
	oneLineError(t, 1, "inspect", garbage)
	oneLineError(t, 1, "convert", garbage, filepath.Join(dir, "out.erm"))
}

func TestRunBuiltIn(t *testing.T) {
	code, stdout, stderr := runCLI("run")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	if !regexp.MustCompile(`output 0 "probabilities": \[1 2\] int8: \[-?\d+ -?\d+\]`).MatchString(stdout) {
		t.Errorf("unexpected run output:\n%s", stdout)
	}
	code, stdout, stderr = runCLI("inspect")
	if code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, stderr)
	}
	for _, want := range []string{"CONV_2D", "DEPTHWISE_CONV_2D", "total MACs:", "arena:"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect output lacks %q", want)
		}
	}
}

// TestBuiltinModels: every built-in model runs as builtin:NAME, and
// version lists them; an unknown name is one error line naming the known.
func TestBuiltinModels(t *testing.T) {
	_, version, _ := runCLI("version")
	for _, name := range examples.Names() {
		code, stdout, stderr := runCLI("bench", "--runs", "2", "--warmup", "0", "builtin:"+name)
		if code != 0 || !strings.Contains(stdout, "model:        built-in example "+name+"\n") {
			t.Errorf("bench builtin:%s: exit %d, stderr %q, stdout:\n%s", name, code, stderr, stdout)
		}
		if code, _, stderr := runCLI("run", "builtin:"+name); code != 0 {
			t.Errorf("run builtin:%s: exit %d: %s", name, code, stderr)
		}
		if !strings.Contains(version, "builtin:"+name) {
			t.Errorf("version does not list builtin:%s:\n%s", name, version)
		}
	}
	if msg := oneLineError(t, 1, "run", "builtin:nope"); !strings.Contains(msg, examples.DefaultName) {
		t.Errorf("unknown built-in: %q does not name the known ones", msg)
	}
}

// TestRunJSON: run --json prints one JSON object whose values are the
// bytes written by -o, with the profile when asked for.
func TestRunJSON(t *testing.T) {
	for _, profile := range []bool{false, true} {
		dir := t.TempDir()
		args := []string{"run", "builtin:mlp_64_10", "--json", "-o", dir}
		if profile {
			args = append(args, "--profile")
		}
		code, stdout, stderr := runCLI(args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		var rep runReport
		dec := json.NewDecoder(strings.NewReader(stdout))
		if err := dec.Decode(&rep); err != nil || dec.More() {
			t.Fatalf("%v: stdout is not one JSON object (%v):\n%s", args, err, stdout)
		}
		raw, err := os.ReadFile(filepath.Join(dir, "output_0.bin"))
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Outputs) != 1 || rep.Outputs[0].DType != "int8" || len(rep.Outputs[0].Values) != len(raw) || !rep.RandomInputs {
			t.Fatalf("%v: report %+v for %d output bytes", args, rep, len(raw))
		}
		for i, b := range raw {
			if rep.Outputs[0].Values[i] != float64(int8(b)) {
				t.Errorf("%v: value %d is %v, the file's byte %d", args, i, rep.Outputs[0].Values[i], int8(b))
			}
		}
		if (rep.Profile != nil) != profile || profile && len(rep.Profile.Ops) != 4 {
			t.Errorf("%v: profile %+v", args, rep.Profile)
		}
	}
}

// TestConvertRunRoundTrip converts a model, runs the .tflite and the .erm
// on the same input and compares the outputs; run --profile writes the
// same outputs too (it once printed those of a rerun on the inputs the
// first run had overwritten). It runs testdata's MLP and, when ../shared
// is there, a real model.
func TestConvertRunRoundTrip(t *testing.T) {
	t.Run("mlp_64_10", func(t *testing.T) {
		convertRunRoundTrip(t, filepath.Join(testdata, "mlp_64_10.tflite"), 64, 10, "FULLY_CONNECTED")
	})
	t.Run("person_detect", func(t *testing.T) {
		src := "../../../shared/conformance/models/models/tflm_person_detect.tflite"
		if _, err := os.Stat(src); err != nil {
			t.Skipf("shared models not found: %v", err)
		}
		convertRunRoundTrip(t, src, 96*96, 2, "CONV_2D")
	})
}

func convertRunRoundTrip(t *testing.T, src string, inBytes, outBytes int, someOp string) {
	dir := t.TempDir()
	erm := filepath.Join(dir, "model.erm")
	if code, _, stderr := runCLI("convert", src, erm); code != 0 {
		t.Fatalf("convert: %s", stderr)
	}
	input := filepath.Join(dir, "in.bin")
	data := make([]byte, inBytes)
	fillPattern(data, 3)
	if err := os.WriteFile(input, data, 0o644); err != nil {
		t.Fatal(err)
	}
	outs := [3][]byte{}
	for i, args := range [][]string{{src}, {erm}, {erm, "--profile"}} {
		od := filepath.Join(dir, "out", string(rune('a'+i)))
		code, stdout, stderr := runCLI(append([]string{"run", "-i", input, "-o", od}, args...)...)
		if code != 0 {
			t.Fatalf("run %v: %s", args, stderr)
		}
		if len(args) > 1 && !strings.Contains(stdout, someOp) {
			t.Errorf("run %v printed no profile:\n%s", args, stdout)
		}
		b, err := os.ReadFile(filepath.Join(od, "output_0.bin"))
		if err != nil {
			t.Fatal(err)
		}
		outs[i] = b
	}
	if !bytes.Equal(outs[0], outs[1]) || len(outs[0]) != outBytes {
		t.Errorf(".tflite and .erm outputs differ: %v vs %v", outs[0], outs[1])
	}
	if !bytes.Equal(outs[2], outs[1]) {
		t.Errorf("run --profile outputs %v, run %v", outs[2], outs[1])
	}
}

func TestVerify(t *testing.T) {
	manifest := "../../../shared/conformance/visible/manifest.json"
	if _, err := os.Stat(manifest); err != nil {
		t.Skipf("shared conformance set not found: %v", err)
	}
	code, stdout, _ := runCLI("verify", manifest)
	last := strings.TrimSpace(stdout[strings.LastIndex(strings.TrimSpace(stdout), "\n")+1:])
	m := regexp.MustCompile(`^(\d+) passed, (\d+) failed$`).FindStringSubmatch(last)
	if m == nil {
		t.Fatalf("last line %q is not 'N passed, M failed'", last)
	}
	if (m[2] == "0") != (code == 0) {
		t.Errorf("exit %d with %s failed", code, m[2])
	}
}

// TestVerifyManifest: verify passes a case whose outputs match, fails one
// with a changed byte naming the first difference, skips one without
// golden outputs, and exits 1. The model is testdata's .tflite MLP; the
// expected outputs are the built-in .erm's (the same network).
func TestVerifyManifest(t *testing.T) {
	dir := t.TempDir()
	in := make([]byte, 64)
	fillPattern(in, 5)
	if err := os.WriteFile(filepath.Join(dir, "in.bin"), in, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI("run", "builtin:mlp_64_10", "-i", filepath.Join(dir, "in.bin"), "-o", dir); code != 0 {
		t.Fatalf("run: %s", stderr)
	}
	out, err := os.ReadFile(filepath.Join(dir, "output_0.bin"))
	if err != nil {
		t.Fatal(err)
	}
	out[3]++
	if err := os.WriteFile(filepath.Join(dir, "bad.bin"), out, 0o644); err != nil {
		t.Fatal(err)
	}
	model, err := filepath.Abs(filepath.Join(testdata, "mlp_64_10.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	manifest := `[
	 {"name":"good","op":"FULLY_CONNECTED","model":"` + model + `",
	  "inputs":[{"file":"in.bin","dtype":"int8","shape":[1,64]}],
	  "outputs":[{"file":"output_0.bin","dtype":"int8","shape":[1,10]}],"golden":true},
	 {"name":"broken","op":"FULLY_CONNECTED","model":"` + model + `",
	  "inputs":[{"file":"in.bin","dtype":"int8","shape":[1,64]}],
	  "outputs":[{"file":"bad.bin","dtype":"int8","shape":[1,10]}],"golden":true},
	 {"name":"nogold","op":"RELU","model":"x","inputs":[],"outputs":[],"golden":false}]`
	if err := os.WriteFile(filepath.Join(dir, "m.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := runCLI("verify", filepath.Join(dir, "m.json"))
	if code != 1 || !strings.Contains(stdout, "FAIL broken") || strings.Contains(stdout, "FAIL good") ||
		!strings.Contains(stdout, "1 passed, 1 failed, 1 skipped") {
		t.Errorf("manifest: exit %d, output:\n%s", code, stdout)
	}
}

// TestBenchJSON: bench on the built-in model reports every figure, zero
// allocations per Invoke, and a profile whose per-op times add up.
func TestBenchJSON(t *testing.T) {
	code, stdout, stderr := runCLI("bench", "--runs", "3", "--warmup", "1", "--json", "--profile", "--threads", "1")
	if code != 0 {
		t.Fatalf("bench: exit %d: %s", code, stderr)
	}
	var rep benchReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("bench --json output is not one JSON object: %v\n%s", err, stdout)
	}
	if rep.Runs != 3 || rep.AllocsPerRun != 0 || rep.ArenaBytes <= 0 || rep.WeightBytes <= 0 || rep.MACs <= 0 || rep.Threads != 1 || rep.ClockNanos < 0 || rep.ClockNanos > 1e5 {
		t.Errorf("implausible report: %+v", rep)
	}
	l := rep.LatencyMicros
	if !(l.Min > 0 && l.Min <= l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max) {
		t.Errorf("latency percentiles out of order: %+v", l)
	}
	if rep.Profile == nil || len(rep.Profile.Ops) == 0 {
		t.Fatal("no profile")
	}
	if p := rep.Profile; p.Runs != 3 || p.ClockNanos < 0 || p.LatencyMicros <= 0 || p.TotalMicros <= 0 || p.RuntimeMicros < 0 {
		t.Errorf("profile: %d runs, clock %.1f ns, latency %.3f us, total %.3f us, runtime %.3f us", p.Runs, p.ClockNanos, p.LatencyMicros, p.TotalMicros, p.RuntimeMicros)
	}
	// The total is the ops' times plus the runtime's checks; the shares
	// are of that total.
	sum, share := rep.Profile.RuntimeMicros, rep.Profile.RuntimeMicros/rep.Profile.TotalMicros
	for _, o := range rep.Profile.Ops {
		sum += o.Micros
		share += o.Share
	}
	if d := sum - rep.Profile.TotalMicros; d > 1e-6*sum+0.01 || d < -1e-6*sum-0.01 {
		t.Errorf("ops sum %.3f, reported total %.3f", sum, rep.Profile.TotalMicros)
	}
	if share < 0.999 || share > 1.001 {
		t.Errorf("time shares add up to %.4f", share)
	}
	// Text mode prints the same figures.
	code, stdout, _ = runCLI("bench", "--runs", "2", "--warmup", "0")
	if code != 0 || !strings.Contains(stdout, "allocations:  0 per Invoke") || !strings.Contains(stdout, "p99") {
		t.Errorf("bench text output:\n%s", stdout)
	}
}

// TestCommandHelp: -h and --help print the command's synopsis and flags on
// stdout and exit 0, for every command that takes flags.
func TestCommandHelp(t *testing.T) {
	for cmd, flagName := range map[string]string{"run": "-threads", "bench": "-runs", "inspect": "", "convert": "", "verify": ""} {
		for _, h := range []string{"-h", "--help"} {
			code, stdout, stderr := runCLI(cmd, h)
			if code != 0 || stderr != "" {
				t.Errorf("%s %s: exit %d, stderr %q", cmd, h, code, stderr)
			}
			if !strings.HasPrefix(stdout, "usage: edgerun "+cmd) || !strings.Contains(stdout, flagName) {
				t.Errorf("%s %s: stdout does not show the synopsis and %s:\n%s", cmd, h, flagName, stdout)
			}
		}
	}
}
