package selector_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

func TestSelectorRun(t *testing.T) {
	decide := func(id string) selector.Stage {
		return selector.StageFunc(func(_ context.Context, p *selector.Pool) (*selector.Step, error) {
			p.Winner = id
			return &selector.Step{Stage: "decide"}, nil
		})
	}
	tests := []struct {
		name      string
		stages    []selector.Stage
		winner    string
		decidedBy string
		ranking   []string
		steps     []string
		keptAll   []bool
	}{
		{
			name:      "no stage: the first candidate wins",
			winner:    "a",
			decidedBy: selector.DecidedByOrder,
			ranking:   []string{"a", "b", "c"},
		},
		{
			name:      "drops rank last, the last dropped first",
			stages:    []selector.Stage{drop(selector.ReasonEmpty, "a"), drop(selector.ReasonNoApply, "b")},
			winner:    "c",
			decidedBy: selector.DecidedByOrder,
			ranking:   []string{"c", "b", "a"},
			steps:     []string{"drop", "drop"},
			keptAll:   []bool{false, false},
		},
		{
			name:      "a stage that would drop everyone drops no one",
			stages:    []selector.Stage{drop(selector.ReasonRegression, "a", "b", "c")},
			winner:    "a",
			decidedBy: selector.DecidedByOrder,
			ranking:   []string{"a", "b", "c"},
			steps:     []string{"drop"},
			keptAll:   []bool{true},
		},
		{
			name:      "a deciding stage stops the selection and its winner leads",
			stages:    []selector.Stage{decide("b"), drop(selector.ReasonEmpty, "b")},
			winner:    "b",
			decidedBy: "decide",
			ranking:   []string{"b", "a", "c"},
			steps:     []string{"decide"},
			keptAll:   []bool{false},
		},
		{
			name:      "cluster members follow their cluster",
			stages:    []selector.Stage{cluster([]string{"a", "c"}, []string{"b"}), decide("b")},
			winner:    "b",
			decidedBy: "decide",
			ranking:   []string{"b", "a", "c"},
			steps:     []string{"cluster", "decide"},
			keptAll:   []bool{false, false},
		},
		{
			name: "an unnamed stage is named by position",
			stages: []selector.Stage{selector.StageFunc(func(context.Context, *selector.Pool) (*selector.Step, error) {
				return nil, nil
			})},
			winner:    "a",
			decidedBy: selector.DecidedByOrder,
			ranking:   []string{"a", "b", "c"},
			steps:     []string{"stage 1"},
			keptAll:   []bool{false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := selector.Selector{Stages: tt.stages}.Run(t.Context(), poolOf("a", "b", "c"))
			require.NoError(t, err)
			assert.Equal(t, tt.winner, d.Winner)
			assert.Equal(t, tt.decidedBy, d.DecidedBy)
			assert.Equal(t, tt.ranking, d.Ranking)
			var names []string
			var kept []bool
			for _, s := range d.Steps {
				names, kept = append(names, s.Stage), append(kept, s.KeptAll)
			}
			assert.Equal(t, tt.steps, names)
			assert.Equal(t, tt.keptAll, kept)
		})
	}
}

func TestSelectorRunRecordsDrops(t *testing.T) {
	silent := selector.StageFunc(func(_ context.Context, p *selector.Pool) (*selector.Step, error) {
		p.Candidates = p.Candidates[1:]
		return &selector.Step{Stage: "silent"}, nil
	})
	d, err := selector.Selector{Stages: []selector.Stage{silent}}.Run(t.Context(), poolOf("a", "b"))
	require.NoError(t, err)
	assert.Equal(t, []selector.Rejection{{Candidate: "a", Reason: selector.ReasonRemoved}}, d.Steps[0].Dropped,
		"a candidate removed without a reason is recorded as removed")
}

