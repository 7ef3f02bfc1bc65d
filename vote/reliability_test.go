package vote_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/vote"
)

func TestFromOutcomes(t *testing.T) {
	est, err := vote.Reliability{}.FromOutcomes(map[string]vote.Record{
		"new":     {},
		"good":    {Right: 8, Wrong: 2},
		"lucky":   {Right: 2},
		"veteran": {Right: 20},
		"coin":    {Right: 49, Wrong: 52},
		"bad":     {Right: 1, Wrong: 9},
	})
	require.NoError(t, err)

	// p = (R + 2) / (R + W + 3); weight = logit(p) / logit(2/3).
	logit := func(p float64) float64 { return math.Log(p / (1 - p)) }
	assert.InDelta(t, 10.0/13, est.Accuracy["good"], 1e-12)
	assert.InDelta(t, logit(10.0/13)/logit(2.0/3), est.VoterWeights["good"], 1e-12)
	assert.Equal(t, 1.0, est.VoterWeights["new"], "no record is the neutral weight")
	assert.InDelta(t, 2.0/3, est.Accuracy["new"], 1e-12)
	assert.Greater(t, est.VoterWeights["veteran"], est.VoterWeights["lucky"], "more evidence, more weight")
	assert.Greater(t, est.VoterWeights["lucky"], 1.0)
	assert.Zero(t, est.VoterWeights["coin"], "no better than a coin on yes-or-no votes: does not count")
	assert.Zero(t, est.VoterWeights["bad"])
	assert.Equal(t, map[string]int{"new": 0, "good": 10, "lucky": 2, "veteran": 20, "coin": 101, "bad": 10}, est.Answers)
}

func TestFromOutcomesOptions(t *testing.T) {
	// Generators whose patches resolve a quarter of the issues, voting
	// among 7 clusters: chance is 1/7, so 25 % is informative.
	r := vote.Reliability{Prior: vote.Prior{Right: 1, Wrong: 3}, Options: 7}
	est, err := r.FromOutcomes(map[string]vote.Record{
		"strong": {Right: 32, Wrong: 82},
		"mid":    {Right: 24, Wrong: 90},
		"weak":   {Right: 14, Wrong: 100},
		"new":    {},
	})
	require.NoError(t, err)
	assert.Equal(t, 1.0, est.VoterWeights["new"])
	assert.Greater(t, est.VoterWeights["strong"], est.VoterWeights["mid"])
	assert.Greater(t, est.VoterWeights["mid"], est.VoterWeights["weak"])
	assert.Zero(t, est.VoterWeights["weak"], "12.6 %% is below chance among 7")
	p := 33.0 / 118
	assert.InDelta(t, (math.Log(p/(1-p))+math.Log(6))/(math.Log(1.0/3)+math.Log(6)), est.VoterWeights["strong"], 1e-12)
}

func TestReliabilityConfig(t *testing.T) {
	tests := map[string]struct {
		r    vote.Reliability
		want string
	}{
		"negative prior":              {vote.Reliability{Prior: vote.Prior{Right: -1, Wrong: 1}}, "Reliability.Prior"},
		"one-sided prior":             {vote.Reliability{Prior: vote.Prior{Right: 3}}, "both counts must be positive"},
		"infinite prior":              {vote.Reliability{Prior: vote.Prior{Right: math.Inf(1), Wrong: 1}}, "finite"},
		"Laplace on a yes-or-no vote": {vote.Reliability{Prior: vote.Prior{Right: 1, Wrong: 1}}, "not above chance (1/2)"},
		"prior below chance":          {vote.Reliability{Prior: vote.Prior{Right: 1, Wrong: 9}, Options: 5}, "not above chance (1/5)"},
		"one option":                  {vote.Reliability{Options: 1}, "Options is 1"},
		"iterations":                  {vote.Reliability{MaxIterations: -1}, "MaxIterations is -1"},
		"tolerance":                   {vote.Reliability{Tolerance: -1e-3}, "Tolerance"},
		"NaN tolerance":               {vote.Reliability{Tolerance: math.NaN()}, "Tolerance"},
		"lopsided prior":              {vote.Reliability{Prior: vote.Prior{Right: 2, Wrong: 1e-20}}, "more than 1e+12 times the other"},
	}
	items := []vote.Item{{Candidates: abc, Ballots: []vote.Ballot{vote.Choose("v", "a")}}}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := tt.r.FromOutcomes(nil)
			if assert.Error(t, err) {
				assert.Contains(t, err.Error(), tt.want)
			}
			_, err = tt.r.FromAgreement(items)
			if assert.Error(t, err) {
				assert.Contains(t, err.Error(), tt.want)
			}
		})
	}
	_, err := vote.Reliability{}.FromOutcomes(map[string]vote.Record{"v": {Right: -1}})
	assert.ErrorContains(t, err, `voter "v"`)
	_, err = vote.Reliability{}.FromOutcomes(map[string]vote.Record{"v": {Right: math.MaxInt, Wrong: 2}})
	assert.ErrorContains(t, err, "2^53")
}

