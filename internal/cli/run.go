package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/config"
	"github.com/conclave-dev/conclave/internal/gitx"
)

const runUsage = `--repo DIR --issue FILE|- [--config FILE] [--out DIR] [--base REV] [--id ID] [--record DIR] [--json]

Runs the whole pipeline on one issue: the Coders generate candidate patches
in parallel, the Tester drops those that break the project's tests, the
selector picks one by syntax vote and judges, and an unsure selection
sends the judges' critiques back to the Coders for one more round.

Everything lands in the run directory (--out) as it happens: candidates,
test results, judges' answers, trajectories, the Decision, the patch.
Running again on the same directory resumes where the run stopped.

The winning patch is written to standard output, progress to standard
error: a live table on a terminal, plain lines otherwise. With --json,
standard output is one JSON object: the winner, the patch, the decision's
summary, the cost per stage and model, and the run directory.

The configuration is --config, else ./conclave.yaml (see
config/conclave.yaml in Conclave's repository for a documented example).

Exit status: 0 a patch was chosen, 1 an error, 2 bad usage, 3 no Coder
produced a candidate.`

// maxIssue is the largest issue text read.
const maxIssue = 1 << 20

// exitError ends a command with a status of its own.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// runJSON is the --json output of conclave run.
type runJSON struct {
	Task       string               `json:"task"`
	Dir        string               `json:"dir"`
	Winner     string               `json:"winner"`
	DecidedBy  string               `json:"decided_by"`
	Confident  bool                 `json:"confident"`
	Doubts     []string             `json:"doubts,omitempty"`
	Refinement *conclave.Refinement `json:"refinement,omitempty"`
	Patch      string               `json:"patch"`
	Candidates []runCandidateJSON   `json:"candidates"`
	Usage      []conclave.Usage     `json:"usage"`
	Cost       float64              `json:"cost"`
	Files      map[string]string    `json:"files"`
}

type runCandidateJSON struct {
	ID         string `json:"id"`
	Coder      string `json:"coder"`
	Round      int    `json:"round"`
	Model      string `json:"model"`
	Reason     string `json:"reason,omitempty"`
	Error      string `json:"error,omitempty"`
	Steps      int    `json:"steps"`
	Trajectory string `json:"trajectory,omitempty"`
}

func runRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", runUsage, stderr)
	repo := fs.String("repo", ".", "the repository `dir`ectory")
	issueFile := fs.String("issue", "", "the issue: a `file`, or - for standard input")
	cfgFile := fs.String("config", "", "the configuration `file` (default ./conclave.yaml)")
	out := fs.String("out", "", "the run `dir`ectory (default: under the configuration's run_dir, named after the task)")
	base := fs.String("base", "HEAD", "the `rev`ision the patches start from")
	id := fs.String("id", "", "the task's `id` (default: run-<hash of repository, base and issue>)")
	record := fs.String("record", "", "record every agent's model calls under `dir`, for replay")
	asJSON := fs.Bool("json", false, "write one JSON object to standard output instead of the patch")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *issueFile == "" {
		return usagef("give the issue with --issue FILE, or --issue - to read it from standard input")
	}
	issue, err := readIssue(*issueFile)
	if err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgFile)
	if err != nil {
		return err
	}
	task := conclave.Task{ID: *id, Repo: *repo, Base: *base, Issue: issue}
	// The default run directory is named after the commit, not "HEAD",
	// so a new commit starts a new run.
	if commit, err := gitx.Git(ctx, *repo, "rev-parse", "--verify", "--quiet", *base+"^{commit}"); err == nil {
		task.Base = strings.TrimSpace(commit)
	}
	if task.ID == "" {
		task.ID = taskID(task)
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join(runDir(cfg), task.ID)
	}
	p, closeAll, err := cfg.Build(task.ID, &config.Options{Record: *record, Warn: func(s string) { fmt.Fprintln(stderr, "warning:", s) }})
	if err != nil {
		return err
	}
	defer closeAll()
	ids := make([]string, len(p.Coders))
	for i, c := range p.Coders {
		ids[i] = c.ID
	}
	fmt.Fprintf(stderr, "conclave run: task %s, run directory %s\n", task.ID, dir)
	d := newDisplay(stderr, !*asJSON && isTerminal(stderr), ids)
	p.Observer = d.observe
	res, err := p.Run(ctx, task, dir)
	d.finish()
	if errors.Is(err, conclave.ErrNoCandidate) {
		return &exitError{code: 3, err: err}
	}
	if err != nil {
		return fmt.Errorf("%w (the run directory %s keeps what was done; run again to resume)", err, dir)
	}
	if *asJSON {
		return writeRunJSON(stdout, res)
	}
	writeRunSummary(stderr, res)
	_, err = io.WriteString(stdout, res.Patch)
	return err
}

