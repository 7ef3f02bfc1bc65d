package vote_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/vote"
)

// script is a Poll answering round n with rounds[n-1], and recording the
// candidates each round was asked about. An error in the script is
// returned instead of ballots; a round beyond the script fails the test.
type script struct {
	t      *testing.T
	rounds []any // []vote.Ballot or error
	asked  [][]string
}

func (s *script) poll(_ context.Context, round int, candidates []string) ([]vote.Ballot, error) {
	s.asked = append(s.asked, candidates)
	if round > len(s.rounds) {
		s.t.Errorf("polled round %d; the script has %d", round, len(s.rounds))
		return nil, nil
	}
	switch r := s.rounds[round-1].(type) {
	case error:
		return nil, r
	case []vote.Ballot:
		return r, nil
	}
	panic("bad script")
}

// TestRunoffNobodyApproved: a panel rejecting every candidate elects
// nobody, after one round.
func TestRunoffNobodyApproved(t *testing.T) {
	none := map[string]bool{"a": false, "b": false, "c": false}
	s := &script{t: t, rounds: []any{[]vote.Ballot{vote.Approve("j1", none), vote.Approve("j2", none)}}}
	res, err := vote.Runoff{Strategy: vote.Approval{}, Poll: s.poll}.Run(t.Context(), abc)
	require.ErrorIs(t, err, vote.ErrNoWinner)
	assert.Empty(t, res.Winner)
	assert.Len(t, res.Rounds, 1)
	assert.Contains(t, res.Rounds[0].Error, "approves any candidate")
}

func choices(picks ...string) []vote.Ballot {
	var out []vote.Ballot
	for i, p := range picks {
		out = append(out, vote.Choose(fmt.Sprintf("judge%d", i+1), p))
	}
	return out
}

func TestRunoff(t *testing.T) {
	errJudge := errors.New("judge timed out")
	tests := []struct {
		name     string
		strategy vote.Strategy
		max      int
		rounds   []any
		winner   string
		ranking  []string
		tied     []string
		asked    [][]string
		err      error
	}{
		{
			name:   "clear winner in round 1",
			rounds: []any{choices("b", "b", "a")},
			winner: "b", ranking: []string{"b", "a", "c"},
			asked: [][]string{abc},
		},
		{
			name:   "tie resolved in round 2 among the tied",
			rounds: []any{choices("c", "a", "b", "c", "a"), choices("c", "c", "a")},
			winner: "c", ranking: []string{"c", "a", "b"},
			asked: [][]string{abc, {"a", "c"}},
		},
		{
			name:   "tie narrows, then resolves",
			rounds: []any{choices("a", "b", "c"), choices("b", "c", "b", "c"), choices("c", "c", "b")},
			winner: "c", ranking: []string{"c", "b", "a"},
			asked: [][]string{abc, abc, {"b", "c"}},
		},
		{
			name:   "tie lasts to the bound: earliest listed wins",
			max:    2,
			rounds: []any{choices("c", "b"), choices("c", "b")},
			winner: "b", ranking: []string{"b", "c", "a"}, tied: []string{"b", "c"},
			asked: [][]string{abc, {"b", "c"}},
		},
		{
			name:   "one round allowed",
			max:    1,
			rounds: []any{choices("c", "b")},
			winner: "b", ranking: []string{"b", "c", "a"}, tied: []string{"b", "c"},
			asked: [][]string{abc},
		},
		{
			name:     "ACoder: approvals, re-vote on the tied patches",
			strategy: vote.Approval{},
			rounds: []any{
				[]vote.Ballot{
					vote.Approve("sonnet", map[string]bool{"a": true, "b": false, "c": true}),
					vote.Approve("gpt", map[string]bool{"a": true, "b": true, "c": true}),
					vote.Approve("gemini", map[string]bool{"a": false, "b": false, "c": false}),
				},
				[]vote.Ballot{
					vote.Approve("sonnet", map[string]bool{"a": false, "c": true}),
					vote.Approve("gpt", map[string]bool{"a": true, "c": true}),
					vote.Approve("gemini", map[string]bool{"a": false, "c": false}),
				},
			},
			winner: "c", ranking: []string{"c", "a", "b"},
			asked: [][]string{abc, {"a", "c"}},
		},
		{
			name:     "a re-vote approving nobody leaves the tie standing",
			strategy: vote.Approval{},
			rounds: []any{
				[]vote.Ballot{
					vote.Approve("sonnet", map[string]bool{"a": true, "b": false, "c": true}),
					vote.Approve("gpt", map[string]bool{"a": true, "b": false, "c": true}),
				},
				[]vote.Ballot{
					vote.Approve("sonnet", map[string]bool{"a": false, "c": false}),
					vote.Approve("gpt", map[string]bool{"a": false, "c": false}),
				},
			},
			winner: "a", ranking: []string{"a", "c", "b"}, tied: []string{"a", "c"},
			asked: [][]string{abc, {"a", "c"}},
		},
		{
			name:   "poll error",
			rounds: []any{choices("a", "b"), errJudge},
			asked:  [][]string{abc, {"a", "b"}},
			err:    errJudge,
		},
		{
			name:   "nobody answers the re-vote",
			rounds: []any{choices("a", "b"), []vote.Ballot{}},
			asked:  [][]string{abc, {"a", "b"}},
			err:    vote.ErrNoBallots,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{t: t, rounds: tt.rounds}
			res, err := vote.Runoff{Strategy: tt.strategy, Poll: s.poll, MaxRounds: tt.max}.Run(t.Context(), abc)
			require.NotNil(t, res)
			assert.Equal(t, tt.asked, s.asked)
			require.Len(t, res.Rounds, len(tt.asked))
			for i, r := range res.Rounds {
				assert.Equal(t, i+1, r.Number)
				assert.Equal(t, tt.asked[i], r.Candidates)
			}
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				assert.Empty(t, res.Winner)
				assert.Equal(t, err.Error()[len("vote: runoff round 2: "):], res.Rounds[1].Error)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.winner, res.Winner)
			assert.Equal(t, tt.ranking, res.Ranking)
			assert.Equal(t, tt.tied, res.Tied)
			assert.Empty(t, res.Counted, "ballots live in the rounds")
		})
	}
}

