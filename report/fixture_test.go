package report_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/selector"
	"github.com/stretchr/testify/require"
)

// hostile is text a model or patch could hold to break out of the page:
// it must show as text and never run.
const hostile = `</script><script>window.pwned=1</script><!-- <img src=x onerror="window.pwned=2"> -->`

// testsOnly is a patch that only adds a test, which the content filter drops.
const testsOnly = "diff --git a/test_half.py b/test_half.py\nnew file mode 100644\n--- /dev/null\n+++ b/test_half.py\n@@ -0,0 +1,2 @@\n+def test_half():\n+    assert half(3) == 1\n"

const original = "def half(n):\n    return n / 2\n"

// patch replaces the body of half.
func patch(body string) string {
	return "diff --git a/half.py b/half.py\n--- a/half.py\n+++ b/half.py\n@@ -1,2 +1,2 @@\n def half(n):\n-    return n / 2\n+" + body + "\n"
}

// coder is one Coder of the fixture and the patch it makes.
type coder struct{ id, model, body string }

var coders = []coder{
	{"claude", "claude-opus-4-6", "    return n // 2"},
	{"gpt", "gpt-5.2", "    return n // 2  # floor division"},
	{"gemini", "gemini-3-pro", "    return int(n / 2)"},
	{"qwen", "qwen3-coder", testsOnly},
	{"evil", "evil-model", "    return n >> 1  # " + hostile},
	{"kimi", "kimi-k2", "    return int(n) // 2"},
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fixture writes a finished run directory to dir with the first n coders
// of the table (at most 6), each trajectory holding steps steps, built
// from the real records: attempts, trajectories as the agent writes them,
// and a decision made by a real selection with fake judges and tests.
// Everything in it is fixed, so a report of it is always the same.
func fixture(t testing.TB, dir string, n, steps int) {
	t.Helper()
	task := conclave.Task{ID: "demo-1", Repo: "example/half", Base: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
		Issue: "half() should return an int.\n\nSee <b>bold</b> & " + hostile}
	write(t, dir, "task.json", task)
	var attempts []*conclave.Attempt
	var cands []selector.Candidate
	for _, c := range coders[:n] {
		p := patch(c.body)
		if c.body == testsOnly {
			p = testsOnly
		}
		a := &conclave.Attempt{Coder: c.id, Round: 1, Candidate: selector.Candidate{ID: c.id, Source: c.model, Patch: p},
			Model: c.model, Reason: agent.StopDone, Steps: steps, Seconds: 12,
			Usage:      map[string]llm.Totals{c.model: {Calls: steps, Usage: llm.Usage{InputTokens: 1000 * steps, OutputTokens: 100 * steps}, Cost: 0.01 * float64(steps)}},
			Trajectory: "round-1/trajectories/" + c.id + ".jsonl"}
		if c.id == "qwen" {
			a.Reason, a.Error = agent.StopSteps, "the step limit was reached"
		}
		attempts = append(attempts, a)
		if p != "" {
			cands = append(cands, a.Candidate)
		}
		write(t, dir, "round-1/candidates/"+c.id+".json", a)
		trajectory(t, filepath.Join(dir, a.Trajectory), c, steps)
	}
	d := decide(t, task.Issue, cands)
	write(t, dir, "round-1/decision.json", d)
	for _, s := range d.Steps {
		for _, r := range s.Remarks {
			judgeTrajectory(t, filepath.Join(dir, r.Trace.Trajectory), r.By, r.Trace.Model, cands)
		}
	}
	var usage []conclave.Usage
	for _, a := range attempts {
		for m, u := range a.Usage {
			usage = append(usage, conclave.Usage{Stage: "generate", Model: m, Calls: u.Calls, Tokens: u.Usage.Total(), Cost: u.Cost})
		}
	}
	for _, s := range d.Steps {
		for _, r := range s.Remarks {
			usage = append(usage, conclave.Usage{Stage: s.Stage, Model: r.Trace.Model, Calls: r.Trace.Steps, Tokens: r.Trace.Tokens, Cost: r.Trace.Cost})
		}
	}
	res := conclave.Result{Task: task, Dir: "runs/demo-1", Winner: d.Winner, Decision: d,
		Rounds: []conclave.Round{{N: 1, Attempts: attempts, Decision: d}}, Usage: usage}
	for _, c := range cands {
		if c.ID == d.Winner {
			res.Patch = c.Patch
		}
	}
	write(t, dir, "result.json", res)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "patch.diff"), []byte(res.Patch), 0o644))
}

