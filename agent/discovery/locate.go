package discovery

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/conclave-dev/conclave/agent/internal/browse"
	"github.com/conclave-dev/conclave/tools/ckg"
)

// Bounds of the location stage: what it reads and what it writes into the
// subagent's task.
const (
	maxWalk        = 200000 // files walked
	maxEntryPoints = 12
	maxNamed       = 20
	maxFrames      = 20
	maxIdentifiers = 25
	maxDefinitions = 3 // per identifier
	maxMapChars    = 12000
	maxDirNames    = 8 // definitions named per directory
)

// entryNames are the base names, without extension, of files that start a
// program or a package: where a reader of an unknown repository begins.
var entryNames = map[string]bool{
	"main": true, "__main__": true, "index": true, "init": true, "__init__": true,
	"app": true, "cli": true, "server": true, "lib": true, "mod": true, "manage": true,
}

// location is what the location stage found before the subagent starts.
type location struct {
	files, sources int      // files in the repository, and source files the index holds
	languages      []string // by number of files, most first
	entryPoints    []string
	named          []string // files the task names
	frames         []frame
	identifiers    []identifier
	// outlines is set for a small repository: each source file's
	// definitions; dirs for a large one: each directory's summary.
	outlines, dirs string
}

// frame is a stack-trace frame of the task that maps to a file.
type frame struct {
	path string
	line int
	fn   string
}

// identifier is a name of the task and where the repository defines it.
type identifier struct {
	name string
	defs []ckg.Symbol
}

// locate runs the location stage: the repository's size, its entry
// points, the files and stack-trace frames the task names, the
// definitions of the identifiers it uses, and a map of the repository,
// outlines when it holds at most small source files, directory summaries
// when it holds more.
func locate(ctx context.Context, fsys fs.FS, ix *ckg.Index, task string, small int) (*location, error) {
	loc := &location{}
	var all []string
	err := browse.Walk(ctx, fsys, ".", func(rel string, _ fs.DirEntry) bool {
		all = append(all, rel)
		return len(all) < maxWalk
	})
	if err != nil {
		return nil, err
	}
	loc.files = len(all)
	st := ix.Stats()
	loc.sources = st.Files
	loc.languages = slices.SortedFunc(maps.Keys(st.Languages), func(a, b string) int {
		return cmp.Or(st.Languages[b]-st.Languages[a], strings.Compare(a, b))
	})
	loc.entryPoints = entryPoints(all)
	byName := newFileSet(all)
	loc.named = named(byName, task)
	loc.frames = frames(byName, task)
	for _, name := range identifiers(task) {
		defs := ix.Definitions(name)
		if len(defs) == 0 {
			continue
		}
		loc.identifiers = append(loc.identifiers, identifier{name: name, defs: defs[:min(len(defs), maxDefinitions)]})
	}
	sources := slices.DeleteFunc(slices.Clone(all), func(p string) bool {
		_, err := ix.Outline(p)
		return err != nil
	})
	if len(sources) <= small {
		loc.outlines = outlines(ix, sources)
	}
	if loc.outlines == "" {
		loc.dirs = directories(ix, sources)
	}
	return loc, nil
}

// entryPoints returns the files named like entry points, shallowest
// first.
func entryPoints(files []string) []string {
	var out []string
	for _, f := range files {
		base := path.Base(f)
		if entryNames[strings.TrimSuffix(base, path.Ext(base))] {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return strings.Count(a, "/") - strings.Count(b, "/") })
	return out[:min(len(out), maxEntryPoints)]
}

// pathLike matches the words of a text that may name a file: a name with
// an extension, possibly with directories.
var pathLike = regexp.MustCompile(`[\w.\-/]*[\w\-]\.[A-Za-z][\w]{0,7}\b`)

