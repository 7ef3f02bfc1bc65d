package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/vote"
	"github.com/conclave-dev/conclave/vote/votetest"
)

// The strategy keeps vote.Strategy's contract.
func TestDowdallConforms(t *testing.T) {
	votetest.TestStrategy(t, Dowdall(vote.Tiebreak{}))
	votetest.TestStrategy(t, Dowdall(vote.Tiebreak{Random: true, Seed: 7}))
}

// A favourite of one beats the second choice of two.
func TestDowdallFavoursFirstPlaces(t *testing.T) {
	ballots := []vote.Ballot{vote.Rank("a", "x", "y"), vote.Rank("b", "z", "y"), vote.Rank("c", "x", "y")}
	res, err := Dowdall(vote.Tiebreak{}).Decide([]string{"x", "y", "z"}, ballots)
	require.NoError(t, err)
	assert.Equal(t, "x", res.Winner)
	assert.Equal(t, map[string]float64{"x": 2, "y": 1.5, "z": 1}, res.Scores)
	assert.Equal(t, []string{"x", "y", "z"}, res.Ranking)
}

func TestRun(t *testing.T) {
	var b strings.Builder
	require.NoError(t, run(&b))
	assert.Equal(t, "dowdall: gpt wins; gpt 1.67 gemini 1.58 claude 1.5 qwen 1.5\nborda: claude wins; claude 6 gpt 5 gemini 4 qwen 3\n", b.String())
}
