package format

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/edgerun/edgerun/internal/fuzzextra"
)

// aliasModel: in -> RELU -> x, then x reshaped to y, then y -> RELU -> z.
// With kept, the RESHAPE op stays and runs in place (y shares x's bytes);
// without, the converter removed it and y simply aliases x (no producer).
// x is also read after y, by the final ADD.
func aliasModel(kept bool) *Model {
	b := &modelBuilder{m: &Model{ArenaBytes: 3 * actBytes}}
	in := b.act("in", 0)
	x := b.act("x", actBytes)
	y := b.tensor(Tensor{Name: "y", DType: DTypeInt8, Shape: []int32{1, 16}, ArenaOffset: actBytes})
	z := b.act("z", 0)
	out := b.act("out", 2*actBytes)
	relu := &TableParams{Table: testTable(1)}
	b.op(OpRelu, relu, []int32{x}, in)
	if kept {
		b.op(OpReshape, nil, []int32{y}, x)
	}
	b.op(OpRelu, relu, []int32{z}, y)
	b.op(OpAdd, &ArithParams{}, []int32{out}, z, x)
	b.m.Inputs = []IO{{Tensor: in}}
	b.m.Outputs = []IO{{Tensor: out}, {Tensor: y}}
	return b.m
}

// chain returns in -> RELU -> t1 -> RELU -> t2 ..., n ops, ping-pong
// between offsets 0 and 16.
func chain(n int) *Model {
	b := &modelBuilder{m: &Model{ArenaBytes: 2 * actBytes}}
	cur := b.act("t0", 0)
	b.m.Inputs = []IO{{Tensor: cur}}
	for i := 1; i <= n; i++ {
		next := b.act("t"+string(rune('0'+i)), int64(i%2)*actBytes)
		b.op(OpRelu, &TableParams{Table: testTable(i)}, []int32{next}, cur)
		cur = next
	}
	b.m.Outputs = []IO{{Tensor: cur}}
	return b.m
}

