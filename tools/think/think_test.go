package think_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/think"
	"github.com/conclave-dev/conclave/tools/toolstest"
)

func run(t testing.TB, tool tools.Tool, args string) tools.Result {
	t.Helper()
	res, err := tool.Run(t.Context(), json.RawMessage(args))
	require.NoError(t, err)
	require.NotEmpty(t, res.Content)
	return res
}

func TestConformance(t *testing.T) {
	toolstest.TestTool(t, think.NewSequential(), json.RawMessage(`{"thought":"first"}`))
}

func TestTaskDoneConformance(t *testing.T) {
	done := think.NewTaskDone(nil)
	toolstest.TestTool(t, done, json.RawMessage(`{"summary":"x"}`))
	res, err := done.Run(t.Context(), nil)
	require.NoError(t, err)
	assert.True(t, res.Done, "no arguments at all is a valid call")
}

func TestSequentialSchema(t *testing.T) {
	var s struct {
		Required   []string `json:"required"`
		Properties map[string]struct {
			Type        any    `json:"type"`
			Description string `json:"description"`
		} `json:"properties"`
	}
	require.NoError(t, json.Unmarshal(think.NewSequential().Spec().Schema, &s))
	assert.Equal(t, []string{"thought"}, s.Required)
	assert.Len(t, s.Properties, 9)
	for name, p := range s.Properties {
		assert.NotEmpty(t, p.Description, name)
		assert.IsType(t, "", p.Type, "%s has one plain type", name)
	}
}

func TestSequentialHistory(t *testing.T) {
	s := think.NewSequential()
	steps := []struct {
		args, status string
	}{
		{`{"thought":"read the issue","thought_number":1,"total_thoughts":3,"next_thought_needed":true}`,
			"Recorded thought 1 of 3. History: 1 thoughts. Next thought needed."},
		{`{"thought":"the bug is in parse"}`,
			"Recorded thought 2 of 3. History: 2 thoughts. Next thought needed."},
		{`{"thought":"no: the bug is in lex","is_revision":true,"revises_thought":2}`,
			"Recorded thought 3 of 3, revising thought 2. History: 3 thoughts. Thinking complete."},
		{`{"thought":"try a table instead","branch_from_thought":1,"branch_id":"table"}`,
			`Recorded thought 2 of 3, on branch "table" from thought 1. History: 4 thoughts; branches: table. Next thought needed.`},
		{`{"thought":"the table is simpler","branch_id":"table","needs_more_thoughts":true}`,
			`Recorded thought 3 of 4, on branch "table" from thought 1. History: 5 thoughts; branches: table. Next thought needed.`},
		{`{"thought":"settled","thought_number":7,"total_thoughts":5,"next_thought_needed":false}`,
			"Recorded thought 7 of 7. History: 6 thoughts; branches: table. Thinking complete."},
	}
	for _, st := range steps {
		res := run(t, s, st.args)
		assert.False(t, res.IsError, res.Content)
		assert.False(t, res.Done)
		assert.Equal(t, st.status, res.Content)
	}
	h := s.History()
	require.Len(t, h, 6)
	assert.Equal(t, think.Thought{Number: 3, Total: 3, Text: "no: the bug is in lex", Revises: 2}, h[2])
	assert.Equal(t, think.Thought{Number: 3, Total: 4, Text: "the table is simpler", NextNeeded: true, BranchFrom: 1, Branch: "table", NeedsMore: true}, h[4])
	assert.Equal(t, []string{"table"}, s.Branches())

	h[0].Text = "changed"
	assert.Equal(t, "read the issue", s.History()[0].Text, "History returns a copy")
}

func TestSequentialBadReferences(t *testing.T) {
	tests := []struct{ args, want string }{
		{`{"thought":" "}`, "thought is empty"},
		{`{"thought":"x","revises_thought":9}`, "revises_thought 9 does not exist; the recorded thoughts are numbered 1, 2"},
		{`{"thought":"x","is_revision":true}`, "give the number of the thought you revise"},
		{`{"thought":"x","branch_from_thought":5,"branch_id":"b"}`, "branch_from_thought 5 does not exist"},
		{`{"thought":"x","branch_from_thought":1}`, "branch_from_thought needs branch_id"},
		{`{"thought":"x","branch_id":"nope"}`, `branch "nope" does not exist; start it with branch_from_thought`},
		{`{"thought":"x","branch_id":"alt","branch_from_thought":2}`, `branch "alt" already starts from thought 1, not 2`},
		{`{"thought":"x","thought_number":0}`, "thought_number"},
		{`{"thought":"x","total_thoughts":-1}`, "total_thoughts"},
		{`{"thought":"x","next_thought_needed":"yes"}`, "next_thought_needed"},
		{`{}`, "thought"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			s := think.NewSequential()
			run(t, s, `{"thought":"one"}`)
			run(t, s, `{"thought":"two"}`)
			run(t, s, `{"thought":"alt","branch_from_thought":1,"branch_id":"alt"}`)
			res := run(t, s, tt.args)
			assert.True(t, res.IsError)
			assert.Contains(t, res.Content, tt.want)
			assert.Len(t, s.History(), 3, "a refused thought is not recorded")
		})
	}
	t.Run("empty history", func(t *testing.T) {
		res := run(t, think.NewSequential(), `{"thought":"x","revises_thought":1}`)
		assert.True(t, res.IsError)
		assert.Contains(t, res.Content, "no thought is recorded yet")
	})
}

