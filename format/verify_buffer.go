package format

import (
	"encoding/binary"
	"strconv"
	"strings"
)

// This file is the FlatBuffers verifier Decode runs before it reads anything
// through the generated accessors of format/fb, which do no bounds checking
// (they panic or return garbage on corrupt input).
//
// It walks the buffer along a description of edgerun.fbs (the *Spec values
// below; a field's slot is its index in fields, so the lists must follow the
// schema's declaration order, a union taking two slots) and checks, for
// every object it reaches:
//
//   - tables: 4-byte aligned, inside the buffer; the vtable (at table -
//     soffset) inside the buffer, 2-byte aligned, its size even, >= 4 and
//     inside the buffer; the table's inline size >= 4 and inside the buffer;
//     every known field's inline bytes inside the table (after the soffset)
//     and aligned to their size;
//   - offsets to strings, vectors and tables: target inside the buffer;
//   - vectors and strings: length prefix 4-byte aligned and inside the
//     buffer, elements (length x element size, computed without overflow)
//     inside the buffer and aligned; strings NUL-terminated;
//   - bools 0 or 1;
//   - unions: the type tag is known, the value present exactly when the tag
//     is not NONE, and the value verified as the table the tag names;
//   - vectors of tables: every element verified.
//
// Unknown fields (slots beyond the ones listed) are ignored, as FlatBuffers
// forward compatibility requires.
//
// FlatBuffers offsets may point several times at the same object, so a small
// file could describe a huge tree. To keep verification and decoding linear
// in the file size, every visit of a table, vector or string is charged its
// size against a budget of len(buf) bytes: a tree (what Encode writes) never
// exceeds it.

// maxFileSize is the largest buffer Decode accepts: FlatBuffers offsets are
// 32-bit, and keeping every position below 2^31 means no offset arithmetic in
// the accessors can wrap.
const maxFileSize = 1<<31 - 1

type fieldKind uint8

const (
	kScalar      fieldKind = iota // size bytes, inline
	kBool                         // 1 byte, 0 or 1
	kString                       // offset to a string
	kVector                       // offset to a vector of size-byte scalars
	kTable                        // offset to a table of type sub
	kTableVector                  // offset to a vector of offsets to tables of type sub
	kUnionType                    // 1-byte union tag; the next slot is the union value
	kUnionValue                   // offset to a table of type union[tag-1]
)

type fieldSpec struct {
	name  string
	kind  fieldKind
	size  int          // kScalar, kVector: element size
	sub   *tableSpec   // kTable, kTableVector
	elem  string       // kTableVector: how to name one element in paths
	union []*tableSpec // kUnionValue: table of each tag, tag 1 first
}

type tableSpec struct {
	name   string
	fields []fieldSpec
}

func specScalar(name string, size int) fieldSpec {
	return fieldSpec{name: name, kind: kScalar, size: size}
}
func specInt32s(name string) fieldSpec { return fieldSpec{name: name, kind: kVector, size: 4} }

// Slots of the fields Decode reads outside the generic walk.
const (
	modelVersionSlot = 0
	opParamsTypeSlot = 3
	opParamsSlot     = 4
)

var requantSpec = &tableSpec{"Requant", []fieldSpec{specInt32s("multiplier"), specInt32s("shift")}}

