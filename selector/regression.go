package selector

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// TestRunner runs a project's regression tests, typically tests an agent
// found relevant to the issue, in a fresh copy of the original files.
//
// RunTests applies patch to the original files ("" runs them as they are),
// runs the tests, and reports each test's outcome by name (true: passed).
// It must honour ctx. Calls may run concurrently when the stage allows it
// ([Regression.Parallel]).
type TestRunner interface {
	RunTests(ctx context.Context, patch string) (TestResults, error)
}

// TestRunnerFunc adapts a function to [TestRunner].
type TestRunnerFunc func(ctx context.Context, patch string) (TestResults, error)

// RunTests calls f.
func (f TestRunnerFunc) RunTests(ctx context.Context, patch string) (TestResults, error) {
	return f(ctx, patch)
}

// TestResults holds each test's outcome by name: true when it passed.
type TestResults map[string]bool

// TestRun is the evidence of one run of the tests.
type TestRun struct {
	// Candidate is the candidate tested, or "" for the original files.
	Candidate string `json:"candidate"`
	Passed    int    `json:"passed"`
	Failed    int    `json:"failed"`
	// Regressions are the tests that passed on the original and do not
	// pass with the candidate (failed, or missing from its results), by
	// name.
	Regressions []string `json:"regressions,omitempty"`
	// Error is why the run gave no results.
	Error string `json:"error,omitempty"`
}

// Regression filters candidates by the project's regression tests, as
// Trae's tester does: the tests run on the original files, then on each
// candidate. A candidate passes when no test that passed on the original
// fails with it; a test missing from a candidate's results counts as
// failing (the patch may have broken its collection), and tests that
// already failed on the original do not count. Candidates that pass stay;
// the others are dropped with their regressions.
//
// If no candidate passes, all stay (Trae's rule), or, with Fewest set,
// those with the fewest regressions (Agentless's rule): Step.KeptFailing
// lists those kept with their regressions, and the Decision is not
// Confident. Either way the candidates are reordered by their number of
// regressions, fewest first, pool order among equals.
//
// A run that errors, times out or panics is recorded as a [Failure]; for a
// candidate it counts as failing every test, for the original it leaves
// the stage nothing to compare against, so it drops nothing. So does an
// original on which no test passes. The stage is named "regression".
type Regression struct {
	Runner TestRunner
	// Fewest keeps the candidates with the fewest regressions when none
	// has none.
	Fewest bool
	// Parallel is how many test runs go at once, the original's included;
	// 0 means 1.
	Parallel int
	// Timeout bounds each run; 0 means no bound but ctx's.
	Timeout time.Duration
}

// Run implements [Stage].
func (r Regression) Run(ctx context.Context, p *Pool) (*Step, error) {
	step := &Step{Stage: "regression", Settings: &Settings{Parallel: max(1, r.Parallel), Fewest: r.Fewest, Timeout: Duration(r.Timeout)}}
	switch {
	case r.Runner == nil:
		return step, fmt.Errorf("selector: Regression.Runner is nil: set the test runner")
	case r.Parallel < 0:
		return step, fmt.Errorf("selector: Regression.Parallel is %d: use at least 1, or 0 for 1", r.Parallel)
	}
	if len(p.Candidates) == 0 {
		step.Notes = append(step.Notes, "no candidate to test")
		return step, nil
	}
	patches := []string{""}
	for _, c := range p.Candidates {
		patches = append(patches, c.Patch)
	}
	outs, err := callAll(ctx, p.Calls, len(patches), max(1, r.Parallel), r.Timeout, func(ctx context.Context, i int) (TestResults, error) {
		return r.Runner.RunTests(ctx, patches[i])
	})
	if err != nil {
		return step, err
	}
	base := outs[0]
	orig := TestRun{}
	if base.kind != "" {
		orig.Error = base.detail
		step.Failures = append(step.Failures, base.failure("test runner", "", 0))
	}
	orig.Passed, orig.Failed = count(base.val)
	step.Tests = append(step.Tests, orig)
	var baseline []string // the tests that passed on the original
	for _, name := range slices.Sorted(maps.Keys(base.val)) {
		if base.val[name] {
			baseline = append(baseline, name)
		}
	}
	regressions := make(map[string]int, len(p.Candidates))
	for i, c := range p.Candidates {
		o := outs[i+1]
		run := TestRun{Candidate: c.ID}
		if o.kind != "" {
			run.Error = o.detail
			step.Failures = append(step.Failures, o.failure("test runner", c.ID, 0))
		}
		run.Passed, run.Failed = count(o.val)
		for _, name := range baseline {
			if !o.val[name] {
				run.Regressions = append(run.Regressions, name)
			}
		}
		regressions[c.ID] = len(run.Regressions)
		step.Tests = append(step.Tests, run)
	}
	switch {
	case base.kind != "":
		step.Notes = append(step.Notes, "the tests could not run on the original files: nothing to compare against, no candidate dropped")
		return step, nil
	case len(baseline) == 0:
		step.Notes = append(step.Notes, "no test passed on the original files: nothing to compare against, no candidate dropped")
		return step, nil
	}
	least := slices.Min(slices.Collect(maps.Values(regressions)))
	keep := func(c Candidate) bool { return regressions[c.ID] == 0 }
	switch {
	case least > 0 && r.Fewest:
		keep = func(c Candidate) bool { return regressions[c.ID] == least }
		step.Notes = append(step.Notes, fmt.Sprintf("no candidate passes; kept those with the fewest regressions (%d)", least))
	case least > 0:
		keep = func(Candidate) bool { return true }
		step.KeptAll = true
		step.Notes = append(step.Notes, "no candidate passes; all kept")
	}
	for _, run := range step.Tests[1:] {
		c, _ := p.byID(run.Candidate)
		rej := Rejection{Candidate: c.ID, Reason: ReasonRegression, Detail: regressionDetail(run)}
		switch {
		case !keep(c):
			step.Dropped = append(step.Dropped, rej)
		case regressions[c.ID] > 0:
			step.KeptFailing = append(step.KeptFailing, rej)
		}
	}
	p.retain(keep)
	slices.SortStableFunc(p.Candidates, func(a, b Candidate) int { return regressions[a.ID] - regressions[b.ID] })
	return step, nil
}

func count(res TestResults) (passed, failed int) {
	for _, ok := range res {
		if ok {
			passed++
		} else {
			failed++
		}
	}
	return passed, failed
}

func regressionDetail(run TestRun) string {
	if run.Error != "" {
		return "the tests did not run: " + run.Error
	}
	const show = 3
	names := run.Regressions
	more := ""
	if len(names) > show {
		names, more = names[:show], fmt.Sprintf(" and %d more", len(run.Regressions)-show)
	}
	noun := "regressions"
	if len(run.Regressions) == 1 {
		noun = "regression"
	}
	return fmt.Sprintf("%d %s: %s%s", len(run.Regressions), noun, quoteList(names), more)
}
