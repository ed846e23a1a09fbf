package asm

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The generated assembly must be what its generator writes today: each
// test runs one generator (generate.go's go:generate lines) into a
// temporary directory and compares its files byte for byte with the
// checked-in ones. They run on any GOARCH (the generators are host
// programs; the go command builds them for the host, whatever GOOS and
// GOARCH the test was built for), and skip only when no go command is
// found; the amd64 one, which builds avo and type-checks this package
// (seconds; about 20 s on a cold build cache), also under -short. Both
// pass with an arm64 test binary under qemu-aarch64-static too.

// goCommand returns the go command to run the generators with (go test
// puts its own GOROOT/bin first in PATH).
func goCommand(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	t.Skip("no go command found in PATH: cannot run the generators")
	return ""
}

// runGenerator runs the go command with args in dir for the host (GOOS
// and GOARCH of a cross-compiled test removed), failing t with its output
// on error.
func runGenerator(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(goCommand(t), args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "GOOS" && k != "GOARCH" && k != "GOARM" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("(cd %s && go %s): %v\n%s", dir, strings.Join(args, " "), err, out)
	}
}

func TestGeneratedArm64UpToDate(t *testing.T) {
	tmp := t.TempDir()
	runGenerator(t, ".", "run", "gen_arm64.go", "-dir", tmp)
	got, err := filepath.Glob(filepath.Join(tmp, "*_arm64.s"))
	if err != nil {
		t.Fatal(err)
	}
	have, err := filepath.Glob("*_arm64.s")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 {
		t.Fatal("gen_arm64.go wrote no *_arm64.s file")
	}
	names := map[string]bool{}
	for _, f := range append(got, have...) {
		names[filepath.Base(f)] = true
	}
	for _, name := range slices.Sorted(maps.Keys(names)) {
		compareGenerated(t, name, filepath.Join(tmp, name), "go generate ./asm (or: cd asm && go run gen_arm64.go)")
	}
}

func TestGeneratedAmd64UpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the avo generator builds avo and type-checks package asm (seconds; about 20 s on a cold build cache)")
	}
	tmp := t.TempDir()
	runGenerator(t, "_gen", "run", ".", "-out", filepath.Join(tmp, "kernels_amd64.s"),
		"-stubs", filepath.Join(tmp, "kernels_amd64.go"), "-pkg", "asm")
	for _, name := range []string{"kernels_amd64.s", "kernels_amd64.go"} {
		// The header names the output paths: the checked-in files' are
		// go:generate's, relative to _gen.
		path := filepath.Join(tmp, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte(tmp+string(filepath.Separator)), []byte("../"))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		compareGenerated(t, name, path, "go generate ./asm (or: cd asm/_gen && go run . -out ../kernels_amd64.s -stubs ../kernels_amd64.go -pkg asm)")
	}
}

// compareGenerated reports an error unless the checked-in file name (in
// the package directory) equals the generated file at path, showing the
// first differing lines.
func compareGenerated(t *testing.T, name, path, fix string) {
	t.Helper()
	want, errW := os.ReadFile(path)
	have, errH := os.ReadFile(name)
	switch {
	case errW != nil && errH != nil:
		t.Errorf("%s: %v; %v", name, errW, errH)
		return
	case errW != nil:
		t.Errorf("%s is checked in but no longer generated: delete it, or fix the generator", name)
		return
	case errH != nil:
		t.Errorf("%s is generated but not checked in: run %s", name, fix)
		return
	}
	if bytes.Equal(have, want) {
		return
	}
	t.Errorf("%s is stale (checked in: %d bytes, generated: %d): run %s\n%s", name, len(have), len(want), fix, lineDiff(have, want, 20))
}

// lineDiff describes the region where a and b differ: the lines of a and
// of b between their common prefix and common suffix (at most limit of
// each), with line numbers and two lines of context.
func lineDiff(a, b []byte, limit int) string {
	la := strings.SplitAfter(string(a), "\n")
	lb := strings.SplitAfter(string(b), "\n")
	pre := 0
	for pre < len(la) && pre < len(lb) && la[pre] == lb[pre] {
		pre++
	}
	suf := 0
	for suf < len(la)-pre && suf < len(lb)-pre && la[len(la)-1-suf] == lb[len(lb)-1-suf] {
		suf++
	}
	var s strings.Builder
	fmt.Fprintf(&s, "@@ checked in lines %d-%d, generated lines %d-%d @@\n", pre+1, len(la)-suf, pre+1, len(lb)-suf)
	for i := max(pre-2, 0); i < pre; i++ {
		fmt.Fprintf(&s, " %6d  %s", i+1, strings.TrimSuffix(la[i], "\n")+"\n")
	}
	side := func(mark string, l []string) {
		end := len(l) - suf
		for i := pre; i < end; i++ {
			if i-pre == limit {
				fmt.Fprintf(&s, "%s        ... %d more lines\n", mark, end-i)
				break
			}
			fmt.Fprintf(&s, "%s%6d  %s", mark, i+1, strings.TrimSuffix(l[i], "\n")+"\n")
		}
	}
	side("-", la)
	side("+", lb)
	return s.String()
}
