package tester

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"time"

	"github.com/conclave-dev/conclave/internal/gitx"
	"github.com/conclave-dev/conclave/tools"
)

// DefaultTimeout bounds one run of the suites on one tree when
// [Tester.Timeout] is zero.
const DefaultTimeout = 15 * time.Minute

// ErrTimeout is the cause of a run stopped by [Tester.Timeout].
var ErrTimeout = errors.New("tester: the tests ran past the time limit")

// Tester finds a repository's tests relevant to an issue and to the files
// candidate patches change, and runs them on the original code and on
// each candidate, each run in a git worktree of its own. It never reads
// tests from anywhere but the repository at its base commit, so hidden
// benchmark tests stay hidden.
//
// A Tester is plain configuration; the zero value of every field but
// Repo means a default. Its methods are safe for concurrent use.
type Tester struct {
	// Repo is the repository's directory; it is only read.
	Repo string
	// Base is the commit the candidates are patches against; "" is HEAD.
	Base string
	// WorktreeDir holds the worktrees; "" is gitx.DefaultWorktreeDir().
	WorktreeDir string
	// Command is the user's test command, run with sh -c at the root;
	// with Deterministic discovery it replaces the Go and Python rules.
	Command string
	// Python is the interpreter Python tests run with; "" is python3.
	Python string
	// Discover find the suites, each in turn, their suites merged; a
	// failing discoverer is recorded and the others' suites are used.
	// Empty means Deterministic alone.
	Discover []Discoverer
	// Parallel is how many candidate runs go at once; 0 means half the
	// processors (at least one), since test commands are parallel too.
	Parallel int
	// Timeout bounds each run of the suites on one tree (a baseline run,
	// a candidate's run); 0 means DefaultTimeout. A run past it is an
	// error, never a pass.
	Timeout time.Duration
	// Workspace returns how commands run in a tree; nil means
	// tools.NewLocal. Test commands run candidates' code: a sandboxed
	// workspace contains them.
	Workspace func(dir string) (tools.Workspace, error)
}

// Plan is a Tester ready to test candidates: the suites found and what
// they did on the original code. It implements selector.TestRunner (see
// [Plan.RunTests]). Its methods are safe for concurrent use.
type Plan struct {
	// Suites are the suites candidates are tested with.
	Suites []Suite `json:"suites"`
	// Dropped are suites found that could not run on the original code,
	// with why; they are not run on candidates.
	Dropped []SuiteError `json:"dropped,omitempty"`
	// Notes say what discovery did not find or could not do.
	Notes    []string `json:"notes,omitempty"`
	Baseline Baseline `json:"baseline"`

	t      Tester // defaults filled in
	base   string // the full commit id
	runner runner
	kept   map[string]bool
	flaky  map[string]bool
}

// SuiteError is a suite that failed to run.
type SuiteError struct {
	Suite Suite  `json:"suite"`
	Error string `json:"error"`
}

// Baseline is what the suites did on the original code, run twice.
type Baseline struct {
	// Run is how many distinct tests ran; Passed how many passed both
	// times. Only those are held against the candidates.
	Run    int `json:"run"`
	Passed int `json:"passed"`
	// Kept are the tests that passed both times, Flaky those that passed
	// once and failed or were missing the other time, and Failed those
	// that failed (or were skipped) both times; all by name, sorted.
	Kept   []string `json:"kept"`
	Flaky  []string `json:"flaky"`
	Failed []string `json:"failed"`
}

