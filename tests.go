package conclave

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/selector"
)

// testPlan is the record of a round's test plan: the Tester's plan or why
// none could be made, and what its explorer cost.
type testPlan struct {
	Plan  *tester.Plan          `json:"plan,omitempty"`
	Error string                `json:"error,omitempty"`
	Usage map[string]llm.Totals `json:"usage,omitempty"`
}

// planOnce makes a round's plan once per Job.
type planOnce struct {
	mu   sync.Mutex
	done bool
	plan *tester.Plan
	err  error
}

// Plan returns round's test plan: the tests the Tester finds relevant to
// the issue and to the files the round's candidates change, and what they
// do on the original code (run twice). It is made once and recorded; a
// plan that could not be made is recorded too, and returned as its error.
// Without a Tester, Plan returns nil and no error.
func (j *Job) Plan(ctx context.Context, round int) (*tester.Plan, error) {
	if j.p.Tester == nil {
		return nil, nil
	}
	j.plansMu.Lock()
	once, ok := j.plans[round]
	if !ok {
		once = &planOnce{}
		j.plans[round] = once
	}
	j.plansMu.Unlock()
	once.mu.Lock()
	defer once.mu.Unlock()
	if !once.done {
		once.plan, once.err = j.plan(ctx, round)
		// An interrupted plan is made again by the next call.
		once.done = ctx.Err() == nil
	}
	return once.plan, once.err
}

func (j *Job) plan(ctx context.Context, round int) (*tester.Plan, error) {
	t := j.tester()
	var rec testPlan
	found, err := j.dir.read(planFile(round), &rec)
	switch {
	case err != nil:
		return nil, err
	case found && rec.Error != "":
		return nil, errors.New(rec.Error)
	case found:
		return t.Restore(rec.Plan)
	}
	candidates, err := j.Candidates(round)
	if err != nil {
		return nil, err
	}
	patches := make([]string, len(candidates))
	for i, c := range candidates {
		patches[i] = c.Patch
	}
	meter := &llm.Meter{}
	var closers []func() error
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	for i, d := range t.Discover {
		e, ok := d.(*tester.Explorer)
		if !ok {
			continue
		}
		ec := *e
		ec.Agent.Model = meter.Wrap(ec.Agent.Model)
		if ec.Graphs == nil {
			ec.Graphs = j.repo.Graphs
		}
		f, err := j.dir.create(trajectoryFile(round, "tester"))
		if err != nil {
			return nil, err
		}
		closers = append(closers, f.Close)
		ec.Agent.Trajectory = f
		t.Discover[i] = &ec
	}
	j.emit(Event{Kind: EventTests, Round: round, State: StateRunning, Text: "finding the tests and running them on the original code"})
	plan, err := t.Plan(ctx, j.task.Issue, patches)
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	rec = testPlan{Plan: plan, Usage: meter.Totals()}
	if err != nil {
		rec.Error = err.Error()
	}
	if werr := j.dir.write(planFile(round), rec); werr != nil {
		return nil, werr
	}
	if err != nil {
		j.emit(Event{Kind: EventTests, Round: round, State: StateFailed, Text: err.Error()})
		return nil, err
	}
	j.emit(Event{Kind: EventTests, Round: round, State: StateDone,
		Text: fmt.Sprintf("%d suites, %d of %d tests pass twice on the original code", len(plan.Suites), plan.Baseline.Passed, plan.Baseline.Run)})
	return plan, nil
}

// tester returns the Pipeline's Tester placed in the task.
func (j *Job) tester() *tester.Tester {
	t := *j.p.Tester
	t.Repo, t.Base = j.task.Repo, j.task.Base
	if t.WorktreeDir == "" {
		t.WorktreeDir = j.p.WorktreeDir
	}
	if t.Workspace == nil {
		t.Workspace = j.p.Workspace
	}
	t.Discover = append([]tester.Discoverer(nil), t.Discover...)
	return &t
}

// Test runs round's test plan on the candidate id of that round and
// records the result, unless it is already recorded. A run that failed
// (a patch that does not apply, a time limit) is a Result with Error;
// the error is for an unknown candidate, a plan that could not be made,
// or ctx ending, after which nothing is recorded.
func (j *Job) Test(ctx context.Context, round int, id string) (*tester.Result, error) {
	var res tester.Result
	if found, err := j.dir.read(testFile(round, id), &res); err != nil || found {
		return &res, err
	}
	plan, err := j.Plan(ctx, round)
	if err != nil {
		return nil, err
	}
	if plan == nil {
		return nil, errors.New("conclave: Test: the Pipeline has no Tester")
	}
	candidates, err := j.Candidates(round)
	if err != nil {
		return nil, err
	}
	var c *selector.Candidate
	for i := range candidates {
		if candidates[i].ID == id {
			c = &candidates[i]
		}
	}
	if c == nil {
		return nil, fmt.Errorf("conclave: Test: round %d has no candidate %q", round, id)
	}
	j.emit(Event{Kind: EventTests, Round: round, State: StateRunning, Candidate: id, Text: "testing " + id})
	res = plan.Check(ctx, []selector.Candidate{*c})[0]
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	if err := j.dir.write(testFile(round, id), res); err != nil {
		return nil, err
	}
	text := fmt.Sprintf("%s: %d regressions", id, len(res.Regressions))
	if res.Error != "" {
		text = id + ": " + res.Error
	}
	j.emit(Event{Kind: EventTests, Round: round, State: StateDone, Candidate: id, Text: text})
	return &res, nil
}

// roundTests is the selection's TestRunner for one round: the original's
// results from the plan's baseline, a candidate's from its recorded test
// run, made on first use.
type roundTests struct {
	job     *Job
	round   int
	byPatch map[string]string // patch -> the first candidate ID with it
}

func (rt roundTests) RunTests(ctx context.Context, patch string) (selector.TestResults, error) {
	plan, err := rt.job.Plan(ctx, rt.round)
	if err != nil {
		return nil, err
	}
	if patch == "" {
		return plan.RunTests(ctx, "")
	}
	id, ok := rt.byPatch[patch]
	if !ok {
		return nil, errors.New("conclave: the patch to test is no candidate of the round")
	}
	res, err := rt.job.Test(ctx, rt.round, id)
	if err != nil {
		return nil, err
	}
	return plan.TestResults(*res)
}
