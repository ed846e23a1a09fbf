package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/runtime"
)

func cmdInspect(args []string, stdout io.Writer) error {
	fs := newFlagSet("inspect", "edgerun inspect [MODEL] [flags]")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("inspect takes one MODEL")
	}
	path := ""
	if len(pos) == 1 {
		path = pos[0]
	}
	m, name, err := loadModel(path)
	if err != nil {
		return err
	}
	g := m.Graph()
	fmt.Fprintf(stdout, "model: %s\n", name)
	if g.Description != "" {
		fmt.Fprintf(stdout, "description: %s\n", printable(g.Description))
	}
	printIO := func(what string, infos []runtime.TensorInfo) {
		for i, info := range infos {
			float := ""
			if info.Float {
				float = " (float32 at the boundary)"
			}
			fmt.Fprintf(stdout, "%s %d: %q %v %s scale=%g zero_point=%d%s\n", what, i, info.Name, info.Shape, info.DType, info.Scale, info.ZeroPoint, float)
		}
	}
	printIO("input", m.Inputs())
	printIO("output", m.Outputs())

	var totalMACs, activationSum, weightBytes int64
	for i := range g.Tensors {
		t := &g.Tensors[i]
		if t.IsConstant() {
			weightBytes += int64(len(t.Data))
		} else {
			activationSum += t.ByteSize()
		}
	}
	fmt.Fprintf(stdout, "ops: %d\n", m.NumOps())
	for i := range m.NumOps() {
		op := m.Op(i)
		totalMACs += op.MACs
		fmt.Fprintf(stdout, "  %3d %-18s macs=%-10d in=[%s] out=[%s]\n", i, op.Type, op.MACs, tensorList(g, op.Inputs), tensorList(g, op.Outputs))
	}
	fmt.Fprintf(stdout, "total MACs: %d\n", totalMACs)
	fmt.Fprintf(stdout, "weights: %d bytes\n", weightBytes)
	fmt.Fprintf(stdout, "kernels: %s\n", runtime.KernelsDescription())
	pct := 0.0
	if activationSum > 0 {
		pct = 100 * float64(g.ArenaBytes) / float64(activationSum)
	}
	l := m.ArenaLayout()
	fmt.Fprintf(stdout, "arena: %d bytes per interpreter with one thread: activations %d (planned into %.1f%% of the %d-byte sum of their sizes), scratch %d beyond them, state %d\n",
		m.ArenaBytes(), l.Activations, pct, activationSum, l.Scratch, l.State)
	if l.PeakOp >= 0 {
		fmt.Fprintf(stdout, "arena peak: op %d %s (its live tensors and scratch reach furthest)\n", l.PeakOp, m.Op(l.PeakOp).Type)
	}
	fmt.Fprintf(stdout, "with more threads: %d bytes (activations planned again, each kept one op longer), and each thread beyond the first adds %d bytes of scratch\n",
		l.Threaded, l.ScratchPerThread)
	return nil
}

// printable returns s as it is when it is valid UTF-8 of printable
// characters, else quoted (strconv.Quote): strings from a model file
// (tensor names are always quoted) must not put invalid UTF-8 or
// terminal control sequences on the terminal.
func printable(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !strconv.IsPrint(r) }) < 0 {
		return s
	}
	return strconv.Quote(s)
}

func tensorList(g *format.Model, list []int32) string {
	parts := make([]string, 0, len(list))
	for _, t := range list {
		if t < 0 {
			parts = append(parts, "-")
			continue
		}
		parts = append(parts, describeTensor(t, &g.Tensors[t]))
	}
	return strings.Join(parts, ", ")
}

func describeTensor(idx int32, t *format.Tensor) string {
	s := fmt.Sprintf("t%d %v %s", idx, t.Shape, t.DType)
	switch {
	case len(t.ZeroPoint) == 1:
		s += fmt.Sprintf(" s=%.6g zp=%d", t.Scale[0], t.ZeroPoint[0])
	case len(t.ZeroPoint) > 1:
		s += fmt.Sprintf(" per-channel(%d, dim %d)", len(t.ZeroPoint), t.QuantizedDim)
	}
	switch {
	case t.IsConstant():
		s += " const"
	case t.Variable:
		s += fmt.Sprintf(" state @%d", t.ArenaOffset)
	default:
		s += fmt.Sprintf(" @%d", t.ArenaOffset)
	}
	return s
}
