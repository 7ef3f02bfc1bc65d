package vote_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/vote"
	"github.com/conclave-dev/conclave/vote/votetest"
)

// bytes feeds a fuzz input out one byte at a time, then zeros.
type bytes []byte

func (b *bytes) next() int {
	if len(*b) == 0 {
		return 0
	}
	c := (*b)[0]
	*b = (*b)[1:]
	return int(c)
}

func (b *bytes) pick(pool []string) string { return pool[b.next()%len(pool)] }

var (
	candidatePool = []string{"a", "b", "c", "d", "e", "a", "", "\xff"}
	namePool      = []string{"a", "b", "c", "d", "e", "zz", ""}
	voterPool     = []string{"v1", "v2", "v3", "v4", "v5", "v6", "v7", "", "\xfe"}
	weightPool    = []float64{1, 0.5, 2, 3, 0, -1, math.NaN(), math.Inf(1), 1e13, vote.MaxWeight, 1e-300, 0.1}
)

// profile decodes candidates (the first are well formed more often) and
// ballots of every kind, good and bad.
func profile(data []byte) ([]string, []vote.Ballot) {
	b := bytes(data)
	var cands []string
	if n := b.next() % 7; n > 0 {
		safe := b.next()%4 != 0
		for i := range n - 1 {
			if safe {
				cands = append(cands, candidatePool[i%5])
			} else {
				cands = append(cands, b.pick(candidatePool))
			}
		}
	}
	var ballots []vote.Ballot
	for len(b) > 0 && len(ballots) < 40 {
		ballot := vote.Ballot{Voter: b.pick(voterPool), Weight: weightPool[b.next()%len(weightPool)]}
		switch b.next() % 5 {
		case 0:
			ballot.Choice = b.pick(namePool)
		case 1:
			for range b.next() % 5 {
				ballot.Ranking = append(ballot.Ranking, b.pick(namePool))
			}
		case 2:
			ballot.Approval = map[string]bool{}
			for range b.next() % 5 {
				ballot.Approval[b.pick(namePool)] = b.next()%2 == 0
			}
		case 3:
			ballot.Choice, ballot.Ranking = b.pick(namePool), []string{b.pick(namePool)}
		}
		ballots = append(ballots, ballot)
	}
	return cands, ballots
}

var fuzzStrategies = []vote.Strategy{
	vote.Plurality{},
	vote.Majority{Threshold: 0.4},
	vote.Approval{Tiebreak: vote.Tiebreak{Random: true, Seed: 3}},
	vote.Borda{},
	vote.Weighted{Strategy: vote.Borda{}, VoterWeights: map[string]float64{"v1": 2, "v2": 0, "v3": math.NaN(), "v4": 1e12}},
}

func seeds(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{4, 1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 2})
	f.Add([]byte{6, 1, 0, 0, 1, 3, 0, 1, 2, 1, 2, 3, 2, 1, 1, 3, 0, 2, 1})
	f.Add([]byte{5, 0, 0, 0, 2, 3, 0, 1, 1, 1, 2, 0, 3, 1, 2, 4, 6, 2, 0})
	f.Add([]byte("plurality, approval, borda and friends"))
}

func FuzzDecide(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		cands, ballots := profile(data)
		for _, s := range fuzzStrategies {
			res, err := s.Decide(cands, ballots)
			if cerr := votetest.CheckResult(cands, ballots, res, err); cerr != nil {
				t.Fatalf("%T on %q, %+v: %v", s, cands, ballots, cerr)
			}
		}
	})
}

