package discovery_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/discovery"
	"github.com/conclave-dev/conclave/agent/mustpatch"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/bash"
	"github.com/conclave-dev/conclave/tools/edit"
	"github.com/conclave-dev/conclave/tools/think"
)

var answer = discovery.Result{
	Files: []discovery.File{
		{Path: "app/orders.py", Why: "total subtracts the discount twice", Symbols: []string{"total", "discount"}},
		{Path: "app/pricing.py", Why: "discount is defined here", Symbols: []string{"discount"}},
		{Path: "tests/test_orders.py", Why: "test_total covers total", Symbols: []string{"test_total"}},
	},
	Relations: []discovery.Relation{
		{From: "app/orders.py", To: "app/pricing.py", Kind: discovery.Calls, Symbol: "discount"},
		{From: "tests/test_orders.py", To: "app/orders.py", Kind: discovery.Tests, Symbol: "total"},
	},
	Summary: "total in app/orders.py calls discount twice; the fix belongs in total.",
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// The Coder calls DeepDiscovery as a tool on a real repository and gets
// back the expected files with reasons; the subagent's tokens count in
// the Coder's usage and its trajectory nests under the Coder's.
func TestCoderCallsDiscovery(t *testing.T) {
	dir, base := gittest.Repo(t, shop)
	ws, err := tools.NewLocal(dir, nil)
	require.NoError(t, err)
	defer ws.Close()

	wrong := answer
	wrong.Files = append([]discovery.File{{Path: "app/cart.py", Why: "the cart", Symbols: []string{}}}, answer.Files...)
	subModel := llmtest.NewScript(
		withUsage(llmtest.CallTools("ckg", `{"command":"find_references","identifier":"discount"}`), 300, 20),
		withUsage(llmtest.CallTools("view", `{"path":"app/pricing.py"}`), 400, 20),
		withUsage(llmtest.CallTools("submit", mustJSON(t, wrong)), 500, 20),
		withUsage(llmtest.CallTools("submit", mustJSON(t, answer)), 600, 20),
	)
	dd, err := discovery.New(ws, &agent.Agent{Model: subModel, ModelName: "discovery-model", Limits: agent.Limits{Steps: 10}}, nil)
	require.NoError(t, err)

	// An agent configured as the Coder is: the editor, bash, task_done
	// guarded by mustpatch, and DeepDiscovery.
	sh, err := bash.New(ws, nil)
	require.NoError(t, err)
	set, err := tools.NewSet(edit.New(ws, nil), sh, dd, think.NewTaskDone(mustpatch.Guard(dir, base)))
	require.NoError(t, err)
	defer set.Close()
	coderModel := llmtest.NewScript(
		withUsage(llmtest.CallTools(discovery.ToolName, mustJSON(t, map[string]string{"task": issue})), 1000, 50),
		withUsage(llmtest.CallTools("str_replace_editor", `{"command":"str_replace","path":"app/orders.py","old_str":" - discount(amount) - discount(amount)","new_str":" - discount(amount)"}`), 1100, 50),
		withUsage(llmtest.CallTools("task_done", `{"summary":"the discount is taken once"}`), 1200, 50),
	)
	var traj bytes.Buffer
	var events []agent.Event
	coder := &agent.Agent{Name: "coder", Model: coderModel, ModelName: "coder-model", Tools: set, Trajectory: &traj,
		Observer: func(e agent.Event) { events = append(events, e) }}
	run, err := coder.Run(t.Context(), issue)
	require.NoError(t, err)
	require.Equal(t, agent.StopDone, run.Reason)

	// The Coder got the files with reasons, as a Result.
	got := run.Steps[0].Tools[0]
	require.False(t, got.IsError, got.Content)
	var res discovery.Result
	require.NoError(t, json.Unmarshal([]byte(got.Content), &res))
	assert.Equal(t, answer, res)

	// The subagent's first answer named a file that is not there and was
	// refused; its task carried what the location stage found.
	subReqs := subModel.Requests()
	require.Len(t, subReqs, 4)
	refused := lastResult(t, subReqs[3])
	assert.True(t, refused.IsError)
	assert.Contains(t, refused.Content, "app/cart.py does not exist")
	task := subReqs[0].Messages[0].Text()
	for _, want := range []string{
		"app/orders.py:6 in total",
		"app/main.py:5 in main",
		"discount: app/pricing.py:1 (function discount)",
		"total: app/orders.py:4 (function total)",
		"- app/__init__.py",
		"## Outline of every source file",
	} {
		assert.Contains(t, task, want)
	}
	assert.Equal(t, []string{"ckg", "view", "grep", "submit"}, toolNames(subReqs[0].Tools))
	assert.Contains(t, lastResult(t, subReqs[1]).Content, "app/orders.py:6")

	// Its tokens count in the Coder's usage.
	assert.Equal(t, 4, run.Usage["discovery-model"].Calls)
	assert.Equal(t, 1880, run.Usage["discovery-model"].Usage.Total())
	assert.Equal(t, 3, run.Usage["coder-model"].Calls)

	// Its events nest under the Coder's call, in the observer and the
	// trajectory alike.
	nested := 0
	for _, e := range events {
		if e.Agent == "coder/"+discovery.ToolName {
			nested++
			assert.Equal(t, "call_1", e.Parent)
		}
	}
	assert.Greater(t, nested, 8)
	evs, err := agent.ReadTrajectory(&traj)
	require.NoError(t, err)
	require.Len(t, evs, len(events))
	for i := range evs {
		assert.Equal(t, events[i].Agent, evs[i].Agent)
	}
}

// A subagent that runs out of steps gives the Coder an error result with
// the files the location stage pointed at.
func TestDiscoveryOutOfSteps(t *testing.T) {
	dir, _ := gittest.Repo(t, shop)
	ws, err := tools.NewLocal(dir, nil)
	require.NoError(t, err)
	defer ws.Close()
	model := &llmtest.Script{Fallback: llmtest.CallTools("grep", `{"pattern":"discount"}`)}
	dd, err := discovery.New(ws, &agent.Agent{Model: model, Limits: agent.Limits{Steps: 2}}, &discovery.Options{SmallRepo: 1})
	require.NoError(t, err)
	res, err := dd.Run(t.Context(), []byte(mustJSON(t, map[string]string{"task": issue})))
	require.NoError(t, err)
	assert.True(t, res.IsError)
	assert.Contains(t, res.Content, string(agent.StopSteps))
	assert.Contains(t, res.Content, "location stage pointed at: app/main.py, app/orders.py, app/pricing.py")

	task := model.Requests()[0].Messages[0].Text()
	assert.Contains(t, task, "## Source directories")
	assert.Contains(t, task, "app/ (4 files): main, total, discount")
	assert.NotContains(t, task, "## Outline")

	res, err = dd.Run(t.Context(), []byte(`{"task":"  "}`))
	require.NoError(t, err)
	assert.True(t, res.IsError)
}

func toolNames(specs []llm.ToolSpec) []string {
	var out []string
	for _, s := range specs {
		out = append(out, s.Name)
	}
	return out
}
