package temporal_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/proto"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/temporal"
)

// replayDir holds a history recorded from a dev server and the payloads
// its codec stored, for TestReplay.
const replayDir = "testdata/replay"

// Against a real Temporal server (TEMPORAL_ADDRESS, such as the dev server
// scripts/temporal-dev.sh starts), a worker runs the task's workflow and
// it decides as the local Pipeline does. With CONCLAVE_RECORD_HISTORY=1
// the history and its payloads are written to testdata/replay for
// TestReplay.
func TestDevServer(t *testing.T) {
	addr := os.Getenv("TEMPORAL_ADDRESS")
	if addr == "" {
		t.Skip("TEMPORAL_ADDRESS is not set: run scripts/temporal-dev.sh and set TEMPORAL_ADDRESS=localhost:7233 to run this test against a dev server")
	}
	record := os.Getenv("CONCLAVE_RECORD_HISTORY") != ""
	repo := testRepo(t)
	task := conclave.Task{ID: "stats-e2e", Repo: repo, Issue: issue}

	local := t.TempDir()
	res, err := newPipeline(t).Run(t.Context(), task, local)
	require.NoError(t, err)
	want := res.Decision
	relativeTraces(t, want, local)

	w := newWorker(t, newPipeline(t))
	codec := &temporal.Codec{Store: temporal.DirStore(t.TempDir())}
	if record {
		require.NoError(t, os.RemoveAll(replayDir))
		codec.Store = temporal.DirStore(filepath.Join(replayDir, "store"))
	}
	c, err := client.Dial(client.Options{HostPort: addr, DataConverter: temporal.NewDataConverter(codec), Logger: quiet})
	require.NoError(t, err)
	defer c.Close()
	queue := fmt.Sprintf("conclave-e2e-%d", time.Now().UnixNano())
	wk := worker.New(c, queue, worker.Options{})
	require.NoError(t, w.Register(wk))
	require.NoError(t, wk.Start())
	defer wk.Stop()

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: queue, TaskQueue: queue}, temporal.WorkflowName, task)
	require.NoError(t, err)
	var out temporal.Outcome
	require.NoError(t, run.Get(ctx, &out))
	got := readDecision(t, w.Store, task.ID, len(res.Rounds))
	relativeTraces(t, got, "")
	assert.Equal(t, want, got, "the workflow decides as the local pipeline")
	assert.Equal(t, res.Winner, out.Winner)
	assert.Equal(t, res.Patch, out.Patch)

	hist := &historypb.History{}
	it := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		require.NoError(t, err)
		hist.Events = append(hist.Events, e)
	}
	activities := 0
	for _, e := range hist.Events {
		if e.GetEventType() == enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED {
			activities++
		}
	}
	st := codec.Stats()
	t.Logf("winner %s by %s; history: %d events, %d bytes, %d activities; payloads: %d bytes inline, %d in references to %d bytes in the store",
		out.Winner, out.DecidedBy, len(hist.Events), proto.Size(hist), activities, st.Inline, st.Refs, st.Stored)
	if record {
		b, err := temporalproto.CustomJSONMarshalOptions{Indent: " "}.Marshal(hist)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(replayDir, "history.json"), b, 0o644))
		t.Logf("recorded %s", filepath.Join(replayDir, "history.json"))
	}
}
