package agent_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/mustpatch"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/tools"
)

const buggy = `def add(a, b):
    return a - b
`

const testPy = `import unittest

from calc import add


class TestAdd(unittest.TestCase):
    def test_add(self):
        self.assertEqual(add(2, 3), 5)


if __name__ == "__main__":
    unittest.main()
`

// fixScript is a model that views the bug, runs the tests, fixes the bug,
// runs the tests again and finishes.
func fixScript(t testing.TB) *llmtest.Script {
	return llmtest.NewScript(
		llmtest.CallTools("str_replace_editor", args(t, map[string]any{"command": "view", "path": "calc.py"})),
		llmtest.CallTools("bash", args(t, map[string]any{"command": "python3 -m unittest -q 2>&1 | tail -1"})),
		llmtest.CallTools("str_replace_editor", args(t, map[string]any{"command": "str_replace", "path": "calc.py", "old_str": "a - b", "new_str": "a + b"})),
		llmtest.CallTools("bash", args(t, map[string]any{"command": "python3 -m unittest -q 2>&1 | tail -1"})),
		llmtest.CallTools("task_done", args(t, map[string]any{"summary": "add subtracted; it adds now"})),
	)
}

func TestFixesABug(t *testing.T) {
	dir, _ := gittest.Repo(t, map[string]string{"calc.py": buggy, "test_calc.py": testPy})
	model := fixScript(t)
	var ev events
	a := &agent.Agent{Name: "coder", Model: model, Tools: coderTools(t, dir, nil), System: "Fix the bug.", Observer: ev.observe}

	run, err := a.Run(t.Context(), "add(2, 3) returns -1")
	require.NoError(t, err)
	assert.Equal(t, agent.StopDone, run.Reason)
	assert.Equal(t, "add subtracted; it adds now", run.Final)
	assert.Len(t, run.Steps, 5)
	assert.Equal(t, "def add(a, b):\n    return a + b\n", readFile(t, dir, "calc.py"))
	assert.Equal(t, testPy, readFile(t, dir, "test_calc.py"))

	// The model read the real tools' output.
	assert.Contains(t, run.Steps[0].Tools[0].Content, "return a - b")
	assert.Contains(t, run.Steps[1].Tools[0].Content, "FAILED")
	assert.Contains(t, run.Steps[3].Tools[0].Content, "OK")

	reqs := model.Requests()
	require.Len(t, reqs, 5)
	for _, req := range reqs {
		assert.Equal(t, "Fix the bug.", req.System)
		assert.Equal(t, "add(2, 3) returns -1", req.Messages[0].Text())
		assert.Equal(t, []string{"str_replace_editor", "bash", "task_done"}, toolNames(req))
	}
	assert.Len(t, reqs[4].Messages, 9)

	assert.Equal(t, agent.EventStart, ev.list[0].Kind)
	assert.Equal(t, agent.EventStop, ev.list[len(ev.list)-1].Kind)
	assert.Equal(t, agent.StopDone, ev.list[len(ev.list)-1].Stop.Reason)
	for _, e := range ev.list {
		assert.Equal(t, "coder", e.Agent)
	}
}

func toolNames(req *llm.Request) []string {
	var names []string
	for _, s := range req.Tools {
		names = append(names, s.Name)
	}
	return names
}