func TestSelectorRunRejectsBadStages(t *testing.T) {
	errStage := errors.New("stage broke")
	tests := []struct {
		name  string
		stage selector.Stage
		want  string
	}{
		{"adds a candidate", selector.StageFunc(func(_ context.Context, p *selector.Pool) (*selector.Step, error) {
			p.Candidates = append(p.Candidates, selector.Candidate{ID: "intruder"})
			return &selector.Step{Stage: "add"}, nil
		}), `selector: add: put candidate "intruder" in the pool twice or from outside the running`},
		{"repeats a candidate", selector.StageFunc(func(_ context.Context, p *selector.Pool) (*selector.Step, error) {
			p.Candidates = append(p.Candidates, p.Candidates[0])
			return &selector.Step{Stage: "repeat"}, nil
		}), `selector: repeat: put candidate "a" in the pool twice`},
		{"chooses a dropped candidate", selector.StageFunc(func(_ context.Context, p *selector.Pool) (*selector.Step, error) {
			p.Winner, p.Candidates = "a", p.Candidates[1:]
			return &selector.Step{Stage: "choose"}, nil
		}), `selector: choose: chose "a", which is not in the running`},
		{"fails", selector.StageFunc(func(context.Context, *selector.Pool) (*selector.Step, error) {
			return &selector.Step{Stage: "fail"}, errStage
		}), "selector: fail: stage broke"},
		{"is nil", nil, "selector: Selector.Stages[0] is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := poolOf("a", "b")
			d, err := selector.Selector{Stages: []selector.Stage{tt.stage, drop(selector.ReasonEmpty, "b")}}.Run(t.Context(), p)
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.want)
			require.NotNil(t, d, "the decision so far comes with the error")
			assert.Equal(t, "a", d.Winner)
			assert.Equal(t, []string{"a", "b"}, idsOf(p.Candidates), "the pool is as before the bad stage, and no stage ran after it")
		})
	}
}

func TestSelectorRunCandidates(t *testing.T) {
	tests := []struct {
		name       string
		candidates []selector.Candidate
		want       string
	}{
		{"none", nil, "selector: no candidates"},
		{"no ID", []selector.Candidate{{Patch: "x"}}, "candidate 0 has no ID"},
		{"same ID twice", cands("a", "b", "a"), `candidate ID "a" is used twice`},
		{"not UTF-8", []selector.Candidate{{ID: "a\xff"}}, "not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := selector.NewPool("", nil, tt.candidates)
			assert.ErrorContains(t, err, tt.want)
			_, err = selector.Selector{}.Run(t.Context(), &selector.Pool{Candidates: tt.candidates})
			assert.ErrorContains(t, err, tt.want)
		})
	}
	_, err := selector.NewPool("", nil, nil)
	assert.ErrorIs(t, err, selector.ErrNoCandidates)
}

func TestSelectorRunStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancelCause(t.Context())
	stop := errors.New("user gave up")
	canceller := selector.StageFunc(func(context.Context, *selector.Pool) (*selector.Step, error) {
		cancel(stop)
		return &selector.Step{Stage: "cancel"}, nil
	})
	d, err := selector.Selector{Stages: []selector.Stage{canceller, drop(selector.ReasonEmpty, "a")}}.Run(ctx, poolOf("a", "b"))
	assert.ErrorIs(t, err, stop)
	require.NotNil(t, d)
	assert.Len(t, d.Steps, 1, "no stage runs after the context ends")
}

func TestSelectorRunContinues(t *testing.T) {
	p := poolOf("a", "b", "c")
	_, err := selector.Selector{Stages: []selector.Stage{drop(selector.ReasonEmpty, "a")}}.Run(t.Context(), p)
	require.NoError(t, err)
	d, err := selector.Selector{Stages: []selector.Stage{drop(selector.ReasonNoApply, "b")}}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, "c", d.Winner)
	assert.Len(t, d.Steps, 2, "a second selector on the same pool continues the first")
	assert.Equal(t, []string{"c", "b", "a"}, d.Ranking)
}

func TestDecisionJSON(t *testing.T) {
	p := poolOf("a", "b", "c", "d")
	p.SourceWeights = map[string]float64{"a": 1.5, "b": 2}
	stages := []selector.Stage{
		drop(selector.ReasonEmpty, "d"),
		cluster([]string{"a", "c"}, []string{"b"}),
		selector.SyntaxVote{Strategy: vote.Majority{Threshold: 0.9}},
		selector.Panel{Judges: map[string]selector.Judge{"j1": yes("a"), "j2": broken, "j3": yes("a", "b")}},
	}
	d, err := selector.Selector{Stages: stages}.Run(t.Context(), p)
	require.NoError(t, err)
	require.Equal(t, "a", d.Winner)
	data, err := json.Marshal(d)
	require.NoError(t, err)
	var back selector.Decision
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, *d, back)
	for _, field := range []string{`"winner":"a"`, `"decided_by":"panel"`, `"ranking":`, `"clusters":`, `"steps":`,
		`"stage":"syntax_vote"`, `"dropped":`, `"reason":"duplicate"`, `"failures":`, `"kind":"error"`, `"vote":`, `"rounds":`} {
		assert.Contains(t, string(data), field)
	}
}
