package format

import (
	"fmt"
	"math"
	"sort"
)

// VerifyGraph checks m's dataflow and static memory plan. Decode and Encode
// call it (through VerifyModel); it also stands alone: it checks the indices
// and sizes it needs itself, so it never panics, whatever m holds. Errors
// match ErrMalformedModel.
//
// Steps: the graph inputs are written at step -1 (by the caller, before the
// first op), op i reads its inputs and writes its outputs at step i, and the
// graph outputs are read at step len(Ops) (after the last op). Variables
// (state kept across invocations) are written at step -1 and read at step
// len(Ops): they share memory with nothing.
//
// Dataflow:
//   - no tensor is produced twice: by two ops, twice by one op, by an op and
//     as a graph input, or listed twice as a graph input;
//   - no constant is written: constants are neither op outputs nor graph
//     inputs;
//   - every op input (other than -1) and every graph output is a constant, a
//     graph input, the output of an earlier op, or an alias (below) of one.
//
// Aliases. The converter removes a RESHAPE by giving its output Y the arena
// offset and byte size of its input X, so Y's bytes are X's. Accordingly, an
// activation that nobody produces (no op writes it, it is not a graph input)
// is an alias: at its first use (step u), it stands for the produced
// activation with exactly the same arena offset and byte size written last
// before u, and that tensor's lifetime is extended over all of the alias's
// uses. Likewise, the output of a RESHAPE op that is kept in the graph is an
// alias of the op's input 0 when both have the same offset and byte size
// (the kernel's copy is then in place). The overlap check below makes this
// sound: nothing else may write the shared bytes while the tensor or any of
// its aliases is still to be read.
//
// Memory plan: every activation lies inside the arena (0 <= ArenaOffset,
// ArenaOffset + size <= ArenaBytes); each produced activation (aliases folded in) is live from the
// step that writes it to the last step that reads it or one of its aliases
// (len(Ops) for graph outputs; the writing step if never read). Two
// activations of non-zero size whose lifetimes share a step must not
// overlap in the arena. Lifetimes touching only end to start do overlap
// (an op's inputs and outputs never share memory, except the in-place
// RESHAPE above); arena reuse between disjoint lifetimes is fine.
func VerifyGraph(m *Model) error {
	gl, err := graphLives(m)
	if err != nil {
		return err
	}
	size, prod, root, last, n := gl.size, gl.prod, gl.root, gl.last, len(m.Ops)
	name := func(t int32) string { return tensorPath(int(t), m.Tensors[t].Name) }

	// Overlap: sweep the steps, keeping the live roots in a set ordered by
	// arena offset. Live roots never overlap each other, so a new root
	// [a, b) overlaps one iff the first live root at or after a starts
	// before b, or the last live root before a ends after a.
	var roots []int32
	for t := range root {
		if root[t] == int32(t) && size[t] > 0 {
			roots = append(roots, int32(t))
		}
	}
	if len(roots) < 2 {
		return nil
	}
	offs := make([]int64, 0, len(roots))
	for _, t := range roots {
		offs = append(offs, m.Tensors[t].ArenaOffset)
	}
	sort.Slice(offs, func(i, j int) bool { return offs[i] < offs[j] })
	uniq := offs[:1]
	for _, o := range offs[1:] {
		if o != uniq[len(uniq)-1] {
			uniq = append(uniq, o)
		}
	}
	offs = uniq
	slot := func(o int64) int { return sort.Search(len(offs), func(i int) bool { return offs[i] >= o }) }

	byStart := append([]int32(nil), roots...)
	sort.SliceStable(byStart, func(i, j int) bool { return prod[byStart[i]] < prod[byStart[j]] })
	byEnd := roots
	sort.SliceStable(byEnd, func(i, j int) bool { return last[byEnd[i]] < last[byEnd[j]] })

	live := newOffsetSet(len(offs))
	e := 0
	for _, t := range byStart {
		s := prod[t]
		for e < len(byEnd) && last[byEnd[e]] < s {
			live.remove(slot(m.Tensors[byEnd[e]].ArenaOffset))
			e++
		}
		a := m.Tensors[t].ArenaOffset
		b := a + size[t]
		i := slot(a)
		other := int32(-1)
		if j := live.firstAtOrAfter(i); j >= 0 && offs[j] < b {
			other = live.at[j]
		} else if j := live.lastBefore(i); j >= 0 && offs[j]+size[live.at[j]] > a {
			other = live.at[j]
		}
		if other >= 0 {
			oa := m.Tensors[other].ArenaOffset
			return Malformed(name(t)+" / arena_offset",
				"arena bytes [%d, %d) overlap [%d, %d) of %s, live at the same time (%s)",
				a, b, oa, oa+size[other], name(other), stepName(max(s, prod[other]), n))
		}
		live.insert(i, t)
	}
	return nil
}

