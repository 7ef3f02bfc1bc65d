package temporal

import (
	"errors"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/agent/judge"
)

// TaskQueue is the task queue workers poll by default.
const TaskQueue = "conclave"

// DeadlockTimeout is how long a workflow task may run before the SDK
// takes it for a deadlock: longer than the SDK's second, since the
// selection parses every candidate's files in the workflow. Give it to
// worker.Options.DeadlockDetectionTimeout.
const DeadlockTimeout = 30 * time.Second

// Worker is what a worker process runs: the workflow of a task (one per
// issue) and the activities of its stages, on one Pipeline. Every worker
// of a task queue must run the same Pipeline configuration (Coders'
// IDs, judges, seed, stages), as they run the same workflow code: the
// workflow reads them to decide what to run.
type Worker struct {
	// Pipeline is the pipeline every task runs.
	Pipeline *conclave.Pipeline
	// Store holds the run directories and the large payloads; shared by
	// every worker and the client.
	Store Store
	// Clones is the worker's cache of repositories.
	Clones *Clones
	// Dir is where the worker keeps its copies of the run directories, a
	// cache of the Store: a task's copy is removed when the task finishes
	// on this worker, and any copy may be deleted while no activity of its
	// task runs here.
	Dir string
	// Heartbeat is how often a running activity heartbeats; 0 is 10s.
	// HeartbeatTimeout, after which the server takes a silent activity
	// for dead and runs it again elsewhere, is 0 for 4 x Heartbeat.
	Heartbeat, HeartbeatTimeout time.Duration
	// Retry is the retry policy of the activities; nil is
	// [DefaultRetry]. Errors are retried or not by llm.Retry's split
	// whatever the policy (see [Retryable]).
	Retry *temporal.RetryPolicy
}

// DefaultRetry is the activities' retry policy: five attempts, from 5
// seconds apart up to 5 minutes.
var DefaultRetry = temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Minute, MaximumAttempts: 5}

func (w *Worker) heartbeat() time.Duration {
	if w.Heartbeat > 0 {
		return w.Heartbeat
	}
	return 10 * time.Second
}

func (w *Worker) heartbeatTimeout() time.Duration {
	if w.HeartbeatTimeout > 0 {
		return w.HeartbeatTimeout
	}
	return 4 * w.heartbeat()
}

// check names what is missing.
func (w *Worker) check() error {
	switch {
	case w.Pipeline == nil:
		return errors.New("temporal: Worker.Pipeline is nil: give the pipeline the worker runs")
	case w.Store == nil:
		return errors.New("temporal: Worker.Store is nil: give the store shared by workers and clients (a DirStore on a shared file system)")
	case w.Clones == nil:
		return errors.New("temporal: Worker.Clones is nil: give the clone cache, such as &Clones{Dir: dir}")
	case w.Dir == "":
		return errors.New("temporal: Worker.Dir is empty: name where the worker keeps run directories")
	}
	_, err := w.Pipeline.CoderIDs()
	return err
}

// Register registers the workflow and the activities with r: a
// worker.Worker, or a testsuite environment.
func (w *Worker) Register(r worker.Registry) error {
	if err := w.check(); err != nil {
		return err
	}
	r.RegisterWorkflowWithOptions(w.Run, workflow.RegisterOptions{Name: WorkflowName})
	a := activities{w: w}
	for name, fn := range map[string]any{
		ActivityPrepare: a.Prepare, ActivityGenerate: a.Generate, ActivityCandidates: a.Candidates,
		ActivityPlan: a.Plan, ActivityTests: a.Tests, ActivityAsk: a.Ask, ActivityVerify: a.Verify,
		ActivityRecord: a.Record, ActivityFinish: a.Finish,
	} {
		r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name})
	}
	return nil
}

// timeouts are the activities' start-to-close timeouts, from the
// Pipeline's limits, with room for the work around the agent.
type timeouts struct {
	short, coder, tests, judge time.Duration
}

func (w *Worker) timeouts() timeouts {
	p := w.Pipeline
	t := timeouts{short: 10 * time.Minute, coder: 2 * time.Hour, tests: time.Hour, judge: 30 * time.Minute}
	var coder time.Duration
	for _, c := range p.Coders {
		coder = max(coder, c.Agent.Limits.Time)
	}
	if p.Refine != nil {
		coder = max(coder, p.Refine.Limits.Time)
	}
	if coder > 0 {
		t.coder = coder + 10*time.Minute
	}
	if p.Tester != nil && p.Tester.Timeout > 0 {
		// The plan runs the tests twice on the original code, after its
		// explorer; a candidate's run once.
		t.tests = 3*p.Tester.Timeout + 30*time.Minute
	}
	var jt time.Duration
	for _, j := range p.Judges {
		if aj, ok := j.(*judge.Judge); ok {
			jt = max(jt, aj.Agent.Limits.Time)
		}
	}
	if jt > 0 {
		t.judge = jt + 5*time.Minute
	}
	return t
}
