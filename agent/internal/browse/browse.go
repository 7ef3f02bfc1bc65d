// Package browse holds the read-only tools the judges and DeepDiscovery
// look at code with: view, a file or directory view that cannot change
// anything, and grep, a regular-expression search bounded in what it reads
// and what it returns. Walk is the tree walk both use, skipping what a
// code search should not read.
package browse

import (
	"context"
	"encoding/json"
	"io/fs"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/edit"
)

// skipDirs are directories of vendored or generated code a walk leaves out,
// as the code knowledge graph does; so are hidden ones.
var skipDirs = map[string]bool{
	"node_modules": true, "vendor": true, "bower_components": true, "jspm_packages": true,
	"__pycache__": true, "site-packages": true, "venv": true, "Pods": true,
}

// Skip reports whether a walk leaves out the directory named name.
func Skip(name string) bool { return strings.HasPrefix(name, ".") || skipDirs[name] }

// Walk calls fn for each regular file under dir in fsys (a workspace's
// root, typically), in lexical order, with its slash-separated path in
// fsys. Hidden entries and vendored directories are left out, symbolic
// links are not followed, and unreadable directories are passed over. It
// stops when fn returns false or ctx is done, returning ctx's cause in that
// case.
func Walk(ctx context.Context, fsys fs.FS, dir string, fn func(p string, d fs.DirEntry) bool) error {
	stop := false
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if stop {
			return fs.SkipAll
		}
		if err != nil {
			if d != nil && d.IsDir() && p != dir {
				return fs.SkipDir
			}
			return err
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if p != dir && Skip(d.Name()) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		if !fn(p, d) {
			stop = true
			return fs.SkipAll
		}
		return nil
	})
	if err != nil && ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

// ViewName is the name of the view tool.
const ViewName = "view"

type viewArgs struct {
	Path      string `json:"path" jsonschema:"the file or directory, relative to the repository root or absolute inside it"`
	ViewRange []int  `json:"view_range,omitempty" jsonschema:"a file's lines [start, end] to show, 1-based and inclusive; end -1 means to the end of the file"`
}

func (viewArgs) RefineSchema(s *jsonschema.Schema) {
	two := 2
	s.Properties["view_range"].MinItems = &two
	s.Properties["view_range"].MaxItems = &two
}

// View returns the view tool over ws: a file shown with line numbers, whole
// or a range of lines, or a directory listed two levels deep, exactly as the
// editor's view command shows them. It cannot change a file.
func View(ws tools.Workspace) tools.Tool {
	ed := edit.New(ws, nil)
	return tools.NewFunc(ViewName, "Shows a file with line numbers, whole or the lines of view_range, or lists a directory two levels deep. It changes nothing.",
		func(ctx context.Context, a viewArgs) (tools.Result, error) {
			cmd := map[string]any{"command": "view", "path": a.Path}
			if a.ViewRange != nil {
				cmd["view_range"] = a.ViewRange
			}
			b, err := json.Marshal(cmd)
			if err != nil {
				return tools.Result{}, err
			}
			return ed.Run(ctx, b)
		})
}