// stepName describes a step of VerifyGraph for messages.
func stepName(s, nOps int) string {
	switch s {
	case -1:
		return "when the graph inputs are written"
	case nOps:
		return "when the graph outputs are read"
	}
	return fmt.Sprintf("at op %d", s)
}

// offsetSet is a set of slots 0..n-1, each holding a tensor, with
// logarithmic insert, remove and neighbour search (a segment tree of
// counts).
type offsetSet struct {
	leaves int
	cnt    []int32
	at     []int32 // tensor in each occupied slot
}

func newOffsetSet(n int) *offsetSet {
	leaves := 1
	for leaves < n {
		leaves *= 2
	}
	return &offsetSet{leaves: leaves, cnt: make([]int32, 2*leaves), at: make([]int32, n)}
}

func (s *offsetSet) add(i int, d int32) {
	for i += s.leaves; i > 0; i /= 2 {
		s.cnt[i] += d
	}
}

func (s *offsetSet) insert(i int, t int32) { s.at[i] = t; s.add(i, 1) }

func (s *offsetSet) remove(i int) { s.add(i, -1) }

// firstAtOrAfter returns the smallest occupied slot >= i, or -1.
func (s *offsetSet) firstAtOrAfter(i int) int { return s.first(1, 0, s.leaves, i) }

func (s *offsetSet) first(node, lo, hi, i int) int {
	if hi <= i || s.cnt[node] == 0 {
		return -1
	}
	if hi-lo == 1 {
		return lo
	}
	mid := (lo + hi) / 2
	if r := s.first(2*node, lo, mid, i); r >= 0 {
		return r
	}
	return s.first(2*node+1, mid, hi, i)
}

// lastBefore returns the largest occupied slot < i, or -1.
func (s *offsetSet) lastBefore(i int) int { return s.last(1, 0, s.leaves, i) }

func (s *offsetSet) last(node, lo, hi, i int) int {
	if lo >= i || s.cnt[node] == 0 {
		return -1
	}
	if hi-lo == 1 {
		return lo
	}
	mid := (lo + hi) / 2
	if r := s.last(2*node+1, mid, hi, i); r >= 0 {
		return r
	}
	return s.last(2*node, lo, mid, i)
}

// graphLifetimes is what graphLives finds: every tensor's byte size,
// producing step (−1: graph input or variable), root (the produced
// activation whose bytes it is; −1 for constants and unused tensors) and,
// for roots, the last step that reads it or an alias of it.
type graphLifetimes struct {
	size       []int64
	prod, last []int
	root       []int32
}