func TestEventOrder(t *testing.T) {
	dir, _ := gittest.Repo(t, map[string]string{"calc.py": buggy})
	var ev events
	a := &agent.Agent{
		Model: llmtest.NewScript(
			llmtest.Say("thinking aloud"),
			llmtest.CallTools("str_replace_editor", `{"command":"view","path":"calc.py"}`, "bash", `{"command":"true"}`),
			llmtest.CallTools("task_done", `{}`),
		),
		Tools:    coderTools(t, dir, nil),
		Observer: ev.observe,
	}
	run, err := a.Run(t.Context(), "task")
	require.NoError(t, err)
	assert.Equal(t, agent.StopDone, run.Reason)
	assert.Equal(t, []agent.EventKind{
		agent.EventStart,
		agent.EventStep, agent.EventModelCall, agent.EventNudge,
		agent.EventStep, agent.EventModelCall, agent.EventToolCall, agent.EventToolCall, agent.EventToolResult, agent.EventToolResult,
		agent.EventStep, agent.EventModelCall, agent.EventToolCall, agent.EventToolResult,
		agent.EventStop,
	}, ev.kinds())
	assert.Equal(t, agent.DefaultNudge, run.Steps[0].Nudge)
	for i, e := range ev.list[1:] {
		assert.False(t, e.Time.Before(ev.list[i].Time), "event %d is older than the one before it", i+1)
	}
}

func TestNudgesAreBounded(t *testing.T) {
	model := llmtest.NewScript()
	model.Fallback = llmtest.Say("I am done, I think.")
	a := &agent.Agent{Model: model, MaxNudges: 2}
	run, err := a.Run(t.Context(), "task")
	require.NoError(t, err)
	assert.Equal(t, agent.StopNoToolCall, run.Reason)
	assert.Len(t, run.Steps, 3)
	assert.Equal(t, "I am done, I think.", run.Final)

	a.MaxNudges = -1
	run, err = a.Run(t.Context(), "task")
	require.NoError(t, err)
	assert.Equal(t, agent.StopAnswered, run.Reason)
	assert.Len(t, run.Steps, 1)
}

func TestProviderErrorKeepsSteps(t *testing.T) {
	boom := &llm.APIError{Provider: "test", StatusCode: 500, Message: "down"}
	a := &agent.Agent{Model: llmtest.NewScript(
		llmtest.CallTools("nothing", `{}`),
		llmtest.Fail(boom),
	)}
	run, err := a.Run(t.Context(), "task")
	require.Error(t, err)
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, agent.StopError, run.Reason)
	assert.Equal(t, err, run.Err)
	require.Len(t, run.Steps, 2)
	assert.Equal(t, agent.FailUnknownTool, run.Steps[0].Tools[0].Failure)
	assert.Contains(t, run.Steps[1].Model.Error, "down")
}

func TestRefusal(t *testing.T) {
	a := &agent.Agent{Model: llmtest.NewScript(llmtest.Respond(&llm.Response{
		Message: llm.AssistantText("I can't help with that."), StopReason: llm.StopRefusal,
	}))}
	run, err := a.Run(t.Context(), "task")
	require.NoError(t, err)
	assert.Equal(t, agent.StopRefusal, run.Reason)
	assert.Equal(t, "I can't help with that.", run.Final)
}

func TestInvalidConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		a    agent.Agent
		want string
	}{
		{"NoModel", agent.Agent{}, "Model is nil"},
		{"NegativeSteps", agent.Agent{Model: llmtest.NewScript(), Limits: agent.Limits{Steps: -1}}, "Limits.Steps"},
		{"DollarsWithoutModelName", agent.Agent{Model: llmtest.NewScript(), Limits: agent.Limits{Dollars: 1}}, "ModelName"},
		{"DollarsWithoutPrice", agent.Agent{Model: llmtest.NewScript(), ModelName: "mystery", Limits: agent.Limits{Dollars: 1}}, "add it to Prices"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			run, err := tc.a.Run(t.Context(), "task")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, agent.StopError, run.Reason)
		})
	}
}

