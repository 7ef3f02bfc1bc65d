package judge_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/judge"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

// Three scripted judges on a real repository: their submit calls become
// ballots, the tie of the first round goes to a runoff among the tied, and
// the winner and every reason are in the Decision's JSON.
func TestPanel(t *testing.T) {
	p := newProject(t)
	cands := p.candidates(t)
	j1 := llmtest.NewScript(
		// j1 looks at the original code and runs the tests on a candidate
		// before it votes.
		llmtest.CallTools("view", `{"path":"calc.py"}`),
		llmtest.CallTools("try_candidate", `{"candidate":"good","command":"python3 -m unittest -q 2>&1 | tail -1"}`),
		llmtest.CallTools("submit", approve("j1", map[string]int{"good": 1, "twin": 1, "bad": 0})),
		llmtest.CallTools("submit", approve("j1", map[string]int{"good": 1, "twin": 0})),
	)
	j2 := llmtest.NewScript(
		llmtest.CallTools("submit", approve("j2", map[string]int{"good": 1, "twin": 1, "bad": 0})),
		llmtest.CallTools("submit", approve("j2", map[string]int{"good": 1, "twin": 0})),
	)
	j3 := llmtest.NewScript(
		llmtest.CallTools("submit", approve("j3", map[string]int{"good": 0, "twin": 0, "bad": 1})),
		llmtest.CallTools("submit", approve("j3", map[string]int{"good": 0, "twin": 1})),
	)
	pool, err := selector.NewPool("add subtracts instead of adding", nil, cands)
	require.NoError(t, err)
	sel := selector.Selector{Stages: []selector.Stage{selector.Panel{Judges: map[string]selector.Judge{
		"j1": p.judge("j1", j1), "j2": p.judge("j2", j2), "j3": p.judge("j3", j3),
	}}}}
	d, err := sel.Run(t.Context(), pool)
	require.NoError(t, err)
	assert.Equal(t, "good", d.Winner)
	assert.Equal(t, "panel", d.DecidedBy)

	step := d.Steps[0]
	require.NotNil(t, step.Vote)
	require.Len(t, step.Vote.Rounds, 2, "a tie in round 1 is re-voted among the tied")
	assert.ElementsMatch(t, []string{"good", "twin"}, step.Vote.Rounds[0].Tied)
	assert.Empty(t, step.Failures)
	for _, r := range step.Vote.Rounds {
		assert.Len(t, r.Counted, 3, "every judge's submit is a ballot")
	}

	// The original code and the patched code were really looked at.
	reqs := j1.Requests()
	assert.Contains(t, toolResult(t, reqs[1]).Content, "return a - b")
	tried := toolResult(t, reqs[2])
	assert.False(t, tried.IsError, tried.Content)
	assert.Contains(t, tried.Content, "OK")

	// Every reason, finding and trace is in the Decision's JSON.
	out, err := json.Marshal(d)
	require.NoError(t, err)
	js := string(out)
	for _, j := range []string{"j1", "j2", "j3"} {
		assert.Contains(t, js, j+" overall")
		assert.Contains(t, js, j+" on good")
		assert.Contains(t, js, j+": good safety")
	}
	require.Len(t, step.Remarks, 6)
	for _, r := range step.Remarks {
		require.NotNil(t, r.Trace, r.By)
		assert.Equal(t, "judge-model", r.Trace.Model)
		assert.Positive(t, r.Trace.Steps)
	}
	assert.Equal(t, 3, step.Remarks[0].Trace.Steps+step.Remarks[1].Trace.Steps+step.Remarks[2].Trace.Steps-2,
		"j1 took three steps in round 1, the others one each")
}

// A judge whose vote leaves a candidate out, or names one that is not in
// the question, is told so and fixes it within its run.
func TestIncompleteVoteFixed(t *testing.T) {
	p := newProject(t)
	cands := p.candidates(t)[:2]
	model := llmtest.NewScript(
		llmtest.CallTools("submit", approve("j", map[string]int{"good": 1})),
		llmtest.CallTools("submit", approve("j", map[string]int{"good": 1, "twin": 0, "zzz": 1})),
		llmtest.CallTools("submit", approve("j", map[string]int{"good": 1, "twin": 0})),
	)
	j := p.judge("j", model)
	ans, err := j.Judge(t.Context(), selector.Question{Issue: "add subtracts", Candidates: cands, Kind: vote.KindApproval, Round: 1})
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{"good": true, "twin": false}, ans.Approve)
	assert.Equal(t, "j on twin", ans.Reasons["twin"])
	assert.Equal(t, "j: good correctness", ans.Criteria["good"]["correctness"])
	assert.Equal(t, 3, ans.Trace.Steps)

	reqs := model.Requests()
	require.Len(t, reqs, 3)
	missing := toolResult(t, reqs[1])
	assert.True(t, missing.IsError)
	assert.Contains(t, missing.Content, "no vote for twin")
	unknown := toolResult(t, reqs[2])
	assert.True(t, unknown.IsError)
	assert.Contains(t, unknown.Content, "zzz")
}

