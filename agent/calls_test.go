package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/think"
)

type indexArgs struct {
	I int `json:"i"`
}

func TestParallelCallsRunConcurrentlyAndAnswerInOrder(t *testing.T) {
	const n = 3
	var (
		arrived  sync.WaitGroup
		finished [n]chan struct{}
	)
	arrived.Add(n)
	for i := range finished {
		finished[i] = make(chan struct{})
	}
	allIn := make(chan struct{})
	go func() { arrived.Wait(); close(allIn) }()
	wait := tools.NewFunc("wait", "", func(ctx context.Context, a indexArgs) (tools.Result, error) {
		arrived.Done()
		select { // every call is in flight at once, or none gets past here
		case <-allIn:
		case <-ctx.Done():
			return tools.Result{}, ctx.Err()
		}
		if a.I+1 < n { // finish in reverse call order
			select {
			case <-finished[a.I+1]:
			case <-ctx.Done():
				return tools.Result{}, ctx.Err()
			}
		}
		close(finished[a.I])
		return tools.Result{Content: fmt.Sprint("result ", a.I)}, nil
	})
	set, err := tools.NewSet(wait, think.NewTaskDone(nil))
	require.NoError(t, err)
	model := llmtest.NewScript(
		llmtest.CallTools("wait", `{"i":0}`, "wait", `{"i":1}`, "wait", `{"i":2}`),
		llmtest.CallTools("task_done", `{}`),
	)
	a := &agent.Agent{Model: model, Tools: set, ToolTimeout: time.Minute}
	run, err := a.Run(t.Context(), "task")
	require.NoError(t, err)
	require.Equal(t, agent.StopDone, run.Reason)
	results := model.Requests()[1].Messages[2].Parts
	require.Len(t, results, n)
	for i, p := range results {
		assert.Equal(t, fmt.Sprint("call_", i+1), p.ToolResult.CallID)
		assert.Equal(t, fmt.Sprint("result ", i), p.ToolResult.Content)
		assert.False(t, p.ToolResult.IsError)
	}
}

func TestCallsOfOneFileRunInOrder(t *testing.T) {
	dir, _ := gittest.Repo(t, map[string]string{"a.txt": "one\n"})
	var seen string
	guard := func(context.Context, string) (string, error) {
		seen = readFile(t, dir, "b.txt")
		return "", nil
	}
	model := llmtest.NewScript(llmtest.CallTools(
		"str_replace_editor", `{"command":"create","path":"b.txt","file_text":"x\n"}`,
		"str_replace_editor", `{"command":"str_replace","path":"b.txt","old_str":"x","new_str":"y"}`,
		"str_replace_editor", `{"command":"view","path":"b.txt"}`,
		"str_replace_editor", `{"command":"str_replace","path":"a.txt","old_str":"one","new_str":"two"}`,
		"task_done", `{"summary":"done"}`,
		"str_replace_editor", `{"command":"str_replace","path":"a.txt","old_str":"two","new_str":"three"}`,
	))
	a := &agent.Agent{Model: model, Tools: coderTools(t, dir, guard)}
	run, err := a.Run(t.Context(), "task")
	require.NoError(t, err)
	assert.Equal(t, agent.StopDone, run.Reason)
	assert.Equal(t, "done", run.Final)
	assert.Equal(t, "y\n", seen, "task_done ran after the edits before it")
	assert.Equal(t, "y\n", readFile(t, dir, "b.txt"))
	assert.Contains(t, run.Steps[0].Tools[2].Content, "y")
	assert.Equal(t, "two\n", readFile(t, dir, "a.txt"), "the edit after task_done did not run")
	last := run.Steps[0].Tools[5]
	assert.Equal(t, agent.FailNotRun, last.Failure)
	assert.True(t, last.IsError)
}

