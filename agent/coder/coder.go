package coder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/mustpatch"
	"github.com/conclave-dev/conclave/internal/gitx"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/selector/syntax"
	"github.com/conclave-dev/conclave/tools"
	"github.com/conclave-dev/conclave/tools/bash"
	"github.com/conclave-dev/conclave/tools/ckg"
	"github.com/conclave-dev/conclave/tools/edit"
	"github.com/conclave-dev/conclave/tools/think"
)

// patchTimeout bounds reading a worktree's patch after its run, which
// happens even when the run's context was cancelled.
const patchTimeout = 2 * time.Minute

// Repo is where Coders work: a repository, the commit they start from,
// where their worktrees go and the code knowledge graph they share.
type Repo struct {
	// Dir is the repository's directory. It is only read: each Coder
	// works in a worktree of its own.
	Dir string
	// Base is the commit to start from; "" is HEAD.
	Base string
	// WorktreeDir holds the worktrees; "" is the system's temporary
	// directory (see internal/gitx).
	WorktreeDir string
	// Graphs shares the code knowledge graph of the base among the
	// Coders (and the Tester's explorer); nil gives each Coder a graph of
	// its own, except in RunAll, which shares one.
	Graphs *ckg.Shared
	// Bash configures each Coder's shell; nil means its defaults.
	Bash *bash.Options
	// Workspace makes the workspace of a Coder's worktree, such as a
	// bwrap sandbox, since the Coder runs the project's code; nil means
	// tools.NewLocal. A workspace that is an io.Closer is closed before
	// its worktree is removed.
	Workspace func(dir string) (tools.Workspace, error)
	// Patch, if set, is applied to each worktree before the Coder starts,
	// so that the Coder continues from it (a refinement round starts
	// from the Coder's earlier candidate); the candidate is still the
	// whole change against Base.
	Patch string
}

// Coder is Trae's Coder agent: a model with str_replace_editor, bash,
// ckg, sequential_thinking and task_done (and any Extra tools, MCP tools
// say) in a worktree of its own, prompted through the workflow of
// [Prompt] and told the language levels the project declares ([Levels]).
// Its result is a candidate patch.
//
// A Coder is plain configuration; it may run several times, also at once.
type Coder struct {
	// ID names its candidates; "" is the model name, and RunAll numbers
	// Coders that would share an ID.
	ID string
	// Agent is the agent's configuration: Model and ModelName at least,
	// and Temperature, Limits, Observer, Trajectory as wanted. Tools are
	// set by Run; an empty System is Prompt and an empty Name the ID.
	Agent agent.Agent
	// Extra returns more tools for the Coder working in ws, such as the
	// tools of MCP servers or DeepDiscovery; it is called once per run,
	// and the tools that hold resources (io.Closer) are closed after it.
	// ix is the code knowledge graph the Coder's ckg tool serves, safe to
	// share (DeepDiscovery's Options.Index), or nil when the Repo has no
	// Graphs and the ckg tool opens its own on first use.
	Extra func(ctx context.Context, ws tools.Workspace, ix *ckg.Index) ([]tools.Tool, error)
	// KeepScratch keeps the throwaway scripts a Coder adds (reproduce
	// scripts and the like, as selector/syntax classifies them) in its
	// patch; by default they are left out and listed in Result.Omitted.
	KeepScratch bool
}

// Result is what one Coder run produced.
type Result struct {
	// Candidate is the patch: ID, Source (the model name) and the whole
	// change of the worktree against the base, new and deleted files
	// included; an empty Patch when nothing was changed.
	Candidate selector.Candidate `json:"candidate"`
	// Run is the agent's run: trajectory steps, usage and cost, stop
	// reason. Nil when the Coder failed before its agent started.
	Run *agent.Run `json:"run,omitempty"`
	// Binary are the binary files the patch changes (carried as git
	// binary patches); Omitted the scratch files left out.
	Binary  []string `json:"binary,omitempty"`
	Omitted []string `json:"omitted,omitempty"`
	// Err is set when the run did not end with task_done: the agent's
	// error, a limit, a panic, a cancelled context. Candidate still holds
	// whatever patch the worktree had.
	Err     error   `json:"-"`
	Error   string  `json:"error,omitempty"`
	Seconds float64 `json:"seconds"`
}

