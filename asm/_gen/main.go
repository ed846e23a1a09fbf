// Command _gen generates edgerun's amd64 kernels (asm/kernels_amd64.s and
// their Go declarations asm/kernels_amd64.go) with avo:
//
//	cd asm/_gen && go run . -out ../kernels_amd64.s -stubs ../kernels_amd64.go -pkg asm
//
// It lives in its own module so that avo is not a dependency of the
// library. go generate ./asm runs it (asm/generate.go);
// TestGeneratedAmd64UpToDate (asm/generate_test.go) runs it into a
// temporary directory and fails on any difference with the checked-in
// files.
//
// Every kernel computes exactly what asm.gemmRef / asm.depthwiseRowRef
// compute (see asm/gemm.go and asm/depthwise.go); the comments here say
// how, the Go side (asm/gemm_amd64.go) says with which packed layouts.
//
// One file per section: main.go (the kernel list, shared constants and
// helpers), epilogue.go (the requantization epilogues every kernel shares),
// gemm_vnni.go (GEMM, AVX-512 VNNI, with its bounded epilogue),
// gemm_avx2.go (GEMM, AVX2), gemm_avx2b.go (GEMM, AVX2, bounded epilogue),
// gemm_avxvnni.go (GEMM, AVX-VNNI: VEX VPDPBUSD on ymm, as bytes),
// depthwise.go (depthwise rows, AVX-512 and AVX2), depthwise_pair.go
// (depthwise rows, AVX2, two filter rows a multiply), copy.go (im2col's row
// copy), add.go (elementwise ADD/SUB).
package main

