package vote_test

import (
	"testing"

	"github.com/conclave-dev/conclave/vote"
	"github.com/conclave-dev/conclave/vote/votetest"
)

func TestConformance(t *testing.T) {
	strategies := map[string]vote.Strategy{
		"Plurality":       vote.Plurality{},
		"PluralityRandom": vote.Plurality{Tiebreak: vote.Tiebreak{Random: true, Seed: 42}},
		"Majority":        vote.Majority{},
		"Majority0.3":     vote.Majority{Threshold: 0.3},
		"Approval":        vote.Approval{},
		"Borda":           vote.Borda{},
		"BordaRandom":     vote.Borda{Tiebreak: vote.Tiebreak{Random: true, Seed: 1}},
		"Weighted":        vote.Weighted{Weights: map[string]float64{"c1": 3, "c2": 0, "r1": 0.5}},
		"WeightedApproval": vote.Weighted{Strategy: vote.Approval{}, Weights: map[string]float64{"p1": 2}},
		"WeightedBorda":   vote.Weighted{Strategy: vote.Borda{}, Weights: map[string]float64{"r2": 0.1}},
	}
	for name, s := range strategies {
		t.Run(name, func(t *testing.T) { votetest.TestStrategy(t, s) })
	}
}
