package selector_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector"
)

// explained returns d explained, after checking that its JSON explains
// the same.
func explained(t *testing.T, d *selector.Decision) string {
	t.Helper()
	data, err := json.Marshal(d)
	require.NoError(t, err)
	var back selector.Decision
	require.NoError(t, json.Unmarshal(data, &back))
	var want, got strings.Builder
	require.NoError(t, d.Explain(&want))
	require.NoError(t, back.Explain(&got))
	assert.Equal(t, want.String(), got.String())
	return want.String()
}

// A judge's reasons per candidate and per criterion, and its trace, are in
// the Decision and in its explanation.
func TestPanelReasons(t *testing.T) {
	judge := selector.JudgeFunc(func(_ context.Context, q selector.Question) (selector.Answer, error) {
		return selector.Answer{
			Approve:  map[string]bool{"a": true, "b": false},
			Reason:   "a fixes it",
			Reasons:  map[string]string{"a": "adds", "b": "subtracts"},
			Criteria: map[string]map[string]string{"a": {"correctness": "right", "safety": "no side effect"}},
			Trace:    &selector.Trace{Model: "m1", Steps: 4, Tokens: 1200, Cost: 0.02, Trajectory: "runs/j.jsonl"},
		}, nil
	})
	d, err := selector.Selector{Stages: []selector.Stage{selector.Panel{Judges: map[string]selector.Judge{"j": judge}}}}.Run(t.Context(), poolOf("a", "b"))
	require.NoError(t, err)
	assert.Equal(t, "a", d.Winner)
	r := d.Steps[0].Remarks[0]
	assert.Equal(t, "subtracts", r.Reasons["b"])
	assert.Equal(t, "right", r.Criteria["a"]["correctness"])
	assert.Equal(t, "runs/j.jsonl", r.Trace.Trajectory)
	text := explained(t, d)
	assert.Contains(t, text, `j (shown `)
	assert.Contains(t, text, `       on a: "adds"; correctness: "right"; safety: "no side effect"`)
	assert.Contains(t, text, `       on b: "subtracts"`)

	// Reasons about a candidate not in the question are nonsense.
	bad := selector.JudgeFunc(func(_ context.Context, q selector.Question) (selector.Answer, error) {
		return selector.Answer{Approve: map[string]bool{"a": true, "b": true}, Reasons: map[string]string{"zzz": "?"}}, nil
	})
	d, err = selector.Selector{Stages: []selector.Stage{selector.Panel{Judges: map[string]selector.Judge{"j": bad}}}}.Run(t.Context(), poolOf("a", "b"))
	require.NoError(t, err)
	require.Len(t, d.Steps[0].Failures, 1)
	assert.Contains(t, d.Steps[0].Failures[0].Detail, `"zzz"`)
}

func TestTournamentExplain(t *testing.T) {
	d := runTournament(t, 2, []string{"a", "b", "c"}, map[string]selector.Judge{"biased": first{}, "careful": prefers{favourite: "c"}})
	text := explained(t, d)
	assert.Contains(t, text, "1. tournament: candidates meet in pairs")
	assert.Contains(t, text, "careful (shown ")
	assert.Contains(t, text, `picks c: "it fixes the issue"`)
	assert.Contains(t, text, "c wins: careful picked it in both orders")
	assert.Contains(t, text, "=> c wins")

	d = runTournament(t, 2, []string{"a", "b"}, map[string]selector.Judge{"biased": first{}})
	assert.Contains(t, explained(t, d), "a wins by pool order: no judge picked one candidate in both orders")
}
