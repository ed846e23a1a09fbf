package asm

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Go's assembler (and avo) know VPDPBUSD and VPDPWSSD only in their EVEX
// form, which needs AVX-512 (AVX512VL for ymm) and faults on the CPUs the
// avxvnni kernels are for. Those kernels write the VEX form as bytes,
//
//	BYTE $0xc4; BYTE $0xc2; BYTE $0x0d; BYTE $0x50; BYTE $0xc4 // VPDPBUSD Y12, Y14, Y0
//
// (Go operand order: the r/m operand, vvvv, then the accumulator). These
// tests decode every such line, independently of the generator
// (asm/_gen/gemm_avxvnni.go's vexDot), and compare with its comment; and
// they check that the kernels the avxvnni Impl runs contain no AVX-512
// (EVEX) instruction or register. golang.org/x/arch/x86/x86asm cannot
// serve as the decoder: it reads C4 E2 75 50 C2 as prefixes and a PUSH,
// as it knows no VEX VNNI. They only read files, and run on every GOARCH.

// vexLine matches a line of five BYTEs with a comment.
var vexLine = regexp.MustCompile(`^\s*BYTE\s+\$0x([0-9a-f]{2});\s*BYTE\s+\$0x([0-9a-f]{2});\s*BYTE\s+\$0x([0-9a-f]{2});\s*BYTE\s+\$0x([0-9a-f]{2});\s*BYTE\s+\$0x([0-9a-f]{2})\s*//\s*(.*)$`)

// decodeVEXDot decodes a register-only VEX.256 VPDPBUSD or VPDPWSSD (the
// only ones the kernels write) into Go syntax, or says why it is not one.
func decodeVEXDot(b [5]byte) (string, error) {
	if b[0] != 0xc4 {
		return "", fmt.Errorf("not a 3-byte VEX prefix: %#02x", b[0])
	}
	notR, notX, notB, mmmmm := b[1]>>7&1, b[1]>>6&1, b[1]>>5&1, b[1]&0x1f
	w, vvvv, l, pp := b[2]>>7, ^(b[2]>>3)&15, b[2]>>2&1, b[2]&3
	if mmmmm != 2 {
		return "", fmt.Errorf("opcode map %d, want 2 (0F38)", mmmmm)
	}
	if w != 0 || l != 1 || pp != 1 {
		return "", fmt.Errorf("W=%d L=%d pp=%d, want W0, L1 (256 bits), pp=01 (66)", w, l, pp)
	}
	if notX != 1 {
		return "", fmt.Errorf("VEX.X set without an index register")
	}
	var name string
	switch b[3] {
	case 0x50:
		name = "VPDPBUSD"
	case 0x52:
		name = "VPDPWSSD"
	default:
		return "", fmt.Errorf("opcode %#02x, want 0x50 or 0x52", b[3])
	}
	mod, regf, rm := b[4]>>6, b[4]>>3&7, b[4]&7
	if mod != 3 {
		return "", fmt.Errorf("ModRM mod %d: memory operand", mod)
	}
	regf |= (1 - notR) << 3
	rm |= (1 - notB) << 3
	return fmt.Sprintf("%s Y%d, Y%d, Y%d", name, rm, vvvv, regf), nil
}

func TestDecodeVEXDot(t *testing.T) {
	// Known encodings (Intel SDM: VEX.256.66.0F38.W0 50 /r, 52 /r), as
	// GNU binutils 2.40 assembles and disassembles them: the first is
	// {vex} vpdpbusd %ymm2, %ymm1, %ymm0 (ymm0 += ymm1·ymm2), then
	// {vex} vpdpwssd %ymm9, %ymm15, %ymm9 and {vex} vpdpbusd %ymm7, %ymm0, %ymm15.
	for _, c := range []struct {
		b    [5]byte
		want string
	}{
		{[5]byte{0xc4, 0xe2, 0x75, 0x50, 0xc2}, "VPDPBUSD Y2, Y1, Y0"},
		{[5]byte{0xc4, 0x42, 0x05, 0x52, 0xc9}, "VPDPWSSD Y9, Y15, Y9"},
		{[5]byte{0xc4, 0x62, 0x7d, 0x50, 0xff}, "VPDPBUSD Y7, Y0, Y15"},
	} {
		got, err := decodeVEXDot(c.b)
		if err != nil || got != c.want {
			t.Errorf("% x: %q, %v; want %q", c.b, got, err, c.want)
		}
	}
	for _, bad := range [][5]byte{
		{0xc5, 0xe2, 0x75, 0x50, 0xc2}, // 2-byte VEX
		{0xc4, 0xe1, 0x75, 0x50, 0xc2}, // map 0F
		{0xc4, 0xe2, 0xf5, 0x50, 0xc2}, // W1
		{0xc4, 0xe2, 0x71, 0x50, 0xc2}, // L0
		{0xc4, 0xe2, 0x74, 0x50, 0xc2}, // no 66
		{0xc4, 0xe2, 0x75, 0x51, 0xc2}, // VPDPBUSDS
		{0xc4, 0xe2, 0x75, 0x50, 0x02}, // memory operand
		{0xc4, 0xa2, 0x75, 0x50, 0xc2}, // X̄ clear
	} {
		if got, err := decodeVEXDot(bad); err == nil {
			t.Errorf("% x decoded as %q", bad, got)
		}
	}
}

