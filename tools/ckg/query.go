package ckg

import (
	"cmp"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// Match is how [Query.Name] is compared with symbol names.
type Match uint8

const (
	Exact      Match = iota // the same name, case included
	IgnoreCase              // the same name, case ignored
	Prefix                  // names starting with Name, case ignored
	Substring               // names containing Name, case ignored
	Fuzzy                   // names holding Name's letters in order, case ignored, best first
)

var matchNames = [...]string{Exact: "exact", IgnoreCase: "ignorecase", Prefix: "prefix", Substring: "substring", Fuzzy: "fuzzy"}

func (m Match) String() string {
	if int(m) < len(matchNames) {
		return matchNames[m]
	}
	return fmt.Sprintf("match(%d)", m)
}

// ParseMatch returns the Match named s.
func ParseMatch(s string) (Match, error) {
	for m, name := range matchNames {
		if name == strings.ToLower(s) {
			return Match(m), nil
		}
	}
	return 0, fmt.Errorf("ckg: unknown match %q; use one of %s", s, strings.Join(matchNames[:], ", "))
}

// Query selects symbols by name.
type Query struct {
	Name  string
	Match Match
	// Kinds keeps only symbols of these kinds; empty keeps all.
	Kinds []Kind
	// Parent keeps only symbols with this parent (exact), when not "".
	Parent string
	// Limit caps the results; 0 means no cap.
	Limit int
}

// ErrNotFound is wrapped by errors for a path or position the index does
// not hold.
var ErrNotFound = errors.New("not found")

// Search returns the symbols q selects. Exact and IgnoreCase results are
// ordered by path and line; Prefix and Substring ones by name length,
// then name, path and line; Fuzzy ones by score, best first, then the
// same. The results are copies the caller owns.
func (ix *Index) Search(q Query) []Symbol {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	lower := strings.ToLower(q.Name)
	type hit struct {
		id    symID
		score int // Fuzzy only
	}
	var hits []hit
	add := func(ids []symID, score int) {
		for _, id := range ids {
			hits = append(hits, hit{id, score})
		}
	}
	switch q.Match {
	case Exact, IgnoreCase:
		for _, id := range ix.defs[lower] {
			if q.Match == IgnoreCase || id.sym().Name == q.Name {
				hits = append(hits, hit{id: id})
			}
		}
	case Prefix:
		i, _ := slices.BinarySearch(ix.lowers, lower)
		for ; i < len(ix.lowers) && strings.HasPrefix(ix.lowers[i], lower); i++ {
			add(ix.defs[ix.lowers[i]], 0)
		}
	case Substring:
		if strings.Contains(lower, "\n") {
			break
		}
		for pos := 0; ; {
			j := strings.Index(ix.blob[pos:], lower)
			if j < 0 {
				break
			}
			// The name holding the match starts at or before it.
			i, found := slices.BinarySearch(ix.starts, pos+j)
			if !found {
				i--
			}
			if i >= 0 {
				add(ix.defs[ix.lowers[i]], 0)
			}
			if i+1 >= len(ix.starts) {
				break
			}
			pos = ix.starts[i+1]
		}
	case Fuzzy:
		for _, l := range ix.lowers {
			if s, ok := fuzzyScore(l, lower); ok {
				add(ix.defs[l], s)
			}
		}
	}
	hits = slices.DeleteFunc(hits, func(h hit) bool {
		s := h.id.sym()
		return len(q.Kinds) > 0 && !slices.Contains(q.Kinds, s.Kind) || q.Parent != "" && s.Parent != q.Parent
	})
	slices.SortFunc(hits, func(x, y hit) int {
		a, b := x.id.sym(), y.id.sym()
		switch q.Match {
		case Prefix, Substring:
			return cmp.Or(cmp.Compare(len(a.Name), len(b.Name)), strings.Compare(a.Name, b.Name), cmpSymbols(a, b))
		case Fuzzy:
			return cmp.Or(cmp.Compare(y.score, x.score), cmp.Compare(len(a.Name), len(b.Name)), strings.Compare(a.Name, b.Name), cmpSymbols(a, b))
		}
		return cmpSymbols(a, b)
	})
	if q.Limit > 0 && len(hits) > q.Limit {
		hits = hits[:q.Limit]
	}
	out := make([]Symbol, len(hits))
	for i, h := range hits {
		out[i] = *h.id.sym()
	}
	return out
}

// fuzzyScore reports whether the letters of pattern occur in name in
// order, and scores the match: higher for letters that follow each other,
// start words or start the name.
func fuzzyScore(name, pattern string) (int, bool) {
	score, j, prev := 0, 0, -2
	for i := 0; i < len(name) && j < len(pattern); i++ {
		if name[i] != pattern[j] {
			continue
		}
		score++
		if i == prev+1 {
			score += 3
		}
		if i == 0 || name[i-1] == '_' || name[i-1] == '.' {
			score += 2
		}
		prev = i
		j++
	}
	return score - len(name)/8, j == len(pattern)
}

// Methods returns the methods whose parent is class, in path and line
// order. A qualified class name "Outer.Inner" is matched by its last
// part.
func (ix *Index) Methods(class string) []Symbol {
	class = lastPart(class)
	ix.mu.RLock()
	var out []Symbol
	for _, id := range ix.byParent[class] {
		if s := id.sym(); s.Kind.IsFunc() {
			out = append(out, *s)
		}
	}
	ix.mu.RUnlock()
	slices.SortFunc(out, func(a, b Symbol) int { return cmpSymbols(&a, &b) })
	return out
}

// Outline returns the definitions of the file at path (relative to the
// root, or absolute inside it), in order. It wraps ErrNotFound if the
// index has no such file.
func (ix *Index) Outline(p string) ([]Symbol, error) {
	rel, err := ix.rel(p)
	if err != nil {
		return nil, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	fd := ix.files[rel]
	if fd == nil {
		return nil, ix.missing(rel)
	}
	return slices.Clone(fd.symbols), nil
}

// Definitions returns the definitions of name, in path and line order.
// name may be qualified by its parent, "Parent.Name" (or "Parent::Name").
func (ix *Index) Definitions(name string) []Symbol {
	parent, base := splitQualified(name)
	return ix.Search(Query{Name: base, Parent: parent})
}

// DefinitionAt returns the definitions of the name at a position of a
// file (line and column 1-based, column in bytes, anywhere within the
// name): best candidates first, those the file can see by scope and
// imports before the others (see the package doc for how approximate
// that is). It also returns the reference found there. It wraps
// ErrNotFound when the position holds no indexed name.
func (ix *Index) DefinitionAt(p string, line, col int) ([]Symbol, Reference, error) {
	rel, err := ix.rel(p)
	if err != nil {
		return nil, Reference{}, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	fd := ix.files[rel]
	if fd == nil {
		return nil, Reference{}, ix.missing(rel)
	}
	i, ok := fd.refAt(line, col)
	if !ok {
		return nil, Reference{}, fmt.Errorf("ckg: %s:%d:%d: %w: no identifier there; give the line and column of a name (columns count bytes from 1)", rel, line, col, ErrNotFound)
	}
	r := &fd.refs[i]
	ref := fd.reference(r)
	if r.flags&refDef != 0 {
		for _, s := range fd.symbols {
			if s.Line == int(r.line) && s.Column == int(r.col) {
				return []Symbol{s}, ref, nil
			}
		}
	}
	type cand struct {
		s    Symbol
		rank int
	}
	var cands []cand
	for _, id := range ix.defs[strings.ToLower(ref.Name)] {
		s := id.sym()
		if s.Name != ref.Name {
			continue
		}
		rank := 2
		switch {
		case id.f == fd:
			rank = 0
		case ix.visible(id, fd, r):
			rank = 1
		}
		cands = append(cands, cand{*s, rank})
	}
	slices.SortFunc(cands, func(a, b cand) int { return cmp.Or(cmp.Compare(a.rank, b.rank), cmpSymbols(&a.s, &b.s)) })
	out := make([]Symbol, 0, len(cands))
	for _, c := range cands {
		if c.rank > 1 && len(out) > 0 {
			break // an invisible candidate only when nothing better exists
		}
		out = append(out, c.s)
	}
	return out, ref, nil
}

// References returns the uses of name, in path and line order.
// Definitions are not uses. If the index holds definitions of name
// (qualified by its parent if given as "Parent.Name"), only uses that may
// resolve to one of them are kept, by the rules of [Index.ReferencesTo];
// otherwise (a name defined outside the tree) every use of the name is.
func (ix *Index) References(name string) []Reference {
	defs := ix.Definitions(name)
	_, base := splitQualified(name)
	if len(defs) == 0 {
		return ix.refs(base, nil)
	}
	return ix.refs(base, defs)
}

// ReferencesAt returns the uses of the name at a position of a file (see
// [Index.DefinitionAt]): the uses that may refer to its definitions, or
// every use of the name if the index holds none. It also returns the
// reference found there.
func (ix *Index) ReferencesAt(p string, line, col int) ([]Reference, Reference, error) {
	defs, at, err := ix.DefinitionAt(p, line, col)
	if err != nil {
		return nil, at, err
	}
	if len(defs) == 0 {
		return ix.refs(at.Name, nil), at, nil
	}
	refs := ix.refs(at.Name, defs)
	return refs, at, nil
}

// ReferencesTo returns the uses that may refer to def, in path and line
// order. Uses are found by name, then narrowed: by language family, by
// local scope (a definition inside a function is seen only there), by Go
// package and import, by Python and JavaScript imports, by Java package
// and import, and by whether the use is qualified (x.name) and the
// definition a member. C, C++ and Rust uses are matched by name alone.
func (ix *Index) ReferencesTo(def Symbol) []Reference {
	return ix.refs(def.Name, []Symbol{def})
}

func (ix *Index) refs(name string, defs []Symbol) []Reference {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var ids []symID
	for _, d := range defs {
		if fd := ix.files[d.Path]; fd != nil {
			for i := range fd.symbols {
				if s := &fd.symbols[i]; s.Line == d.Line && s.Column == d.Column && s.Name == d.Name {
					ids = append(ids, symID{fd, int32(i)})
				}
			}
		}
	}
	if len(defs) > 0 && len(ids) == 0 {
		return nil // stale symbols from before a refresh
	}
	var out []Reference
	for _, fd := range ix.refFiles[name] {
		for _, i := range fd.refsNamed(name) {
			r := &fd.refs[i]
			if r.flags&refDef != 0 {
				continue
			}
			if len(ids) > 0 && !slices.ContainsFunc(ids, func(id symID) bool { return ix.visible(id, fd, r) }) {
				continue
			}
			out = append(out, fd.reference(r))
		}
	}
	slices.SortFunc(out, func(a, b Reference) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return out
}

// visible reports whether the use r in file f may refer to the definition
// def. See ReferencesTo for the rules.
func (ix *Index) visible(def symID, f *fileData, r *ref) bool {
	d, df := def.sym(), def.f
	if outer := df.enclosingFunc(def.i); outer != nil { // a local definition
		return f == df && int(r.line) >= outer.StartLine && int(r.line) <= outer.EndLine
	}
	if f == df {
		return true
	}
	if familyOf(f.lang) != familyOf(df.lang) {
		return false
	}
	var qual string
	if r.qual >= 2 {
		qual = f.names[r.qual-2]
	}
	var imp *Import
	if qual != "" {
		for i := range f.imports {
			if f.imports[i].Name == qual {
				imp = &f.imports[i]
				break
			}
		}
	}
	member := d.Parent != "" && !d.Kind.IsType() || d.Kind == Method
	switch df.lang {
	case "go":
		switch {
		case imp != nil:
			return d.Parent == "" && goImportMatches(imp.Path, dir(df.path))
		case r.qual != 0:
			return member
		default:
			return !member && dir(f.path) == dir(df.path)
		}
	case "python", "javascript", "typescript", "tsx":
		switch {
		case imp != nil:
			return moduleMatches(f, imp, df.path)
		case r.qual != 0:
			return member
		case member:
			return false
		}
		for i := range f.imports {
			if imp := &f.imports[i]; imp.Name == d.Name && imp.Member != "" && moduleMatches(f, &Import{Path: imp.Path}, df.path) {
				return true
			}
		}
		return false
	case "java":
		if member || r.qual != 0 || dir(f.path) == dir(df.path) {
			return true
		}
		for _, imp := range f.imports {
			if (imp.Name == d.Name || imp.Name == "*") && strings.HasSuffix("/"+dir(df.path), "/"+strings.ReplaceAll(imp.Path, ".", "/")) {
				return true
			}
		}
		return false
	}
	return true
}

// enclosingFunc returns the function or method that holds symbol i, if any.
func (fd *fileData) enclosingFunc(i int32) *Symbol {
	s := &fd.symbols[i]
	if s.Parent == "" {
		return nil
	}
	for j := i - 1; j >= 0; j-- {
		o := &fd.symbols[j]
		if o.Name == s.Parent && o.StartLine <= s.StartLine && o.EndLine >= s.EndLine {
			if o.Kind.IsFunc() {
				return o
			}
			return nil
		}
	}
	return nil
}

// goImportMatches reports whether a Go import path names the package in
// directory d (relative to the root): the path ends with d.
func goImportMatches(importPath, d string) bool {
	return d != "" && (importPath == d || strings.HasSuffix(importPath, "/"+d) || strings.HasSuffix(d, "/"+importPath))
}

// moduleMatches reports whether the module f imports with imp is the file
// at target, for Python and JavaScript module paths.
func moduleMatches(f *fileData, imp *Import, target string) bool {
	stem := strings.TrimSuffix(target, path.Ext(target))
	var mod string
	if f.lang == "python" {
		p := imp.Path
		dots := len(p) - len(strings.TrimLeft(p, "."))
		mod = strings.ReplaceAll(p[dots:], ".", "/")
		if dots > 0 {
			base := dir(f.path)
			for range dots - 1 {
				base = dir(base)
			}
			mod = path.Join(base, mod)
		}
		if imp.Member != "" && (imp.Name == imp.Member || imp.Name != "") {
			// "from pkg import mod" binds a module when mod is a file.
			if sub := path.Join(mod, imp.Member); stem == sub || stem == sub+"/__init__" {
				return true
			}
		}
		mod = strings.TrimPrefix(mod, "/")
		return stem == mod || stem == mod+"/__init__" || strings.HasSuffix(stem, "/"+mod) || strings.HasSuffix(stem, "/"+mod+"/__init__")
	}
	p := imp.Path
	if strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") {
		mod = path.Join(dir(f.path), p)
		return stem == mod || stem == mod+"/index" || target == mod
	}
	p = strings.TrimLeft(strings.TrimPrefix(strings.TrimPrefix(p, "@/"), "~/"), "/")
	return p != "" && (stem == p || strings.HasSuffix(stem, "/"+p) || strings.HasSuffix(stem, "/"+p+"/index"))
}

// refAt returns the index of the ref whose name covers line:col.
func (fd *fileData) refAt(line, col int) (int, bool) {
	i, _ := slices.BinarySearchFunc(fd.refs, uint32(line), func(r ref, l uint32) int { return cmp.Compare(r.line, l) })
	for ; i < len(fd.refs) && int(fd.refs[i].line) == line; i++ {
		r := &fd.refs[i]
		if c := int(r.col); col >= c && col < c+len(fd.names[r.name]) {
			return i, true
		}
	}
	return 0, false
}

func (fd *fileData) reference(r *ref) Reference {
	out := Reference{Name: fd.names[r.name], Path: fd.path, Line: int(r.line), Column: int(r.col), Call: r.flags&refCall != 0}
	switch {
	case r.qual == 1:
		out.Qualifier = "."
	case r.qual > 1:
		out.Qualifier = fd.names[r.qual-2]
	}
	if r.scope >= 0 {
		out.Scope = fd.symbols[r.scope].QualifiedName()
	}
	return out
}

// rel maps a path given relative to the root, or absolute inside it, to
// the index's form.
func (ix *Index) rel(p string) (string, error) {
	if filepath.IsAbs(p) {
		r, err := filepath.Rel(ix.root, p)
		if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
			return "", fmt.Errorf("ckg: %s is outside the indexed tree %s: %w", p, ix.root, ErrNotFound)
		}
		p = filepath.ToSlash(r)
	}
	p = path.Clean(strings.TrimPrefix(p, "./"))
	if !validPath(p) {
		return "", fmt.Errorf("ckg: %q is not a path inside the indexed tree: %w", p, ErrNotFound)
	}
	return p, nil
}

func (ix *Index) missing(rel string) error {
	if specFor(rel) == nil {
		return fmt.Errorf("ckg: %s: %w: the index reads only Python, Go, Java, JavaScript, TypeScript, Rust, C and C++ files", rel, ErrNotFound)
	}
	return fmt.Errorf("ckg: %s: %w in the index (no such file, or skipped: hidden, vendored, binary or over %d bytes)", rel, ErrNotFound, ix.opts.MaxFileSize)
}

// splitQualified splits "Parent.Name" or "Parent::Name" into its parent
// (the part before the last separator, itself reduced to its last part)
// and name.
func splitQualified(name string) (parent, base string) {
	i := strings.LastIndex(name, "::")
	j := strings.LastIndexByte(name, '.')
	switch {
	case i >= 0 && i+1 > j:
		return lastPart(name[:i]), name[i+2:]
	case j > 0:
		return lastPart(name[:j]), name[j+1:]
	}
	return "", name
}

func lastPart(name string) string {
	if i := strings.LastIndex(name, "::"); i >= 0 {
		name = name[i+2:]
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	return name
}
