package selector_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/selector/rank"
)

// model is a ranker weighing the given features per unit, unstandardised.
func model(weights map[rank.Feature]float64) *rank.Model {
	m := &rank.Model{Version: rank.Version}
	for _, f := range rank.Features() {
		if w, ok := weights[f]; ok {
			m.Features = append(m.Features, f)
			m.Mean = append(m.Mean, 0)
			m.Scale = append(m.Scale, 1)
			m.Weights = append(m.Weights, w)
		}
	}
	return m
}

func stagesOf(d *selector.Decision) []string {
	var out []string
	for _, s := range d.Steps {
		out = append(out, s.Stage)
	}
	return out
}

// TestRankComposes runs Rank after the filters and syntax clustering on
// the calc candidates: the biggest cluster scores highest.
func TestRankComposes(t *testing.T) {
	base, cs := calc(t, "broken", "fix3", "tests", "fix1", "stale", "fix2", "scratch")
	p, err := selector.NewPool("div by zero", base, cs)
	require.NoError(t, err)
	m := model(map[rank.Feature]float64{rank.ClusterShare: 1, rank.LinesAdded: 0.01})
	d, err := selector.Selector{Stages: []selector.Stage{
		selector.ContentFilter{}, selector.ApplyCheck{}, selector.SyntaxCluster{}, selector.Rank{Model: m},
	}}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, []string{"content_filter", "apply_check", "syntax_cluster", "rank"}, stagesOf(d))
	assert.Equal(t, "rank", d.DecidedBy)
	assert.True(t, d.Confident)
	assert.Equal(t, "fix2", d.Winner, "fix1 and fix2 agree; fix2 adds a line more")
	step := d.Steps[3]
	assert.Equal(t, map[string]float64{"cluster_share": 1, "lines_added": 0.01}, step.Settings.FeatureWeights)
	require.Len(t, step.Scores, 3)
	assert.Equal(t, []string{"fix2", "fix1", "fix3"}, []string{step.Scores[0].Candidate, step.Scores[1].Candidate, step.Scores[2].Candidate})
	for _, sc := range step.Scores {
		assert.Len(t, sc.Features, len(rank.Features()))
		assert.InDelta(t, sc.Features["cluster_share"]+0.01*sc.Features["lines_added"], sc.Score, 1e-12)
	}
	assert.Equal(t, 0.5, step.Scores[0].Features["cluster_share"])
	assert.Zero(t, step.Scores[2].Features["cluster_share"])
	assert.Equal(t, []string{"fix2", "fix1", "fix3", "stale", "broken", "scratch", "tests"}, d.Ranking)

	var b strings.Builder
	require.NoError(t, d.Explain(&b))
	assert.Contains(t, b.String(), "4. rank: scores each candidate by a trained model over its features in the pool; the best wins")
	assert.Contains(t, b.String(), "   fix2 scores 0.514: cluster_share 0.5, lines_added 1.39")
}

func TestRankKeep(t *testing.T) {
	base, cs := calc(t, "fix3", "fix1", "fix2")
	p, err := selector.NewPool("div by zero", base, cs)
	require.NoError(t, err)
	d, err := selector.Selector{Stages: []selector.Stage{
		selector.Rank{Model: model(map[rank.Feature]float64{rank.LinesAdded: 1}), Keep: 2},
		selector.Panel{Judges: judges{"j1": yes("fix1"), "j2": yes("fix1", "fix3")}},
	}}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, "panel", d.DecidedBy)
	assert.Equal(t, "fix1", d.Winner)
	rk := d.Steps[0]
	assert.Empty(t, rk.Winner)
	require.Len(t, rk.Dropped, 1)
	assert.Equal(t, "fix3", rk.Dropped[0].Candidate, "fix3 adds the fewest lines")
	assert.Equal(t, selector.ReasonRankedOut, rk.Dropped[0].Reason)
	assert.Contains(t, rk.Dropped[0].Detail, "below the 2 kept")
	assert.Equal(t, []string{"fix2", "fix1"}, idsOfQuestion(d.Steps[1]), "the panel judges the two best")

	t.Run("keeping every candidate orders them", func(t *testing.T) {
		p, err := selector.NewPool("", nil, cands("a", "b"))
		require.NoError(t, err)
		p.Candidates[1].Patch = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1,2 @@\n a\n+b\n"
		d, err := selector.Selector{Stages: []selector.Stage{selector.Rank{Model: model(map[rank.Feature]float64{rank.LinesAdded: 1}), Keep: 5}}}.Run(t.Context(), p)
		require.NoError(t, err)
		assert.Equal(t, selector.DecidedByOrder, d.DecidedBy)
		assert.Equal(t, "b", d.Winner)
		assert.Contains(t, d.Steps[0].Notes, "ordered by score; all 2 candidates kept (Keep is 5)")
	})
}

// idsOfQuestion returns the candidates of the first round of a step's
// vote.
func idsOfQuestion(s selector.Step) []string {
	if s.Vote == nil || len(s.Vote.Rounds) == 0 {
		return nil
	}
	return s.Vote.Rounds[0].Candidates
}

func TestRankTies(t *testing.T) {
	p := poolOf("a", "b", "c")
	d, err := selector.Selector{Stages: []selector.Stage{selector.Rank{Model: model(map[rank.Feature]float64{rank.Files: 1})}}}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, "a", d.Winner, "equal scores keep pool order")
	assert.Contains(t, d.Steps[0].Notes, `"a", "b", "c" share the best score; pool order puts a first`)
}

