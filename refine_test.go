package conclave_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

// scriptedJudge approves the candidates its rule accepts, with a reason
// per candidate, and costs what its trace says.
func scriptedJudge(name string, approve func(id string) bool) selector.Judge {
	return selector.JudgeFunc(func(_ context.Context, q selector.Question) (selector.Answer, error) {
		ans := selector.Answer{Approve: map[string]bool{}, Reasons: map[string]string{}, Reason: name + " looked at all",
			Trace: &selector.Trace{Model: "judge-" + name, Steps: 2, Tokens: 1000, Cost: 0.01}}
		for _, c := range q.Candidates {
			ans.Approve[c.ID] = approve(c.ID)
			ans.Reasons[c.ID] = name + " on " + c.ID
		}
		return ans, nil
	})
}

// The judges split on two different fixes, so the first selection is
// unsure; in the refinement round each Coder starts from its own patch
// with the critiques of it, b reworks its fix, both judges approve the
// rework, and the winner changes.
func TestRefinementChangesTheWinner(t *testing.T) {
	repo, _ := gittest.Repo(t, project)
	const reworked = "func Average(xs []int) int {\n\tif len(xs) == 0 {\n\t\treturn 0\n\t}\n\treturn Sum(xs) / len(xs) // b's rework\n}"
	b := llmtest.NewScript(
		edit("stats/stats.go", buggy, fixedN), done,
		// Round 2 starts from b's patch: the edit finds fixedN.
		edit("stats/stats.go", fixedN, strings.Replace(reworked, "len(xs) == 0", "len(xs) <= 0", 1)), done,
	)
	a := llmtest.NewScript(edit("stats/stats.go", buggy, fixed), done, done)
	p := &conclave.Pipeline{
		Coders: []*coder.Coder{
			{ID: "a", Agent: agent.Agent{Model: a, ModelName: "model-a"}},
			{ID: "b", Agent: agent.Agent{Model: b, ModelName: "model-b"}},
		},
		Judges: map[string]selector.Judge{
			"j1": scriptedJudge("j1", func(id string) bool { return id == "a" || id == "b-r2" }),
			"j2": scriptedJudge("j2", func(id string) bool { return id == "b" || id == "b-r2" }),
		},
		Refine:      &conclave.Refine{Limits: agent.Limits{Steps: 5}},
		WorktreeDir: t.TempDir(),
	}
	dir := t.TempDir()
	res, err := p.Run(t.Context(), conclave.Task{Repo: repo, Issue: issue}, dir)
	require.NoError(t, err)

	require.Len(t, res.Rounds, 2)
	first := res.Rounds[0].Decision
	assert.Equal(t, "a", first.Winner, "a tie the pool's order settled")
	assert.NotEmpty(t, conclave.Unsure(first))
	require.NotNil(t, res.Refinement)
	assert.Equal(t, "a", res.Refinement.Before)
	assert.Equal(t, "b-r2", res.Refinement.After)
	assert.True(t, res.Refinement.Changed)
	assert.Contains(t, res.Refinement.Why[0], "the judges split")
	assert.Equal(t, "b-r2", res.Winner)
	assert.Contains(t, res.Patch, "len(xs) <= 0")
	assert.Empty(t, conclave.Unsure(res.Decision))

	task := b.Requests()[2].Messages[0].Text()
	assert.Contains(t, task, issue)
	assert.Contains(t, task, "Your checkout starts from your earlier patch")
	assert.Contains(t, task, "Judge j1 (panel): j1 on b")
	assert.Contains(t, task, "Judge j2 (panel): j2 on b")
	assert.NotContains(t, task, "j1 on a", "a Coder reads the critiques of its own patch")
	critique, err := os.ReadFile(filepath.Join(dir, "round-2/critiques/b.md"))
	require.NoError(t, err)
	assert.Contains(t, task, string(critique))
	f, err := os.Open(filepath.Join(dir, "round-2/trajectories/b.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	events, err := agent.ReadTrajectory(f)
	require.NoError(t, err)
	assert.Equal(t, 5, events[0].Start.Limits.Steps, "the refinement round's limits")

	// a's refinement made no new change: it is still a's patch.
	assert.Equal(t, res.Rounds[0].Attempts[0].Candidate.Patch, res.Rounds[1].Attempts[0].Candidate.Patch)

	// Usage per stage and model: the judges' traces, by the stage that asked.
	byStage := map[string]float64{}
	for _, u := range res.ByStage() {
		byStage[u.Stage] = u.Cost
	}
	assert.InDelta(t, 0.01*2*3+0.01*2, byStage["panel"], 1e-9, "three panel rounds in round 1, one in round 2, two judges each")
	models := map[string]int{}
	for _, u := range res.ByModel() {
		models[u.Model] = u.Calls
	}
	assert.Equal(t, 2*4, models["judge-j1"])
}

// Unsure reads a decision's evidence: a decision that could not be made
// on merit, or judges who split after the syntax vote decided nothing.
func TestUnsure(t *testing.T) {
	approvals := func(winner string, ballots ...vote.Ballot) *selector.Decision {
		return &selector.Decision{Winner: winner, Confident: true, Steps: []selector.Step{
			{Stage: "syntax_vote"},
			{Stage: "panel", Winner: winner, Vote: &vote.Result{Winner: winner, Counted: ballots}},
		}}
	}
	for _, c := range []struct {
		name string
		d    *selector.Decision
		want string
	}{
		{"unanimous panel", approvals("a", vote.Approve("j1", map[string]bool{"a": true}), vote.Approve("j2", map[string]bool{"a": true, "b": true})), ""},
		{"split panel", approvals("a", vote.Approve("j1", map[string]bool{"a": true}), vote.Approve("j2", map[string]bool{"a": false, "b": true})),
			"no cluster won the syntax vote and the judges split: j2 did not approve a"},
		{"syntax vote decided", &selector.Decision{Winner: "a", Confident: true, Steps: []selector.Step{{Stage: "syntax_vote", Winner: "a"}}}, ""},
		{"not confident", &selector.Decision{Winner: "a", Doubts: []string{"every candidate failed the regression tests"}}, "every candidate failed the regression tests"},
		{"split choice", &selector.Decision{Winner: "a", Confident: true, Steps: []selector.Step{{Stage: "multi_select", Winner: "a",
			Vote: &vote.Result{Rounds: []vote.Round{{Counted: []vote.Ballot{vote.Choose("j1", "a"), vote.Choose("j2", "b")}}}}}}},
			"no cluster won the syntax vote and the judges split: j2 chose b"},
		{"tournament by order", &selector.Decision{Winner: "a", Confident: true, Steps: []selector.Step{{Stage: "tournament", Winner: "a",
			Matches: []selector.Match{{Pair: [2]string{"a", "b"}, Winner: "a", Rule: selector.MatchPoolOrder}}}}},
			"no cluster won the syntax vote and the judges split: no judge decided the match a against b"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := strings.Join(conclave.Unsure(c.d), "; ")
			assert.Equal(t, c.want, got)
		})
	}
}