// TestWeightsStayFinite: extreme but valid settings and records give
// weights a ballot may carry, so a weighted vote still counts them.
func TestWeightsStayFinite(t *testing.T) {
	records := map[string]vote.Record{
		"perfect": {Right: 1 << 52}, "hopeless": {Wrong: 1 << 52}, "new": {}, "some": {Right: 3, Wrong: 1},
	}
	priors := []vote.Prior{{Right: 2, Wrong: 1e-11}, {Right: 1e-300, Wrong: 1e-300 / 2}, {Right: 1e300, Wrong: 1e288}, {Right: 1 + 1e-15, Wrong: 1}}
	for _, prior := range priors {
		r := vote.Reliability{Prior: prior}
		est, err := r.FromOutcomes(records)
		if err != nil {
			assert.NotContains(t, err.Error(), "NaN", "%+v", prior)
			continue
		}
		for v, w := range est.VoterWeights {
			assert.True(t, w >= 0 && w <= vote.MaxWeight, "prior %+v: %s weighs %v", prior, v, w)
		}
		_, err = json.Marshal(est)
		require.NoError(t, err, "prior %+v", prior)
		res, err := vote.Weighted{VoterWeights: est.VoterWeights}.Decide([]string{"a", "b"}, []vote.Ballot{
			vote.Choose("perfect", "a"), vote.Choose("some", "b"),
		})
		require.NoError(t, err, "prior %+v", prior)
		assert.Equal(t, "a", res.Winner, "prior %+v: the perfect record outweighs", prior)

		p := approvalPanel(3, []float64{1, 1, 0.9}, 50, 3, 0.5)
		est, err = r.FromAgreement(p.items)
		require.NoError(t, err, "prior %+v", prior)
		for v, w := range est.VoterWeights {
			assert.True(t, w >= 0 && w <= vote.MaxWeight, "prior %+v, agreement: %s weighs %v", prior, v, w)
		}
	}
}

// panel simulates voters of known accuracy on items with a known truth.
type panel struct {
	accuracy []float64 // by voter, named v0, v1, …
	truth    []int     // per item, the right candidate (choice) ...
	good     [][]bool  // ... or each candidate's goodness (approval)
	items    []vote.Item
}

func voterName(i int) string { return fmt.Sprintf("v%d", i) }

func candidateNames(k int) []string {
	out := make([]string, k)
	for i := range out {
		out[i] = fmt.Sprintf("p%d", i)
	}
	return out
}

// choicePanel: each voter picks the right one of k candidates with its
// accuracy, otherwise one of the others at random.
func choicePanel(seed uint64, accuracy []float64, items, k int) *panel {
	rng := rand.New(rand.NewPCG(seed, 2))
	p := &panel{accuracy: accuracy}
	cands := candidateNames(k)
	for range items {
		t := rng.IntN(k)
		item := vote.Item{Candidates: cands}
		for v, acc := range accuracy {
			pick := t
			if rng.Float64() >= acc {
				pick = (t + 1 + rng.IntN(k-1)) % k
			}
			item.Ballots = append(item.Ballots, vote.Choose(voterName(v), cands[pick]))
		}
		p.truth = append(p.truth, t)
		p.items = append(p.items, item)
	}
	return p
}

// approvalPanel: each candidate is good with probability prevalence; each
// voter judges each candidate rightly with its accuracy.
func approvalPanel(seed uint64, accuracy []float64, items, k int, prevalence float64) *panel {
	rng := rand.New(rand.NewPCG(seed, 3))
	p := &panel{accuracy: accuracy}
	cands := candidateNames(k)
	for range items {
		good := make([]bool, k)
		for c := range good {
			good[c] = rng.Float64() < prevalence
		}
		item := vote.Item{Candidates: cands}
		for v, acc := range accuracy {
			approval := map[string]bool{}
			for c, g := range good {
				approval[cands[c]] = g == (rng.Float64() < acc)
			}
			item.Ballots = append(item.Ballots, vote.Approve(voterName(v), approval))
		}
		p.good = append(p.good, good)
		p.items = append(p.items, item)
	}
	return p
}

