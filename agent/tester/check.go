package tester

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/conclave-dev/conclave/internal/gitx"
	"github.com/conclave-dev/conclave/selector"
)

// ErrPatchDoesNotApply is wrapped by the error of a candidate whose patch
// git refuses to apply to the base.
var ErrPatchDoesNotApply = gitx.ErrPatchDoesNotApply

// Result is what the tests say of one candidate.
type Result struct {
	ID string `json:"id"`
	// Kept is set when the patch applied, the suites ran, and every test
	// that passed twice on the original code passes with it.
	Kept bool `json:"kept"`
	// Regressions are the tests that passed twice on the original code
	// and did not pass with the patch: failed, skipped, or missing from
	// the run (Outcome Missing), each with the tail of its log.
	Regressions []Test `json:"regressions"`
	// Error is why the tests gave no result: a patch that does not apply,
	// a suite that could not run, a time limit.
	Error string `json:"error,omitempty"`
	// Tests are the results of the run, flaky tests included.
	Tests   []Test  `json:"tests,omitempty"`
	Seconds float64 `json:"seconds"`
}

// Report is a whole test of candidates: the plan and a result per
// candidate, in the candidates' order.
type Report struct {
	*Plan
	Candidates []Result `json:"candidates"`
}

// Check makes a [Plan] and checks every candidate with it.
func (t *Tester) Check(ctx context.Context, issue string, candidates []selector.Candidate) (*Report, error) {
	patches := make([]string, len(candidates))
	for i, c := range candidates {
		patches[i] = c.Patch
	}
	p, err := t.Plan(ctx, issue, patches)
	if err != nil {
		return nil, err
	}
	return &Report{Plan: p, Candidates: p.Check(ctx, candidates)}, nil
}

// Run runs the plan's suites on the base with patch applied, in a worktree
// of its own removed afterwards, within the Tester's Timeout, and returns
// every test's result. An error means no result: the patch does not apply
// (wrapping [ErrPatchDoesNotApply]), a suite could not run or ran no test
// and failed, or the time limit or ctx ended the run.
func (p *Plan) Run(ctx context.Context, label, patch string) ([]Test, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, p.t.Timeout, fmt.Errorf("%w (%s)", ErrTimeout, p.t.Timeout))
	defer cancel()
	w, err := p.t.worktree(ctx, "tester-"+label)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	if err := w.Apply(ctx, patch); err != nil {
		return nil, err
	}
	var ts tests
	for _, s := range p.Suites {
		list, err := p.runner.run(ctx, w.Dir, s)
		if err != nil {
			return nil, err
		}
		for _, t := range list {
			ts.add(t.Name, t.Outcome, t.Log)
		}
	}
	return ts.result(nil)
}

// RunTests implements selector.TestRunner. For the original code ("")
// it runs nothing and returns the baseline: the tests kept as passing,
// and those that failed twice as failing. For a patch it returns
// [Plan.Run]'s results as passed or not (a skipped test did not pass).
// Flaky tests are left out of both, so they never count against a
// candidate.
func (p *Plan) RunTests(ctx context.Context, patch string) (selector.TestResults, error) {
	res := selector.TestResults{}
	if patch == "" {
		for n := range p.kept {
			res[n] = true
		}
		for _, n := range p.Baseline.Failed {
			res[n] = false
		}
		return res, nil
	}
	ts, err := p.Run(ctx, "candidate", patch)
	if err != nil {
		return nil, err
	}
	return p.outcomes(ts), nil
}

// TestResults returns a candidate's Result, made by [Plan.Check] with this
// plan, as [Plan.RunTests] would have answered for its patch: so a result
// kept from an earlier check serves a selection without running again.
// A Result with an Error is that error.
func (p *Plan) TestResults(r Result) (selector.TestResults, error) {
	if r.Error != "" {
		return nil, errors.New(r.Error)
	}
	return p.outcomes(r.Tests), nil
}

// outcomes returns the tests' results, flaky tests left out.
func (p *Plan) outcomes(ts []Test) selector.TestResults {
	res := selector.TestResults{}
	for _, t := range ts {
		if !p.flaky[t.Name] {
			res[t.Name] = t.Outcome == Pass
		}
	}
	return res
}

// Check runs every candidate's patch (see [Plan.Run]), Tester.Parallel at
// a time, and returns a result per candidate in their order. A failing
// or panicking run is that candidate's Error; it never stops the others.
func (p *Plan) Check(ctx context.Context, candidates []selector.Candidate) []Result {
	out := make([]Result, len(candidates))
	sem := make(chan struct{}, p.t.Parallel)
	var wg sync.WaitGroup
	for i, c := range candidates {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i] = Result{ID: c.ID, Regressions: []Test{}, Error: context.Cause(ctx).Error()}
				return
			}
			defer func() { <-sem }()
			out[i] = p.result(ctx, c)
		})
	}
	wg.Wait()
	return out
}

// result checks one candidate.
func (p *Plan) result(ctx context.Context, c selector.Candidate) (v Result) {
	start := time.Now()
	v = Result{ID: c.ID, Regressions: []Test{}}
	defer func() {
		if r := recover(); r != nil {
			v = Result{ID: c.ID, Regressions: []Test{}, Error: fmt.Sprintf("tester: testing candidate %s panicked: %v", c.ID, r)}
		}
		v.Seconds = time.Since(start).Seconds()
	}()
	ts, err := p.Run(ctx, c.ID, c.Patch)
	if err != nil {
		v.Error = strings.TrimPrefix(err.Error(), "gitx: ") // "the patch does not apply: …"
		return v
	}
	v.Tests = ts
	got := map[string]Test{}
	for _, t := range ts {
		got[t.Name] = t
	}
	for _, n := range slices.Sorted(maps.Keys(p.kept)) {
		t, ok := got[n]
		switch {
		case !ok:
			v.Regressions = append(v.Regressions, Test{Name: n, Outcome: Missing, Log: "the test did not run with this patch"})
		case t.Outcome != Pass:
			v.Regressions = append(v.Regressions, t)
		}
	}
	v.Kept = len(v.Regressions) == 0
	return v
}
