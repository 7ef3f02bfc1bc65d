package selector_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

// prefers is a consistent choice judge: it picks its favourite when shown
// it, else the candidate with the smaller ID, whatever the order. It counts
// its calls.
type prefers struct {
	favourite string
	calls     *atomic.Int64
}

func (p prefers) Judge(_ context.Context, q selector.Question) (selector.Answer, error) {
	if p.calls != nil {
		p.calls.Add(1)
	}
	ids := []string{q.Candidates[0].ID, q.Candidates[1].ID}
	if slices.Contains(ids, p.favourite) {
		return selector.Answer{Choice: p.favourite, Reason: "it fixes the issue", Trace: &selector.Trace{Model: "m", Steps: 3, Cost: 0.01}}, nil
	}
	return selector.Answer{Choice: min(ids[0], ids[1]), Reason: "the smaller change"}, nil
}

// first is a judge with pure position bias: it picks what it is shown
// first.
type first struct{ calls *atomic.Int64 }

func (f first) Judge(_ context.Context, q selector.Question) (selector.Answer, error) {
	if f.calls != nil {
		f.calls.Add(1)
	}
	return selector.Answer{Choice: q.Candidates[0].ID, Reason: "the first looks fine"}, nil
}

func numbered(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%02d", i)
	}
	return ids
}

func runTournament(t *testing.T, seed uint64, ids []string, judges map[string]selector.Judge) *selector.Decision {
	t.Helper()
	p := poolOf(ids...)
	p.Seed = seed
	d, err := selector.Selector{Stages: []selector.Stage{selector.Tournament{Judges: judges}}}.Run(t.Context(), p)
	require.NoError(t, err)
	return d
}

// Judges that prefer a known candidate make it win from any seed, in 23
// matches over 5 rounds for 24 candidates, two calls a match when each
// first judge is consistent.
func TestTournamentPreferredWins(t *testing.T) {
	ids := numbered(24)
	for seed := range uint64(40) {
		var calls atomic.Int64
		d := runTournament(t, seed, ids, map[string]selector.Judge{
			"a": prefers{"c17", &calls}, "b": prefers{"c17", &calls}, "c": prefers{"c17", &calls},
		})
		require.Equal(t, "c17", d.Winner, "seed %d", seed)
		assert.Equal(t, "tournament", d.DecidedBy)
		step := d.Steps[0]
		require.Len(t, step.Matches, 23)
		assert.Equal(t, 5, step.Matches[22].Round)
		assert.Equal(t, int64(46), calls.Load())
		for _, m := range step.Matches {
			assert.Equal(t, selector.MatchAgreed, m.Rule)
			assert.Len(t, m.Judgements, 2)
			assert.Equal(t, [2]string{m.Pair[1], m.Pair[0]}, m.Judgements[1].Shown, "the second judgement shows the pair reversed")
		}
		assert.Equal(t, "c17", d.Ranking[0])
		assert.Len(t, d.Ranking, 24)
	}
}

// A judge with pure position bias contradicts itself in every match and
// decides none: alone, it leaves the decision to the pool's order; beside
// a consistent judge, the consistent judge decides every match.
func TestTournamentPositionBias(t *testing.T) {
	ids := numbered(9)
	d := runTournament(t, 3, ids, map[string]selector.Judge{"biased": first{}})
	assert.Equal(t, selector.DecidedByOrder, d.DecidedBy)
	assert.Equal(t, "c00", d.Winner)
	step := d.Steps[0]
	require.Len(t, step.Matches, 8)
	for _, m := range step.Matches {
		assert.Equal(t, selector.MatchPoolOrder, m.Rule)
		assert.Equal(t, m.Pair[0], m.Winner)
		assert.NotEqual(t, m.Judgements[0].Choice, m.Judgements[1].Choice)
	}
	assert.True(t, slices.ContainsFunc(step.Notes, func(n string) bool { return strings.Contains(n, "decides nothing") }), "%q", step.Notes)
	assert.False(t, d.Confident)

	for seed := range uint64(30) {
		d := runTournament(t, seed, ids, map[string]selector.Judge{"biased": first{}, "careful": prefers{favourite: "c05"}})
		require.Equal(t, "c05", d.Winner, "seed %d", seed)
		for _, m := range d.Steps[0].Matches {
			assert.Equal(t, "careful", m.By, "only the consistent judge decides")
		}
	}
}

// flaky fails every third call and otherwise defers to next.
type flaky struct {
	calls *atomic.Int64
	next  selector.Judge
}

func (f flaky) Judge(ctx context.Context, q selector.Question) (selector.Answer, error) {
	if f.calls.Add(1)%3 == 0 {
		return selector.Answer{}, errBroken
	}
	return f.next.Judge(ctx, q)
}

// With biased, flaky and consistent judges, 24 candidates take no more
// judge calls than the documented bound, and every call is in the
// evidence.
func TestTournamentBound(t *testing.T) {
	ids := numbered(24)
	assert.Equal(t, 92, selector.MaxJudgeCalls(24, 3))
	assert.Equal(t, 46, selector.MaxJudgeCalls(24, 1))
	seconds := 0
	for seed := range uint64(20) {
		var calls, flakes atomic.Int64
		d := runTournament(t, seed, ids, map[string]selector.Judge{
			"biased": first{&calls},
			"flaky":  flaky{&flakes, prefers{"c11", &calls}},
			"good":   prefers{"c11", &calls},
		})
		step := d.Steps[0]
		total := int(calls.Load() + flakes.Load()/3)
		assert.LessOrEqual(t, total, selector.MaxJudgeCalls(24, 3))
		recorded := 0
		for _, m := range step.Matches {
			recorded += len(m.Judgements)
			if len(m.Judgements) == 4 {
				seconds++
			}
		}
		assert.Equal(t, total, recorded, "seed %d: every call is a judgement", seed)
		assert.Len(t, step.Failures, int(flakes.Load()/3))
		assert.Len(t, step.Matches, 23)
	}
	assert.Positive(t, seconds, "some matches went to a second judge")
}