// hits counts the items where s picks a right candidate.
func (p *panel) hits(t *testing.T, s vote.Strategy) int {
	n := 0
	for i, item := range p.items {
		res, err := s.Decide(item.Candidates, item.Ballots)
		if errors.Is(err, vote.ErrNoWinner) {
			continue // nobody approved anyone: no pick, no hit
		}
		require.NoError(t, err)
		w := slices.Index(item.Candidates, res.Winner)
		if (p.truth != nil && w == p.truth[i]) || (p.good != nil && p.good[i][w]) {
			n++
		}
	}
	return n
}

// assertOrder checks that the estimated accuracies order the voters as the
// true ones do.
func assertOrder(t *testing.T, p *panel, est *vote.Estimate) {
	t.Helper()
	for v := 1; v < len(p.accuracy); v++ {
		assert.Greater(t, est.Accuracy[voterName(v-1)], est.Accuracy[voterName(v)],
			"%s (true %.2f) should be estimated above %s (true %.2f)", voterName(v-1), p.accuracy[v-1], voterName(v), p.accuracy[v])
	}
}

func TestFromAgreementChoices(t *testing.T) {
	accuracy := []float64{0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3}
	p := choicePanel(1, accuracy, 500, 4)
	est, err := vote.Reliability{Options: 4}.FromAgreement(p.items)
	require.NoError(t, err)
	assert.True(t, est.Converged, "stopped after %d iterations", est.Iterations)
	assertOrder(t, p, est)
	for v, acc := range accuracy {
		assert.InDelta(t, acc, est.Accuracy[voterName(v)], 0.05, voterName(v))
		assert.Equal(t, 500, est.Answers[voterName(v)])
	}
	for v := 1; v < len(accuracy); v++ {
		assert.Greater(t, est.VoterWeights[voterName(v-1)], est.VoterWeights[voterName(v)])
	}
	assert.Positive(t, est.VoterWeights["v6"], "30 %% is above chance among 4")

	plain := p.hits(t, vote.Plurality{})
	weighted := p.hits(t, vote.Weighted{VoterWeights: est.VoterWeights})
	t.Logf("right picks out of 500: unweighted plurality %d, weighted by Dawid–Skene %d", plain, weighted)
	assert.Greater(t, weighted, plain)

	posterior := 0
	for i, it := range est.Items {
		sum := 0.0
		for _, q := range it.Choice {
			sum += q
		}
		assert.InDelta(t, 1, sum, 1e-9)
		if ranking, _ := (vote.Tiebreak{}).Order(p.items[i].Candidates, it.Choice); ranking[0] == candidateNames(4)[p.truth[i]] {
			posterior++
		}
	}
	assert.GreaterOrEqual(t, posterior, weighted-5, "the posterior's pick is about as good as the weighted vote")
}

func TestFromAgreementApprovals(t *testing.T) {
	// Three sound judges and four poor ones, one a coin: an unweighted
	// tally follows the poor majority too often.
	accuracy := []float64{0.92, 0.86, 0.8, 0.62, 0.5, 0.4, 0.3}
	p := approvalPanel(2, accuracy, 500, 3, 0.4)
	est, err := vote.Reliability{}.FromAgreement(p.items)
	require.NoError(t, err)
	assert.True(t, est.Converged)
	assertOrder(t, p, est)
	for v, acc := range accuracy {
		assert.InDelta(t, acc, est.Accuracy[voterName(v)], 0.05, voterName(v))
	}
	assert.InDelta(t, 0.4, est.Prevalence, 0.05)
	for _, v := range []string{"v4", "v5", "v6"} {
		assert.Zero(t, est.VoterWeights[v], "%s is no better than a coin", v)
	}

	plain := p.hits(t, vote.Approval{})
	weighted := p.hits(t, vote.Weighted{Strategy: vote.Approval{}, VoterWeights: est.VoterWeights})
	t.Logf("winner good in 500 items: unweighted approval %d, weighted by Dawid–Skene %d", plain, weighted)
	assert.Greater(t, weighted, plain)

	right := 0
	for i, it := range est.Items {
		for c, q := range it.Good {
			if (q > 0.5) == p.good[i][slices.Index(p.items[i].Candidates, c)] {
				right++
			}
		}
	}
	assert.Greater(t, right, 1400, "the posterior judges most of the 1500 candidates rightly")
}

func TestFromAgreementFewItems(t *testing.T) {
	p := choicePanel(3, []float64{0.9, 0.9, 0.9, 0.9, 0.9}, 200, 3)
	// A newcomer that answered two items, wrongly.
	for i := range 2 {
		wrong := p.items[i].Candidates[(p.truth[i]+1)%3]
		p.items[i].Ballots = append(p.items[i].Ballots, vote.Choose("newcomer", wrong))
	}
	est, err := vote.Reliability{}.FromAgreement(p.items)
	require.NoError(t, err)
	assert.Equal(t, 2, est.Answers["newcomer"])
	// Shrunk towards the prior mean 2/3 rather than to 0: (2 + ~0) / (3 + 2).
	assert.InDelta(t, 0.4, est.Accuracy["newcomer"], 0.02)
	assert.Greater(t, est.Accuracy["v0"], 0.85)
}

