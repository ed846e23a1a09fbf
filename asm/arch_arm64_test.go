//go:build !purego

package asm

import (
	"os"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// TestArm64Registry: "neon" is always available on arm64, "dotprod"
// exactly when the CPU has the dot-product extension, and EDGERUN_KERNELS
// selects the named one (CI runs the tests under QEMU with and without
// dotprod, and with each override).
func TestArm64Registry(t *testing.T) {
	t.Logf("kernels: %s", Describe())
	if _, err := lookup("neon"); err != nil {
		t.Errorf("neon: %v", err)
	}
	_, err := lookup("dotprod")
	if has := cpuid.CPU.Supports(cpuid.ASIMDDP); has != (err == nil) {
		t.Errorf("cpuid ASIMDDP = %v, but lookup(dotprod) error = %v", has, err)
	}
	want := "neon"
	if cpuid.CPU.Supports(cpuid.ASIMDDP) {
		want = "dotprod"
	}
	if env := os.Getenv("EDGERUN_KERNELS"); env != "" {
		if _, err := lookup(env); err == nil {
			want = env
		} // else ignored, and the automatic choice stands
	}
	if got := Selected().Name; got != want {
		t.Errorf("selected %q, want %q", got, want)
	}
}
