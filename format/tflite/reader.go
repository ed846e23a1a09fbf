package tflite

import (
	"encoding/binary"
	"math"

	"github.com/edgerun/edgerun/format"
)

// This file is a small, defensive flatbuffer reader. Nothing read from the
// buffer is trusted: every offset, vtable, field, vector and string is
// bounds-checked before it is used, all arithmetic is done in uint64 (no
// value read from the file can overflow it), and the total amount of decoded
// data is bounded by a work budget proportional to the file size, so a file
// whose tables share sub-objects cannot make Parse allocate without bound.

// fb is a flatbuffer being read.
type fb struct {
	b []byte
	n uint64 // len(b)
	// budget is the number of work units (tables visited plus vector
	// elements decoded) left; see spend.
	budget uint64
}

// fbTable is a verified table: the table's inline data is [pos, pos+size)
// and its vtable [vt, vt+vtLen), both inside the buffer.
type fbTable struct {
	pos   uint64
	size  uint64
	vt    uint64
	vtLen uint64
}

// fbVector is a verified vector: n elements of elemSize bytes from start,
// inside the buffer.
type fbVector struct {
	start    uint64
	n        uint64
	elemSize uint64
}

func newFB(b []byte) *fb {
	n := uint64(len(b))
	// A file without shared sub-objects decodes at most about one unit per
	// byte; allow generous headroom for writers that share vectors/strings.
	return &fb{b: b, n: n, budget: 4*n + 1<<16}
}

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + " / " + field
}

func (f *fb) u16(p uint64) uint64 { return uint64(binary.LittleEndian.Uint16(f.b[p:])) }
func (f *fb) u32(p uint64) uint64 { return uint64(binary.LittleEndian.Uint32(f.b[p:])) }
func (f *fb) u64(p uint64) uint64 { return binary.LittleEndian.Uint64(f.b[p:]) }

// in reports whether [p, p+size) lies inside the buffer (p and size are
// at most 2^33, so the sum cannot overflow).
func (f *fb) in(p, size uint64) bool { return p <= f.n && size <= f.n-p }

func (f *fb) spend(units uint64, path string) error {
	if units > f.budget {
		return format.Malformed(path, "model decodes to more data than a %d-byte file can hold (shared sub-objects?)", f.n)
	}
	f.budget -= units
	return nil
}

// deref follows the uoffset stored at p (already known to be inside the
// buffer) and returns the target position, inside the buffer.
func (f *fb) deref(p uint64, path string) (uint64, error) {
	if !f.in(p, 4) {
		return 0, format.Malformed(path, "offset at byte %d outside the %d-byte file", p, f.n)
	}
	t := p + f.u32(p)
	if t >= f.n {
		return 0, format.Malformed(path, "offset at byte %d points to byte %d, outside the %d-byte file", p, t, f.n)
	}
	return t, nil
}

// table verifies the table starting at pos.
func (f *fb) table(pos uint64, path string) (fbTable, error) {
	if !f.in(pos, 4) {
		return fbTable{}, format.Malformed(path, "table at byte %d outside the %d-byte file", pos, f.n)
	}
	if err := f.spend(1, path); err != nil {
		return fbTable{}, err
	}
	soff := int64(int32(f.u32(pos)))
	vt := int64(pos) - soff
	if vt < 0 || !f.in(uint64(vt), 4) {
		return fbTable{}, format.Malformed(path, "table at byte %d has its vtable at byte %d, outside the %d-byte file", pos, vt, f.n)
	}
	t := fbTable{pos: pos, vt: uint64(vt)}
	t.vtLen = f.u16(t.vt)
	t.size = f.u16(t.vt + 2)
	if t.vtLen < 4 || t.vtLen%2 != 0 || !f.in(t.vt, t.vtLen) {
		return fbTable{}, format.Malformed(path, "table at byte %d: vtable at byte %d has bad size %d", pos, t.vt, t.vtLen)
	}
	if t.size < 4 || !f.in(pos, t.size) {
		return fbTable{}, format.Malformed(path, "table at byte %d: declared size %d outside the %d-byte file", pos, t.size, f.n)
	}
	return t, nil
}

// field returns the position of field id (of the given inline size) in t,
// or ok=false if the field is absent.
func (f *fb) field(t fbTable, id int, size uint64, path string) (p uint64, ok bool, err error) {
	e := 4 + 2*uint64(id)
	if e+2 > t.vtLen {
		return 0, false, nil
	}
	off := f.u16(t.vt + e)
	if off == 0 {
		return 0, false, nil
	}
	if off < 4 || off+size > t.size {
		return 0, false, format.Malformed(path, "field at offset %d (%d bytes) outside its table of %d bytes", off, size, t.size)
	}
	return t.pos + off, true, nil
}

func (f *fb) scalar(t fbTable, id int, size uint64, path string) (uint64, bool, error) {
	p, ok, err := f.field(t, id, size, path)
	if !ok || err != nil {
		return 0, false, err
	}
	switch size {
	case 1:
		return uint64(f.b[p]), true, nil
	case 2:
		return f.u16(p), true, nil
	case 4:
		return f.u32(p), true, nil
	default:
		return f.u64(p), true, nil
	}
}

func (f *fb) uint8(t fbTable, id int, def uint8, path string) (uint8, error) {
	v, ok, err := f.scalar(t, id, 1, path)
	if !ok {
		return def, err
	}
	return uint8(v), nil
}

func (f *fb) int8(t fbTable, id int, def int8, path string) (int8, error) {
	v, err := f.uint8(t, id, uint8(def), path)
	return int8(v), err
}