var (
	convParamsSpec = &tableSpec{"ConvParams", []fieldSpec{
		specScalar("stride_h", 4), specScalar("stride_w", 4),
		specScalar("dilation_h", 4), specScalar("dilation_w", 4),
		specScalar("pad_top", 4), specScalar("pad_left", 4),
		specScalar("depth_multiplier", 4),
		specScalar("input_offset", 4), specScalar("filter_offset", 4), specScalar("output_offset", 4),
		{name: "requant", kind: kTable, sub: requantSpec},
		specScalar("act_min", 4), specScalar("act_max", 4),
	}}
	fullyConnectedParamsSpec = &tableSpec{"FullyConnectedParams", []fieldSpec{
		specScalar("input_offset", 4), specScalar("filter_offset", 4), specScalar("output_offset", 4),
		{name: "requant", kind: kTable, sub: requantSpec},
		specScalar("act_min", 4), specScalar("act_max", 4),
	}}
	arithParamsSpec = &tableSpec{"ArithParams", []fieldSpec{
		specScalar("input1_offset", 4), specScalar("input2_offset", 4), specScalar("output_offset", 4),
		specScalar("left_shift", 4),
		specScalar("input1_multiplier", 4), specScalar("input1_shift", 4),
		specScalar("input2_multiplier", 4), specScalar("input2_shift", 4),
		specScalar("output_multiplier", 4), specScalar("output_shift", 4),
		specScalar("act_min", 4), specScalar("act_max", 4),
	}}
	poolParamsSpec = &tableSpec{"PoolParams", []fieldSpec{
		specScalar("stride_h", 4), specScalar("stride_w", 4),
		specScalar("filter_h", 4), specScalar("filter_w", 4),
		specScalar("pad_top", 4), specScalar("pad_left", 4),
		specScalar("act_min", 4), specScalar("act_max", 4),
	}}
	softmaxParamsSpec = &tableSpec{"SoftmaxParams", []fieldSpec{
		specScalar("input_beta_multiplier", 4), specScalar("input_beta_left_shift", 4), specScalar("diff_min", 4),
	}}
	tableParamsSpec = &tableSpec{"TableParams", []fieldSpec{
		{name: "table", kind: kVector, size: 1},
	}}
	padParamsSpec = &tableSpec{"PadParams", []fieldSpec{
		specInt32s("before"), specInt32s("after"), specScalar("value", 4),
	}}
	meanParamsSpec = &tableSpec{"MeanParams", []fieldSpec{
		specInt32s("axes"), {name: "keep_dims", kind: kBool}, specInt32s("thresholds"),
	}}
	concatenationParamsSpec = &tableSpec{"ConcatenationParams", []fieldSpec{specScalar("axis", 4)}}
	transposeParamsSpec     = &tableSpec{"TransposeParams", []fieldSpec{specInt32s("perm")}}
	int32TableParamsSpec    = &tableSpec{"Int32TableParams", []fieldSpec{specInt32s("values")}}
	svdfParamsSpec          = &tableSpec{"SVDFParams", []fieldSpec{
		specScalar("rank", 4), specScalar("input_offset", 4), specScalar("output_offset", 4),
		specScalar("state_zero_point", 4), specScalar("feature_multiplier", 4), specScalar("feature_shift", 4),
		specScalar("output_multiplier", 4), specScalar("output_shift", 4),
	}}
)

// paramsSpecs lists the OpParams union members in tag order (tag 1 first).
var paramsSpecs = append([]*tableSpec{
	convParamsSpec,
	fullyConnectedParamsSpec,
	arithParamsSpec,
	poolParamsSpec,
	softmaxParamsSpec,
	tableParamsSpec,
	padParamsSpec,
	meanParamsSpec,
	concatenationParamsSpec,
	transposeParamsSpec,
	int32TableParamsSpec,
	svdfParamsSpec,
}, append(movementParamsSpecs,
	rescaleParamsSpec,   // codec_int16.go
	sigmoid16ParamsSpec, // codec_int16.go
	mean16ParamsSpec,    // codec_int16.go
	scaledPairParamsSpec,
	reduceParamsSpec,
	cumSumParamsSpec,
	resizeBilinearParamsSpec,
	logSoftmaxParamsSpec,
	batchMatMulParamsSpec,
	lstmParamsSpec, // codec_lstm.go
)...)

