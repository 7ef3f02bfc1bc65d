package conclave

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/coder"
	"github.com/conclave-dev/conclave/internal/gitx"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/selector"
	"github.com/conclave-dev/conclave/tools/ckg"
)

// Job is one task being run by a Pipeline in a run directory. Each stage
// of the run is a method that can be called alone, by a durable workflow
// say, with serialisable arguments (round numbers, IDs, questions) and
// results (JSON records): [Job.Generate] one candidate, [Job.Plan] the
// tests and their baseline, [Job.Test] one candidate, [Job.Ask] and
// [Job.Verify] one judge question, [Job.Select] a round's selection and
// [Job.Finish] the result. Each writes its record to the run directory
// when it ends, and returns that record without doing the work again when
// it is already there: so a run interrupted anywhere resumes from its
// records, and a stage retried after a crash costs nothing twice.
//
// A Job is safe for concurrent use; the records of one stage must not be
// made by two processes at once.
type Job struct {
	p     *Pipeline
	task  Task
	dir   runDir
	ids   []string
	repo  coder.Repo
	judge map[string]*recorded // the judges, answering through the run directory

	emitMu  sync.Mutex
	plansMu sync.Mutex
	plans   map[int]*planOnce
	stageMu sync.Mutex
	round   int    // the round of the selection running
	stage   string // and its stage
}

// Open prepares the run of task in the run directory dir, created if
// need be: it checks the Pipeline, resolves the task's base commit and
// records the task, or checks that a run already in dir is of the same
// task (the same base commit and issue).
func (p *Pipeline) Open(ctx context.Context, task Task, dir string) (*Job, error) {
	ids, err := p.check()
	if err != nil {
		return nil, err
	}
	if dir == "" {
		return nil, errors.New("conclave: no run directory: name one, where the run's records go")
	}
	task, err = resolve(ctx, task)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("conclave: run directory: %w", err)
	}
	rd := runDir(abs)
	var before Task
	found, err := rd.read(taskFile, &before)
	switch {
	case err != nil:
		return nil, err
	case found && (before.Base != task.Base || before.Issue != task.Issue):
		return nil, fmt.Errorf("conclave: the run directory %s holds the run of another task (%s at %.12s): choose another directory, or remove it to start over", abs, before.ID, before.Base)
	case !found:
		if err := rd.write(taskFile, task); err != nil {
			return nil, err
		}
	}
	j := &Job{p: p, task: task, dir: rd, ids: ids, plans: map[int]*planOnce{}}
	j.repo = coder.Repo{Dir: task.Repo, Base: task.Base, WorktreeDir: p.WorktreeDir, Graphs: &ckg.Shared{}, Workspace: p.Workspace}
	j.judge = j.placeJudges()
	return j, nil
}

// resolve checks the task and fills its defaults: an absolute Repo and a
// full commit id as Base.
func resolve(ctx context.Context, t Task) (Task, error) {
	if t.ID == "" {
		t.ID = "task"
	}
	if strings.TrimSpace(t.Issue) == "" {
		return t, errors.New("conclave: Task.Issue is empty: give the issue's text")
	}
	if t.Repo == "" {
		return t, errors.New("conclave: Task.Repo is empty: give the repository's directory")
	}
	repo, err := filepath.Abs(t.Repo)
	if err != nil {
		return t, fmt.Errorf("conclave: Task.Repo: %w", err)
	}
	t.Repo = repo
	base := t.Base
	if base == "" {
		base = "HEAD"
	}
	out, err := gitx.Git(ctx, repo, "rev-parse", "--verify", "--quiet", base+"^{commit}")
	if err != nil {
		return t, fmt.Errorf("conclave: Task.Base %q is not a commit of %s: %w", base, repo, err)
	}
	t.Base = strings.TrimSpace(out)
	return t, nil
}

// Task returns the job's task, its base resolved to a commit id.
func (j *Job) Task() Task { return j.task }

// Dir returns the run directory.
func (j *Job) Dir() string { return string(j.dir) }

// Coders returns the IDs of the Coders, in order.
func (j *Job) Coders() []string { return append([]string(nil), j.ids...) }

// Generation runs every Coder of round (1 is the first generation, 2 the
// refinement) that has no record yet, Pipeline.Parallel at a time, and
// returns every Coder's attempt in the Coders' order. A Coder's failure is
// its Attempt's Error; the error is ctx's, or a run directory's.
func (j *Job) Generation(ctx context.Context, round int) ([]*Attempt, error) {
	out := make([]*Attempt, len(j.ids))
	errs := make([]error, len(j.ids))
	parallel := j.p.Parallel
	if parallel == 0 {
		parallel = len(j.ids)
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, id := range j.ids {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			errs[i] = context.Cause(ctx)
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i], errs[i] = j.Generate(ctx, round, id)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return out, err
	}
	return out, nil
}

