package selector_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

// TestKeptAllIsNotDropped: when every candidate fails a filter, all are
// kept, listed as kept (not as dropped), and the Decision says it is not
// confident and why.
func TestKeptAllIsNotDropped(t *testing.T) {
	base, cs := calc(t, "stale", "broken")
	p, err := selector.NewPool("", base, cs)
	require.NoError(t, err)
	d, err := selector.Selector{Stages: []selector.Stage{selector.ApplyCheck{}}}.Run(t.Context(), p)
	require.NoError(t, err)
	step := d.Steps[0]
	assert.True(t, step.KeptAll)
	assert.Empty(t, step.Dropped, "nothing was dropped")
	require.Len(t, step.KeptFailing, 2)
	assert.Equal(t, selector.ReasonNoApply, step.KeptFailing[0].Reason)
	assert.Equal(t, selector.ReasonSyntax, step.KeptFailing[1].Reason)
	assert.False(t, d.Confident)
	assert.Equal(t, []string{
		"every candidate failed apply_check (does_not_apply, syntax_error); all were kept so that there is an answer",
		"no stage chose a winner, so the first candidate left in pool order won",
	}, d.Doubts)
	assert.Equal(t, selector.TieRuleOrder, d.TieRule)
}

// TestPanelNobodyApproved: a panel rejecting every candidate decides
// nothing after one round; the selection falls through to the next stage.
func TestPanelNobodyApproved(t *testing.T) {
	rec := &recorder{judge: yes()}
	panel := selector.Panel{Judges: judges{"j1": rec, "j2": yes()}}
	p := poolOf("a", "b", "c")
	d, err := selector.Selector{Stages: []selector.Stage{panel}}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, selector.DecidedByOrder, d.DecidedBy, "the panel chose nobody")
	assert.Equal(t, "a", d.Winner)
	assert.Len(t, rec.orders(), 1, "one round, not three at zero")
	assert.Contains(t, d.Steps[0].Notes, "no judge approved any candidate, so the panel chose none; the pool goes on unchanged")
	assert.False(t, d.Confident)
	require.Len(t, d.Doubts, 2)
	assert.Contains(t, d.Doubts[0], "panel decided nothing")
	assert.Equal(t, "no stage chose a winner, so the first candidate left in pool order won", d.Doubts[1])

	// A later stage still decides.
	d, err = selector.Selector{Stages: []selector.Stage{panel, selector.MultiSelect{Judges: judges{"j": picks("c")}}}}.Run(t.Context(), poolOf("a", "b", "c"))
	require.NoError(t, err)
	assert.Equal(t, "multi_select", d.DecidedBy)
	assert.Equal(t, "c", d.Winner)
	assert.True(t, d.Confident)
}

func TestNewPoolUnreadableBase(t *testing.T) {
	_, err := selector.NewPool("", os.DirFS(filepath.Join(t.TempDir(), "missing")), cands("a"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "selector: the original files cannot be read")
	assert.Contains(t, err.Error(), "give Pool.Base the project's root")

	_, err = selector.Selector{}.Run(t.Context(), &selector.Pool{Base: os.DirFS("/no/such/dir"), Candidates: cands("a")})
	assert.ErrorContains(t, err, "cannot be read", "a Pool literal is checked when the selection starts")

	_, err = selector.NewPool("", fstest.MapFS{}, cands("a"))
	assert.NoError(t, err, "an empty tree can be read")
}

// TestDecisionSaysWhatDecided: settings, judges' orders, the seed and the
// tie rule are in the Decision as data, and a stage that changed nothing
// says so.
func TestDecisionSaysWhatDecided(t *testing.T) {
	p := poolOf("a", "b", "c")
	p.Seed = 42
	d, err := selector.Selector{Stages: []selector.Stage{
		selector.StageFunc(func(context.Context, *selector.Pool) (*selector.Step, error) {
			return &selector.Step{Stage: "noop"}, nil
		}),
		selector.SyntaxVote{Strategy: vote.Majority{Threshold: 0.7}},
		selector.Panel{Judges: judges{"j1": yes("a", "b"), "j2": yes("b")}, JudgeWeights: map[string]float64{"j1": 2}, MaxRounds: 2},
	}}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, "b", d.Winner)
	assert.Equal(t, uint64(42), d.Seed)
	assert.Equal(t, "list order", d.TieRule)
	assert.Equal(t, []string{"a", "b", "c"}, d.Candidates)

	filter, sv, panel := d.Steps[0], d.Steps[1], d.Steps[2]
	assert.Equal(t, []string{"no change: the 3 candidates go on as they were"}, filter.Notes)
	assert.Equal(t, 0.7, sv.Vote.Threshold)
	assert.Equal(t, "majority", sv.Vote.Strategy)
	require.NotNil(t, panel.Settings)
	assert.Equal(t, []string{"j1", "j2"}, panel.Settings.Judges)
	assert.Equal(t, 2, panel.Settings.MaxRounds)
	assert.Equal(t, map[string]float64{"j1": 2}, panel.Settings.JudgeWeights)
	assert.Equal(t, selector.DefaultCriteria(), panel.Settings.Criteria)
	require.Len(t, panel.JudgeOrders, 2, "one order per judge and round")
	for _, o := range panel.JudgeOrders {
		assert.Equal(t, 1, o.Round)
		assert.ElementsMatch(t, []string{"a", "b", "c"}, o.Candidates)
	}

	// The JSON says the same, in snake_case, and explains the same.
	data, err := json.Marshal(d)
	require.NoError(t, err)
	for _, field := range []string{`"seed":42`, `"tie_rule":"list order"`, `"judge_orders":`, `"max_rounds":2`, `"threshold":0.7`, `"confident":true`} {
		assert.Contains(t, string(data), field)
	}
	var back selector.Decision
	require.NoError(t, json.Unmarshal(data, &back))
	var want, got strings.Builder
	require.NoError(t, d.Explain(&want))
	require.NoError(t, back.Explain(&got))
	assert.Equal(t, want.String(), got.String())
	assert.Contains(t, want.String(), "j1 (shown ")
}

// TestRegressionKeepsAllFailing: when no candidate passes the tests, the
// candidates kept are listed with their regressions, and the Decision is
// not confident.
func TestRegressionKeepsAllFailing(t *testing.T) {
	runner := tests{"": {"t1": true}, "patch a": {"t1": false}, "patch b": {}}
	for _, fewest := range []bool{false, true} {
		d, err := selector.Selector{Stages: []selector.Stage{selector.Regression{Runner: runner, Fewest: fewest}}}.Run(t.Context(), poolOf("a", "b"))
		require.NoError(t, err)
		step := d.Steps[0]
		assert.Empty(t, step.Dropped)
		assert.Len(t, step.KeptFailing, 2)
		assert.Equal(t, !fewest, step.KeptAll)
		assert.Equal(t, fewest, step.Settings.Fewest)
		assert.False(t, d.Confident)
		assert.Contains(t, d.Doubts[0], "regression")
	}
}

// failingWriter fails after n bytes.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		return 0, os.ErrClosed
	}
	w.n -= len(p)
	return len(p), nil
}

func TestExplainWriteError(t *testing.T) {
	d, err := selector.Selector{}.Run(context.Background(), poolOf("a"))
	require.NoError(t, err)
	assert.ErrorIs(t, d.Explain(&failingWriter{n: 5}), os.ErrClosed)
}