func TestRunoffEvidence(t *testing.T) {
	s := &script{t: t, rounds: []any{
		append(choices("a", "b", "c", "a", "b"), vote.Rank("ranker", "a")),
		choices("b", "a", "b"),
	}}
	res, err := vote.Runoff{Poll: s.poll}.Run(t.Context(), abc)
	require.NoError(t, err)
	assert.Equal(t, "runoff(plurality)", res.Strategy)
	assert.Equal(t, map[string]float64{"a": 1, "b": 2, "c": 1}, res.Scores, "each candidate's score is from the last round it took part in")
	assert.Equal(t, 3.0, res.Total)
	assert.Equal(t, []string{"b", "a", "c"}, res.Ranking)
	r1 := res.Rounds[0]
	assert.Equal(t, []string{"a", "b"}, r1.Tied)
	assert.Len(t, r1.Counted, 5)
	assert.Equal(t, []string{"a", "b"}, res.Rounds[1].Candidates)
	require.Len(t, r1.Ignored, 1)
	assert.Equal(t, vote.ReasonWrongKind, r1.Ignored[0].Reason)

	data, err := json.Marshal(res)
	require.NoError(t, err)
	var back vote.Result
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, res, &back)
}

func TestRunoffContext(t *testing.T) {
	t.Run("cancelled during a round", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		polls := 0
		poll := func(ctx context.Context, round int, c []string) ([]vote.Ballot, error) {
			polls++
			cancel()
			return choices("a", "b"), nil
		}
		res, err := vote.Runoff{Poll: poll}.Run(ctx, abc)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, polls, "no poll after the context ended")
		require.Len(t, res.Rounds, 2)
		assert.Equal(t, "context canceled", res.Rounds[1].Error)
		assert.Empty(t, res.Winner)
	})
	t.Run("cause", func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(t.Context())
		cause := errors.New("budget spent")
		cancel(cause)
		res, err := vote.Runoff{Poll: (&script{t: t}).poll}.Run(ctx, abc)
		assert.ErrorIs(t, err, cause)
		require.Len(t, res.Rounds, 1)
	})
	t.Run("poll honours the context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		poll := func(ctx context.Context, round int, c []string) ([]vote.Ballot, error) {
			cancel()
			<-ctx.Done()
			return nil, ctx.Err()
		}
		_, err := vote.Runoff{Poll: poll}.Run(ctx, abc)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Contains(t, err.Error(), "runoff round 1: poll: context canceled")
	})
}

