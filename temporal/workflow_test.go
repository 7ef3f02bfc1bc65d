package temporal_test

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/temporal"
)

// quiet drops the SDK's log.
var quiet = log.NewStructuredLogger(slog.New(slog.DiscardHandler))

// runWorkflow runs task's workflow on w in the SDK's test environment.
func runWorkflow(t *testing.T, w *temporal.Worker, task conclave.Task) (*temporal.Outcome, error) {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(quiet)
	env := suite.NewTestWorkflowEnvironment()
	codec := &temporal.Codec{Store: w.Store}
	env.SetDataConverter(temporal.NewDataConverter(codec))
	require.NoError(t, w.Register(env))
	env.ExecuteWorkflow(temporal.WorkflowName, task)
	require.True(t, env.IsWorkflowCompleted())
	if err := env.GetWorkflowError(); err != nil {
		return nil, err
	}
	var out temporal.Outcome
	require.NoError(t, env.GetWorkflowResult(&out))
	return &out, nil
}

// The workflow over scripted models makes the Decision the local
// Pipeline makes for the same task and seed.
func TestWorkflowDecidesAsThePipeline(t *testing.T) {
	repo := testRepo(t)
	task := conclave.Task{ID: "stats-1", Repo: repo, Issue: issue}

	local := t.TempDir()
	res, err := newPipeline(t).Run(t.Context(), task, local)
	require.NoError(t, err)
	want := res.Decision
	relativeTraces(t, want, local)

	w := newWorker(t, newPipeline(t))
	out, err := runWorkflow(t, w, task)
	require.NoError(t, err)
	got := readDecision(t, w.Store, task.ID, len(res.Rounds))
	relativeTraces(t, got, "")
	assert.Equal(t, want, got)
	assert.Equal(t, res.Winner, out.Winner)
	assert.Equal(t, res.Patch, out.Patch)
	assert.Equal(t, "panel", out.DecidedBy, "the verifier refused, the panel decided")
	assert.Equal(t, "d", out.Winner)
	assert.Len(t, out.Attempts, 4)
	assert.Empty(t, out.Failed)
	t.Logf("winner %s by %s; %d rounds", out.Winner, out.DecidedBy, out.Rounds)
}
