// Command edgerun runs, inspects, converts and verifies int8 models.
//
//	edgerun run [MODEL] [-i FILE]... [-o DIR]
//	edgerun bench [MODEL] [--runs N | --duration D] [--json] [--profile]
//	edgerun inspect MODEL
//	edgerun convert IN.tflite OUT.erm
//	edgerun verify MANIFEST.json
//	edgerun version
//
// Exit status: 0 success, 1 failure (including failed verification cases),
// 2 usage error. Errors are one line on stderr.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// usageError marks errors that exit with status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// errFailed is returned when a command already reported its failure (for
// example verify with failing cases): exit 1 without another message.
var errFailed = errors.New("failed")

const usage = `edgerun: a pure-Go, integer-only runtime for int8 TFLite models

usage:
  edgerun run [MODEL] [-i FILE]... [-o DIR] [--profile] [--json]
                                              run a model (built-in example if no MODEL)
  edgerun bench [MODEL] [flags]               latency, throughput, memory, allocations
                                              (--runs N, --duration D, --json, --profile)
  edgerun inspect [MODEL]                     inputs, outputs, ops, MACs and arena size
  edgerun convert IN.tflite OUT.erm           convert a .tflite file to edgerun's format
  edgerun verify MANIFEST.json                run conformance cases, compare bit for bit
  edgerun version                             print version and kernel information

MODEL is a .tflite or .erm file, or builtin:NAME for a built-in example
(` + "`edgerun version`" + ` lists them).
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "run":
		err = cmdRun(args[1:], stdout)
	case "inspect":
		err = cmdInspect(args[1:], stdout)
	case "convert":
		err = cmdConvert(args[1:], stdout)
	case "verify":
		err = cmdVerify(args[1:], stdout)
	case "bench":
		err = cmdBench(args[1:], stdout)
	case "version":
		err = cmdVersion(args[1:], stdout)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = usagef("unknown command %q (want run, bench, inspect, convert, verify or version)", args[0])
	}
	var ue usageError
	var help helpRequest
	switch {
	case err == nil:
		return 0
	case errors.As(err, &help):
		help.print(stdout)
		return 0
	case errors.Is(err, errFailed):
		return 1
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "edgerun: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "edgerun: %v\n", firstLine(err.Error()))
		return 1
	}
}

// firstLine keeps error output to a single line.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