import (
	"fmt"
	"log"
	"os"
	"sort"
	"strings"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	"github.com/mmcloughlin/avo/ir"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

var consts, dwPerm, dwPermB Mem

// labels counts the labels uniqueLabel made.
var labels int

// uniqueLabel returns a label name used nowhere else in the file, for
// code that helpers emit at several places of one kernel.
func uniqueLabel(prefix string) string {
	labels++
	return fmt.Sprintf("%s_%d", prefix, labels)
}

// fast selects the epilogue without left shift and INT32_MIN saturation
// (kernel names get the suffix Fast).
var fast bool

// bounded selects the depthwise kernel with the bounded epilogue (name
// suffix Bounded; see dwBoundedLanes).
var bounded bool

// relu selects, with bounded, the bounded epilogue without its sign
// correction (name suffix BoundedRelu), for epilogues whose clamp starts
// at or above the output offset (a fused ReLU or ReLU6): see
// dwBoundedLanes.
var relu bool

func suffix() string {
	if bounded && relu {
		return "BoundedRelu"
	}
	if bounded {
		return "Bounded"
	}
	if fast {
		return "Fast"
	}
	return ""
}

func doc(name, text string) {
	if bounded {
		text += " Bounded epilogue: bias, weights and requantization constants as asm.dwBound prepares them (bias = its per-block parameters; mult, shift and outOff are not read)."
		if relu {
			text += " Without the sign correction: only for lo >= outOff (asm.clampsNegatives)."
		}
	} else if fast {
		text += " Fast epilogue: every Shift <= 0, no Mult is INT32_MIN."
	}
	kdoc(name + " " + text)
}

// asmPkg is the package whose Go types (the kernels' argument structs)
// the generated code uses.
const asmPkg = "github.com/edgerun/edgerun/asm"

func main() {
	// The argument structs are in asm's amd64 files, whatever the host.
	os.Setenv("GOARCH", "amd64")
	Package(asmPkg)
	ConstraintExpr("!purego")
	// Constants: 2^30 (SRDHM's rounding, as a qword), INT32_MIN, 1, the
	// 0x80 bytes that offset int8 activations to uint8, the odd-lane
	// blend mask.
	consts = GLOBL("kconst", RODATA|NOPTR)
	DATA(0, U64(1<<30))
	DATA(8, U32(0x80000000))
	DATA(12, U32(1))
	DATA(16, U32(0x80808080))
	DATA(20, U32(0xffffffff))

	// Every kernel twice: with the full epilogue, and a Fast one for
	// epilogues without left shifts (every Shift <= 0) and without the
	// INT32_MIN multiplier, that skips those steps (the Go side chooses).
	for _, f := range []bool{false, true} {
		fast = f
		for nz := 1; nz <= 3; nz++ {
			gemmVNNI(nz)
		}
		gemmAVX2(false)
		gemmAVX2(true)
		gemmAVXVNNI()
		dwAVX512()
		dwAVX2()
	}
	gemmAVX2B()
	gemmAVXVNNIB()
	// dwPackStore's permutation: dword j of every 128-bit lane into lane j.
	dwPerm = GLOBL("dwperm", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, U32(i%4*4+i/4))
	}
	DATA(64, U32(1<<30))
	// dwBoundedLanes' interleave of the even-lane and odd-lane products'
	// high dwords (VPERMT2D: 0-15 select e, 16-31 select o).
	for i := 0; i < 16; i++ {
		v := i | 1
		if i%2 == 1 {
			v += 16
		}
		DATA(128+4*i, U32(v))
	}
	// The bounded kernel's byte path (dwBlockS1B): column bytes of the
	// three rows, 16 channels a lane, to (row 0, row 1, row 2, zero) per
	// channel dword.
	dwPermB = GLOBL("dwpermb", RODATA|NOPTR)
	for i := 0; i < 64; i++ {
		DATA(i, U8(i%4*16+i/4))
	}
	dwPairPerm = GLOBL("dwpairperm", RODATA|NOPTR)
	for i, v := range []uint32{0, 4, 1, 5, 2, 6, 3, 7} {
		DATA(4*i, U32(v))
	}
	dwAVX2Pair()
	// The bounded kernels, then again without the sign correction for
	// epilogues that clamp every negative value to lo (relu).
	bounded = true
	for _, r := range []bool{false, true} {
		relu = r
		dwAVX512()
		for nz := 1; nz <= 3; nz++ {
			gemmVNNI(nz)
		}
	}
	relu = false
	bounded = false
	copyRowsAVX2()
	for _, sub := range []bool{false, true} {
		addAVX512(sub)
		addAVX2(sub)
	}
	addVBMI()
	gemm32Kernels()
	int16Kernels()
	interleaveSSE2()
	interleave3SSSE3()
	lstmKernels()
	lstmAVX512()
	rowSumAVX2()
	timeDotKernels()
	rescale32AVX2()
	rescaleInt16AVX2()
	lookupVBMI()
	lookupAVX2()
	minMaxAVX2()
	softmaxTableAVX512()
	softmaxTableAVX2()
	softmaxRowsAVX512()
	sumGatherAVX2()
	sumPlanesVBMI()
	poolKernels()
	finishKernel()
	Generate()
}

var (
	cDwD    = func() Mem { return dwPerm.Offset(64) } // 2^30, the bounded depthwise sums' offset
	cRound  = func() Mem { return consts.Offset(0) }
	cIntMin = func() Mem { return consts.Offset(8) }
	cOne    = func() Mem { return consts.Offset(12) }
	cX80    = func() Mem { return consts.Offset(16) }
	cMinus1 = func() Mem { return consts.Offset(20) }
)

// vpdpbusd emits VPDPBUSD (AVX512_VNNI), which avo's instruction table
// lacks: acc += Σ_4 u8(u)·s8(s) per dword lane. Go operand order: s, u, acc.
func vpdpbusd(s, u, acc Op) {
	Instruction(&ir.Instruction{
		Opcode:   "VPDPBUSD",
		Operands: []Op{s, u, acc},
		Inputs:   []Op{s, u, acc},
		Outputs:  []Op{acc},
		ISA:      []string{"AVX512_VNNI"},
	})
}

