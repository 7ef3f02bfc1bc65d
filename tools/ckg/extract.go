package ckg

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	sitter "github.com/smacker/go-tree-sitter"
)

// fileData is what the index knows of one file. It is immutable once
// built: a refresh replaces it whole.
type fileData struct {
	path  string // slash-separated, relative to the root
	lang  string // lang.Language.Name
	size  int64
	mtime int64 // UnixNano
	hash  [32]byte

	symbols []Symbol
	imports []Import
	names   []string // the distinct names refs use, interned per file
	refs    []ref    // sorted by position
	// byName lists the indexes of refs grouped by name, each group in
	// position order; the refs of names[i] are byName[nameAt[i]:nameAt[i+1]].
	byName []uint32
	nameAt []uint32
	// note says why a file has no entries though its language is read
	// (the parse gave up); "" normally.
	note string
}

// ref is a compact [Reference]: indexes into the file's names and
// symbols.
type ref struct {
	name  uint32
	qual  uint32 // 0: bare name; 1: qualified by an expression; n: by names[n-2]
	line  uint32
	col   uint32
	scope int32 // index in symbols of the innermost enclosing definition, -1 at top level
	flags uint8
}

const (
	refCall uint8 = 1 << iota // the name is called
	refDef                    // the name is the one a definition defines
)

const (
	maxNameLen      = 200 // longer "identifiers" are noise (minified or generated code)
	maxSignatureLen = 240
	maxDocLen       = 1200
)

// extractor reads files into fileData. It owns a parser and a query
// cursor, so each goroutine needs its own; close releases them.
type extractor struct {
	parser *sitter.Parser
	cursor *sitter.QueryCursor
	// timeout bounds one parse, in microseconds, so that no input hangs
	// a worker; 0 means none.
	timeout int
}

func newExtractor() *extractor {
	return &extractor{parser: sitter.NewParser(), cursor: sitter.NewQueryCursor(), timeout: 20_000_000}
}

func (x *extractor) close() {
	x.cursor.Close()
	x.parser.Close()
}

// errParseLimit marks a file the parser gave up on.
var errParseLimit = errors.New("the parser gave up (time limit)")

// extract parses src, the content of a file in sp's language. It returns
// the context's error if ctx is done, and errParseLimit if the parse ran
// past the time limit.
func (x *extractor) extract(ctx context.Context, sp *spec, src []byte) (*fileData, error) {
	q, roles, kinds, err := sp.compiled()
	if err != nil {
		return nil, err
	}
	x.parser.SetLanguage(sp.lang.Grammar())
	x.parser.SetOperationLimit(x.timeout)
	tree, err := x.parser.ParseCtx(ctx, nil, src)
	if err != nil {
		x.parser.Reset()
		if ctxErr := context.Cause(ctx); ctxErr != nil {
			return nil, ctxErr
		}
		if errors.Is(err, sitter.ErrOperationLimit) {
			return nil, errParseLimit
		}
		return nil, fmt.Errorf("ckg: parsing: %w", err)
	}
	defer tree.Close()

	w := walker{src: src, lines: lineStarts(src), names: map[string]uint32{}, defAt: map[uint32]bool{}, pending: map[uint32]*pending{}}
	w.fd = &fileData{lang: sp.lang.Name}
	x.cursor.Exec(q, tree.RootNode())
	for {
		m, ci, ok := x.cursor.NextCapture()
		if !ok {
			break
		}
		c := m.Captures[ci]
		if r := roles[c.Index]; r != roleNone {
			w.capture(r, kinds[c.Index], c.Node, m, roles)
		}
	}
	w.finish()
	return w.fd, nil
}

// walker holds the state of one extraction. Captures arrive in document
// order, so the definitions enclosing a node are the open ones on stack.
//
// tree-sitter may hand over the first capture of a match before the rest
// of it (the name, the body) is matched, when the match is sure to
// complete. So a definition, scope or import waits in pending, under its
// match ID (unique within a run), and takes the later captures of its
// match as they come.
type walker struct {
	src     []byte
	lines   []uint32 // byte offset of each line start
	fd      *fileData
	names   map[string]uint32
	stack   []open
	run     commentRun
	offs    []uint32        // byte offset of each ref, parallel to fd.refs
	defAt   map[uint32]bool // byte offsets of defined names
	pending map[uint32]*pending
	imports []pendingImport
}

