package ops

import (
	"math"
	"testing"

	"github.com/edgerun/edgerun/asm"
)

// TestScratchBytesNoWrap: scratch sizes are computed in int64 and
// saturate at the largest int instead of wrapping to a small size on
// 32-bit targets (issue 12's audit), which would let a kernel run with
// less scratch than it uses; for ordinary sizes they are unchanged.
func TestScratchBytesNoWrap(t *testing.T) {
	atLeast := func(what string, got int, want int64) {
		t.Helper()
		if int64(got) < min(want, math.MaxInt) {
			t.Errorf("%s: ScratchBytes %d, want at least %d (or the largest int)", what, got, min(want, math.MaxInt))
		}
	}
	// 10·patch wraps to 4 in 32 bits.
	const patch = 429496730
	conv := &convKernel{kh: 10, kw: 1, convShape: convShape{inC: patch, outC: 1}, groups: 1}
	atLeast("conv", conv.ScratchBytes(), 10*patch+7)
	atLeast("conv gemm", (&convKernel{packed: &asm.PackedMatrix{}, patchSize: patch, blockRows: 6}).ScratchBytes(), 6*patch)
	atLeast("fully connected", (&fullyConnectedKernel{units: 1<<30 + 1}).ScratchBytes(), 4<<30+4)
	atLeast("mean", (&meanKernel{nOut: 1<<30 + 1}).ScratchBytes(), 4<<30+7)

	// Ordinary sizes are unchanged: the Go path's patch, 3 bytes of
	// alignment slack and one int32 per output channel.
	small := &convKernel{kh: 3, kw: 3, convShape: convShape{inC: 8, outC: 16}, patchSize: 72, groups: 1}
	if got, want := small.ScratchBytes(), 3*3*8+3+4*16; got != want {
		t.Errorf("conv: ScratchBytes %d, want %d", got, want)
	}
}
