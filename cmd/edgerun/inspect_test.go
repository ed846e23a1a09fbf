package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/edgerun/edgerun/examples"
)

// testdata is the repository's folder of shared test models.
const testdata = "../../testdata"

// TestInspectQuotesFileStrings: names and the description come from the
// file; a corrupt or hostile one must not put invalid UTF-8 or terminal
// control sequences (ESC) on the terminal.
func TestInspectQuotesFileStrings(t *testing.T) {
	code, stdout, stderr := runCLI("inspect", filepath.Join(testdata, "hostile_names.erm"))
	if code != 0 {
		t.Fatalf("inspect: exit %d: %s", code, stderr)
	}
	if !utf8.ValidString(stdout) {
		t.Errorf("inspect printed invalid UTF-8:\n%q", stdout)
	}
	for _, r := range stdout {
		if r < ' ' && r != '\n' || r == 0x7f {
			t.Fatalf("inspect printed control character %U:\n%q", r, stdout)
		}
	}
	for _, want := range []string{
		"input 0: " + strconv.Quote(examples.HostileInputName) + " ",
		"output 0: " + strconv.Quote(examples.HostileOutputName) + " ",
		"description: " + strconv.Quote(examples.HostileDescription) + "\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("inspect output lacks %s:\n%s", want, stdout)
		}
	}
	// A printable description is printed as it is.
	code, stdout, _ = runCLI("inspect", "builtin:mlp_64_10")
	if code != 0 || !strings.Contains(stdout, "\ndescription: edgerun example: MLP") {
		t.Errorf("inspect builtin:mlp_64_10: exit %d:\n%s", code, stdout)
	}
}

// TestFlagSetName: a command's flag set carries the command's name; the
// synopsis is only the help text.
func TestFlagSetName(t *testing.T) {
	if fs := newFlagSet("inspect", "edgerun inspect [MODEL] [flags]"); fs.Name() != "inspect" {
		t.Errorf("flag set named %q, want inspect", fs.Name())
	}
}

func TestFirstLine(t *testing.T) {
	for in, want := range map[string]string{"": "", "a": "a", "a\nb\nc": "a", "\nb": ""} {
		if got := firstLine(in); got != want {
			t.Errorf("firstLine(%q) = %q, want %q", in, got, want)
		}
	}
}