// decide runs a real selection: the filters, a regression stage whose
// tests the hostile patch breaks, syntax clustering and a panel of three
// judges answering with reasons, criteria and traces.
func decide(t testing.TB, issue string, cands []selector.Candidate) *selector.Decision {
	t.Helper()
	pool, err := selector.NewPool(issue, fstest.MapFS{"half.py": {Data: []byte(original)}}, cands)
	require.NoError(t, err)
	pool.Seed = 42
	tests := selector.TestRunnerFunc(func(_ context.Context, p string) (selector.TestResults, error) {
		return selector.TestResults{"test_half": true, "test_shift": !strings.Contains(p, ">>")}, nil
	})
	judge := func(name, model string, approve func(string) bool) selector.Judge {
		return selector.JudgeFunc(func(_ context.Context, q selector.Question) (selector.Answer, error) {
			a := selector.Answer{Approve: map[string]bool{}, Reasons: map[string]string{}, Criteria: map[string]map[string]string{},
				Reason: name + " read every patch",
				Trace:  &selector.Trace{Model: model, Steps: 2, Tokens: 3000, Cost: 0.02, Trajectory: fmt.Sprintf("trajectories/%s-approval-%d.jsonl", name, q.Round)}}
			for _, c := range q.Candidates {
				yes := approve(c.Patch)
				a.Approve[c.ID] = yes
				a.Reasons[c.ID] = map[bool]string{true: "returns an int", false: "returns a float for odd n"}[yes]
				a.Criteria[c.ID] = map[string]string{"correctness": map[bool]string{true: "pass", false: "fail"}[yes], "safety": "pass", "simplicity": "pass"}
			}
			return a, nil
		})
	}
	floor := func(p string) bool { return strings.Contains(p, "//") }
	d, err := selector.Selector{Stages: []selector.Stage{
		selector.ContentFilter{},
		selector.ApplyCheck{},
		selector.Regression{Runner: tests},
		selector.SyntaxCluster{},
		selector.Panel{Judges: map[string]selector.Judge{
			"opus":   judge("opus", "claude-opus-4-6", floor),
			"gpt":    judge("gpt", "gpt-5.2", func(string) bool { return true }),
			"gemini": judge("gemini", "gemini-3-pro", floor),
		}, JudgeWeights: map[string]float64{"opus": 1.5}},
	}}.Run(context.Background(), pool)
	require.NoError(t, err)
	return d
}