var (
	tensorSpec = &tableSpec{"Tensor", []fieldSpec{
		{name: "name", kind: kString},
		specScalar("dtype", 1),
		specInt32s("shape"),
		specInt32s("zero_point"),
		specScalar("quantized_dim", 4),
		{name: "scale", kind: kVector, size: 4},
		{name: "data", kind: kVector, size: 1},
		specScalar("arena_offset", 8),
		{name: "variable", kind: kBool},
	}}
	ioSpec = &tableSpec{"IO", []fieldSpec{
		specScalar("tensor", 4),
		{name: "is_float", kind: kBool},
	}}
	opSpec = &tableSpec{"Op", []fieldSpec{
		specScalar("code", 2),
		specInt32s("inputs"),
		specInt32s("outputs"),
		{name: "params_type", kind: kUnionType},
		{name: "params", kind: kUnionValue, union: paramsSpecs},
	}}
	modelSpec = &tableSpec{"Model", []fieldSpec{
		specScalar("version", 4),
		{name: "description", kind: kString},
		{name: "tensors", kind: kTableVector, sub: tensorSpec, elem: "tensor"},
		{name: "ops", kind: kTableVector, sub: opSpec, elem: "op"},
		{name: "inputs", kind: kTableVector, sub: ioSpec, elem: "input"},
		{name: "outputs", kind: kTableVector, sub: ioSpec, elem: "output"},
		specScalar("arena_bytes", 8),
	}}
)

// bufVerifier checks one buffer. Positions are ints (64-bit on every target
// edgerun supports; on 32-bit targets len(buf) < 2^31 keeps them exact).
type bufVerifier struct {
	buf    []byte
	budget int64      // bytes of objects that may still be visited
	end    int        // end of the last-ending object visited so far
	path   []pathElem // where the walk is, for error messages
}

// pathElem is one step of a path: "tensors", or "tensor 12" (index >= 0).
type pathElem struct {
	name  string
	index int
}

// fbTable describes a table whose header has been checked.
type fbTable struct {
	pos    int // table start (its soffset)
	vt     int // vtable start
	vtSize int // vtable size in bytes
	size   int // table inline size in bytes
}

func newBufVerifier(buf []byte) *bufVerifier {
	return &bufVerifier{buf: buf, budget: int64(len(buf)), path: make([]pathElem, 0, 8)}
}

func (v *bufVerifier) push(name string, index int) { v.path = append(v.path, pathElem{name, index}) }
func (v *bufVerifier) pop()                        { v.path = v.path[:len(v.path)-1] }

// errorf returns a malformed-model error at the current path, for example
// "op 3 / params / requant / shift", or "model" at the root table.
func (v *bufVerifier) errorf(format string, args ...any) error {
	if len(v.path) == 0 {
		return Malformed("model", format, args...)
	}
	var sb strings.Builder
	for i, e := range v.path {
		if i > 0 {
			sb.WriteString(" / ")
		}
		sb.WriteString(e.name)
		if e.index >= 0 {
			sb.WriteByte(' ')
			sb.WriteString(strconv.Itoa(e.index))
		}
	}
	return Malformed(sb.String(), format, args...)
}

func (v *bufVerifier) u16(p int) int { return int(binary.LittleEndian.Uint16(v.buf[p:])) }

// u32 reads a uoffset or vector length: int64, because on 32-bit targets
// an int would turn values of 2^31 and more negative (a backward offset,
// a negative length).
func (v *bufVerifier) u32(p int) int64 { return int64(binary.LittleEndian.Uint32(v.buf[p:])) }

// charge spends n bytes of the visiting budget.
func (v *bufVerifier) charge(n int) error {
	v.budget -= int64(n)
	if v.budget < 0 {
		return v.errorf("objects are referenced more than once (the file is not a tree)")
	}
	return nil
}

// inBounds reports whether [p, p+n) lies inside the buffer (p, n >= 0).
func (v *bufVerifier) inBounds(p, n int) bool {
	return p >= 0 && n >= 0 && p <= len(v.buf) && n <= len(v.buf)-p
}

