package vote_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/vote"
	"github.com/conclave-dev/conclave/vote/votetest"
)

var abc = []string{"a", "b", "c"}

// weigh returns b with weight w.
func weigh(b vote.Ballot, w float64) vote.Ballot {
	b.Weight = w
	return b
}

func TestConformance(t *testing.T) {
	strategies := map[string]vote.Strategy{
		"Plurality":        vote.Plurality{},
		"PluralityRandom":  vote.Plurality{Tiebreak: vote.Tiebreak{Random: true, Seed: 42}},
		"Majority":         vote.Majority{},
		"Majority0.3":      vote.Majority{Threshold: 0.3},
		"Approval":         vote.Approval{},
		"ApprovalRandom":   vote.Approval{Tiebreak: vote.Tiebreak{Random: true, Seed: 3}},
		"Borda":            vote.Borda{},
		"BordaRandom":      vote.Borda{Tiebreak: vote.Tiebreak{Random: true, Seed: 1}},
		"Weighted":         vote.Weighted{VoterWeights: map[string]float64{"c1": 3, "c2": 0, "r1": 0.5}},
		"WeightedApproval": vote.Weighted{Strategy: vote.Approval{}, VoterWeights: map[string]float64{"p1": 2}},
		"WeightedBorda":    vote.Weighted{Strategy: vote.Borda{}, VoterWeights: map[string]float64{"r2": 0.1}},
	}
	for name, s := range strategies {
		t.Run(name, func(t *testing.T) { votetest.TestStrategy(t, s) })
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name     string
		s        vote.Strategy
		cands    []string
		ballots  []vote.Ballot
		winner   string
		ranking  []string
		scores   map[string]float64
		tied     []string
		sentinel error
	}{
		{
			name:  "plurality: most votes",
			s:     vote.Plurality{},
			cands: abc,
			ballots: []vote.Ballot{
				vote.Choose("v1", "b"), vote.Choose("v2", "c"), vote.Choose("v3", "b"),
			},
			winner: "b", ranking: []string{"b", "c", "a"},
			scores: map[string]float64{"a": 0, "b": 2, "c": 1},
		},
		{
			name:  "plurality: weight beats numbers",
			s:     vote.Plurality{},
			cands: abc,
			ballots: []vote.Ballot{
				vote.Choose("v1", "b"), vote.Choose("v2", "b"), weigh(vote.Choose("v3", "c"), 2.5),
			},
			winner: "c", ranking: []string{"c", "b", "a"},
			scores: map[string]float64{"a": 0, "b": 2, "c": 2.5},
		},
		{
			name:    "plurality: tie goes to the earliest listed",
			s:       vote.Plurality{},
			cands:   []string{"c", "b", "a"},
			ballots: []vote.Ballot{vote.Choose("v1", "a"), vote.Choose("v2", "b")},
			winner:  "b", ranking: []string{"b", "a", "c"}, tied: []string{"b", "a"},
			scores: map[string]float64{"a": 1, "b": 1, "c": 0},
		},
		{
			name:     "majority: more than half",
			s:        vote.Majority{},
			cands:    abc,
			ballots:  []vote.Ballot{vote.Choose("v1", "a"), vote.Choose("v2", "a"), vote.Choose("v3", "b")},
			winner:   "a",
			ranking:  []string{"a", "b", "c"},
			scores:   map[string]float64{"a": 2, "b": 1, "c": 0},
			sentinel: nil,
		},
		{
			name:     "majority: exactly half is not enough",
			s:        vote.Majority{},
			cands:    abc,
			ballots:  []vote.Ballot{vote.Choose("v1", "a"), vote.Choose("v2", "b")},
			ranking:  []string{"a", "b", "c"},
			scores:   map[string]float64{"a": 1, "b": 1, "c": 0},
			tied:     []string{"a", "b"},
			sentinel: vote.ErrNoWinner,
		},
		{
			name:  "majority: two thirds",
			s:     vote.Majority{Threshold: 0.66},
			cands: abc,
			ballots: []vote.Ballot{
				vote.Choose("v1", "a"), vote.Choose("v2", "a"), vote.Choose("v3", "b"),
			},
			winner: "a", ranking: []string{"a", "b", "c"},
			scores: map[string]float64{"a": 2, "b": 1, "c": 0},
		},
		{
			name:  "majority: below a threshold of 0.7",
			s:     vote.Majority{Threshold: 0.7},
			cands: abc,
			ballots: []vote.Ballot{
				vote.Choose("v1", "a"), vote.Choose("v2", "a"), vote.Choose("v3", "b"),
			},
			ranking: []string{"a", "b", "c"}, sentinel: vote.ErrNoWinner,
			scores: map[string]float64{"a": 2, "b": 1, "c": 0},
		},
		{
			name:  "majority: weighted share",
			s:     vote.Majority{},
			cands: abc,
			ballots: []vote.Ballot{
				weigh(vote.Choose("v1", "c"), 3), vote.Choose("v2", "a"), vote.Choose("v3", "b"),
			},
			winner: "c", ranking: []string{"c", "a", "b"},
			scores: map[string]float64{"a": 1, "b": 1, "c": 3},
		},
		{
			name:  "approval: ACoder's panel",
			s:     vote.Approval{},
			cands: abc,
			ballots: []vote.Ballot{
				vote.Approve("sonnet", map[string]bool{"a": true, "b": false, "c": true}),
				vote.Approve("opus", map[string]bool{"a": false, "b": false, "c": true}),
				vote.Approve("gpt", map[string]bool{"a": true, "b": true, "c": true}),
				vote.Approve("gemini", map[string]bool{"a": false, "b": true, "c": false}),
			},
			winner: "c", ranking: []string{"c", "a", "b"},
			scores: map[string]float64{"a": 2, "b": 2, "c": 3},
		},
		{
			name:  "approval: all rejected elects nobody",
			s:     vote.Approval{},
			cands: abc,
			ballots: []vote.Ballot{
				vote.Approve("j1", map[string]bool{"a": false, "b": false, "c": false}),
				vote.Approve("j2", map[string]bool{"b": false}),
			},
			ranking: abc, tied: abc, sentinel: vote.ErrNoWinner,
			scores: map[string]float64{"a": 0, "b": 0, "c": 0},
		},
		{
			name:  "borda: full rankings",
			s:     vote.Borda{},
			cands: abc,
			ballots: []vote.Ballot{
				vote.Rank("v1", "a", "b", "c"),
				vote.Rank("v2", "b", "c", "a"),
				vote.Rank("v3", "b", "a", "c"),
			},
			// a: 2+0+1, b: 1+2+2, c: 0+1+0
			winner: "b", ranking: []string{"b", "a", "c"},
			scores: map[string]float64{"a": 3, "b": 5, "c": 1},
		},
		{
			name:  "borda: partial rankings share the points left",
			s:     vote.Borda{},
			cands: []string{"a", "b", "c", "d"},
			ballots: []vote.Ballot{
				vote.Rank("v1", "a"),           // a 3; b, c, d (0+1+2)/3 = 1
				vote.Rank("v2", "b", "c"),      // b 3, c 2; a, d (0+1)/2 = 0.5
				weigh(vote.Rank("v3", "d"), 2), // d 3·2; a, b, c 1·2
			},
			winner: "d", ranking: []string{"d", "b", "a", "c"},
			scores: map[string]float64{"a": 5.5, "b": 6, "c": 5, "d": 7.5},
		},
		{
			name:  "weighted: a trusted voter outweighs two",
			s:     vote.Weighted{VoterWeights: map[string]float64{"good": 2.5, "bad": 0.5}},
			cands: abc,
			ballots: []vote.Ballot{
				vote.Choose("good", "a"), vote.Choose("bad", "b"), vote.Choose("new", "b"),
			},
			winner: "a", ranking: []string{"a", "b", "c"},
			scores: map[string]float64{"a": 2.5, "b": 1.5, "c": 0},
		},
		{
			name:  "weighted: a voter weighted 0 is ignored",
			s:     vote.Weighted{Strategy: vote.Approval{}, VoterWeights: map[string]float64{"mute": 0}},
			cands: abc,
			ballots: []vote.Ballot{
				vote.Approve("mute", map[string]bool{"a": true}), vote.Approve("j", map[string]bool{"c": true}),
			},
			winner: "c", ranking: []string{"c", "a", "b"}, tied: nil,
			scores: map[string]float64{"a": 0, "b": 0, "c": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.s.Decide(tt.cands, tt.ballots)
			require.NotNil(t, res)
			if tt.sentinel != nil {
				assert.ErrorIs(t, err, tt.sentinel)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.winner, res.Winner)
			assert.Equal(t, tt.ranking, res.Ranking)
			assert.Equal(t, tt.scores, res.Scores)
			assert.Equal(t, tt.tied, res.Tied)
			assert.NoError(t, votetest.CheckResult(tt.cands, tt.ballots, res, err))
		})
	}
}