// open is a definition, or a scope such as a Rust impl block, whose end
// has not been reached yet.
type open struct {
	sym    int32 // index in symbols, -1 for a scope
	end    uint32
	name   string // of a scope
	isType bool
}

// pending is a definition, scope or import waiting for the rest of its
// match.
type pending struct {
	role       role
	kind       Kind
	start, end uint32
	startLine  uint32
	doc        string
	parent     string
	sym        int32 // index in symbols once the name is known, else -1
	pushed     bool
	imp        int // index in imports, for an import
}

type pendingImport struct {
	name, path, member, fn string
	java                   string // the whole declaration
}

type commentRun struct {
	start, end          uint32
	firstLine, lastLine int
	valid               bool
}

func (w *walker) capture(r role, kind Kind, n *sitter.Node, m *sitter.QueryMatch, roles []role) {
	start := n.StartByte()
	for len(w.stack) > 0 && w.stack[len(w.stack)-1].end <= start {
		w.stack = w.stack[:len(w.stack)-1]
	}
	switch r {
	case roleDef, roleTypeSpec, roleScope, roleImport:
		p := &pending{role: r, kind: kind, start: start, end: n.EndByte(), sym: -1}
		p.startLine, _ = w.pos(start)
		switch r {
		case roleDef, roleTypeSpec:
			p.doc = w.docFor(start, int(p.startLine))
		case roleImport:
			p.imp = len(w.imports)
			w.imports = append(w.imports, pendingImport{})
			if w.fd.lang == "java" {
				w.imports[p.imp].java = w.text(n)
			}
		}
		w.pending[m.ID] = p
		for _, c := range m.Captures {
			if rc := roles[c.Index]; rc >= roleName {
				w.absorb(p, rc, c.Node)
			}
		}
	case roleComment:
		w.comment(start, n.EndByte())
	case roleDocstring:
		for i := len(w.stack) - 1; i >= 0; i-- {
			if s := w.stack[i].sym; s >= 0 {
				if w.fd.symbols[s].Doc == "" {
					w.fd.symbols[s].Doc = cleanDocstring(w.text(n))
				}
				break
			}
		}
	case roleRef:
		end := n.EndByte()
		if end <= start || end-start > maxNameLen {
			return
		}
		rf := ref{name: w.intern(w.src[start:end]), scope: w.scope()}
		rf.line, rf.col = w.pos(start)
		if calledAt(w.src, int(end)) {
			rf.flags = refCall
		}
		if q, ok := qualifierBefore(w.src, int(start)); ok {
			rf.qual = 1
			if q != nil {
				rf.qual = w.intern(q) + 2
			}
		}
		w.fd.refs = append(w.fd.refs, rf)
		w.offs = append(w.offs, start)
	default: // a later capture of a pending match
		if p := w.pending[m.ID]; p != nil {
			w.absorb(p, r, n)
		}
	}
}

// absorb applies a secondary capture to the pending match it belongs to.
func (w *walker) absorb(p *pending, r role, n *sitter.Node) {
	switch r {
	case roleName:
		if p.role == roleDef || p.role == roleTypeSpec {
			w.define(p, n)
		}
	case roleParent:
		p.parent = cleanParent(w.text(n))
		if p.role == roleScope && !p.pushed {
			p.pushed = true
			w.stack = append(w.stack, open{sym: -1, end: p.end, name: p.parent, isType: true})
		}
	case roleBody:
		if p.sym >= 0 && n.StartByte() > p.start {
			w.fd.symbols[p.sym].Signature = signature(w.src[p.start:n.StartByte()])
		}
	case roleTypeBody:
		if p.sym >= 0 {
			switch n.Type() {
			case "struct_type":
				w.fd.symbols[p.sym].Kind = Struct
			case "interface_type":
				w.fd.symbols[p.sym].Kind = Interface
			}
		}
	case roleImportName, roleImportPath, roleImportMember, roleImportFn:
		if p.role != roleImport {
			return
		}
		imp := &w.imports[p.imp]
		switch t := w.text(n); r {
		case roleImportName:
			imp.name = t
		case roleImportPath:
			imp.path = t
		case roleImportMember:
			imp.member = t
		case roleImportFn:
			imp.fn = t
		}
	}
}

