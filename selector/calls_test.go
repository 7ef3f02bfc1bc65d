package selector_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/vote"
)

// sequential is a Calls hook that makes the calls one by one, in reverse
// order, and records what each stage asked for.
type sequential struct{ asked []string }

func (s *sequential) calls(ctx context.Context, n, limit int, timeout time.Duration, call func(context.Context, int)) {
	s.asked = append(s.asked, fmt.Sprintf("n=%d limit=%d timeout=%v", n, limit, timeout))
	for i := n - 1; i >= 0; i-- {
		call(ctx, i)
	}
}

func TestCallsHookGivesTheSameDecision(t *testing.T) {
	stages := func() []selector.Stage {
		verify := selector.VerifierFunc(func(_ context.Context, _ string, c selector.Candidate) (selector.Verdict, error) {
			return selector.Verdict{Confirmed: c.ID != "a", Reason: "looked at " + c.ID}, nil
		})
		return []selector.Stage{
			selector.SyntaxVote{Strategy: vote.Majority{}, Verifier: verify},
			selector.Panel{Judges: judges{"j1": yes("b"), "j2": yes("a", "b"), "j3": yes("c"), "bad": broken}, Timeout: time.Minute},
		}
	}
	run := func(calls selector.Calls) *selector.Decision {
		p := poolOf("a", "b", "c")
		p.Seed = 7
		p.Calls = calls
		d, err := selector.Selector{Stages: stages()}.Run(t.Context(), p)
		require.NoError(t, err)
		return d
	}
	want := run(nil)
	var seq sequential
	got := run(seq.calls)
	assert.Equal(t, want, got, "the hook changes how calls are made, not the decision")
	assert.Equal(t, "b", got.Winner)
	assert.Contains(t, seq.asked, "n=4 limit=0 timeout=1m0s", "the panel's calls go through the hook with its timeout")
}

func TestCallsHookReportsTimeouts(t *testing.T) {
	late := func(ctx context.Context, n, _ int, timeout time.Duration, call func(context.Context, int)) {
		for i := range n {
			call(ctx, i)
		}
	}
	slow := selector.JudgeFunc(func(context.Context, selector.Question) (selector.Answer, error) {
		return selector.Answer{}, fmt.Errorf("activity: %w", selector.ErrTimeout)
	})
	p := poolOf("a", "b")
	p.Calls = late
	step, err := selector.Panel{Judges: judges{"slow": slow, "quick": yes("b")}, Timeout: time.Minute}.Run(t.Context(), p)
	require.NoError(t, err)
	assert.Equal(t, "b", p.Winner)
	require.Len(t, step.Failures, 1)
	assert.Equal(t, selector.Failure{By: "slow", Round: 1, Kind: selector.FailTimeout,
		Detail: "no answer within 1m0s: activity: selector: call timed out"}, step.Failures[0])
}
