package syntax

import (
	"bytes"
	"context"
	"crypto/sha256"
	"sort"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"
)

// fileTree is what normalisation and checking need of a parsed file: its
// tokens, its canonical form's hash, built from one hash per top-level
// node so that a patched file can reuse those of the nodes a patch does
// not touch, and its syntax errors. It is immutable once built.
type fileTree struct {
	root     string // the root node's type
	hasError bool
	errors   []Error // without Path; set only when hasError
	nodes    []topNode
	toks     []token
	sum      []byte // the canonical form's hash

	streamOnce sync.Once
	stream     []tok
}

// topNode is one child of a file's root node.
type topNode struct {
	start, end int      // its bytes
	tok        int      // the index of its first token in fileTree.toks
	hash       [32]byte // its canonical form's hash
	named      bool     // a named node: not punctuation such as Go's line-ending terminators
}

// analyze parses src and builds its fileTree.
func (r *rules) analyze(ctx context.Context, src []byte, keepDoc bool) (*fileTree, error) {
	tree, err := parse(ctx, r.lang, src)
	if err != nil {
		return nil, err
	}
	defer tree.Close()
	root := tree.RootNode()
	t := r.walkNodes(root, src, keepDoc, 0, 0)
	if t.hasError {
		walkProblems(root, func(n *sitter.Node) {
			p := n.StartPoint()
			e := Error{Line: int(p.Row) + 1, Column: int(p.Column) + 1, Missing: n.IsMissing()}
			if e.Missing {
				e.Node = n.Type()
			} else {
				e.Node = snippet(src[n.StartByte():n.EndByte()])
			}
			t.errors = append(t.errors, e)
		})
	}
	t.sum = t.hash()
	return t, nil
}

// walkNodes walks the children of root one by one, hashing each alone;
// offset and line are added to their bytes and token lines, for a text
// that sits at that place of a file.
func (r *rules) walkNodes(root *sitter.Node, src []byte, keepDoc bool, offset, line int) *fileTree {
	w := &walker{r: r, src: src, keepDoc: keepDoc, names: r.symbols()}
	t := &fileTree{root: w.typeOf(root), hasError: root.HasError()}
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	if c.GoToFirstChild() {
		for {
			n := c.CurrentNode()
			h := sha256.New()
			w.h = h
			node := topNode{start: int(n.StartByte()) + offset, end: int(n.EndByte()) + offset, tok: len(w.toks), named: n.IsNamed()}
			w.visit(c, t.root, true)
			h.Sum(node.hash[:0])
			t.nodes = append(t.nodes, node)
			if !c.GoToNextSibling() {
				break
			}
		}
	}
	t.toks = w.toks
	if line != 0 {
		for i := range t.toks {
			t.toks[i].line += line
			t.toks[i].endLine += line
		}
	}
	return t
}

// hash is the hash of the canonical form: the root's type and its
// children's hashes in order.
func (t *fileTree) hash() []byte {
	h := sha256.New()
	writeField(h, "(", t.root)
	for _, n := range t.nodes {
		h.Write(n.hash[:])
	}
	writeField(h, ")")
	return h.Sum(nil)
}

// streamOf returns the normalised stream of t, the tree of src, computed
// once.
func (t *fileTree) streamOf(r *rules, src []byte, keepDoc bool) []tok {
	t.streamOnce.Do(func() { t.stream = r.stream(string(src), t.toks, keepDoc) })
	return t.stream
}

// patched returns the fileTree of new, a patched version of old whose
// tree is base, by parsing only the top-level nodes the patch touches,
// with an unchanged neighbour on each side, and reusing the others. When
// that reading may differ from a parse of the whole file it parses the
// whole file: when either has a syntax error, when the neighbours do not
// come out as they were (the change reaches past them), or when the
// change spans the whole file.
//
// With errorsOnly, the fileTree returned may hold only hasError and
// errors, which is all Check needs.
func (r *rules) patched(ctx context.Context, base *fileTree, old, new []byte, keepDoc, errorsOnly bool) (*fileTree, error) {
	if t, ok, err := r.splice(ctx, base, old, new, keepDoc, errorsOnly); ok || err != nil {
		return t, err
	}
	return r.analyze(ctx, new, keepDoc)
}

