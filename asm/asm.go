// Package asm holds edgerun's hot integer kernels. An Impl bundles one
// implementation of every kernel: generic (pure Go, runs everywhere:
// gemm_generic.go, depthwise_generic.go, copyRowsGeneric, addInt8Generic)
// and SIMD ones (amd64: AVX2, AVX-VNNI, AVX-512 VNNI; arm64: NEON, dot-product
// SDOT), all bit-identical. Each kernel also has a plain, unexported
// reference (gemmRef, depthwiseRowRef, copyRowsRef, addInt8Ref, with
// requantize), its definition, which the tests compare every
// implementation against. The best implementation the CPU supports is
// chosen once at start-up, EDGERUN_KERNELS overrides it, and the purego
// build tag (and every other GOARCH) gets the generic one.
//
// Kernels work on prepared data: weights are packed once at model load
// (PackMatrix) into the layout of the Impl that will run them.
package asm

import (
	"fmt"
	"os"
	"strings"
)

// Impl is one implementation of every kernel.
type Impl struct {
	// Name is what EDGERUN_KERNELS selects: generic, avx2, avxvnni, avx512vnni,
	// neon or dotprod.
	Name string
	// Available reports whether this CPU and build can run it; Reason says
	// why (features found or missing).
	Available bool
	Reason    string

	gemm gemmImpl
	// segGemm is gemm's segmented kernel (GemmSegments), nil without.
	segGemm segmentedGemm
	gemm32  gemm32Impl // gemm's int32 form (GemmInt32)
	dw      depthwiseImpl
	// copyRows is CopyRows' kernel for rows >= 1 rows of rowLen >= 1
	// bytes, already checked; never nil.
	copyRows func(dst *int8, dstStride int, src *int8, srcStride int, rowLen, rows int)
	// addInt8 is AddInt8's kernel for rows of n >= 1 values; never nil.
	addInt8 func(out, a, b []int8, p *AddParams)
	// g16 selects the 16x8 GEMM and depthwise kernels (gemm16.go).
	g16 gemm16Impl
	// lstm is LSTMCell's kernel (nil: lstmCellGeneric).
	lstm func(ai, ar []int32, h []int8, c []int16, p *LSTMCell)
	// rowSums is RowTermSums' kernel for k >= 8 (checked); nil: the
	// generic rowTermSumsGo.
	rowSums func(a []int8, lda, n, k int, f int32, rt []int32)
	// timeDots16 and timeDots8 are TimeDots16's and TimeDots8's kernels
	// for groups >= 1 whole groups of four filters (timedot.go; checked);
	// nil: timeDotsFrom.
	timeDots16 func(tw *TimeWeights, s []int16, t []int32, groups int)
	timeDots8  func(tw *TimeWeights, s []int8, t []int32, groups int)
	// rescale32 is Rescale32's kernel for r.vec != nil (arguments
	// checked): it does a leading part of the values and returns how
	// many; nil: none.
	rescale32 func(acc, bias []int32, r *Rescale32, out []int32) int
	// rescaleInt16 is RescaleInt16's kernel for n >= 8 values (checked;
	// neg set): it does a leading part and returns how many; nil: none.
	rescaleInt16 func(in []int16, bias int32, pos, neg *Rescale32, out16 []int16, out8 []int8) int
	// lookup8 is Lookup8's kernel for n >= 1 bytes (table.go); never nil.
	lookup8 func(out, in *int8, n int, t *Table8)
	// minMax8 and sumTable are MinMaxInt8's and SumTable's kernels for
	// non-empty rows (softmax.go); never nil.
	minMax8  func(row []int8) (lo, hi int8)
	sumTable func(row []int8, top int8, e *SoftmaxExp) int64
	// softmaxTable8 is SoftmaxTable8's kernel (arguments checked); nil:
	// softmaxTable8Generic.
	softmaxTable8 func(p *Table8, e *SoftmaxOutExp, lo, top int8, recip int32, exponent int)
	// softmaxRows is SoftmaxRows8's kernel for blocks >= 1 blocks of 16
	// rows (checked); nil: none.
	softmaxRows func(out, in []int8, blocks int, p *SoftmaxRows8, e *SoftmaxOutExp)
	// pool: MaxPool and the min/max rows run the arch's SIMD kernels
	// (pool_amd64.go, pool_arm64.go) on whole 16-byte chunks.
	pool bool
	// bw512: the AVX-512BW elementwise kernels: MulInt8 takes 32 values
	// a step (mulInt8AVX512), SumPoolInt8 128 channels (sumPool8AVX512),
	// then the pool kernels' 16.
	bw512 bool
}

