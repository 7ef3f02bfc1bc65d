package ckg

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/tools"
)

// ToolName is the name the agent tool gives itself.
const ToolName = "ckg"

const (
	maxToolResults = 40
	maxToolOutput  = 16000
	maxBodyLines   = 80
)

// Tool is the agent-facing code knowledge graph of a workspace: the
// commands search_function, search_class and search_class_method (by
// name, falling back from exact to case-insensitive, prefix and fuzzy
// matches), get_definition and find_references (by name or by
// path/line/column), and outline (a file's definitions).
//
// The index is opened on the first call, from the cache when there is
// one, and refreshed before every command, so edits made by any tool
// are seen by the next command. Tool is safe for concurrent use.
type Tool struct {
	fn   *tools.Func[toolArgs]
	ws   tools.Workspace
	opts *Options

	mu sync.Mutex // guards ix
	ix *Index
}

type toolArgs struct {
	Command    string `json:"command" jsonschema:"search_function, search_class, search_class_method, get_definition, find_references or outline"`
	Identifier string `json:"identifier,omitempty" jsonschema:"the name to look up; may be qualified as Class.method"`
	Class      string `json:"class,omitempty" jsonschema:"search_class_method: the class whose methods to list or search"`
	Match      string `json:"match,omitempty" jsonschema:"how to compare names: exact (the default; falls back to looser matches when nothing matches), prefix or fuzzy"`
	Path       string `json:"path,omitempty" jsonschema:"outline: the file; get_definition and find_references: the file holding the name, with line and column"`
	Line       int    `json:"line,omitempty" jsonschema:"1-based line of the name in path"`
	Column     int    `json:"column,omitempty" jsonschema:"1-based column (in bytes) of the name in path"`
	PrintBody  bool   `json:"print_body,omitempty" jsonschema:"search_* and get_definition: also print the source of each definition"`
}

func (toolArgs) RefineSchema(s *jsonschema.Schema) {
	s.Properties["command"].Enum = []any{"search_function", "search_class", "search_class_method", "get_definition", "find_references", "outline"}
	s.Properties["match"].Enum = []any{"exact", "prefix", "fuzzy"}
	one := 1.0
	s.Properties["line"].Minimum = &one
	s.Properties["column"].Minimum = &one
}

const toolDescription = `Code knowledge graph of the repository: finds definitions and uses without reading whole files. Always up to date with your edits.
Commands:
- search_function: functions and methods named identifier.
- search_class: classes, structs, interfaces, traits, enums and type aliases named identifier.
- search_class_method: methods named identifier (or Class.method); with class alone, all methods of that class.
- get_definition: where identifier is defined; or, with path, line and column, the definition of the name at that spot.
- find_references: the uses of identifier (or of the name at path, line, column), with the enclosing function of each.
- outline: the definitions of the file at path, with lines and signatures.
Names match exactly by default; when nothing matches, looser matches are shown. Set match to prefix or fuzzy to search loosely from the start. print_body shows the source of each definition.`

// NewTool returns the ckg tool over ws. opts configure the index (nil:
// defaults, with the cache under the user cache directory).
func NewTool(ws tools.Workspace, opts *Options) *Tool {
	t := &Tool{ws: ws, opts: opts}
	t.fn = tools.NewFunc(ToolName, toolDescription, t.run)
	return t
}

// Spec describes the tool.
func (t *Tool) Spec() llm.ToolSpec { return t.fn.Spec() }

// Run runs one command.
func (t *Tool) Run(ctx context.Context, args json.RawMessage) (tools.Result, error) {
	return t.fn.Run(ctx, args)
}

// index opens the index on first use and refreshes it.
func (t *Tool) index(ctx context.Context) (*Index, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ix == nil {
		ix, err := Open(ctx, t.ws.Root(), t.opts)
		if err != nil {
			return nil, err
		}
		t.ix = ix
		return ix, nil
	}
	if _, err := t.ix.Refresh(ctx); err != nil {
		return nil, err
	}
	return t.ix, nil
}