// A judge that never submits, one that runs out of steps and one whose
// model panics are recorded failures; the others decide.
func TestFailingJudges(t *testing.T) {
	p := newProject(t)
	cands := p.candidates(t)
	silent := p.judge("silent", &llmtest.Script{Fallback: llmtest.Say("I prefer bad.")})
	silent.Agent.MaxNudges = 1
	spendthrift := p.judge("spendthrift", &llmtest.Script{Fallback: llmtest.CallTools("view", `{"path":"calc.py"}`)})
	spendthrift.Agent.Limits.Steps = 2
	crash := p.judge("crash", llmtest.NewScript(panics))
	good := p.judge("good", llmtest.NewScript(llmtest.CallTools("submit", approve("good", map[string]int{"good": 1, "twin": 0, "bad": 0}))))

	pool, err := selector.NewPool("add subtracts", nil, cands)
	require.NoError(t, err)
	d, err := selector.Selector{Stages: []selector.Stage{selector.Panel{Judges: map[string]selector.Judge{
		"silent": silent, "spendthrift": spendthrift, "crash": crash, "good": good,
	}}}}.Run(t.Context(), pool)
	require.NoError(t, err)
	assert.Equal(t, "good", d.Winner)
	assert.Equal(t, "panel", d.DecidedBy)

	failures := map[string]selector.Failure{}
	for _, f := range d.Steps[0].Failures {
		failures[f.By] = f
	}
	require.Len(t, failures, 3)
	assert.Equal(t, selector.FailError, failures["silent"].Kind)
	assert.Contains(t, failures["silent"].Detail, string(agent.StopNoToolCall))
	assert.Equal(t, selector.FailError, failures["spendthrift"].Kind)
	assert.Contains(t, failures["spendthrift"].Detail, string(agent.StopSteps))
	assert.Contains(t, failures["spendthrift"].Detail, "after 2 steps")
	assert.Equal(t, selector.FailPanic, failures["crash"].Kind)
	assert.Contains(t, failures["crash"].Detail, "model client bug")
	assert.Len(t, d.Steps[0].Vote.Rounds[0].Counted, 1)
}

// Dual verification: the verifier rejects the syntax vote's winner, and the
// selection goes on to the panel.
func TestVerifierRejects(t *testing.T) {
	p := newProject(t)
	cands := p.candidates(t)
	verifier := p.judge("verifier", llmtest.NewScript(
		llmtest.CallTools("try_candidate", `{"candidate":"good","command":"grep -n 'a + b' calc.py"}`),
		llmtest.CallTools("submit", `{"confirmed":false,"reason":"sub is left as it was, and the issue also asks for it"}`),
	))
	j := p.judge("j", llmtest.NewScript(llmtest.CallTools("submit", approve("j", map[string]int{"good": 0, "bad": 1}))))
	pool, err := selector.NewPool("add subtracts", os.DirFS(p.dir), cands)
	require.NoError(t, err)
	d, err := selector.Selector{Stages: []selector.Stage{
		selector.SyntaxCluster{},
		selector.SyntaxVote{Strategy: vote.Majority{}, Verifier: verifier},
		selector.Panel{Judges: map[string]selector.Judge{"j": j}},
	}}.Run(t.Context(), pool)
	require.NoError(t, err)

	require.Len(t, d.Steps, 3)
	sv := d.Steps[1]
	require.NotNil(t, sv.Verdict)
	assert.Equal(t, "good", sv.Verdict.Candidate, "good and twin are one cluster, represented by good")
	assert.False(t, sv.Verdict.Confirmed)
	assert.Contains(t, sv.Verdict.Reason, "sub is left")
	require.NotNil(t, sv.Verdict.Trace)
	assert.Equal(t, 2, sv.Verdict.Trace.Steps)
	assert.Equal(t, "bad", d.Winner)
	assert.Equal(t, "panel", d.DecidedBy)
}

