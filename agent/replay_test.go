package agent_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/replay"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/edit"
	"github.com/conclave-dev/conclave/tools/think"
)

// toolCalls lists the tool calls of a run as JSON, in order.
func toolCalls(t *testing.T, run *agent.Run) string {
	var calls []llm.ToolCall
	for _, s := range run.Steps {
		for _, tr := range s.Tools {
			calls = append(calls, tr.Call)
		}
	}
	b, err := json.Marshal(calls)
	require.NoError(t, err)
	return string(b)
}

func TestRecordedRunReplays(t *testing.T) {
	files := map[string]string{"calc.py": buggy, "test_calc.py": testPy}
	dir, _ := gittest.Repo(t, files)
	var rec bytes.Buffer
	a := &agent.Agent{Model: llm.Chain(fixScript(t), replay.Record(&rec)), Tools: coderTools(t, dir, nil), System: "Fix the bug."}
	recorded, err := a.Run(t.Context(), "add(2, 3) returns -1")
	require.NoError(t, err)

	// The same agent on a fresh checkout, driven by the recording.
	dir2, _ := gittest.Repo(t, files)
	player, err := replay.Load(bytes.NewReader(rec.Bytes()))
	require.NoError(t, err)
	player.Check = true
	b := &agent.Agent{Model: player, Tools: coderTools(t, dir2, nil), System: "Fix the bug."}
	replayed, err := b.Run(t.Context(), "add(2, 3) returns -1")
	require.NoError(t, err)
	assert.Equal(t, recorded.Reason, replayed.Reason)
	assert.Equal(t, recorded.Final, replayed.Final)
	assert.Equal(t, toolCalls(t, recorded), toolCalls(t, replayed))
	for name := range files {
		assert.Equal(t, readFile(t, dir, name), readFile(t, dir2, name), name)
	}
	assert.Zero(t, player.Remaining())

	// An agent that changed (no bash any more) leaves the recorded path:
	// the replay names where.
	dir3, _ := gittest.Repo(t, files)
	ws, err := tools.NewLocal(dir3, nil)
	require.NoError(t, err)
	set, err := tools.NewSet(edit.New(ws, nil), think.NewTaskDone(nil))
	require.NoError(t, err)
	player, err = replay.Load(bytes.NewReader(rec.Bytes()))
	require.NoError(t, err)
	player.Check = true
	c := &agent.Agent{Model: player, Tools: set, System: "Fix the bug."}
	run, err := c.Run(t.Context(), "add(2, 3) returns -1")
	var mm *replay.MismatchError
	require.ErrorAs(t, err, &mm)
	assert.Equal(t, "tools[1].name", mm.Path)
	assert.Equal(t, "bash", mm.Recorded)
	assert.Equal(t, agent.StopError, run.Reason)
}
