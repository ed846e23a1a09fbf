//go:build !purego

package asm

import (
	"os"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// TestAmd64Registry: the amd64 implementations are registered best last
// (generic, avx2, avxvnni, avx512vnni), each available exactly when cpuid
// reports its features (avxvnni: AVX2, BMI2 and AVX-VNNI, so a CPU with
// AVX-VNNI but no AVX-512, such as Alder Lake-N, gets it and one with
// both keeps avx512vnni), and EDGERUN_KERNELS selects the named one.
func TestAmd64Registry(t *testing.T) {
	t.Logf("kernels: %s", Describe())
	var names []string
	for _, i := range All() {
		names = append(names, i.Name)
	}
	if got := strings.Join(names, " "); got != "generic avx2 avxvnni avx512vnni" {
		t.Fatalf("implementations %q, want generic avx2 avxvnni avx512vnni (best last)", got)
	}
	has := func(ids ...cpuid.FeatureID) bool { return cpuid.CPU.Supports(ids...) }
	avail := map[string]bool{
		"generic":    true,
		"avx2":       has(cpuid.AVX2, cpuid.BMI2),
		"avxvnni":    has(cpuid.AVX2, cpuid.BMI2, cpuid.AVXVNNI),
		"avx512vnni": has(cpuid.AVX2, cpuid.BMI2, cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512DQ, cpuid.AVX512VL, cpuid.AVX512VNNI),
	}
	want := ""
	for _, i := range All() {
		if i.Available != avail[i.Name] {
			t.Errorf("%s: available %v, cpuid says %v (%s)", i.Name, i.Available, avail[i.Name], i.Reason)
		}
		if avail[i.Name] {
			want = i.Name
		}
	}
	if env := os.Getenv("EDGERUN_KERNELS"); env != "" {
		if _, err := lookup(env); err == nil {
			want = env
		}
	}
	if got := Selected().Name; got != want {
		t.Errorf("selected %q, want %q", got, want)
	}
}
