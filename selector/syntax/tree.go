package syntax

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"math"
	"strings"
	"sync"

	sitter "github.com/smacker/go-tree-sitter"

	"github.com/conclave-dev/conclave/internal/lang"
)

// Parsers are not safe for concurrent use; each call borrows one from its
// language's pool and returns it.
var parsers sync.Map // *lang.Language -> *sync.Pool

// parse parses src, stopping with the context's error when ctx is done.
// The caller closes the tree.
//
// The binding cancels a parse by setting a flag on the parser from a
// goroutine that may still run after the parse ends, so a parser whose
// context ended is not reused, and a parse refused as over its operation
// limit (which is never set here) is the sign of a stale flag: it is
// retried once on a new parser.
func parse(ctx context.Context, l *lang.Language, src []byte) (*sitter.Tree, error) {
	v, _ := parsers.LoadOrStore(l, &sync.Pool{New: func() any {
		p := sitter.NewParser()
		p.SetLanguage(l.Grammar())
		return p
	}})
	pool := v.(*sync.Pool)
	for attempt := 0; ; attempt++ {
		p := pool.Get().(*sitter.Parser)
		tree, err := p.ParseCtx(ctx, nil, src)
		if err == nil && ctx.Err() == nil {
			pool.Put(p)
			return tree, nil
		}
		if tree != nil {
			tree.Close()
		}
		p.Close()
		switch {
		case ctx.Err() != nil:
			return nil, context.Cause(ctx)
		case errors.Is(err, sitter.ErrOperationLimit) && attempt == 0:
			continue
		}
		return nil, fmt.Errorf("syntax: parsing %s: %w", l.Name, err)
	}
}

// walk returns the tree's tokens: leaves and atomic nodes in order,
// comments marked, zero-width (missing or implied) tokens left out. When
// h is not nil it also writes the tree's canonical form to h: named nodes
// with their field names and types, leaves in their normalised spelling;
// comments, layout and (unless keepDoc) Python docstrings left out. Two
// files with the same canonical form have the same syntax tree up to
// those rules.
func (r *rules) walk(root *sitter.Node, src []byte, h hash.Hash, keepDoc bool) []token {
	w := &walker{r: r, src: src, h: h, keepDoc: keepDoc, names: r.symbols()}
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	w.visit(c, "", h != nil)
	return w.toks
}

// symbols returns the names of the grammar's symbols, by number.
func (r *rules) symbols() []string {
	r.names.Do(func() {
		g := r.lang.Grammar()
		r.symbolNames = make([]string, g.SymbolCount())
		for i := range r.symbolNames {
			r.symbolNames[i] = g.SymbolName(sitter.Symbol(i))
		}
	})
	return r.symbolNames
}

type walker struct {
	r       *rules
	src     []byte
	names   []string
	toks    []token
	cont    bool
	h       hash.Hash
	keepDoc bool
	buf     []byte
}

func (w *walker) write(tag byte, s string) {
	w.buf = append(w.buf[:0], tag)
	w.buf = binary.AppendUvarint(w.buf, uint64(len(s)))
	w.buf = append(w.buf, s...)
	w.h.Write(w.buf)
}

// typeOf returns n's type, "ERROR" for an error node.
func (w *walker) typeOf(n *sitter.Node) string {
	if sym := n.Symbol(); sym != math.MaxUint16 && int(sym) < len(w.names) {
		return w.names[sym]
	}
	return "ERROR"
}

// visit walks the node under the cursor; hash says whether it belongs in
// the canonical form (a docstring's subtree does not).
func (w *walker) visit(c *sitter.TreeCursor, parent string, hash bool) {
	n := c.CurrentNode()
	sym := n.Symbol()
	typ := w.typeOf(n)
	if hash {
		if field := c.CurrentFieldName(); field != "" {
			w.write('F', field)
		}
	}
	start, end := n.StartByte(), n.EndByte()
	switch extra := n.IsExtra() && sym != math.MaxUint16; {
	case n.IsMissing():
		if hash {
			w.write('M', typ)
		}
		return
	case start == end:
		return
	case extra && typ == "line_continuation":
		w.cont = true
		return
	case extra:
		text := string(w.src[start:end])
		if hash && w.r.layout == layoutGo && isGoDirective(text) {
			w.write('L', strings.TrimRight(text, " \t\r\n"))
		}
		w.leaf(n, text, tkComment)
		return
	case w.r.atomic[typ]:
		text := string(w.src[start:end])
		if hash {
			w.write('L', w.r.literal(text))
		}
		w.leaf(n, text, tkLiteral)
		return
	case n.ChildCount() == 0:
		text := string(w.src[start:end])
		if s := strings.TrimSpace(text); hash && s != "" && !(w.r.dropSemi && s == ";") {
			w.write('L', s)
		}
		w.leaf(n, text, tkCode)
		return
	}
	if hash && !w.keepDoc && w.r.layout == layoutPython && (parent == "module" || parent == "block") && isDocstring(n) {
		hash = false
	}
	if hash {
		w.write('(', typ)
	}
	if c.GoToFirstChild() {
		for {
			w.visit(c, typ, hash)
			if !c.GoToNextSibling() {
				break
			}
		}
		c.GoToParent()
	}
	if hash {
		w.write(')', "")
	}
}

func (w *walker) leaf(n *sitter.Node, text string, kind tokKind) {
	start, end := n.StartPoint(), n.EndPoint()
	w.toks = append(w.toks, token{
		text: text, kind: kind, cont: w.cont,
		line: int(start.Row), endLine: int(end.Row),
	})
	w.cont = false
}

// isDocstring reports whether a Python statement is a string literal
// alone: a module, class or function docstring, or an attribute docstring.
func isDocstring(n *sitter.Node) bool {
	if n.Type() != "expression_statement" || n.NamedChildCount() == 0 {
		return false
	}
	for i := range int(n.NamedChildCount()) {
		switch n.NamedChild(i).Type() {
		case "string", "concatenated_string", "comment":
		default:
			return false
		}
	}
	return true
}
