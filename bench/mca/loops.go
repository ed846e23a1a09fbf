package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Loop is one innermost loop of a generated arm64 kernel: the lines from its
// label to the branch back to it, translated.
type Loop struct {
	File  string // e.g. gemm_arm64.s
	Func  string // TEXT symbol, e.g. gemmDot1
	Label string
	Lines []Line // label first, the backward branch last
}

var (
	reText   = regexp.MustCompile(`^TEXT\s+·([A-Za-z0-9_]+)\(SB\)`)
	reBranch = regexp.MustCompile(`^(B[A-Z]*|CBN?Z|TBN?Z)\s+(?:.*,\s*)?([A-Za-z_][A-Za-z0-9_]*)$`)
)

// ExtractLoops reads one generated .s file and returns its innermost loops:
// a loop is a label and a later branch in the same function that targets
// it; it is innermost when no other loop lies inside it.
func ExtractLoops(file string, r io.Reader) ([]Loop, error) {
	type fn struct {
		name  string
		lines []string
	}
	var fns []fn
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		s := strings.TrimSpace(sc.Text())
		if m := reText.FindStringSubmatch(s); m != nil {
			fns = append(fns, fn{name: m[1]})
			continue
		}
		if len(fns) == 0 || s == "" || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "#") {
			continue
		}
		fns[len(fns)-1].lines = append(fns[len(fns)-1].lines, s)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var loops []Loop
	for _, f := range fns {
		labels := map[string]int{}
		for i, s := range f.lines {
			if m := reLabel.FindStringSubmatch(s); m != nil {
				labels[m[1]] = i
			}
		}
		type span struct{ from, to int }
		var spans []span
		for j, s := range f.lines {
			m := reBranch.FindStringSubmatch(s)
			if m == nil {
				continue
			}
			if i, ok := labels[m[2]]; ok && i < j {
				spans = append(spans, span{i, j})
			}
		}
		for _, a := range spans {
			inner := true
			for _, b := range spans {
				if b != a && a.from <= b.from && b.to <= a.to {
					inner = false
					break
				}
			}
			if !inner {
				continue
			}
			l := Loop{File: file, Func: f.name, Label: strings.TrimSuffix(f.lines[a.from], ":")}
			for _, s := range f.lines[a.from : a.to+1] {
				t, err := Translate(s)
				if err != nil {
					return nil, fmt.Errorf("%s %s: %w", file, f.name, err)
				}
				l.Lines = append(l.Lines, t)
			}
			loops = append(loops, l)
		}
	}
	return loops, nil
}

// Source is the loop in LLVM syntax, one instruction a line, ready for
// llvm-mca.
func (l Loop) Source() string {
	var b strings.Builder
	for _, t := range l.Lines {
		b.WriteString(t.LLVM)
		b.WriteByte('\n')
	}
	return b.String()
}

var reArr = regexp.MustCompile(`^v[0-9]+\.([0-9]+)([bhsd])`)

// lanes returns the lane count of an LLVM vector operand like v16.4s.
func lanes(op string) int {
	m := reArr.FindStringSubmatch(strings.TrimSpace(op))
	if m == nil {
		return 0
	}
	n := 0
	fmt.Sscanf(m[1], "%d", &n)
	return n
}

// MACs counts the multiply-accumulates one iteration performs: each lane of
// a widening multiply (SMULL, SMLAL, SMLSL and their "2" forms) is one
// multiply, each lane of a dot product (SDOT) four, except in the
// depthwise kernels, whose SDOT columns hold three taps and a zero byte
// (dw3x3c16Dot): three. SQRDMULH (the requantization) is not counted: it
// is not part of the product.
func (l Loop) MACs() int {
	dot := 4
	if l.File == "depthwise_arm64.s" {
		dot = 3
	}
	n := 0
	for _, t := range l.Lines {
		mn, rest, _ := strings.Cut(t.LLVM, " ")
		ops := strings.Split(rest, ",")
		switch mn {
		case "sdot", "udot":
			n += dot * lanes(ops[0])
		case "smull", "smull2", "umull", "umull2", "smlal", "smlal2", "umlal", "umlal2",
			"smlsl", "smlsl2", "umlsl", "umlsl2", "mul", "mla", "mls":
			n += lanes(ops[0])
		}
	}
	return n
}

