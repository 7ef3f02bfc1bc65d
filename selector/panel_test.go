package selector_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

type judges = map[string]selector.Judge

func TestPanel(t *testing.T) {
	tests := []struct {
		name    string
		panel   selector.Panel
		pool    []string
		winner  string
		ranking []string
		asked   [][]string // the candidates of each round
		tied    []string
	}{
		{
			name:    "most approvals win",
			panel:   selector.Panel{Judges: judges{"j1": yes("b"), "j2": yes("b", "c"), "j3": yes("a", "b")}},
			pool:    []string{"a", "b", "c"},
			winner:  "b",
			ranking: []string{"b", "a", "c"},
			asked:   [][]string{{"a", "b", "c"}},
		},
		{
			name: "a tie is voted again among the tied only",
			panel: selector.Panel{Judges: judges{
				"j1": byRound{yes("a", "c"), yes("c")},
				"j2": byRound{yes("a", "c"), yes("a")},
				"j3": byRound{yes("b"), yes("c")},
			}},
			pool:    []string{"a", "b", "c"},
			winner:  "c",
			ranking: []string{"c", "a", "b"},
			asked:   [][]string{{"a", "b", "c"}, {"a", "c"}},
		},
		{
			name: "a lasting tie goes to the earliest in pool order",
			panel: selector.Panel{MaxRounds: 2, Judges: judges{
				"j1": yes("c", "b"), "j2": yes("c"), "j3": yes("b"),
			}},
			pool:    []string{"c", "a", "b"},
			winner:  "c",
			ranking: []string{"c", "b", "a"},
			asked:   [][]string{{"c", "a", "b"}, {"c", "b"}},
			tied:    []string{"c", "b"},
		},
		{
			name: "judges' weights count",
			panel: selector.Panel{
				Judges:       judges{"strong": yes("a"), "weak1": yes("b"), "weak2": yes("b")},
				JudgeWeights: map[string]float64{"strong": 2.5, "weak1": 1},
			},
			pool:    []string{"a", "b"},
			winner:  "a",
			ranking: []string{"a", "b"},
			asked:   [][]string{{"a", "b"}},
		},
		{
			name: "a judge weighing 0 is not asked",
			panel: selector.Panel{
				Judges:       judges{"muted": yes("a"), "j": yes("b")},
				JudgeWeights: map[string]float64{"muted": 0},
			},
			pool:    []string{"a", "b"},
			winner:  "b",
			ranking: []string{"b", "a"},
			asked:   [][]string{{"a", "b"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := poolOf(tt.pool...)
			step, err := tt.panel.Run(t.Context(), p)
			require.NoError(t, err)
			assert.Equal(t, "panel", step.Stage)
			assert.Equal(t, tt.winner, p.Winner)
			assert.Equal(t, tt.ranking, idsOf(p.Candidates), "the panel ranks the pool")
			require.NotNil(t, step.Vote)
			assert.Equal(t, tt.tied, step.Vote.Tied)
			var asked [][]string
			for _, r := range step.Vote.Rounds {
				asked = append(asked, r.Candidates)
			}
			assert.Equal(t, tt.asked, asked)
			assert.Empty(t, step.Failures)
		})
	}
}

func TestPanelAsksWithCriteria(t *testing.T) {
	rec := &recorder{judge: yes("a")}
	p := poolOf("a", "b")
	_, err := selector.Panel{Judges: judges{"j": rec}}.Run(t.Context(), p)
	require.NoError(t, err)
	require.Len(t, rec.asked, 1)
	q := rec.asked[0]
	assert.Equal(t, "the issue", q.Issue)
	assert.Equal(t, vote.KindApproval, q.Kind)
	assert.Equal(t, 1, q.Round)
	assert.Equal(t, selector.DefaultCriteria(), q.Criteria)
	assert.ElementsMatch(t, []string{"a", "b"}, idsOf(q.Candidates))

	own := []selector.Criterion{{Name: "tests", Question: "Does it add tests?"}}
	rec = &recorder{judge: yes("a")}
	_, err = selector.Panel{Judges: judges{"j": rec}, Criteria: own}.Run(t.Context(), poolOf("a", "b"))
	require.NoError(t, err)
	assert.Equal(t, own, rec.asked[0].Criteria)
}

func TestPanelFewCandidates(t *testing.T) {
	rec := &recorder{judge: yes()}
	p := poolOf("only")
	step, err := selector.Panel{Judges: judges{"j": rec}}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, "only", p.Winner)
	assert.Empty(t, rec.asked, "a lone candidate wins without asking anyone")
	assert.Contains(t, step.Notes, "one candidate in the running: it wins without a vote")

	p = &selector.Pool{}
	_, err = selector.Panel{Judges: judges{"j": rec}}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Empty(t, p.Winner)
}

