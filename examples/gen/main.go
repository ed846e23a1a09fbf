// Command gen writes the built-in example models (examples/*.erm). Run it
// with `go generate ./examples`; the output is deterministic.
package main

import (
	"fmt"
	"os"

	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/format"
)

func main() {
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
