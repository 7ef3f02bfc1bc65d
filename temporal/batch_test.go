package temporal_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/temporal"
)

// A batch runs at most Parallel tasks at once and reports each as it
// ends, failures included.
func TestBatch(t *testing.T) {
	var running, most atomic.Int32
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	b := &temporal.Batch{Parallel: 3, Run: func(ctx context.Context, task conclave.Task) (*temporal.Outcome, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		started <- struct{}{}
		<-release
		if task.ID == "t4" {
			return nil, errors.New("no candidate")
		}
		return &temporal.Outcome{Task: task.ID}, nil
	}}
	var done []string
	b.Done = func(task conclave.Task, out *temporal.Outcome, err error) {
		if err != nil {
			done = append(done, task.ID+" failed")
			return
		}
		done = append(done, out.Task)
	}
	var tasks []conclave.Task
	for i := range 10 {
		tasks = append(tasks, conclave.Task{ID: fmt.Sprintf("t%d", i)})
	}
	go func() {
		for range 3 {
			<-started
		}
		close(release) // the first three are all running: let every task go
	}()
	failed, err := b.Start(t.Context(), tasks)
	require.NoError(t, err)
	assert.Equal(t, 1, failed)
	assert.Len(t, done, 10)
	assert.Contains(t, done, "t4 failed")
	assert.EqualValues(t, 3, most.Load(), "never more than Parallel at once")
}

func TestBatchNeedsAClient(t *testing.T) {
	_, err := (&temporal.Batch{}).Start(t.Context(), []conclave.Task{{ID: "x"}})
	assert.ErrorContains(t, err, "Batch.Client is nil")
}
