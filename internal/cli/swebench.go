package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/conclave-dev/conclave"
	"github.com/conclave-dev/conclave/config"
	"github.com/conclave-dev/conclave/internal/gitx"
)

const swebenchUsage = `--instances FILE --repos DIR --out predictions.jsonl [--config FILE] [--workers N] [--filter REGEX] [--runs DIR] [--model-name NAME] [--clone-url TEMPLATE]
       --instances FILE --temporal ADDRESS --store DIR --out predictions.jsonl [--workers N] [--queue NAME] [--namespace NS] [...]

Runs the pipeline on every instance of a benchmark and appends one
prediction per instance to --out as each finishes:

  {"instance_id": ..., "model_name_or_path": ..., "model_patch": ...}

Instances are read from SWE-bench (Verified, Lite, full), SWE-bench Pro and
Multi-SWE-bench files, as JSON lines or one JSON array: instance_id, repo,
base_commit and problem_statement (Multi-SWE-bench: org, repo, number,
base.sha and resolved_issues); other fields are ignored and never shown to
an agent. Each repository is cloned once under --repos (from --clone-url,
"{repo}" standing for owner/name) and every instance works in worktrees of
it. Each instance has its own run directory under --runs, so an interrupted
instance resumes; instances already in --out are skipped, and a failed
instance is written nowhere, so running again retries it.

With --temporal, each instance is a workflow of a Temporal cluster,
--workers at a time, run by 'conclave worker's (which clone from
--clone-url and hold the configuration); predictions are appended as the
workflows end, and a run started again waits for the workflows still
running (docs/scaling.md).

docs/swebench.md says how to score the predictions with the official harness.

Exit status: 0 every instance selected has a prediction, 1 some failed
(the others are written), 2 bad usage.`

// maxInstances is the size of the largest instances file read.
const maxInstances = 1 << 30

// benchInstance is a benchmark instance: the fields Conclave reads.
type benchInstance struct {
	ID      string
	Repo    string // owner/name
	Base    string
	Problem string
	// Multi-SWE-bench's own fields, echoed in its prediction.
	Org    string
	Name   string
	Number int
}

// rawInstance holds the fields of every supported format.
type rawInstance struct {
	InstanceID       string `json:"instance_id"`
	Repo             string `json:"repo"`
	BaseCommit       string `json:"base_commit"`
	ProblemStatement string `json:"problem_statement"`
	// Multi-SWE-bench
	Org    string `json:"org"`
	Number int    `json:"number"`
	Base   *struct {
		SHA string `json:"sha"`
	} `json:"base"`
	ResolvedIssues []struct {
		Title string `json:"title"`
		Body  string `json:"body"`
	} `json:"resolved_issues"`
}

// prediction is one line of the predictions file.
type prediction struct {
	InstanceID string `json:"instance_id"`
	Model      string `json:"model_name_or_path"`
	Patch      string `json:"model_patch"`
	// Multi-SWE-bench's harness reads these.
	Org      string `json:"org,omitempty"`
	Repo     string `json:"repo,omitempty"`
	Number   int    `json:"number,omitempty"`
	FixPatch string `json:"fix_patch,omitempty"`
}

func runSWEBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("swebench", swebenchUsage, stderr)
	instancesFile := fs.String("instances", "", "the instances `file`")
	repos := fs.String("repos", "", "the `dir`ectory repositories are cloned into, once each")
	out := fs.String("out", "", "the predictions `file`, appended to")
	cfgFile := fs.String("config", "", "the configuration `file` (default ./conclave.yaml)")
	workers := fs.Int("workers", 1, "instances run at once")
	filter := fs.String("filter", "", "run only the instances whose ID matches this `regex`")
	runs := fs.String("runs", "", "the `dir`ectory of the instances' run directories (default: --out with .runs after it)")
	modelName := fs.String("model-name", "conclave", "the model_name_or_path of the predictions")
	cloneURL := fs.String("clone-url", "https://github.com/{repo}.git", "where repositories are cloned from; {repo} is owner/name")
	remote := &remoteBench{stderr: stderr}
	fs.StringVar(&remote.addr, "temporal", "", "submit each instance as a workflow to the Temporal cluster at `address` (host:port), run by 'conclave worker's, instead of running it here")
	fs.StringVar(&remote.store, "store", "", "with --temporal: the blob store `dir`ectory the workers share")
	fs.StringVar(&remote.namespace, "namespace", "default", "with --temporal: the Temporal `namespace`")
	fs.StringVar(&remote.queue, "queue", "conclave", "with --temporal: the task `queue`")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *instancesFile == "" || *out == "" || *repos == "" && remote.addr == "":
		return usagef("give --instances FILE, --repos DIR (or --temporal ADDRESS) and --out FILE")
	case *workers < 1:
		return usagef("--workers must be at least 1")
	}
	var match *regexp.Regexp
	if *filter != "" {
		var err error
		if match, err = regexp.Compile(*filter); err != nil {
			return usagef("--filter: %v", err)
		}
	}
	var cfg *config.Config
	if remote.addr == "" { // the workers have their own
		var err error
		if cfg, err = loadConfig(*cfgFile); err != nil {
			return err
		}
	}
	all, err := readInstances(*instancesFile)
	if err != nil {
		return err
	}
	done, err := predicted(*out)
	if err != nil {
		return err
	}
	var todo []benchInstance
	for _, in := range all {
		if (match == nil || match.MatchString(in.ID)) && !done[in.ID] {
			todo = append(todo, in)
		}
	}
	if *runs == "" {
		*runs = *out + ".runs"
	}
	fmt.Fprintf(stderr, "conclave swebench: %d instances, %d already predicted, %d to run\n", len(all), len(done), len(todo))
	if remote.addr != "" {
		remote.cloneURL, remote.model, remote.out, remote.workers = *cloneURL, *modelName, *out, *workers
		failed, err := remote.run(ctx, todo)
		switch {
		case err != nil:
			return fmt.Errorf("%w; run again to go on (running workflows are waited for, not started again)", err)
		case failed > 0:
			return fmt.Errorf("%d of %d instances failed (see above); run again to retry them", failed, len(todo))
		}
		return nil
	}
	b := &bench{cfg: cfg, repos: *repos, runs: *runs, cloneURL: *cloneURL, model: *modelName, out: *out, stderr: stderr, clones: map[string]*sync.Mutex{}}
	failed := b.runAll(ctx, todo, *workers)
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted: %w; run again to go on", context.Cause(ctx))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d instances failed (see above); run again to retry them", failed, len(todo))
	}
	return nil
}

// bench runs instances and writes their predictions.
type bench struct {
	cfg                          *config.Config
	repos, runs, cloneURL, model string
	out                          string
	stderr                       io.Writer

	mu     sync.Mutex // the predictions file and stderr
	clones map[string]*sync.Mutex
	n      int
}

// runAll runs the instances, workers at once, and returns how many failed.
func (b *bench) runAll(ctx context.Context, todo []benchInstance, workers int) int {
	sem := make(chan struct{}, workers)
	var wg sync.WaitGroup
	var failed int
	var fmu sync.Mutex
	for _, in := range todo {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return failed
		}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := b.one(ctx, in, len(todo)); err != nil {
				fmu.Lock()
				failed++
				fmu.Unlock()
			}
		})
	}
	wg.Wait()
	return failed
}

// one runs one instance and appends its prediction.
func (b *bench) one(ctx context.Context, in benchInstance, total int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
		b.mu.Lock()
		defer b.mu.Unlock()
		b.n++
		if err != nil {
			fmt.Fprintf(b.stderr, "[%d/%d] %s: failed: %v\n", b.n, total, in.ID, firstLine(err.Error()))
		}
	}()
	repo, err := b.clone(ctx, in)
	if err != nil {
		return err
	}
	p, closeAll, err := b.cfg.Build(in.ID, &config.Options{Warn: func(s string) {
		b.mu.Lock()
		defer b.mu.Unlock()
		fmt.Fprintln(b.stderr, "warning:", s)
	}})
	if err != nil {
		return err
	}
	defer closeAll()
	res, err := p.Run(ctx, conclave.Task{ID: in.ID, Repo: repo, Base: in.Base, Issue: in.Problem}, filepath.Join(b.runs, in.ID))
	if err != nil {
		return err
	}
	pred := prediction{InstanceID: in.ID, Model: b.model, Patch: res.Patch}
	if in.Org != "" {
		pred.Org, pred.Repo, pred.Number, pred.FixPatch = in.Org, in.Name, in.Number, res.Patch
	}
	line, err := json.Marshal(pred)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	f, err := os.OpenFile(b.out, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(line, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		fmt.Fprintf(b.stderr, "[%d/%d] %s: %s, decided by %s, $%.4f\n", b.n+1, total, in.ID, res.Winner, res.Decision.DecidedBy, res.Cost())
	}
	return err
}