// graphLives checks everything VerifyGraph checks but the overlaps and
// returns the lifetimes it worked out.
func graphLives(m *Model) (graphLifetimes, error) {
	if m == nil {
		return graphLifetimes{}, Malformed("", "nil model")
	}
	nt, n := len(m.Tensors), len(m.Ops)
	const noProducer = math.MinInt
	if m.ArenaBytes < 0 {
		return graphLifetimes{}, Malformed("arena_bytes", "%d is negative", m.ArenaBytes)
	}

	size := make([]int64, nt)
	for i := range m.Tensors {
		t := &m.Tensors[i]
		_, b, bad := shapeBytes(t.Shape, t.DType)
		if bad != "" {
			return graphLifetimes{}, Malformed(tensorPath(i, t.Name)+" / shape", "%s", bad)
		}
		size[i] = b
		if !t.IsConstant() && (t.ArenaOffset < 0 || t.ArenaOffset > m.ArenaBytes || b > m.ArenaBytes-t.ArenaOffset) {
			return graphLifetimes{}, Malformed(tensorPath(i, t.Name)+" / arena_offset", "activation of %d bytes at %d does not fit the %d-byte arena", b, t.ArenaOffset, m.ArenaBytes)
		}
	}
	isAct := func(t int32) bool { return !m.Tensors[t].IsConstant() }
	name := func(t int32) string { return tensorPath(int(t), m.Tensors[t].Name) }

	// Producers.
	prod := make([]int, nt)
	for i := range prod {
		prod[i] = noProducer
	}
	for k, io := range m.Inputs {
		path := func() string { return fmt.Sprintf("input %d", k) }
		t := io.Tensor
		switch {
		case t < 0 || int(t) >= nt:
			return graphLifetimes{}, Malformed(path()+" / tensor", "index %d outside [0, %d)", t, nt)
		case !isAct(t):
			return graphLifetimes{}, Malformed(path(), "%s is a constant", name(t))
		case prod[t] != noProducer:
			return graphLifetimes{}, Malformed(path(), "%s is listed twice as a graph input", name(t))
		}
		prod[t] = -1
	}
	// Variables are written before the first op, like the graph inputs.
	for i := range m.Tensors {
		if t := &m.Tensors[i]; t.Variable && isAct(int32(i)) {
			if prod[i] != noProducer {
				return graphLifetimes{}, Malformed(tensorPath(i, t.Name), "a variable cannot be a graph input")
			}
			prod[i] = -1
		}
	}
	for i := range m.Ops {
		op := &m.Ops[i]
		for k, t := range op.Inputs {
			if t < -1 || int(t) >= nt {
				return graphLifetimes{}, Malformed(fmt.Sprintf("%s / input %d", opPath(i, op.Code), k), "tensor index %d outside [-1, %d)", t, nt)
			}
		}
		for k, t := range op.Outputs {
			path := func() string { return fmt.Sprintf("%s / output %d", opPath(i, op.Code), k) }
			switch {
			case t < 0 || int(t) >= nt:
				return graphLifetimes{}, Malformed(path(), "tensor index %d outside [0, %d)", t, nt)
			case !isAct(t):
				return graphLifetimes{}, Malformed(path(), "writes constant %s", name(t))
			case m.Tensors[t].Variable:
				return graphLifetimes{}, Malformed(path(), "%s is a variable (ops update variables as inputs)", name(t))
			case prod[t] == -1:
				return graphLifetimes{}, Malformed(path(), "writes %s, a graph input", name(t))
			case prod[t] != noProducer:
				return graphLifetimes{}, Malformed(path(), "%s is already produced by op %d", name(t), prod[t])
			}
			prod[t] = i
		}
	}

	// Produced activations by arena region, in production order, for
	// resolving aliases.
	type region struct{ off, size int64 }
	byRegion := make(map[region][]int32)
	addRegion := func(t int32) {
		r := region{m.Tensors[t].ArenaOffset, size[t]}
		byRegion[r] = append(byRegion[r], t)
	}
	for _, io := range m.Inputs {
		addRegion(io.Tensor)
	}
	for i := range m.Ops {
		for _, t := range m.Ops[i].Outputs {
			addRegion(t)
		}
	}
	for i := range m.Tensors {
		if prod[i] == -1 && m.Tensors[i].Variable {
			addRegion(int32(i))
		}
	}

	// Lifetimes. root[t] is the produced activation whose bytes t is (t
	// itself unless t is an alias), -1 while unknown; last[r] is the last
	// step r (or an alias of it) is read.
	root := make([]int32, nt)
	last := make([]int, nt)
	for i := range root {
		root[i] = -1
	}
	for _, io := range m.Inputs {
		root[io.Tensor], last[io.Tensor] = io.Tensor, -1
	}
	for i := range m.Tensors {
		if prod[i] == -1 && m.Tensors[i].Variable {
			// Live for the interpreter's life: from before the first op
			// to after the last.
			root[i], last[i] = int32(i), n
		}
	}
	// use records that step reads t, as input k of op step (or graph output
	// k if step == n).
	use := func(t int32, step, k int) error {
		if t < 0 || !isAct(t) {
			return nil // absent optional input, or constant
		}
		path := func() string {
			if step == n {
				return fmt.Sprintf("output %d", k)
			}
			return fmt.Sprintf("%s / input %d", opPath(step, m.Ops[step].Code), k)
		}
		if p := prod[t]; p != noProducer && p >= step {
			return Malformed(path(), "%s is read before op %d produces it", name(t), p)
		}
		if root[t] < 0 {
			// An alias: the last same-region activation produced before step.
			cands := byRegion[region{m.Tensors[t].ArenaOffset, size[t]}]
			j := sort.Search(len(cands), func(j int) bool { return prod[cands[j]] >= step })
			if j == 0 {
				return Malformed(path(), "%s is not a constant, a graph input, produced by an earlier op, or an alias of such an activation (same arena offset and size)", name(t))
			}
			root[t] = root[cands[j-1]]
		}
		r := root[t]
		last[r] = max(last[r], step)
		return nil
	}
	for i := range m.Ops {
		op := &m.Ops[i]
		for k, t := range op.Inputs {
			if err := use(t, i, k); err != nil {
				return graphLifetimes{}, err
			}
		}
		for _, t := range op.Outputs {
			root[t], last[t] = t, i
		}
		if op.Code == OpReshape && len(op.Inputs) > 0 && len(op.Outputs) == 1 {
			in, out := op.Inputs[0], op.Outputs[0]
			if in >= 0 && isAct(in) && in != out && size[in] == size[out] &&
				m.Tensors[in].ArenaOffset == m.Tensors[out].ArenaOffset {
				r := root[in]
				root[out] = r
				last[r] = max(last[r], i)
			}
		}
	}
	for k, io := range m.Outputs {
		t := io.Tensor
		if t < 0 || int(t) >= nt {
			return graphLifetimes{}, Malformed(fmt.Sprintf("output %d / tensor", k), "index %d outside [0, %d)", t, nt)
		}
		if err := use(t, n, k); err != nil {
			return graphLifetimes{}, err
		}
	}

	return graphLifetimes{size: size, prod: prod, last: last, root: root}, nil
}

// Lifetime is the life of one activation that owns its arena bytes (a
// graph input, a variable or an op's output, its aliases folded in), in
// VerifyGraph's steps: written at First (−1: graph inputs and variables)
// and read last at Last (len(Ops): graph outputs and variables; First
// when nothing reads it).
type Lifetime struct {
	Tensor      int32
	First, Last int
}

// Lifetimes checks m's graph as VerifyGraph does, except for the overlaps
// of its current memory plan, and returns the lifetime of every activation
// of non-zero size that owns its bytes, and for every tensor the one whose
// bytes it is (root[t] == t for the owners; −1 for constants and for
// activations no step uses). A new memory plan places the owners, and
// every other activation at its root's offset.
func Lifetimes(m *Model) (lives []Lifetime, root []int32, err error) {
	gl, err := graphLives(m)
	if err != nil {
		return nil, nil, err
	}
	for t, r := range gl.root {
		if r == int32(t) && gl.size[t] > 0 {
			lives = append(lives, Lifetime{Tensor: r, First: gl.prod[t], Last: max(gl.last[t], gl.prod[t])})
		}
	}
	return lives, gl.root, nil
}