// gemmImpl is an implementation of the GEMM family (see gemm.go).
type gemmImpl interface {
	// pack arranges the row-major N×K matrix w in the implementation's
	// layout (see PackMatrix).
	pack(w []int8, n, k int) *PackedMatrix
	// gemm computes rows [0, m) of the product (see Gemm), each row's
	// sums starting at rt[r] (GemmRowTerm; rt nil: at 0).
	gemm(a []int8, lda, m int, w *PackedMatrix, e *Epilogue, out []int8, ldo int, rt []int32)
}

var (
	impls    []*Impl // every implementation known to this build, best last
	selected *Impl
	// selectReason says why selected was chosen.
	selectReason string
)

func register(i *Impl) {
	// Interface assertions once, here: at a call site, Go's per-site
	// assertion cache may allocate (it grows at random calls), which
	// would break the zero-allocation Invoke.
	i.segGemm, _ = i.gemm.(segmentedGemm)
	i.gemm32 = i.gemm.(gemm32Impl) // every GEMM has the int32 form
	impls = append(impls, i)
}

func init() {
	register(&Impl{Name: "generic", Available: true, Reason: "pure Go, runs everywhere",
		gemm: genericGemm{}, dw: genericDepthwise{}, copyRows: copyRowsGeneric, addInt8: addInt8Generic,
		g16: gemm16Impl{nr: 8}, lookup8: lookup8Generic,
		minMax8: minMax8Generic, sumTable: sumTableGeneric})
	registerArch() // per-GOARCH (and !purego) implementations
	best := impls[0]
	for _, i := range impls {
		if i.Available {
			best = i
		}
	}
	selected, selectReason = best, "best available for this CPU"
	if name := strings.TrimSpace(os.Getenv("EDGERUN_KERNELS")); name != "" {
		if err := Select(name); err != nil {
			// Do not fail start-up over an environment variable: keep the
			// automatic choice and say so.
			selectReason = fmt.Sprintf("EDGERUN_KERNELS=%s ignored: %v; best available for this CPU", name, err)
		} else {
			selectReason = "EDGERUN_KERNELS=" + name
		}
	}
}

// All returns every implementation known to this build, available or not.
func All() []*Impl { return append([]*Impl(nil), impls...) }

// lookup returns the implementation named name, or an error if it is
// unknown or this CPU cannot run it.
func lookup(name string) (*Impl, error) {
	var names []string
	for _, i := range impls {
		if i.Name == name {
			if !i.Available {
				return nil, fmt.Errorf("kernels %q not available: %s", name, i.Reason)
			}
			return i, nil
		}
		names = append(names, i.Name)
	}
	return nil, fmt.Errorf("unknown kernels %q (this build has %s)", name, strings.Join(names, ", "))
}

// Selected returns the implementation models loaded from now on use.
func Selected() *Impl { return selected }

// Select makes the named implementation the selected one. Models already
// loaded keep theirs. Not safe to call concurrently with model loading.
func Select(name string) error {
	i, err := lookup(name)
	if err != nil {
		return err
	}
	selected = i
	selectReason = "selected by name"
	return nil
}

// Describe says which implementation is selected and why, and which others
// this machine could run.
func Describe() string {
	var others []string
	for _, i := range impls {
		if i != selected {
			state := "available"
			if !i.Available {
				state = "unavailable: " + i.Reason
			}
			others = append(others, i.Name+" ("+state+")")
		}
	}
	s := fmt.Sprintf("%s (%s; %s)", selected.Name, selected.Reason, selectReason)
	if len(others) > 0 {
		s += "; others: " + strings.Join(others, ", ")
	}
	return s
}
