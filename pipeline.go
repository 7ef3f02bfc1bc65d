package conclave

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/vote"
)

// ErrNoCandidate is wrapped by the error of a run in which no Coder
// produced a patch; the error names each Coder's failure.
var ErrNoCandidate = errors.New("conclave: no Coder produced a candidate")

// Task is one issue to resolve in one repository.
type Task struct {
	// ID names the task, in predictions and logs; "" is "task".
	ID string `json:"id"`
	// Repo is the repository's directory. It is only read: every agent
	// works in a git worktree of its own.
	Repo string `json:"repo"`
	// Base is the commit the patches start from; "" is HEAD. A run
	// records the commit id it resolves to.
	Base string `json:"base"`
	// Issue is the issue's text, as the Coders and judges read it.
	Issue string `json:"issue"`
}

// Pipeline is the system of the seeds, end to end: Coders generate
// candidate patches in parallel, a Tester finds the project's relevant
// tests, and a selector picks one patch, by syntax vote and judges; when
// the selection is unsure, the judges' critiques go back to the Coders
// for one more round.
//
// A Pipeline is plain configuration, reusable across tasks and safe for
// concurrent use once set: [Pipeline.Run] runs one task, and
// [Pipeline.Open] gives each stage of a run alone (see [Job]).
type Pipeline struct {
	// Coders generate the candidates, each in its own worktree. Each
	// Coder's ID (its model name when empty) names its candidate and its
	// files in the run directory, so it must be unique and fit a file
	// name. Agent.Limits bound each candidate: steps, tokens, dollars and
	// time; a Coder's Trajectory and Observer are set by the run (the
	// Observer is called as well).
	Coders []*coder.Coder
	// Parallel is how many Coders run at once; 0 means all.
	Parallel int
	// Tester, if set, finds and runs the project's tests relevant to the
	// issue (the regression filter). Its Repo and Base are the task's;
	// WorktreeDir and Workspace, when empty, the Pipeline's.
	Tester *tester.Tester
	// Judges are the selection's judges, by name; the name names their
	// answers in the run directory, so it must fit a file name. A
	// *judge.Judge is placed in the task: Repo, Base, Worktrees,
	// Trajectories, Index and Workspace, when empty, are set for it.
	Judges map[string]selector.Judge
	// Verifier names the judge that verifies the syntax vote's winner
	// ("dual verification"); "" is the first judge by name that is a
	// selector.Verifier. "-" means no verification.
	Verifier string
	// Stages returns the selection's stages for a task, given the roles
	// that the run directory backs; nil means [DefaultStages].
	Stages func(r Roles) []selector.Stage
	// Seed drives every random choice of the selection (the orders the
	// judges see candidates in); the same seed gives the same questions,
	// which is what lets a resumed run find the answers it already has.
	Seed uint64
	// Refine, if set, allows one refinement round when the selection is
	// unsure (see [Unsure]).
	Refine *Refine
	// Workspace makes the workspace of every worktree an agent or a test
	// works in, such as a bwrap sandbox; nil means tools.NewLocal.
	Workspace func(dir string) (tools.Workspace, error)
	// WorktreeDir is where worktrees go; "" is the system's temporary
	// directory.
	WorktreeDir string
	// Transient, if set, says which failures of a Coder belong to the
	// moment rather than to the Coder, such as a provider that is down
	// (llm.IsRetryable): [Job.Generate] returns such a failure as its
	// error and records nothing, so that a durable runner tries the Coder
	// again later. Nil records every failure in the Coder's Attempt.
	Transient func(error) bool
	// Observer, if set, receives the run's progress: every Coder's steps,
	// the tests, each selection stage and judge answer. It is called in
	// order, never twice at once, and must not block for long.
	Observer func(Event)
}

// Refine configures the refinement round: each Coder gets the issue again
// with the critiques of its candidate (the judges' reasons, the verifier's,
// the tests it broke) and starts from its candidate, and the selection
// runs again on the refined candidates.
type Refine struct {
	// Limits bound each Coder's run in the round; a zero field keeps the
	// Coder's own limit.
	Limits agent.Limits
}

// Roles are what a task's selection stages call: the judges, the
// verifier and the test runner, each backed by the run directory, so that
// a resumed run asks no judge twice and runs no test twice.
type Roles struct {
	// Judges are the Pipeline's judges, by name.
	Judges map[string]selector.Judge
	// Verifier is the Pipeline's verifier; nil when there is none.
	Verifier selector.Verifier
	// Tests runs the Tester's plan; nil without a Tester. TestParallel is
	// how many candidates it tests at once: the Tester's Parallel, or
	// half the processors.
	Tests        selector.TestRunner
	TestParallel int
}

