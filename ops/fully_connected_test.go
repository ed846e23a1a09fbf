package ops

import (
	"math/rand/v2"
	"testing"

	"github.com/edgerun/edgerun/format"
)

// refFullyConnected is reference_integer_ops::FullyConnected (and
// FullyConnectedPerChannel, which is the same loop with per-channel
// multipliers and no weights offset): batches from the output shape.
func refFullyConnected(p *format.FullyConnectedParams, in []int8, filter []int8, units, depth int, bias []int32, outElems int) []int8 {
	batches := outElems / units
	out := make([]int8, outElems)
	for b := 0; b < batches; b++ {
		for o := 0; o < units; o++ {
			var acc int64
			for d := 0; d < depth; d++ {
				acc += (int64(filter[o*depth+d]) + int64(p.FilterOffset)) * (int64(in[b*depth+d]) + int64(p.InputOffset))
			}
			if bias != nil {
				acc += int64(bias[o])
			}
			out[o+units*b] = wtOut(int32(acc), p.Requant, o, p.OutputOffset, p.ActMin, p.ActMax)
		}
	}
	return out
}

func TestFullyConnectedRandomAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 0))
	for iter := 0; iter < 300; iter++ {
		units, depth := 1+r.IntN(20), 1+r.IntN(70)
		batches := 1 + r.IntN(4)
		// Input and output ranks vary (keep_num_dims, flattening inputs).
		var inShape, outShape []int32
		switch r.IntN(3) {
		case 0:
			inShape, outShape = []int32{int32(batches), int32(depth)}, []int32{int32(batches), int32(units)}
		case 1:
			inShape, outShape = []int32{int32(batches), 1, int32(depth)}, []int32{int32(batches), 1, int32(units)}
		default:
			// [batches, 2, depth/2] style input, flattened output.
			if depth%2 == 1 {
				depth++
			}
			inShape, outShape = []int32{int32(batches), 2, int32(depth / 2)}, []int32{int32(batches), int32(units)}
		}
		p := &format.FullyConnectedParams{InputOffset: -wtZeroPoint(r), OutputOffset: wtZeroPoint(r)}
		n := 1
		if r.IntN(2) == 0 {
			n = units
		} else if r.IntN(2) == 0 {
			p.FilterOffset = -wtZeroPoint(r)
		}
		p.Requant = wtRequantParams(r, n)
		p.ActMin, p.ActMax = wtClamp(r)
		filter := wtInt8s(r, units*depth)
		var bias []int32
		if r.IntN(4) > 0 {
			bias = wtBias(r, units)
		}
		in := wtInt8s(r, batches*depth)
		m := wtModel(format.OpFullyConnected, p, inShape, []int32{int32(units), int32(depth)}, outShape, filter, bias)
		got := runKernel(t, m, in)
		want := refFullyConnected(p, in, filter, units, depth, bias, batches*units)
		wtCompare(t, "fully connected iteration "+itoa(iter), got, want)
	}
}

func wtFCCase() (*format.FullyConnectedParams, *format.Model) {
	p := &format.FullyConnectedParams{Requant: format.Requant{Multiplier: []int32{1 << 30}, Shift: []int32{-3}}, ActMin: -128, ActMax: 127}
	m := wtModel(format.OpFullyConnected, p, []int32{2, 10}, []int32{4, 10}, []int32{2, 4}, make([]int8, 40), make([]int32, 4))
	return p, m
}