func (f *fb) bool(t fbTable, id int, def bool, path string) (bool, error) {
	d := uint8(0)
	if def {
		d = 1
	}
	v, err := f.uint8(t, id, d, path)
	return v != 0, err
}

func (f *fb) uint32(t fbTable, id int, def uint32, path string) (uint32, error) {
	v, ok, err := f.scalar(t, id, 4, path)
	if !ok {
		return def, err
	}
	return uint32(v), nil
}

func (f *fb) int32(t fbTable, id int, def int32, path string) (int32, error) {
	v, err := f.uint32(t, id, uint32(def), path)
	return int32(v), err
}

func (f *fb) float32(t fbTable, id int, def float32, path string) (float32, error) {
	v, err := f.uint32(t, id, math.Float32bits(def), path)
	return math.Float32frombits(v), err
}

func (f *fb) uint64(t fbTable, id int, def uint64, path string) (uint64, error) {
	v, ok, err := f.scalar(t, id, 8, path)
	if !ok {
		return def, err
	}
	return v, nil
}

// ref returns the target of the offset field id, or ok=false if absent.
func (f *fb) ref(t fbTable, id int, path string) (uint64, bool, error) {
	p, ok, err := f.field(t, id, 4, path)
	if !ok || err != nil {
		return 0, false, err
	}
	tp, err := f.deref(p, path)
	return tp, err == nil, err
}

// subTable returns the table referenced by field id, or ok=false if absent.
func (f *fb) subTable(t fbTable, id int, path string) (fbTable, bool, error) {
	p, ok, err := f.ref(t, id, path)
	if !ok {
		return fbTable{}, false, err
	}
	st, err := f.table(p, path)
	return st, err == nil, err
}

// vectorAt verifies the vector starting at p.
func (f *fb) vectorAt(p, elemSize uint64, path string) (fbVector, error) {
	if !f.in(p, 4) {
		return fbVector{}, format.Malformed(path, "vector at byte %d outside the %d-byte file", p, f.n)
	}
	n := f.u32(p)
	start := p + 4
	// n < 2^32 and elemSize <= 16: no overflow.
	if !f.in(start, n*elemSize) {
		return fbVector{}, format.Malformed(path, "vector at byte %d: %d elements of %d bytes run past the end of the %d-byte file", p, n, elemSize, f.n)
	}
	return fbVector{start: start, n: n, elemSize: elemSize}, nil
}

// vector returns the vector referenced by field id; an absent field is an
// empty vector.
func (f *fb) vector(t fbTable, id int, elemSize uint64, path string) (fbVector, error) {
	p, ok, err := f.ref(t, id, path)
	if !ok {
		return fbVector{elemSize: elemSize}, err
	}
	return f.vectorAt(p, elemSize, path)
}

// int32s decodes a vector of int32 (nil if absent or empty).
func (f *fb) int32s(t fbTable, id int, path string) ([]int32, error) {
	v, err := f.vector(t, id, 4, path)
	if err != nil || v.n == 0 {
		return nil, err
	}
	if err := f.spend(v.n, path); err != nil {
		return nil, err
	}
	out := make([]int32, v.n)
	for i := range out {
		out[i] = int32(f.u32(v.start + 4*uint64(i)))
	}
	return out, nil
}

// float32s decodes a vector of float32 (nil if absent or empty).
func (f *fb) float32s(t fbTable, id int, path string) ([]float32, error) {
	v, err := f.vector(t, id, 4, path)
	if err != nil || v.n == 0 {
		return nil, err
	}
	if err := f.spend(v.n, path); err != nil {
		return nil, err
	}
	out := make([]float32, v.n)
	for i := range out {
		out[i] = math.Float32frombits(uint32(f.u32(v.start + 4*uint64(i))))
	}
	return out, nil
}

// int64s decodes a vector of int64 (nil if absent or empty).
func (f *fb) int64s(t fbTable, id int, path string) ([]int64, error) {
	v, err := f.vector(t, id, 8, path)
	if err != nil || v.n == 0 {
		return nil, err
	}
	if err := f.spend(v.n, path); err != nil {
		return nil, err
	}
	out := make([]int64, v.n)
	for i := range out {
		out[i] = int64(f.u64(v.start + 8*uint64(i)))
	}
	return out, nil
}

// bytes returns a vector of ubyte as a sub-slice of the buffer (not copied).
func (f *fb) bytes(t fbTable, id int, path string) ([]byte, error) {
	v, err := f.vector(t, id, 1, path)
	if err != nil || v.n == 0 {
		return nil, err
	}
	return f.b[v.start : v.start+v.n : v.start+v.n], nil
}

// string decodes the string field id ("" if absent). Like any flatbuffer
// string it must be followed by a NUL byte inside the buffer.
func (f *fb) string(t fbTable, id int, path string) (string, error) {
	v, err := f.vector(t, id, 1, path)
	if err != nil || v.n == 0 && v.start == 0 {
		return "", err
	}
	end := v.start + v.n
	if end >= f.n || f.b[end] != 0 {
		return "", format.Malformed(path, "string at byte %d (%d bytes) is not NUL-terminated inside the file", v.start-4, v.n)
	}
	if err := f.spend(v.n, path); err != nil {
		return "", err
	}
	return string(f.b[v.start:end]), nil
}

// tableAt returns element i of a vector of tables.
func (f *fb) tableAt(v fbVector, i uint64, path string) (fbTable, error) {
	p, err := f.deref(v.start+4*i, path)
	if err != nil {
		return fbTable{}, err
	}
	return f.table(p, path)
}
