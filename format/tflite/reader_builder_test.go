package tflite

import (
	"encoding/binary"
	"math"
	"sort"
)

// A minimal flatbuffer writer for tests: it lays objects out front to back
// (a table, then its children), which keeps every uoffset pointing forward as
// the format requires. It can also write deliberately broken offsets and
// vector lengths.

// fbt is a table: field id -> value. Scalar values: uint8, int8, bool,
// int32, uint32, uint64, float32. Reference values: fbt, []fbt, string,
// []int32, []float32, []int64, []byte, rawOff, badVec, *shared.
type fbt map[int]any

// rawOff is written as-is into an offset slot (it may point anywhere).
type rawOff uint32

// badVec is a vector whose length field says n but which holds only data.
type badVec struct {
	n    uint32
	data []byte
}

// badStr is a string written without its NUL terminator (at the very end of
// the buffer when it is the last object).
type badStr string

// shared is an object written once and referenced by every slot holding
// the same *shared (all referring slots must come before it).
type shared struct {
	v   any
	pos int
}

type fbWriter struct {
	b []byte
}

func (w *fbWriter) align(n int) {
	for len(w.b)%n != 0 {
		w.b = append(w.b, 0)
	}
}

func (w *fbWriter) u32(v uint32) { w.b = binary.LittleEndian.AppendUint32(w.b, v) }

func scalarBytes(v any) ([]byte, bool) {
	switch x := v.(type) {
	case uint8:
		return []byte{x}, true
	case int8:
		return []byte{byte(x)}, true
	case bool:
		if x {
			return []byte{1}, true
		}
		return []byte{0}, true
	case int32:
		return binary.LittleEndian.AppendUint32(nil, uint32(x)), true
	case uint32:
		return binary.LittleEndian.AppendUint32(nil, x), true
	case uint64:
		return binary.LittleEndian.AppendUint64(nil, x), true
	case float32:
		return binary.LittleEndian.AppendUint32(nil, math.Float32bits(x)), true
	}
	return nil, false
}

// patch writes into slot the offset to target (or the raw value).
func (w *fbWriter) patch(slot int, v any) {
	if r, ok := v.(rawOff); ok {
		binary.LittleEndian.PutUint32(w.b[slot:], uint32(r))
		return
	}
	pos := w.object(v)
	binary.LittleEndian.PutUint32(w.b[slot:], uint32(pos-slot))
}

// object writes v and returns its position.
func (w *fbWriter) object(v any) int {
	switch x := v.(type) {
	case *shared:
		if x.pos == 0 {
			x.pos = w.object(x.v)
		}
		return x.pos
	case fbt:
		return w.table(x)
	case []fbt:
		w.align(4)
		pos := len(w.b)
		w.u32(uint32(len(x)))
		slots := len(w.b)
		w.b = append(w.b, make([]byte, 4*len(x))...)
		for i, t := range x {
			w.patch(slots+4*i, t)
		}
		return pos
	case []any: // vector of references (tables, shared, rawOff)
		w.align(4)
		pos := len(w.b)
		w.u32(uint32(len(x)))
		slots := len(w.b)
		w.b = append(w.b, make([]byte, 4*len(x))...)
		for i, t := range x {
			w.patch(slots+4*i, t)
		}
		return pos
	case string:
		w.align(4)
		pos := len(w.b)
		w.u32(uint32(len(x)))
		w.b = append(w.b, x...)
		w.b = append(w.b, 0)
		return pos
	case badStr:
		w.align(4)
		pos := len(w.b)
		w.u32(uint32(len(x)))
		w.b = append(w.b, x...)
		return pos
	case []int32:
		w.align(4)
		pos := len(w.b)
		w.u32(uint32(len(x)))
		for _, e := range x {
			w.u32(uint32(e))
		}
		return pos
	case []float32:
		w.align(4)
		pos := len(w.b)
		w.u32(uint32(len(x)))
		for _, e := range x {
			w.u32(math.Float32bits(e))
		}
		return pos
	case []int64:
		w.align(8)
		if len(w.b)%8 == 0 {
			w.b = append(w.b, 0, 0, 0, 0) // elements 8-aligned
		}
		pos := len(w.b)
		w.u32(uint32(len(x)))
		for _, e := range x {
			w.b = binary.LittleEndian.AppendUint64(w.b, uint64(e))
		}
		return pos
	case []byte:
		w.align(4)
		pos := len(w.b)
		w.u32(uint32(len(x)))
		w.b = append(w.b, x...)
		return pos
	case badVec:
		w.align(4)
		pos := len(w.b)
		w.u32(x.n)
		w.b = append(w.b, x.data...)
		return pos
	}
	panic("fbWriter: unsupported value")
}

func (w *fbWriter) table(t fbt) int {
	ids := make([]int, 0, len(t))
	for id := range t {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	nfields := 0
	if len(ids) > 0 {
		nfields = ids[len(ids)-1] + 1
	}
	// Inline layout: soffset, then each field in id order.
	offs := make(map[int]int, len(ids))
	size := 4
	for _, id := range ids {
		if b, ok := scalarBytes(t[id]); ok {
			offs[id] = size
			size += len(b)
		} else {
			offs[id] = size
			size += 4
		}
	}
	// vtable, then the table right after it (4-aligned).
	w.align(2)
	vt := len(w.b)
	vtLen := 4 + 2*nfields
	w.b = binary.LittleEndian.AppendUint16(w.b, uint16(vtLen))
	w.b = binary.LittleEndian.AppendUint16(w.b, uint16(size))
	for id := 0; id < nfields; id++ {
		w.b = binary.LittleEndian.AppendUint16(w.b, uint16(offs[id]))
	}
	w.align(4)
	pos := len(w.b)
	w.u32(uint32(pos - vt))
	for _, id := range ids {
		if b, ok := scalarBytes(t[id]); ok {
			w.b = append(w.b, b...)
		} else {
			w.b = append(w.b, 0, 0, 0, 0)
		}
	}
	for _, id := range ids {
		if _, ok := scalarBytes(t[id]); !ok {
			w.patch(pos+offs[id], t[id])
		}
	}
	return pos
}

// buildFile writes a .tflite file whose root table is root.
func buildFile(root fbt) []byte {
	w := &fbWriter{b: make([]byte, 8)}
	copy(w.b[4:], FileIdentifier)
	w.patch(0, root)
	return w.b
}