// listBytes is the size of a register list "{v0.16b, v1.16b}" in rest.
func listBytes(rest string) int {
	i, j := strings.Index(rest, "{"), strings.Index(rest, "}")
	if i < 0 || j < i {
		return 0
	}
	n := 0
	for _, r := range strings.Split(rest[i+1:j], ",") {
		m := reArr.FindStringSubmatch(strings.TrimSpace(r))
		if m == nil {
			continue
		}
		k := 0
		fmt.Sscanf(m[1], "%d", &k)
		n += k * map[string]int{"b": 1, "h": 2, "s": 4, "d": 8}[m[2]]
	}
	return n
}

// LoadedBytes counts the bytes one iteration loads (LD1 lists, LDR of
// vector and general registers), for the loops that store nothing: a
// pool's or reduction's loop over taps.
func (l Loop) LoadedBytes() int {
	n := 0
	for _, t := range l.Lines {
		mn, rest, _ := strings.Cut(t.LLVM, " ")
		rest = strings.TrimSpace(rest)
		switch {
		case mn == "ld1" || mn == "ld2" || mn == "ld3" || mn == "ld4":
			n += listBytes(rest)
		case mn == "ldr" && rest != "":
			n += map[byte]int{'q': 16, 'd': 8, 'x': 8, 's': 4, 'w': 4, 'h': 2, 'b': 1}[rest[0]]
		case mn == "ldrsw":
			n += 4
		case mn == "ldrh" || mn == "ldrsh":
			n += 2
		case mn == "ldrb" || mn == "ldrsb":
			n++
		}
	}
	return n
}

// StoredBytes counts the bytes one iteration stores (ST1 lists, STR).
func (l Loop) StoredBytes() int {
	n := 0
	for _, t := range l.Lines {
		mn, rest, _ := strings.Cut(t.LLVM, " ")
		switch {
		case strings.HasPrefix(mn, "st1") || strings.HasPrefix(mn, "st2") || strings.HasPrefix(mn, "st4"):
			n += listBytes(rest)
		case mn == "str":
			if strings.HasPrefix(rest, "w") {
				n += 4
			} else {
				n += 8
			}
		case mn == "strh":
			n += 2
		case mn == "strb":
			n++
		}
	}
	return n
}

// Class is the kind of arithmetic a loop's peak is measured against.
type Class int

const (
	ClassElementwise Class = iota // no multiply: loads, adds, stores
	ClassDot                      // SDOT, int8 products into int32
	ClassNeon8                    // SMULL/SMLAL on 8-bit lanes (no dot product)
	ClassNeon16                   // SMLAL on 16-bit lanes (int16 kernels)
)

func (c Class) String() string {
	return [...]string{"elementwise", "int8 SDOT", "int8 NEON (SMULL/SMLAL)", "int16 NEON (SMLAL .4s)"}[c]
}

// Class tells which peak applies to the loop.
func (l Loop) Class() Class {
	c := ClassElementwise
	for _, t := range l.Lines {
		mn, rest, _ := strings.Cut(t.LLVM, " ")
		switch mn {
		case "sdot", "udot":
			return ClassDot
		case "smull", "smull2", "smlal", "smlal2", "smlsl", "smlsl2":
			if strings.HasSuffix(strings.TrimSpace(strings.Split(rest, ",")[0]), ".8h") {
				c = ClassNeon8
			} else if c == ClassElementwise {
				c = ClassNeon16
			}
		}
	}
	return c
}
