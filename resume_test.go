package conclave_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/agent/judge"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/llm/replay"
	"github.com/conclave-dev/conclave/selector"
)

// fixedN is a fix that is not equivalent to fixed: a second opinion.
const fixedN = "func Average(xs []int) int {\n\tn := len(xs)\n\tif n < 1 {\n\t\treturn 0\n\t}\n\treturn Sum(xs) / n\n}"

// recorded wraps m so that its every call is appended to dir/name.jsonl.
func recorded(t *testing.T, dir, name string, m llm.Model) llm.Model {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, name+".jsonl"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	t.Cleanup(func() { f.Close() })
	return llm.Chain(m, replay.Record(f))
}

// calls counts the calls in the recording dir/name.jsonl.
func calls(t *testing.T, dir, name string) int {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name+".jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	require.NoError(t, err)
	defer f.Close()
	n := 0
	for s := bufio.NewScanner(f); s.Scan(); {
		n++
	}
	return n
}

var candidateLine = regexp.MustCompile(`(?m)^## Candidate (\S+)`)

// approver is a judge's model answering every approval question with a
// yes for the candidates approve accepts, through the submit tool.
func approver(name string, approve func(id string) bool) llm.Model {
	return llm.ModelFunc(func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
		var votes []map[string]any
		for _, m := range candidateLine.FindAllStringSubmatch(req.Messages[0].Text(), -1) {
			v := 0
			if approve(m[1]) {
				v = 1
			}
			votes = append(votes, map[string]any{"candidate": m[1], "vote": v, "reason": fmt.Sprintf("%s on %s", name, m[1]),
				"criteria": map[string]string{"correctness": "c", "safety": "s", "simplicity": "s"}})
		}
		return llmtest.CallTools("submit", mustJSON(map[string]any{"votes": votes}))(ctx, req)
	})
}

// A run killed mid-generation and again mid-selection resumes from its
// run directory: the recordings of the models show that no Coder ran
// twice once it had finished and no judge was asked again once it had
// answered.
func TestResume(t *testing.T) {
	repo, _ := gittest.Repo(t, project)
	dir, recs, worktrees := t.TempDir(), t.TempDir(), t.TempDir()
	pipeline := func(a, b llm.Model, judges map[string]llm.Model, observe func(conclave.Event)) *conclave.Pipeline {
		p := &conclave.Pipeline{
			Coders: []*coder.Coder{
				{ID: "a", Agent: agent.Agent{Model: recorded(t, recs, "a", a), ModelName: "model-a"}},
				{ID: "b", Agent: agent.Agent{Model: recorded(t, recs, "b", b), ModelName: "model-b"}},
			},
			Judges:      map[string]selector.Judge{},
			Verifier:    "-",
			WorktreeDir: worktrees,
			Observer:    observe,
		}
		for name, m := range judges {
			p.Judges[name] = &judge.Judge{Agent: agent.Agent{Model: recorded(t, recs, name, m), ModelName: "judge-" + name}}
		}
		return p
	}
	task := conclave.Task{Repo: repo, Issue: issue}

	// Run 1: a finishes; b is killed in its second step.
	ctx, cancel := context.WithCancelCause(t.Context())
	aDone := make(chan struct{})
	var once sync.Once
	observe := func(e conclave.Event) {
		if e.Kind == conclave.EventCoder && e.Coder == "a" && e.State == conclave.StateDone {
			once.Do(func() { close(aDone) })
		}
	}
	b1 := llmtest.NewScript(edit("stats/stats.go", buggy, fixedN), func(ctx context.Context, _ *llm.Request) (*llm.Response, error) {
		<-aDone
		cancel(errors.New("killed"))
		return nil, context.Cause(ctx)
	})
	_, err := pipeline(llmtest.NewScript(edit("stats/stats.go", buggy, fixed), done), b1, nil, observe).Run(ctx, task, dir)
	require.ErrorContains(t, err, "killed")
	assert.FileExists(t, filepath.Join(dir, "round-1/candidates/a.json"))
	assert.NoFileExists(t, filepath.Join(dir, "round-1/candidates/b.json"), "an interrupted Coder leaves no record")
	assert.FileExists(t, filepath.Join(dir, "round-1/lost/b-1.json"), "but what its run cost is kept")
	assert.Equal(t, 2, calls(t, recs, "a"))

	// Run 2: b runs again from the start, a does not; the panel is killed
	// once j1 has answered.
	ctx, cancel = context.WithCancelCause(t.Context())
	j1Done := make(chan struct{})
	var once2 sync.Once
	observe = func(e conclave.Event) {
		if e.Kind == conclave.EventJudge && e.Judge == "j1" && e.State == conclave.StateDone {
			once2.Do(func() { close(j1Done) })
		}
	}
	j2 := llmtest.NewScript(func(ctx context.Context, _ *llm.Request) (*llm.Response, error) {
		<-j1Done
		cancel(errors.New("killed again"))
		return nil, context.Cause(ctx)
	})
	a2 := llmtest.NewScript()
	p := pipeline(a2, llmtest.NewScript(edit("stats/stats.go", buggy, fixedN), done),
		map[string]llm.Model{"j1": approver("j1", func(id string) bool { return id == "a" }), "j2": j2}, observe)
	_, err = p.Run(ctx, task, dir)
	require.ErrorContains(t, err, "killed again")
	assert.Empty(t, a2.Requests(), "a finished in run 1 and is not run again")
	assert.Equal(t, 2, calls(t, recs, "a"))
	assert.Equal(t, 2+2, calls(t, recs, "b"), "b's interrupted call in run 1, then its two")
	assert.Equal(t, 1, calls(t, recs, "j1"))
	assert.NoFileExists(t, filepath.Join(dir, "round-1/decision.json"))

	// Run 3: only j2 is asked.
	var events []conclave.Event
	j1 := llmtest.NewScript()
	p = pipeline(llmtest.NewScript(), llmtest.NewScript(),
		map[string]llm.Model{"j1": j1, "j2": approver("j2", func(id string) bool { return id == "a" })},
		func(e conclave.Event) { events = append(events, e) })
	res, err := p.Run(t.Context(), task, dir)
	require.NoError(t, err)
	assert.Empty(t, j1.Requests(), "j1 answered in run 2 and is not asked again")
	assert.Equal(t, 1, calls(t, recs, "j1"))
	assert.Equal(t, 1+1, calls(t, recs, "j2"))
	assert.Equal(t, 2, calls(t, recs, "a"))
	assert.Equal(t, 4, calls(t, recs, "b"))
	assert.Equal(t, "a", res.Winner)
	assert.Equal(t, "panel", res.Decision.DecidedBy)
	assert.Contains(t, res.Usage, conclave.Usage{Stage: "interrupted", Model: "model-b", Calls: 1},
		"b's call before it was killed in run 1 counts in the result")

	var resumed []string
	for _, e := range events {
		if e.State == conclave.StateResumed {
			resumed = append(resumed, string(e.Kind)+":"+e.Coder+e.Judge)
		}
	}
	slices.Sort(resumed)
	assert.Equal(t, []string{"coder:a", "coder:b", "judge:j1"}, resumed)

	// A finished run read again gives the same result and calls nothing.
	again, err := pipeline(llmtest.NewScript(), llmtest.NewScript(), map[string]llm.Model{"j1": llmtest.NewScript(), "j2": llmtest.NewScript()}, nil).Run(t.Context(), task, dir)
	require.NoError(t, err)
	assert.Equal(t, res.Patch, again.Patch)
	assert.Equal(t, 2, calls(t, recs, "j2"))
}