func TestFromAgreementDeterministic(t *testing.T) {
	p := approvalPanel(4, []float64{0.9, 0.7, 0.6, 0.55}, 100, 3, 0.5)
	first, err := vote.Reliability{}.FromAgreement(p.items)
	require.NoError(t, err)
	again, err := vote.Reliability{}.FromAgreement(p.items)
	require.NoError(t, err)
	assert.Equal(t, first, again)

	rng := rand.New(rand.NewPCG(5, 5))
	shuffled := slices.Clone(p.items)
	for i := range shuffled {
		shuffled[i].Ballots = slices.Clone(shuffled[i].Ballots)
		rng.Shuffle(len(shuffled[i].Ballots), func(a, b int) {
			shuffled[i].Ballots[a], shuffled[i].Ballots[b] = shuffled[i].Ballots[b], shuffled[i].Ballots[a]
		})
	}
	reordered, err := vote.Reliability{}.FromAgreement(shuffled)
	require.NoError(t, err)
	assert.Equal(t, first.Accuracy, reordered.Accuracy, "the order of an item's ballots changes nothing")
	assert.Equal(t, first.Items, reordered.Items)
}

func TestFromAgreementBound(t *testing.T) {
	p := choicePanel(6, []float64{0.9, 0.6, 0.4}, 100, 3)
	est, err := vote.Reliability{MaxIterations: 1}.FromAgreement(p.items)
	require.NoError(t, err)
	assert.Equal(t, 1, est.Iterations)
	assert.False(t, est.Converged)

	est, err = vote.Reliability{Tolerance: 0.5}.FromAgreement(p.items)
	require.NoError(t, err)
	assert.True(t, est.Converged)
	assert.Less(t, est.Iterations, 3)
}

func TestFromAgreementInput(t *testing.T) {
	t.Run("nothing to read", func(t *testing.T) {
		_, err := vote.Reliability{}.FromAgreement(nil)
		assert.ErrorIs(t, err, vote.ErrNoBallots)
		_, err = vote.Reliability{}.FromAgreement([]vote.Item{{Candidates: abc, Ballots: []vote.Ballot{vote.Rank("v", "a")}}})
		assert.ErrorIs(t, err, vote.ErrNoBallots)
		assert.ErrorContains(t, err, "wrong_kind")
	})
	t.Run("a choice among one tells nothing", func(t *testing.T) {
		_, err := vote.Reliability{}.FromAgreement([]vote.Item{{Candidates: []string{"a"}, Ballots: []vote.Ballot{vote.Choose("v", "a")}}})
		assert.ErrorIs(t, err, vote.ErrNoBallots)
		assert.ErrorContains(t, err, "single candidate")
	})
	t.Run("bad item", func(t *testing.T) {
		_, err := vote.Reliability{}.FromAgreement([]vote.Item{{Candidates: abc}, {Candidates: nil}})
		assert.ErrorIs(t, err, vote.ErrNoCandidates)
		assert.ErrorContains(t, err, "item 1")
	})
	t.Run("ignored ballots are reported per item; weights are not read", func(t *testing.T) {
		items := []vote.Item{
			{Candidates: abc, Ballots: []vote.Ballot{
				vote.Choose("v1", "a"), weigh(vote.Choose("v2", "a"), 0), vote.Rank("v3", "a"), vote.Choose("v4", "zz"),
			}},
			{Candidates: abc, Ballots: []vote.Ballot{
				vote.Approve("v1", map[string]bool{"a": true, "b": false}), vote.Choose("v2", "b"),
			}},
		}
		est, err := vote.Reliability{}.FromAgreement(items)
		require.NoError(t, err)
		assert.Equal(t, map[string]int{"v1": 3, "v2": 2}, est.Answers)
		require.Len(t, est.Items[0].Ignored, 2)
		assert.Equal(t, vote.ReasonWrongKind, est.Items[0].Ignored[0].Reason)
		assert.Equal(t, vote.ReasonUnknownCandidate, est.Items[0].Ignored[1].Reason)
		assert.Empty(t, est.Items[1].Ignored)
		assert.Len(t, est.Items[0].Choice, 3)
		assert.Nil(t, est.Items[0].Good)
		assert.Len(t, est.Items[1].Good, 2, "only judged candidates")
		assert.Len(t, est.Items[1].Choice, 3)
	})
}