// named returns the repository files the task names, by path or by a
// path's tail, in the order the task names them.
func named(files fileSet, task string) []string {
	var out []string
	for _, word := range pathLike.FindAllString(task, maxTries) {
		for _, f := range files.match(word) {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
		if len(out) >= maxNamed {
			return out[:maxNamed]
		}
	}
	return out
}

// maxTries bounds the words of a task looked up as paths.
const maxTries = 200

// fileSet is the repository's files, found by name.
type fileSet map[string][]string // base name -> paths, in path order

func newFileSet(files []string) fileSet {
	fs := fileSet{}
	for _, f := range files {
		fs[path.Base(f)] = append(fs[path.Base(f)], f)
	}
	return fs
}

// match returns the files p names: the files whose path is p's longest
// tail that ends any (p may be absolute, from another machine), when at
// most three do, since a name shared by more points nowhere.
func (fs fileSet) match(p string) []string {
	p = strings.TrimPrefix(path.Clean("/"+strings.ReplaceAll(p, `\`, "/")), "/")
	same := fs[path.Base(p)]
	if p == "" || p == "." || len(same) == 0 {
		return nil
	}
	parts := strings.Split(p, "/")
	for i := range parts {
		tail := strings.Join(parts[i:], "/")
		var found []string
		for _, f := range same {
			if f == tail || strings.HasSuffix(f, "/"+tail) {
				found = append(found, f)
			}
		}
		if len(found) > 0 {
			if len(found) > 3 {
				return nil
			}
			return found
		}
	}
	return nil
}

// Stack-trace frames in the forms of Python, Java, JavaScript and the
// rest (path:line).
var (
	pythonFrame = regexp.MustCompile(`File "([^"\n]+)", line (\d+)(?:, in ([\w.<>]+))?`)
	javaFrame   = regexp.MustCompile(`at ([\w.$<>]+)\(([\w$]+\.(?:java|kt|scala)):(\d+)\)`)
	lineFrame   = regexp.MustCompile(`(?:\(|\s|^)([\w.\-/\\:]*[\w\-]\.[A-Za-z]\w{0,5}):(\d+)(?::\d+)?`)
)

// frames returns the stack-trace frames of the task that map to files of
// the repository, in the task's order, once each.
func frames(files fileSet, task string) []frame {
	var out []frame
	add := func(p, line, fn string) {
		if len(out) >= maxFrames {
			return
		}
		n, _ := strconv.Atoi(line)
		for _, f := range files.match(p) {
			if !slices.ContainsFunc(out, func(o frame) bool { return o.path == f && o.line == n }) {
				out = append(out, frame{path: f, line: n, fn: fn})
			}
		}
	}
	for _, m := range pythonFrame.FindAllStringSubmatch(task, maxTries) {
		add(m[1], m[2], m[3])
	}
	for _, m := range javaFrame.FindAllStringSubmatch(task, maxTries) {
		// The file is named by its class's package path.
		pkg := m[1]
		if i := strings.LastIndex(pkg, "."); i >= 0 {
			pkg = pkg[:i]
		}
		dir := strings.ReplaceAll(pkg, ".", "/")
		if i := strings.LastIndex(dir, "/"); i >= 0 {
			dir = dir[:i]
		}
		add(dir+"/"+m[2], m[3], m[1])
	}
	for _, m := range lineFrame.FindAllStringSubmatch(task, maxTries) {
		add(m[1], m[2], "")
	}
	return out
}

// identifierLike matches names in code style: in backquotes, CamelCase,
// snake_case, dotted or called.
var (
	quoted     = regexp.MustCompile("`([^`\n]{1,80})`")
	codeName   = regexp.MustCompile(`\b(?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*\b`)
	identStyle = regexp.MustCompile(`^(?:[a-z]+[A-Z]\w*|[A-Z][a-z0-9]+[A-Z]\w*|[A-Za-z0-9]*_\w+|[A-Z]{2,}\w*[a-z]\w*)$`)
	calledName = regexp.MustCompile(`\b([A-Za-z_][\w]*)\(`)
)

// fileExts are extensions that make a dotted word a file name rather than
// a qualified name.
var fileExts = map[string]bool{
	"py": true, "go": true, "js": true, "jsx": true, "ts": true, "tsx": true, "mjs": true, "cjs": true,
	"java": true, "kt": true, "scala": true, "rs": true, "c": true, "h": true, "cc": true, "cpp": true,
	"hpp": true, "cs": true, "rb": true, "php": true, "swift": true, "sh": true, "md": true, "rst": true,
	"txt": true, "json": true, "yaml": true, "yml": true, "toml": true, "cfg": true, "ini": true,
	"html": true, "css": true, "xml": true, "lock": true, "mod": true, "sum": true,
}

// identifiers returns the names of the task written as code: in
// backquotes, followed by a call's parenthesis, in CamelCase or snake_case,
// or as parts of dotted names, in the task's order, once each.
func identifiers(task string) []string {
	var out []string
	add := func(name string) {
		name = strings.Trim(name, "_$")
		if len(name) < 3 || slices.Contains(out, name) || len(out) >= maxIdentifiers {
			return
		}
		out = append(out, name)
	}
	for _, m := range quoted.FindAllStringSubmatch(task, -1) {
		for _, n := range codeName.FindAllString(m[1], -1) {
			for _, part := range strings.Split(n, ".") {
				add(part)
			}
		}
	}
	for _, m := range calledName.FindAllStringSubmatch(task, -1) {
		add(m[1])
	}
	for _, n := range codeName.FindAllString(task, -1) {
		parts := strings.Split(n, ".")
		dotted := len(parts) > 1 && !fileExts[strings.ToLower(parts[len(parts)-1])]
		for _, part := range parts {
			if dotted || identStyle.MatchString(part) {
				add(part)
			}
		}
	}
	return out
}

// outlines writes each source file's definitions, or "" if they do not fit
// in maxMapChars.
func outlines(ix *ckg.Index, sources []string) string {
	var b strings.Builder
	for _, p := range sources {
		syms, _ := ix.Outline(p)
		fmt.Fprintf(&b, "%s\n", p)
		for _, s := range syms {
			indent := "  "
			if s.Parent != "" {
				indent = "    "
			}
			sig := cmp.Or(s.Signature, s.Name)
			fmt.Fprintf(&b, "%s%d %s %s\n", indent, s.StartLine, s.Kind, clip(sig, 120))
		}
		if b.Len() > maxMapChars {
			return ""
		}
	}
	return b.String()
}

// directories summarises the source files by directory: how many, and
// the first top-level definitions, as much as fits in maxMapChars.
func directories(ix *ckg.Index, sources []string) string {
	byDir := map[string][]string{}
	for _, p := range sources {
		byDir[path.Dir(p)] = append(byDir[path.Dir(p)], p)
	}
	dirs := slices.Sorted(maps.Keys(byDir))
	var b strings.Builder
	for i, d := range dirs {
		var names []string
		more := 0
		for _, p := range byDir[d] {
			syms, _ := ix.Outline(p)
			for _, s := range syms {
				if s.Parent != "" {
					continue
				}
				if len(names) < maxDirNames {
					names = append(names, s.Name)
				} else {
					more++
				}
			}
		}
		line := fmt.Sprintf("%s/ (%d files)", d, len(byDir[d]))
		if len(names) > 0 {
			line += ": " + strings.Join(names, ", ")
			if more > 0 {
				line += fmt.Sprintf(" and %d more", more)
			}
		}
		if b.Len()+len(line) > maxMapChars {
			fmt.Fprintf(&b, "… and %d more directories; list them with view.\n", len(dirs)-i)
			break
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}

// String writes what the location stage found, for the subagent's task.
func (l *location) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "The repository has %d files, %d of them source files the code knowledge graph reads", l.files, l.sources)
	if len(l.languages) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(l.languages, ", "))
	}
	b.WriteString(".\n")
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n## %s\n", title)
		for _, it := range items {
			fmt.Fprintf(&b, "- %s\n", it)
		}
	}
	list("Files the task names", l.named)
	var fr []string
	for _, f := range l.frames {
		s := fmt.Sprintf("%s:%d", f.path, f.line)
		if f.fn != "" {
			s += " in " + f.fn
		}
		fr = append(fr, s)
	}
	list("Stack-trace frames of the task, in this repository", fr)
	var ids []string
	for _, id := range l.identifiers {
		var at []string
		for _, d := range id.defs {
			at = append(at, fmt.Sprintf("%s:%d (%s %s)", d.Path, d.StartLine, d.Kind, d.QualifiedName()))
		}
		ids = append(ids, fmt.Sprintf("%s: %s", id.name, strings.Join(at, "; ")))
	}
	list("Names of the task defined in the repository", ids)
	list("Entry points (files named main, index, init, __init__ and the like)", l.entryPoints)
	switch {
	case l.outlines != "":
		fmt.Fprintf(&b, "\n## Outline of every source file\n%s", l.outlines)
	case l.dirs != "":
		fmt.Fprintf(&b, "\n## Source directories, with their first definitions\n%s", l.dirs)
	}
	return b.String()
}

// found returns the files the location stage points at, most direct
// first: named files, frames, definitions, entry points.
func (l *location) found() []string {
	var out []string
	add := func(p string) {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, p := range l.named {
		add(p)
	}
	for _, f := range l.frames {
		add(f.path)
	}
	for _, id := range l.identifiers {
		for _, d := range id.defs {
			add(d.Path)
		}
	}
	return out
}

// clip cuts s to n runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
