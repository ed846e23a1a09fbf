package examples

import (
	"embed"
	"fmt"
	"github.com/edgerun/edgerun/format"
	"sort"
	"strings"
)

//go:generate go run ./gen
//go:generate go run ./gen -testdata ../testdata

//go:embed *.erm
var files embed.FS

// DefaultName is the built-in model the CLI uses when given none.
const DefaultName = "mobilenet_v1_025_96"

// mlpSeed is the built-in mlp_64_10's seed.
const mlpSeed = 2

// Generators maps each built-in model's name to its generator and seed.
var Generators = map[string]func() (*format.Model, error){
	"mobilenet_v1_025_96": func() (*format.Model, error) { return MobileNetV1(1) },
	"mlp_64_10":           func() (*format.Model, error) { return MLP(mlpSeed) },
}

// Names lists the built-in models.
func Names() []string {
	names := make([]string, 0, len(Generators))
	for n := range Generators {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Bytes returns the embedded edgerun file of a built-in model.
func Bytes(name string) ([]byte, error) {
	data, err := files.ReadFile(name + ".erm")
	if err != nil {
		return nil, fmt.Errorf("no built-in model %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return data, nil
}