// define makes the symbol of a pending definition once its name is known.
// In every query the parent precedes the name, so it is known by now.
func (w *walker) define(p *pending, name *sitter.Node) {
	nameStart, nameEnd := name.StartByte(), name.EndByte()
	if p.sym >= 0 || nameEnd <= nameStart || nameEnd-nameStart > maxNameLen || w.defAt[nameStart] {
		return
	}
	kind := p.kind
	if p.role == roleTypeSpec {
		kind = Type // until the type body says otherwise
	}
	sym := Symbol{Name: string(w.src[nameStart:nameEnd]), Kind: kind, Language: w.fd.lang, Parent: p.parent, Doc: p.doc}
	if sym.Parent != "" {
		if kind == Function {
			sym.Kind = Method
		}
	} else if len(w.stack) > 0 {
		top := w.stack[len(w.stack)-1]
		sym.Parent = top.name
		if top.sym >= 0 {
			sym.Parent = w.fd.symbols[top.sym].Name
		}
		if kind == Function && top.isType {
			sym.Kind = Method
		}
	}
	endLine, _ := w.pos(max(p.end, p.start+1) - 1)
	line, col := w.pos(nameStart)
	sym.StartLine, sym.EndLine, sym.Line, sym.Column = int(p.startLine), int(endLine), int(line), int(col)
	sym.Signature = signature(w.src[p.start:p.end])

	w.defAt[nameStart] = true
	p.sym = int32(len(w.fd.symbols))
	w.fd.symbols = append(w.fd.symbols, sym)
	if kind != Type || p.role == roleTypeSpec { // an alias holds no definitions, a C typedef's struct is no member
		w.stack = append(w.stack, open{sym: p.sym, end: p.end, isType: sym.Kind.IsType() || p.role == roleTypeSpec})
	}
}

// comment extends the current run of comments, or starts a new one, so
// that a definition can take the run right above it as its doc.
func (w *walker) comment(start, end uint32) {
	first, _ := w.pos(start)
	last, _ := w.pos(max(end, start+1) - 1)
	if w.run.valid && int(first) == w.run.lastLine+1 && len(bytes.TrimSpace(w.src[w.run.end:start])) == 0 {
		w.run.end, w.run.lastLine = end, int(last)
		return
	}
	lineStart := w.lines[first-1]
	w.run = commentRun{start: start, end: end, firstLine: int(first), lastLine: int(last),
		valid: len(bytes.TrimSpace(w.src[lineStart:start])) == 0} // not a comment trailing code
}

// docFor returns the doc of a definition starting at byte start on line
// line: the comment run ending on the line above, with only decorators,
// attributes and template headers in between.
func (w *walker) docFor(start uint32, line int) string {
	if !w.run.valid || w.run.end > start || w.run.lastLine >= line {
		return ""
	}
	gap := w.src[w.run.end:w.lines[line-1]]
	lines := bytes.Split(gap, []byte("\n"))
	lines = lines[:len(lines)-1]    // gap ends at a line start
	if w.src[w.run.end-1] != '\n' { // the rest of the comment's last line
		if len(lines) == 0 || len(bytes.TrimSpace(lines[0])) != 0 {
			return ""
		}
		lines = lines[1:]
	}
	for _, l := range lines {
		l = bytes.TrimSpace(l)
		if !bytes.HasPrefix(l, []byte("@")) && !bytes.HasPrefix(l, []byte("#[")) && !bytes.HasPrefix(l, []byte("template")) {
			return ""
		}
	}
	w.run.valid = false // one doc per comment: not also for a member on the same line
	return cleanComment(string(w.src[w.run.start:w.run.end]))
}