// readIssue reads the issue from a file, or standard input for "-".
func readIssue(name string) (string, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return "", usagef("the issue: %v", err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxIssue+1))
	if err != nil {
		return "", fmt.Errorf("reading the issue: %w", err)
	}
	if len(b) > maxIssue {
		return "", usagef("the issue is larger than 1 MiB: give its text, not attachments")
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", usagef("the issue %s is empty", name)
	}
	return string(b), nil
}

// loadConfig loads the configuration file, or ./conclave.yaml.
func loadConfig(name string) (*config.Config, error) {
	if name == "" {
		if _, err := os.Stat("conclave.yaml"); err != nil {
			return nil, usagef("no configuration: give --config FILE or write ./conclave.yaml (config/conclave.yaml in Conclave's repository is a documented example)")
		}
		name = "conclave.yaml"
	}
	cfg, err := config.Load(name)
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	return cfg, nil
}

func runDir(cfg *config.Config) string {
	if cfg.RunDir != "" {
		return cfg.RunDir
	}
	return ".conclave"
}

// taskID names a task by its repository, base and issue, so that the same
// command resumes the same run.
func taskID(t conclave.Task) string {
	repo, _ := filepath.Abs(t.Repo)
	sum := sha256.Sum256([]byte(repo + "\x00" + t.Base + "\x00" + t.Issue))
	return "run-" + hex.EncodeToString(sum[:4])
}

func writeRunJSON(w io.Writer, r *conclave.Result) error {
	out := runJSON{Task: r.Task.ID, Dir: r.Dir, Winner: r.Winner, DecidedBy: r.Decision.DecidedBy, Confident: r.Decision.Confident,
		Doubts: r.Decision.Doubts, Refinement: r.Refinement, Patch: r.Patch, Usage: r.Usage, Cost: r.Cost(),
		Candidates: []runCandidateJSON{},
		Files: map[string]string{"result": filepath.Join(r.Dir, "result.json"), "patch": filepath.Join(r.Dir, "patch.diff"),
			"decision": filepath.Join(r.Dir, fmt.Sprintf("round-%d", len(r.Rounds)), "decision.json")}}
	if out.Usage == nil {
		out.Usage = []conclave.Usage{}
	}
	for _, rd := range r.Rounds {
		for _, a := range rd.Attempts {
			out.Candidates = append(out.Candidates, runCandidateJSON{ID: a.Candidate.ID, Coder: a.Coder, Round: a.Round, Model: a.Model,
				Reason: string(a.Reason), Error: firstLine(a.Error), Steps: a.Steps, Trajectory: a.Trajectory})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// writeRunSummary writes the outcome for a reader: the winner and what
// decided it, the refinement, the cost per stage and model, the files.
func writeRunSummary(w io.Writer, r *conclave.Result) {
	fmt.Fprintf(w, "\nwinner: %s, decided by %s", r.Winner, r.Decision.DecidedBy)
	if !r.Decision.Confident {
		fmt.Fprintf(w, " (not confident: %s)", strings.Join(r.Decision.Doubts, "; "))
	}
	fmt.Fprintln(w)
	if rf := r.Refinement; rf != nil {
		word := "kept"
		if rf.Changed {
			word = "changed"
		}
		fmt.Fprintf(w, "refinement: %s the winner (%s, then %s); it ran because %s\n", word, rf.Before, rf.After, strings.Join(rf.Why, "; "))
	}
	writeUsage(w, r)
	fmt.Fprintf(w, "run directory: %s (decision in round-%d/decision.json, patch in patch.diff)\n", r.Dir, len(r.Rounds))
}

// writeUsage writes the cost table: per stage and model, then per model.
func writeUsage(w io.Writer, r *conclave.Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stage\tmodel\tcalls\ttokens\tcost\t")
	for _, u := range r.Usage {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t\n", u.Stage, u.Model, u.Calls, u.Tokens, dollars(u.Cost))
	}
	for _, u := range r.ByModel() {
		fmt.Fprintf(tw, "total\t%s\t%d\t%d\t%s\t\n", u.Model, u.Calls, u.Tokens, dollars(u.Cost))
	}
	fmt.Fprintf(tw, "total\t\t\t\t%s\t\n", dollars(r.Cost()))
	tw.Flush()
}