// Every match, judgement, reason and trace is in the Decision's JSON;
// nonsense answers are failures.
func TestTournamentEvidence(t *testing.T) {
	d := runTournament(t, 1, []string{"a", "b", "c"}, map[string]selector.Judge{
		"good":     prefers{favourite: "b"},
		"nonsense": answer{Choice: "zzz"},
	})
	assert.Equal(t, "b", d.Winner)
	step := d.Steps[0]
	require.Len(t, step.Matches, 2)
	assert.Equal(t, 1, step.Matches[0].Round)
	assert.Equal(t, 2, step.Matches[1].Round)
	assert.Contains(t, step.Notes[0], "advances unopposed")
	for _, f := range step.Failures {
		assert.Equal(t, "nonsense", f.By)
		assert.Equal(t, selector.FailInvalid, f.Kind)
		assert.Contains(t, f.Detail, "zzz")
	}
	out, err := json.Marshal(d)
	require.NoError(t, err)
	var back struct {
		Steps []struct {
			Matches []selector.Match `json:"matches"`
		} `json:"steps"`
	}
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, step.Matches, back.Steps[0].Matches)
	assert.Contains(t, string(out), `"reason":"it fixes the issue"`)
	assert.Contains(t, string(out), `"trace":{"model":"m","steps":3,"cost":0.01}`)

	again := runTournament(t, 1, []string{"a", "b", "c"}, map[string]selector.Judge{
		"good":     prefers{favourite: "b"},
		"nonsense": answer{Choice: "zzz"},
	})
	assert.Equal(t, d, again, "the same seed gives the same decision")
}

// After a syntax vote without a winner, the tournament plays among the
// clusters' representatives only.
func TestTournamentAfterSyntaxVote(t *testing.T) {
	p := poolOf("a1", "a2", "b1", "c1", "c2", "d1")
	p.Clusters = []selector.Cluster{{Key: "a", Members: []string{"a1", "a2"}}, {Key: "c", Members: []string{"c1", "c2"}}}
	d, err := selector.Selector{Stages: []selector.Stage{
		selector.SyntaxVote{Strategy: vote.Majority{}},
		selector.Tournament{Judges: map[string]selector.Judge{"j": prefers{favourite: "d1"}}},
	}}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, "d1", d.Winner)
	assert.Equal(t, "tournament", d.DecidedBy)
	var played []string
	for _, m := range d.Steps[1].Matches {
		played = append(played, m.Pair[:]...)
	}
	slices.Sort(played)
	assert.Equal(t, []string{"a1", "b1", "c1", "d1"}, slices.Compact(played))
}

func TestTournamentConfig(t *testing.T) {
	d := runTournament(t, 0, []string{"only"}, map[string]selector.Judge{"j": first{}})
	assert.Equal(t, "only", d.Winner)
	assert.Empty(t, d.Steps[0].Matches)

	for _, tc := range []struct {
		stage selector.Tournament
		want  string
	}{
		{selector.Tournament{}, "Tournament.Judges is empty"},
		{selector.Tournament{Judges: map[string]selector.Judge{"j": nil}}, `Tournament.Judges["j"] is nil`},
		{selector.Tournament{Judges: map[string]selector.Judge{"j": first{}}, Parallel: -1}, "Tournament.Parallel is -1"},
	} {
		_, err := tc.stage.Run(t.Context(), poolOf("a", "b"))
		assert.ErrorContains(t, err, tc.want)
	}
	assert.Zero(t, selector.MaxJudgeCalls(1, 3))
}

// A cancelled context stops the tournament with its cause.
func TestTournamentCancelled(t *testing.T) {
	ctx, cancel := context.WithCancelCause(t.Context())
	judge := selector.JudgeFunc(func(ctx context.Context, q selector.Question) (selector.Answer, error) {
		cancel(errBroken)
		<-ctx.Done()
		return selector.Answer{}, context.Cause(ctx)
	})
	_, err := selector.Tournament{Judges: map[string]selector.Judge{"j": judge}}.Run(ctx, poolOf("a", "b", "c", "d"))
	assert.ErrorIs(t, err, errBroken)
}

// BenchmarkTournament measures the stage's own work, with judges that
// answer at once: 6 and 24 candidates, 5 and 23 matches, so the ratio of
// the two should stay near 23/5.
func BenchmarkTournament(b *testing.B) {
	for _, n := range []int{6, 24} {
		b.Run(fmt.Sprintf("candidates=%d", n), func(b *testing.B) {
			ids := numbered(n)
			judges := map[string]selector.Judge{"a": prefers{favourite: ids[n/2]}, "b": first{}}
			b.ReportAllocs()
			for b.Loop() {
				p := poolOf(ids...)
				if _, err := (selector.Tournament{Judges: judges}).Run(b.Context(), p); err != nil || p.Winner == "" {
					b.Fatal(err)
				}
			}
		})
	}
}