// Run runs the Coder on issue in a new worktree of repo's base, removed
// when it returns (also after a panic or a cancelled ctx). It never
// returns an error: failures are the Result's Err, with the patch so far.
func (c *Coder) Run(ctx context.Context, repo Repo, issue string) (res Result) {
	start := time.Now()
	id := c.id()
	res.Candidate = selector.Candidate{ID: id, Source: c.Agent.ModelName}
	defer func() {
		if r := recover(); r != nil {
			res.Err = fmt.Errorf("coder %s panicked: %v\n%s", id, r, debug.Stack())
		}
		if res.Err != nil {
			res.Error = res.Err.Error()
		}
		res.Seconds = time.Since(start).Seconds()
	}()
	if c.Agent.Model == nil {
		res.Err = fmt.Errorf("coder %s: Agent.Model is nil: set the model that codes", id)
		return res
	}
	base := repo.Base
	if base == "" {
		base = "HEAD"
	}
	w, err := gitx.AddWorktree(ctx, repo.Dir, base, &gitx.WorktreeOptions{Dir: repo.WorktreeDir, Label: "coder-" + id})
	if err != nil {
		res.Err = fmt.Errorf("coder %s: %w", id, err)
		return res
	}
	defer w.Close()
	if repo.Patch != "" {
		if err := w.Apply(ctx, repo.Patch); err != nil {
			res.Err = fmt.Errorf("coder %s: the starting patch: %w", id, err)
			return res
		}
	}
	// The patch is read whatever happens to the run, a panic included.
	defer func() {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), patchTimeout)
		defer cancel()
		if err := c.patch(pctx, w, &res); err != nil {
			res.Err = errors.Join(res.Err, fmt.Errorf("coder %s: %w", id, err))
		}
	}()
	res.Run, res.Err = c.run(ctx, repo, w, issue)
	if res.Err != nil {
		res.Err = fmt.Errorf("coder %s: %w", id, res.Err)
	}
	return res
}

// id is the Coder's candidate ID.
func (c *Coder) id() string {
	switch {
	case c.ID != "":
		return c.ID
	case c.Agent.ModelName != "":
		return c.Agent.ModelName
	}
	return "coder"
}

// run runs the agent in w; an error is set unless it ended with task_done.
func (c *Coder) run(ctx context.Context, repo Repo, w *gitx.Worktree, issue string) (*agent.Run, error) {
	ws, err := workspace(repo, w.Dir)
	if err != nil {
		return nil, err
	}
	defer closeWorkspace(ws)
	set, err := c.tools(ctx, repo, w, ws)
	if err != nil {
		return nil, err
	}
	defer set.Close() // before the workspace
	a := c.Agent
	a.Tools = set
	if a.System == "" {
		a.System = Prompt
	}
	if a.Name == "" {
		a.Name = c.id()
	}
	run, err := a.Run(ctx, task(issue, w.Dir, Levels(w.Dir)))
	switch {
	case err != nil:
		return run, err
	case run.Reason != agent.StopDone:
		return run, fmt.Errorf("stopped before task_done: %s", run.Reason)
	}
	return run, nil
}

// workspace makes the workspace of the worktree at dir.
func workspace(repo Repo, dir string) (tools.Workspace, error) {
	if repo.Workspace != nil {
		return repo.Workspace(dir)
	}
	return tools.NewLocal(dir, nil)
}

func closeWorkspace(ws tools.Workspace) {
	if c, ok := ws.(io.Closer); ok {
		c.Close()
	}
}

