package edit_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/edit"
	"github.com/conclave-dev/conclave/tools/toolstest"
)

func TestConformance(t *testing.T) {
	ed, root := newEditor(t, nil)
	writeFile(t, root, "a.txt", "hello\n")
	toolstest.TestTool(t, ed,
		json.RawMessage(`{"command":"view","path":"a.txt"}`),
		json.RawMessage(`{"command":"create","path":"b.txt","file_text":"x"}`),
		json.RawMessage(`{"command":"str_replace","path":"a.txt","old_str":"hello","new_str":"bye"}`),
		json.RawMessage(`{"command":"insert","path":"a.txt","insert_line":0,"new_str":"x"}`),
	)
	assert.Equal(t, "hello\n", readFile(t, root, "a.txt"), "nothing ran with a cancelled context")
	assert.NoFileExists(t, filepath.Join(root, "b.txt"))
}

func TestSchema(t *testing.T) {
	ed, root := newEditor(t, nil)
	spec := ed.Spec()
	assert.Equal(t, edit.Name, spec.Name)
	assert.Contains(t, spec.Description, root, "the model is told the root")
	var s struct {
		Required   []string `json:"required"`
		Properties map[string]struct {
			Type        any    `json:"type"`
			Description string `json:"description"`
			Enum        []any  `json:"enum"`
			MinItems    int    `json:"minItems"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(spec.Schema, &s))
	assert.Equal(t, []string{"command", "path"}, s.Required, "each command checks its own parameters")
	assert.Equal(t, []any{"view", "create", "str_replace", "insert", "undo_edit"}, s.Properties["command"].Enum)
	assert.Equal(t, 2, s.Properties["view_range"].MinItems)
	for name, p := range s.Properties {
		assert.NotEmpty(t, p.Description, name)
		assert.IsType(t, "", p.Type, "%s has one plain type", name)
	}
}

func TestUndo(t *testing.T) {
	ed, root := newEditor(t, nil)
	const v0 = "a\nb\nc\n"
	writeFile(t, root, "f", v0)
	succeed(t, ed, obj{"command": "str_replace", "path": "f", "old_str": "b", "new_str": "B"})
	v1 := readFile(t, root, "f")
	succeed(t, ed, obj{"command": "insert", "path": "f", "insert_line": 3, "new_str": "d"})
	v2 := readFile(t, root, "f")
	succeed(t, ed, obj{"command": "str_replace", "path": "f", "old_str": "a\n", "new_str": ""})
	require.Equal(t, "B\nc\nd\n", readFile(t, root, "f"))

	for _, want := range []string{v2, v1, v0} {
		out := succeed(t, ed, obj{"command": "undo_edit", "path": "f"})
		assert.Contains(t, out, "Undid the last edit of f")
		assert.Equal(t, want, readFile(t, root, "f"))
	}
	assert.Contains(t, refuse(t, ed, obj{"command": "undo_edit", "path": "f"}), "there is no edit of f to undo")
}

func TestUndoCreate(t *testing.T) {
	ed, root := newEditor(t, nil)
	succeed(t, ed, obj{"command": "create", "path": "d/new.go", "file_text": "package d\n"})
	succeed(t, ed, obj{"command": "str_replace", "path": "d/new.go", "old_str": "d", "new_str": "e"})
	succeed(t, ed, obj{"command": "undo_edit", "path": "d/new.go"})
	assert.Equal(t, "package d\n", readFile(t, root, "d/new.go"))
	assert.Contains(t, succeed(t, ed, obj{"command": "undo_edit", "path": "d/new.go"}), "the file is deleted")
	assert.NoFileExists(t, filepath.Join(root, "d/new.go"))
	assert.DirExists(t, filepath.Join(root, "d"))
	// The path is free again.
	succeed(t, ed, obj{"command": "create", "path": "d/new.go", "file_text": "again\n"})
}

func TestUndoRefusesAfterOutsideChange(t *testing.T) {
	ed, root := newEditor(t, nil)
	p := writeFile(t, root, "f", "a\nb\n")
	succeed(t, ed, obj{"command": "str_replace", "path": "f", "old_str": "a", "new_str": "A"})
	require.NoError(t, os.WriteFile(p, []byte("A\nb\nfrom a shell\n"), 0o644))
	assert.Contains(t, refuse(t, ed, obj{"command": "undo_edit", "path": "f"}), "has changed since this tool last edited it")
	assert.Equal(t, "A\nb\nfrom a shell\n", readFile(t, root, "f"), "the outside change is kept")

	require.NoError(t, os.Remove(p))
	assert.Contains(t, refuse(t, ed, obj{"command": "undo_edit", "path": "f"}), "no longer exists")
}

func TestUndoDepth(t *testing.T) {
	ed, root := newEditor(t, &edit.Options{UndoDepth: 2})
	writeFile(t, root, "f", "0\n")
	for i := range 3 {
		succeed(t, ed, obj{"command": "str_replace", "path": "f", "old_str": fmt.Sprint(i), "new_str": fmt.Sprint(i + 1)})
	}
	succeed(t, ed, obj{"command": "undo_edit", "path": "f"})
	succeed(t, ed, obj{"command": "undo_edit", "path": "f"})
	assert.Equal(t, "1\n", readFile(t, root, "f"))
	assert.Contains(t, refuse(t, ed, obj{"command": "undo_edit", "path": "f"}), "remembers the last 2 edits")
}

func TestPathsConfined(t *testing.T) {
	ed, root := newEditor(t, nil)
	outside := t.TempDir()
	writeFile(t, outside, "secret", "s\n")
	require.NoError(t, os.Symlink(outside, filepath.Join(root, "out")))
	for _, p := range []string{"..", "../x", "a/../../x", filepath.Join(outside, "secret"), "/etc/passwd", "out/secret", "out/new"} {
		for _, c := range []obj{
			{"command": "view"},
			{"command": "create", "file_text": "x"},
			{"command": "str_replace", "old_str": "s", "new_str": "t"},
			{"command": "insert", "insert_line": 0, "new_str": "t"},
			{"command": "undo_edit"},
		} {
			c["path"] = p
			assert.Contains(t, refuse(t, ed, c), "outside the workspace", "%s %s", c["command"], p)
		}
	}
	assert.Equal(t, "s\n", readFile(t, outside, "secret"))
	assert.NoFileExists(t, filepath.Join(outside, "new"))
}

func TestEditThroughSymlinkInsideRoot(t *testing.T) {
	ed, root := newEditor(t, nil)
	writeFile(t, root, "real.txt", "a\n")
	require.NoError(t, os.Symlink("real.txt", filepath.Join(root, "alias.txt")))
	succeed(t, ed, obj{"command": "str_replace", "path": "alias.txt", "old_str": "a", "new_str": "b"})
	assert.Equal(t, "b\n", readFile(t, root, "real.txt"), "the file the link points to is edited")
	info, err := os.Lstat(filepath.Join(root, "alias.txt"))
	require.NoError(t, err)
	assert.NotZero(t, info.Mode()&os.ModeSymlink, "the link stays a link")
	succeed(t, ed, obj{"command": "undo_edit", "path": "real.txt"}) // one history for both names
	assert.Equal(t, "a\n", readFile(t, root, "real.txt"))
}

func TestConcurrentEditsOfOneFile(t *testing.T) {
	ed, root := newEditor(t, nil)
	writeFile(t, root, "f", "end\n")
	const n = 16
	var wg sync.WaitGroup
	results := make([]tools.Result, n)
	for i := range n {
		wg.Go(func() {
			raw, _ := json.Marshal(obj{"command": "insert", "path": "f", "insert_line": 0, "new_str": fmt.Sprintf("line %d", i)})
			res, err := ed.Run(t.Context(), raw)
			assert.NoError(t, err)
			results[i] = res
		})
		wg.Go(func() {
			_, err := ed.Run(t.Context(), json.RawMessage(`{"command":"view","path":"f"}`))
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	for _, res := range results {
		assert.False(t, res.IsError, res.Content)
	}
	lines := strings.Split(strings.TrimSuffix(readFile(t, root, "f"), "\n"), "\n")
	require.Len(t, lines, n+1, "no insertion is lost")
	assert.Equal(t, "end", lines[n])
	for i := range n {
		assert.Contains(t, lines[:n], fmt.Sprintf("line %d", i))
	}
	for range n {
		succeed(t, ed, obj{"command": "undo_edit", "path": "f"})
	}
	assert.Equal(t, "end\n", readFile(t, root, "f"), "every edit was recorded and undone in order")
}

func TestUnknownCommand(t *testing.T) {
	ed, _ := newEditor(t, nil)
	assert.Contains(t, refuse(t, ed, obj{"command": "delete", "path": "a"}), "command")
	assert.Contains(t, refuse(t, ed, obj{"command": "view"}), "path")
}
