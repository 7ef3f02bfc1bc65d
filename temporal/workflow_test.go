package temporal_test

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"

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
func runWorkflow(t *testing.T, w *temporal.Worker, task conclave.Task, setup ...func(*testsuite.TestWorkflowEnvironment)) (*temporal.Outcome, error) {
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(quiet)
	env := suite.NewTestWorkflowEnvironment()
	// The activities run real git, Coders and tests: on a loaded machine
	// they outlast the environment's 3-second default wait.
	env.SetTestTimeout(5 * time.Minute)
	codec := &temporal.Codec{Store: w.Store}
	env.SetDataConverter(temporal.NewDataConverter(codec))
	require.NoError(t, w.Register(env))
	for _, f := range setup {
		f(env)
	}
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
	assert.NoDirExists(t, filepath.Join(w.Dir, "runs", task.ID), "the worker's copy of a finished run goes")
	_, err = w.Store.Get(t.Context(), out.Result)
	assert.NoError(t, err, "the Store keeps the run")
	t.Logf("winner %s by %s; %d rounds", out.Winner, out.DecidedBy, out.Rounds)
}

// When the judges split, the workflow runs the refinement round as the
// local Pipeline does, the second round's Coders reading the first
// round's decision from the store.
func TestWorkflowRefines(t *testing.T) {
	split := func(t *testing.T) *conclave.Pipeline {
		p := newPipeline(t)
		p.Judges["p1"] = newJudge("p1", judgeModel("p1", func(id string) bool { return id == "a" }))
		p.Judges["p2"] = newJudge("p2", judgeModel("p2", func(id string) bool { return id == "d" }))
		p.Refine = &conclave.Refine{}
		return p
	}
	repo := testRepo(t)
	task := conclave.Task{ID: "stats-refine", Repo: repo, Issue: issue}
	local := t.TempDir()
	res, err := split(t).Run(t.Context(), task, local)
	require.NoError(t, err)
	require.Len(t, res.Rounds, 2, "the judges split: a refinement round")
	want := res.Decision
	relativeTraces(t, want, local)

	w := newWorker(t, split(t))
	out, err := runWorkflow(t, w, task)
	require.NoError(t, err)
	assert.Equal(t, 2, out.Rounds)
	assert.True(t, out.Refined)
	got := readDecision(t, w.Store, task.ID, 2)
	relativeTraces(t, got, "")
	assert.Equal(t, want, got)
	assert.Equal(t, res.Winner, out.Winner)
	assert.Len(t, out.Attempts, 8, "four Coders, two rounds")
	_, err = w.Store.Get(t.Context(), "runs/stats-refine/round-2/critiques/a.md")
	assert.NoError(t, err, "the second round's critiques are in the store")
}
