//go:build (!amd64 && !arm64) || purego

package ticks

const counterName = "monotonic"

func counter() int64 { return monotonic() }

// counterUsable: no counter is read directly here.
func counterUsable() bool { return false }
