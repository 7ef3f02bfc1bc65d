package temporal

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/internal/gitx"
	"github.com/conclave-dev/conclave/llm"
	"github.com/conclave-dev/conclave/selector"
)

// The names the workflow and its activities are registered under. A
// simulation or a test may register its own functions under them.
const (
	WorkflowName       = "conclave.Task"
	ActivityPrepare    = "conclave.Prepare"
	ActivityGenerate   = "conclave.Generate"
	ActivityCandidates = "conclave.Candidates"
	ActivityPlan       = "conclave.Plan"
	ActivityTests      = "conclave.Tests"
	ActivityAsk        = "conclave.Ask"
	ActivityVerify     = "conclave.Verify"
	ActivityRecord     = "conclave.Record"
	ActivityFinish     = "conclave.Finish"
)

// Prepared is what the first activity of a task learns on a worker: the
// task with its base commit resolved, and how many candidates the
// worker's machine tests at once, kept in the history so that every
// replay of the selection sees the same number.
type Prepared struct {
	Task         conclave.Task `json:"task"`
	TestParallel int           `json:"test_parallel"`
}

// RoundInput names a round of a task.
type RoundInput struct {
	Task  conclave.Task `json:"task"`
	Round int           `json:"round"`
}

// GenerateInput names one Coder's run in a round.
type GenerateInput struct {
	Task  conclave.Task `json:"task"`
	Round int           `json:"round"`
	Coder string        `json:"coder"`
}

// Attempt is the small summary of a Coder's run that the workflow keeps;
// the whole Attempt, with its patch and trajectory, is in the Store under
// Record's prefix.
type Attempt struct {
	Coder     string  `json:"coder"`
	Round     int     `json:"round"`
	Candidate string  `json:"candidate"`
	Patched   bool    `json:"patched"`
	Steps     int     `json:"steps"`
	Tokens    int     `json:"tokens"`
	Cost      float64 `json:"cost,omitempty"`
	Error     string  `json:"error,omitempty"`
	// Attempt counts the activity's attempts: 2 or more when a worker
	// died or the provider was down the first time.
	Attempt int32 `json:"attempt"`
}

// Selection is what a round's selection starts from: the candidates and
// the original content of the files their patches touch.
type Selection struct {
	Candidates []selector.Candidate `json:"candidates"`
	Base       map[string][]byte    `json:"base"`
}

// PlanSummary says whether the Tester's plan could be made.
type PlanSummary struct {
	Suites int    `json:"suites"`
	Passed int    `json:"passed"`
	Run    int    `json:"run"`
	Error  string `json:"error,omitempty"`
}

// TestInput names a test run: a candidate of a round, or "" for the
// original code (the plan's baseline).
type TestInput struct {
	Task      conclave.Task `json:"task"`
	Round     int           `json:"round"`
	Candidate string        `json:"candidate"`
}

// AskInput is a question to a judge.
type AskInput struct {
	Task     conclave.Task     `json:"task"`
	Judge    string            `json:"judge"`
	Question selector.Question `json:"question"`
}

// VerifyInput is a candidate for the verifier.
type VerifyInput struct {
	Task      conclave.Task      `json:"task"`
	Judge     string             `json:"judge"`
	Candidate selector.Candidate `json:"candidate"`
}

// RecordInput is a round's decision, made by the workflow.
type RecordInput struct {
	Task     conclave.Task      `json:"task"`
	Round    int                `json:"round"`
	Decision *selector.Decision `json:"decision"`
}

// Finished is the run's result, as the workflow returns it: the winner,
// its patch, and where the whole Result is.
type Finished struct {
	Winner     string  `json:"winner"`
	Patch      string  `json:"patch"`
	DecidedBy  string  `json:"decided_by"`
	Confident  bool    `json:"confident"`
	Rounds     int     `json:"rounds"`
	Refined    bool    `json:"refined"`
	Changed    bool    `json:"changed"`
	Cost       float64 `json:"cost"`
	Result     string  `json:"result"` // the Store key of result.json
	RunDirKeys string  `json:"run"`    // the Store prefix of the run directory
}

