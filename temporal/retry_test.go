package temporal_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/temporal"
)

var (
	down = &llm.APIError{Provider: "test", StatusCode: 503, Message: "overloaded"}
	bad  = &llm.APIError{Provider: "test", StatusCode: 400, Message: "bad request"}
)

// A Coder whose provider is down twice is retried, and its third attempt
// makes the candidate; the run decides as it would have.
func TestCoderRetriedAfterTwoFailures(t *testing.T) {
	p := newPipeline(t)
	p.Coders[3] = scripted("d", llmtest.Fail(down), llmtest.Fail(down), edit("stats/stats.go", buggy, fixedD), done)
	w := newWorker(t, p)
	var mu sync.Mutex
	var beats []temporal.Progress
	out, err := runWorkflow(t, w, conclave.Task{ID: "retry", Repo: testRepo(t), Issue: issue}, func(env *testsuite.TestWorkflowEnvironment) {
		env.SetOnActivityHeartbeatListener(func(info *activity.Info, details converter.EncodedValues) {
			var p temporal.Progress
			if info.ActivityType.Name == temporal.ActivityGenerate && details != nil && details.Get(&p) == nil {
				mu.Lock()
				beats = append(beats, p)
				mu.Unlock()
			}
		})
	})
	require.NoError(t, err)
	mu.Lock()
	require.NotEmpty(t, beats, "the Coders heartbeat their progress")
	assert.Positive(t, slices.MaxFunc(beats, func(a, b temporal.Progress) int { return a.Steps - b.Steps }).Steps)
	mu.Unlock()
	var d *temporal.Attempt
	for i, a := range out.Attempts {
		if a.Coder == "d" {
			d = &out.Attempts[i]
		}
		if a.Coder != "d" {
			assert.EqualValues(t, 1, a.Attempt, a.Coder)
		}
	}
	require.NotNil(t, d)
	assert.EqualValues(t, 3, d.Attempt, "two failed attempts, then the one that made the patch")
	assert.True(t, d.Patched)
	assert.Empty(t, d.Error)
	assert.Empty(t, out.Failed)
	assert.Equal(t, "d", out.Winner)
}

// A judge whose provider refuses the request (a 400) is asked once: its
// failure is recorded in the decision and the other judge decides; a
// Coder refused the same way has its failure recorded, and the others go
// on.
func TestNonRetryableFailureRecorded(t *testing.T) {
	p := newPipeline(t)
	var asked atomic.Int32
	p.Judges["p1"] = newJudge("p1", llm.ModelFunc(func(context.Context, *llm.Request) (*llm.Response, error) {
		asked.Add(1)
		return nil, bad
	}))
	p.Coders[1] = scripted("b", llmtest.Fail(bad))
	w := newWorker(t, p)
	out, err := runWorkflow(t, w, conclave.Task{ID: "refused", Repo: testRepo(t), Issue: issue})
	require.NoError(t, err)
	for _, a := range out.Attempts {
		assert.EqualValues(t, 1, a.Attempt, a.Coder)
		if a.Coder == "b" {
			assert.Contains(t, a.Error, "bad request")
			assert.False(t, a.Patched)
		}
	}
	d := readDecision(t, w.Store, "refused", 1)
	panel := d.Steps[len(d.Steps)-1]
	require.Equal(t, "panel", panel.Stage)
	require.NotEmpty(t, panel.Failures)
	assert.EqualValues(t, len(panel.Failures), asked.Load(), "one call per question: a bad request is not retried")
	for _, f := range panel.Failures {
		assert.Equal(t, "p1", f.By)
		assert.Contains(t, f.Detail, "HTTP 400: bad request")
		assert.NotContains(t, f.Detail, "retryable", "the detail is the judge's error, as a local run records it")
	}
	assert.Equal(t, "panel", out.DecidedBy)
	assert.NotEmpty(t, out.Winner)
}

func TestRetryable(t *testing.T) {
	assert.True(t, temporal.Retryable(down))
	assert.False(t, temporal.Retryable(bad))
	assert.False(t, temporal.Retryable(llm.ErrBudgetExceeded))
	assert.False(t, temporal.Retryable(conclave.ErrNoCandidate))
	assert.True(t, temporal.Retryable(context.Canceled), "a worker stopping hands the activity to another")
}
