// Command mca models the throughput of edgerun's arm64 kernels without an
// arm64 board (issue 15, item 4). It takes every innermost loop of the
// generated assembly (asm/*_arm64.s, written by asm/gen_arm64.go),
// translates it from Go's assembler syntax to LLVM's, checks every WORD-
// encoded instruction against llvm-mc's encoding of its translation, and
// runs LLVM's machine-code analyzer for Cortex-A53, Cortex-A72, Cortex-A76
// and Neoverse-N1. It writes docs/arm64-throughput.md: cycles per
// iteration, MACs per iteration and per cycle, and the share of the core's
// peak, the peak being what the same llvm-mca model gives for a stream of
// independent multiply (or dot-product) instructions.
//
// Run it by hand from the repository root:
//
//	go run ./bench/mca                 # newest llvm-mca on PATH
//	go run ./bench/mca -mca llvm-mca-16 -out /tmp/x.md
//
// The output is deterministic for one llvm-mca version.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// CPUs are the cores modelled, with what they stand for.
var CPUs = []struct{ Name, Note string }{
	{"cortex-a53", "in-order, dual issue; Raspberry Pi 3, many SBCs; no SDOT"},
	{"cortex-a72", "Raspberry Pi 4; no SDOT"},
	{"cortex-a76", "Raspberry Pi 5; SDOT"},
	{"neoverse-n1", "Graviton2, Ampere Altra; SDOT"},
}

// peakLoop is a stream of 16 independent instructions of one class: the
// most MACs per cycle the core's model allows for that class.
func peakLoops(c Class) []struct {
	src  string
	macs int
} {
	var out []struct {
		src  string
		macs int
	}
	gen := func(f func(i int) string, macs int) {
		var b strings.Builder
		for i := 0; i < 16; i++ {
			b.WriteString(f(i) + "\n")
		}
		out = append(out, struct {
			src  string
			macs int
		}{b.String(), 16 * macs})
	}
	switch c {
	case ClassDot:
		gen(func(i int) string { return fmt.Sprintf("sdot v%d.4s, v28.16b, v29.4b[%d]", i, i%4) }, 16)
	case ClassNeon8:
		gen(func(i int) string {
			if i%2 == 1 {
				return fmt.Sprintf("smull2 v%d.8h, v28.16b, v29.16b", i)
			}
			return fmt.Sprintf("smull v%d.8h, v28.8b, v29.8b", i)
		}, 8)
		gen(func(i int) string {
			if i%2 == 1 {
				return fmt.Sprintf("smlal2 v%d.8h, v28.16b, v29.16b", i)
			}
			return fmt.Sprintf("smlal v%d.8h, v28.8b, v29.8b", i)
		}, 8)
	case ClassNeon16:
		gen(func(i int) string {
			if i%2 == 1 {
				return fmt.Sprintf("smlal2 v%d.4s, v28.8h, v29.8h", i)
			}
			return fmt.Sprintf("smlal v%d.4s, v28.4h, v29.4h", i)
		}, 4)
	}
	return out
}

// Peak is the modelled MACs per cycle of one class on one core.
type Peak struct {
	MACsPerCycle float64
	Src          string // the first instruction of the winning stream
	Err          string
}

