package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTranslate(t *testing.T) {
	cases := []struct{ in, want string }{
		{"VLD1.P 16(R19), [V0.B16]", "ld1 {v0.16b}, [x19], #16"},
		{"VLD1.P 64(R5), [V4.B16, V5.B16, V6.B16, V7.B16]", "ld1 {v4.16b, v5.16b, v6.16b, v7.16b}, [x5], #64"},
		{"VLD1 (R4), [V0.S4, V1.S4]", "ld1 {v0.4s, v1.4s}, [x4]"},
		{"VLD1.P (R12)(R9), [V1.B16]", "ld1 {v1.16b}, [x12], x9"},
		{"VLD1R.P 4(R16), [V4.S4]", "ld1r {v4.4s}, [x16], #4"},
		{"VST1.P [V0.B16], 16(R11)", "st1 {v0.16b}, [x11], #16"},
		{"VST1.P V0.D[0], (R2)(R11)", "st1 {v0.d}[0], [x2], x11"},
		{"VADD V4.S4, V0.S4, V16.S4", "add v16.4s, v0.4s, v4.4s"},
		{"VEOR V8.B16, V8.B16, V8.B16", "eor v8.16b, v8.16b, v8.16b"},
		{"VMOV V0.B16, V16.B16", "mov v16.16b, v0.16b"},
		{"VMOVI $0, V11.B16", "movi v11.16b, #0"},
		{"VTBL V0.B16, [V16.B16, V17.B16], V4.B16", "tbl v4.16b, {v16.16b, v17.16b}, v0.16b"},
		{"VDUP R16, V9.S4", "dup v9.4s, w16"},
		{"SUBS $1, R23, R23", "subs x23, x23, #1"},
		{"ADD R10, R12, R13", "add x13, x12, x10"},
		{"ADD R11<<1, R1, R13", "add x13, x1, x11, lsl #1"},
		{"ADDW R9, R10, R10", "add w10, w10, w9"},
		{"SUBSW $1, R8, R8", "subs w8, w8, #1"},
		{"SUB $4, R7, R7", "sub x7, x7, #4"},
		{"CMP $4, R7", "cmp x7, #4"},
		{"MOVD R1, R19", "mov x19, x1"},
		{"MOVD.P 8(R7), R9", "ldr x9, [x7], #8"},
		{"MOVB.P R9, 1(R6)", "strb w9, [x6], #1"},
		{"MOVD (R2)(R10<<3), R11", "ldr x11, [x2, x10, lsl #3]"},
		{"BNE dot1_loop", "b.ne dot1_loop"},
		{"TBZ $3, R4, copyRowsNeon_4", "tbz x4, #3, copyRowsNeon_4"},
		{"WORD $0x4f80e090 // SDOT V16.4S, V4.16B, V0.4B[0]", "sdot v16.4s, v4.16b, v0.4b[0]"},
		{"WORD $0x0e24c008 // SMULL V8.8H, V0.8B, V4.8B", "smull v8.8h, v0.8b, v4.8b"},
		{"dot1_loop:", "dot1_loop:"},
	}
	for _, c := range cases {
		got, err := Translate(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got.LLVM != c.want {
			t.Errorf("%q -> %q, want %q", c.in, got.LLVM, c.want)
		}
	}
	for _, bad := range []string{"VADD V1.S4, V2.S4", "FOO R1, R2", "VLD1.P (R4), [V0.B16]", "VADD V1.Q4, V2.S4, V3.S4"} {
		if _, err := Translate(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

const snippet = `TEXT ·k(SB), NOSPLIT, $0-8
	MOVD p+0(FP), R0
outer:
	VEOR V16.B16, V16.B16, V16.B16
inner:
	VLD1.P 16(R19), [V0.B16]
	WORD $0x4f80e090 // SDOT V16.4S, V4.16B, V0.4B[0]
	WORD $0x0e24c008 // SMULL V8.8H, V0.8B, V4.8B
	SUBS $1, R23, R23
	BNE inner
	VST1.P [V16.B16], 16(R11)
	SUBS $1, R15, R15
	BNE outer
	RET
`

func TestExtractLoops(t *testing.T) {
	loops, err := ExtractLoops("k_arm64.s", strings.NewReader(snippet))
	if err != nil {
		t.Fatal(err)
	}
	if len(loops) != 1 || loops[0].Label != "inner" || loops[0].Func != "k" {
		t.Fatalf("loops = %+v, want only the inner one", loops)
	}
	l := loops[0]
	if n := len(l.Lines); n != 6 {
		t.Errorf("%d lines, want 6 (label, 4 instructions, branch)", n)
	}
	if got := l.MACs(); got != 16+8 {
		t.Errorf("MACs = %d, want 24 (SDOT .4s: 16, SMULL .8h: 8)", got)
	}
	if got := l.LoadedBytes(); got != 16 {
		t.Errorf("LoadedBytes = %d, want 16 (one LD1 of a 16B register)", got)
	}
	if got := l.StoredBytes(); got != 0 {
		t.Errorf("StoredBytes = %d, want 0 (the store is after the loop)", got)
	}
	if l.Class() != ClassDot {
		t.Errorf("class %v, want SDOT", l.Class())
	}
	if !strings.HasPrefix(l.Source(), "inner:\nld1 {v0.16b}, [x19], #16\n") {
		t.Errorf("source:\n%s", l.Source())
	}
}

// TestWordsAssemble checks with llvm-mc that the translated comments encode
// to the WORDs; it needs llvm-mc, the rest of the package does not.
func TestWordsAssemble(t *testing.T) {
	mc := findTool("", "llvm-mc-19", "llvm-mc-16", "llvm-mc")
	if mc == "" {
		t.Skip("llvm-mc not installed: the encoding cross-check needs it (apt-get install -y llvm-19)")
	}
	var lines []Line
	for _, s := range []string{
		"WORD $0x4f80e090 // SDOT V16.4S, V4.16B, V0.4B[0]",
		"WORD $0x4fa0e8f7 // SDOT V23.4S, V7.16B, V0.4B[3]",
		"WORD $0x0e24c008 // SMULL V8.8H, V0.8B, V4.8B",
		"WORD $0x4f2115d0 // SSRA V16.4S, V14.4S, #31",
	} {
		l, err := Translate(s)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	if err := CheckWords(mc, lines); err != nil {
		t.Fatal(err)
	}
	lines[0].Word ^= 1
	if err := CheckWords(mc, lines); err == nil {
		t.Fatal("a wrong WORD passed the check")
	}
}

// TestRealKernels translates every loop of the generated arm64 assembly
// (so a generator change the translator does not know fails here, not in
// a hand run) and checks the MAC counts of three loops against their
// kernels' shapes.
func TestRealKernels(t *testing.T) {
	files, err := filepath.Glob("../../asm/*_arm64.s")
	if err != nil || len(files) == 0 {
		t.Fatalf("no asm/*_arm64.s: %v", err)
	}
	macs := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		loops, err := ExtractLoops(filepath.Base(f), strings.NewReader(string(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range loops {
			macs[l.Label] = l.MACs()
		}
	}
	for label, want := range map[string]int{
		"dot1_loop":      16 * 16,        // one row, 16 columns, 16 k (four SDOT groups of 4)
		"neon1_loop":     16 * 16,        // one row, 16 columns, 16 k
		"dw3x3c16_group": 4 * 16 * 3 * 3, // 4 pixels, 16 channels, 9 taps
		"dw5x5c8_group":  4 * 8 * 5 * 5,  // 4 pixels, 8 channels, 25 taps
	} {
		if got, ok := macs[label]; !ok || got != want {
			t.Errorf("%s: %d MACs per iteration (found %v), want %d", label, got, ok, want)
		}
	}
}

// A trimmed llvm-mca 16 output (cortex-a76, two SDOTs, an SMULL, a loop).
const mcaOut = `Iterations:        1000
Instructions:      6000
Total Cycles:      3003
Total uOps:        6000

Dispatch Width:    3
uOps Per Cycle:    2.00
IPC:               2.00
Block RThroughput: 2.0

Resources:
[0]   - A57UnitB
[1.0] - A57UnitI
[1.1] - A57UnitI
[2]   - A57UnitL
[3]   - A57UnitM
[4]   - A57UnitS
[5]   - A57UnitW
[6]   - A57UnitX


Resource pressure per iteration:
[0]    [1.0]  [1.1]  [2]    [3]    [4]    [5]    [6]    
2.00   0.50   0.50    -      -      -     2.50   1.00   
`

func TestParseMCA(t *testing.T) {
	r := parseMCA(mcaOut)
	if r.total != 3003 || r.RThroughput != 2 || r.Width != 3 {
		t.Errorf("total %v, rthroughput %v, width %d", r.total, r.RThroughput, r.Width)
	}
	if r.HotUnit != "A57UnitW" || r.HotPressure != 2.5 {
		t.Errorf("hot unit %s %.2f, want A57UnitW 2.50", r.HotUnit, r.HotPressure)
	}
	if r.Model != "CortexA57Model" {
		t.Errorf("model %s", r.Model)
	}
}
