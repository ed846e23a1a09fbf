package runtime_test

import (
	"fmt"
	"log"
	"sync"

	"github.com/edgerun/edgerun/runtime"
)

// argmax returns the index of the largest value (the first on ties).
func argmax[T int8 | float32](v []T) int {
	best := 0
	for i := range v {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}

// Load a model, set its input, run it and read its output. The model is
// a .tflite file (the built-in MLP: 64 int8 inputs, 10 softmax scores),
// converted to edgerun's integer-only form as it loads; LoadFile reads an
// .erm file the same way, and Load takes the bytes.
func Example() {
	model, err := runtime.LoadFile("../testdata/mlp_64_10.tflite")
	if err != nil {
		log.Fatal(err)
	}
	for _, in := range model.Inputs() {
		fmt.Printf("input %q: %v %s, scale %g, zero point %d\n", in.Name, in.Shape, in.DType, in.Scale, in.ZeroPoint)
	}
	for _, out := range model.Outputs() {
		fmt.Printf("output %q: %v %s\n", out.Name, out.Shape, out.DType)
	}

	it, err := runtime.NewInterpreter(model, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer it.Close()
	input := make([]int8, 64)
	for i := range input {
		input[i] = int8(i*7%64 - 32)
	}
	if err := it.SetInputInt8(0, input); err != nil {
		log.Fatal(err)
	}
	if err := it.Invoke(); err != nil {
		log.Fatal(err)
	}
	scores := it.OutputInt8(0) // valid until the next Invoke
	fmt.Println("scores:", scores)
	fmt.Println("class:", argmax(scores))
	// Output:
	// input "input": [1 64] int8, scale 0.015625, zero point 0
	// output "probabilities": [1 10] int8
	// scores: [-110 -98 -112 -91 -101 -98 -110 -106 -91 -108]
	// class: 3
}

// SetInputFloat32 and OutputFloat32 convert at the model's boundary exactly
// as TFLite's QUANTIZE and DEQUANTIZE kernels do, with the tensor's scale
// and zero point; Invoke itself stays integer-only.
func ExampleInterpreter_SetInputFloat32() {
	model, err := runtime.LoadFile("../testdata/mlp_64_10.tflite")
	if err != nil {
		log.Fatal(err)
	}
	it, err := runtime.NewInterpreter(model, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer it.Close()

	features := make([]float32, 64)
	for i := range features {
		features[i] = float32(i%8)/4 - 1 // -1 .. 0.75
	}
	if err := it.SetInputFloat32(0, features); err != nil {
		log.Fatal(err)
	}
	if err := it.Invoke(); err != nil {
		log.Fatal(err)
	}
	probs, err := it.OutputFloat32(0, nil)
	if err != nil {
		log.Fatal(err)
	}
	best := argmax(probs)
	out := model.Outputs()[0]
	fmt.Printf("class %d: int8 %d, scale %g, zero point %d: probability %.4f\n",
		best, it.OutputInt8(0)[best], out.Scale, out.ZeroPoint, probs[best])
	// Output:
	// class 5: int8 -79, scale 0.00390625, zero point -128: probability 0.1914
}

// A Model is immutable: any number of goroutines share it, each with its
// own Interpreter (its own arena). Outputs do not depend on which
// goroutine runs what.
func ExampleNewInterpreter_goroutines() {
	model, err := runtime.LoadFile("../testdata/mlp_64_10.tflite") // converted and prepared once
	if err != nil {
		log.Fatal(err)
	}
	const workers = 4
	classes := make([]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			it, err := runtime.NewInterpreter(model, nil)
			if err != nil {
				log.Fatal(err)
			}
			defer it.Close()
			input := make([]int8, 64)
			for i := range input {
				input[i] = int8((i + 1) * (w + 3) % 127)
			}
			if err := it.SetInputInt8(0, input); err != nil {
				log.Fatal(err)
			}
			if err := it.Invoke(); err != nil {
				log.Fatal(err)
			}
			classes[w] = argmax(it.OutputInt8(0))
		}()
	}
	wg.Wait()
	fmt.Println("classes:", classes)
	// Output:
	// classes: [5 5 8 5]
}

// A model that declares a uint8 input (a camera image, say) takes the
// image's bytes as they are, and a uint8 output gives the bytes TFLite
// gives: the types, scales and zero points are the file's.
func ExampleInterpreter_SetInputUint8() {
	model, err := runtime.LoadFile("../testdata/uint8_quantize.tflite")
	if err != nil {
		log.Fatal(err)
	}
	in, out := model.Inputs()[0], model.Outputs()[1]
	fmt.Printf("input %q: %v %s, zero point %d\n", in.Name, in.Shape, in.DType, in.ZeroPoint)
	fmt.Printf("output %q: %s, zero point %d\n", out.Name, out.DType, out.ZeroPoint)
	it, err := runtime.NewInterpreter(model, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer it.Close()
	image := make([]uint8, in.Bytes)
	for i := range image {
		image[i] = uint8(i)
	}
	if err := it.SetInputUint8(0, image); err != nil {
		log.Fatal(err)
	}
	if err := it.Invoke(); err != nil {
		log.Fatal(err)
	}
	fmt.Println(image[100:106], "→", it.OutputUint8(1)[100:106])
	// Output:
	// input "image": [1 16 16 3] uint8, zero point 3
	// output "image_u8": uint8, zero point 131
	// [100 101 102 103 104 105] → [170 171 171 171 172 173]
}