func TestJudgeFailures(t *testing.T) {
	tests := []struct {
		name   string
		judge  selector.Judge
		kind   selector.FailureKind
		detail string
	}{
		{"error", broken, selector.FailError, "model unavailable"},
		{"panic", panics, selector.FailPanic, "panic: judge lost its mind"},
		{"unknown candidate", answer{Approve: map[string]bool{"a": true, "b": false, "zz": true}}, selector.FailInvalid, `voted on unknown candidates "zz"`},
		{"missing vote", answer{Approve: map[string]bool{"b": true}}, selector.FailInvalid, `gave no vote for "a"`},
		{"no answer at all", answer{}, selector.FailInvalid, `gave no vote for "a", "b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := poolOf("a", "b")
			step, err := selector.Panel{Judges: judges{"bad": tt.judge, "good1": yes("b"), "good2": yes("a", "b")}}.Run(t.Context(), p)
			require.NoError(t, err, "a failing judge never fails the selection")
			assert.Equal(t, "b", p.Winner)
			require.Len(t, step.Failures, 1)
			f := step.Failures[0]
			assert.Equal(t, "bad", f.By)
			assert.Equal(t, 1, f.Round)
			assert.Equal(t, tt.kind, f.Kind)
			assert.Contains(t, f.Detail, tt.detail)
			for _, b := range ballotsOf(step.Vote) {
				assert.NotEqual(t, "bad", b.Voter, "the failed judge's vote is left out")
			}
		})
	}
}

func TestJudgeTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := poolOf("a", "b")
		start := time.Now()
		step, err := selector.Panel{Judges: judges{"slow": hangs, "quick": yes("b")}, Timeout: time.Minute}.Run(t.Context(), p)
		require.NoError(t, err)
		assert.Equal(t, time.Minute, time.Since(start), "the panel waits for the timeout, no longer")
		assert.Equal(t, "b", p.Winner)
		require.Len(t, step.Failures, 1)
		assert.Equal(t, selector.Failure{By: "slow", Round: 1, Kind: selector.FailTimeout,
			Detail: "no answer within 1m0s: context deadline exceeded"}, step.Failures[0])
	})
}

func TestPanelWithoutAnswers(t *testing.T) {
	p := poolOf("a", "b")
	d, err := selector.Selector{Stages: []selector.Stage{
		selector.Panel{Judges: judges{"j1": broken, "j2": panics}},
	}}.Run(t.Context(), p)
	require.NoError(t, err)
	step := d.Steps[0]
	assert.Len(t, step.Failures, 2)
	assert.Contains(t, step.Error, "no ballots counted")
	assert.Equal(t, selector.DecidedByOrder, d.DecidedBy, "with no answer the panel does not decide")
	assert.Equal(t, "a", d.Winner)
}

func TestPanelCancelled(t *testing.T) {
	ctx, cancel := context.WithCancelCause(t.Context())
	stop := errors.New("stop")
	cancelling := selector.JudgeFunc(func(ctx context.Context, q selector.Question) (selector.Answer, error) {
		cancel(stop)
		<-ctx.Done()
		return selector.Answer{}, ctx.Err()
	})
	p := poolOf("a", "b")
	_, err := selector.Panel{Judges: judges{"j": cancelling, "k": hangs}}.Run(ctx, p)
	assert.ErrorIs(t, err, stop)
	assert.Empty(t, p.Winner)
}

func TestPanelConfiguration(t *testing.T) {
	tests := []struct {
		name  string
		stage selector.Stage
		want  string
	}{
		{"no judges", selector.Panel{}, "selector: Panel.Judges is empty"},
		{"nil judge", selector.Panel{Judges: judges{"j": nil}}, `Panel.Judges["j"] is nil`},
		{"unnamed judge", selector.Panel{Judges: judges{"": yes()}}, `Panel.Judges has a judge named ""`},
		{"negative weight", selector.Panel{Judges: judges{"j": yes()}, JudgeWeights: map[string]float64{"j": -1}}, `Panel.JudgeWeights["j"] is -1`},
		{"all weigh 0", selector.Panel{Judges: judges{"j": yes()}, JudgeWeights: map[string]float64{"j": 0}}, "every judge of Panel weighs 0"},
		{"negative rounds", selector.Panel{Judges: judges{"j": yes()}, MaxRounds: -1}, "Panel.MaxRounds is -1"},
		{"multi: no judges", selector.MultiSelect{}, "selector: MultiSelect.Judges is empty"},
		{"multi: negative rounds", selector.MultiSelect{Judges: judges{"j": picks("a")}, MaxRounds: -2}, "MultiSelect.MaxRounds is -2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.stage.Run(t.Context(), poolOf("a", "b"))
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestShuffle(t *testing.T) {
	ids := []string{"a", "b", "c", "d", "e"}
	orders := func(seed uint64) map[string][][]string {
		j1, j2 := &recorder{judge: yes(ids...)}, &recorder{judge: yes(ids...)}
		p := poolOf(ids...)
		p.Seed = seed
		_, err := selector.Panel{Judges: judges{"j1": j1, "j2": j2}, MaxRounds: 3}.Run(t.Context(), p)
		require.NoError(t, err)
		return map[string][][]string{"j1": j1.orders(), "j2": j2.orders()}
	}
	first := orders(1)
	require.Len(t, first["j1"], 3, "a tie of all approved goes three rounds")
	assert.Equal(t, first, orders(1), "the same seed gives the same orders")
	for _, o := range append(first["j1"], first["j2"]...) {
		assert.ElementsMatch(t, ids, o, "every candidate is shown, under its ID")
	}
	assert.NotEqual(t, first["j1"], first["j2"], "each judge sees its own orders")
	assert.NotEqual(t, first["j1"][0], first["j1"][1], "each round is shuffled anew")
	assert.NotEqual(t, first, orders(2), "another seed gives other orders")

	leaders := map[string]bool{}
	for seed := range uint64(40) {
		leaders[orders(seed)["j1"][0][0]] = true
	}
	assert.Len(t, leaders, len(ids), "over seeds, every candidate is shown first")
}

func TestMultiSelect(t *testing.T) {
	tests := []struct {
		name    string
		stage   selector.MultiSelect
		winner  string
		ranking []string
		rounds  int
		tied    []string
	}{
		{
			name:   "a leader that cannot be caught ends the vote early",
			stage:  selector.MultiSelect{Judges: judges{"j1": picks("b"), "j2": picks("b"), "j3": picks("b")}},
			winner: "b", ranking: []string{"b", "a", "c"}, rounds: 2,
		},
		{
			name:   "one round planned",
			stage:  selector.MultiSelect{MaxRounds: 1, Judges: judges{"j1": picks("b"), "j2": picks("b"), "j3": picks("a")}},
			winner: "b", ranking: []string{"b", "a", "c"}, rounds: 1,
		},
		{
			name: "split votes go on until the leader cannot be caught",
			stage: selector.MultiSelect{Judges: judges{
				"j1": byRound{picks("a"), picks("c"), picks("c")},
				"j2": byRound{picks("c"), picks("c"), picks("a")},
				"j3": byRound{picks("b"), picks("c"), picks("a")},
			}},
			winner: "c", ranking: []string{"c", "a", "b"}, rounds: 3,
		},
		{
			name:   "a lasting tie goes to the earliest in pool order",
			stage:  selector.MultiSelect{MaxRounds: 2, Judges: judges{"j1": picks("c"), "j2": picks("b")}},
			winner: "b", ranking: []string{"b", "c", "a"}, rounds: 2, tied: []string{"b", "c"},
		},
		{
			name: "weights count",
			stage: selector.MultiSelect{MaxRounds: 1, Judges: judges{"j1": picks("c"), "j2": picks("b"), "j3": picks("b")},
				JudgeWeights: map[string]float64{"j1": 3}},
			winner: "c", ranking: []string{"c", "b", "a"}, rounds: 1,
		},
		{
			name: "a nonsense pick is left out",
			stage: selector.MultiSelect{MaxRounds: 1, Judges: judges{"j1": picks("zz"), "j2": picks("c"), "j3": answer{}},
				JudgeWeights: map[string]float64{"j1": 3}},
			winner: "c", ranking: []string{"c", "a", "b"}, rounds: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := poolOf("a", "b", "c")
			step, err := tt.stage.Run(t.Context(), p)
			require.NoError(t, err)
			assert.Equal(t, "multi_select", step.Stage)
			assert.Equal(t, tt.winner, p.Winner)
			assert.Equal(t, tt.ranking, idsOf(p.Candidates))
			require.NotNil(t, step.Vote)
			assert.Len(t, step.Vote.Rounds, tt.rounds)
			assert.Equal(t, tt.tied, step.Vote.Tied)
		})
	}
}

func TestMultiSelectRecordsNonsense(t *testing.T) {
	p := poolOf("a", "b")
	step, err := selector.MultiSelect{MaxRounds: 1, Judges: judges{"j1": picks("zz"), "j2": picks("a"), "j3": answer{}}}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, []selector.Failure{
		{By: "j1", Round: 1, Kind: selector.FailInvalid, Detail: `picked "zz", which is not among the candidates`},
		{By: "j3", Round: 1, Kind: selector.FailInvalid, Detail: "picked no candidate"},
	}, step.Failures)
	assert.Equal(t, []selector.Remark{{By: "j2", Round: 1, Text: "I prefer a"}}, step.Remarks)
}

func TestPanelStrategy(t *testing.T) {
	p := poolOf("a", "b")
	step, err := selector.Panel{
		Judges:       judges{"strong": yes("a"), "weak": yes("b")},
		JudgeWeights: map[string]float64{"strong": 3},
	}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, "runoff(weighted(approval))", step.Vote.Strategy)
	assert.Equal(t, map[string]float64{"a": 3, "b": 1}, step.Vote.Scores)

	winners := map[string]bool{}
	for seed := range uint64(20) {
		p := poolOf("a", "b")
		_, err := selector.Panel{
			Judges:    judges{"j1": yes("a"), "j2": yes("b")},
			Strategy:  vote.Approval{Tiebreak: vote.Tiebreak{Random: true, Seed: seed}},
			MaxRounds: 1,
		}.Run(t.Context(), p)
		require.NoError(t, err)
		winners[p.Winner] = true
	}
	assert.Len(t, winners, 2, "the strategy's own tie rule settles a lasting tie")
}
