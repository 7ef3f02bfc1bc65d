package temporal

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing/fstest"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/selector"
)

// Outcome is what a task's workflow returns: the run's result in brief,
// and what failed for good on the way. The whole Result, every record and
// trajectory, is in the Store under Finished.RunDirKeys.
type Outcome struct {
	Task string `json:"task"`
	Finished
	// Attempts are the Coders' runs, round by round.
	Attempts []Attempt `json:"attempts"`
	// Failed are the activities that failed after their retries (or at
	// once, when not worth retrying), in words; the run went on without
	// them.
	Failed []string `json:"failed,omitempty"`
}

// Version marks the workflow's code in its history
// (workflow.GetVersion): a change that would replay an old history
// differently keeps the old path for histories recorded before it and
// raises the version. Version 1 is the first.
const (
	versionChange = "conclave-task"
	version       = 1
)

// Run is the workflow of one task: the Coders' runs as parallel
// activities, then for each round the candidates, the Tester's plan and
// the selection, which runs here, in the workflow, deterministically
// from the Pipeline's seed, its judges' answers and test runs being
// activities; then a refinement round when the selection is unsure, and
// the Result. The task's Repo is what workers clone (a URL or a
// directory they can all reach).
func (w *Worker) Run(ctx workflow.Context, task conclave.Task) (*Outcome, error) {
	if v := workflow.GetVersion(ctx, versionChange, workflow.DefaultVersion, version); v == workflow.DefaultVersion {
		return nil, temporal.NewNonRetryableApplicationError("temporal: a history from before the first version of this workflow", "Version", nil)
	}
	ids, err := w.Pipeline.CoderIDs()
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "Pipeline", nil)
	}
	t := w.timeouts()
	var prep Prepared
	if err := workflow.ExecuteActivity(w.options(ctx, t.short, false), ActivityPrepare, task).Get(ctx, &prep); err != nil {
		return nil, err
	}
	out := &Outcome{Task: prep.Task.ID}
	d, err := w.round(ctx, prep, ids, 1, out)
	if err != nil {
		return out, err
	}
	if w.Pipeline.Refine != nil && len(conclave.Unsure(d)) > 0 {
		if _, err := w.round(ctx, prep, ids, 2, out); err != nil {
			return out, err
		}
	}
	if err := workflow.ExecuteActivity(w.options(ctx, t.short, false), ActivityFinish, prep.Task).Get(ctx, &out.Finished); err != nil {
		return out, err
	}
	return out, nil
}

// options are the activity options of a stage.
func (w *Worker) options(ctx workflow.Context, timeout time.Duration, beats bool) workflow.Context {
	retry := DefaultRetry
	if w.Retry != nil {
		retry = *w.Retry
	}
	o := workflow.ActivityOptions{StartToCloseTimeout: timeout, RetryPolicy: &retry}
	if beats {
		o.HeartbeatTimeout = w.heartbeatTimeout()
	}
	return workflow.WithActivityOptions(ctx, o)
}

// round runs round n: every Coder, then the selection; it returns the
// round's decision, recorded.
func (w *Worker) round(ctx workflow.Context, prep Prepared, ids []string, n int, out *Outcome) (*selector.Decision, error) {
	t := w.timeouts()
	task := prep.Task
	futures := make([]workflow.Future, len(ids))
	for i, id := range ids {
		futures[i] = workflow.ExecuteActivity(w.options(ctx, t.coder, true), ActivityGenerate, GenerateInput{Task: task, Round: n, Coder: id})
	}
	for i, f := range futures {
		var a Attempt
		if err := f.Get(ctx, &a); err != nil {
			out.Failed = append(out.Failed, fmt.Sprintf("round %d: Coder %s: %s", n, ids[i], message(err)))
			continue
		}
		out.Attempts = append(out.Attempts, a)
	}
	var sel Selection
	if err := workflow.ExecuteActivity(w.options(ctx, t.short, false), ActivityCandidates, RoundInput{Task: task, Round: n}).Get(ctx, &sel); err != nil {
		return nil, err
	}
	if w.Pipeline.Tester != nil {
		var ps PlanSummary
		if err := workflow.ExecuteActivity(w.options(ctx, t.tests, true), ActivityPlan, RoundInput{Task: task, Round: n}).Get(ctx, &ps); err != nil {
			out.Failed = append(out.Failed, fmt.Sprintf("round %d: the Tester's plan: %s", n, message(err)))
		}
	}
	d, err := w.selection(ctx, prep, n, sel)
	if err != nil {
		return nil, err
	}
	if err := workflow.ExecuteActivity(w.options(ctx, t.short, false), ActivityRecord, RecordInput{Task: task, Round: n, Decision: d}).Get(ctx, nil); err != nil {
		return nil, err
	}
	return d, nil
}