// A run directory holds one task: another is refused.
func TestRunDirOfAnotherTask(t *testing.T) {
	repo, _ := gittest.Repo(t, project)
	dir := t.TempDir()
	p := &conclave.Pipeline{Coders: []*coder.Coder{scripted("a")}}
	_, err := p.Open(t.Context(), conclave.Task{Repo: repo, Issue: issue}, dir)
	require.NoError(t, err)
	_, err = p.Open(t.Context(), conclave.Task{Repo: repo, Issue: "another issue"}, dir)
	assert.ErrorContains(t, err, "holds the run of another task")
}

// No candidate at all is an error naming each Coder's failure: a crash, a
// hang past its time limit, a spent token budget.
func TestNoCandidate(t *testing.T) {
	repo, _ := gittest.Repo(t, project)
	hangs := llmtest.NewScript(func(ctx context.Context, _ *llm.Request) (*llm.Response, error) {
		<-ctx.Done()
		return nil, context.Cause(ctx)
	})
	costly := llmtest.NewScript(func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
		resp, err := llmtest.CallTools("bash", `{"command":"ls"}`)(ctx, req)
		resp.Usage = llm.Usage{InputTokens: 500, OutputTokens: 50}
		return resp, err
	})
	p := &conclave.Pipeline{
		Coders: []*coder.Coder{
			{ID: "crashes", Agent: agent.Agent{Model: llmtest.NewScript(func(context.Context, *llm.Request) (*llm.Response, error) { panic("boom") })}},
			{ID: "hangs", Agent: agent.Agent{Model: hangs, Limits: agent.Limits{Time: 200 * time.Millisecond}}},
			{ID: "costly", Agent: agent.Agent{Model: costly, Limits: agent.Limits{Tokens: 100}}},
		},
		WorktreeDir: t.TempDir(),
	}
	dir := t.TempDir()
	_, err := p.Run(t.Context(), conclave.Task{Repo: repo, Issue: issue}, dir)
	require.ErrorIs(t, err, conclave.ErrNoCandidate)
	assert.ErrorContains(t, err, "crashes: coder crashes panicked: boom (no patch); hangs")
	assert.ErrorContains(t, err, "hangs: coder hangs: stopped before task_done: time_limit")
	assert.ErrorContains(t, err, "costly: coder costly: stopped before task_done: budget")
	for _, id := range []string{"crashes", "hangs", "costly"} {
		assert.FileExists(t, filepath.Join(dir, "round-1/candidates", id+".json"), "a failed Coder is recorded")
	}
}