// DefaultStages is the seeds' chain: the content filter, the apply check,
// the regression filter (with a Tester), syntax clustering and a syntax
// vote in which a cluster needs more than half of the votes and the
// verifier must confirm its winner, then a judge panel (with judges).
func DefaultStages(r Roles) []selector.Stage {
	st := []selector.Stage{selector.ContentFilter{}, selector.ApplyCheck{}}
	if r.Tests != nil {
		st = append(st, selector.Regression{Runner: r.Tests, Parallel: r.TestParallel})
	}
	st = append(st, selector.SyntaxCluster{}, selector.SyntaxVote{Strategy: vote.Majority{}, Verifier: r.Verifier})
	if len(r.Judges) > 0 {
		st = append(st, selector.Panel{Judges: r.Judges})
	}
	return st
}

// Run runs the pipeline on task, keeping every record in the run
// directory dir as it happens, and returns the Result, also written there.
// A dir holding an interrupted run of the same task resumes it: finished
// candidates, test runs and judges' answers are read back, not made again.
//
// An error means no patch: a misconfigured Pipeline, a task that cannot be
// checked out, a run directory of another task, no candidate at all
// (wrapping [ErrNoCandidate], naming each Coder's failure), or ctx ending
// (what was done so far stays in dir).
func (p *Pipeline) Run(ctx context.Context, task Task, dir string) (*Result, error) {
	job, err := p.Open(ctx, task, dir)
	if err != nil {
		return nil, err
	}
	if _, err := job.Generation(ctx, 1); err != nil {
		return nil, err
	}
	d, err := job.Select(ctx, 1)
	if err != nil {
		return nil, err
	}
	if p.Refine != nil && len(Unsure(d)) > 0 {
		if _, err := job.Generation(ctx, 2); err != nil {
			return nil, err
		}
		if _, err := job.Select(ctx, 2); err != nil {
			return nil, err
		}
	}
	return job.Finish(ctx)
}

// CoderIDs checks the Pipeline, naming the field to fix, and returns the
// Coders' IDs in order: the names of their candidates and records.
func (p *Pipeline) CoderIDs() ([]string, error) { return p.check() }

// VerifierName returns the name of the judge that verifies the syntax
// vote's winner, "" for none (see Pipeline.Verifier).
func (p *Pipeline) VerifierName() string {
	switch p.Verifier {
	case "-":
		return ""
	case "":
		for _, name := range slices.Sorted(maps.Keys(p.Judges)) {
			if _, ok := p.Judges[name].(selector.Verifier); ok {
				return name
			}
		}
		return ""
	}
	return p.Verifier
}

// check validates the Pipeline, naming the field to fix, and returns the
// Coders' IDs.
func (p *Pipeline) check() ([]string, error) {
	if len(p.Coders) == 0 {
		return nil, errors.New("conclave: Pipeline.Coders is empty: add at least one Coder")
	}
	if p.Parallel < 0 {
		return nil, fmt.Errorf("conclave: Pipeline.Parallel is %d: use 0 for all at once, or a positive number", p.Parallel)
	}
	ids := make([]string, len(p.Coders))
	for i, c := range p.Coders {
		switch {
		case c == nil:
			return nil, fmt.Errorf("conclave: Pipeline.Coders[%d] is nil", i)
		case c.Agent.Model == nil:
			return nil, fmt.Errorf("conclave: Pipeline.Coders[%d].Agent.Model is nil: set the model that codes", i)
		}
		ids[i] = coderID(c)
		if !validName(ids[i]) {
			return nil, fmt.Errorf("conclave: Pipeline.Coders[%d]: the ID %q cannot name a file: use letters, digits, '-', '_' and '.'", i, ids[i])
		}
		if j := slices.Index(ids[:i], ids[i]); j >= 0 {
			return nil, fmt.Errorf("conclave: Pipeline.Coders[%d] and [%d] are both %q: give each Coder its own ID", j, i, ids[i])
		}
	}
	for name, j := range p.Judges {
		if !validName(name) {
			return nil, fmt.Errorf("conclave: Pipeline.Judges: the name %q cannot name a file: use letters, digits, '-', '_' and '.'", name)
		}
		if j == nil {
			return nil, fmt.Errorf("conclave: Pipeline.Judges[%q] is nil", name)
		}
	}
	if v := p.Verifier; v != "" && v != "-" {
		j, ok := p.Judges[v]
		if !ok {
			return nil, fmt.Errorf("conclave: Pipeline.Verifier %q is not a judge; judges: %v", v, slices.Sorted(maps.Keys(p.Judges)))
		}
		if _, ok := j.(selector.Verifier); !ok {
			return nil, fmt.Errorf("conclave: Pipeline.Verifier %q cannot verify (%T is not a selector.Verifier)", v, j)
		}
	}
	return ids, nil
}

// coderID is the ID a Coder's candidates go by, as coder.Coder names them.
func coderID(c *coder.Coder) string {
	switch {
	case c.ID != "":
		return c.ID
	case c.Agent.ModelName != "":
		return c.Agent.ModelName
	}
	return "coder"
}
