package examples

import (
	"github.com/edgerun/edgerun/examples/internal/tflitefile"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/format/tflite"
)

// Testdata maps each file of the repository's top-level testdata/ folder
// to its generator: the small models that tests in several packages
// share. `go generate ./examples` writes them (gen -testdata) and
// TestTestdataUpToDate checks them.
var Testdata = map[string]func() ([]byte, error){
	// The built-in mlp_64_10 as a .tflite file (about 20 KB): the .tflite
	// path (identifier detection, reader, converter) without ../shared.
	// Converted, it is the embedded mlp_64_10.erm byte for byte.
	"mlp_64_10.tflite": func() ([]byte, error) { return tflitefile.Encode(MLPSource(mlpSeed)) },
	// The built-in mlp_64_10 whose input and output names and description
	// hold an ESC sequence and invalid UTF-8, as a corrupt or hostile file
	// may: whatever prints them must quote them.
	"hostile_names.erm": hostileNames,
	// uint8 at the boundary (examples/uint8.go): a uint8 input QUANTIZEd
	// to int8 and back to a uint8 output with new scales; the MLP with its
	// softmax QUANTIZEd to a uint8 output; a fully uint8 layer; a float32
	// input quantized to uint8.
	"uint8_quantize.tflite":      func() ([]byte, error) { return tflitefile.Encode(Uint8QuantizeSource()) },
	"mlp_64_10_uint8_out.tflite": func() ([]byte, error) { return tflitefile.Encode(MLPUint8OutSource(mlpSeed)) },
	"fc_uint8.tflite":            func() ([]byte, error) { return tflitefile.Encode(FCUint8Source()) },
	"float_uint8.tflite":         func() ([]byte, error) { return tflitefile.Encode(FloatUint8Source()) },
	// GATHER and GATHER_ND by constant int32 and int64 positions
	// (examples/gather.go): int64 positions have no golden file, so the
	// int32 model is their reference.
	"gather_positions_int32.tflite": func() ([]byte, error) { return tflitefile.Encode(GatherSource(tflite.TypeInt32)) },
	"gather_positions_int64.tflite": func() ([]byte, error) { return tflitefile.Encode(GatherSource(tflite.TypeInt64)) },
	// MLPerf Tiny's ResNet-8 (examples/resnet8.go, 16 filters, about
	// 93 KB): the real model's shapes, for its arena against TFLite
	// Micro's (runtime's TestResNet8Arena).
	"resnet8.tflite": func() ([]byte, error) { return tflitefile.Encode(ResNet8Source(resnet8Seed, 16)) },
}

// resnet8Seed seeds testdata/resnet8.tflite's weights.
const resnet8Seed = 8

// Names of hostile_names.erm (HostileInputName, HostileOutputName,
// HostileDescription).
const (
	HostileInputName   = "in\x1b[2J\xff"
	HostileOutputName  = "out\x1b[31m"
	HostileDescription = "model\x1b]0;title\x07\xfe"
)

func hostileNames() ([]byte, error) {
	g, err := MLP(mlpSeed)
	if err != nil {
		return nil, err
	}
	g.Tensors[g.Inputs[0].Tensor].Name = HostileInputName
	g.Tensors[g.Outputs[0].Tensor].Name = HostileOutputName
	g.Description = HostileDescription
	return format.Encode(g)
}
