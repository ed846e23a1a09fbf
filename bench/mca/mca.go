package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
)

// Iterations is how many times llvm-mca replays each loop. The loop is
// run twice, Iterations and 2*Iterations times, and the cycles per
// iteration are the difference over Iterations: the steady state, without
// the pipeline's fill and drain.
const Iterations = 200

// Result is llvm-mca's view of one loop on one core.
type Result struct {
	Err         string  // llvm-mca's error (e.g. SDOT on a core without dotprod)
	Cycles      float64 // per iteration
	RThroughput float64 // the resource bound per iteration
	Width       int     // dispatch width of the model
	HotUnit     string  // the most pressured resource
	HotPressure float64 // its cycles per iteration
	Model       string  // scheduling model, guessed from the resource names
	total       float64 // total cycles of the run
}

var (
	reTotal = regexp.MustCompile(`(?m)^Total Cycles:\s+([0-9]+)`)
	reRThr  = regexp.MustCompile(`(?m)^Block RThroughput:\s+([0-9.]+)`)
	reWidth = regexp.MustCompile(`(?m)^Dispatch Width:\s+([0-9]+)`)
	reRes   = regexp.MustCompile(`^\[([0-9.]+)\]\s+-\s+(\S+)`)
)

// RunMCA runs llvm-mca on src for cpu and parses the summary.
func RunMCA(mca, cpu, src string) Result {
	r1 := runMCA(mca, cpu, src, Iterations)
	if r1.Err != "" {
		return r1
	}
	r2 := runMCA(mca, cpu, src, 2*Iterations)
	if r2.Err != "" {
		return r2
	}
	r2.Cycles = r2.total - r1.total
	r2.Cycles /= Iterations
	return r2
}

func runMCA(mca, cpu, src string, iterations int) Result {
	cmd := exec.Command(mca, "-mtriple=aarch64", "-mcpu="+cpu,
		fmt.Sprintf("-iterations=%d", iterations), "-")
	cmd.Stdin = strings.NewReader(src)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if i := strings.Index(msg, "error: "); i >= 0 {
			msg = msg[i+len("error: "):]
			if j := strings.IndexByte(msg, '\n'); j >= 0 {
				msg = msg[:j]
			}
		}
		if msg == "" {
			msg = err.Error()
		}
		return Result{Err: msg}
	}
	return parseMCA(out.String())
}

func parseMCA(s string) Result {
	var r Result
	if m := reTotal.FindStringSubmatch(s); m != nil {
		r.total, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := reRThr.FindStringSubmatch(s); m != nil {
		r.RThroughput, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := reWidth.FindStringSubmatch(s); m != nil {
		r.Width, _ = strconv.Atoi(m[1])
	}
	lines := strings.Split(s, "\n")
	var names []string
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "Resources:" {
			for j := i + 1; j < len(lines); j++ {
				m := reRes.FindStringSubmatch(strings.TrimSpace(lines[j]))
				if m == nil {
					break
				}
				names = append(names, m[2])
			}
		}
		if strings.HasPrefix(lines[i], "Resource pressure per iteration:") && i+2 < len(lines) {
			vals := strings.Fields(lines[i+2])
			for k, v := range vals {
				if k >= len(names) || v == "-" {
					continue
				}
				p, _ := strconv.ParseFloat(v, 64)
				if p > r.HotPressure {
					r.HotPressure, r.HotUnit = p, names[k]
				}
			}
		}
	}
	r.Model = modelOf(names)
	return r
}

// modelOf names LLVM's scheduling model from its resource names.
func modelOf(names []string) string {
	for _, n := range names {
		switch {
		case strings.HasPrefix(n, "A57"):
			return "CortexA57Model"
		case strings.HasPrefix(n, "A53"):
			return "CortexA53Model"
		case strings.HasPrefix(n, "N1"):
			return "NeoverseN1Model"
		case strings.HasPrefix(n, "A55"):
			return "CortexA55Model"
		}
	}
	if len(names) > 0 {
		return names[0]
	}
	return "?"
}

// Version returns the first line of llvm-mca --version that names it.
func Version(mca string) string {
	out, err := exec.Command(mca, "--version").Output()
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "LLVM version") {
			return strings.TrimSpace(l)
		}
	}
	return "unknown"
}

// CheckWords assembles the translated WORD lines with llvm-mc and compares
// each encoding with the WORD: it proves the comments (and so the
// translation) name the instructions the kernels really execute.
func CheckWords(mc string, lines []Line) error {
	var src strings.Builder
	for _, l := range lines {
		src.WriteString(l.LLVM + "\n")
	}
	cmd := exec.Command(mc, "-triple=aarch64", "-mattr=+dotprod", "-show-encoding")
	cmd.Stdin = strings.NewReader(src.String())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("llvm-mc: %v: %s", err, errb.String())
	}
	re := regexp.MustCompile(`encoding: \[0x([0-9a-f]{2}),0x([0-9a-f]{2}),0x([0-9a-f]{2}),0x([0-9a-f]{2})\]`)
	encs := re.FindAllStringSubmatch(out.String(), -1)
	if len(encs) != len(lines) {
		return fmt.Errorf("llvm-mc gave %d encodings for %d lines", len(encs), len(lines))
	}
	for i, e := range encs {
		v, _ := strconv.ParseUint(e[4]+e[3]+e[2]+e[1], 16, 32)
		if uint32(v) != lines[i].Word {
			return fmt.Errorf("%q assembles to %#08x, the WORD is %#08x", lines[i].LLVM, v, lines[i].Word)
		}
	}
	return nil
}
