package judge

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/internal/browse"
	"github.com/conclave-dev/conclave/internal/gitx"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/bash"
	"github.com/conclave-dev/conclave/tools/ckg"
	"github.com/conclave-dev/conclave/vote"
)

// Judge is the Selector agent: a model that judges candidate patches in a
// worktree of the original code, with bash, a read-only view, the code
// knowledge graph and try_candidate, and answers through a submit tool. It
// implements [selector.Judge] and [selector.Verifier].
//
// Each question runs the agent once, in a worktree of Base made for it and
// removed after, so a Judge is safe for concurrent use: a panel calls its
// judges at once, and the same Judge seated twice runs twice, apart. The
// agent's Limits bound each question. A question's answer carries a
// [selector.Trace]: the model, steps, tokens, cost and trajectory file.
//
// A run that ends without an accepted answer (a limit, a refusal, a model
// error) is an error naming why, with what the run cost; the selector
// records it as the judge's failure. Only the context ending stops a
// question early.
type Judge struct {
	// Agent is the loop each question runs: Model and ModelName, Limits,
	// request settings, Hooks and Observer. Name names the judge in
	// events, worktree labels and trajectory files; "" means ModelName.
	// Tools and System are the judge's own, set per question. Trajectory,
	// if set, receives the events of every question, so it must take
	// concurrent writes, unless Trajectories gives each question a file
	// of its own.
	Agent agent.Agent
	// Repo is the repository and Base the commit of the original code the
	// candidates patch.
	Repo, Base string
	// Worktrees is the directory worktrees are made in; "" means
	// gitx.DefaultWorktreeDir().
	Worktrees string
	// Index, if set, shares one parse of Base among the worktrees of every
	// question (keyed by Base's commit id); nil indexes each worktree on
	// the first ckg command.
	Index *ckg.Shared
	// Trajectories, if set, is the directory each question's trajectory
	// is written to, as a JSONL file whose path the answer's Trace names.
	Trajectories string
	// PatchTokens is the size, in estimated tokens, up to which the
	// candidates' patches are shown whole; above it, each is summarised
	// and read through view_patch. 0 means a third of the model's context
	// window (Agent.Window, or llm's catalog), or 32,000 tokens when the
	// window is unknown.
	PatchTokens int
	// Shell configures the shells of bash and try_candidate; nil means
	// bash's defaults.
	Shell *bash.Options
	// Workspace makes the workspace of a worktree, the judge's own and
	// each candidate's scratch one, such as a bwrap sandbox, since
	// try_candidate runs the candidates' code; nil means tools.NewLocal.
	// A workspace that is an io.Closer is closed before its worktree is
	// removed.
	Workspace func(dir string) (tools.Workspace, error)
}

var (
	_ selector.Judge    = (*Judge)(nil)
	_ selector.Verifier = (*Judge)(nil)
)

// Judge answers q, an approval or a choice question, as [selector.Judge]
// asks.
func (j *Judge) Judge(ctx context.Context, q selector.Question) (selector.Answer, error) {
	k := kindApproval
	switch q.Kind {
	case vote.KindApproval:
	case vote.KindChoice:
		k = kindChoice
	default:
		return selector.Answer{}, fmt.Errorf("judge %s: cannot answer a question of kind %q: ask for approvals or a choice", j.name(), q.Kind)
	}
	criteria := q.Criteria
	if k == kindApproval && criteria == nil {
		criteria = selector.DefaultCriteria()
	}
	got, err := j.ask(ctx, question{kind: k, issue: q.Issue, candidates: q.Candidates, criteria: criteria, round: q.Round})
	if err != nil {
		return selector.Answer{}, err
	}
	return got.answer, nil
}

// Verify checks c once more, as [selector.Verifier] asks: it confirms c
// only if the judge finds that it resolves the issue and breaks nothing.
func (j *Judge) Verify(ctx context.Context, issue string, c selector.Candidate) (selector.Verdict, error) {
	got, err := j.ask(ctx, question{kind: kindVerification, issue: issue, candidates: []selector.Candidate{c}})
	if err != nil {
		return selector.Verdict{}, err
	}
	return got.verdict, nil
}

func (j *Judge) name() string {
	switch {
	case j.Agent.Name != "":
		return j.Agent.Name
	case j.Agent.ModelName != "":
		return j.Agent.ModelName
	}
	return "judge"
}