// tools builds the Coder's tools for the worktree w, working in ws.
func (c *Coder) tools(ctx context.Context, repo Repo, w *gitx.Worktree, ws tools.Workspace) (*tools.Set, error) {
	shell, err := bash.New(ws, repo.Bash)
	if err != nil {
		return nil, err
	}
	graph := ckg.NewTool(ws, &ckg.Options{NoCache: true})
	var ix *ckg.Index
	if repo.Graphs != nil {
		if ix, err = repo.Graphs.Fork(ctx, w.Tree, w.Dir); err != nil {
			return nil, err
		}
		graph = ckg.NewToolIndex(ws, ix)
	}
	set, err := tools.NewSet(edit.New(ws, nil), shell, graph, think.NewSequential(),
		think.NewTaskDone(mustpatch.Guard(w.Dir, w.Base)))
	if err != nil {
		return nil, err
	}
	if c.Extra != nil {
		extra, err := c.Extra(ctx, ws, ix)
		if err == nil {
			err = set.Add(extra...)
		}
		if err != nil {
			set.Close()
			return nil, fmt.Errorf("extra tools: %w", err)
		}
	}
	return set, nil
}

// patch reads the worktree's patch into res.
func (c *Coder) patch(ctx context.Context, w *gitx.Worktree, res *Result) error {
	keep := func(f gitx.File) bool {
		return c.KeepScratch || f.Status != gitx.Added || syntax.Classify(f.Path, true) != syntax.FileScratch
	}
	p, err := w.Patch(ctx, keep)
	if err != nil {
		return err
	}
	res.Candidate.Patch = p.Diff
	for _, f := range p.Files {
		if f.Binary {
			res.Binary = append(res.Binary, f.Path)
		}
	}
	for _, f := range p.Omitted {
		res.Omitted = append(res.Omitted, f.Path)
	}
	if res.Candidate.Source == "" && res.Run != nil {
		for model := range res.Run.Usage {
			res.Candidate.Source = model
		}
	}
	return nil
}

// RunAll runs the Coders on issue, parallel at a time (0 means all at
// once) and started in their order, each in a worktree of its own, and
// returns their results in their order. The Coders share repo's code knowledge graph (a new one
// when repo.Graphs is nil). Coders sharing an Observer or Trajectory get
// calls from several runs at once. Coders sharing an ID get "-1", "-2", …
// appended, so the candidates' IDs are unique. One Coder failing,
// panicking or running out of time never costs the others their patches.
func RunAll(ctx context.Context, repo Repo, issue string, coders []*Coder, parallel int) []Result {
	if repo.Graphs == nil {
		repo.Graphs = &ckg.Shared{}
	}
	ids := uniqueIDs(coders)
	if parallel <= 0 {
		parallel = len(coders)
	}
	out := make([]Result, len(coders))
	sem := make(chan struct{}, max(1, parallel))
	var wg sync.WaitGroup
	for i, c := range coders {
		cc := *c
		cc.ID = ids[i]
		// Coders start in their order, as a slot frees up.
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			err := fmt.Errorf("coder %s: not started: %w", cc.ID, context.Cause(ctx))
			out[i] = Result{Candidate: selector.Candidate{ID: cc.ID, Source: cc.Agent.ModelName}, Err: err, Error: err.Error()}
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i] = cc.Run(ctx, repo, issue)
		})
	}
	wg.Wait()
	return out
}

// uniqueIDs returns the Coders' IDs, numbering those that repeat.
func uniqueIDs(coders []*Coder) []string {
	ids := make([]string, len(coders))
	count := map[string]int{}
	for i, c := range coders {
		ids[i] = c.id()
		count[ids[i]]++
	}
	seen := map[string]int{}
	for i, id := range ids {
		if count[id] > 1 {
			seen[id]++
			ids[i] = fmt.Sprintf("%s-%d", id, seen[id])
		}
	}
	return ids
}

// Candidates returns the candidates of results with a non-empty patch,
// in order: the input of a selection.
func Candidates(results []Result) []selector.Candidate {
	var out []selector.Candidate
	for _, r := range results {
		if strings.TrimSpace(r.Candidate.Patch) != "" {
			out = append(out, r.Candidate)
		}
	}
	return out
}
