package selector_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

func TestSyntaxVote(t *testing.T) {
	// Five candidates: a, c and e agree; b and d agree.
	clusters := []selector.Cluster{{Key: "k1", Members: []string{"a", "c", "e"}}, {Key: "k2", Members: []string{"b", "d"}}}
	tests := []struct {
		name     string
		vote     selector.SyntaxVote
		weights  map[string]float64
		clusters []selector.Cluster
		winner   string
		pool     []string
		dropped  []selector.Rejection
	}{
		{
			name:     "the biggest cluster wins a plurality",
			clusters: clusters,
			winner:   "a",
			pool:     []string{"a", "b", "c", "d", "e"},
		},
		{
			name:     "it must exceed the threshold",
			vote:     selector.SyntaxVote{Strategy: vote.Majority{Threshold: 0.6}},
			clusters: clusters,
			pool:     []string{"a", "b"},
			dropped: []selector.Rejection{
				{Candidate: "c", Reason: selector.ReasonDuplicate, Detail: "equivalent to a"},
				{Candidate: "d", Reason: selector.ReasonDuplicate, Detail: "equivalent to b"},
				{Candidate: "e", Reason: selector.ReasonDuplicate, Detail: "equivalent to a"},
			},
		},
		{
			name:     "sources' weights count, and the heaviest member stands for its cluster",
			clusters: clusters,
			weights:  map[string]float64{"a": 0.1, "c": 0.2, "e": 0.1, "d": 1.5},
			winner:   "d",
			pool:     []string{"d", "c", "a", "b", "e"},
		},
		{
			name:     "a weighted majority over the threshold",
			vote:     selector.SyntaxVote{Strategy: vote.Majority{}},
			clusters: clusters,
			weights:  map[string]float64{"b": 2, "d": 2},
			winner:   "b",
			pool:     []string{"b", "a", "c", "d", "e"},
		},
		{
			name:   "without clusters each candidate stands alone and ties go to the first",
			winner: "a",
			pool:   []string{"a", "b", "c", "d", "e"},
		},
		{
			name:    "without clusters the heaviest source wins",
			weights: map[string]float64{"c": 3},
			winner:  "c",
			pool:    []string{"c", "a", "b", "d", "e"},
		},
		{
			name:    "nobody weighs anything: no decision, no duplicates to drop",
			weights: map[string]float64{"a": 0, "b": 0, "c": 0, "d": 0, "e": 0},
			pool:    []string{"a", "b", "c", "d", "e"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := poolOf("a", "b", "c", "d", "e")
			p.Clusters, p.SourceWeights = tt.clusters, tt.weights
			step, err := tt.vote.Run(t.Context(), p)
			require.NoError(t, err)
			assert.Equal(t, "syntax_vote", step.Stage)
			assert.Equal(t, tt.winner, p.Winner)
			assert.Equal(t, tt.pool, idsOf(p.Candidates))
			assert.Equal(t, tt.dropped, step.Dropped)
			require.NotNil(t, step.Vote)
		})
	}
}

func TestSyntaxVoteShares(t *testing.T) {
	p := poolOf("a", "b", "c")
	p.Clusters = []selector.Cluster{{Key: "k", Members: []string{"b", "c"}}}
	step, err := selector.SyntaxVote{}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, "b", p.Winner)
	assert.Equal(t, []string{"cluster of b (2 of 3 candidates) holds 67% of the weight"}, step.Notes)
	assert.Equal(t, map[string]float64{"a": 1, "b": 2}, step.Vote.Scores)
}

func TestSyntaxVoteTieRules(t *testing.T) {
	winners := map[string]bool{}
	for seed := range uint64(30) {
		win := func() string {
			p := poolOf("a", "b", "c")
			p.Seed = seed
			random := vote.Plurality{Tiebreak: vote.Tiebreak{Random: true, Seed: p.Seed}}
			d, err := selector.Selector{Stages: []selector.Stage{selector.SyntaxVote{Strategy: random}}}.Run(t.Context(), p)
			require.NoError(t, err)
			assert.Equal(t, []string{"a", "b", "c"}, d.Steps[0].Vote.Tied)
			assert.Equal(t, fmt.Sprintf("random, seed %d", seed), d.TieRule)
			assert.Equal(t, seed, d.Seed)
			return p.Winner
		}
		w := win()
		assert.Equal(t, w, win(), "the same seed breaks the tie the same way")
		winners[w] = true
	}
	assert.Len(t, winners, 3, "over seeds, every tied candidate wins sometimes")

	// By default the earliest in pool order wins, and the Decision says so.
	d, err := selector.Selector{Stages: []selector.Stage{selector.SyntaxVote{}}}.Run(t.Context(), poolOf("b", "a"))
	require.NoError(t, err)
	assert.Equal(t, "b", d.Winner)
	assert.Equal(t, "list order", d.TieRule)

	// A rule of one's own: the shortest patch wins a tie.
	p := &selector.Pool{Candidates: []selector.Candidate{{ID: "a", Patch: "long patch"}, {ID: "b", Patch: "short"}, {ID: "c", Patch: "longer patch"}}}
	shortest := vote.Tiebreak{Rule: "shortest patch first", Prefer: func(x, y string) int {
		cx, _ := candidateByID(p.Candidates, x)
		cy, _ := candidateByID(p.Candidates, y)
		return len(cx.Patch) - len(cy.Patch)
	}}
	d, err = selector.Selector{Stages: []selector.Stage{selector.SyntaxVote{Strategy: vote.Plurality{Tiebreak: shortest}}}}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, "b", d.Winner)
	assert.Equal(t, "shortest patch first, then list order", d.TieRule)
}

