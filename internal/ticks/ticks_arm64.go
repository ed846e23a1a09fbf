//go:build !purego

package ticks

const counterName = "cntvct"

// counter reads the virtual counter (CNTVCT_EL0), which Linux lets user
// space read (its vDSO clock reads the same register).
//
//go:noescape
func counter() int64

// counterUsable: the architecture defines the counter as fixed-rate.
func counterUsable() bool { return true }
