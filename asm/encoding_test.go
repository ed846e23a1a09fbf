package asm

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/arch/arm64/arm64asm"
)

// Go's arm64 assembler has no mnemonics for most signed NEON integer
// instructions, so the arm64 kernels encode them as
//
//	WORD $0x4fa0e090 // SDOT V16.4S, V4.16B, V0.4B[1]
//
// These tests decode every such WORD, independently of the generator that
// wrote it (gen_arm64.go), and compare with the instruction in its
// comment, so a wrong encoding cannot hide behind a right comment. They
// only read files, and run on every GOARCH.

// wordLine matches a WORD directive and its comment.
var wordLine = regexp.MustCompile(`^\s*WORD\s+\$0x([0-9a-fA-F]{8})\s*(?://\s*(.*))?$`)

type encodedWord struct {
	pos  string // file:line
	enc  uint32
	text string // the comment
}

// readWords returns every WORD of the arm64 assembly files in this
// directory.
func readWords(t *testing.T) []encodedWord {
	t.Helper()
	files, err := filepath.Glob("*_arm64.s")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no *_arm64.s files")
	}
	var words []encodedWord
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w, problems := parseWords(f, data)
		for _, p := range problems {
			t.Error(p)
		}
		words = append(words, w...)
	}
	return words
}

// parseWords returns the WORDs of one file, and a problem for every WORD
// line not in the form WORD $0xXXXXXXXX // INSTRUCTION.
func parseWords(name string, data []byte) (words []encodedWord, problems []string) {
	s := bufio.NewScanner(bytes.NewReader(data))
	for line := 1; s.Scan(); line++ {
		text := s.Text()
		if !strings.Contains(text, "WORD") {
			continue
		}
		pos := fmt.Sprintf("%s:%d", name, line)
		m := wordLine.FindStringSubmatch(text)
		if m == nil {
			problems = append(problems, fmt.Sprintf("%s: WORD not in the form WORD $0xXXXXXXXX // INSTRUCTION: %q", pos, text))
			continue
		}
		if strings.TrimSpace(m[2]) == "" {
			problems = append(problems, fmt.Sprintf("%s: WORD $0x%s has no instruction in its comment", pos, m[1]))
			continue
		}
		v, _ := strconv.ParseUint(m[1], 16, 32)
		words = append(words, encodedWord{pos, uint32(v), m[2]})
	}
	return words, problems
}

// checkWord returns the problem with w, or "".
func checkWord(w encodedWord) string {
	got, err := decodeWord(w.enc)
	if err != nil {
		return fmt.Sprintf("%s: WORD $0x%08x (comment %q) does not decode: %v", w.pos, w.enc, w.text, err)
	}
	if normalizeInst(got) != normalizeInst(w.text) {
		return fmt.Sprintf("%s: WORD $0x%08x decodes to %q, comment says %q", w.pos, w.enc, got, w.text)
	}
	return ""
}

// normalizeInst makes Arm-syntax instruction text comparable: upper case,
// single spaces, none after commas or inside brackets.
func normalizeInst(s string) string {
	s = strings.ToUpper(strings.Join(strings.Fields(s), " "))
	for _, r := range [][2]string{{", ", ","}, {"[ ", "["}, {" ]", "]"}, {"{ ", "{"}, {" }", "}"}} {
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	return s
}

// decodeWord returns the Arm syntax of enc: golang.org/x/arch's arm64asm
// (ARMv8.0), or decodeDotProduct for the ARMv8.2 dot-product instructions
// arm64asm does not know.
func decodeWord(enc uint32) (string, error) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], enc)
	inst, err := arm64asm.Decode(b[:])
	if err == nil && inst.Op != 0 {
		return inst.String(), nil
	}
	if s, ok := decodeDotProduct(enc); ok {
		return s, nil
	}
	if err == nil {
		err = fmt.Errorf("unknown instruction")
	}
	return "", err
}

// decodeDotProduct decodes the Advanced SIMD dot-product instructions
// (Arm ARM, "Advanced SIMD vector x indexed element" and "Advanced SIMD
// three same (extra)"):
//
//	SDOT/UDOT (by element) 0 Q U 01111 size L M Rm 1110 H 0 Rn Rd, size = 10
//	SDOT/UDOT (vector)     0 Q U 01110 size 0 Rm 1 0010 1 Rn Rd,  size = 10
func decodeDotProduct(enc uint32) (string, bool) {
	q, u := enc>>30&1, enc>>29&1
	rd, rn := enc&31, enc>>5&31
	name := "SDOT"
	if u == 1 {
		name = "UDOT"
	}
	ta, tb := "2S", "8B"
	if q == 1 {
		ta, tb = "4S", "16B"
	}
	switch {
	case enc&0x9fc0f400 == 0x0f80e000: // by element, size 10
		l, m, h := enc>>21&1, enc>>16&31, enc>>11&1
		return fmt.Sprintf("%s V%d.%s, V%d.%s, V%d.4B[%d]", name, rd, ta, rn, tb, m, h<<1|l), true
	case enc&0x9fe0fc00 == 0x0e809400: // vector, size 10
		m := enc >> 16 & 31
		return fmt.Sprintf("%s V%d.%s, V%d.%s, V%d.%s", name, rd, ta, rn, tb, m, tb), true
	}
	return "", false
}

