package agent_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/internal/gitx"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/bash"
	"github.com/conclave-dev/conclave/tools/edit"
	"github.com/conclave-dev/conclave/tools/think"
)

// repo makes a git repository holding files in one commit and returns its
// directory and the commit.
func repo(t testing.TB, files map[string]string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	git := func(args ...string) string {
		out, err := gitx.Git(t.Context(), dir, args...)
		require.NoError(t, err)
		return out
	}
	git("init", "-q", "-b", "main")
	git("config", "user.email", "test@example.com")
	git("config", "user.name", "Test")
	for name, body := range files {
		writeFile(t, dir, name, body)
	}
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	return dir, git("rev-parse", "HEAD")[:40]
}

func writeFile(t testing.TB, dir, name, body string) {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
}

func readFile(t testing.TB, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return string(b)
}

// coderTools returns the Coder's real tools over dir: the editor, bash and
// task_done (with guard), closed when the test ends.
func coderTools(t testing.TB, dir string, guard think.Guard) *tools.Set {
	t.Helper()
	ws, err := tools.NewLocal(dir, nil)
	require.NoError(t, err)
	sh, err := bash.New(ws, nil)
	require.NoError(t, err)
	set, err := tools.NewSet(edit.New(ws, nil), sh, think.NewTaskDone(guard))
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, set.Close()) })
	return set
}

// args encodes v as tool arguments.
func args(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// events collects a run's events.
type events struct{ list []agent.Event }

func (e *events) observe(ev agent.Event) { e.list = append(e.list, ev) }

func (e *events) kinds() []agent.EventKind {
	var ks []agent.EventKind
	for _, ev := range e.list {
		ks = append(ks, ev.Kind)
	}
	return ks
}

// lines splits a JSONL buffer.
func lines(b *bytes.Buffer) [][]byte {
	return bytes.Split(bytes.TrimSuffix(b.Bytes(), []byte("\n")), []byte("\n"))
}
