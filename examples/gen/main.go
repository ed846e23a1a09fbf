// Command gen writes the built-in example models (examples/*.erm), or with
// -testdata DIR the shared test models (examples.Testdata) into DIR. Run it
// with `go generate ./examples`; the output is deterministic.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/format"
)

func main() {
	testdata := flag.String("testdata", "", "write the shared test models into this folder instead")
	flag.Parse()
	if *testdata != "" {
		writeTestdata(*testdata)
		return
	}
	for _, name := range examples.Names() {
		m, err := examples.Generators[name]()
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen %s: %v\n", name, err)
			os.Exit(1)
		}
		data, err := format.Encode(m)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen %s: %v\n", name, err)
			os.Exit(1)
		}
		if err := os.WriteFile(name+".erm", data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

func writeTestdata(dir string) {
	names := make([]string, 0, len(examples.Testdata))
	for name := range examples.Testdata {
		names = append(names, name)
	}
	sort.Strings(names)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, name := range names {
		data, err := examples.Testdata[name]()
		if err != nil {
			fmt.Fprintf(os.Stderr, "gen %s: %v\n", name, err)
			os.Exit(1)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
