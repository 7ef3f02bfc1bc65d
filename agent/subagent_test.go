package agent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/edit"
	"github.com/conclave-dev/conclave/tools/think"
)

const filesSchema = `{"type":"object","properties":{
	"files":{"type":"array","items":{"type":"object","properties":{"path":{"type":"string"},"why":{"type":"string"}},"required":["path","why"]}}
},"required":["files"],"additionalProperties":false}`

func withUsage(r llmtest.Reply, in, out int) llmtest.Reply {
	return func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
		resp, err := r(ctx, req)
		if resp != nil {
			resp.Usage = llm.Usage{InputTokens: in, OutputTokens: out}
		}
		return resp, err
	}
}

func TestSubagentAsTool(t *testing.T) {
	dir, _ := gittest.Repo(t, map[string]string{"calc.py": buggy, "test_calc.py": testPy})
	ws, err := tools.NewLocal(dir, nil)
	require.NoError(t, err)
	subTools, err := tools.NewSet(edit.New(ws, nil))
	require.NoError(t, err)
	child := llmtest.NewScript(
		withUsage(llmtest.CallTools("str_replace_editor", `{"command":"view","path":"calc.py"}`), 100, 10),
		withUsage(llmtest.CallTools("submit", `{"files":[{"path":"calc.py"}]}`), 200, 10),
		withUsage(llmtest.CallTools("submit", `{"files":[{"path":"calc.py","why":"add subtracts"}]}`), 300, 10),
	)
	discovery := &agent.Agent{Name: "discovery", Model: child, ModelName: "child-model", Tools: subTools, System: "Find the relevant files."}
	tool, err := agent.AsTool(discovery, "discover", "Finds the files relevant to a task.", json.RawMessage(filesSchema))
	require.NoError(t, err)

	parentTools, err := tools.NewSet(tool, think.NewTaskDone(nil))
	require.NoError(t, err)
	parent := llmtest.NewScript(
		withUsage(llmtest.CallTools("discover", `{"task":"Where is add defined?"}`), 1000, 50),
		withUsage(llmtest.CallTools("task_done", `{"summary":"found it"}`), 1100, 50),
	)
	var traj bytes.Buffer
	var ev events
	coder := &agent.Agent{Name: "coder", Model: parent, ModelName: "parent-model", Tools: parentTools, Trajectory: &traj, Observer: ev.observe}
	run, err := coder.Run(t.Context(), "fix add")
	require.NoError(t, err)
	require.Equal(t, agent.StopDone, run.Reason)

	// The structured answer came back as the tool's result.
	got := run.Steps[0].Tools[0]
	assert.False(t, got.IsError)
	assert.JSONEq(t, `{"files":[{"path":"calc.py","why":"add subtracts"}]}`, got.Content)

	// The subagent read its invalid answer's error and fixed it.
	childReqs := child.Requests()
	require.Len(t, childReqs, 3)
	bad := childReqs[2].Messages[4].Parts[0].ToolResult
	assert.True(t, bad.IsError)
	assert.Contains(t, bad.Content, "why")
	assert.Equal(t, "Where is add defined?", childReqs[0].Messages[0].Text())
	assert.Equal(t, "Find the relevant files.", childReqs[0].System)
	assert.Equal(t, []string{"str_replace_editor", "submit"}, toolNames(childReqs[0]))

	// Its usage counts in the parent's, per model.
	assert.Equal(t, 3, run.Usage["child-model"].Calls)
	assert.Equal(t, 630, run.Usage["child-model"].Usage.Total())
	assert.Equal(t, 2, run.Usage["parent-model"].Calls)
	assert.Equal(t, 5, run.Totals().Calls)

	// Its events nest under the parent's call, between its tool_call and
	// tool_result, in the observer and in the trajectory.
	var nested []agent.Event
	var callAt, resultAt, firstChild, lastChild int
	for i, e := range ev.list {
		switch {
		case e.Agent == "coder/discovery":
			nested = append(nested, e)
			assert.Equal(t, "call_1", e.Parent)
			if firstChild == 0 {
				firstChild = i
			}
			lastChild = i
		case e.Kind == agent.EventToolCall && e.Call.Name == "discover":
			callAt = i
		case e.Kind == agent.EventToolResult && e.Tool.Call.Name == "discover":
			resultAt = i
		default:
			assert.Equal(t, "coder", e.Agent)
		}
	}
	require.NotEmpty(t, nested)
	assert.Equal(t, agent.EventStart, nested[0].Kind)
	assert.Equal(t, agent.EventStop, nested[len(nested)-1].Kind)
	assert.Less(t, callAt, firstChild)
	assert.Less(t, lastChild, resultAt)
	evs, err := agent.ReadTrajectory(&traj)
	require.NoError(t, err)
	assert.Len(t, evs, len(ev.list))
	assert.Equal(t, "coder/discovery", evs[firstChild].Agent)
}

func TestSubagentWithoutAnswer(t *testing.T) {
	child := &llmtest.Script{Fallback: llmtest.Say("I could not find anything.")}
	tool, err := agent.AsTool(&agent.Agent{Model: child, MaxNudges: 1}, "ask", "Asks.", nil)
	require.NoError(t, err)
	assert.Equal(t, "ask", tool.Spec().Name)
	res, err := tool.Run(t.Context(), json.RawMessage(`{"task":"find it"}`))
	require.NoError(t, err)
	assert.True(t, res.IsError)
	assert.Contains(t, res.Content, "no_tool_call")
	assert.Contains(t, res.Content, "could not find")

	res, err = tool.Run(t.Context(), json.RawMessage(`{}`))
	require.NoError(t, err)
	assert.True(t, res.IsError)

	_, err = agent.AsTool(&agent.Agent{Model: child}, "bad", "", json.RawMessage(`{"type":`))
	assert.Error(t, err)
}
