package conclave_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/selector"
)

// A round's usage has a row per stage and model: the Coders, the lost
// runs, the Tester's explorer and each judge's answers by selection stage.
func TestRoundUsage(t *testing.T) {
	tot := func(calls, tokens int, cost float64) map[string]llm.Totals {
		return map[string]llm.Totals{"m": {Calls: calls, Usage: llm.Usage{InputTokens: tokens}, Cost: cost}}
	}
	r := conclave.Round{
		N:        2,
		Attempts: []*conclave.Attempt{{Usage: tot(2, 100, 0.5)}, nil, {Usage: tot(1, 50, 0.25)}},
		Lost:     []*conclave.Attempt{{Usage: tot(1, 10, 0.125)}},
		Tests:    map[string]llm.Totals{"t": {Calls: 4, Usage: llm.Usage{OutputTokens: 40}, Cost: 1}},
		Decision: &selector.Decision{Steps: []selector.Step{{Stage: "syntax_vote",
			Verdict: &selector.Verdict{Trace: &selector.Trace{Model: "j", Steps: 3, Tokens: 30, Cost: 2}}}}},
	}
	assert.Equal(t, []conclave.Usage{
		{Stage: "refine", Model: "m", Calls: 3, Tokens: 150, Cost: 0.75},
		{Stage: "interrupted", Model: "m", Calls: 1, Tokens: 10, Cost: 0.125},
		{Stage: "tests", Model: "t", Calls: 4, Tokens: 40, Cost: 1},
		{Stage: "syntax_vote", Model: "j", Calls: 3, Tokens: 30, Cost: 2},
	}, r.Usage())
	assert.Empty(t, conclave.Round{N: 1}.Usage(), "a round of nothing cost nothing")
}