func TestSequentialConcurrent(t *testing.T) {
	s := think.NewSequential()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			res, err := s.Run(t.Context(), json.RawMessage(fmt.Sprintf(`{"thought":"t%d"}`, i)))
			assert.NoError(t, err)
			assert.False(t, res.IsError)
		})
	}
	wg.Wait()
	h := s.History()
	require.Len(t, h, 20)
	for i, th := range h {
		assert.Equal(t, i+1, th.Number, "numbers follow the order calls were recorded in")
	}
}

func TestTaskDone(t *testing.T) {
	res := run(t, think.NewTaskDone(nil), `{"summary":"Fixed the off-by-one in parse."}`)
	assert.Equal(t, tools.Result{Content: "Fixed the off-by-one in parse.", Done: true}, res)

	res, err := think.NewTaskDone(nil).Run(t.Context(), json.RawMessage(`{}`))
	require.NoError(t, err)
	assert.Equal(t, tools.Result{Done: true}, res, "the summary is optional")

	var schema map[string]any
	require.NoError(t, json.Unmarshal(think.NewTaskDone(nil).Spec().Schema, &schema))
	assert.Nil(t, schema["required"], "task_done needs no argument")
}

func TestTaskDoneGuard(t *testing.T) {
	patched := false
	var summaries []string
	done := think.NewTaskDone(func(ctx context.Context, summary string) (string, error) {
		summaries = append(summaries, summary)
		if !patched {
			return "The patch is empty: change the code to fix the issue, then call task_done again.", nil
		}
		return "", nil
	})
	res := run(t, done, `{"summary":"nothing to do"}`)
	assert.Equal(t, tools.Result{Content: "The patch is empty: change the code to fix the issue, then call task_done again.", IsError: true}, res)

	patched = true
	res = run(t, done, `{"summary":"fixed"}`)
	assert.Equal(t, tools.Result{Content: "fixed", Done: true}, res)
	assert.Equal(t, []string{"nothing to do", "fixed"}, summaries)

	broken := errors.New("git diff failed")
	failing := think.NewTaskDone(func(context.Context, string) (string, error) { return "", broken })
	_, err := failing.Run(t.Context(), json.RawMessage(`{}`))
	assert.ErrorIs(t, err, broken, "a failing guard stops the run")
	assert.ErrorContains(t, err, "think: task_done guard")
}

func FuzzSequentialArgs(f *testing.F) {
	for _, s := range []string{
		`{"thought":"a","thought_number":1,"total_thoughts":2,"next_thought_needed":true}`,
		`{"thought":"b","is_revision":true,"revises_thought":1}`,
		`{"thought":"c","branch_from_thought":1,"branch_id":"x"}`,
		`{"thought":"d","branch_id":"x","needs_more_thoughts":true}`,
		`{"thought":null}`,
	} {
		f.Add([]byte(s))
	}
	s := think.NewSequential()
	f.Fuzz(func(t *testing.T, args []byte) {
		before := len(s.History())
		res, err := s.Run(context.Background(), args)
		require.NoError(t, err)
		require.NotEmpty(t, res.Content)
		h := s.History()
		if res.IsError {
			assert.Len(t, h, before, "a refused thought is not recorded")
			return
		}
		require.Len(t, h, before+1)
		last := h[len(h)-1]
		assert.GreaterOrEqual(t, last.Number, 1)
		assert.GreaterOrEqual(t, last.Total, last.Number)
		if last.Revises != 0 {
			assert.Contains(t, numbers(h[:before]), last.Revises, "revisions name recorded thoughts")
		}
		if last.Branch != "" {
			assert.Contains(t, numbers(h[:before]), last.BranchFrom, "branches start from recorded thoughts")
		}
	})
}

func numbers(h []think.Thought) []int {
	var n []int
	for _, t := range h {
		n = append(n, t.Number)
	}
	return n
}

func FuzzTaskDoneArgs(f *testing.F) {
	f.Add([]byte(`{"summary":"done"}`))
	f.Add([]byte(`{"summary":null}`))
	f.Add([]byte(`{}`))
	d := think.NewTaskDone(nil)
	f.Fuzz(func(t *testing.T, args []byte) {
		res, err := d.Run(context.Background(), args)
		require.NoError(t, err)
		assert.NotEqual(t, res.IsError, res.Done, "a call either ends the task or is an error")
		if res.Done && len(bytes.TrimSpace(args)) > 0 {
			var a map[string]any
			require.NoError(t, json.Unmarshal(args, &a))
			if s, ok := a["summary"].(string); ok {
				assert.Equal(t, s, res.Content)
			}
		}
	})
}