// Each judge sees the candidates in its own order, drawn from the pool's
// seed, under the same IDs; the same seed gives the same orders.
func TestJudgesSeeTheirOwnOrder(t *testing.T) {
	p := newProject(t)
	cands := p.candidates(t)
	cands = append(cands, selector.Candidate{ID: "other", Patch: cands[0].Patch})
	ids := []string{"good", "twin", "bad", "other"}
	orders := func(seed uint64) map[string][]string {
		scripts := map[string]*llmtest.Script{}
		judges := map[string]selector.Judge{}
		for _, name := range []string{"j1", "j2", "j3", "j4"} {
			scripts[name] = llmtest.NewScript(llmtest.CallTools("submit", approve(name, map[string]int{"good": 1, "twin": 0, "bad": 0, "other": 0})))
			judges[name] = p.judge(name, scripts[name])
		}
		pool, err := selector.NewPool("add subtracts", nil, cands)
		require.NoError(t, err)
		pool.Seed = seed
		_, err = selector.Selector{Stages: []selector.Stage{selector.Panel{Judges: judges}}}.Run(t.Context(), pool)
		require.NoError(t, err)
		out := map[string][]string{}
		for name, s := range scripts {
			out[name] = shown(s.Requests()[0])
			assert.ElementsMatch(t, ids, out[name], name)
		}
		return out
	}
	first := orders(7)
	distinct := map[string]bool{}
	for _, o := range first {
		distinct[strings.Join(o, ",")] = true
	}
	assert.Greater(t, len(distinct), 1, "judges saw the candidates in one order: %v", first)
	assert.Equal(t, first, orders(7))
}

// Patches that do not fit are summarised and read through view_patch; the
// answer's trace names the trajectory written.
func TestSummarisedPatches(t *testing.T) {
	p := newProject(t)
	cands := p.candidates(t)
	model := llmtest.NewScript(
		llmtest.CallTools("view_patch", `{"candidate":"bad","start_line":1,"end_line":40}`),
		llmtest.CallTools("submit", choose("good", "bad renames sub; good fixes add")),
	)
	j := p.judge("j", model)
	j.PatchTokens = 10
	j.Trajectories = t.TempDir()
	ans, err := j.Judge(t.Context(), selector.Question{Issue: "add subtracts", Candidates: cands, Kind: vote.KindChoice, Round: 1})
	require.NoError(t, err)
	assert.Equal(t, "good", ans.Choice)
	assert.Equal(t, "bad renames sub; good fixes add", ans.Reason)

	reqs := model.Requests()
	task := reqs[0].Messages[0].Text()
	assert.Contains(t, task, "## Candidate bad (summary)")
	assert.Contains(t, task, "calc.py (modified, +1 -1)")
	assert.NotContains(t, task, "+def sub_(a, b):", "the patches are not shown whole")
	assert.Contains(t, toolNames(reqs[0]), "view_patch")
	viewed := toolResult(t, reqs[1])
	assert.False(t, viewed.IsError)
	assert.Contains(t, viewed.Content, "+def sub_(a, b):")

	require.NotNil(t, ans.Trace)
	f, err := os.Open(ans.Trace.Trajectory)
	require.NoError(t, err)
	defer f.Close()
	evs, err := agent.ReadTrajectory(f)
	require.NoError(t, err)
	assert.Equal(t, agent.EventStart, evs[0].Kind)
	assert.Equal(t, agent.EventStop, evs[len(evs)-1].Kind)
}

// Patches that fit are shown whole, and there is no view_patch.
func TestWholePatches(t *testing.T) {
	p := newProject(t)
	model := llmtest.NewScript(llmtest.CallTools("submit", `{"confirmed":true,"reason":"it adds"}`))
	v, err := p.judge("v", model).Verify(t.Context(), "add subtracts", p.candidates(t)[0])
	require.NoError(t, err)
	assert.Equal(t, selector.Verdict{Candidate: "good", Confirmed: true, Reason: "it adds", Trace: v.Trace}, v)
	req := model.Requests()[0]
	assert.Contains(t, req.Messages[0].Text(), "+    return a + b\n")
	assert.Equal(t, []string{"bash", "view", "ckg", "try_candidate", "submit"}, toolNames(req))
}

