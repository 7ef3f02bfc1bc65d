package browse_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent/internal/browse"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/toolstest"
)

func tree(t *testing.T, files map[string]string) *tools.Local {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	ws, err := tools.NewLocal(dir, nil)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return ws
}

func run(t *testing.T, tool tools.Tool, args any) tools.Result {
	t.Helper()
	b, err := json.Marshal(args)
	require.NoError(t, err)
	res, err := tool.Run(context.Background(), b)
	require.NoError(t, err)
	return res
}

func TestView(t *testing.T) {
	ws := tree(t, map[string]string{"a.py": "one\ntwo\nthree\n", "pkg/b.py": "x\n"})
	view := browse.View(ws)
	toolstest.TestTool(t, view, json.RawMessage(`{"path":"a.py"}`))

	res := run(t, view, map[string]any{"path": "a.py", "view_range": []int{2, 3}})
	assert.False(t, res.IsError, res.Content)
	assert.Contains(t, res.Content, "     2\ttwo\n     3\tthree")
	assert.NotContains(t, res.Content, "one")

	res = run(t, view, map[string]any{"path": "."})
	assert.Contains(t, res.Content, "pkg/")

	res = run(t, view, map[string]any{"path": "../x"})
	assert.True(t, res.IsError)

	// Only view: no argument can change a file.
	res = run(t, view, map[string]any{"path": "a.py", "command": "create", "file_text": "gone"})
	assert.True(t, res.IsError)
	b, err := os.ReadFile(filepath.Join(ws.Root(), "a.py"))
	require.NoError(t, err)
	assert.Equal(t, "one\ntwo\nthree\n", string(b))
}

func TestGrep(t *testing.T) {
	ws := tree(t, map[string]string{
		"calc.py":               "def add(a, b):\n    return a - b\n",
		"pkg/util.go":           "package pkg\n\nfunc Add(a, b int) int { return a + b }\n",
		".git/config":           "add = true\n",
		"node_modules/x/add.js": "function add() {}\n",
		"blob.bin":              "add\x00\x01",
	})
	grep := browse.Grep(ws)
	toolstest.TestTool(t, grep, json.RawMessage(`{"pattern":"add"}`))

	res := run(t, grep, map[string]any{"pattern": `\badd\b`})
	assert.False(t, res.IsError, res.Content)
	assert.Equal(t, "calc.py:1: def add(a, b):\n", res.Content, "hidden, vendored and binary files are skipped")

	res = run(t, grep, map[string]any{"pattern": "add", "ignore_case": true, "include": "*.go"})
	assert.Equal(t, "pkg/util.go:3: func Add(a, b int) int { return a + b }\n", res.Content)

	res = run(t, grep, map[string]any{"pattern": "add", "path": "pkg"})
	assert.Equal(t, "No line matches \"add\".", res.Content)

	for _, bad := range []map[string]any{
		{"pattern": "(unclosed"},
		{"pattern": "x", "path": "../.."},
		{"pattern": "x", "path": "missing"},
		{"pattern": "x", "include": "["},
		{"pattern": ""},
	} {
		assert.True(t, run(t, grep, bad).IsError, "%v", bad)
	}
}

func TestGrepBounds(t *testing.T) {
	files := map[string]string{"long.txt": strings.Repeat("é", 5000) + "\n"}
	for i := range 30 {
		files[fmt.Sprintf("f%02d.txt", i)] = strings.Repeat("match\n", 10)
	}
	ws := tree(t, files)
	res := run(t, browse.Grep(ws), map[string]any{"pattern": "match|é"})
	lines := strings.Split(strings.TrimSuffix(res.Content, "\n"), "\n")
	assert.Len(t, lines, 101, "100 matches and the note")
	assert.Contains(t, lines[100], "stopped after 100 matches")
	res = run(t, browse.Grep(ws), map[string]any{"pattern": "é", "include": "long.txt"})
	assert.Less(t, len([]rune(res.Content)), 250, "a long line is cut")
}