// selection runs round n's selection in the workflow: the Pipeline's
// stages on a pool of the round's candidates, whose calls to judges, the
// verifier and the tests are activities made from workflow coroutines
// (Pool.Calls). Nothing in it reads the clock, starts a goroutine or
// iterates a map in an order that matters, so it replays the same.
func (w *Worker) selection(ctx workflow.Context, prep Prepared, n int, sel Selection) (*selector.Decision, error) {
	base := fstest.MapFS{}
	for _, name := range slices.Sorted(maps.Keys(sel.Base)) {
		base[name] = &fstest.MapFile{Data: sel.Base[name], Mode: 0o644}
	}
	pool, err := selector.NewPool(prep.Task.Issue, base, sel.Candidates)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), "Selection", nil)
	}
	pool.Seed = w.Pipeline.Seed
	pool.Calls = workflowCalls
	t := w.timeouts()
	roles := conclave.Roles{Judges: map[string]selector.Judge{}}
	for _, name := range slices.Sorted(maps.Keys(w.Pipeline.Judges)) {
		roles.Judges[name] = remoteJudge{w: w, task: prep.Task, name: name, timeout: t.judge}
	}
	if v := w.Pipeline.VerifierName(); v != "" {
		roles.Verifier = remoteJudge{w: w, task: prep.Task, name: v, timeout: t.judge}
	}
	if w.Pipeline.Tester != nil {
		rt := remoteTests{w: w, task: prep.Task, round: n, timeout: t.tests, byPatch: map[string]string{}}
		for _, c := range sel.Candidates {
			if _, ok := rt.byPatch[c.Patch]; !ok {
				rt.byPatch[c.Patch] = c.ID
			}
		}
		roles.Tests, roles.TestParallel = rt, prep.TestParallel
	}
	stages := conclave.DefaultStages(roles)
	if w.Pipeline.Stages != nil {
		stages = w.Pipeline.Stages(roles)
	}
	d, err := selector.Selector{Stages: stages}.Run(withWorkflow(context.Background(), ctx, 0), pool)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("conclave: Select: %v", err), "Selection", nil)
	}
	return d, nil
}

// The selector's context carries the workflow context of the coroutine
// it runs in, and the stage's bound on the call.
type wfKey struct{}

type wfCall struct {
	ctx     workflow.Context
	timeout time.Duration
}

func withWorkflow(ctx context.Context, wctx workflow.Context, timeout time.Duration) context.Context {
	return context.WithValue(ctx, wfKey{}, wfCall{ctx: wctx, timeout: timeout})
}

func workflowOf(ctx context.Context) wfCall {
	c, ok := ctx.Value(wfKey{}).(wfCall)
	if !ok {
		panic("temporal: a selection call outside the workflow") // only the workflow makes these contexts
	}
	return c
}

// workflowCalls is the selection's Calls in the workflow: each call on a
// workflow coroutine, all at once (the workers bound how many activities
// run), waited for together.
func workflowCalls(ctx context.Context, n, _ int, timeout time.Duration, call func(context.Context, int)) {
	wctx := workflowOf(ctx).ctx
	if n == 1 {
		call(withWorkflow(ctx, wctx, timeout), 0)
		return
	}
	wg := workflow.NewWaitGroup(wctx)
	for i := range n {
		wg.Add(1)
		workflow.Go(wctx, func(c workflow.Context) {
			defer wg.Done()
			call(withWorkflow(ctx, c, timeout), i)
		})
	}
	wg.Wait(wctx)
}

// call runs an activity from the coroutine of ctx, bounded by the
// stage's timeout when it set one (over every attempt, as a local call's
// timeout bounds the call), and returns its error as the local call's:
// the message alone, a timeout wrapping selector.ErrTimeout.
func (w *Worker) call(ctx context.Context, timeout time.Duration, name string, arg, result any) error {
	c := workflowOf(ctx)
	wctx := w.options(c.ctx, timeout, true)
	if c.timeout > 0 {
		o := workflow.GetActivityOptions(wctx)
		o.ScheduleToCloseTimeout = c.timeout
		o.StartToCloseTimeout = min(o.StartToCloseTimeout, c.timeout)
		wctx = workflow.WithActivityOptions(wctx, o)
	}
	err := workflow.ExecuteActivity(wctx, name, arg).Get(wctx, result)
	if err == nil {
		return nil
	}
	var te *temporal.TimeoutError
	if errors.As(err, &te) {
		return fmt.Errorf("%w (%s)", selector.ErrTimeout, te.TimeoutType())
	}
	return errors.New(message(err))
}

// message is an activity's error as the activity said it, without the
// engine's wrapping.
func message(err error) string {
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	var te *temporal.TimeoutError
	if errors.As(err, &te) {
		return "timed out (" + te.TimeoutType().String() + ")"
	}
	return err.Error()
}

// remoteJudge is a judge whose answers are activities.
type remoteJudge struct {
	w       *Worker
	task    conclave.Task
	name    string
	timeout time.Duration
}

func (r remoteJudge) Judge(ctx context.Context, q selector.Question) (selector.Answer, error) {
	var a selector.Answer
	err := r.w.call(ctx, r.timeout, ActivityAsk, AskInput{Task: r.task, Judge: r.name, Question: q}, &a)
	return a, err
}

func (r remoteJudge) Verify(ctx context.Context, _ string, c selector.Candidate) (selector.Verdict, error) {
	var v selector.Verdict
	err := r.w.call(ctx, r.timeout, ActivityVerify, VerifyInput{Task: r.task, Judge: r.name, Candidate: c}, &v)
	return v, err
}

// remoteTests is the regression stage's test runner, by activities: the
// original's results from the plan, a candidate's from its test run.
type remoteTests struct {
	w       *Worker
	task    conclave.Task
	round   int
	timeout time.Duration
	byPatch map[string]string
}

func (rt remoteTests) RunTests(ctx context.Context, patch string) (selector.TestResults, error) {
	id := ""
	if patch != "" {
		var ok bool
		if id, ok = rt.byPatch[patch]; !ok {
			return nil, errors.New("conclave: the patch to test is no candidate of the round")
		}
	}
	var res selector.TestResults
	err := rt.w.call(ctx, rt.timeout, ActivityTests, TestInput{Task: rt.task, Round: rt.round, Candidate: id}, &res)
	return res, err
}