func (t *Tool) run(ctx context.Context, a toolArgs) (tools.Result, error) {
	match := Exact
	if a.Match != "" {
		m, err := ParseMatch(a.Match)
		if err != nil {
			return tools.Errorf("unknown match %q; use exact, prefix or fuzzy", a.Match), nil
		}
		match = m
	}
	needName := func() (tools.Result, bool) {
		if strings.TrimSpace(a.Identifier) == "" {
			return tools.Errorf("%s needs identifier, the name to look up", a.Command), false
		}
		return tools.Result{}, true
	}
	atPosition := a.Path != "" || a.Line != 0 || a.Column != 0
	if atPosition && (a.Path == "" || a.Line == 0 || a.Column == 0) && a.Command != "outline" {
		return tools.Errorf("%s at a position needs path, line and column together", a.Command), nil
	}
	switch a.Command {
	case "search_function", "search_class", "search_class_method":
		if a.Command != "search_class_method" || a.Class == "" {
			if res, ok := needName(); !ok {
				return res, nil
			}
		}
	case "get_definition", "find_references":
		if !atPosition {
			if res, ok := needName(); !ok {
				return res, nil
			}
		}
	case "outline":
		if a.Path == "" {
			return tools.Errorf("outline needs path, the file to outline"), nil
		}
	}

	ix, err := t.index(ctx)
	if err != nil {
		if ctxErr := context.Cause(ctx); ctxErr != nil {
			return tools.Result{}, ctxErr
		}
		return tools.Errorf("the index could not be built: %v", err), nil
	}
	var local string
	if a.Path != "" {
		if local, err = t.ws.Resolve(a.Path); err != nil {
			return tools.Errorf("%v", err), nil
		}
	}

	var b strings.Builder
	switch a.Command {
	case "search_function", "search_class", "search_class_method":
		kinds := []Kind{Function, Method}
		what := "function"
		switch a.Command {
		case "search_class":
			kinds, what = []Kind{Class, Struct, Interface, Trait, Enum, Union, Type}, "class"
		case "search_class_method":
			kinds, what = []Kind{Method}, "method"
		}
		parent, name := splitQualified(a.Identifier)
		if a.Class != "" {
			parent = lastPart(a.Class)
		}
		var syms []Symbol
		var used Match
		if name == "" {
			syms, used = ix.Methods(parent), Exact
		} else {
			syms, used = searchLoosening(ix, Query{Name: name, Match: match, Kinds: kinds, Parent: parent})
		}
		if len(syms) == 0 {
			fmt.Fprintf(&b, "No %s matches %q, even loosely.", what, a.Identifier+a.Class)
			if a.Command == "search_function" {
				b.WriteString(" If it is a method, try search_class_method; to search all names, try another spelling or match=fuzzy.")
			}
			return tools.Result{Content: b.String()}, nil
		}
		if used != match {
			fmt.Fprintf(&b, "No %s is named exactly %q; %s matches:\n", what, name, used)
		}
		writeSymbols(&b, t.ws.Root(), syms, a.PrintBody)
	case "get_definition":
		var syms []Symbol
		if atPosition {
			var ref Reference
			syms, ref, err = ix.DefinitionAt(local, a.Line, a.Column)
			if err != nil {
				return tools.Errorf("%v", strings.TrimPrefix(err.Error(), "ckg: ")), nil
			}
			a.Identifier = ref.Name
		} else {
			syms = ix.Definitions(a.Identifier)
		}
		if len(syms) == 0 {
			fmt.Fprintf(&b, "No definition of %q in the repository (it may come from a library or the language).", a.Identifier)
			return tools.Result{Content: b.String()}, nil
		}
		writeSymbols(&b, t.ws.Root(), syms, a.PrintBody)
	case "find_references":
		var refs []Reference
		if atPosition {
			var ref Reference
			refs, ref, err = ix.ReferencesAt(local, a.Line, a.Column)
			if err != nil {
				return tools.Errorf("%v", strings.TrimPrefix(err.Error(), "ckg: ")), nil
			}
			a.Identifier = ref.Name
		} else {
			refs = ix.References(a.Identifier)
		}
		if len(refs) == 0 {
			fmt.Fprintf(&b, "No uses of %q found.", a.Identifier)
			return tools.Result{Content: b.String()}, nil
		}
		writeRefs(&b, refs)
	case "outline":
		syms, err := ix.Outline(local)
		if err != nil {
			return tools.Errorf("%v", strings.TrimPrefix(err.Error(), "ckg: ")), nil
		}
		if len(syms) == 0 {
			return tools.Result{Content: "The file defines nothing the index reads (functions, classes, types)."}, nil
		}
		writeOutline(&b, syms)
	default:
		return tools.Errorf("unknown command %q", a.Command), nil
	}
	return tools.Result{Content: clipOutput(b.String())}, nil
}