func TestFullyConnectedPrepareErrors(t *testing.T) {
	if _, m := wtFCCase(); true {
		if _, err := Prepare(m, 0); err != nil {
			t.Fatalf("valid case: %v", err)
		}
	}
	edits := []struct {
		name  string
		edit  func(p *format.FullyConnectedParams, m *format.Model)
		frags []string
	}{
		{"output units", func(p *format.FullyConnectedParams, m *format.Model) { m.Tensors[3].Shape = []int32{2, 5} }, []string{"op 0 FULLY_CONNECTED / output 0", "last dimension 4"}},
		{"input size", func(p *format.FullyConnectedParams, m *format.Model) { m.Tensors[0].Shape = []int32{3, 10} }, []string{"input 0", "2 rows"}},
		{"filter rank", func(p *format.FullyConnectedParams, m *format.Model) { m.Tensors[1].Shape = []int32{4, 10, 1} }, []string{"input 1 (filter)", "rank 2"}},
		{"requant", func(p *format.FullyConnectedParams, m *format.Model) {
			p.Requant = format.Requant{Multiplier: []int32{1, 1}, Shift: []int32{0, 0}}
		}, []string{"requant"}},
		{"filter offset", func(p *format.FullyConnectedParams, m *format.Model) { p.FilterOffset = 200 }, []string{"filter offset"}},
		{"bias dtype", func(p *format.FullyConnectedParams, m *format.Model) { m.Tensors[2].DType = format.DTypeInt8 }, []string{"input 2", "int8"}},
		{"params", func(p *format.FullyConnectedParams, m *format.Model) { m.Ops[0].Params = nil }, []string{"params"}},
		{"inputs", func(p *format.FullyConnectedParams, m *format.Model) { m.Ops[0].Inputs = m.Ops[0].Inputs[:1] }, []string{"inputs"}},
	}
	for _, e := range edits {
		p, m := wtFCCase()
		e.edit(p, m)
		wtPrepareErr(t, e.name, m, e.frags...)
	}
}

// BenchmarkFullyConnected is a 1×1024 → 1000 classifier layer.
func BenchmarkFullyConnected(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 0))
	const depth, units = 1024, 1000
	p := &format.FullyConnectedParams{InputOffset: 3, Requant: wtRequantParams(r, 1), ActMin: -128, ActMax: 127}
	m := wtModel(format.OpFullyConnected, p, []int32{1, depth}, []int32{units, depth}, []int32{1, units},
		wtInt8s(r, units*depth), wtBias(r, units))
	wtBench(b, m, wtInt8s(r, depth), depth*units)
}

// testFullyConnectedLarge: batch 1 (GEMV) and batched, units across the
// SIMD panel widths, depths with every K tail (run by
// TestAllImplementations under every implementation).
func testFullyConnectedLarge(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 0))
	for iter := 0; iter < 40; iter++ {
		units, depth := 1+r.IntN(300), 1+r.IntN(600)
		batches := []int{1, 1, 2, 7, 16}[r.IntN(5)]
		p := &format.FullyConnectedParams{InputOffset: -wtZeroPoint(r), OutputOffset: wtZeroPoint(r)}
		p.Requant = wtRequantParams(r, units)
		p.ActMin, p.ActMax = wtClamp(r)
		filter := wtInt8s(r, units*depth)
		bias := wtBias(r, units)
		in := wtInt8s(r, batches*depth)
		m := wtModel(format.OpFullyConnected, p, []int32{int32(batches), int32(depth)}, []int32{int32(units), int32(depth)},
			[]int32{int32(batches), int32(units)}, filter, bias)
		wtCompare(t, "large fully connected iteration "+itoa(iter), runKernel(t, m, in), refFullyConnected(p, in, filter, units, depth, bias, batches*units))
	}
	// Batch-1 layers packed in column blocks (runKernel also runs their
	// splits): MobileNet's 1280→1000 head, a last block of one column, the
	// smallest layer that gets blocks, and per-tensor weights.
	for i, c := range []struct{ units, depth, blocks int }{{1000, 1280, 4}, {193, 700, 3}, {192, 683, 4}, {300, 512, 4}} {
		p := &format.FullyConnectedParams{InputOffset: -wtZeroPoint(r), OutputOffset: wtZeroPoint(r)}
		n := c.units
		if i == 3 {
			n = 1
		}
		p.Requant = wtRequantParams(r, n)
		p.ActMin, p.ActMax = wtClamp(r)
		filter := wtInt8s(r, c.units*c.depth)
		bias := wtBias(r, c.units)
		in := wtInt8s(r, c.depth)
		m := wtModel(format.OpFullyConnected, p, []int32{1, int32(c.depth)}, []int32{int32(c.units), int32(c.depth)},
			[]int32{1, int32(c.units)}, filter, bias)
		k, err := Prepare(m, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := k.(Splittable).Units(); got != c.blocks {
			t.Fatalf("%dx%d batch 1: %d column blocks, want %d", c.units, c.depth, got, c.blocks)
		}
		wtCompare(t, "column blocks "+itoa(c.units), runKernel(t, m, in), refFullyConnected(p, in, filter, c.units, c.depth, bias, c.units))
	}
}