// Generate runs the Coder id in round, unless the round already has its
// Attempt, which is returned as it was. Round 1 works on the issue from
// the base; a later round gives the Coder the critiques of its candidate
// in the round before (see [Unsure]) and starts it from that candidate.
//
// A Coder that fails (a limit, a crash, a model error) is an Attempt with
// Error, recorded like any other; the error is for an unknown Coder, a
// round without the decision it follows, a run directory that cannot be
// written, or ctx ending (or a failure [Pipeline.Transient] says to try
// again), after which the Coder runs again next time: its run is kept only
// for what it cost, in the round's lost/ directory.
func (j *Job) Generate(ctx context.Context, round int, id string) (*Attempt, error) {
	i := indexOf(j.ids, id)
	if i < 0 {
		return nil, fmt.Errorf("conclave: Generate: no Coder %q; Coders: %s", id, strings.Join(j.ids, ", "))
	}
	if round < 1 {
		return nil, fmt.Errorf("conclave: Generate: round %d: rounds count from 1", round)
	}
	var a Attempt
	if found, err := j.dir.read(attemptFile(round, id), &a); err != nil || found {
		if found {
			j.emit(Event{Kind: EventCoder, Round: round, Coder: id, State: StateResumed, Steps: a.Steps, Tokens: a.tokens(), Cost: a.cost(), Text: a.summary()})
		}
		return &a, err
	}
	issue, repo := j.task.Issue, j.repo
	if round > 1 {
		critique, start, err := j.critique(round, id)
		if err != nil {
			return nil, err
		}
		issue += "\n\n" + critique
		repo.Patch = start
		if err := j.dir.writeFile(critiqueFile(round, id), []byte(critique)); err != nil {
			return nil, err
		}
	}
	c := *j.p.Coders[i]
	c.ID = candidateID(id, round)
	if round > 1 && j.p.Refine != nil {
		c.Agent.Limits = overlay(c.Agent.Limits, j.p.Refine.Limits)
	}
	traj := trajectoryFile(round, id)
	f, err := j.dir.create(traj)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c.Agent.Trajectory = f
	c.Agent.Observer = j.coderObserver(round, id, c.Agent.Observer)
	j.emit(Event{Kind: EventCoder, Round: round, Coder: id, State: StateRunning})
	res := c.Run(ctx, repo, issue)
	a = attemptOf(res, id, round, c.Agent.ModelName, j.dir.rel(f.Name()))
	var lost error
	switch {
	case ctx.Err() != nil:
		lost = fmt.Errorf("conclave: Coder %s: %w", id, context.Cause(ctx))
		j.emit(Event{Kind: EventCoder, Round: round, Coder: id, State: StateFailed, Text: "interrupted"})
	case res.Err != nil && j.p.Transient != nil && j.p.Transient(res.Err):
		lost = fmt.Errorf("conclave: Coder %s: %w", id, res.Err)
		j.emit(Event{Kind: EventCoder, Round: round, Coder: id, State: StateFailed, Text: "to be tried again: " + res.Err.Error()})
	}
	if lost != nil {
		// The run is done again, but what it cost is spent: keep it.
		a.Error = lost.Error()
		if err := j.dir.writeLost(lostDir(round), id, a); err != nil {
			return nil, errors.Join(lost, err)
		}
		return nil, lost
	}
	if err := j.dir.write(attemptFile(round, id), a); err != nil {
		return nil, err
	}
	state := StateDone
	if a.Error != "" {
		state = StateFailed
	}
	j.emit(Event{Kind: EventCoder, Round: round, Coder: id, State: state, Steps: a.Steps, Tokens: a.tokens(), Cost: a.cost(), Text: a.summary()})
	return &a, nil
}

// candidateID is the ID of Coder id's candidate in round: the Coder's ID
// in round 1, with "-r<round>" after.
func candidateID(id string, round int) string {
	if round == 1 {
		return id
	}
	return fmt.Sprintf("%s-r%d", id, round)
}

// overlay returns base with the non-zero fields of over.
func overlay(base, over agent.Limits) agent.Limits {
	if over.Steps != 0 {
		base.Steps = over.Steps
	}
	if over.Tokens != 0 {
		base.Tokens = over.Tokens
	}
	if over.Dollars != 0 {
		base.Dollars = over.Dollars
	}
	if over.Time != 0 {
		base.Time = over.Time
	}
	return base
}