func TestRankErrors(t *testing.T) {
	old := model(map[rank.Feature]float64{rank.Files: 1})
	old.Version = 0
	tests := []struct {
		name  string
		stage selector.Rank
		pool  *selector.Pool
		want  string
	}{
		{"no model", selector.Rank{}, poolOf("a", "b"), "Rank.Model is nil"},
		{"negative keep", selector.Rank{Model: model(map[rank.Feature]float64{rank.Files: 1}), Keep: -1}, poolOf("a", "b"), "Rank.Keep is -1"},
		{"an old model", selector.Rank{Model: old}, poolOf("a", "b"), "it is version 0"},
		{"clusters needed", selector.Rank{Model: model(map[rank.Feature]float64{rank.ClusterShare: 1})}, poolOf("a", "b"),
			"Rank's model weighs cluster_share, but the pool is not clustered: put SyntaxCluster before Rank"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, err := tt.stage.Run(t.Context(), tt.pool)
			assert.ErrorContains(t, err, tt.want)
			require.NotNil(t, step)
			assert.Equal(t, "rank", step.Stage)
			assert.Empty(t, tt.pool.Winner)
		})
	}
	_, err := selector.Rank{Model: old}.Run(t.Context(), poolOf("a"))
	assert.True(t, errors.Is(err, rank.ErrVersion))

	ctx, cancel := context.WithCancelCause(t.Context())
	cancel(errors.New("stop"))
	_, err = selector.Rank{Model: model(map[rank.Feature]float64{rank.Files: 1})}.Run(ctx, poolOf("a", "b"))
	assert.ErrorContains(t, err, "stop")
}

// TestRankCombined ranks by the regression tests and the judges' votes at
// once: every candidate breaks a test, so all stay; the judges prefer a,
// which breaks the most; the tests cannot tell b from c; together, c wins.
func TestRankCombined(t *testing.T) {
	p := poolOf("a", "b", "c")
	runner := tests{
		"":        {"t1": true, "t2": true, "t3": true, "t4": true},
		"patch a": {"t1": true},
		"patch b": {"t1": true, "t2": true, "t3": true},
		"patch c": {"t1": true, "t2": true, "t3": true},
	}
	panel := selector.Advise{Stage: selector.Panel{Judges: judges{"j1": yes("a", "c"), "j2": yes("a", "c"), "j3": yes("a", "b")}}}
	m := model(map[rank.Feature]float64{rank.Regressions: -2, rank.Approval: 2})
	d, err := selector.Selector{Stages: []selector.Stage{selector.Regression{Runner: runner}, panel, selector.Rank{Model: m}}}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, []string{"regression", "panel", "rank"}, stagesOf(d))
	assert.Empty(t, d.Steps[1].Winner, "the panel only advises")
	assert.Contains(t, d.Steps[1].Notes, "advisory: a leads, but this stage does not decide")
	assert.Equal(t, "rank", d.DecidedBy)
	features := map[string]map[string]float64{}
	for _, sc := range d.Steps[2].Scores {
		features[sc.Candidate] = sc.Features
	}
	assert.Equal(t, math.Log1p(3), features["a"]["regressions"])
	assert.Equal(t, math.Log1p(1), features["b"]["regressions"])
	assert.Equal(t, 1.0, features["a"]["approval"])
	assert.InDelta(t, 1.0/3, features["b"]["approval"], 1e-12)
	assert.InDelta(t, 2.0/3, features["c"]["approval"], 1e-12)
	assert.Equal(t, "c", d.Winner)
	assert.False(t, d.Confident, "every candidate failed the tests")

	t.Run("without tests or judges the signals are 0", func(t *testing.T) {
		p := poolOf("a", "b")
		d, err := selector.Selector{Stages: []selector.Stage{selector.Rank{Model: m}}}.Run(t.Context(), p)
		require.NoError(t, err)
		for _, sc := range d.Steps[0].Scores {
			assert.Zero(t, sc.Features["regressions"])
			assert.Zero(t, sc.Features["approval"])
		}
	})
}

func TestAdvise(t *testing.T) {
	p := poolOf("a", "b", "c")
	d, err := selector.Selector{Stages: []selector.Stage{
		selector.Advise{Stage: selector.MultiSelect{Judges: judges{"j1": picks("b"), "j2": picks("b")}}},
	}}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, selector.DecidedByOrder, d.DecidedBy, "an advisory stage decides nothing")
	assert.Equal(t, "b", d.Winner, "but its winner leads the pool")
	assert.Equal(t, "multi_select", d.Steps[0].Stage)

	_, err = selector.Advise{}.Run(t.Context(), poolOf("a"))
	assert.ErrorContains(t, err, "Advise.Stage is nil")
}

func TestForRank(t *testing.T) {
	p := poolOf("a", "b", "c", "d")
	p.Candidates[0].Source = "claude"
	p.Clusters = []selector.Cluster{{Key: "k", Members: []string{"a", "c"}}, {Key: "", Members: []string{"b"}}}
	in := p.ForRank()
	require.Len(t, in, 4)
	assert.Equal(t, "claude", in[0].Source)
	assert.Equal(t, "b", in[1].Source, "a candidate without a source is its own")
	assert.Equal(t, in[0].Cluster, in[2].Cluster)
	assert.NotEqual(t, in[0].Cluster, in[1].Cluster)
	assert.NotEqual(t, in[1].Cluster, in[3].Cluster, "a candidate in no cluster stands alone")
	assert.NotEmpty(t, in[3].Cluster)
	assert.Equal(t, "patch d", in[3].Patch)
}
