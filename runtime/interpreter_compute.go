package runtime

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"
)

// setInputFloat32Raw stores values into a float32 graph input (one that
// a CAST reads and truncates itself) as little-endian IEEE bits.
func (it *Interpreter) setInputFloat32Raw(i int, info *TensorInfo, values []float32) error {
	if len(values)*4 != info.Bytes {
		return fmt.Errorf("input %d %q: %d values, want %d: %w", i, info.Name, len(values), info.Bytes/4, ErrShapeMismatch)
	}
	t := it.env.Tensors[info.Index]
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(t))), len(t))
	for k, v := range values {
		binary.LittleEndian.PutUint32(b[4*k:], math.Float32bits(v))
	}
	it.inputSet[i] = true
	return nil
}