func attemptOf(res coder.Result, id string, round int, model, trajectory string) Attempt {
	a := Attempt{Coder: id, Round: round, Candidate: res.Candidate, Model: model, Error: res.Error,
		Binary: res.Binary, Omitted: res.Omitted, Seconds: res.Seconds, Trajectory: trajectory}
	if a.Model == "" {
		a.Model = res.Candidate.Source
	}
	if res.Run != nil {
		a.Reason, a.Final, a.Steps, a.Usage = res.Run.Reason, res.Run.Final, len(res.Run.Steps), res.Run.Usage
	}
	return a
}

// attempts returns the round's attempts on record, by Coder in order; nil
// for a Coder without one.
func (j *Job) attempts(round int) ([]*Attempt, error) {
	out := make([]*Attempt, len(j.ids))
	for i, id := range j.ids {
		var a Attempt
		found, err := j.dir.read(attemptFile(round, id), &a)
		if err != nil {
			return nil, err
		}
		if found {
			out[i] = &a
		}
	}
	return out, nil
}

// Candidates returns the candidates of round, in the Coders' order: each
// Coder's candidate with a patch, and in a later round, for a Coder whose
// refinement made none, its latest candidate before. The error wraps
// [ErrNoCandidate] when there is none, naming each Coder's failure.
func (j *Job) Candidates(round int) ([]selector.Candidate, error) {
	var out []selector.Candidate
	var why []string
	for _, id := range j.ids {
		c, failure, err := j.latest(round, id)
		switch {
		case err != nil:
			return nil, err
		case c != nil:
			out = append(out, *c)
		default:
			why = append(why, id+": "+failure)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoCandidate, strings.Join(why, "; "))
	}
	return out, nil
}

// latest returns Coder id's candidate in round: its attempt's, if that has
// a patch, else its latest one before; or, when there is none, why.
func (j *Job) latest(round int, id string) (*selector.Candidate, string, error) {
	why := fmt.Sprintf("no attempt in round %d", round)
	for r := round; r >= 1; r-- {
		var a Attempt
		found, err := j.dir.read(attemptFile(r, id), &a)
		switch {
		case err != nil:
			return nil, "", err
		case found && strings.TrimSpace(a.Candidate.Patch) != "":
			return &a.Candidate, "", nil
		case found && r == round:
			why = a.summary()
		}
	}
	return nil, why, nil
}

// coderOf returns the Coder a candidate ID belongs to.
func coderOf(candidate string, ids []string) string {
	if indexOf(ids, candidate) >= 0 {
		return candidate
	}
	if i := strings.LastIndex(candidate, "-r"); i > 0 && indexOf(ids, candidate[:i]) >= 0 {
		return candidate[:i]
	}
	return ""
}

func indexOf(ids []string, id string) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}

// coderObserver returns the observer of Coder id's agent: the progress
// events, then the Coder's own observer.
func (j *Job) coderObserver(round int, id string, own func(agent.Event)) func(agent.Event) {
	var steps, tokens int
	var cost float64
	var tool string
	return func(e agent.Event) {
		switch e.Kind {
		case agent.EventModelCall:
			if e.Parent == "" {
				steps++
			}
			if e.Model.Response != nil {
				tokens += e.Model.Response.Usage.Total()
			}
			cost += e.Model.Cost
		case agent.EventToolCall:
			tool = e.Call.Name
		}
		if e.Kind == agent.EventModelCall || e.Kind == agent.EventToolCall {
			j.emit(Event{Kind: EventCoder, Round: round, Coder: id, State: StateRunning, Steps: steps, Tool: tool, Tokens: tokens, Cost: cost})
		}
		if own != nil {
			own(e)
		}
	}
}

// emit sends e to the Pipeline's observer, one event at a time.
func (j *Job) emit(e Event) {
	if j.p.Observer == nil {
		return
	}
	e.Time = time.Now()
	j.emitMu.Lock()
	defer j.emitMu.Unlock()
	j.p.Observer(e)
}

// usage sums usages per model.
func addUsage(dst map[string]llm.Totals, src map[string]llm.Totals) {
	for m, t := range src {
		d := dst[m]
		d.Calls += t.Calls
		d.Usage = d.Usage.Add(t.Usage)
		d.Cost += t.Cost
		d.Unpriced += t.Unpriced
		dst[m] = d
	}
}