// vpdpwssd emits VPDPWSSD (AVX512_VNNI): acc += Σ_2 s16(a)·s16(b) per
// dword lane. Go operand order: b, a, acc.
func vpdpwssd(b, a, acc Op) {
	Instruction(&ir.Instruction{
		Opcode:   "VPDPWSSD",
		Operands: []Op{b, a, acc},
		Inputs:   []Op{b, a, acc},
		Outputs:  []Op{acc},
		ISA:      []string{"AVX512_VNNI"},
	})
}

// Every kernel takes one argument, p, a pointer to its family's
// argument struct in package asm (gemmArgs, dwArgs, copyArgs, addArgs),
// and keeps it in argsReg for its whole body: no kernel uses R14
// otherwise (in ABI0 functions R14 is an ordinary register; the Go
// wrapper restores g after the call). arg and addr address the struct's
// fields by name; the Go types come from asm through avo's Package, so a
// field's offset cannot disagree with the Go side.
var (
	argsReg = reg.R14
	args    gotypes.Component
)

// The kernel being generated: its doc text and the argument fields its
// code reads (finishKernel appends their list to the doc).
var (
	kernelDoc    string
	kernelFields map[string]Mem
)

// kdoc sets the doc comment of the kernel being generated.
func kdoc(text string) { kernelDoc = text }

// finishKernel completes the doc comment of the kernel just generated with
// the fields of *p it reads, in struct order.
func finishKernel() {
	if kernelFields == nil {
		return
	}
	names := make([]string, 0, len(kernelFields))
	for n := range kernelFields {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return kernelFields[names[i]].Disp < kernelFields[names[j]].Disp })
	Doc(kernelDoc + " It reads p." + strings.Join(names, ", p.") + ".")
	kernelFields = nil
}

// kernel declares a kernel func(p *argsType) (no escape: the Go wrappers
// keep the struct on their stacks) and loads p into argsReg.
func kernel(name string, flags attr.Attribute, argsType string) {
	finishKernel()
	TEXT(name, flags, "func(p *"+argsType+")")
	Pragma("noescape")
	if _, err := Param("p").Resolve(); err != nil {
		// TEXT could not parse the signature: package asm did not load.
		log.Fatalf("%s: %v: type %s comes from package asm, which must type-check for GOARCH=amd64 "+
			"(see GOARCH=amd64 go vet ./asm; to change an argument struct, change the struct, regenerate, "+
			"then the callers)", name, err, argsType)
	}
	Load(Param("p"), argsReg)
	args = Param("p").Dereference(argsReg)
	kernelDoc, kernelFields = name, map[string]Mem{}
}

// arg is field name of the kernel's argument struct.
func arg(name string) gotypes.Component {
	f := args.Field(name)
	b, err := f.Resolve()
	if err != nil {
		log.Fatalf("argument field %s: %v", name, err)
	}
	kernelFields[name] = b.Addr
	return f
}

// addr is the memory operand of field name of the kernel's argument struct.
func addr(name string) Mem { return resolve(arg(name)) }

// resolve is the memory operand of a component (a field, an array's element).
func resolve(c gotypes.Component) Mem {
	b, err := c.Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// bcast512 broadcasts an int32 parameter to a zmm register (through R10,
// since vet's asmdecl wants 4-byte arguments read as such).
func bcast512(m Mem, dst reg.VecPhysical) {
	MOVL(m, reg.R10.As32())
	VPBROADCASTD(reg.R10.As32(), dst)
}

// bcast256 broadcasts an int32 parameter to a ymm register (through R10).
func bcast256(m Mem, dst reg.VecPhysical) {
	MOVL(m, reg.R10.As32())
	VMOVD(reg.R10.As32(), dst.AsX())
	VPBROADCASTD(dst.AsX(), dst)
}

// zmm is register Zi.
func zmm(i int) reg.VecPhysical {
	return []reg.VecPhysical{reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7,
		reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15,
		reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22, reg.Z23,
		reg.Z24, reg.Z25, reg.Z26, reg.Z27, reg.Z28, reg.Z29, reg.Z30, reg.Z31}[i]
}