func TestRandomTiebreak(t *testing.T) {
	ballots := []vote.Ballot{vote.Choose("v1", "a"), vote.Choose("v2", "b"), vote.Choose("v3", "c")}
	wins := map[string]int{}
	for seed := range uint64(60) {
		s := vote.Plurality{Tiebreak: vote.Tiebreak{Random: true, Seed: seed}}
		first, err := s.Decide(abc, ballots)
		require.NoError(t, err)
		again, err := s.Decide(abc, ballots)
		require.NoError(t, err)
		assert.Equal(t, first.Ranking, again.Ranking, "seed %d is not reproducible", seed)
		assert.Equal(t, abc, first.Tied)
		wins[first.Winner]++
	}
	// Every tied candidate wins under some seed: the shuffle is not a
	// disguised fixed order.
	assert.Len(t, wins, 3, "winners over 60 seeds: %v", wins)

	// A shuffle never reorders candidates whose scores differ.
	res, err := vote.Plurality{Tiebreak: vote.Tiebreak{Random: true, Seed: 9}}.Decide(abc,
		[]vote.Ballot{vote.Choose("v1", "c"), vote.Choose("v2", "c"), vote.Choose("v3", "b")})
	require.NoError(t, err)
	assert.Equal(t, []string{"c", "b", "a"}, res.Ranking)
	assert.Nil(t, res.Tied)
}