// activities are a worker's activities: each opens the task's Job in a
// run directory of the worker, mirrored to the Store, and runs one stage.
type activities struct{ w *Worker }

// session is an activity's Job and what to do when it ends.
type session struct {
	job  *conclave.Job
	m    mirror
	seen state
}

// open pulls the task's records, opens its Job on the worker's clone, and
// makes the Pipeline heartbeat with the Coder's progress.
func (a activities) open(ctx context.Context, task conclave.Task, prog *atomic.Pointer[Progress]) (*session, error) {
	w := a.w
	if !validID(task.ID) {
		return nil, nonRetryable(fmt.Errorf("temporal: the task ID %q cannot name a run directory: use letters, digits, '-', '_' and '.'", task.ID))
	}
	repo, err := w.Clones.Get(ctx, task.Repo, task.Base)
	if err != nil {
		return nil, err
	}
	m := mirror{store: w.Store, prefix: "runs/" + task.ID + "/", dir: filepath.Join(w.Dir, "runs", task.ID)}
	seen, err := m.pull(ctx)
	if err != nil {
		return nil, err
	}
	p := *w.Pipeline
	p.Transient = llm.IsRetryable
	own := p.Observer
	p.Observer = func(e conclave.Event) {
		if e.Kind == conclave.EventCoder && e.State == conclave.StateRunning && prog != nil {
			p := &Progress{Steps: e.Steps, Tokens: e.Tokens}
			prog.Store(p)
			recordHeartbeat(ctx, *p)
		}
		if own != nil {
			own(e)
		}
	}
	t := task
	t.Repo = repo
	job, err := p.Open(ctx, t, m.dir)
	if err != nil {
		return nil, nonRetryable(err)
	}
	return &session{job: job, m: m, seen: seen}, nil
}

// close stores what the activity made.
func (s *session) close(ctx context.Context) error { return s.m.push(ctx, s.seen) }

// fail stores what the activity made and returns err, as it is: the SDK
// reads an *ApplicationError's retry advice only when it is the error
// returned, not one wrapped.
func (s *session) fail(ctx context.Context, err error) error {
	s.close(ctx) // the failure matters more; a record not stored is made again
	return err
}

// Progress is an activity's heartbeat: the Coder's model calls and
// tokens so far.
type Progress struct {
	Steps  int `json:"steps"`
	Tokens int `json:"tokens"`
}

// recordHeartbeat heartbeats when ctx is an activity's.
func recordHeartbeat(ctx context.Context, p Progress) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, p)
	}
}

