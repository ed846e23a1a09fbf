package runtime_test

import (
	"errors"
	"os"
	"testing"

	"github.com/edgerun/edgerun/runtime"
)

// TestLoadFileUnknownSize: a model path whose size is unknown in advance
// (a device such as /dev/zero reports 0 bytes) is read only up to the
// limit; LoadFile used to read it without bound.
func TestLoadFileUnknownSize(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	_, err := runtime.LoadFileWithOptions("/dev/zero", &runtime.LoadOptions{MaxModelBytes: 1 << 20})
	if !errors.Is(err, runtime.ErrResourceLimit) {
		t.Fatalf("/dev/zero: %v, want ErrResourceLimit", err)
	}
	if _, err := runtime.ReadFileLimit("/dev/zero", 100); !errors.Is(err, runtime.ErrResourceLimit) {
		t.Errorf("ReadFileLimit(/dev/zero, 100): %v, want ErrResourceLimit", err)
	}
	dir := t.TempDir()
	p := dir + "/f"
	if err := os.WriteFile(p, make([]byte, 100), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err := runtime.ReadFileLimit(p, 100); err != nil || len(d) != 100 {
		t.Errorf("100-byte file at limit 100: %d bytes, %v", len(d), err)
	}
	if _, err := runtime.ReadFileLimit(p, 99); !errors.Is(err, runtime.ErrResourceLimit) {
		t.Errorf("100-byte file at limit 99: %v, want ErrResourceLimit", err)
	}
}