func TestHooks(t *testing.T) {
	dir, _ := gittest.Repo(t, map[string]string{"calc.py": buggy})
	model := llmtest.NewScript(
		llmtest.CallTools("bash", `{"command":"rm -rf /"}`, "bash", `{"command":"echo hello"}`),
		llmtest.CallTools("bash", `{"command":"echo secret-ish"}`),
		llmtest.CallTools("task_done", `{}`),
	)
	var sentSystems []string
	a := &agent.Agent{
		Model: model,
		Tools: coderTools(t, dir, nil),
		Hooks: agent.Hooks{
			BeforeModel: func(_ context.Context, req *llm.Request) error {
				req.System = "rewritten"
				sentSystems = append(sentSystems, req.System)
				return nil
			},
			BeforeTool: func(_ context.Context, call *llm.ToolCall) (*tools.Result, error) {
				if strings.Contains(string(call.Args), "rm -rf") {
					return &tools.Result{Content: "A person refused this command.", IsError: true}, nil
				}
				if strings.Contains(string(call.Args), "hello") {
					call.Args = []byte(`{"command":"echo rewritten"}`)
				}
				return nil, nil
			},
			AfterTool: func(_ context.Context, _ llm.ToolCall, res *tools.Result) error {
				res.Content = strings.ReplaceAll(res.Content, "secret-ish", "[hidden]")
				return nil
			},
			AfterModel: func(_ context.Context, _ *llm.Request, resp *llm.Response) error {
				if len(resp.Message.ToolCalls()) == 1 && resp.Message.ToolCalls()[0].Name == "task_done" {
					return fmt.Errorf("%w: enough for today", agent.ErrStop)
				}
				return nil
			},
		},
	}
	run, err := a.Run(t.Context(), "task")
	require.NoError(t, err)
	assert.Equal(t, agent.StopHook, run.Reason)
	assert.Contains(t, run.Final, "enough for today")
	first := run.Steps[0].Tools
	assert.Equal(t, agent.FailHook, first[0].Failure)
	assert.True(t, first[0].IsError)
	assert.Contains(t, first[1].Content, "rewritten")
	assert.JSONEq(t, `{"command":"echo rewritten"}`, string(first[1].Call.Args))
	assert.Contains(t, run.Steps[1].Tools[0].Content, "[hidden]")
	assert.Equal(t, []string{"rewritten", "rewritten", "rewritten"}, sentSystems)

	// The refusal reached the model as an error result.
	reqs := model.Requests()
	res := reqs[1].Messages[2].Parts[0].ToolResult
	assert.True(t, res.IsError)
	assert.Equal(t, "A person refused this command.", res.Content)
}

func TestHookError(t *testing.T) {
	boom := errors.New("policy store unreachable")
	a := &agent.Agent{
		Model: llmtest.NewScript(llmtest.CallTools("x", `{}`)),
		Hooks: agent.Hooks{BeforeTool: func(context.Context, *llm.ToolCall) (*tools.Result, error) { return nil, boom }},
	}
	run, err := a.Run(t.Context(), "task")
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, agent.StopError, run.Reason)
	assert.Len(t, run.Steps, 1)
}

func TestMustPatch(t *testing.T) {
	dir, base := gittest.Repo(t, map[string]string{"calc.py": buggy, "test_calc.py": testPy})
	model := llmtest.NewScript(
		llmtest.CallTools("task_done", `{"summary":"nothing to do"}`),
		llmtest.CallTools("str_replace_editor", args(t, map[string]any{"command": "str_replace", "path": "test_calc.py", "old_str": "5)", "new_str": "-1)"})),
		llmtest.CallTools("task_done", `{"summary":"adjusted the test"}`),
		llmtest.CallTools("str_replace_editor", args(t, map[string]any{"command": "str_replace", "path": "calc.py", "old_str": "a - b", "new_str": "a + b"})),
		llmtest.CallTools("task_done", `{"summary":"fixed"}`),
	)
	a := &agent.Agent{Model: model, Tools: coderTools(t, dir, mustpatch.Guard(dir, base))}
	run, err := a.Run(t.Context(), "fix add")
	require.NoError(t, err)
	assert.Equal(t, agent.StopDone, run.Reason)
	assert.Equal(t, "fixed", run.Final)
	require.Len(t, run.Steps, 5)
	assert.Contains(t, run.Steps[0].Tools[0].Content, "no change to the code")
	assert.Contains(t, run.Steps[2].Tools[0].Content, "only tests")
	assert.True(t, run.Steps[2].Tools[0].IsError)
}