// finishImports turns the pending imports into the file's imports.
func (w *walker) finishImports() {
	for _, pi := range w.imports {
		var imp Import
		switch w.fd.lang {
		case "go":
			imp.Path, _ = strconv.Unquote(pi.path)
			switch imp.Name = pi.name; imp.Name {
			case "":
				imp.Name = goPackageName(imp.Path)
			case ".", "_":
				imp.Name = ""
			}
		case "java":
			t := strings.TrimSuffix(strings.TrimSpace(pi.java), ";")
			t = strings.TrimSpace(strings.TrimPrefix(t, "import"))
			t = strings.Join(strings.Fields(strings.TrimPrefix(t, "static ")), "")
			i := strings.LastIndexByte(t, '.')
			if i < 0 {
				continue
			}
			imp.Path, imp.Name = t[:i], t[i+1:]
			if imp.Name != "*" {
				imp.Member = imp.Name
			}
		default: // python, javascript, typescript
			if pi.fn != "" && pi.fn != "require" {
				continue
			}
			imp.Path, imp.Member, imp.Name = pi.path, pi.member, pi.name
			if imp.Name == "" {
				imp.Name = imp.Member
			}
			if imp.Name == "" { // "import a.b" binds a
				imp.Name, _, _ = strings.Cut(imp.Path, ".")
			}
		}
		if imp.Path != "" {
			w.fd.imports = append(w.fd.imports, imp)
		}
	}
}

// finish orders the refs, merges the captures of one name by several
// patterns, and marks the names definitions define.
func (w *walker) finish() {
	w.finishImports()
	fd := w.fd
	idx := make([]int, len(fd.refs))
	for i := range idx {
		idx[i] = i
	}
	if !slices.IsSorted(w.offs) {
		sort.SliceStable(idx, func(a, b int) bool { return w.offs[idx[a]] < w.offs[idx[b]] })
	}
	out := fd.refs[:0:0]
	out = slices.Grow(out, len(fd.refs))
	last := ^uint32(0)
	for _, i := range idx {
		r, off := fd.refs[i], w.offs[i]
		if off == last {
			p := &out[len(out)-1]
			p.flags |= r.flags
			p.qual = max(p.qual, r.qual)
			continue
		}
		if w.defAt[off] {
			r.flags |= refDef
		}
		out = append(out, r)
		last = off
	}
	fd.refs = slices.Clip(out)
	fd.names = slices.Clip(fd.names)
	fd.groupRefs()
}

// groupRefs builds byName and nameAt, by a counting sort.
func (fd *fileData) groupRefs() {
	fd.nameAt = make([]uint32, len(fd.names)+1)
	for _, r := range fd.refs {
		fd.nameAt[r.name+1]++
	}
	for i := 1; i < len(fd.nameAt); i++ {
		fd.nameAt[i] += fd.nameAt[i-1]
	}
	next := slices.Clone(fd.nameAt[:len(fd.names)])
	fd.byName = make([]uint32, len(fd.refs))
	for i, r := range fd.refs {
		fd.byName[next[r.name]] = uint32(i)
		next[r.name]++
	}
}

// refsNamed returns the indexes of the refs using name, in position order.
func (fd *fileData) refsNamed(name string) []uint32 {
	for i, n := range fd.names {
		if n == name {
			return fd.byName[fd.nameAt[i]:fd.nameAt[i+1]]
		}
	}
	return nil
}

func (w *walker) intern(b []byte) uint32 {
	if i, ok := w.names[string(b)]; ok {
		return i
	}
	i := uint32(len(w.fd.names))
	s := string(b)
	w.names[s] = i
	w.fd.names = append(w.fd.names, s)
	return i
}

func (w *walker) scope() int32 {
	for i := len(w.stack) - 1; i >= 0; i-- {
		if w.stack[i].sym >= 0 {
			return w.stack[i].sym
		}
	}
	return -1
}

func (w *walker) text(n *sitter.Node) string { return string(w.src[n.StartByte():n.EndByte()]) }

// pos returns the 1-based line and byte column of offset off.
func (w *walker) pos(off uint32) (line, col uint32) {
	i, _ := slices.BinarySearch(w.lines, off+1)
	return uint32(i), off - w.lines[i-1] + 1
}

func lineStarts(src []byte) []uint32 {
	lines := make([]uint32, 1, len(src)/32+1)
	for i := 0; ; {
		j := bytes.IndexByte(src[i:], '\n')
		if j < 0 {
			return lines
		}
		i += j + 1
		lines = append(lines, uint32(i))
	}
}

