package runtime_test

import (
	"errors"
	"strconv"
	"testing"

	"github.com/edgerun/edgerun/examples"
	"github.com/edgerun/edgerun/format"
	"github.com/edgerun/edgerun/runtime"
)

// TestArenaFitsInt: whatever MaxArenaBytes allows, a model whose arena an
// int cannot address (3 GiB on a 32-bit target) is refused at load with
// ErrResourceLimit, instead of loading with truncated sizes and panicking
// in NewInterpreter's allocation (issue 12's audit). On 64-bit targets it
// loads (nothing is allocated at load); no interpreter is made.
func TestArenaFitsInt(t *testing.T) {
	data, err := examples.Bytes("mlp_64_10")
	if err != nil {
		t.Fatal(err)
	}
	g, err := format.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	g.ArenaBytes = 3 << 30
	big, err := format.Encode(g)
	if err != nil {
		t.Fatal(err)
	}
	_, err = runtime.LoadWithOptions(big, &runtime.LoadOptions{MaxArenaBytes: 4 << 30})
	switch {
	case strconv.IntSize == 32 && !errors.Is(err, runtime.ErrResourceLimit):
		t.Errorf("3 GiB arena on a 32-bit target: %v, want ErrResourceLimit", err)
	case strconv.IntSize == 64 && err != nil:
		t.Errorf("3 GiB arena with a 4 GiB limit: %v", err)
	}
}
