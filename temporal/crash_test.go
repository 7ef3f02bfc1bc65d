package temporal_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/temporal"
)

// Against a dev server: a worker dies while one Coder runs on it; the
// Coder's activity runs again on another worker, which finds the other
// Coders' records in the store, and the task ends with the decision an
// undisturbed run makes.
func TestWorkerKilledMidCoder(t *testing.T) {
	addr := os.Getenv("TEMPORAL_ADDRESS")
	if addr == "" {
		t.Skip("TEMPORAL_ADDRESS is not set: run scripts/temporal-dev.sh and set TEMPORAL_ADDRESS=localhost:7233 to run this test against a dev server")
	}
	task := conclave.Task{ID: "stats-crash", Repo: testRepo(t), Issue: issue}
	local := t.TempDir()
	res, err := newPipeline(t).Run(t.Context(), task, local)
	require.NoError(t, err)
	want := res.Decision
	relativeTraces(t, want, local)

	// The first worker's Coder d hangs until its worker stops.
	hung := make(chan struct{})
	var once sync.Once
	first := newPipeline(t)
	first.Coders[3] = &coder.Coder{ID: "d", Agent: agent.Agent{ModelName: "model-d", Model: llm.ModelFunc(func(ctx context.Context, _ *llm.Request) (*llm.Response, error) {
		once.Do(func() { close(hung) })
		<-ctx.Done()
		return nil, ctx.Err()
	})}}
	w1 := newWorker(t, first)
	w2 := newWorker(t, newPipeline(t))
	w2.Store, w2.Heartbeat, w2.HeartbeatTimeout = w1.Store, 200*time.Millisecond, 2*time.Second
	w1.Heartbeat, w1.HeartbeatTimeout = w2.Heartbeat, w2.HeartbeatTimeout

	codec := &temporal.Codec{Store: temporal.DirStore(t.TempDir())}
	c, err := client.Dial(client.Options{HostPort: addr, DataConverter: temporal.NewDataConverter(codec), Logger: quiet})
	require.NoError(t, err)
	defer c.Close()
	queue := fmt.Sprintf("conclave-crash-%d", time.Now().UnixNano())
	wk1 := worker.New(c, queue, worker.Options{DeadlockDetectionTimeout: temporal.DeadlockTimeout})
	require.NoError(t, w1.Register(wk1))
	require.NoError(t, wk1.Start())

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: queue, TaskQueue: queue}, temporal.WorkflowName, task)
	require.NoError(t, err)
	select {
	case <-hung:
	case <-ctx.Done():
		t.Fatal("Coder d never started on the first worker")
	}
	wk1.Stop() // the first worker dies with Coder d running
	wk2 := worker.New(c, queue, worker.Options{DeadlockDetectionTimeout: temporal.DeadlockTimeout})
	require.NoError(t, w2.Register(wk2))
	require.NoError(t, wk2.Start())
	defer wk2.Stop()

	var out temporal.Outcome
	require.NoError(t, run.Get(ctx, &out))
	got := readDecision(t, w2.Store, task.ID, 1)
	relativeTraces(t, got, "")
	assert.Equal(t, want, got, "the task decides as an undisturbed run")
	for _, a := range out.Attempts {
		if a.Coder == "d" {
			assert.Greater(t, a.Attempt, int32(1), "Coder d ran again on the second worker")
			t.Logf("Coder d: attempt %d, %d steps", a.Attempt, a.Steps)
		}
	}
	t.Logf("winner %s by %s after the first worker died", out.Winner, out.DecidedBy)
}