func TestVerifyGraphAccepts(t *testing.T) {
	inOut := chain(2)
	inOut.Outputs = append(inOut.Outputs, IO{Tensor: 0}) // the input is also an output...
	inOut.Tensors[2].ArenaOffset = 2 * actBytes          // ...so t2 cannot reuse its memory
	inOut.ArenaBytes = 3 * actBytes
	aliasAsOutput := aliasModel(false)
	aliasAsOutput.Outputs = []IO{{Tensor: 2}} // only y, read after the last op

	for name, m := range map[string]*Model{
		"every op":                      testModel(),
		"arena reuse":                   chain(5),
		"input is output":               inOut,
		"removed reshape alias":         aliasModel(false),
		"kept in-place reshape":         aliasModel(true),
		"alias only read as output":     aliasAsOutput,
		"constant output, no ops":       {Tensors: []Tensor{{DType: DTypeInt8, Shape: []int32{0}, Data: []byte{}, ArenaOffset: -1}}, Outputs: []IO{{Tensor: 0}}},
		"zero-size activations overlap": zeroSizeOverlap(),
		"state":                         withState(chain(2), 2*actBytes),
	} {
		t.Run(name, func(t *testing.T) {
			if err := VerifyGraph(m); err != nil {
				t.Fatal(err)
			}
			data := mustEncode(t, m)
			if _, err := Decode(data); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// withState adds a variable (state) tensor of 8 bytes at offset off, read
// by the last op, and grows the arena to hold it.
func withState(m *Model, off int64) *Model {
	m.Tensors = append(m.Tensors, Tensor{Name: "state", DType: DTypeInt8, Shape: []int32{8}, ArenaOffset: off, Variable: true})
	last := &m.Ops[len(m.Ops)-1]
	last.Inputs = append(last.Inputs, int32(len(m.Tensors)-1))
	m.ArenaBytes = max(m.ArenaBytes, off+8)
	return m
}

func zeroSizeOverlap() *Model {
	m := chain(1)
	m.Tensors[1].Shape = []int32{0, 4}
	m.Tensors[1].ArenaOffset = 0 // overlaps t0's offset, but holds no bytes
	return m
}

// TestVerifyGraphRejects has one case per graph check; each expects Decode
// and VerifyGraph to fail with a malformed-model error naming the place.
func TestVerifyGraphRejects(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model func() *Model
		want  []string
	}{
		{"input read before it is produced", func() *Model {
			m := chain(2)
			m.Ops[0], m.Ops[1] = m.Ops[1], m.Ops[0]
			return m
		}, []string{"op 0 RELU / input 0", `tensor 1 "t1"`, "before op 1 produces it"}},
		{"op reads its own output", func() *Model {
			m := chain(1)
			m.Ops[0].Inputs = []int32{1}
			return m
		}, []string{"op 0 RELU / input 0", "before op 0 produces it"}},
		{"input never produced", func() *Model {
			m := chain(2)
			m.Ops = m.Ops[1:] // nobody writes t1 and no same-region tensor exists before
			return m
		}, []string{"op 0 RELU / input 0", `tensor 1 "t1"`, "not a constant, a graph input"}},
		{"constant written", func() *Model {
			m := chain(1)
			m.Tensors = append(m.Tensors, Tensor{Name: "w", DType: DTypeInt8, Shape: []int32{1}, Data: []byte{1}, ArenaOffset: -1})
			m.Ops[0].Outputs = []int32{2}
			return m
		}, []string{"op 0 RELU / output 0", `writes constant tensor 2 "w"`}},
		{"produced by two ops", func() *Model {
			m := chain(2)
			m.Ops[1].Outputs = []int32{1}
			m.Ops[1].Inputs = []int32{0}
			return m
		}, []string{"op 1 RELU / output 0", "already produced by op 0"}},
		{"produced twice by one op", func() *Model {
			m := chain(1)
			m.Ops[0].Outputs = []int32{1, 1}
			return m
		}, []string{"op 0 RELU / output 1", "already produced by op 0"}},
		{"state shares memory with an activation", func() *Model {
			return withState(chain(2), 4) // t0 and t2 live at 0
		}, []string{`tensor 3 "state"`, "overlap", "when the graph inputs are written"}},
		{"op writes a variable", func() *Model {
			m := withState(chain(2), 2*actBytes)
			m.Ops[1].Outputs = []int32{3}
			return m
		}, []string{"op 1 RELU / output 0", "is a variable"}},
		{"variable as graph input", func() *Model {
			m := withState(chain(2), 2*actBytes)
			m.Inputs = append(m.Inputs, IO{Tensor: 3})
			return m
		}, []string{`tensor 3 "state"`, "cannot be a graph input"}},
		{"op writes a graph input", func() *Model {
			m := chain(1)
			m.Ops[0].Outputs = []int32{0}
			return m
		}, []string{"op 0 RELU / output 0", "a graph input"}},
		{"graph input listed twice", func() *Model {
			m := chain(1)
			m.Inputs = append(m.Inputs, m.Inputs[0])
			return m
		}, []string{"input 1", "listed twice"}},
		{"graph input is a constant", func() *Model {
			m := chain(1)
			m.Tensors = append(m.Tensors, Tensor{Name: "w", DType: DTypeInt8, Data: []byte{1}, ArenaOffset: -1})
			m.Inputs = append(m.Inputs, IO{Tensor: 2})
			return m
		}, []string{"input 1", `tensor 2 "w" is a constant`}},
		{"graph output never produced", func() *Model {
			m := chain(1)
			m.Tensors = append(m.Tensors, Tensor{Name: "lost", DType: DTypeInt8, Shape: []int32{3}, ArenaOffset: 0})
			m.Outputs = []IO{{Tensor: 2}}
			return m
		}, []string{"output 0", `tensor 2 "lost"`, "not a constant"}},
		{"op output overlaps its input", func() *Model {
			m := chain(1)
			m.Tensors[1].ArenaOffset = 8
			return m
		}, []string{`tensor 1 "t1" / arena_offset`, "[8, 24)", `[0, 16) of tensor 0 "t0"`, "at op 0"}},
		{"graph inputs overlap", func() *Model {
			m := chain(1)
			m.Tensors = append(m.Tensors, Tensor{Name: "in2", DType: DTypeInt8, Shape: []int32{4}, ArenaOffset: 12})
			m.Inputs = append(m.Inputs, IO{Tensor: 2})
			return m
		}, []string{`tensor 2 "in2" / arena_offset`, `tensor 0 "t0"`, "graph inputs"}},
		{"graph output overwritten before the end", func() *Model {
			m := chain(3) // t3 at 16 overwrites t1
			m.Outputs = append(m.Outputs, IO{Tensor: 1})
			return m
		}, []string{`tensor 3 "t3" / arena_offset`, `tensor 1 "t1"`, "at op 2"}},
		{"activation still needed is overwritten", func() *Model {
			m := chain(3)
			m.Ops[2].Inputs = append(m.Ops[2].Inputs, 1) // t1 read at op 2, which writes over it
			return m
		}, []string{`tensor 3 "t3" / arena_offset`, `tensor 1 "t1"`}},
		{"alias of another size", func() *Model {
			m := aliasModel(false)
			m.Tensors[2].Shape = []int32{1, 8} // y: 8 bytes, x: 16
			return m
		}, []string{"op 1 RELU / input 0", `tensor 2 "y"`, "not a constant"}},
		{"alias at another offset", func() *Model {
			m := aliasModel(false)
			m.Tensors[2].ArenaOffset = 2 * actBytes
			return m
		}, []string{"op 1 RELU / input 0", `tensor 2 "y"`}},
		{"alias read after its bytes are overwritten", func() *Model {
			// y (alias of x, at 16) is read at op 1 and again at op 3;
			// op 2 writes w over the same bytes in between.
			b := &modelBuilder{m: &Model{ArenaBytes: 3 * actBytes}}
			in := b.act("in", 0)
			x := b.act("x", actBytes)
			y := b.act("y", actBytes)
			z := b.act("z", 2*actBytes)
			w := b.act("w", actBytes)
			out := b.act("out", 0)
			relu := &TableParams{Table: testTable(1)}
			b.op(OpRelu, relu, []int32{x}, in)
			b.op(OpRelu, relu, []int32{z}, y)
			b.op(OpRelu, relu, []int32{w}, z)
			b.op(OpAdd, &ArithParams{}, []int32{out}, w, y)
			b.m.Inputs = []IO{{Tensor: in}}
			b.m.Outputs = []IO{{Tensor: out}}
			return b.m
		}, []string{`tensor 4 "w" / arena_offset`, `tensor 1 "x"`, "at op 2"}},
		{"kept reshape partially overlapping", func() *Model {
			m := aliasModel(true)
			m.Tensors[2].ArenaOffset = actBytes + 4
			m.ArenaBytes += 4
			return m
		}, []string{`tensor 2 "y" / arena_offset`, `tensor 1 "x"`, "at op 1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.model()
			wantMalformed(t, VerifyGraph(m), tc.want...)
			wantMalformed(t, decodeMutated(m), tc.want...)
		})
	}
}

// TestVerifyGraphStandalone: VerifyGraph checks what it relies on itself.
func TestVerifyGraphStandalone(t *testing.T) {
	for name, mutate := range map[string]func(m *Model){
		"op input out of range":  func(m *Model) { m.Ops[0].Inputs[0] = 99 },
		"op output out of range": func(m *Model) { m.Ops[0].Outputs[0] = -1 },
		"graph input range":      func(m *Model) { m.Inputs[0].Tensor = 99 },
		"graph output range":     func(m *Model) { m.Outputs[0].Tensor = -5 },
		"negative dimension":     func(m *Model) { m.Tensors[0].Shape[0] = -1 },
		"huge shape":             func(m *Model) { m.Tensors[0].Shape = []int32{1 << 30, 1 << 30} },
		"negative offset":        func(m *Model) { m.Tensors[0].ArenaOffset = -7 },
		"offset overflow":        func(m *Model) { m.Tensors[0].ArenaOffset = 1<<63 - 2 },
		"past arena end":         func(m *Model) { m.Tensors[1].ArenaOffset = actBytes + 1 },
		"negative arena":         func(m *Model) { m.ArenaBytes = -1 },
	} {
		t.Run(name, func(t *testing.T) {
			m := chain(2)
			mutate(m)
			wantMalformed(t, VerifyGraph(m))
		})
	}
	wantMalformed(t, VerifyGraph(nil), "nil model")
}

// graphFromBytes builds a small, often invalid model from fuzz input: up
// to 12 int8 tensors of 0..8 bytes in a 48-byte arena (some constants), up
// to 10 RELU/RESHAPE/ADD ops with arbitrary inputs and outputs, and
// arbitrary graph inputs and outputs.
func graphFromBytes(data []byte) *Model {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return int(b)
	}
	m := &Model{ArenaBytes: 48}
	nt := 1 + next()%12
	for i := 0; i < nt; i++ {
		kind, size, off := next(), next()%9, next()%41
		t := Tensor{Name: string(rune('a' + i)), DType: DTypeInt8, Shape: []int32{int32(size)}, ArenaOffset: int64(off)}
		if kind%4 == 0 {
			t.Data, t.ArenaOffset = make([]byte, size), -1
		}
		m.Tensors = append(m.Tensors, t)
	}
	list := func(maxLen, lo int) []int32 {
		var l []int32
		for k := next() % (maxLen + 1); k > 0; k-- {
			l = append(l, int32(next()%(nt-lo)+lo))
		}
		return l
	}
	for k := next() % 11; k > 0; k-- {
		op := Op{Inputs: list(2, -1), Outputs: list(2, 0)}
		switch next() % 3 {
		case 0:
			op.Code, op.Params = OpRelu, &TableParams{Table: make([]int8, 256)}
		case 1:
			op.Code = OpReshape
		default:
			op.Code, op.Params = OpAdd, &ArithParams{}
		}
		if len(op.Outputs) > 0 {
			m.Ops = append(m.Ops, op)
		}
	}
	for _, t := range list(3, 0) {
		m.Inputs = append(m.Inputs, IO{Tensor: t})
	}
	for _, t := range list(3, 0) {
		m.Outputs = append(m.Outputs, IO{Tensor: t})
	}
	return m
}

// simulate runs m's memory plan byte by byte and reports the first read
// that would not see the bytes its tensor's producer wrote, or an op whose
// outputs overlap its inputs or each other. It is the semantic contract
// VerifyGraph enforces, written independently: whatever VerifyGraph
// accepts must simulate cleanly.
func simulate(m *Model) string {
	owner := make([]int32, m.ArenaBytes) // tensor whose bytes these are
	for i := range owner {
		owner[i] = -1
	}
	root := make(map[int32]int32) // tensor -> tensor whose bytes it reads
	produced := make(map[int32]bool)
	for i := range m.Ops {
		for _, t := range m.Ops[i].Outputs {
			produced[t] = true
		}
	}
	for _, io := range m.Inputs {
		produced[io.Tensor] = true
	}
	region := func(t int32) (int64, int64) {
		tt := &m.Tensors[t]
		return tt.ArenaOffset, tt.ArenaOffset + tt.ByteSize()
	}
	act := func(t int32) bool { return t >= 0 && !m.Tensors[t].IsConstant() && m.Tensors[t].ByteSize() > 0 }
	read := func(t int32, where string) string {
		if !act(t) {
			return ""
		}
		a, b := region(t)
		r, ok := root[t]
		if !ok {
			if produced[t] {
				return where + ": reads a tensor not yet written"
			}
			// An alias: the bytes must hold one same-region tensor.
			r = owner[a]
			if r < 0 {
				return where + ": alias reads unwritten bytes"
			}
			if ra, rb := region(r); ra != a || rb != b {
				return where + ": alias of a tensor of another region"
			}
			root[t] = r
		}
		for p := a; p < b; p++ {
			if owner[p] != r {
				return where + ": bytes were overwritten"
			}
		}
		return ""
	}
	overlap := func(x, y int32) bool {
		xa, xb := region(x)
		ya, yb := region(y)
		return act(x) && act(y) && xa < yb && ya < xb
	}
	write := func(ts []int32, reads []int32, where string) string {
		for k, t := range ts {
			for _, u := range ts[:k] {
				if overlap(t, u) {
					return where + ": simultaneous writes overlap"
				}
			}
			for _, u := range reads {
				if u >= 0 && overlap(t, u) {
					return where + ": output overlaps an input"
				}
			}
		}
		for _, t := range ts {
			root[t] = t
			if act(t) {
				a, b := region(t)
				for p := a; p < b; p++ {
					owner[p] = t
				}
			}
		}
		return ""
	}
	var ins, state []int32
	for _, io := range m.Inputs {
		ins = append(ins, io.Tensor)
	}
	// Variables are written before the first op and must survive the last.
	for i := range m.Tensors {
		if m.Tensors[i].Variable {
			ins = append(ins, int32(i))
			state = append(state, int32(i))
			produced[int32(i)] = true
		}
	}
	if e := write(ins, nil, "inputs"); e != "" {
		return e
	}
	for i := range m.Ops {
		op := &m.Ops[i]
		where := fmt.Sprintf("op %d", i)
		for _, t := range op.Inputs {
			if e := read(t, where); e != "" {
				return e
			}
		}
		if op.Code == OpReshape && len(op.Inputs) > 0 && len(op.Outputs) == 1 {
			in, out := op.Inputs[0], op.Outputs[0]
			ia, ib := int64(0), int64(0)
			if in >= 0 {
				ia, ib = region(in)
			}
			if oa, ob := region(out); in >= 0 && !m.Tensors[in].IsConstant() && in != out && ia == oa && ib == ob {
				if act(in) {
					root[out] = root[in]
				} else {
					root[out] = out // zero-size: nothing to share
				}
				continue
			}
		}
		if e := write(op.Outputs, op.Inputs, where); e != "" {
			return e
		}
	}
	for k, io := range m.Outputs {
		if e := read(io.Tensor, fmt.Sprintf("output %d", k)); e != "" {
			return e
		}
	}
	for _, v := range state {
		if e := read(v, "state after the last op"); e != "" {
			return e
		}
	}
	return ""
}

// checkGraphModel: VerifyModel never panics; what it accepts simulates
// cleanly and survives an Encode/Decode round trip.
func checkGraphModel(t *testing.T, m *Model) bool {
	if err := VerifyModel(m, Limits{}); err != nil {
		if !errors.Is(err, ErrMalformedModel) {
			t.Fatalf("error %q does not match ErrMalformedModel", err)
		}
		return false
	}
	if e := simulate(m); e != "" {
		t.Fatalf("VerifyGraph accepted a model whose plan is wrong: %s\n%+v", e, m)
	}
	got, err := Decode(mustEncode(t, m))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", got, m)
	}
	return true
}

func TestVerifyGraphRandom(t *testing.T) {
	rng := rand.NewChaCha8([32]byte{2})
	n := 200000
	if testing.Short() {
		n = 20000
	}
	accepted := 0
	buf := make([]byte, 64)
	for i := 0; i < n; i++ {
		rng.Read(buf)
		if checkGraphModel(t, graphFromBytes(buf)) {
			accepted++
		}
	}
	t.Logf("%d of %d random graphs accepted", accepted, n)
	if accepted == 0 {
		t.Fatal("no random graph was valid: the generator needs tuning")
	}
}

func TestSimulateCatchesBadPlans(t *testing.T) {
	for name, m := range map[string]*Model{
		"output overlaps input": func() *Model { m := chain(1); m.Tensors[1].ArenaOffset = 8; return m }(),
		"overwritten output":    func() *Model { m := chain(3); m.Outputs = append(m.Outputs, IO{Tensor: 1}); return m }(),
	} {
		if simulate(m) == "" {
			t.Errorf("%s: simulate accepts it", name)
		}
	}
	for name, m := range map[string]*Model{"kept": aliasModel(true), "removed": aliasModel(false), "every op": testModel()} {
		if e := simulate(m); e != "" {
			t.Errorf("%s: %s", name, e)
		}
	}
}

func FuzzVerifyGraph(f *testing.F) {
	rng := rand.NewChaCha8([32]byte{3})
	for i := 0; i < 32; i++ {
		buf := make([]byte, 64)
		rng.Read(buf)
		f.Add(buf)
	}
	fuzzextra.Add(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		checkGraphModel(t, graphFromBytes(data))
	})
}
