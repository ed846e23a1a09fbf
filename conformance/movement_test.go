package conformance

import (
	"strings"
	"testing"
)

// TestConformanceStridedSliceLayers runs the real int16 STRIDED_SLICE
// layers of wave2-layers (TFLite Micro's SEANet audio model, 17 models):
// their kind is "MODEL", which requiredKinds cannot require until every
// layer type of the set runs, so they are required here by name.
func TestConformanceStridedSliceLayers(t *testing.T) {
	runSet(t, "wave2-layers", func(c *Case) bool { return strings.HasPrefix(c.Name, "tflm__strided_slice") })
}
