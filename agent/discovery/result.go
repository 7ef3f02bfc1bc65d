package discovery

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/conclave-dev/conclave/tools"
)

// Result is DeepDiscovery's answer: the files related to the task, why
// each matters and the symbols in it that do, and how the files relate.
// It is what the tool returns, as JSON with these field names.
type Result struct {
	Files     []File     `json:"files"`
	Relations []Relation `json:"relations,omitempty"`
	// Summary says how the files fit together and where the change
	// belongs.
	Summary string `json:"summary"`
}

// File is one related file.
type File struct {
	// Path is relative to the repository root, slash-separated.
	Path string `json:"path"`
	// Why says what the file has to do with the task.
	Why string `json:"why"`
	// Symbols are the names defined or used in the file that matter to
	// the task: each occurs in the file.
	Symbols []string `json:"symbols"`
}

// Relation says how one listed file relates to another.
type Relation struct {
	From string       `json:"from"`
	To   string       `json:"to"`
	Kind RelationKind `json:"kind"`
	// Symbol names what the relation goes through, such as the function
	// called.
	Symbol string `json:"symbol,omitempty"`
}

// RelationKind is how two files relate.
type RelationKind string

const (
	Calls   RelationKind = "calls"   // code in From calls code in To
	Defines RelationKind = "defines" // From defines Symbol, a type or value To uses
	Imports RelationKind = "imports" // From imports To
	Tests   RelationKind = "tests"   // From tests To
)

// answerSchema is the JSON Schema of a Result, the subagent's submit
// arguments.
const answerSchema = `{
  "type": "object",
  "properties": {
    "files": {
      "type": "array",
      "minItems": 1,
      "description": "The files related to the task, the most important first.",
      "items": {
        "type": "object",
        "properties": {
          "path": {"type": "string", "description": "The file's path relative to the repository root."},
          "why": {"type": "string", "minLength": 1, "description": "What the file has to do with the task."},
          "symbols": {"type": "array", "items": {"type": "string"}, "description": "The functions, classes, methods or other names in the file that matter to the task; each must occur in the file."}
        },
        "required": ["path", "why", "symbols"],
        "additionalProperties": false
      }
    },
    "relations": {
      "type": "array",
      "description": "How the listed files relate to one another.",
      "items": {
        "type": "object",
        "properties": {
          "from": {"type": "string", "description": "A listed file's path."},
          "to": {"type": "string", "description": "Another listed file's path."},
          "kind": {"type": "string", "enum": ["calls", "defines", "imports", "tests"], "description": "calls: from calls code in to; defines: from defines symbol, a type or value to uses; imports: from imports to; tests: from tests to."},
          "symbol": {"type": "string", "description": "The name the relation goes through, such as the function called."}
        },
        "required": ["from", "to", "kind"],
        "additionalProperties": false
      }
    },
    "summary": {"type": "string", "minLength": 1, "description": "How the files fit together and where the change belongs, in a few sentences."}
  },
  "required": ["files", "summary"],
  "additionalProperties": false
}`

// maxFileRead bounds what validation reads of a file to check its symbols.
const maxFileRead = 4 << 20

// validate checks a submitted answer against the workspace: every file
// exists inside it (its path is rewritten relative to the root), is listed
// once and has a reason, every symbol occurs in its file, and relations
// join listed files. It returns the answer as the tool returns it, or what
// the subagent must fix.
func validate(ws tools.Workspace, raw string, maxFiles int) (*Result, string) {
	var r Result
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Sprintf("the answer is not a Result: %v", err)
	}
	var problems []string
	if len(r.Files) == 0 {
		problems = append(problems, "it lists no file")
	}
	if len(r.Files) > maxFiles {
		problems = append(problems, fmt.Sprintf("it lists %d files; keep the %d that matter most", len(r.Files), maxFiles))
	}
	listed := map[string]bool{}
	for i := range r.Files {
		f := &r.Files[i]
		rel, problem := fileIn(ws, f.Path)
		if problem != "" {
			problems = append(problems, problem)
			continue
		}
		if listed[rel] {
			problems = append(problems, fmt.Sprintf("%s is listed twice; list each file once", rel))
			continue
		}
		listed[rel] = true
		f.Path = rel
		if strings.TrimSpace(f.Why) == "" {
			problems = append(problems, fmt.Sprintf("%s has no reason; say why it matters", rel))
		}
		if missing := absent(ws, rel, f.Symbols); len(missing) > 0 {
			problems = append(problems, fmt.Sprintf("%s does not contain %s; list only symbols that occur in the file", rel, strings.Join(missing, ", ")))
		}
	}
	for i := range r.Relations {
		rel := &r.Relations[i]
		for _, end := range []*string{&rel.From, &rel.To} {
			p, problem := fileIn(ws, *end)
			if problem == "" && listed[p] {
				*end = p
				continue
			}
			problems = append(problems, fmt.Sprintf("relation %d names %s, which is not among the listed files; relate listed files only", i+1, *end))
		}
		switch rel.Kind {
		case Calls, Defines, Imports, Tests:
		default:
			problems = append(problems, fmt.Sprintf("relation %d has kind %q; use calls, defines, imports or tests", i+1, rel.Kind))
		}
	}
	if strings.TrimSpace(r.Summary) == "" {
		problems = append(problems, "the summary is empty")
	}
	if problems != nil {
		return nil, strings.Join(problems, "; ")
	}
	for i := range r.Files {
		if r.Files[i].Symbols == nil {
			r.Files[i].Symbols = []string{}
		}
	}
	return &r, ""
}

// fileIn returns p relative to the workspace root, slash-separated, if it
// names a regular file inside it, or what is wrong with it.
func fileIn(ws tools.Workspace, p string) (string, string) {
	rel, err := ws.Resolve(p)
	if err != nil {
		return "", fmt.Sprintf("%q: %v", p, err)
	}
	fi, err := ws.FS().Stat(rel)
	switch {
	case err != nil:
		return "", fmt.Sprintf("%s does not exist; list files of the repository, by their path from its root", p)
	case !fi.Mode().IsRegular():
		return "", fmt.Sprintf("%s is not a file", p)
	}
	return filepath.ToSlash(rel), ""
}

// absent returns the symbols whose name (the last part of a qualified
// name such as Class.method or pkg::f) does not occur as a word in the
// file at rel.
func absent(ws tools.Workspace, rel string, symbols []string) []string {
	if len(symbols) == 0 {
		return nil
	}
	f, err := ws.FS().Open(rel)
	if err != nil {
		return symbols
	}
	defer f.Close()
	text, err := io.ReadAll(io.LimitReader(f, maxFileRead))
	if err != nil {
		return symbols
	}
	var missing []string
	for _, s := range symbols {
		name := lastPart(s)
		if name == "" || !regexp.MustCompile(`(^|[^\w$])`+regexp.QuoteMeta(name)+`($|[^\w$])`).Match(text) {
			missing = append(missing, fmt.Sprintf("%q", s))
		}
	}
	return missing
}

// lastPart returns the last part of a qualified name, without call
// parentheses.
func lastPart(s string) string {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "()"))
	if i := strings.LastIndexAny(s, ".:>#/"); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// encode returns r as the tool's JSON answer.
func (r *Result) encode() string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(r)
	return strings.TrimSuffix(b.String(), "\n")
}
