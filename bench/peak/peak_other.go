//go:build (!amd64 && !arm64) || purego

package peak

// loops: no SIMD loops on this GOARCH (or with the purego tag).
func loops() []*Loop { return nil }
