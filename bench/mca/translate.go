package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// This file translates the subset of Go's arm64 assembler syntax that
// asm/gen_arm64.go emits into the GNU/LLVM syntax llvm-mc and llvm-mca read.
//
// Go writes the destination last and the sources reversed (VADD Vm, Vn, Vd
// is add vd, vn, vm), names vector registers V0.B16 (LLVM: v0.16b) and
// general registers R0 (x0, or w0 for 32-bit accesses), and has no mnemonic
// for many NEON instructions: the generator emits those as WORD $0x... with
// the instruction in ARM syntax in the trailing comment. The comment is
// translated (lower case), and the tool cross-checks it against the WORD's
// encoding with llvm-mc when llvm-mc is installed (checkWords).

// arrangement maps Go's vector arrangement suffixes to LLVM's.
var arrangement = map[string]string{
	"B16": "16b", "B8": "8b", "H8": "8h", "H4": "4h",
	"S4": "4s", "S2": "2s", "D2": "2d", "D1": "1d",
}

var (
	reVec      = regexp.MustCompile(`^V([0-9]+)\.([BHSD][0-9]+)$`)
	reReg      = regexp.MustCompile(`^R([0-9]+)$`)
	reImm      = regexp.MustCompile(`^\$(-?(?:0x[0-9a-fA-F]+|[0-9]+))$`)
	reMemOff   = regexp.MustCompile(`^(-?[0-9]+)?\(R([0-9]+)\)$`)
	reMemReg   = regexp.MustCompile(`^\(R([0-9]+)\)\(R([0-9]+)\)$`)
	reMemShift = regexp.MustCompile(`^\(R([0-9]+)\)\(R([0-9]+)<<([0-9]+)\)$`)
	reShifted  = regexp.MustCompile(`^R([0-9]+)(<<|>>|->)([0-9]+)$`)
	reMemSym   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*\(R([0-9]+)\)$`)
	reWord     = regexp.MustCompile(`^WORD\s+\$(0x[0-9a-fA-F]{8})\s*//\s*(.+)$`)
	reLabel    = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*):$`)
	reRegList  = regexp.MustCompile(`^\[(.*)\]$`)
	reLane     = regexp.MustCompile(`^V([0-9]+)\.([BHSD])\[([0-9]+)\]$`)
)

// condBranch maps Go's conditional branch mnemonics to LLVM's.
var condBranch = map[string]string{
	"BEQ": "b.eq", "BNE": "b.ne", "BLT": "b.lt", "BLE": "b.le", "BGT": "b.gt",
	"BGE": "b.ge", "BLO": "b.lo", "BLS": "b.ls", "BHI": "b.hi", "BHS": "b.hs",
	"BCC": "b.lo", "BCS": "b.hs", "BMI": "b.mi", "BPL": "b.pl",
}

// threeOp maps Go's three-operand vector mnemonics to LLVM's.
var threeOp = map[string]string{
	"VADD": "add", "VSUB": "sub", "VEOR": "eor", "VAND": "and", "VORR": "orr",
	"VADDP": "addp", "VCMEQ": "cmeq", "VZIP1": "zip1", "VZIP2": "zip2",
}

// scalarOp maps Go's integer ALU mnemonics to LLVM's.
var scalarOp = map[string]string{
	"ADD": "add", "SUB": "sub", "SUBS": "subs", "ADDS": "adds", "AND": "and",
	"ORR": "orr", "EOR": "eor", "LSL": "lsl", "LSR": "lsr", "ASR": "asr", "MUL": "mul",
}

// postLoad maps Go's post-indexed scalar moves to LLVM mnemonic and register width.
var postMove = map[string]struct {
	load, store string
	w           bool
}{
	"MOVD.P":  {"ldr", "str", false},
	"MOVWU.P": {"ldr", "", true},
	"MOVW.P":  {"ldrsw", "str", true},
	"MOVHU.P": {"ldrh", "", true},
	"MOVH.P":  {"ldrsh", "strh", true},
	"MOVBU.P": {"ldrb", "", true},
	"MOVB.P":  {"ldrsb", "strb", true},
}

// Line is one translated instruction.
type Line struct {
	Go   string // the source line, trimmed
	LLVM string // the LLVM syntax
	Word uint32 // the encoding of a WORD line (0 otherwise)
}

// splitOperands splits on commas outside brackets.
func splitOperands(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '[', '(':
			depth++
		case ']', ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	if t := strings.TrimSpace(s[start:]); t != "" {
		out = append(out, t)
	}
	return out
}

func vec(op string) (string, error) {
	m := reVec.FindStringSubmatch(op)
	if m == nil {
		return "", fmt.Errorf("not a vector register: %q", op)
	}
	a, ok := arrangement[m[2]]
	if !ok {
		return "", fmt.Errorf("unknown arrangement %q", m[2])
	}
	return "v" + m[1] + "." + a, nil
}

// xreg names a general register; w selects the 32-bit view.
func xreg(op string, w bool) (string, error) {
	if op == "ZR" || op == "RSP" {
		if op == "RSP" {
			return "sp", nil
		}
		if w {
			return "wzr", nil
		}
		return "xzr", nil
	}
	m := reReg.FindStringSubmatch(op)
	if m == nil {
		return "", fmt.Errorf("not a general register: %q", op)
	}
	if w {
		return "w" + m[1], nil
	}
	return "x" + m[1], nil
}

func imm(op string) (string, error) {
	m := reImm.FindStringSubmatch(op)
	if m == nil {
		return "", fmt.Errorf("not an immediate: %q", op)
	}
	return "#" + m[1], nil
}

// regOrImm translates a general register or an immediate.
func regOrImm(op string, w bool) (string, error) {
	if strings.HasPrefix(op, "$") {
		return imm(op)
	}
	if m := reShifted.FindStringSubmatch(op); m != nil {
		kind := map[string]string{"<<": "lsl", ">>": "lsr", "->": "asr"}[m[2]]
		prefix := "x"
		if w {
			prefix = "w"
		}
		return prefix + m[1] + ", " + kind + " #" + m[3], nil
	}
	return xreg(op, w)
}

// vecList translates [V0.B16, V1.B16] into {v0.16b, v1.16b}.
func vecList(op string) (string, error) {
	if m := reLane.FindStringSubmatch(op); m != nil { // one lane: V0.D[0]
		return "{v" + m[1] + "." + strings.ToLower(m[2]) + "}[" + m[3] + "]", nil
	}
	m := reRegList.FindStringSubmatch(op)
	if m == nil {
		return "", fmt.Errorf("not a register list: %q", op)
	}
	var regs []string
	for _, r := range splitOperands(m[1]) {
		v, err := vec(r)
		if err != nil {
			return "", err
		}
		regs = append(regs, v)
	}
	return "{" + strings.Join(regs, ", ") + "}", nil
}

// mem translates a memory operand; post selects post-indexed writeback.
// Symbolic field offsets (gemmArgs_a(R0)) become #0: the value does not
// change the timing model.
func mem(op string, post bool) (string, error) {
	if m := reMemShift.FindStringSubmatch(op); m != nil && !post {
		return "[x" + m[1] + ", x" + m[2] + ", lsl #" + m[3] + "]", nil
	}
	if m := reMemReg.FindStringSubmatch(op); m != nil {
		if !post {
			return "[x" + m[1] + ", x" + m[2] + "]", nil
		}
		return "[x" + m[1] + "], x" + m[2], nil
	}
	if m := reMemOff.FindStringSubmatch(op); m != nil {
		off := m[1]
		if post {
			if off == "" {
				return "", fmt.Errorf("post-index without offset: %q", op)
			}
			return "[x" + m[2] + "], #" + off, nil
		}
		if off == "" || off == "0" {
			return "[x" + m[2] + "]", nil
		}
		return "[x" + m[2] + ", #" + off + "]", nil
	}
	if m := reMemSym.FindStringSubmatch(op); m != nil && !post {
		return "[x" + m[1] + "]", nil
	}
	return "", fmt.Errorf("unsupported memory operand %q", op)
}

// Translate translates one line of Go arm64 assembly (an instruction or a
// label) into LLVM syntax.
func Translate(line string) (Line, error) {
	s := strings.TrimSpace(line)
	out := Line{Go: s}
	if m := reLabel.FindStringSubmatch(s); m != nil {
		out.LLVM = m[1] + ":"
		return out, nil
	}
	if m := reWord.FindStringSubmatch(s); m != nil {
		w, err := strconv.ParseUint(m[1][2:], 16, 32)
		if err != nil {
			return out, err
		}
		out.Word = uint32(w)
		out.LLVM = translateComment(m[2])
		return out, nil
	}
	if i := strings.Index(s, "//"); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	op, rest, _ := strings.Cut(s, " ")
	ops := splitOperands(strings.TrimSpace(rest))
	var err error
	out.LLVM, err = translateOp(op, ops)
	if err != nil {
		return out, fmt.Errorf("%q: %w", s, err)
	}
	return out, nil
}

// translateComment turns the ARM-syntax comment of a WORD into LLVM syntax:
// lower case, with "V0.4B[1]" (an indexed 4-byte group) as LLVM spells it.
func translateComment(c string) string {
	return strings.ToLower(strings.TrimSpace(c))
}

func translateOp(op string, ops []string) (string, error) {
	need := func(n int) error {
		if len(ops) != n {
			return fmt.Errorf("%s wants %d operands, has %d", op, n, len(ops))
		}
		return nil
	}
	join := func(mn string, parts ...string) string { return mn + " " + strings.Join(parts, ", ") }
	switch {
	case op == "RET":
		return "ret", nil
	case op == "B":
		if err := need(1); err != nil {
			return "", err
		}
		return "b " + ops[0], nil
	case condBranch[op] != "":
		if err := need(1); err != nil {
			return "", err
		}
		return condBranch[op] + " " + ops[0], nil
	case op == "CBZ" || op == "CBNZ":
		if err := need(2); err != nil {
			return "", err
		}
		r, err := xreg(ops[0], false)
		if err != nil {
			return "", err
		}
		return join(strings.ToLower(op), r, ops[1]), nil
	case op == "TBZ" || op == "TBNZ":
		if err := need(3); err != nil {
			return "", err
		}
		b, err := imm(ops[0])
		if err != nil {
			return "", err
		}
		r, err := xreg(ops[1], false)
		if err != nil {
			return "", err
		}
		return join(strings.ToLower(op), r, b, ops[2]), nil
	case threeOp[op] != "":
		if err := need(3); err != nil {
			return "", err
		}
		var v [3]string
		for i := range v {
			var err error
			if v[i], err = vec(ops[i]); err != nil {
				return "", err
			}
		}
		return join(threeOp[op], v[2], v[1], v[0]), nil
	case op == "VTBL" || op == "VTBX":
		// Go: VTBL Vidx, [table...], Vd; LLVM: tbl vd, {table...}, vidx.
		if err := need(3); err != nil {
			return "", err
		}
		idx, err := vec(ops[0])
		if err != nil {
			return "", err
		}
		l, err := vecList(ops[1])
		if err != nil {
			return "", err
		}
		d, err := vec(ops[2])
		if err != nil {
			return "", err
		}
		return join(strings.ToLower(strings.TrimPrefix(op, "V")), d, l, idx), nil
	case op == "VMOV":
		if err := need(2); err != nil {
			return "", err
		}
		a, err := vec(ops[0])
		if err != nil {
			return "", err
		}
		b, err := vec(ops[1])
		if err != nil {
			return "", err
		}
		return join("mov", b, a), nil
	case op == "VMOVI":
		if err := need(2); err != nil {
			return "", err
		}
		i, err := imm(ops[0])
		if err != nil {
			return "", err
		}
		v, err := vec(ops[1])
		if err != nil {
			return "", err
		}
		return join("movi", v, i), nil
	case op == "VDUP":
		if err := need(2); err != nil {
			return "", err
		}
		v, err := vec(ops[1])
		if err != nil {
			return "", err
		}
		r, err := xreg(ops[0], !strings.HasSuffix(v, "d"))
		if err != nil {
			return "", err
		}
		return join("dup", v, r), nil
	case strings.HasPrefix(op, "VLD") || strings.HasPrefix(op, "VST"):
		post := strings.HasSuffix(op, ".P")
		mn := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(op, "V"), ".P"))
		if err := need(2); err != nil {
			return "", err
		}
		listOp, memOp := ops[1], ops[0]
		if strings.HasPrefix(op, "VST") {
			listOp, memOp = ops[0], ops[1]
		}
		l, err := vecList(listOp)
		if err != nil {
			return "", err
		}
		m, err := mem(memOp, post)
		if err != nil {
			return "", err
		}
		return join(mn, l, m), nil
	case postMove[op].load != "" || postMove[op].store != "":
		if err := need(2); err != nil {
			return "", err
		}
		pm := postMove[op]
		if strings.HasPrefix(ops[0], "R") { // store: MOVx.P Rt, off(Rn)
			if pm.store == "" {
				return "", fmt.Errorf("%s has no store form", op)
			}
			r, err := xreg(ops[0], pm.w)
			if err != nil {
				return "", err
			}
			m, err := mem(ops[1], true)
			if err != nil {
				return "", err
			}
			return join(pm.store, r, m), nil
		}
		m, err := mem(ops[0], true)
		if err != nil {
			return "", err
		}
		w := pm.w && pm.load != "ldrsw"
		r, err := xreg(ops[1], w)
		if err != nil {
			return "", err
		}
		return join(pm.load, r, m), nil
	case op == "MOVD" || op == "MOVW" || op == "MOVWU":
		if err := need(2); err != nil {
			return "", err
		}
		dst, err := xreg(ops[1], op == "MOVWU")
		if err != nil {
			return "", err
		}
		switch {
		case strings.HasPrefix(ops[0], "$"):
			i, err := imm(ops[0])
			if err != nil {
				return "", err
			}
			return join("mov", dst, i), nil
		case reReg.MatchString(ops[0]):
			src, _ := xreg(ops[0], false)
			return join("mov", dst, src), nil
		}
		m, err := mem(ops[0], false)
		if err != nil {
			return "", err
		}
		switch op {
		case "MOVW":
			return join("ldrsw", dst, m), nil
		case "MOVWU":
			return join("ldr", dst, m), nil
		}
		return join("ldr", dst, m), nil
	case op == "CMP" || op == "CMN":
		if err := need(2); err != nil {
			return "", err
		}
		a, err := regOrImm(ops[0], false)
		if err != nil {
			return "", err
		}
		b, err := xreg(ops[1], false)
		if err != nil {
			return "", err
		}
		return join(strings.ToLower(op), b, a), nil
	case scalarOp[strings.TrimSuffix(op, "W")] != "":
		// Go's W suffix (ADDW, SUBSW, ...) is the 32-bit form: w registers.
		w := strings.HasSuffix(op, "W")
		if len(ops) != 2 && len(ops) != 3 {
			return "", fmt.Errorf("%s wants 2 or 3 operands, has %d", op, len(ops))
		}
		src, err := regOrImm(ops[0], w)
		if err != nil {
			return "", err
		}
		n, err := xreg(ops[len(ops)-2], w)
		if err != nil {
			return "", err
		}
		d, err := xreg(ops[len(ops)-1], w)
		if err != nil {
			return "", err
		}
		return join(scalarOp[strings.TrimSuffix(op, "W")], d, n, src), nil
	}
	return "", fmt.Errorf("unsupported instruction %q", op)
}
