package conclave_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

// Track records from decisions whose outcomes became known, turned into
// weights: the judge that approved the resolving candidate weighs more.
func TestTrackRecords(t *testing.T) {
	attempt := func(id, source string) *conclave.Attempt {
		return &conclave.Attempt{Coder: id, Candidate: selector.Candidate{ID: id, Source: source}}
	}
	res := &conclave.Result{Rounds: []conclave.Round{{
		Attempts: []*conclave.Attempt{attempt("a", "model-a"), attempt("b", "model-b"), attempt("c", "model-c")},
		Decision: &selector.Decision{Steps: []selector.Step{
			{Stage: "syntax_vote", Verdict: &selector.Verdict{Candidate: "a", Confirmed: true, Trace: &selector.Trace{Model: "opus"}}},
			{Stage: "panel", Vote: &vote.Result{Ranking: []string{"a", "b"}, Counted: []vote.Ballot{
				vote.Approve("good", map[string]bool{"a": false, "b": true}),
				vote.Approve("bad", map[string]bool{"a": true, "b": false}),
			}}},
			{Stage: "multi_select", Vote: &vote.Result{Rounds: []vote.Round{{Candidates: []string{"a", "b"}, Counted: []vote.Ballot{
				vote.Choose("good", "b"), vote.Choose("bad", "a")}}}}},
			{Stage: "tournament", Matches: []selector.Match{
				{Pair: [2]string{"a", "b"}, Judgements: []selector.Judgement{{By: "good", Choice: "b"}, {By: "bad", Choice: "a"}}},
				{Pair: [2]string{"a", "c"}, Judgements: []selector.Judgement{{By: "good", Choice: "a"}}}, // both failed: tells nothing
			}},
		}},
	}}}
	judges, sources := conclave.TrackRecords([]conclave.Outcome{{Result: res, Resolved: map[string]bool{"a": false, "b": true, "c": false}}})
	assert.Equal(t, map[string]vote.Record{
		"opus": {Wrong: 1},
		"good": {Right: 4},
		"bad":  {Wrong: 4},
	}, judges)
	assert.Equal(t, map[string]vote.Record{"model-a": {Wrong: 1}, "model-b": {Right: 1}, "model-c": {Wrong: 1}}, sources)

	est, err := vote.Reliability{}.FromOutcomes(judges)
	require.NoError(t, err)
	assert.Greater(t, est.VoterWeights["good"], 1.0)
	assert.Less(t, est.VoterWeights["bad"], 1.0)
}
