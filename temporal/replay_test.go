package temporal_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/conclave-dev/conclave/temporal"
)

// A history recorded from a dev server (TestDevServer with
// CONCLAVE_RECORD_HISTORY=1) replays on today's workflow code: the code is
// deterministic, and a change that is not must keep the old path behind
// workflow.GetVersion.
func TestReplay(t *testing.T) {
	codec := &temporal.Codec{Store: temporal.DirStore(filepath.Join(replayDir, "store"))}
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: temporal.NewDataConverter(codec)})
	require.NoError(t, err)
	w := &temporal.Worker{Pipeline: newPipeline(t)}
	r.RegisterWorkflowWithOptions(w.Run, workflow.RegisterOptions{Name: temporal.WorkflowName})
	require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(quiet, filepath.Join(replayDir, "history.json")))
}

// The replay test can fail: a worker whose Pipeline has no Tester would
// not schedule the plan and the tests the history holds.
func TestReplayCatchesAChange(t *testing.T) {
	codec := &temporal.Codec{Store: temporal.DirStore(filepath.Join(replayDir, "store"))}
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{DataConverter: temporal.NewDataConverter(codec)})
	require.NoError(t, err)
	p := newPipeline(t)
	p.Tester = nil
	w := &temporal.Worker{Pipeline: p}
	r.RegisterWorkflowWithOptions(w.Run, workflow.RegisterOptions{Name: temporal.WorkflowName})
	err = r.ReplayWorkflowHistoryFromJSONFile(quiet, filepath.Join(replayDir, "history.json"))
	require.Error(t, err)
	require.ErrorContains(t, err, "TMPRL1100", "the SDK's code for a nondeterministic replay")
}
