package edit_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/edit"
)

// newEditor returns an Editor over a fresh temporary workspace and the
// workspace's root.
func newEditor(t testing.TB, opts *edit.Options) (*edit.Editor, string) {
	t.Helper()
	ws := newWorkspace(t)
	return edit.New(ws, opts), ws.Root()
}

// newWorkspace returns a fresh temporary workspace, closed at the end of
// the test.
func newWorkspace(t testing.TB) *tools.Local {
	t.Helper()
	ws, err := tools.NewLocal(t.TempDir(), nil)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return ws
}

// obj is a tool call's arguments.
type obj map[string]any

func call(t testing.TB, ed *edit.Editor, args obj) tools.Result {
	t.Helper()
	raw, err := json.Marshal(args)
	require.NoError(t, err)
	res, err := ed.Run(t.Context(), raw)
	require.NoError(t, err)
	return res
}

// succeed runs a call that must succeed and returns its output.
func succeed(t testing.TB, ed *edit.Editor, args obj) string {
	t.Helper()
	res := call(t, ed, args)
	require.False(t, res.IsError, "call %v failed: %s", args, res.Content)
	require.NotEmpty(t, res.Content)
	return res.Content
}

// refuse runs a call that must fail with an error result and returns the
// message.
func refuse(t testing.TB, ed *edit.Editor, args obj) string {
	t.Helper()
	res := call(t, ed, args)
	require.True(t, res.IsError, "call %v succeeded: %s", args, res.Content)
	require.NotEmpty(t, res.Content)
	return res.Content
}

func writeFile(t testing.TB, root, name, content string) string {
	t.Helper()
	p := filepath.Join(root, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

func readFile(t testing.TB, root, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name))
	require.NoError(t, err)
	return string(b)
}