func TestWordEncodings(t *testing.T) {
	words := readWords(t)
	if len(words) == 0 {
		t.Fatal("no WORD directives found")
	}
	for _, w := range words {
		if p := checkWord(w); p != "" {
			t.Error(p)
		}
	}
	t.Logf("%d WORD directives decoded", len(words))
}

// TestDecodeDotProduct checks the dot-product decoder on encodings from
// LLVM's assembler (llvm-mc -triple=aarch64 -mattr=+dotprod
// -show-encoding).
func TestDecodeDotProduct(t *testing.T) {
	for _, c := range []struct {
		enc  uint32
		want string
	}{
		{0x4fa0e090, "SDOT V16.4S, V4.16B, V0.4B[1]"},
		{0x4f9fe890, "SDOT V16.4S, V4.16B, V31.4B[2]"},
		{0x4fa0e890, "SDOT V16.4S, V4.16B, V0.4B[3]"},
		{0x4e859490, "SDOT V16.4S, V4.16B, V5.16B"},
		{0x0e829420, "SDOT V0.2S, V1.8B, V2.8B"},
		{0x6e829420, "UDOT V0.4S, V1.16B, V2.16B"},
		{0x2f82e020, "UDOT V0.2S, V1.8B, V2.4B[0]"},
	} {
		got, ok := decodeDotProduct(c.enc)
		if !ok || got != c.want {
			t.Errorf("decodeDotProduct(%#08x) = %q, %v; want %q", c.enc, got, ok, c.want)
		}
	}
	// Neighbouring encodings are not dot products.
	for _, enc := range []uint32{0x6ea3b441 /* SQRDMULH */, 0x4f532841 /* SMLAL by element */, 0x4fa38041 /* MUL by element */} {
		if s, ok := decodeDotProduct(enc); ok {
			t.Errorf("decodeDotProduct(%#08x) = %q, want no dot product", enc, s)
		}
	}
}

// TestWordEncodingsCatchMistakes: a wrong register, lane or opcode in a
// WORD, or a missing comment, fails the check.
func TestWordEncodingsCatchMistakes(t *testing.T) {
	for _, c := range []string{
		"\tWORD $0x4fa0e091 // SDOT V16.4S, V4.16B, V0.4B[1]\n", // Rd 17
		"\tWORD $0x4f80e090 // SDOT V16.4S, V4.16B, V0.4B[1]\n", // lane 0
		"\tWORD $0x6ea3b441 // SQRDMULH V1.4S, V2.4S, V4.4S\n",  // Rm 3
		"\tWORD $0x4ea35441 // SSHL V1.4S, V2.4S, V3.4S\n",      // is SRSHL
		"\tWORD $0x4e614841 // SQXTN V1.4H, V2.4S\n",            // is SQXTN2
		"\tWORD $0x4ea35441\n",
	} {
		words, problems := parseWords("case.s", []byte(c))
		for _, w := range words {
			if p := checkWord(w); p != "" {
				problems = append(problems, p)
			}
		}
		if len(problems) == 0 {
			t.Errorf("mistake not caught: %q", c)
		}
	}
}

// llvmShiftZero matches LLVM's spelling of a widening shift by zero, which
// the Arm ARM (and arm64asm) print as its alias SXTL/UXTL.
var llvmShiftZero = regexp.MustCompile(`(?i)^([su])shll(2?)(\s+.*),\s*#0$`)

// llvmAlias rewrites llvm-mc's text of an instruction to the alias the
// comments use.
func llvmAlias(s string) string {
	return llvmShiftZero.ReplaceAllString(s, "${1}xtl${2}${3}")
}

// TestWordEncodingsLLVM cross-checks every WORD with LLVM's disassembler
// when llvm-mc is installed (a third, independent decoder).
func TestWordEncodingsLLVM(t *testing.T) {
	mc, err := exec.LookPath("llvm-mc")
	if err != nil {
		t.Skip("llvm-mc not installed")
	}
	words := readWords(t)
	var in strings.Builder
	for _, w := range words {
		fmt.Fprintf(&in, "0x%02x 0x%02x 0x%02x 0x%02x\n", w.enc&0xff, w.enc>>8&0xff, w.enc>>16&0xff, w.enc>>24)
	}
	cmd := exec.Command(mc, "-disassemble", "-triple=aarch64", "-mattr=+dotprod")
	cmd.Stdin = strings.NewReader(in.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("llvm-mc cannot disassemble aarch64: %v %s", err, stderr.String())
	}
	var insts []string
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, ".") {
			continue
		}
		insts = append(insts, line)
	}
	if len(insts) != len(words) || stderr.Len() > 0 {
		t.Fatalf("llvm-mc decoded %d of %d words: %s", len(insts), len(words), stderr.String())
	}
	for i, w := range words {
		if normalizeInst(llvmAlias(insts[i])) != normalizeInst(w.text) {
			t.Errorf("%s: WORD $0x%08x is %q to llvm-mc, comment says %q", w.pos, w.enc, insts[i], w.text)
		}
	}
}
