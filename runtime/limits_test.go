package runtime_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/runtime"
)

// hugeScratchDepthwise is a DEPTHWISE_CONV_2D .erm graph whose geometry
// (strides and dilations up to 2^31-1 on a 1-pixel input, a 2^17-pixel
// output row, 1024 channels) makes the kernel's scratch size, kh × the
// padded input width × channels, exceed 2^63.
func hugeScratchDepthwise(kh, outW, dilW int32) *format.Model {
	const c = 1024
	q := func(t format.Tensor) format.Tensor {
		t.Scale, t.ZeroPoint = []float32{0.5}, []int32{0}
		return t
	}
	fscale, fzp := make([]float32, c), make([]int32, c)
	mult, shift := make([]int32, c), make([]int32, c)
	for i := range fscale {
		fscale[i], mult[i] = 1, 1<<30
	}
	return &format.Model{
		Tensors: []format.Tensor{
			q(format.Tensor{Name: "in", DType: format.DTypeInt8, Shape: []int32{1, 1, 1, c}, ArenaOffset: 0}),
			{Name: "w", DType: format.DTypeInt8, Shape: []int32{1, kh, 2, c}, Data: make([]byte, int(kh)*2*c),
				ArenaOffset: -1, Scale: fscale, ZeroPoint: fzp, QuantizedDim: 3},
			q(format.Tensor{Name: "out", DType: format.DTypeInt8, Shape: []int32{1, 1, outW, c}, ArenaOffset: c}),
		},
		Ops: []format.Op{{Code: format.OpDepthwiseConv2D, Inputs: []int32{0, 1, -1}, Outputs: []int32{2},
			Params: &format.ConvParams{StrideH: 1, StrideW: 1<<31 - 1, DilationH: 1<<31 - 1, DilationW: dilW, DepthMultiplier: 1,
				Requant: format.Requant{Multiplier: mult, Shift: shift}, ActMin: -128, ActMax: 127}}},
		Inputs:     []format.IO{{Tensor: 0}},
		Outputs:    []format.IO{{Tensor: 2}},
		ArenaBytes: c + int64(outW)*c,
	}
}

// TestScratchSizeIsALimit: a kernel's scratch size derives from the
// file's shapes and params, so Load checks it against MaxArenaBytes like
// the activation arena. A depthwise geometry whose scratch size overflowed
// to a negative int used to load, and NewInterpreter then accepted it (the
// arena size came out small) and Invoke panicked.
func TestScratchSizeIsALimit(t *testing.T) {
	for _, dilW := range []int32{1<<31 - 1, 1 << 20} {
		_, err := runtime.FromGraph(hugeScratchDepthwise(64, 1<<17, dilW))
		if strconv.IntSize == 32 && errors.Is(err, runtime.ErrMalformedModel) {
			// On 32-bit targets the window's input coordinates do not
			// fit an int: prepare rejects the geometry before any size.
			continue
		}
		if !errors.Is(err, runtime.ErrResourceLimit) {
			t.Errorf("dilation %d: %v, want ErrResourceLimit", dilW, err)
		}
	}
}

// TestDepthwiseScratchWraps is the variant whose scratch size used to
// wrap past 2^64 to a small positive number (4099 bytes), which no limit
// can tell from a real one: prepare must reject it (scratch sizes are
// computed saturated, and coordinates that do not fit an int are refused).
func TestDepthwiseScratchWraps(t *testing.T) {
	m, err := runtime.FromGraph(hugeScratchDepthwise(64, 1<<17+1, 1<<17-1))
	if err == nil {
		t.Fatalf("loaded with a %d-byte arena; want an error at load", m.ArenaBytes())
	}
	if !errors.Is(err, runtime.ErrResourceLimit) && !errors.Is(err, runtime.ErrMalformedModel) {
		t.Fatalf("%v, want ErrResourceLimit or ErrMalformedModel", err)
	}
}