func TestUntilMajority(t *testing.T) {
	errJudge := errors.New("judge crashed")
	tests := []struct {
		name    string
		planned float64
		max     int
		tb      vote.Tiebreak
		rounds  []any
		winner  string
		scores  map[string]float64
		tied    []string
		polls   int
		err     error
	}{
		{
			name:    "strict majority stops early",
			planned: 5,
			rounds:  []any{choices("a"), choices("a"), choices("a"), choices("b"), choices("b")},
			winner:  "a", scores: map[string]float64{"a": 3, "b": 0, "c": 0}, polls: 3,
		},
		{
			name:    "a split first round keeps polling",
			planned: 5,
			rounds:  []any{choices("a", "b"), choices("b", "b"), choices("a")},
			winner:  "b", scores: map[string]float64{"a": 1, "b": 3, "c": 0}, polls: 2,
		},
		{
			name:    "nobody can catch up, without a majority",
			planned: 10,
			rounds:  []any{choices("a", "a", "a", "a", "a", "b", "b", "c", "c"), choices("b")},
			winner:  "a", scores: map[string]float64{"a": 5, "b": 2, "c": 2}, polls: 1,
		},
		{
			name:    "a heavy vote decides",
			planned: 3,
			rounds:  []any{[]vote.Ballot{weigh(vote.Choose("senior", "c"), 2)}},
			winner:  "c", scores: map[string]float64{"a": 0, "b": 0, "c": 2}, polls: 1,
		},
		{
			name:    "even at the end: earliest listed wins",
			planned: 4,
			rounds:  []any{choices("b"), choices("c"), choices("c"), choices("b")},
			winner:  "b", scores: map[string]float64{"a": 0, "b": 2, "c": 2}, tied: []string{"b", "c"}, polls: 4,
		},
		{
			name:    "even at the end, seeded shuffle",
			planned: 2,
			tb:      vote.Tiebreak{Random: true, Seed: 5},
			rounds:  []any{choices("b"), choices("c")},
			scores:  map[string]float64{"a": 0, "b": 1, "c": 1}, tied: []string{"b", "c"}, polls: 2,
		},
		{
			name:    "silent rounds count against the bound",
			planned: 3,
			rounds:  []any{[]vote.Ballot{}, choices("b"), []vote.Ballot{}},
			winner:  "b", scores: map[string]float64{"a": 0, "b": 1, "c": 0}, polls: 3,
		},
		{
			name:    "explicit bound",
			planned: 9,
			max:     2,
			rounds:  []any{choices("a", "b"), choices("a")},
			winner:  "a", scores: map[string]float64{"a": 2, "b": 1, "c": 0}, polls: 2,
		},
		{
			name:    "nobody ever answers",
			planned: 2,
			rounds:  []any{[]vote.Ballot{vote.Rank("r", "a")}, []vote.Ballot{}},
			polls:   2, err: vote.ErrNoBallots,
		},
		{
			name:    "poll error",
			planned: 3,
			rounds:  []any{choices("a"), errJudge},
			polls:   2, err: errJudge,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &script{t: t, rounds: tt.rounds}
			um := vote.UntilMajority{Planned: tt.planned, Poll: s.poll, MaxRounds: tt.max, Tiebreak: tt.tb}
			res, err := um.Run(t.Context(), abc)
			require.NotNil(t, res)
			assert.Len(t, s.asked, tt.polls)
			for _, asked := range s.asked {
				assert.Equal(t, abc, asked, "every round polls every candidate")
			}
			require.Len(t, res.Rounds, tt.polls)
			if tt.err != nil {
				assert.ErrorIs(t, err, tt.err)
				assert.Empty(t, res.Winner)
				return
			}
			require.NoError(t, err)
			if tt.tb.Random {
				// The seeded shuffle orders the tie as it would in any strategy.
				ranking, _ := tt.tb.Order(abc, tt.scores)
				tt.winner = ranking[0]
				assert.Equal(t, ranking, res.Ranking)
			}
			assert.Equal(t, tt.winner, res.Winner)
			assert.Equal(t, tt.scores, res.Scores)
			assert.Equal(t, tt.tied, res.Tied)
			assert.Equal(t, tt.scores, res.Rounds[len(res.Rounds)-1].Scores, "the last round shows the totals")
		})
	}
}