// amd64Funcs splits kernels_amd64.s into its TEXT functions (name →
// lines).
func amd64Funcs(t *testing.T) map[string][]string {
	t.Helper()
	data, err := os.ReadFile("kernels_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string][]string{}
	var cur string
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "TEXT ") {
			name := strings.TrimSuffix(strings.TrimPrefix(strings.Fields(line)[1], "·"), "(SB),")
			cur = name
			continue
		}
		if cur != "" {
			funcs[cur] = append(funcs[cur], line)
		}
		if strings.HasPrefix(line, "// func ") || strings.HasPrefix(line, "DATA") || strings.HasPrefix(line, "GLOBL") {
			cur = ""
		}
	}
	if len(funcs) == 0 {
		t.Fatal("no TEXT in kernels_amd64.s")
	}
	return funcs
}

// TestVEXDotEncodings decodes every BYTE-encoded instruction of the amd64
// kernels and compares it with its comment.
func TestVEXDotEncodings(t *testing.T) {
	data, err := os.ReadFile("kernels_amd64.s")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, line := range strings.Split(string(data), "\n") {
		if !strings.Contains(line, "BYTE") {
			continue
		}
		m := vexLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("kernels_amd64.s:%d: BYTE line not five bytes and a comment: %s", i+1, line)
			continue
		}
		var b [5]byte
		for j := range b {
			v, _ := strconv.ParseUint(m[1+j], 16, 8)
			b[j] = byte(v)
		}
		got, err := decodeVEXDot(b)
		if err != nil {
			t.Errorf("kernels_amd64.s:%d: %v", i+1, err)
			continue
		}
		if want := strings.Join(strings.Fields(m[6]), " "); got != want {
			t.Errorf("kernels_amd64.s:%d: bytes decode to %q, comment says %q", i+1, got, want)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no VEX VPDPBUSD in kernels_amd64.s")
	}
}

// evexOnly matches what only AVX-512 has: zmm, mask and the upper 16
// vector registers, embedded broadcast and zeroing suffixes, and the
// mnemonics with no VEX form (VPDPBUSD and VPDPWSSD included: written as
// mnemonics, Go's assembler encodes them as EVEX).
var evexOnly = regexp.MustCompile(`\b(Z[0-9]+|K[0-7]|[XY](1[6-9]|2[0-9]|3[01]))\b|\.(BCST|Z)\b|` +
	`^\s*(VPDPBUSDS?|VPDPWSSDS?|VMOVDQ[AU](8|16|32|64)|VPBLENDM[BWDQ]|VPERMT2[BWDQ]|VPERMI2[BWDQ]|VPERMB|VPERMW|` +
	`VPMOV[SU]?[DQW][BWD]|VPMOV[BWDQ]2M|VPMOVM2[BWDQ]|VEXTRACT[IF](32X4|64X2|32X8|64X4)|VINSERT[IF](32X4|64X2|32X8|64X4)|` +
	`VPTERNLOG[DQ]|VPCMP[UD]?[BWDQ]|VPCMPU[BWDQ]|VPROL|VPROR|VPSRAVW|VPSLLVW|VPSRAQ|VPMAXSQ|VPMINSQ|VPABSQ|KMOV|KOR|KAND|KNOT|VPCOMPRESS|VPEXPAND|VPBROADCASTM|VPCONFLICT|VPLZCNT)\b`)

// TestAVXVNNINoEVEX: the kernels of the avx2 and avxvnni Impls (names with
// AVX2, AVXVNNI or SSE2) use no AVX-512 instruction or register, declare
// no AVX-512 feature, and the AVX-VNNI ones contain the VEX VPDPBUSD.
func TestAVXVNNINoEVEX(t *testing.T) {
	funcs := amd64Funcs(t)
	checked := 0
	for name, lines := range funcs {
		if !strings.Contains(name, "AVX2") && !strings.Contains(name, "AVXVNNI") && !strings.Contains(name, "SSE2") {
			continue
		}
		checked++
		vex := 0
		for _, line := range lines {
			code, _, _ := strings.Cut(line, "//")
			if m := evexOnly.FindString(code); m != "" {
				t.Errorf("%s: AVX-512 only (%s): %s", name, strings.TrimSpace(m), strings.TrimSpace(line))
			}
			if vexLine.MatchString(line) {
				vex++
			}
		}
		if strings.Contains(name, "AVXVNNI") && vex == 0 {
			t.Errorf("%s: no VEX VPDPBUSD", name)
		}
	}
	for _, want := range []string{"gemmAVXVNNI", "gemmAVXVNNIFast", "gemmAVXVNNIB", "gemm32AVXVNNI", "gemmAVX2", "dwAVX2"} {
		if _, ok := funcs[want]; !ok {
			t.Errorf("no function %s in kernels_amd64.s", want)
		}
	}
	if checked < 10 {
		t.Fatalf("only %d functions checked", checked)
	}
	// The Requires lines avo writes before each function.
	data, _ := os.ReadFile("kernels_amd64.s")
	req := regexp.MustCompile(`(?m)^// func (\w+)\(.*\n// Requires: (.*)$`)
	for _, m := range req.FindAllStringSubmatch(string(data), -1) {
		name, features := m[1], m[2]
		if (strings.Contains(name, "AVX2") || strings.Contains(name, "AVXVNNI") || strings.Contains(name, "SSE2")) &&
			strings.Contains(features, "AVX512") {
			t.Errorf("%s requires %s", name, features)
		}
	}
}
