package agent_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/bash"
	"github.com/conclave-dev/conclave/tools/think"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestTrajectoryIsWrittenAsTheRunGoes(t *testing.T) {
	var traj bytes.Buffer
	var seen []int // trajectory lines at each event
	a := &agent.Agent{
		Model: llmtest.NewScript(
			llmtest.CallTools("noop", `{}`),
			llmtest.CallTools("task_done", `{"summary":"ok"}`),
		),
		Tools:      noopTools(t),
		Trajectory: &traj,
		Observer:   func(agent.Event) { seen = append(seen, bytes.Count(traj.Bytes(), []byte("\n"))) },
	}
	run, err := a.Run(t.Context(), "task")
	require.NoError(t, err)
	for i, n := range seen {
		assert.Equal(t, i, n, "event %d was written before the observer saw the next", i)
	}
	evs, err := agent.ReadTrajectory(bytes.NewReader(traj.Bytes()))
	require.NoError(t, err)
	require.Len(t, evs, len(seen))
	assert.Equal(t, agent.EventStart, evs[0].Kind)
	assert.Equal(t, "task", evs[0].Start.Task)
	stop := evs[len(evs)-1]
	assert.Equal(t, agent.StopDone, stop.Stop.Reason)
	assert.Equal(t, run.Final, stop.Stop.Final)

	// A crash mid-write loses only the record being written.
	cut := traj.Bytes()[:traj.Len()-10]
	evs2, err := agent.ReadTrajectory(bytes.NewReader(cut))
	require.NoError(t, err)
	assert.Len(t, evs2, len(evs)-1)

	_, err = agent.ReadTrajectory(strings.NewReader("{\"kind\":\"start\"}\nnot json\n{}\n"))
	assert.ErrorContains(t, err, "line 2")
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestTrajectoryWriteFailureEndsTheRun(t *testing.T) {
	a := &agent.Agent{Model: &llmtest.Script{Fallback: llmtest.CallTools("noop", `{}`)}, Tools: noopTools(t), Trajectory: failingWriter{}}
	run, err := a.Run(t.Context(), "task")
	require.ErrorIs(t, err, os.ErrClosed)
	assert.Equal(t, agent.StopError, run.Reason)
	assert.Empty(t, run.Steps)
}

func TestTraeExport(t *testing.T) {
	echo := tools.NewFunc("echo", "Echoes its text.", func(_ context.Context, a struct {
		Text string `json:"text"`
	}) (tools.Result, error) {
		if a.Text == "" {
			return tools.Errorf("text is empty"), nil
		}
		return tools.Result{Content: a.Text}, nil
	})
	set, err := tools.NewSet(echo, think.NewTaskDone(nil))
	require.NoError(t, err)
	usage := func(r llmtest.Reply, in, cached, out int) llmtest.Reply {
		return func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
			resp, err := r(ctx, req)
			resp.Usage = llm.Usage{InputTokens: in, CacheReadTokens: cached, OutputTokens: out}
			resp.Model = "claude-sonnet-4-5-20250929"
			return resp, err
		}
	}
	var ev events
	a := &agent.Agent{
		Model: llmtest.NewScript(
			usage(llmtest.CallTools("echo", `{"text":"hello"}`, "echo", `{}`), 120, 0, 30),
			usage(llmtest.Say("Let me finish."), 20, 150, 10),
			usage(llmtest.CallTools("task_done", `{"summary":"said hello"}`), 25, 170, 12),
		),
		ModelName: "claude-sonnet-4-5",
		System:    "You are a test agent.",
		Tools:     set,
		Limits:    agent.Limits{Steps: 20},
		Observer:  ev.observe,
	}
	_, err = a.Run(t.Context(), "Say hello.")
	require.NoError(t, err)
	// Fix the clock so that the export is reproducible.
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range ev.list {
		ev.list[i].Time = t0.Add(time.Duration(i) * time.Second)
	}
	tr, err := agent.ToTrae(ev.list, "anthropic")
	require.NoError(t, err)
	got, err := json.MarshalIndent(tr, "", "  ")
	require.NoError(t, err)
	golden(t, "trae.json", got)

	// The shape trae's readers expect: every documented key, with its type.
	var m map[string]any
	require.NoError(t, json.Unmarshal(got, &m))
	for key, kind := range map[string]string{
		"task": "string", "start_time": "string", "end_time": "string", "provider": "string", "model": "string",
		"max_steps": "number", "llm_interactions": "array", "agent_steps": "array", "success": "bool",
		"final_result": "string", "execution_time": "number",
	} {
		require.Contains(t, m, key)
		assert.Equal(t, kind, jsonKind(m[key]), key)
	}
	assert.Equal(t, true, m["success"])
	assert.Len(t, m["llm_interactions"], 3)
	inter := m["llm_interactions"].([]any)[2].(map[string]any)
	input := inter["input_messages"].([]any)
	assert.Equal(t, "system", input[0].(map[string]any)["role"])
	assert.Len(t, input, 1+1+2+2+1+1, "system, task, two calls, two results, the reply, the nudge")
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run the test with -update to create the golden file")
	assert.Equal(t, string(want), string(got))
}

