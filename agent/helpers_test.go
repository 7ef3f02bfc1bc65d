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
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/bash"
	"github.com/conclave-dev/conclave/tools/edit"
	"github.com/conclave-dev/conclave/tools/think"
)

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