// withDefaults returns t with its zero fields set, or an error naming a
// field to fix.
func (t Tester) withDefaults() (Tester, error) {
	switch {
	case t.Repo == "":
		return t, errors.New("tester: Tester.Repo is empty: set the repository's directory")
	case t.Parallel < 0:
		return t, fmt.Errorf("tester: Tester.Parallel is %d: use at least 1, or 0 for the default", t.Parallel)
	case t.Timeout < 0:
		return t, fmt.Errorf("tester: Tester.Timeout is %s: use a positive duration, or 0 for the default", t.Timeout)
	}
	if t.Base == "" {
		t.Base = "HEAD"
	}
	if t.Python == "" {
		t.Python = "python3"
	}
	if len(t.Discover) == 0 {
		t.Discover = []Discoverer{Deterministic{}}
	}
	if t.Parallel == 0 {
		t.Parallel = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if t.Timeout == 0 {
		t.Timeout = DefaultTimeout
	}
	if t.Workspace == nil {
		t.Workspace = func(dir string) (tools.Workspace, error) { return tools.NewLocal(dir, nil) }
	}
	return t, nil
}

// worktree makes a worktree of the base for one use.
func (t *Tester) worktree(ctx context.Context, label string) (*gitx.Worktree, error) {
	return gitx.AddWorktree(ctx, t.Repo, t.Base, &gitx.WorktreeOptions{Dir: t.WorktreeDir, Label: label})
}

// Plan finds the suites for the issue and the candidates' patches and
// runs them twice on the original code, keeping the tests that pass both
// times. Discovery runs in a worktree of its own, thrown away after, so a
// discovery agent cannot change what the baseline sees.
//
// An error means no baseline could be made: the base cannot be checked
// out, every discoverer failed, or every suite failed on the original
// code. A plan with no suite (nothing relevant found) is not an error:
// it keeps every candidate, and its Notes say why.
func (t *Tester) Plan(ctx context.Context, issue string, patches []string) (*Plan, error) {
	cfg, err := t.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &Plan{t: cfg, runner: runner{python: cfg.Python, workspace: cfg.Workspace}}
	if err := p.discover(ctx, issue, patches); err != nil {
		return nil, err
	}
	if len(p.Suites) == 0 {
		p.Notes = append(p.Notes, "no test found for the changed files: every candidate passes")
		p.Baseline = Baseline{Kept: []string{}, Flaky: []string{}, Failed: []string{}}
		p.kept, p.flaky = map[string]bool{}, map[string]bool{}
		return p, nil
	}
	if err := p.baseline(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Restore returns a plan that [Tester.Plan] made and that was read back
// from its JSON, ready to check candidates without discovering tests or
// running the baseline again, so a run interrupted after its baseline
// resumes without it. Its suites and baseline are used as they are: t must
// be configured as the Tester that made it (the same repository and
// base). saved is not modified.
func (t *Tester) Restore(saved *Plan) (*Plan, error) {
	cfg, err := t.withDefaults()
	if err != nil {
		return nil, err
	}
	if saved == nil {
		return nil, errors.New("tester: Restore: no plan given")
	}
	for _, s := range saved.Suites {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("tester: Restore: %w", err)
		}
	}
	p := &Plan{Suites: saved.Suites, Dropped: saved.Dropped, Notes: saved.Notes, Baseline: saved.Baseline,
		t: cfg, runner: runner{python: cfg.Python, workspace: cfg.Workspace},
		kept: map[string]bool{}, flaky: map[string]bool{}}
	for _, n := range saved.Baseline.Kept {
		p.kept[n] = true
	}
	for _, n := range saved.Baseline.Flaky {
		p.flaky[n] = true
	}
	return p, nil
}

// discover fills p.Suites (and p.base) from the discoverers.
func (p *Plan) discover(ctx context.Context, issue string, patches []string) error {
	w, err := p.t.worktree(ctx, "tester-discovery")
	if err != nil {
		return err
	}
	defer w.Close()
	p.base = w.Base
	req := Request{Dir: w.Dir, Tree: w.Tree, Issue: issue, Changed: changedFiles(patches), Python: p.t.Python, Command: p.t.Command}
	var found [][]Suite
	var errs []error
	for _, d := range p.t.Discover {
		suites, err := discoverSafely(ctx, d, req)
		if err != nil {
			if ctxErr := context.Cause(ctx); ctxErr != nil {
				return ctxErr
			}
			errs = append(errs, err)
			p.Notes = append(p.Notes, fmt.Sprintf("discovery failed: %v", err))
			continue
		}
		found = append(found, suites)
	}
	if len(found) == 0 {
		return fmt.Errorf("tester: every discoverer failed: %w", errors.Join(errs...))
	}
	p.Suites = merge(found...)
	return nil
}

// discoverSafely runs d, turning a panic or an invalid suite into an
// error.
func discoverSafely(ctx context.Context, d Discoverer, req Request) (suites []Suite, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("tester: discoverer %T panicked: %v", d, r)
		}
	}()
	suites, err = d.Discover(ctx, req)
	if err != nil {
		return nil, err
	}
	for _, s := range suites {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("discoverer %T: %w", d, err)
		}
	}
	return suites, nil
}

// baseline runs the suites twice in one worktree of the base and fills
// p.Baseline; suites that fail to run are dropped.
func (p *Plan) baseline(ctx context.Context) error {
	w, err := p.t.worktree(ctx, "tester-baseline")
	if err != nil {
		return err
	}
	defer w.Close()
	var runs [2]map[string]Outcome
	ok := make([]bool, len(p.Suites))
	for i := range runs {
		runs[i] = map[string]Outcome{}
		rctx, cancel := context.WithTimeoutCause(ctx, p.t.Timeout, ErrTimeout)
		for j, s := range p.Suites {
			if i == 1 && !ok[j] {
				continue
			}
			ts, err := p.runner.run(rctx, w.Dir, s)
			if err != nil {
				if ctxErr := context.Cause(ctx); ctxErr != nil {
					cancel()
					return ctxErr
				}
				if i == 0 {
					p.Dropped = append(p.Dropped, SuiteError{Suite: s, Error: err.Error()})
					continue
				}
				// The second run failed whole: every test of it flipped.
				continue
			}
			ok[j] = true
			for _, t := range ts {
				runs[i][t.Name] = worse(runs[i][t.Name], t.Outcome)
			}
		}
		cancel()
	}
	kept := p.Suites[:0:0]
	for j, s := range p.Suites {
		if ok[j] {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 {
		return fmt.Errorf("tester: no suite ran on the original code: %s", p.Dropped[0].Error)
	}
	p.Suites = kept
	p.kept, p.flaky = map[string]bool{}, map[string]bool{}
	b := Baseline{Kept: []string{}, Flaky: []string{}, Failed: []string{}}
	names := map[string]bool{}
	for _, r := range runs {
		for n := range r {
			names[n] = true
		}
	}
	for _, n := range slices.Sorted(maps.Keys(names)) {
		a, c := runs[0][n], runs[1][n]
		switch {
		case a == Pass && c == Pass:
			p.kept[n] = true
			b.Kept = append(b.Kept, n)
		case a == Pass || c == Pass:
			p.flaky[n] = true
			b.Flaky = append(b.Flaky, n)
		case a == Fail || c == Fail:
			b.Failed = append(b.Failed, n)
		}
	}
	b.Run, b.Passed = len(names), len(b.Kept)
	p.Baseline = b
	return nil
}

// worse returns the worse of two outcomes of one test ("" is none yet).
func worse(a, b Outcome) Outcome {
	if a == "" || b.rank() > a.rank() {
		return b
	}
	return a
}
