package edit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/tools"
)

// Name is the tool's name, as the model calls it.
const Name = "str_replace_editor"

// Options configures an [Editor]. A nil *Options, and any field left zero
// or negative, means the default.
type Options struct {
	// MaxOutput is the number of characters (runes) of output after which
	// the result is clipped with a note saying how to see the rest (the
	// note comes on top). Default 16,000.
	MaxOutput int
	// SnippetLines is the number of lines shown before and after an edit.
	// Default 4.
	SnippetLines int
	// MaxFileSize is the size in bytes of the largest file that
	// str_replace, insert and undo_edit will load. view streams files and
	// has no limit. Default 64 MiB.
	MaxFileSize int64
	// UndoDepth is the number of edits remembered per file for undo_edit.
	// Default 20.
	UndoDepth int
}

func (o *Options) withDefaults() Options {
	var v Options
	if o != nil {
		v = *o
	}
	if v.MaxOutput <= 0 {
		v.MaxOutput = 16_000
	}
	if v.SnippetLines <= 0 {
		v.SnippetLines = 4
	}
	if v.MaxFileSize <= 0 {
		v.MaxFileSize = 64 << 20
	}
	if v.UndoDepth <= 0 {
		v.UndoDepth = 20
	}
	return v
}

// Editor is the str_replace_editor tool over a [tools.Workspace]; see the
// package documentation for its commands.
//
// An Editor is safe for concurrent use: edits of one file (found by its
// real path, symbolic links evaluated) are serialised by the workspace's
// lock, with every other Editor of the workspace too; edits of different
// files run in parallel, and views read without locking since every write
// is an atomic rename. The undo history lives in the Editor, so use one
// Editor per agent.
type Editor struct {
	ws   tools.Workspace
	opts Options
	fn   *tools.Func[args]
	seed maphash.Seed

	mu    sync.Mutex
	files map[string]*fileState // by path from the root, links evaluated
}

// fileState holds the history of the edits of one file, guarded by the
// workspace's lock of the file.
type fileState struct {
	history []change // oldest first
}

// New returns an Editor confined to ws. A nil opts means the defaults.
func New(ws tools.Workspace, opts *Options) *Editor {
	ed := &Editor{
		ws:    ws,
		opts:  opts.withDefaults(),
		seed:  maphash.MakeSeed(),
		files: make(map[string]*fileState),
	}
	ed.fn = tools.NewFunc(Name, description(ws.Root()), ed.run)
	return ed
}

// Spec describes the tool: its name, its instructions for the model and
// the JSON Schema of its arguments.
func (ed *Editor) Spec() llm.ToolSpec { return ed.fn.Spec() }

// Run runs one command. Every failure the model can react to (a bad path,
// no match, a binary file) is a Result with IsError set; the only Go error
// is the context's cause when ctx is done before the command completes.
func (ed *Editor) Run(ctx context.Context, raw json.RawMessage) (tools.Result, error) {
	return ed.fn.Run(ctx, raw)
}

func (ed *Editor) run(ctx context.Context, a args) (tools.Result, error) {
	if err := a.validate(); err != nil {
		return tools.Errorf("%v", err), nil
	}
	rel, err := ed.ws.Resolve(a.Path)
	if err != nil {
		return tools.Errorf("%v", err), nil
	}
	var out string
	switch a.Command {
	case "view":
		out, err = ed.view(ctx, rel, a.Path, a.ViewRange)
	case "create":
		out, err = ed.create(ctx, rel, a.Path, *a.FileText)
	case "str_replace":
		out, err = ed.replace(ctx, rel, a.Path, *a.OldStr, *a.NewStr)
	case "insert":
		out, err = ed.insert(ctx, rel, a.Path, *a.InsertLine, *a.NewStr)
	case "undo_edit":
		out, err = ed.undo(ctx, rel, a.Path)
	}
	if err != nil {
		if ctx.Err() != nil {
			return tools.Result{}, context.Cause(ctx)
		}
		return tools.Result{Content: clip(err.Error(), ed.opts.MaxOutput, ""), IsError: true}, nil
	}
	if a.Command != "view" { // view clips at line boundaries itself
		out = clip(out, ed.opts.MaxOutput, "")
	}
	return tools.Result{Content: out}, nil
}

// state returns the edit state of the file at rel, a path from Resolve.
func (ed *Editor) state(rel string) *fileState {
	ed.mu.Lock()
	defer ed.mu.Unlock()
	st := ed.files[rel]
	if st == nil {
		st = &fileState{}
		ed.files[rel] = st
	}
	return st
}

// args are the tool's arguments. The pointers tell a parameter left out
// from one given empty: new_str "" deletes, an absent new_str is a mistake.
type args struct {
	Command    string  `json:"command"`
	Path       string  `json:"path"`
	FileText   *string `json:"file_text,omitempty"`
	OldStr     *string `json:"old_str,omitempty"`
	NewStr     *string `json:"new_str,omitempty"`
	InsertLine *int    `json:"insert_line,omitempty"`
	ViewRange  []int   `json:"view_range,omitempty"`
}