func TestTiebreakPrefer(t *testing.T) {
	length := map[string]int{"a": 30, "b": 10, "c": 10, "d": 5}
	shortest := func(a, b string) int { return length[a] - length[b] }
	cands := []string{"a", "b", "c", "d"}
	ballots := []vote.Ballot{vote.Choose("v1", "a"), vote.Choose("v2", "b"), vote.Choose("v3", "c"), vote.Choose("v4", "d"), vote.Choose("v5", "d")}

	res, err := vote.Plurality{Tiebreak: vote.Tiebreak{Prefer: shortest, Rule: "shortest first"}}.Decide(cands, ballots)
	require.NoError(t, err)
	assert.Equal(t, []string{"d", "b", "c", "a"}, res.Ranking, "scores first, then the preference, then list order")
	assert.Equal(t, "shortest first, then list order", res.TieRule)

	res, err = vote.Plurality{Tiebreak: vote.Tiebreak{Prefer: shortest}}.Decide(cands, ballots[:4])
	require.NoError(t, err)
	assert.Equal(t, "d", res.Winner)
	assert.Equal(t, cands, res.Tied, "Tied is about scores, whatever settles them")
	assert.Equal(t, "a custom order, then list order", res.TieRule)

	// A shuffle settles only what the preference leaves equal.
	seen := map[string]bool{}
	for seed := range uint64(40) {
		tb := vote.Tiebreak{Prefer: shortest, Random: true, Seed: seed}
		ranking, _ := tb.Order(cands, map[string]float64{"a": 1, "b": 1, "c": 1, "d": 1})
		assert.Equal(t, "d", ranking[0])
		assert.Equal(t, "a", ranking[3])
		seen[ranking[1]] = true
		assert.Equal(t, fmt.Sprintf("a custom order, then random, seed %d", seed), tb.String())
	}
	assert.Len(t, seen, 2, "b and c both come second under some seed")
	assert.Equal(t, "list order", vote.Tiebreak{}.String())
	votetest.TestStrategy(t, vote.Plurality{Tiebreak: vote.Tiebreak{Prefer: func(a, b string) int { return strings.Compare(b, a) }}})
}

