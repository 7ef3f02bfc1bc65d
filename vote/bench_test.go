package vote_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/conclave-dev/conclave/vote"
)

// benchVote is 10 voters on 7 candidates, each casting a ballot of the
// kind s counts.
func benchVote(kind vote.Kind) ([]string, []vote.Ballot) {
	rng := rand.New(rand.NewPCG(1, 1))
	cands := candidateNames(7)
	var ballots []vote.Ballot
	for v := range 10 {
		voter := fmt.Sprintf("judge-%d", v)
		switch kind {
		case vote.KindChoice:
			ballots = append(ballots, vote.Choose(voter, cands[rng.IntN(7)]))
		case vote.KindRanking:
			perm := rng.Perm(7)
			ranking := make([]string, 7)
			for i, p := range perm {
				ranking[i] = cands[p]
			}
			ballots = append(ballots, vote.Rank(voter, ranking...))
		case vote.KindApproval:
			approval := map[string]bool{}
			for _, c := range cands {
				approval[c] = rng.IntN(2) == 0
			}
			ballots = append(ballots, vote.Approve(voter, approval))
		}
	}
	return cands, ballots
}

// BenchmarkDecide tallies 10 voters on 7 candidates. Bare is the least
// any tally does (weights summed into a map, no checks, no evidence);
// compare the strategies with it, measured in the same run.
func BenchmarkDecide(b *testing.B) {
	cases := []struct {
		name string
		s    vote.Strategy
		kind vote.Kind
	}{
		{"Plurality", vote.Plurality{}, vote.KindChoice},
		{"Majority", vote.Majority{Threshold: 0.1}, vote.KindChoice},
		{"Approval", vote.Approval{}, vote.KindApproval},
		{"Borda", vote.Borda{}, vote.KindRanking},
		{"WeightedPlurality", vote.Weighted{VoterWeights: map[string]float64{"judge-1": 2, "judge-2": 0.5}}, vote.KindChoice},
		{"PluralityRandomTiebreak", vote.Plurality{Tiebreak: vote.Tiebreak{Random: true, Seed: 1}}, vote.KindChoice},
	}
	b.Run("Bare", func(b *testing.B) {
		_, ballots := benchVote(vote.KindChoice)
		b.ReportAllocs()
		for b.Loop() {
			scores := map[string]float64{}
			for _, x := range ballots {
				scores[x.Choice] += x.Weight
			}
			if len(scores) == 0 {
				b.Fatal("no scores")
			}
		}
	})
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			cands, ballots := benchVote(c.kind)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.s.Decide(cands, ballots); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReliability estimates 7 judges' accuracies from 500 items of 4
// candidates. Plurality500 (one unweighted vote per item) is the
// baseline.
func BenchmarkReliability(b *testing.B) {
	accuracy := []float64{0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3}
	choices := choicePanel(1, accuracy, 500, 4)
	approvals := approvalPanel(2, accuracy, 500, 4, 0.4)
	b.Run("Plurality500", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, it := range choices.items {
				if _, err := (vote.Plurality{}).Decide(it.Candidates, it.Ballots); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	for name, p := range map[string]*panel{"DawidSkeneChoices": choices, "DawidSkeneApprovals": approvals} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var est *vote.Estimate
			for b.Loop() {
				var err error
				if est, err = (vote.Reliability{}).FromAgreement(p.items); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(est.Iterations), "iterations")
		})
	}
}

// BenchmarkLongRanking counts Borda ballots ranking 100,000 candidates,
// against adding up the same points with no checks and no evidence
// (Bare), measured in the same run.
func BenchmarkLongRanking(b *testing.B) {
	const n = 100_000
	cands := candidateNames(n)
	rng := rand.New(rand.NewPCG(2, 2))
	var ballots []vote.Ballot
	for v := range 3 {
		ranking := make([]string, n)
		for i, p := range rng.Perm(n) {
			ranking[i] = cands[p]
		}
		ballots = append(ballots, vote.Rank(fmt.Sprintf("judge-%d", v), ranking...))
	}
	b.Run("Bare", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			scores := make(map[string]float64, n)
			for _, x := range ballots {
				for i, c := range x.Ranking {
					scores[c] += float64(n - 1 - i)
				}
			}
		}
	})
	b.Run("Borda", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := (vote.Borda{}).Decide(cands, ballots); err != nil {
				b.Fatal(err)
			}
		}
	})
}