// searchLoosening runs q, and when nothing matches an exact query, the
// looser matches in turn. It returns the results and the match used.
func searchLoosening(ix *Index, q Query) ([]Symbol, Match) {
	order := []Match{q.Match}
	if q.Match == Exact {
		order = []Match{Exact, IgnoreCase, Prefix, Substring, Fuzzy}
	}
	for _, m := range order {
		q.Match = m
		if syms := ix.Search(q); len(syms) > 0 {
			return syms, m
		}
	}
	return nil, q.Match
}

func writeSymbols(b *strings.Builder, root string, syms []Symbol, body bool) {
	for i, s := range syms {
		if i == maxToolResults {
			fmt.Fprintf(b, "… and %d more; narrow with Class.name, a more exact name, or search_class_method with class.\n", len(syms)-i)
			break
		}
		fmt.Fprintf(b, "%s:%d-%d %s %s", s.Path, s.StartLine, s.EndLine, s.Kind, s.QualifiedName())
		if s.Signature != "" {
			fmt.Fprintf(b, ": %s", s.Signature)
		}
		b.WriteByte('\n')
		if s.Doc != "" {
			doc, _, more := strings.Cut(s.Doc, "\n")
			if more {
				doc += " …"
			}
			fmt.Fprintf(b, "    %s\n", clip(doc, 200))
		}
		if body {
			writeBody(b, filepath.Join(root, filepath.FromSlash(s.Path)), s.StartLine, s.EndLine)
		}
	}
}

// writeBody prints lines start..end of a file, numbered, clipped.
func writeBody(b *strings.Builder, path string, start, end int) {
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(b, "    (cannot read the source: %v)\n", err)
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan() && n <= end; n++ {
		if n < start {
			continue
		}
		if n-start == maxBodyLines {
			fmt.Fprintf(b, "    … %d more lines; view the file for the rest\n", end-n+1)
			return
		}
		fmt.Fprintf(b, "%6d\t%s\n", n, sc.Text())
	}
}

func writeRefs(b *strings.Builder, refs []Reference) {
	calls := 0
	for _, r := range refs {
		if r.Call {
			calls++
		}
	}
	plural := "s"
	if calls == 1 {
		plural = ""
	}
	fmt.Fprintf(b, "Uses: %d (%d call%s)\n", len(refs), calls, plural)
	for i, r := range refs {
		if i == maxToolResults*3 {
			fmt.Fprintf(b, "… and %d more; narrow with Class.name or ask at a position (path, line, column) to keep only uses of that definition.\n", len(refs)-i)
			break
		}
		fmt.Fprintf(b, "%s:%d:%d", r.Path, r.Line, r.Column)
		if r.Qualifier != "" && r.Qualifier != "." {
			fmt.Fprintf(b, " %s.%s", r.Qualifier, r.Name)
		}
		if r.Call {
			b.WriteString(" (call)")
		}
		if r.Scope != "" {
			fmt.Fprintf(b, " in %s", r.Scope)
		}
		b.WriteByte('\n')
	}
}

// writeOutline prints a file's definitions, members indented under their
// parents.
func writeOutline(b *strings.Builder, syms []Symbol) {
	for _, s := range syms {
		indent := ""
		if s.Parent != "" {
			indent = "  "
		}
		sig := s.Signature
		if sig == "" {
			sig = s.Name
		}
		fmt.Fprintf(b, "%s%d-%d %s %s\n", indent, s.StartLine, s.EndLine, s.Kind, sig)
	}
}

func clipOutput(s string) string {
	if len(s) <= maxToolOutput {
		return s
	}
	cut := strings.LastIndexByte(s[:maxToolOutput], '\n') + 1
	return s[:cut] + fmt.Sprintf("… output clipped (%d more characters); narrow the query: a qualified name (Class.name), a kind-specific command, or a position.\n", len(s)-cut)
}

var _ tools.Tool = (*Tool)(nil)
