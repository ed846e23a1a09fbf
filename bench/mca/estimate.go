package main

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/runtime"
)

// clockGHz is the Raspberry Pi 5's Cortex-A76 clock.
const clockGHz = 2.4

// estimate models whole-model time on a 2.4 GHz Cortex-A76: each op's MACs
// divided by the modelled MACs per cycle of the loop that runs it. It is
// a model of the inner loops only.
func estimate(dir string, loops []Loop, results []map[string]Result) string {
	files, _ := filepath.Glob(filepath.Join(dir, "*.tflite"))
	sort.Strings(files)
	var b strings.Builder
	p := func(f string, a ...any) { fmt.Fprintf(&b, f, a...) }
	p("## Whole-model estimate, 2.4 GHz Cortex-A76 (a model, not a measurement)\n\n")
	if len(files) == 0 {
		p("No models found under `%s` (flag `-models`); not estimated.\n", dir)
		return b.String()
	}
	rate := func(label, cpu string) float64 {
		for i, l := range loops {
			if l.Label == label && l.File != "gemm32_arm64.s" {
				r := results[i][cpu]
				if r.Err != "" || r.Cycles == 0 {
					return 0
				}
				return float64(l.MACs()) / r.Cycles
			}
		}
		return 0
	}
	p("Each op's MACs (the runtime's `OpInfo.MACs`) divided by the modelled MACs/cycle of the loop that\n")
	p("runs it: CONV_2D, TRANSPOSE_CONV, BATCH_MATMUL and FULLY_CONNECTED with more than one row at\n")
	p("`dot4_loop`'s rate, a one-row FULLY_CONNECTED at `dot1_loop`'s, DEPTHWISE_CONV_2D at\n")
	p("`dw3x3c16Dot_group`'s (3x3 with stride equal to dilation across: the SDOT kernel the dotprod cores\n")
	p("run), `dw3x3c16_group`'s (other 3x3), `dw5x5c16_group`'s (5x5) or `dwGenc16_g_tap`'s rate. It leaves out\n")
	p("everything outside those inner loops: the other ops, im2col and packing, requantization outside\n")
	p("the loops, cache misses, and threads (one core). So it is a lower bound of a single-thread\n")
	p("inference, from a model: it has not been measured on a board. Models read from `%s`.\n\n", dir)
	p("| model | MACs | of which GEMM | depthwise | in other ops (not timed) | µs, A76 as N1 model | µs, A76 as LLVM's cortex-a76 (A57 model) |\n|---|---|---|---|---|---|---|\n")
	for _, f := range files {
		m, err := runtime.LoadFile(f)
		if err != nil {
			p("| %s | load error: %v | | | | | |\n", filepath.Base(f), err)
			continue
		}
		g := m.Graph()
		var gemm, dw, other int64
		cyc := map[string]float64{}
		for i := 0; i < m.NumOps(); i++ {
			op := m.Op(i)
			if op.MACs == 0 {
				continue
			}
			label, dotLabel := "", ""
			switch op.Type {
			case "CONV_2D", "TRANSPOSE_CONV", "BATCH_MATMUL":
				label = "dot4_loop"
			case "FULLY_CONNECTED":
				label = "dot4_loop"
				if out := g.Tensors[op.Outputs[0]].Shape; len(out) > 0 && elems(out[:len(out)-1]) == 1 {
					label = "dot1_loop"
				}
			case "DEPTHWISE_CONV_2D":
				label = "dwGenc16_g_tap"
				if fs := g.Tensors[op.Inputs[1]].Shape; len(fs) == 4 && fs[1] == fs[2] && (fs[1] == 3 || fs[1] == 5) {
					label = fmt.Sprintf("dw%dx%dc16_group", fs[1], fs[1])
					// The dotprod cores run 3x3 layers whose stride
					// across equals the dilation on the SDOT kernel.
					if cp, ok := g.Ops[i].Params.(*format.ConvParams); ok && fs[1] == 3 && cp.StrideW == cp.DilationW {
						dotLabel = "dw3x3c16Dot_group"
					}
				}
			}
			if label == "" {
				other += op.MACs
				continue
			}
			if strings.HasPrefix(label, "dw") {
				dw += op.MACs
			} else {
				gemm += op.MACs
			}
			for _, cpu := range []string{"neoverse-n1", "cortex-a76"} {
				l := label
				if dotLabel != "" {
					l = dotLabel
				}
				if r := rate(l, cpu); r > 0 {
					cyc[cpu] += float64(op.MACs) / r
				}
			}
		}
		us := func(cpu string) string { return fmt.Sprintf("%.1f", cyc[cpu]/(clockGHz*1e3)) }
		p("| %s | %d | %d | %d | %d | %s | %s |\n", strings.TrimSuffix(filepath.Base(f), ".tflite"),
			m.MACs(), gemm, dw, other, us("neoverse-n1"), us("cortex-a76"))
	}
	return b.String()
}

func elems(s []int32) int64 {
	n := int64(1)
	for _, d := range s {
		n *= int64(d)
	}
	return n
}