func FuzzRounds(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		cands, ballots := profile(data)
		// Round n gets the n-th third of the ballots.
		poll := func(_ context.Context, n int, _ []string) ([]vote.Ballot, error) {
			size := len(ballots)/3 + 1
			lo, hi := min((n-1)*size, len(ballots)), min(n*size, len(ballots))
			return ballots[lo:hi], nil
		}
		for name, run := range map[string]func() (*vote.Result, error){
			"runoff": func() (*vote.Result, error) { return vote.Runoff{Poll: poll}.Run(t.Context(), cands) },
			"until_majority": func() (*vote.Result, error) {
				return vote.UntilMajority{Planned: 5, Poll: poll}.Run(t.Context(), cands)
			},
		} {
			res, err := run()
			require.NotNil(t, res, name)
			assert.Equal(t, err == nil, res.Winner != "", "%s: winner %q, error %v", name, res.Winner, err)
			assert.LessOrEqual(t, len(res.Rounds), 5, name)
			if err == nil {
				assert.Contains(t, cands, res.Winner, name)
				assert.ElementsMatch(t, cands, res.Ranking, name)
			}
			_, jerr := json.Marshal(res)
			assert.NoError(t, jerr, name)
		}
	})
}

// FuzzResultJSON checks that every Result survives a JSON round trip with
// its decision unchanged.
func FuzzResultJSON(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		cands, ballots := profile(data)
		for _, s := range fuzzStrategies {
			res, _ := s.Decide(cands, ballots)
			first, err := json.Marshal(res)
			require.NoError(t, err)
			var back vote.Result
			require.NoError(t, json.Unmarshal(first, &back))
			second, err := json.Marshal(&back)
			require.NoError(t, err)
			require.Equal(t, string(first), string(second))
			assert.Equal(t, res.Winner, back.Winner)
			assert.Equal(t, res.Ranking, back.Ranking)
			assert.Equal(t, res.Scores, back.Scores)
			assert.Equal(t, res.Tied, back.Tied)
			assert.Equal(t, res.Total, back.Total)
			assert.Equal(t, len(res.Counted), len(back.Counted))
			assert.Equal(t, len(res.Ignored), len(back.Ignored))
		}
	})
}

// FuzzDecodeResult feeds arbitrary JSON to a Result: decoding never
// panics, and what decodes encodes back to a fixed point.
func FuzzDecodeResult(f *testing.F) {
	f.Add([]byte(`{"strategy":"plurality","winner":"a","ranking":["a","b"],"scores":{"a":2,"b":1},"total":3,` +
		`"counted":[{"voter":"v","weight":1,"choice":"a"}],"ignored":[{"ballot":{"voter":"w","weight":0,"approval":{"a":true}},"reason":"zero_weight"}],` +
		`"rounds":[{"number":1,"candidates":["a","b"],"tied":["a","b"],"error":"x"}]}`))
	f.Add([]byte(`{"scores":{"a":1e308},"ranking":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var res vote.Result
		if json.Unmarshal(data, &res) != nil {
			return
		}
		first, err := json.Marshal(&res)
		require.NoError(t, err)
		var back vote.Result
		require.NoError(t, json.Unmarshal(first, &back))
		second, err := json.Marshal(&back)
		require.NoError(t, err)
		assert.Equal(t, string(first), string(second))
	})
}

// FuzzReliability: any prior and record either is refused with an error
// or gives weights a ballot may carry, and an Estimate that encodes.
func FuzzReliability(f *testing.F) {
	f.Add(2.0, 1.0, 40, 10, 3, uint8(2))
	f.Add(2.0, 1e-20, 1<<40, 0, 0, uint8(2))
	f.Add(1e-300, 5e-301, 0, 1<<62, 7, uint8(9))
	f.Add(1.0+1e-15, 1.0, 1, 0, 0, uint8(2))
	f.Fuzz(func(t *testing.T, a, b float64, right, wrong, other int, options uint8) {
		r := vote.Reliability{Prior: vote.Prior{Right: a, Wrong: b}, Options: int(options)}
		est, err := r.FromOutcomes(map[string]vote.Record{"v": {Right: right, Wrong: wrong}, "w": {Right: other}})
		if err != nil {
			return
		}
		for v, w := range est.VoterWeights {
			if !(w >= 0 && w <= vote.MaxWeight) {
				t.Fatalf("prior %v/%v, K=%d: %s weighs %v", a, b, options, v, w)
			}
		}
		_, err = json.Marshal(est)
		require.NoError(t, err)
	})
}