func TestTally(t *testing.T) {
	firstChoice := vote.Tally{
		Name:  "first_choice",
		Kinds: []vote.Kind{vote.KindChoice, vote.KindRanking},
		Points: func(b vote.Ballot, _ []string, add func(string, float64)) {
			if b.Kind() == vote.KindRanking {
				add(b.Ranking[0], b.Weight)
				return
			}
			add(b.Choice, b.Weight)
		},
	}
	votetest.TestStrategy(t, firstChoice)
	res, err := firstChoice.Decide(abc, []vote.Ballot{vote.Choose("v1", "c"), weigh(vote.Rank("v2", "a", "c"), 2.5), vote.Choose("v3", "c")})
	require.NoError(t, err)
	assert.Equal(t, "a", res.Winner)
	assert.Equal(t, 4.5, res.Total)
	assert.Equal(t, "first_choice", res.Strategy)

	_, err = firstChoice.Decide(abc, nil)
	assert.ErrorIs(t, err, vote.ErrNoBallots)
	_, err = firstChoice.Decide(nil, []vote.Ballot{vote.Choose("v", "a")})
	assert.ErrorIs(t, err, vote.ErrNoCandidates)

	_, err = vote.Tally{Points: firstChoice.Points}.Decide(abc, nil)
	assert.ErrorContains(t, err, "Tally.Kinds is empty")
	_, err = vote.Tally{Kinds: firstChoice.Kinds}.Decide(abc, nil)
	assert.ErrorContains(t, err, "Tally.Points is nil")
	stray := vote.Tally{Kinds: []vote.Kind{vote.KindChoice}, Points: func(_ vote.Ballot, _ []string, add func(string, float64)) { add("zz", 1) }}
	assert.PanicsWithValue(t, `vote: tally gave points to "zz", which is not a candidate`, func() {
		_, _ = stray.Decide(abc, []vote.Ballot{vote.Choose("v", "a")})
	})
}

// TestLongRanking: a ballot ranking many candidates is screened for
// repeats, the last one included.
func TestLongRanking(t *testing.T) {
	cands := candidateNames(1000)
	res, err := vote.Borda{}.Decide(cands, []vote.Ballot{vote.Rank("v", cands...)})
	require.NoError(t, err)
	assert.Equal(t, cands[0], res.Winner)
	repeat := append(slices.Clone(cands[:999]), cands[3])
	res, err = vote.Borda{}.Decide(cands, []vote.Ballot{vote.Rank("v", repeat...)})
	assert.ErrorIs(t, err, vote.ErrNoBallots)
	require.Len(t, res.Ignored, 1)
	assert.Equal(t, fmt.Sprintf("ranks %q twice", cands[3]), res.Ignored[0].Detail)
}

