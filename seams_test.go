package conclave_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/agent/judge"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/selector"
)

// A failure the Pipeline calls transient is the Generate call's error and
// leaves no record, so the Coder runs again; any other failure is
// recorded in the Attempt.
func TestTransientCoderFailure(t *testing.T) {
	repo, _ := gittest.Repo(t, project)
	down := &llm.APIError{Provider: "test", StatusCode: 503, Message: "overloaded"}
	bad := &llm.APIError{Provider: "test", StatusCode: 400, Message: "bad request"}
	p := &conclave.Pipeline{
		Coders: []*coder.Coder{
			scripted("a", llmtest.Fail(down), edit("stats/stats.go", buggy, fixed), done),
			scripted("b", llmtest.Fail(bad)),
		},
		Transient:   llm.IsRetryable,
		WorktreeDir: t.TempDir(),
	}
	job, err := p.Open(t.Context(), conclave.Task{Repo: repo, Issue: issue}, t.TempDir())
	require.NoError(t, err)

	_, err = job.Generate(t.Context(), 1, "a")
	require.ErrorIs(t, err, down, "a provider that is down is the call's error")
	_, err = job.Candidates(1)
	require.ErrorIs(t, err, conclave.ErrNoCandidate, "and nothing is recorded")
	a, err := job.Generate(t.Context(), 1, "a")
	require.NoError(t, err)
	assert.Empty(t, a.Error)
	assert.Contains(t, a.Candidate.Patch, "if len(xs) == 0")

	b, err := job.Generate(t.Context(), 1, "b")
	require.NoError(t, err, "a bad request is the Coder's failure, recorded")
	assert.Contains(t, b.Error, "bad request")
}

// A decision made elsewhere and recorded finishes the run as Select's
// would; a decision on record is kept.
func TestRecordDecision(t *testing.T) {
	repo, _ := gittest.Repo(t, project)
	p := &conclave.Pipeline{Coders: []*coder.Coder{scripted("a", edit("stats/stats.go", buggy, fixed), done)}, WorktreeDir: t.TempDir()}
	job, err := p.Open(t.Context(), conclave.Task{Repo: repo, Issue: issue}, t.TempDir())
	require.NoError(t, err)
	_, err = job.Generation(t.Context(), 1)
	require.NoError(t, err)
	require.ErrorContains(t, job.RecordDecision(0, &selector.Decision{}), "round 0")
	d := &selector.Decision{Winner: "a", DecidedBy: "elsewhere", Confident: true}
	require.NoError(t, job.RecordDecision(1, d))
	require.NoError(t, job.RecordDecision(1, &selector.Decision{Winner: "other"}))
	res, err := job.Finish(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "a", res.Winner)
	assert.Equal(t, "elsewhere", res.Decision.DecidedBy)
	assert.Contains(t, res.Patch, "if len(xs) == 0")
}

func TestCoderIDsAndVerifierName(t *testing.T) {
	v := &judge.Judge{}
	plain := selector.JudgeFunc(nil)
	for _, c := range []struct {
		verifier string
		judges   map[string]selector.Judge
		want     string
	}{
		{"", map[string]selector.Judge{"z": v, "a": plain, "m": v}, "m"},
		{"-", map[string]selector.Judge{"z": v}, ""},
		{"z", map[string]selector.Judge{"z": v, "a": v}, "z"},
		{"", map[string]selector.Judge{"a": plain}, ""},
	} {
		p := &conclave.Pipeline{Verifier: c.verifier, Judges: c.judges}
		assert.Equal(t, c.want, p.VerifierName(), fmt.Sprint(c.verifier, c.judges))
	}
	p := &conclave.Pipeline{Coders: []*coder.Coder{scripted("x"), scripted("y")}}
	ids, err := p.CoderIDs()
	require.NoError(t, err)
	assert.Equal(t, []string{"x", "y"}, ids)
	_, err = (&conclave.Pipeline{}).CoderIDs()
	assert.ErrorContains(t, err, "Pipeline.Coders is empty")
}