func (r *rules) splice(ctx context.Context, base *fileTree, old, new []byte, keepDoc, errorsOnly bool) (*fileTree, bool, error) {
	if base.hasError || len(base.nodes) == 0 {
		return nil, false, nil
	}
	pre := 0
	for pre < len(old) && pre < len(new) && old[pre] == new[pre] {
		pre++
	}
	suf := 0
	for suf < len(old)-pre && suf < len(new)-pre && old[len(old)-1-suf] == new[len(new)-1-suf] {
		suf++
	}
	oldEnd := len(old) - suf
	nodes := base.nodes
	// The nodes from i to j hold the change; the named nodes before and
	// after them are its neighbours. (Anonymous nodes, such as Go's
	// terminators, need not read the same at the start of a text.)
	i := sort.Search(len(nodes), func(k int) bool { return nodes[k].end > pre })
	j := sort.Search(len(nodes), func(k int) bool { return nodes[k].start >= oldEnd }) - 1
	before, after := i-1, j+1
	for before >= 0 && !nodes[before].named {
		before--
	}
	for after < len(nodes) && !nodes[after].named {
		after++
	}
	// The anonymous nodes right after the neighbour go with it: Go's
	// grammar wants a terminator after a declaration.
	last := after
	for last+1 < len(nodes) && !nodes[last+1].named {
		last++
	}
	lo, hi := 0, len(old)
	if before >= 0 {
		lo = nodes[before].start
	}
	if after < len(nodes) {
		hi = nodes[last].end
	}
	if lo == 0 && hi == len(old) {
		return nil, false, nil
	}
	delta := len(new) - len(old)
	frag := new[lo : hi+delta]
	tree, err := parse(ctx, r.lang, frag)
	if err != nil {
		return nil, false, err
	}
	defer tree.Close()
	root := tree.RootNode()
	line := bytes.Count(old[:lo], []byte("\n"))
	mid := r.walkNodes(root, frag, keepDoc, lo, line)
	if mid.hasError || mid.root != base.root || len(mid.nodes) == 0 {
		return nil, false, nil
	}
	same := func(got, want topNode, shift int) bool {
		return got.start == want.start+shift && got.end == want.end+shift && got.hash == want.hash
	}
	if before >= 0 && !same(mid.nodes[0], nodes[before], 0) {
		return nil, false, nil
	}
	if after < len(nodes) {
		k := len(mid.nodes) - (last - after + 1)
		if k < 0 {
			return nil, false, nil
		}
		for m := after; m <= last; m, k = m+1, k+1 {
			if !same(mid.nodes[k], nodes[m], delta) {
				return nil, false, nil
			}
		}
	}

	t := &fileTree{root: base.root}
	if errorsOnly {
		return t, true, nil
	}
	head, tail := 0, len(nodes) // the nodes kept as they are before and after
	if before >= 0 {
		head = before
	}
	if after < len(nodes) {
		tail = last + 1
	}
	headToks, tailToks := len(base.toks), len(base.toks)
	if head < len(nodes) {
		headToks = nodes[head].tok
	}
	if tail < len(nodes) {
		tailToks = nodes[tail].tok
	}
	lines := bytes.Count(new[lo:hi+delta], []byte("\n")) - bytes.Count(old[lo:hi], []byte("\n"))
	t.toks = make([]token, 0, headToks+len(mid.toks)+len(base.toks)-tailToks)
	t.toks = append(t.toks, base.toks[:headToks]...)
	t.toks = append(t.toks, mid.toks...)
	for _, tk := range base.toks[tailToks:] {
		tk.line += lines
		tk.endLine += lines
		t.toks = append(t.toks, tk)
	}
	t.nodes = make([]topNode, 0, head+len(mid.nodes)+len(nodes)-tail)
	t.nodes = append(t.nodes, nodes[:head]...)
	for _, n := range mid.nodes {
		n.tok += headToks
		t.nodes = append(t.nodes, n)
	}
	for _, n := range nodes[tail:] {
		n.start += delta
		n.end += delta
		n.tok += headToks + len(mid.toks) - tailToks
		t.nodes = append(t.nodes, n)
	}
	t.sum = t.hash()
	return t, true, nil
}