// beating heartbeats every interval, with the last progress, until the
// returned stop is called, so that an activity in a long tool call (a test
// suite) is not taken for dead; the SDK throttles what reaches the server.
func beating(ctx context.Context, every time.Duration, prog *atomic.Pointer[Progress]) (stop func()) {
	if !activity.IsActivity(ctx) || every <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if p := prog.Load(); p != nil {
					activity.RecordHeartbeat(ctx, *p)
				} else {
					activity.RecordHeartbeat(ctx)
				}
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// Prepare checks the task and resolves its base commit in the worker's
// clone.
func (a activities) Prepare(ctx context.Context, task conclave.Task) (Prepared, error) {
	s, err := a.open(ctx, task, nil)
	if err != nil {
		return Prepared{}, err
	}
	out := Prepared{Task: s.job.Task(), TestParallel: max(1, runtime.GOMAXPROCS(0)/2)}
	out.Task.Repo = task.Repo
	if t := a.w.Pipeline.Tester; t != nil && t.Parallel > 0 {
		out.TestParallel = t.Parallel
	}
	return out, s.close(ctx)
}

// Generate runs one Coder in a round, or finds its Attempt on record.
func (a activities) Generate(ctx context.Context, in GenerateInput) (Attempt, error) {
	var prog atomic.Pointer[Progress]
	defer beating(ctx, a.w.heartbeat(), &prog)()
	s, err := a.open(ctx, in.Task, &prog)
	if err != nil {
		return Attempt{}, err
	}
	at, err := s.job.Generate(ctx, in.Round, in.Coder)
	if err != nil {
		return Attempt{}, s.fail(ctx, classify(err))
	}
	out := Attempt{Coder: at.Coder, Round: at.Round, Candidate: at.Candidate.ID, Patched: strings.TrimSpace(at.Candidate.Patch) != "",
		Steps: at.Steps, Error: firstLine(at.Error)}
	for _, t := range at.Usage {
		out.Tokens += t.Usage.Total()
		out.Cost += t.Cost
	}
	if activity.IsActivity(ctx) {
		out.Attempt = activity.GetInfo(ctx).Attempt
	}
	return out, s.close(ctx)
}

// Candidates returns a round's candidates and the original files their
// patches touch, read from a worktree of the base as the local
// selection reads them.
func (a activities) Candidates(ctx context.Context, in RoundInput) (Selection, error) {
	s, err := a.open(ctx, in.Task, nil)
	if err != nil {
		return Selection{}, err
	}
	cands, err := s.job.Candidates(in.Round)
	if err != nil {
		return Selection{}, classify(err)
	}
	t := s.job.Task()
	wt, err := gitx.AddWorktree(ctx, t.Repo, t.Base, &gitx.WorktreeOptions{Dir: a.w.Pipeline.WorktreeDir, Label: "originals"})
	if err != nil {
		return Selection{}, err
	}
	defer wt.Close()
	base := map[string][]byte{}
	for _, c := range cands {
		files, _, err := gitdiff.Parse(strings.NewReader(c.Patch))
		if err != nil {
			continue // the content filter and the apply check say why
		}
		for _, f := range files {
			for _, name := range []string{f.OldName, f.NewName} {
				if name == "" || !fs.ValidPath(name) || base[name] != nil {
					continue
				}
				b, err := readBounded(filepath.Join(wt.Dir, filepath.FromSlash(name)))
				if err != nil {
					return Selection{}, err
				}
				if b != nil {
					base[name] = b
				}
			}
		}
	}
	return Selection{Candidates: cands, Base: base}, nil
}

// maxOriginal bounds an original file carried to the selection.
const maxOriginal = 16 << 20

// readBounded reads a regular file; nil when there is none.
func readBounded(p string) ([]byte, error) {
	st, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !st.Mode().IsRegular() {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if st.Size() > maxOriginal {
		return nil, nonRetryable(fmt.Errorf("temporal: %s is %d bytes, over the %d a selection reads", p, st.Size(), maxOriginal))
	}
	b, err := os.ReadFile(p)
	if b == nil && err == nil {
		b = []byte{}
	}
	return b, err
}

// Plan makes the Tester's plan of a round, or finds it on record. A plan
// that could not be made is recorded, and said in the summary.
func (a activities) Plan(ctx context.Context, in RoundInput) (PlanSummary, error) {
	var prog atomic.Pointer[Progress]
	defer beating(ctx, a.w.heartbeat(), &prog)()
	s, err := a.open(ctx, in.Task, &prog)
	if err != nil {
		return PlanSummary{}, err
	}
	plan, err := s.job.Plan(ctx, in.Round)
	if ctx.Err() != nil {
		return PlanSummary{}, context.Cause(ctx)
	}
	var out PlanSummary
	switch {
	case err != nil:
		out.Error = err.Error()
	case plan != nil:
		out.Suites, out.Passed, out.Run = len(plan.Suites), plan.Baseline.Passed, plan.Baseline.Run
	}
	return out, s.close(ctx)
}

// Tests runs the round's plan on a candidate, or gives the original
// code's results for "": what the local selection's test runner does.
func (a activities) Tests(ctx context.Context, in TestInput) (selector.TestResults, error) {
	var prog atomic.Pointer[Progress]
	defer beating(ctx, a.w.heartbeat(), &prog)()
	s, err := a.open(ctx, in.Task, &prog)
	if err != nil {
		return nil, err
	}
	plan, err := s.job.Plan(ctx, in.Round)
	if err != nil {
		return nil, classify(err)
	}
	if plan == nil {
		return nil, nonRetryable(errors.New("conclave: Test: the Pipeline has no Tester"))
	}
	if in.Candidate == "" {
		res, err := plan.RunTests(ctx, "")
		if err != nil {
			return nil, classify(err)
		}
		return res, s.close(ctx)
	}
	res, err := s.job.Test(ctx, in.Round, in.Candidate)
	if err != nil {
		return nil, s.fail(ctx, classify(err))
	}
	out, err := plan.TestResults(*res)
	if err != nil {
		return nil, s.fail(ctx, nonRetryable(err))
	}
	return out, s.close(ctx)
}

// Ask asks a judge, or finds its answer on record.
func (a activities) Ask(ctx context.Context, in AskInput) (selector.Answer, error) {
	var prog atomic.Pointer[Progress]
	defer beating(ctx, a.w.heartbeat(), &prog)()
	s, err := a.open(ctx, in.Task, &prog)
	if err != nil {
		return selector.Answer{}, err
	}
	ans, err := s.job.Ask(ctx, in.Judge, in.Question)
	if err != nil {
		return ans, s.fail(ctx, classify(err))
	}
	a.relative(s, ans.Trace)
	return ans, s.close(ctx)
}

// Verify asks the verifier, or finds its verdict on record.
func (a activities) Verify(ctx context.Context, in VerifyInput) (selector.Verdict, error) {
	var prog atomic.Pointer[Progress]
	defer beating(ctx, a.w.heartbeat(), &prog)()
	s, err := a.open(ctx, in.Task, &prog)
	if err != nil {
		return selector.Verdict{}, err
	}
	v, err := s.job.Verify(ctx, in.Judge, in.Candidate)
	if err != nil {
		return v, s.fail(ctx, classify(err))
	}
	a.relative(s, v.Trace)
	return v, s.close(ctx)
}

// relative names a judge's trajectory relative to the run directory, the
// same on every worker (and under the Store's run prefix).
func (activities) relative(s *session, t *selector.Trace) {
	if t == nil || t.Trajectory == "" {
		return
	}
	if r, err := filepath.Rel(s.job.Dir(), t.Trajectory); err == nil && filepath.IsLocal(r) {
		t.Trajectory = filepath.ToSlash(r)
	}
}

// Record records a round's decision.
func (a activities) Record(ctx context.Context, in RecordInput) error {
	s, err := a.open(ctx, in.Task, nil)
	if err != nil {
		return err
	}
	if err := s.job.RecordDecision(in.Round, in.Decision); err != nil {
		return err
	}
	return s.close(ctx)
}

// Finish makes the Result from the records.
func (a activities) Finish(ctx context.Context, task conclave.Task) (Finished, error) {
	s, err := a.open(ctx, task, nil)
	if err != nil {
		return Finished{}, err
	}
	res, err := s.job.Finish(ctx)
	if err != nil {
		return Finished{}, err
	}
	out := Finished{Winner: res.Winner, Patch: res.Patch, DecidedBy: res.Decision.DecidedBy, Confident: res.Decision.Confident,
		Rounds: len(res.Rounds), Cost: res.Cost(), Result: s.m.prefix + "result.json", RunDirKeys: s.m.prefix}
	if r := res.Refinement; r != nil {
		out.Refined, out.Changed = true, r.Changed
	}
	if err := s.close(ctx); err != nil {
		return Finished{}, err
	}
	// The Store holds the whole run now: the worker's copy goes.
	if err := os.RemoveAll(s.m.dir); err != nil {
		return Finished{}, fmt.Errorf("temporal: removing the worker's copy of the run directory: %w", err)
	}
	return out, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// validID reports whether a task ID can name a directory and a key.
func validID(s string) bool {
	if s == "" || s[0] == '.' || len(s) > 200 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// nonRetryable marks err as not worth retrying.
func nonRetryable(err error) error {
	var app *temporal.ApplicationError
	if err == nil || errors.As(err, &app) {
		return err
	}
	return temporal.NewNonRetryableApplicationError(err.Error(), "conclave", nil)
}