func TestIgnored(t *testing.T) {
	tests := []struct {
		name   string
		ballot vote.Ballot
		reason vote.Reason
		detail string
	}{
		{"no voter", vote.Choose("", "a"), vote.ReasonMalformed, "no voter"},
		{"voter not UTF-8", vote.Choose("\xff", "a"), vote.ReasonMalformed, "UTF-8"},
		{"nothing expressed", vote.Ballot{Voter: "v", Weight: 1}, vote.ReasonMalformed, "none or several"},
		{"empty approval", vote.Approve("v", map[string]bool{}), vote.ReasonMalformed, "none or several"},
		{"two kinds", vote.Ballot{Voter: "v", Weight: 1, Choice: "a", Ranking: []string{"a"}}, vote.ReasonMalformed, "none or several"},
		{"ranked twice", vote.Rank("v", "a", "b", "a"), vote.ReasonMalformed, `ranks "a" twice`},
		{"unknown choice", vote.Choose("v", "z"), vote.ReasonUnknownCandidate, `"z" is not a candidate`},
		{"unknown in ranking", vote.Rank("v", "a", "z"), vote.ReasonUnknownCandidate, `"z"`},
		{"unknown approval", vote.Approve("v", map[string]bool{"a": true, "y": false, "x": true}), vote.ReasonUnknownCandidate, `"x"`},
		{"ranking for plurality", vote.Rank("v", "a"), vote.ReasonWrongKind, "a ranking ballot; counted: choice"},
		{"approval for plurality", vote.Approve("v", map[string]bool{"a": true}), vote.ReasonWrongKind, "approval"},
		{"negative weight", weigh(vote.Choose("v", "a"), -1), vote.ReasonInvalidWeight, "-1"},
		{"NaN weight", weigh(vote.Choose("v", "a"), math.NaN()), vote.ReasonInvalidWeight, "NaN"},
		{"infinite weight", weigh(vote.Choose("v", "a"), math.Inf(1)), vote.ReasonInvalidWeight, "Inf"},
		{"above MaxWeight", weigh(vote.Choose("v", "a"), 2*vote.MaxWeight), vote.ReasonInvalidWeight, "weight"},
		{"zero weight", weigh(vote.Choose("v", "a"), 0), vote.ReasonZeroWeight, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ballots := []vote.Ballot{vote.Choose("ok", "b"), tt.ballot}
			res, err := vote.Plurality{}.Decide(abc, ballots)
			require.NoError(t, err)
			assert.Equal(t, "b", res.Winner)
			require.Len(t, res.Ignored, 1)
			assert.Equal(t, tt.reason, res.Ignored[0].Reason)
			assert.Contains(t, res.Ignored[0].Detail, tt.detail)
			assert.Equal(t, strings.ToValidUTF8(tt.ballot.Voter, "\uFFFD"), res.Ignored[0].Ballot.Voter)
			assert.Equal(t, []vote.Ballot{vote.Choose("ok", "b")}, res.Counted)
		})
	}

	t.Run("duplicate voter", func(t *testing.T) {
		ballots := []vote.Ballot{vote.Choose("twice", "a"), vote.Choose("once", "b"), vote.Choose("twice", "a"), vote.Rank("twice", "c")}
		res, err := vote.Plurality{}.Decide(abc, ballots)
		require.NoError(t, err)
		assert.Equal(t, "b", res.Winner)
		reasons := map[vote.Reason]int{}
		for _, ig := range res.Ignored {
			reasons[ig.Reason]++
		}
		assert.Equal(t, map[vote.Reason]int{vote.ReasonDuplicateVoter: 2, vote.ReasonWrongKind: 1}, reasons)
	})
}