// ask runs the judge on one question in a worktree of its own.
func (j *Judge) ask(ctx context.Context, q question) (*submitted, error) {
	name := j.name()
	if err := j.check(q); err != nil {
		return nil, fmt.Errorf("judge %s: %w", name, err)
	}
	wt, err := gitx.AddWorktree(ctx, j.Repo, j.Base, &gitx.WorktreeOptions{Dir: j.Worktrees, Label: "judge-" + name})
	if err != nil {
		return nil, fmt.Errorf("judge %s: %w", name, err)
	}
	defer wt.Close()
	ws, err := j.workspace(wt.Dir)
	if err != nil {
		return nil, fmt.Errorf("judge %s: %w", name, err)
	}
	defer closeWorkspace(ws)
	graph := ckg.NewTool(ws, &ckg.Options{NoCache: true})
	if j.Index != nil {
		ix, err := j.Index.Fork(ctx, wt.Base, wt.Dir)
		if err != nil {
			return nil, fmt.Errorf("judge %s: indexing the original code: %w", name, err)
		}
		graph = ckg.NewToolIndex(ws, ix)
	}
	sh, err := bash.New(ws, j.Shell)
	if err != nil {
		return nil, fmt.Errorf("judge %s: %w", name, err)
	}
	whole := j.fits(q)
	sub := newSubmit(q)
	ts := []tools.Tool{sh, browse.View(ws), graph, newScratch(wt.Repo, wt.Base, j.Worktrees, "judge-"+name, j.Shell, j.workspace, q.candidates)}
	if !whole {
		ts = append(ts, patchView(q.candidates))
	}
	set, err := tools.NewSet(append(ts, sub)...)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("judge %s: %w", name, err), sh.Close())
	}
	defer set.Close() // shells and scratch checkouts, before the worktree

	a := j.Agent
	a.Name, a.Tools, a.System = name, set, systemPrompt
	var trajectory string
	if j.Trajectories != "" {
		f, err := createTrajectory(j.Trajectories, name, q.kind)
		if err != nil {
			return nil, fmt.Errorf("judge %s: %w", name, err)
		}
		defer f.Close()
		a.Trajectory, trajectory = f, f.Name()
	}
	run, err := a.Run(ctx, task(q, whole))
	if ctx.Err() != nil {
		return nil, fmt.Errorf("judge %s: %w", name, context.Cause(ctx))
	}
	tot := run.Totals()
	trace := &selector.Trace{Model: j.Agent.ModelName, Steps: len(run.Steps), Tokens: tot.Usage.Total(), Cost: tot.Cost, Trajectory: trajectory}
	got := sub.result()
	if got == nil {
		why := string(run.Reason)
		if err != nil {
			why += ": " + run.Error
		}
		spent := fmt.Sprintf("after %d steps, %d tokens, $%.4f", trace.Steps, trace.Tokens, trace.Cost)
		if trajectory != "" {
			spent += "; trajectory " + trajectory
		}
		return nil, &NoAnswerError{msg: fmt.Sprintf("judge %s: no answer: the run stopped (%s) %s", name, why, spent), Err: err}
	}
	got.answer.Trace, got.verdict.Trace = trace, trace
	return got, nil
}

// workspace makes the workspace of a worktree.
func (j *Judge) workspace(dir string) (tools.Workspace, error) {
	if j.Workspace != nil {
		return j.Workspace(dir)
	}
	return tools.NewLocal(dir, nil)
}

// closeWorkspace closes ws if it holds resources.
func closeWorkspace(ws tools.Workspace) error {
	if c, ok := ws.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// check refuses a question the judge cannot answer, or a judge not set up.
func (j *Judge) check(q question) error {
	switch {
	case j.Agent.Model == nil:
		return errors.New("Agent.Model is nil: set the judge's model")
	case j.Repo == "" || j.Base == "":
		return errors.New("Repo and Base must name the repository and the commit of the original code")
	case len(q.candidates) == 0:
		return errors.New("the question has no candidate")
	}
	seen := map[string]bool{}
	for _, c := range q.candidates {
		if c.ID == "" || seen[c.ID] {
			return fmt.Errorf("the question's candidate IDs are empty or repeated (%q): give each a unique ID", c.ID)
		}
		seen[c.ID] = true
	}
	return nil
}

// createTrajectory makes a new trajectory file for a question in dir.
func createTrajectory(dir, name string, k kind) (*os.File, error) {
	dir, err := filepath.Abs(dir)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return nil, fmt.Errorf("trajectory directory: %w", err)
	}
	f, err := os.CreateTemp(dir, fileLabel(name)+"-"+string(k)+"-*.jsonl")
	if err != nil {
		return nil, fmt.Errorf("trajectory file: %w", err)
	}
	return f, nil
}

// fileLabel makes s fit a file name.
func fileLabel(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			b[i] = '-'
		}
	}
	return string(b[:min(len(b), 64)])
}

// NoAnswerError is the error of a judge whose run ended without an
// answer: a limit, or a model error. It unwraps to the run's error, if
// any, so that a caller can tell a provider that is down (retry later,
// llm.IsRetryable) from a judge that ran out of steps.
type NoAnswerError struct {
	msg string
	// Err is the run's error; nil when it stopped at a limit.
	Err error
}

func (e *NoAnswerError) Error() string { return e.msg }

// Unwrap returns the run's error.
func (e *NoAnswerError) Unwrap() error { return e.Err }
