package format

import (
	"encoding/binary"
	"errors"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/edgerun/edgerun/format/fb"
)

// TestDecodeHugeUnsignedFields: vector lengths and offsets of 2^31 and
// more. The verifier read them into an int, which on 32-bit targets
// (linux/arm) made them negative: a vector length of 0x80000001 passed the
// bounds check and Decode panicked (index out of range), and an offset of
// 0xfffffff0 pointed backwards. Found by the corrupt-file corpus run under
// GOARCH=arm; on 64-bit targets these were always rejected.
func TestDecodeHugeUnsignedFields(t *testing.T) {
	data := mustEncode(t, tinyModel())
	tab := fb.GetRootAsModel(data, 0).Table()
	off := tab.Offset(8)                                  // the tensors field
	slot := int(tab.Pos) + int(off)                       // its uoffset
	vec := int(tab.Vector(flatbuffers.UOffsetT(off))) - 4 // the vector's length
	var t0 fb.Tensor
	fb.GetRootAsModel(data, 0).Tensors(&t0, 0)
	ttab := t0.Table()
	str := int(ttab.Vector(flatbuffers.UOffsetT(ttab.Offset(4)))) - 4 // tensor 0's name length
	for name, patch := range map[string]func(d []byte){
		"string length 2^31+1": func(d []byte) { binary.LittleEndian.PutUint32(d[str:], 1<<31+1) },
		"string length 2^32-1": func(d []byte) { binary.LittleEndian.PutUint32(d[str:], 1<<32-1) },
		"vector length 2^31+1": func(d []byte) { binary.LittleEndian.PutUint32(d[vec:], 1<<31+1) },
		"vector length 2^32-1": func(d []byte) { binary.LittleEndian.PutUint32(d[vec:], 1<<32-1) },
		"offset 2^32-16":       func(d []byte) { binary.LittleEndian.PutUint32(d[slot:], 1<<32-16) },
		"offset 2^31":          func(d []byte) { binary.LittleEndian.PutUint32(d[slot:], 1<<31) },
		"backward offset to root": func(d []byte) {
			binary.LittleEndian.PutUint32(d[slot:], uint32(int64(1)<<32-int64(slot)+int64(binary.LittleEndian.Uint32(d))))
		},
	} {
		d := append([]byte(nil), data...)
		patch(d)
		if _, err := Decode(d); !errors.Is(err, ErrMalformedModel) {
			t.Errorf("%s: %v, want ErrMalformedModel", name, err)
		}
	}
}