func TestUntilMajorityEvidence(t *testing.T) {
	s := &script{t: t, rounds: []any{
		[]vote.Ballot{vote.Choose("j1", "a"), vote.Choose("j2", "b"), vote.Choose("j2", "c"), vote.Choose("j3", "zz")},
		[]vote.Ballot{vote.Choose("j1", "a"), vote.Choose("j2", "a")},
	}}
	res, err := vote.UntilMajority{Planned: 5, Poll: s.poll}.Run(t.Context(), abc)
	require.NoError(t, err)
	assert.Equal(t, "until_majority", res.Strategy)
	assert.Equal(t, "a", res.Winner)
	assert.Equal(t, 3.0, res.Total)
	require.Len(t, res.Rounds, 2)
	r1 := res.Rounds[0]
	assert.Equal(t, map[string]float64{"a": 1, "b": 0, "c": 0}, r1.Scores)
	reasons := map[string]vote.Reason{}
	for _, ig := range r1.Ignored {
		reasons[ig.Ballot.Voter+ig.Ballot.Choice] = ig.Reason
	}
	assert.Equal(t, map[string]vote.Reason{
		"j2b": vote.ReasonDuplicateVoter, "j2c": vote.ReasonDuplicateVoter, "j3zz": vote.ReasonUnknownCandidate,
	}, reasons)
	assert.Equal(t, map[string]float64{"a": 3, "b": 0, "c": 0}, res.Rounds[1].Scores, "a judge votes again in a new round")
}

func TestUntilMajorityContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	polls := 0
	poll := func(ctx context.Context, round int, c []string) ([]vote.Ballot, error) {
		polls++
		if round == 2 {
			cancel()
		}
		return choices("a"), nil
	}
	res, err := vote.UntilMajority{Planned: 7, Poll: poll}.Run(ctx, abc)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 2, polls)
	require.Len(t, res.Rounds, 3)
	assert.Equal(t, map[string]float64{"a": 2, "b": 0, "c": 0}, res.Rounds[1].Scores)
	assert.Equal(t, "context canceled", res.Rounds[2].Error)
}

func TestRoundsConfig(t *testing.T) {
	poll := (&script{t: t}).poll
	tests := map[string]struct {
		run  func() (*vote.Result, error)
		want string
	}{
		"runoff without poll":  {func() (*vote.Result, error) { return vote.Runoff{}.Run(t.Context(), abc) }, "Runoff.Poll is nil"},
		"runoff bound":         {func() (*vote.Result, error) { return vote.Runoff{Poll: poll, MaxRounds: -1}.Run(t.Context(), abc) }, "Runoff.MaxRounds is -1"},
		"runoff no candidates": {func() (*vote.Result, error) { return vote.Runoff{Poll: poll}.Run(t.Context(), nil) }, "no candidates"},
		"runoff duplicate":     {func() (*vote.Result, error) { return vote.Runoff{Poll: poll}.Run(t.Context(), []string{"a", "a"}) }, "listed twice"},
		"until without poll":   {func() (*vote.Result, error) { return vote.UntilMajority{Planned: 3}.Run(t.Context(), abc) }, "UntilMajority.Poll is nil"},
		"until unplanned":      {func() (*vote.Result, error) { return vote.UntilMajority{Poll: poll}.Run(t.Context(), abc) }, "UntilMajority.Planned is 0"},
		"until NaN planned": {func() (*vote.Result, error) {
			return vote.UntilMajority{Poll: poll, Planned: math.NaN()}.Run(t.Context(), abc)
		}, "Planned is NaN"},
		"until infinite": {func() (*vote.Result, error) {
			return vote.UntilMajority{Poll: poll, Planned: math.Inf(1)}.Run(t.Context(), abc)
		}, "Planned is +Inf"},
		"until bound": {func() (*vote.Result, error) {
			return vote.UntilMajority{Poll: poll, Planned: 3, MaxRounds: -2}.Run(t.Context(), abc)
		}, "MaxRounds is -2"},
		"until no candidates": {func() (*vote.Result, error) {
			return vote.UntilMajority{Poll: poll, Planned: 3}.Run(t.Context(), []string{})
		}, "no candidates"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			res, err := tt.run()
			require.NotNil(t, res)
			if assert.Error(t, err) {
				assert.Contains(t, err.Error(), tt.want)
			}
			assert.Empty(t, res.Rounds, "nothing was polled")
		})
	}
}

func TestRunoffBrokenStrategy(t *testing.T) {
	nothing := vote.StrategyFunc(func([]string, []vote.Ballot) (*vote.Result, error) { return nil, nil })
	s := &script{t: t, rounds: []any{choices("a")}}
	res, err := vote.Runoff{Strategy: nothing, Poll: s.poll}.Run(t.Context(), abc)
	require.NotNil(t, res)
	assert.ErrorContains(t, err, "returned no Result and no error")
	require.Len(t, res.Rounds, 1)
	assert.NotEmpty(t, res.Rounds[0].Error)
}