func TestSecretsNeverReachTheTrajectory(t *testing.T) {
	const key = "sk-test-abcdefghijklmnopqrstuvwxyz0123456789"
	const token = "fake-token-value-42"
	t.Setenv("CONCLAVE_FAKE_API_KEY", key)
	t.Setenv("CONCLAVE_FAKE_TOKEN", token)
	t.Setenv("CONCLAVE_FAKE_PASSWORD", "hunter2hunter2")
	t.Setenv("CONCLAVE_HEADER", "Authorization: Bearer abcdefghijklmnopqrstuvwxyz")
	t.Setenv("CONCLAVE_MISC", "my-own-secret-value")
	dir := t.TempDir()
	// The user passes the credentials to the shell on purpose (a test suite
	// that needs them, say); what the shell prints must still be redacted.
	ws, err := tools.NewLocal(dir, &tools.LocalOptions{PassEnv: []string{
		"CONCLAVE_FAKE_API_KEY", "CONCLAVE_FAKE_TOKEN", "CONCLAVE_FAKE_PASSWORD"}})
	require.NoError(t, err)
	sh, err := bash.New(ws, nil)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, sh.Close()) })

	// The test tool sees the raw output, to show there was a secret to hide.
	var raw string
	spy := spyTool{Tool: sh, seen: &raw}
	set, err := tools.NewSet(spy, think.NewTaskDone(nil))
	require.NoError(t, err)
	var traj bytes.Buffer
	var ev events
	model := llmtest.NewScript(
		llmtest.CallTools("bash", `{"command":"env"}`),
		llmtest.CallTools("task_done", `{}`),
	)
	a := &agent.Agent{Model: model, Tools: set, Trajectory: &traj, Observer: ev.observe, Secrets: []string{"my-own-secret-value"}}
	run, err := a.Run(t.Context(), "print the environment")
	require.NoError(t, err)
	require.Contains(t, raw, key, "precondition: the shell printed the key")
	require.Contains(t, raw, token)
	require.Contains(t, raw, "my-own-secret-value")

	all, err := json.Marshal(ev.list)
	require.NoError(t, err)
	reqs, err := json.Marshal(model.Requests()[1:])
	require.NoError(t, err)
	for where, text := range map[string]string{"trajectory": traj.String(), "events": string(all), "model": string(reqs), "run": run.Steps[0].Tools[0].Content} {
		for _, secret := range []string{key, token, "hunter2hunter2", "abcdefghijklmnopqrstuvwxyz", "my-own-secret-value"} {
			assert.NotContains(t, text, secret, "%s leaks %q", where, secret)
		}
	}
	assert.Contains(t, run.Steps[0].Tools[0].Content, "CONCLAVE_FAKE_API_KEY=[redacted $CONCLAVE_FAKE_API_KEY]")
	assert.Contains(t, run.Steps[0].Tools[0].Content, "CONCLAVE_HEADER=Authorization: [redacted]")
	assert.Contains(t, run.Steps[0].Tools[0].Content, "CONCLAVE_MISC=[redacted]")
}

type spyTool struct {
	tools.Tool
	seen *string
}

func (s spyTool) Run(ctx context.Context, args json.RawMessage) (tools.Result, error) {
	res, err := s.Tool.Run(ctx, args)
	*s.seen = res.Content
	return res, err
}