// trajectory writes a Coder's trajectory as the agent writes one: steps
// with text, tool calls and results, an error result, a trim, and the
// task_done call last.
func trajectory(t testing.TB, name string, c coder, steps int) {
	t.Helper()
	w := &events{t: t, agent: c.id}
	w.add(agent.Event{Kind: agent.EventStart, Start: &agent.Start{Task: "Fix the issue", System: "You are a coder.", Model: c.model, Tools: []string{"bash", "str_replace_editor", "task_done"}}})
	for i := 1; i <= steps; i++ {
		w.add(agent.Event{Kind: agent.EventStep, Step: i, Tokens: 1000 * i})
		if i%50 == 25 {
			w.add(agent.Event{Kind: agent.EventTrim, Step: i, Trim: &agent.Trim{Stage: "elide", Reason: "window", Before: 90000, After: 60000, Messages: 12}})
		}
		call := llm.ToolCall{ID: fmt.Sprintf("call-%d", i), Name: "bash", Args: json.RawMessage(fmt.Sprintf(`{"command":"grep -n half step%d.py"}`, i))}
		text := fmt.Sprintf("Step %d: looking at half().", i)
		if c.id == "evil" {
			text += " " + hostile
		}
		if i == steps {
			call = llm.ToolCall{ID: fmt.Sprintf("call-%d", i), Name: "task_done", Args: json.RawMessage(`{}`)}
		}
		resp := &llm.Response{Message: llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{{Kind: llm.KindText, Text: text}, {Kind: llm.KindToolCall, ToolCall: &call}}},
			StopReason: llm.StopToolUse, Usage: llm.Usage{InputTokens: 1000, OutputTokens: 100}}
		w.add(agent.Event{Kind: agent.EventModelCall, Step: i, Model: &agent.ModelCall{Request: agent.RequestInfo{Model: c.model, Messages: 2 * i}, Response: resp, Latency: time.Second, Cost: 0.01}})
		w.add(agent.Event{Kind: agent.EventToolCall, Step: i, Call: &call})
		out, isErr := fmt.Sprintf("step%d.py:1:def half(n):\n%s", i, strings.Repeat("output line\n", 20)), false
		if i%7 == 3 {
			out, isErr = "grep: step"+fmt.Sprint(i)+".py: No such file or directory", true
		}
		if c.id == "evil" {
			out += hostile
		}
		w.add(agent.Event{Kind: agent.EventToolResult, Step: i, Tool: &agent.ToolRun{Call: call, Content: out, IsError: isErr, Done: i == steps, Start: t0, Duration: 20 * time.Millisecond}})
	}
	w.add(agent.Event{Kind: agent.EventStop, Stop: &agent.Stop{Reason: agent.StopDone, Final: "Fixed half().", Steps: steps}})
	w.save(name)
}

// judgeTrajectory writes a judge's trajectory: it reads the patches and
// submits its answer.
func judgeTrajectory(t testing.TB, name, judge, model string, cands []selector.Candidate) {
	t.Helper()
	w := &events{t: t, agent: judge}
	w.add(agent.Event{Kind: agent.EventStart, Start: &agent.Start{Task: "Judge the candidates", Model: model, Tools: []string{"submit"}}})
	w.add(agent.Event{Kind: agent.EventStep, Step: 1})
	call := llm.ToolCall{ID: "submit-1", Name: "submit", Args: json.RawMessage(`{"approve":{"claude":true}}`)}
	w.add(agent.Event{Kind: agent.EventModelCall, Step: 1, Model: &agent.ModelCall{Response: &llm.Response{
		Message: llm.Message{Role: llm.RoleAssistant, Parts: []llm.Part{{Kind: llm.KindReasoning, Text: "Compare the patches."}, {Kind: llm.KindText, Text: fmt.Sprintf("%d patches to judge.", len(cands))}}},
		Usage:   llm.Usage{InputTokens: 1400, OutputTokens: 100}}, Cost: 0.01}})
	w.add(agent.Event{Kind: agent.EventToolCall, Step: 1, Call: &call})
	w.add(agent.Event{Kind: agent.EventToolResult, Step: 1, Tool: &agent.ToolRun{Call: call, Content: "answer recorded", Done: true, Start: t0, Duration: time.Millisecond}})
	w.add(agent.Event{Kind: agent.EventStop, Stop: &agent.Stop{Reason: agent.StopDone, Steps: 1}})
	w.save(name)
}

type events struct {
	t     testing.TB
	agent string
	b     strings.Builder
}

func (w *events) add(ev agent.Event) {
	ev.Time, ev.Agent = t0, w.agent
	line, err := json.Marshal(ev)
	require.NoError(w.t, err)
	w.b.Write(line)
	w.b.WriteByte('\n')
}

func (w *events) save(name string) {
	require.NoError(w.t, os.MkdirAll(filepath.Dir(name), 0o755))
	require.NoError(w.t, os.WriteFile(name, []byte(w.b.String()), 0o644))
}

func write(t testing.TB, dir, name string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	p := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, b, 0o644))
}