func findTool(flagVal string, names ...string) string {
	if flagVal != "" {
		return flagVal
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

func main() {
	asmDir := flag.String("asm", "asm", "directory of the generated *_arm64.s files")
	out := flag.String("out", "docs/arm64-throughput.md", "report to write ('-' for stdout)")
	mcaFlag := flag.String("mca", "", "llvm-mca binary (default: newest llvm-mca-NN on PATH)")
	mcFlag := flag.String("mc", "", "llvm-mc binary for the WORD check (default: matching llvm-mc)")
	notesFile := flag.String("notes", "bench/mca/analysis.md", "hand-written analysis appended to the report ('' for none)")
	modelsDir := flag.String("models", "../shared/conformance/models/models", "directory of .tflite models for the whole-model estimate")
	loopFlag := flag.String("loop", "", "print one loop (by label) in LLVM syntax and stop, for llvm-mca by hand")
	flag.Parse()

	mca := findTool(*mcaFlag, "llvm-mca-19", "llvm-mca-18", "llvm-mca-17", "llvm-mca-16", "llvm-mca")
	if mca == "" {
		fmt.Fprintln(os.Stderr, "mca: no llvm-mca found; install one (apt-get install -y llvm-19, or llvm-16)")
		os.Exit(2)
	}
	mc := findTool(*mcFlag, strings.Replace(filepath.Base(mca), "llvm-mca", "llvm-mc", 1), "llvm-mc")

	files, _ := filepath.Glob(filepath.Join(*asmDir, "*_arm64.s"))
	sort.Strings(files)
	var loops []Loop
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			fatal(err)
		}
		ls, err := ExtractLoops(filepath.Base(f), fh)
		fh.Close()
		if err != nil {
			fatal(err)
		}
		loops = append(loops, ls...)
	}
	if len(loops) == 0 {
		fatal(fmt.Errorf("no loops found under %s", *asmDir))
	}
	if *loopFlag != "" {
		for _, l := range loops {
			if l.Label == *loopFlag {
				os.Stdout.WriteString(l.Source())
				return
			}
		}
		fatal(fmt.Errorf("no loop labelled %s under %s", *loopFlag, *asmDir))
	}

	// Every WORD must be the instruction its comment (our translation) names.
	var words []Line
	seen := map[uint32]bool{}
	for _, l := range loops {
		for _, t := range l.Lines {
			if t.Word != 0 && !seen[t.Word] {
				seen[t.Word] = true
				words = append(words, t)
			}
		}
	}
	wordCheck := "not checked (no llvm-mc)"
	if mc != "" {
		if err := CheckWords(mc, words); err != nil {
			fatal(fmt.Errorf("WORD check: %w", err))
		}
		wordCheck = fmt.Sprintf("all %d distinct WORD encodings in the loops equal llvm-mc's encoding of their translation", len(words))
	}

	peaks := map[string]map[Class]Peak{}
	widths := map[string]int{}
	models := map[string]string{}
	for _, cpu := range CPUs {
		peaks[cpu.Name] = map[Class]Peak{}
		for _, c := range []Class{ClassDot, ClassNeon8, ClassNeon16} {
			best := Peak{}
			for _, p := range peakLoops(c) {
				r := RunMCA(mca, cpu.Name, p.src)
				if r.Err != "" {
					best.Err = r.Err
					continue
				}
				widths[cpu.Name], models[cpu.Name] = r.Width, r.Model
				if v := float64(p.macs) / r.Cycles; v > best.MACsPerCycle {
					best = Peak{MACsPerCycle: v, Src: strings.SplitN(p.src, "\n", 2)[0]}
				}
			}
			peaks[cpu.Name][c] = best
		}
	}

	results := make([]map[string]Result, len(loops))
	for i, l := range loops {
		results[i] = map[string]Result{}
		for _, cpu := range CPUs {
			results[i][cpu.Name] = RunMCA(mca, cpu.Name, l.Source())
		}
	}

	rep := report(Version(mca), wordCheck, loops, results, peaks, widths, models)
	rep += "\n" + estimate(*modelsDir, loops, results)
	if notes, err := os.ReadFile(*notesFile); err == nil {
		rep += "\n" + string(notes)
	} else if *notesFile != "" {
		fatal(err)
	}
	if *out == "-" {
		os.Stdout.WriteString(rep)
		return
	}
	if err := os.WriteFile(*out, []byte(rep), 0o644); err != nil {
		fatal(err)
	}
	fmt.Printf("wrote %s (%d loops, %d cores)\n", *out, len(loops), len(CPUs))
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "mca:", err)
	os.Exit(1)
}
