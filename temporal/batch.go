package temporal

import (
	"context"
	"errors"
	"fmt"
	"sync"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/conclave-dev/conclave"
)

// Batch runs many tasks, one workflow each, at most Parallel at a time,
// and reports each as it finishes: the client side of a benchmark run
// such as SWE-bench's 500 instances.
type Batch struct {
	// Client submits the workflows, to TaskQueue ("" is [TaskQueue]).
	Client    client.Client
	TaskQueue string
	// Prefix goes before each task's ID to make its workflow ID. A task
	// whose workflow is still running (a batch started again after the
	// client died) is waited for, not started twice.
	Prefix string
	// Parallel is how many workflows run at once; 0 is 10.
	Parallel int
	// Run, if set, runs one task instead of Client: a test's or a
	// simulation's environment.
	Run func(ctx context.Context, task conclave.Task) (*Outcome, error)
	// Done is called as each task ends, with its outcome or why it has
	// none; one call at a time, in the order they end.
	Done func(task conclave.Task, out *Outcome, err error)
}

// Start runs the tasks and returns how many failed; the error is ctx's
// when it ended first (the workflows started go on in the cluster, and a
// batch started again with the same Prefix waits for them).
func (b *Batch) Start(ctx context.Context, tasks []conclave.Task) (int, error) {
	run := b.Run
	if run == nil {
		if b.Client == nil {
			return 0, errors.New("temporal: Batch.Client is nil: dial the cluster (client.Dial) with NewDataConverter")
		}
		run = b.submit
	}
	parallel := b.Parallel
	if parallel <= 0 {
		parallel = 10
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for _, task := range tasks {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return failed, context.Cause(ctx)
		}
		wg.Go(func() {
			defer func() { <-sem }()
			out, err := run(ctx, task)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
			}
			if b.Done != nil {
				b.Done(task, out, err)
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return failed, context.Cause(ctx)
	}
	return failed, nil
}

// submit starts task's workflow, or finds it running, and waits for it.
func (b *Batch) submit(ctx context.Context, task conclave.Task) (*Outcome, error) {
	queue := b.TaskQueue
	if queue == "" {
		queue = TaskQueue
	}
	opts := client.StartWorkflowOptions{
		ID:                       b.Prefix + task.ID,
		TaskQueue:                queue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}
	run, err := b.Client.ExecuteWorkflow(ctx, opts, WorkflowName, task)
	if err != nil {
		return nil, fmt.Errorf("temporal: starting %s: %w", task.ID, err)
	}
	var out Outcome
	if err := run.Get(ctx, &out); err != nil {
		return nil, fmt.Errorf("temporal: %s: %w", task.ID, err)
	}
	return &out, nil
}