func TestFailedCallsAreResults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		panicky := tools.NewFunc("panicky", "", func(context.Context, struct{}) (tools.Result, error) {
			panic("nil map")
		})
		hang := tools.NewFunc("hang", "", func(ctx context.Context, _ struct{}) (tools.Result, error) {
			<-ctx.Done()
			return tools.Result{}, context.Cause(ctx)
		})
		fine := tools.NewFunc("fine", "", func(context.Context, struct{}) (tools.Result, error) {
			return tools.Result{Content: "ok"}, nil
		})
		set, err := tools.NewSet(panicky, hang, fine, think.NewTaskDone(nil))
		require.NoError(t, err)
		model := llmtest.NewScript(
			llmtest.CallTools("nope", `{}`, "fine", `{"unclosed":`, "panicky", `{}`, "hang", `{}`),
			llmtest.CallTools("fine", `{}`),
			llmtest.CallTools("task_done", `{}`),
		)
		a := &agent.Agent{Model: model, Tools: set, ToolTimeout: 30 * time.Second}
		start := time.Now()
		run, err := a.Run(t.Context(), "task")
		require.NoError(t, err)
		assert.Equal(t, agent.StopDone, run.Reason)
		assert.Equal(t, 30*time.Second, time.Since(start), "the hanging call was stopped at its timeout")

		want := []struct {
			failure agent.Failure
			text    string
		}{
			{agent.FailUnknownTool, `no tool named "nope"`},
			{agent.FailBadArgs, "not valid JSON"},
			{agent.FailPanic, "nil map"},
			{agent.FailTimeout, "did not finish within 30s"},
		}
		runs := run.Steps[0].Tools
		require.Len(t, runs, len(want))
		for i, w := range want {
			assert.Equal(t, w.failure, runs[i].Failure, i)
			assert.True(t, runs[i].IsError, i)
			assert.Contains(t, runs[i].Content, w.text, i)
		}
		results := model.Requests()[1].Messages[2].Parts
		require.Len(t, results, len(want))
		for i, p := range results {
			assert.True(t, p.ToolResult.IsError)
			assert.Equal(t, runs[i].Content, p.ToolResult.Content)
		}
		assert.Equal(t, "ok", run.Steps[1].Tools[0].Content, "the run went on")
	})
}

func TestToolGoErrorEndsTheRun(t *testing.T) {
	broken := tools.NewFunc("broken", "", func(context.Context, struct{}) (tools.Result, error) {
		return tools.Result{}, fmt.Errorf("the workspace is gone")
	})
	set, err := tools.NewSet(broken)
	require.NoError(t, err)
	a := &agent.Agent{Model: llmtest.NewScript(llmtest.CallTools("broken", `{}`)), Tools: set}
	run, err := a.Run(t.Context(), "task")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the workspace is gone")
	assert.Equal(t, agent.StopError, run.Reason)
	assert.Len(t, run.Steps, 1)
}

func TestMissingCallIDsAreFilled(t *testing.T) {
	fine := tools.NewFunc("fine", "", func(context.Context, struct{}) (tools.Result, error) {
		return tools.Result{Content: "ok"}, nil
	})
	set, err := tools.NewSet(fine, think.NewTaskDone(nil))
	require.NoError(t, err)
	noID := func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
		return &llm.Response{Message: llm.Message{Parts: []llm.Part{llm.ToolCallPart("", "fine", json.RawMessage(`{}`))}}, StopReason: llm.StopToolUse}, nil
	}
	model := llmtest.NewScript(noID, llmtest.CallTools("task_done", `{}`))
	run, err := (&agent.Agent{Model: model, Tools: set}).Run(t.Context(), "task")
	require.NoError(t, err)
	assert.Equal(t, agent.StopDone, run.Reason)
	msgs := model.Requests()[1].Messages
	id := msgs[1].ToolCalls()[0].ID
	assert.NotEmpty(t, id)
	assert.Equal(t, id, msgs[2].Parts[0].ToolResult.CallID)
	assert.True(t, strings.HasPrefix(id, "call_1_"))
}