func candidateByID(cs []selector.Candidate, id string) (selector.Candidate, bool) {
	for _, c := range cs {
		if c.ID == id {
			return c, true
		}
	}
	return selector.Candidate{}, false
}

func TestSyntaxVoteVerifier(t *testing.T) {
	clusters := []selector.Cluster{{Key: "k1", Members: []string{"a", "c"}}}
	confirm := func(ok bool) selector.Verifier {
		return selector.VerifierFunc(func(_ context.Context, issue string, c selector.Candidate) (selector.Verdict, error) {
			assert.Equal(t, "the issue", issue)
			assert.Equal(t, "a", c.ID)
			return selector.Verdict{Confirmed: ok, Reason: "checked " + c.ID}, nil
		})
	}
	tests := []struct {
		name     string
		verifier selector.Verifier
		winner   string
		pool     []string
		verdict  selector.Verdict
		failure  selector.FailureKind
	}{
		{"confirmed", confirm(true), "a", []string{"a", "b", "c"}, selector.Verdict{Candidate: "a", Confirmed: true, Reason: "checked a"}, ""},
		{"refused: one per cluster goes on", confirm(false), "", []string{"a", "b"}, selector.Verdict{Candidate: "a", Reason: "checked a"}, ""},
		{"failed: counts as refused", selector.VerifierFunc(func(context.Context, string, selector.Candidate) (selector.Verdict, error) {
			return selector.Verdict{}, errors.New("no model")
		}), "", []string{"a", "b"}, selector.Verdict{Candidate: "a", Reason: "the verifier failed: no model"}, selector.FailError},
		{"panicked: counts as refused", selector.VerifierFunc(func(context.Context, string, selector.Candidate) (selector.Verdict, error) {
			panic("boom")
		}), "", []string{"a", "b"}, selector.Verdict{Candidate: "a", Reason: "the verifier failed: panic: boom"}, selector.FailPanic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := poolOf("a", "b", "c")
			p.Clusters = clusters
			step, err := selector.SyntaxVote{Verifier: tt.verifier}.Run(t.Context(), p)
			require.NoError(t, err)
			assert.Equal(t, tt.winner, p.Winner)
			assert.Equal(t, tt.pool, idsOf(p.Candidates))
			require.NotNil(t, step.Verdict)
			assert.Equal(t, tt.verdict, *step.Verdict)
			if tt.failure == "" {
				assert.Empty(t, step.Failures)
				return
			}
			require.Len(t, step.Failures, 1)
			assert.Equal(t, "verifier", step.Failures[0].By)
			assert.Equal(t, "a", step.Failures[0].Candidate)
			assert.Equal(t, tt.failure, step.Failures[0].Kind)
		})
	}
}

func TestSyntaxVoteConfiguration(t *testing.T) {
	for _, th := range []float64{-0.1, 1, 2} {
		_, err := selector.SyntaxVote{Strategy: vote.Majority{Threshold: th}}.Run(t.Context(), poolOf("a"))
		assert.ErrorContains(t, err, "Majority.Threshold")
	}
	nothing := vote.StrategyFunc(func([]string, []vote.Ballot) (*vote.Result, error) { return nil, nil })
	_, err := selector.SyntaxVote{Strategy: nothing}.Run(t.Context(), poolOf("a"))
	assert.ErrorContains(t, err, "returned no Result")
	step, err := selector.SyntaxVote{}.Run(t.Context(), &selector.Pool{})
	require.NoError(t, err)
	assert.Equal(t, []string{"no candidate to vote on"}, step.Notes)
}

func TestWeigh(t *testing.T) {
	p := &selector.Pool{Candidates: []selector.Candidate{
		{ID: "1", Source: "claude"}, {ID: "2", Source: "gpt"}, {ID: "3", Source: "claude"}, {ID: "qwen"},
	}}
	weights := map[string]float64{"claude": 2, "gpt": 0.5}
	step, err := selector.Weigh{SourceWeights: weights}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, "weigh", step.Stage)
	assert.Equal(t, weights, p.SourceWeights)
	weights["claude"] = 9
	assert.Equal(t, 2.0, p.SourceWeights["claude"], "the pool keeps its own copy")
	assert.Equal(t, map[string]float64{"1": 2, "2": 0.5, "3": 2, "qwen": 1}, step.CandidateWeights)
	assert.Equal(t, map[string]float64{"claude": 2, "gpt": 0.5}, step.Settings.SourceWeights)
	assert.Equal(t, []string{`no weight for source "qwen": it weighs 1`}, step.Notes)

	_, err = selector.Weigh{SourceWeights: map[string]float64{"x": -2}}.Run(t.Context(), p)
	assert.ErrorContains(t, err, `selector: Weigh.SourceWeights["x"] is -2`)
}