// calledAt reports whether the name ending at end is called: followed by
// an argument list, or for a Rust macro by "!" and a delimiter. Generic
// calls with explicit type arguments (F[T](), f::<T>()) are not seen.
func calledAt(src []byte, end int) bool {
	i := end
	for i < len(src) && (src[i] == ' ' || src[i] == '\t') {
		i++
	}
	if i < len(src) && src[i] == '!' {
		i++
		return i < len(src) && (src[i] == '(' || src[i] == '[' || src[i] == '{')
	}
	return i < len(src) && src[i] == '('
}

// qualifierBefore looks behind the name starting at start for a member
// selection: ".", "?.", "->" or "::", across white space (chained calls
// span lines). It reports whether there is one, and the name it selects
// from, nil when that is an expression (a call, an index).
func qualifierBefore(src []byte, start int) ([]byte, bool) {
	i := skipSpaceBack(src, start)
	switch {
	case i >= 2 && src[i-1] == ':' && src[i-2] == ':',
		i >= 2 && src[i-1] == '>' && src[i-2] == '-':
		i -= 2
	case i >= 1 && src[i-1] == '.' && (i < 2 || src[i-2] != '.'): // not a spread or range
		i--
		if i >= 1 && src[i-1] == '?' {
			i--
		}
	default:
		return nil, false
	}
	end := skipSpaceBack(src, i)
	j := end
	for j > 0 && isIdentByte(src[j-1]) {
		j--
	}
	if j == end || src[j] >= '0' && src[j] <= '9' {
		return nil, true
	}
	return src[j:end], true
}

func skipSpaceBack(src []byte, i int) int {
	for i > 0 && (src[i-1] == ' ' || src[i-1] == '\t' || src[i-1] == '\n' || src[i-1] == '\r') {
		i--
	}
	return i
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= utf8.RuneSelf
}

// goPackageName guesses the name an import path binds: its last element,
// skipping a major version suffix.
func goPackageName(path string) string {
	elems := strings.Split(path, "/")
	name := elems[len(elems)-1]
	if len(elems) > 1 && len(name) > 1 && name[0] == 'v' && strings.Trim(name[1:], "0123456789") == "" {
		name = elems[len(elems)-2]
	}
	return name
}

// cleanParent reduces a parent expression to a type name: "ns::K<T>" and
// "*K" to "K", "Foo.prototype" to "Foo"; receivers that name no type
// ("this", "module.exports") to "".
func cleanParent(s string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".prototype")
	if i := strings.IndexByte(s, '<'); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, "::"); i >= 0 {
		s = s[i+2:]
	}
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		s = s[i+1:]
	}
	s = strings.Trim(s, "*& \t")
	switch s {
	case "this", "self", "exports", "module", "window", "global", "globalThis":
		return ""
	}
	return s
}

// signature collapses the white space of a declaration and clips it.
func signature(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	s = strings.TrimSpace(strings.TrimSuffix(s, "{"))
	return clip(s, maxSignatureLen)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// cleanComment strips comment markers from a run of comments.
func cleanComment(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		for _, p := range []string{"///", "//!", "//", "/**", "/*!", "/*", "#"} {
			if t, ok := strings.CutPrefix(l, p); ok {
				l = t
				break
			}
		}
		l = strings.TrimSuffix(l, "*/")
		if t, ok := strings.CutPrefix(strings.TrimSpace(l), "*"); ok {
			l = t
		}
		out = append(out, strings.TrimSpace(l))
	}
	return clip(strings.TrimSpace(strings.Join(out, "\n")), maxDocLen)
}

// cleanDocstring strips the quotes and the common indentation of a
// Python docstring.
func cleanDocstring(s string) string {
	s = strings.TrimLeft(s, "rRuUbBfF")
	for _, q := range []string{`"""`, `'''`, `"`, `'`} {
		if strings.HasPrefix(s, q) && strings.HasSuffix(s, q) && len(s) >= 2*len(q) {
			s = s[len(q) : len(s)-len(q)]
			break
		}
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return clip(strings.TrimSpace(strings.Join(lines, "\n")), maxDocLen)
}

// cmpSymbols orders symbols by path, then line, then name.
func cmpSymbols(a, b *Symbol) int {
	return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column), cmp.Compare(a.Name, b.Name))
}