// A candidate whose patch does not apply is reported to the judge, which
// goes on.
func TestTryCandidateThatDoesNotApply(t *testing.T) {
	p := newProject(t)
	broken := selector.Candidate{ID: "broken", Patch: strings.Replace(p.candidates(t)[0].Patch, "return a - b", "return a * b", 1)}
	model := llmtest.NewScript(
		llmtest.CallTools("try_candidate", `{"candidate":"broken","command":"true"}`),
		llmtest.CallTools("try_candidate", `{"candidate":"nobody","command":"true"}`),
		llmtest.CallTools("submit", `{"confirmed":false,"reason":"it does not apply"}`),
	)
	v, err := p.judge("v", model).Verify(t.Context(), "add subtracts", broken)
	require.NoError(t, err)
	assert.False(t, v.Confirmed)
	reqs := model.Requests()
	res := toolResult(t, reqs[1])
	assert.True(t, res.IsError)
	assert.Contains(t, res.Content, "broken could not be tried")
	assert.Contains(t, res.Content, "does not apply")
	res = toolResult(t, reqs[2])
	assert.True(t, res.IsError)
	assert.Contains(t, res.Content, `no candidate "nobody"`)
}

// The tournament asks the judges of this package choice questions about
// pairs, unchanged: each match's pair is shown to one judge in both
// orders, and the judge's worktrees are all removed after.
func TestTournamentWithJudges(t *testing.T) {
	p := newProject(t)
	cands := p.candidates(t)
	var mu sync.Mutex
	var orders [][]string
	// The model prefers good, and otherwise the smaller ID, in any order.
	prefer := func(ctx context.Context, req *llm.Request) (*llm.Response, error) {
		ids := shown(req)
		mu.Lock()
		orders = append(orders, ids)
		mu.Unlock()
		pick := min(ids[0], ids[1])
		if slices.Contains(ids, "good") {
			pick = "good"
		}
		return llmtest.CallTools("submit", choose(pick, pick+" is the better fix"))(ctx, req)
	}
	judges := map[string]selector.Judge{
		"j1": p.judge("j1", &llmtest.Script{Fallback: prefer}),
		"j2": p.judge("j2", &llmtest.Script{Fallback: prefer}),
	}
	pool, err := selector.NewPool("add subtracts", nil, cands)
	require.NoError(t, err)
	d, err := selector.Selector{Stages: []selector.Stage{selector.Tournament{Judges: judges}}}.Run(t.Context(), pool)
	require.NoError(t, err)
	assert.Equal(t, "good", d.Winner)
	assert.Equal(t, "tournament", d.DecidedBy)
	matches := d.Steps[0].Matches
	require.Len(t, matches, 2)
	for _, m := range matches {
		require.Len(t, m.Judgements, 2)
		assert.Equal(t, selector.MatchAgreed, m.Rule)
		assert.Equal(t, m.Pair[0], m.Judgements[0].Shown[0])
		assert.Equal(t, m.Pair[0], m.Judgements[1].Shown[1])
		require.NotNil(t, m.Judgements[0].Trace)
		assert.Equal(t, 1, m.Judgements[0].Trace.Steps)
	}
	assert.Len(t, orders, 4)
	for _, o := range orders {
		assert.Len(t, o, 2)
	}
}

// A judge whose model failed says so in a NoAnswerError that unwraps to
// the model's error, so a durable runner can tell a provider that is down
// from a judge that ran out of steps.
func TestNoAnswerUnwraps(t *testing.T) {
	p := newProject(t)
	cands := p.candidates(t)
	down := &llm.APIError{Provider: "test", StatusCode: 503, Message: "overloaded"}
	j := p.judge("down", llmtest.NewScript(llmtest.Fail(down)))
	_, err := j.Judge(t.Context(), selector.Question{Issue: "add subtracts", Candidates: cands, Kind: vote.KindApproval, Round: 1})
	var na *judge.NoAnswerError
	require.ErrorAs(t, err, &na)
	assert.ErrorIs(t, err, down)
	assert.True(t, llm.IsRetryable(err))
	assert.Contains(t, err.Error(), "no answer: the run stopped")

	spendthrift := p.judge("spendthrift", &llmtest.Script{Fallback: llmtest.CallTools("view", `{"path":"calc.py"}`)})
	spendthrift.Agent.Limits.Steps = 1
	_, err = spendthrift.Judge(t.Context(), selector.Question{Issue: "add subtracts", Candidates: cands, Kind: vote.KindApproval, Round: 1})
	require.ErrorAs(t, err, &na)
	assert.False(t, llm.IsRetryable(err), "a judge out of steps is not retried")
}