// validate checks that the command has the parameters it needs and none
// it would ignore. An ignored parameter given empty is let through, since
// some models fill every parameter.
func (a *args) validate() error {
	needs := map[string][]string{
		"view":        nil,
		"create":      {"file_text"},
		"str_replace": {"old_str", "new_str"},
		"insert":      {"insert_line", "new_str"},
		"undo_edit":   nil,
	}[a.Command]
	given := map[string]bool{
		"file_text":   a.FileText != nil,
		"old_str":     a.OldStr != nil,
		"new_str":     a.NewStr != nil,
		"insert_line": a.InsertLine != nil,
	}
	filled := map[string]bool{
		"file_text":   a.FileText != nil && *a.FileText != "",
		"old_str":     a.OldStr != nil && *a.OldStr != "",
		"new_str":     a.NewStr != nil && *a.NewStr != "",
		"insert_line": a.InsertLine != nil && *a.InsertLine != 0,
		"view_range":  len(a.ViewRange) > 0,
	}
	for _, p := range needs {
		if !given[p] {
			if p == "new_str" && a.Command == "str_replace" {
				return errors.New(`str_replace needs new_str, the replacement text (give "" to delete old_str)`)
			}
			return fmt.Errorf("%s needs %s", a.Command, p)
		}
	}
	for _, p := range []string{"file_text", "old_str", "new_str", "insert_line", "view_range"} {
		used := p == "view_range" && a.Command == "view"
		for _, n := range needs {
			used = used || n == p
		}
		if filled[p] && !used {
			return fmt.Errorf("%s does not use %s; leave it out", a.Command, p)
		}
	}
	if a.Command == "str_replace" && *a.OldStr == "" {
		return errors.New("old_str is empty: give the exact text to replace, with enough lines around it to occur only once")
	}
	if a.Command == "str_replace" && *a.OldStr == *a.NewStr {
		return errors.New("new_str is the same as old_str, so there is nothing to change")
	}
	return nil
}

// RefineSchema adds the enum, bounds and descriptions struct tags cannot
// hold, and types the optional parameters plainly (not also null), since
// tools.Decode drops nulls anyway.
func (args) RefineSchema(s *jsonschema.Schema) {
	for name, text := range paramDocs {
		p := s.Properties[name]
		p.Description = text
		if p.Type == "" && len(p.Types) > 0 {
			for _, t := range p.Types {
				if t != "null" {
					p.Type = t
				}
			}
			p.Types = nil
		}
	}
	s.Properties["command"].Enum = []any{"view", "create", "str_replace", "insert", "undo_edit"}
	s.Properties["insert_line"].Minimum = new(float64)
	two := 2
	vr := s.Properties["view_range"]
	vr.MinItems, vr.MaxItems = &two, &two
}

var paramDocs = map[string]string{
	"command": "The command to run: view, create, str_replace, insert or undo_edit.",
	"path": "The file or directory, relative to the workspace root or absolute inside it, " +
		"e.g. pkg/parse.go.",
	"file_text": "create only: the whole content of the new file.",
	"old_str": "str_replace only: the exact text to replace, whitespace and indentation included, " +
		"copied from the file as view shows it (without the line numbers). It must occur exactly once: " +
		"include enough surrounding lines to make it unique.",
	"new_str": `str_replace: the text that replaces old_str ("" deletes it). ` +
		"insert: the lines to insert. Write line breaks as \\n; the file's own line endings are kept.",
	"insert_line": "insert only: the line after which new_str goes; 0 inserts at the top of the file.",
	"view_range": "view only, for a file: [start, end], the 1-based inclusive range of lines to show; " +
		"end -1 means to the end of the file. Leave it out to see the whole file.",
}

func description(root string) string {
	return `View, create and edit text files in the workspace, whose root is ` + root + `.
Commands:
- view: show a file with line numbers (like cat -n), or only the lines in view_range; for a directory, list its entries two levels deep (hidden ones left out).
- create: write a new file with file_text, making parent directories; an existing file is never overwritten.
- str_replace: replace old_str, which must occur exactly once in the file, with new_str. old_str must match the file exactly, whitespace included.
- insert: insert new_str as new lines after line insert_line (0 = at the top).
- undo_edit: revert the last edit this tool made to the file; repeat to go further back. Undoing a create deletes the file.
Notes: paths are relative to the root or absolute inside it. Tabs, CRLF line endings, a byte order mark and a missing final newline are kept; write old_str and new_str with \n line breaks. Long output is clipped: view a range of lines, or find line numbers with grep -n. After each edit a numbered snippet of the changed lines is shown: check it.`
}