// tableHeader checks the table at pos and its vtable.
func (v *bufVerifier) tableHeader(pos int) (fbTable, error) {
	if pos%4 != 0 || !v.inBounds(pos, 4) {
		return fbTable{}, v.errorf("table at %d is misaligned or outside the %d-byte file", pos, len(v.buf))
	}
	soff := int(int32(binary.LittleEndian.Uint32(v.buf[pos:])))
	vt := pos - soff
	if vt%2 != 0 || !v.inBounds(vt, 4) {
		return fbTable{}, v.errorf("vtable at %d is misaligned or outside the file", vt)
	}
	t := fbTable{pos: pos, vt: vt, vtSize: v.u16(vt), size: v.u16(vt + 2)}
	if t.vtSize < 4 || t.vtSize%2 != 0 || !v.inBounds(vt, t.vtSize) {
		return fbTable{}, v.errorf("bad vtable size %d", t.vtSize)
	}
	if t.size < 4 || !v.inBounds(pos, t.size) {
		return fbTable{}, v.errorf("bad table size %d", t.size)
	}
	if err := v.charge(t.size); err != nil {
		return fbTable{}, err
	}
	v.end = max(v.end, vt+t.vtSize, pos+t.size)
	return t, nil
}

// field returns the absolute position of the inline bytes of field slot
// (size bytes), or 0 if the field is absent.
func (v *bufVerifier) field(t fbTable, slot, size int) (int, error) {
	e := 4 + 2*slot
	if e+2 > t.vtSize {
		return 0, nil
	}
	off := v.u16(t.vt + e)
	if off == 0 {
		return 0, nil
	}
	if off < 4 || off+size > t.size {
		return 0, v.errorf("field at offset %d (%d bytes) outside its %d-byte table", off, size, t.size)
	}
	p := t.pos + off
	if p%size != 0 {
		return 0, v.errorf("field at %d is not aligned to %d bytes", p, size)
	}
	return p, nil
}

// follow returns the target of the offset stored at p.
func (v *bufVerifier) follow(p int) (int, error) {
	target := int64(p) + v.u32(p)
	if target >= int64(len(v.buf)) {
		return 0, v.errorf("offset points outside the file")
	}
	return int(target), nil
}

// ref follows the offset field slot; it returns 0 if the field is absent.
func (v *bufVerifier) ref(t fbTable, slot int) (int, error) {
	p, err := v.field(t, slot, 4)
	if err != nil || p == 0 {
		return 0, err
	}
	return v.follow(p)
}

// vector checks the vector (or, if str, string) at pos with elements of
// elemSize bytes, and returns its length.
func (v *bufVerifier) vector(pos, elemSize int, str bool) (int, error) {
	if pos%4 != 0 || !v.inBounds(pos, 4) {
		return 0, v.errorf("vector at %d is misaligned or outside the file", pos)
	}
	n := v.u32(pos)
	start := pos + 4
	// n < 2^32 and elemSize <= 8: the product cannot overflow an int64.
	bytes := n * int64(elemSize)
	extra := int64(0)
	if str {
		extra = 1 // NUL terminator
	}
	if bytes+extra > int64(len(v.buf)-start) {
		return 0, v.errorf("%d elements of %d bytes overrun the file", n, elemSize)
	}
	if elemSize > 4 && start%elemSize != 0 {
		return 0, v.errorf("vector elements at %d are not aligned to %d bytes", start, elemSize)
	}
	if str && v.buf[start+int(bytes)] != 0 {
		return 0, v.errorf("string is not NUL-terminated")
	}
	if err := v.charge(4 + int(bytes+extra)); err != nil {
		return 0, err
	}
	v.end = max(v.end, start+int(bytes+extra))
	return int(n), nil // n·elemSize fits the file
}

// table verifies the table at pos and everything it references.
func (v *bufVerifier) table(pos int, spec *tableSpec) error {
	t, err := v.tableHeader(pos)
	if err != nil {
		return err
	}
	unionTag := 0
	for slot := range spec.fields {
		f := &spec.fields[slot]
		v.push(f.name, -1)
		if err := v.tableField(t, slot, f, &unionTag); err != nil {
			return err
		}
		v.pop()
	}
	return nil
}

