package syntax

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
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

// leaves returns the tree's tokens: leaves and atomic nodes in order,
// comments marked, zero-width (missing or implied) tokens left out.
func (r *rules) leaves(root *sitter.Node, src []byte) []token {
	w := &leafWalker{r: r, src: src}
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	w.visit(c)
	return w.toks
}

type leafWalker struct {
	r    *rules
	src  []byte
	toks []token
	cont bool
}

func (w *leafWalker) visit(c *sitter.TreeCursor) {
	n := c.CurrentNode()
	if n.IsMissing() || n.StartByte() == n.EndByte() {
		return
	}
	typ := n.Type()
	kind := tkCode
	switch {
	case n.IsExtra() && !n.IsError() && typ == "line_continuation":
		w.cont = true
		return
	case n.IsExtra() && !n.IsError():
		kind = tkComment
	case w.r.atomic[typ]:
		kind = tkLiteral
	case n.ChildCount() > 0:
		if c.GoToFirstChild() {
			for {
				w.visit(c)
				if !c.GoToNextSibling() {
					break
				}
			}
			c.GoToParent()
		}
		return
	}
	start, end := n.StartPoint(), n.EndPoint()
	w.toks = append(w.toks, token{
		text: string(w.src[n.StartByte():n.EndByte()]), kind: kind,
		line: int(start.Row), endLine: int(end.Row), col: int(start.Column), cont: w.cont,
	})
	w.cont = false
}

// digest writes the tree's canonical form to h: named nodes with their
// field names and types, leaves in their normalised spelling; comments,
// layout and (unless keepDoc) Python docstrings left out. Two files with
// the same digest have the same syntax tree up to those rules.
func (r *rules) digest(h hash.Hash, root *sitter.Node, src []byte, keepDoc bool) {
	d := &digester{r: r, src: src, h: h, keepDoc: keepDoc}
	c := sitter.NewTreeCursor(root)
	defer c.Close()
	d.visit(c, "")
}

type digester struct {
	r       *rules
	src     []byte
	h       hash.Hash
	keepDoc bool
	buf     []byte
}

func (d *digester) write(tag byte, s string) {
	d.buf = append(d.buf[:0], tag)
	d.buf = binary.AppendUvarint(d.buf, uint64(len(s)))
	d.buf = append(d.buf, s...)
	d.h.Write(d.buf)
}

func (d *digester) visit(c *sitter.TreeCursor, parent string) {
	n := c.CurrentNode()
	if field := c.CurrentFieldName(); field != "" {
		d.write('F', field)
	}
	typ := n.Type()
	text := func() string { return string(d.src[n.StartByte():n.EndByte()]) }
	switch {
	case n.IsMissing():
		d.write('M', typ)
		return
	case n.IsExtra() && !n.IsError():
		if d.r.layout == layoutGo && isGoDirective(text()) {
			d.write('L', strings.TrimRight(text(), " \t\r\n"))
		}
		return
	case !d.keepDoc && d.r.layout == layoutPython && (parent == "module" || parent == "block") && isDocstring(n):
		return
	case d.r.atomic[typ]:
		d.write('L', d.r.literal(text()))
		return
	case n.ChildCount() == 0:
		s := strings.TrimSpace(text())
		if s == "" || d.r.dropSemi && s == ";" {
			return
		}
		d.write('L', s)
		return
	}
	d.write('(', typ)
	if c.GoToFirstChild() {
		for {
			d.visit(c, typ)
			if !c.GoToNextSibling() {
				break
			}
		}
		c.GoToParent()
	}
	d.write(')', "")
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