func TestErrors(t *testing.T) {
	t.Run("no candidates", func(t *testing.T) {
		res, err := vote.Plurality{}.Decide(nil, []vote.Ballot{vote.Choose("v", "a")})
		assert.ErrorIs(t, err, vote.ErrNoCandidates)
		require.Len(t, res.Ignored, 1, "the ballot is kept as evidence")
		assert.Equal(t, vote.ReasonUnknownCandidate, res.Ignored[0].Reason)
	})
	t.Run("no ballots", func(t *testing.T) {
		res, err := vote.Approval{}.Decide(abc, nil)
		assert.ErrorIs(t, err, vote.ErrNoBallots)
		assert.EqualError(t, err, "vote: no ballots counted: approval was given none")
		assert.Equal(t, "approval", res.Strategy)
	})
	t.Run("all ignored says why and how to fix it", func(t *testing.T) {
		_, err := vote.Borda{}.Decide(abc, []vote.Ballot{
			vote.Choose("v1", "a"), vote.Choose("v2", "b"), {Voter: "v3", Ranking: []string{"a"}},
		})
		assert.ErrorIs(t, err, vote.ErrNoBallots)
		assert.EqualError(t, err, "vote: no ballots counted: borda ignored all 3: "+
			"2 wrong_kind (this strategy counts ranking ballots); 1 zero_weight (set Weight; Choose, Rank and Approve set 1)")
	})
	t.Run("bad candidate lists", func(t *testing.T) {
		for list, want := range map[string][]string{
			`"a" is listed twice`:           {"a", "b", "a"},
			"candidate 1 has an empty name": {"a", ""},
			"not valid UTF-8":               {"\xfe"},
		} {
			res, err := vote.Plurality{}.Decide(want, []vote.Ballot{vote.Choose("v", "a")})
			require.NotNil(t, res)
			if assert.Error(t, err) {
				assert.Contains(t, err.Error(), list)
			}
			assert.Empty(t, res.Winner)
		}
	})
	t.Run("majority threshold", func(t *testing.T) {
		for _, th := range []float64{-0.1, 1, 1.5, math.NaN()} {
			_, err := vote.Majority{Threshold: th}.Decide(abc, []vote.Ballot{vote.Choose("v", "a")})
			if assert.Error(t, err, "threshold %v", th) {
				assert.Contains(t, err.Error(), "Majority.Threshold")
			}
		}
	})
	t.Run("no winner says who led", func(t *testing.T) {
		_, err := vote.Majority{}.Decide(abc, []vote.Ballot{vote.Choose("v1", "a"), vote.Choose("v2", "b")})
		assert.True(t, errors.Is(err, vote.ErrNoWinner))
		assert.EqualError(t, err, `vote: no winner: "a" leads with 1 of 2 counted, not more than the threshold 0.5`)
	})
}

func TestResultOwnsItsMemory(t *testing.T) {
	ranking := []string{"a", "b"}
	approval := map[string]bool{"a": true}
	res, err := vote.Borda{}.Decide(abc, []vote.Ballot{vote.Rank("v", ranking...)})
	require.NoError(t, err)
	ranking[0] = "c"
	assert.Equal(t, []string{"a", "b"}, res.Counted[0].Ranking)

	res, err = vote.Approval{}.Decide(abc, []vote.Ballot{vote.Approve("v", approval)})
	require.NoError(t, err)
	approval["b"] = true
	assert.Equal(t, map[string]bool{"a": true}, res.Counted[0].Approval)
}

func TestStrategyFunc(t *testing.T) {
	// A strategy built from Screen and Tiebreak.Order: plurality where a
	// ranking's first choice counts too.
	firstChoice := vote.StrategyFunc(func(candidates []string, ballots []vote.Ballot) (*vote.Result, error) {
		res := &vote.Result{Strategy: "first_choice"}
		var err error
		res.Counted, res.Ignored, err = vote.Screen(candidates, ballots, vote.KindChoice, vote.KindRanking)
		if err != nil {
			return res, err
		}
		if len(res.Counted) == 0 {
			return res, vote.ErrNoBallots
		}
		res.Scores = map[string]float64{}
		for _, b := range res.Counted {
			first := b.Choice
			if b.Kind() == vote.KindRanking {
				first = b.Ranking[0]
			}
			res.Scores[first] += b.Weight
			res.Total += b.Weight
		}
		res.Ranking, res.Tied = vote.Tiebreak{}.Order(candidates, res.Scores)
		res.Winner = res.Ranking[0]
		return res, nil
	})
	votetest.TestStrategy(t, firstChoice)
	res, err := firstChoice.Decide(abc, []vote.Ballot{vote.Choose("v1", "c"), vote.Rank("v2", "c", "a"), vote.Choose("v3", "a")})
	require.NoError(t, err)
	assert.Equal(t, "c", res.Winner)
}