// clone returns the clone of in's repository under --repos, made on first
// use, holding in's base commit.
func (b *bench) clone(ctx context.Context, in benchInstance) (string, error) {
	b.mu.Lock()
	mu, ok := b.clones[in.Repo]
	if !ok {
		mu = &sync.Mutex{}
		b.clones[in.Repo] = mu
	}
	b.mu.Unlock()
	mu.Lock()
	defer mu.Unlock()
	dir, err := filepath.Abs(filepath.Join(b.repos, strings.ReplaceAll(in.Repo, "/", "__")))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, ".git")); errors.Is(err, os.ErrNotExist) {
		url := strings.ReplaceAll(b.cloneURL, "{repo}", in.Repo)
		if err := os.MkdirAll(b.repos, 0o755); err != nil {
			return "", err
		}
		if _, err := gitx.Git(ctx, b.repos, "clone", "--quiet", "--no-checkout", url, dir); err != nil {
			return "", fmt.Errorf("cloning %s: %w", in.Repo, err)
		}
	}
	if _, err := gitx.Git(ctx, dir, "cat-file", "-e", in.Base+"^{commit}"); err != nil {
		if _, err := gitx.Git(ctx, dir, "fetch", "--quiet", "origin", in.Base); err != nil {
			return "", fmt.Errorf("the base commit %s of %s: %w", in.Base, in.Repo, err)
		}
	}
	return dir, nil
}

// readInstances reads an instances file: JSON lines, or one JSON array.
func readInstances(name string) ([]benchInstance, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, usagef("--instances: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxInstances+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxInstances {
		return nil, fmt.Errorf("%s is larger than 1 GiB", name)
	}
	var raws []rawInstance
	lines := map[int]int{} // instance index -> line
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		if err := json.Unmarshal(t, &raws); err != nil {
			return nil, fmt.Errorf("%s: not a JSON array of instances: %w", name, err)
		}
	} else {
		s := bufio.NewScanner(bytes.NewReader(data))
		s.Buffer(nil, 64<<20)
		for n := 1; s.Scan(); n++ {
			if len(bytes.TrimSpace(s.Bytes())) == 0 {
				continue
			}
			var r rawInstance
			if err := json.Unmarshal(s.Bytes(), &r); err != nil {
				return nil, fmt.Errorf("%s, line %d: not an instance: %w", name, n, err)
			}
			lines[len(raws)] = n
			raws = append(raws, r)
		}
		if err := s.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	seen := map[string]bool{}
	out := make([]benchInstance, 0, len(raws))
	for i, r := range raws {
		in, err := r.instance()
		if err == nil && seen[in.ID] {
			err = fmt.Errorf("the instance %s is listed twice", in.ID)
		}
		if err != nil {
			where := fmt.Sprintf("instance %d", i+1)
			if n, ok := lines[i]; ok {
				where = fmt.Sprintf("line %d", n)
			}
			return nil, fmt.Errorf("%s, %s: %w", name, where, err)
		}
		seen[in.ID] = true
		out = append(out, in)
	}
	return out, nil
}

var safeRepo = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// instance returns r in Conclave's terms, or what it lacks.
func (r rawInstance) instance() (benchInstance, error) {
	in := benchInstance{ID: r.InstanceID, Repo: r.Repo, Base: r.BaseCommit, Problem: r.ProblemStatement}
	if r.Org != "" && r.Base != nil { // Multi-SWE-bench
		in.Org, in.Name, in.Number, in.Repo, in.Base = r.Org, r.Repo, r.Number, r.Org+"/"+r.Repo, r.Base.SHA
		if in.ID == "" {
			in.ID = fmt.Sprintf("%s__%s-%d", r.Org, r.Repo, r.Number)
		}
		if in.Problem == "" {
			var parts []string
			for _, is := range r.ResolvedIssues {
				parts = append(parts, strings.TrimSpace(is.Title+"\n\n"+is.Body))
			}
			in.Problem = strings.Join(parts, "\n\n")
		}
	}
	switch {
	case in.ID == "" || strings.ContainsAny(in.ID, "/\\") || strings.HasPrefix(in.ID, "."):
		return in, fmt.Errorf("instance_id %q: give each instance an ID that can name a directory", in.ID)
	case !safeRepo.MatchString(in.Repo) || strings.Contains(in.Repo, ".."):
		return in, fmt.Errorf("%s: repo %q is not owner/name", in.ID, in.Repo)
	case in.Base == "" || strings.HasPrefix(in.Base, "-"):
		return in, fmt.Errorf("%s: no base_commit", in.ID)
	case strings.TrimSpace(in.Problem) == "":
		return in, fmt.Errorf("%s: no problem_statement", in.ID)
	}
	return in, nil
}

// predicted returns the IDs already in the predictions file. A last line
// cut short by a crash is removed, so the file stays JSON lines.
func predicted(name string) (map[string]bool, error) {
	data, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, err
	}
	if n := bytes.LastIndexByte(data, '\n'); n < len(data)-1 {
		if err := os.Truncate(name, int64(n+1)); err != nil {
			return nil, fmt.Errorf("removing the cut-short last line of %s: %w", name, err)
		}
		data = data[:n+1]
	}
	out := map[string]bool{}
	for i, l := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		var p prediction
		if err := json.Unmarshal(l, &p); err != nil || p.InstanceID == "" {
			return nil, fmt.Errorf("%s:%d is not a prediction: move the file aside or fix it", name, i+1)
		}
		out[p.InstanceID] = true
	}
	return out, nil
}