// tableField verifies field slot (spec f) of table t. unionTag carries a
// union's type tag from its type slot to its value slot.
func (v *bufVerifier) tableField(t fbTable, slot int, f *fieldSpec, unionTag *int) error {
	switch f.kind {
	case kScalar:
		_, err := v.field(t, slot, f.size)
		return err
	case kBool, kUnionType:
		p, err := v.field(t, slot, 1)
		if err != nil {
			return err
		}
		b := 0
		if p != 0 {
			b = int(v.buf[p])
		}
		if f.kind == kBool {
			if b > 1 {
				return v.errorf("bool is %d", b)
			}
			return nil
		}
		*unionTag = b
		return nil
	case kString, kVector:
		p, err := v.ref(t, slot)
		if err != nil || p == 0 {
			return err
		}
		size := f.size
		if f.kind == kString {
			size = 1
		}
		_, err = v.vector(p, size, f.kind == kString)
		return err
	case kTable:
		p, err := v.ref(t, slot)
		if err != nil || p == 0 {
			return err
		}
		return v.table(p, f.sub)
	case kTableVector:
		p, err := v.ref(t, slot)
		if err != nil || p == 0 {
			return err
		}
		n, err := v.vector(p, 4, false)
		if err != nil {
			return err
		}
		// Elements are named "tensor 12" rather than "tensors / tensor 12".
		field := v.path[len(v.path)-1]
		v.pop()
		for i := 0; i < n; i++ {
			v.push(f.elem, i)
			target, err := v.follow(p + 4 + 4*i)
			if err != nil {
				return err
			}
			if err := v.table(target, f.sub); err != nil {
				return err
			}
			v.pop()
		}
		v.path = append(v.path, field)
		return nil
	case kUnionValue:
		p, err := v.ref(t, slot)
		if err != nil {
			return err
		}
		switch tag := *unionTag; {
		case tag == 0 && p != 0:
			return v.errorf("value present but type is NONE")
		case tag == 0:
			return nil
		case tag > len(f.union):
			return v.errorf("unknown type %d", tag)
		case p == 0:
			return v.errorf("type is %s but the value is missing", f.union[tag-1].name)
		default:
			return v.table(p, f.union[tag-1])
		}
	}
	return nil
}

// rootTable checks the file header and returns the root table's position.
func rootTable(buf []byte) (int, error) {
	if len(buf) < 8 {
		return 0, Malformed("file", "%d bytes, shorter than a FlatBuffers header", len(buf))
	}
	if len(buf) > maxFileSize {
		return 0, Malformed("file", "%d bytes, larger than the 2 GiB FlatBuffers limit", len(buf))
	}
	if !HasIdentifier(buf) {
		return 0, Malformed("file identifier", "%q, want %q", buf[4:8], FileIdentifier)
	}
	root := int(binary.LittleEndian.Uint32(buf))
	if root < 8 || root >= len(buf) {
		return 0, Malformed("root offset", "%d outside the %d-byte file", root, len(buf))
	}
	return root, nil
}

// HasIdentifier reports whether data starts like an edgerun model file
// (FlatBuffers file identifier "ERM1" at bytes 4..8). It does not verify
// anything else.
func HasIdentifier(data []byte) bool {
	return len(data) >= 8 && string(data[4:8]) == FileIdentifier
}

// verifyBuffer checks buf completely; see the top of this file. On success
// the generated accessors may read any field of the model in buf.
func verifyBuffer(buf []byte) error {
	_, err := verifiedEnd(buf)
	return err
}

// verifiedEnd verifies buf and returns the end of its last object. Bytes
// after it (padding, or objects of fields this version does not know) are
// allowed.
func verifiedEnd(buf []byte) (int, error) {
	root, err := rootTable(buf)
	if err != nil {
		return 0, err
	}
	v := newBufVerifier(buf)
	if err := v.table(root, modelSpec); err != nil {
		return 0, err
	}
	return max(v.end, 8), nil
}

// peekVersion returns the model's version field, checking only what reading
// it needs, so that a file of another version is reported as such rather
// than as corrupt.
func peekVersion(buf []byte) (uint32, error) {
	root, err := rootTable(buf)
	if err != nil {
		return 0, err
	}
	v := newBufVerifier(buf)
	t, err := v.tableHeader(root)
	if err != nil {
		return 0, err
	}
	v.push("version", -1)
	p, err := v.field(t, modelVersionSlot, 4)
	if err != nil || p == 0 {
		return 0, err
	}
	return binary.LittleEndian.Uint32(buf[p:]), nil
}
