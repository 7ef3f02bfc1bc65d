package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/selector"
)

const testerUsage = `--repo DIR [--base REV] --patch FILE... [--test-cmd CMD] [--json]

Runs the project's tests relevant to the patches on the base (twice, to set
flaky tests aside) and on each patch in a worktree of its own, and says
which patches break a test that passed. No model is used: Go packages and
Python test modules are found from the changed files, or CMD is run.
Each patch is named by its file's base name without extension.`

// maxPatchFile is the largest patch file read.
const maxPatchFile = 32 << 20

// testerJSON is the --json output.
type testerJSON struct {
	Baseline struct {
		Run    int      `json:"run"`
		Passed int      `json:"passed"`
		Flaky  []string `json:"flaky"`
	} `json:"baseline"`
	Candidates []testerCandidateJSON `json:"candidates"`
}

type testerCandidateJSON struct {
	ID          string   `json:"id"`
	Kept        bool     `json:"kept"`
	Regressions []string `json:"regressions"`
	Error       string   `json:"error"`
}

func runTester(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tester", testerUsage, stderr)
	repo := fs.String("repo", ".", "the repository `dir`ectory")
	base := fs.String("base", "HEAD", "the `rev`ision the patches apply to")
	var patches []string
	fs.Func("patch", "a patch `file` (git diff); repeat the flag or list several files after it", func(s string) error {
		patches = append(patches, s)
		return nil
	})
	testCmd := fs.String("test-cmd", "", "run this shell `command` as the tests instead of finding Go and Python tests")
	asJSON := fs.Bool("json", false, "print one JSON object")
	timeout := fs.Duration("timeout", tester.DefaultTimeout, "time limit of each test run")
	parallel := fs.Int("parallel", 0, "patches tested at once (0: half the processors)")
	python := fs.String("python", "python3", "the Python interpreter for Python tests")
	worktrees := fs.String("worktree-dir", "", "where the worktrees go (default: the system's temporary directory)")
	// Files may follow --patch: "--patch a.diff b.diff --json".
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usagef("%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(patches) == 0 {
			return usagef("unexpected arguments: %s (patch files go after --patch)", strings.Join(rest, " "))
		}
		i := 0
		for i < len(rest) && !strings.HasPrefix(rest[i], "-") {
			patches = append(patches, rest[i])
			i++
		}
		args = rest[i:]
	}
	if len(patches) == 0 {
		return usagef("give at least one --patch FILE")
	}
	if *timeout <= 0 || *parallel < 0 {
		return usagef("--timeout must be positive and --parallel at least 0")
	}
	candidates, err := readPatches(patches)
	if err != nil {
		return err
	}
	t := &tester.Tester{
		Repo: *repo, Base: *base, WorktreeDir: *worktrees, Command: *testCmd,
		Python: *python, Parallel: *parallel, Timeout: *timeout,
	}
	start := time.Now()
	report, err := t.Check(ctx, "", candidates)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeTesterJSON(stdout, report)
	}
	writeTesterText(stdout, report, time.Since(start))
	return nil
}

// readPatches reads the patch files into candidates named by their base
// names without extension.
func readPatches(files []string) ([]selector.Candidate, error) {
	var out []selector.Candidate
	seen := map[string]string{}
	for _, f := range files {
		id := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		if other, ok := seen[id]; ok {
			return nil, usagef("patches %s and %s would both be named %q: rename one", other, f, id)
		}
		seen[id] = f
	}
	for _, f := range files {
		id := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		file, err := os.Open(f)
		if err != nil {
			return nil, fmt.Errorf("reading the patch: %w", err)
		}
		data, err := io.ReadAll(io.LimitReader(file, maxPatchFile+1))
		file.Close()
		if err != nil {
			return nil, fmt.Errorf("reading the patch %s: %w", f, err)
		}
		if len(data) > maxPatchFile {
			return nil, fmt.Errorf("the patch %s is larger than 32 MiB; a patch is a diff of source files", f)
		}
		out = append(out, selector.Candidate{ID: id, Patch: string(data)})
	}
	return out, nil
}

func writeTesterJSON(w io.Writer, r *tester.Report) error {
	var out testerJSON
	out.Baseline.Run, out.Baseline.Passed, out.Baseline.Flaky = r.Baseline.Run, r.Baseline.Passed, r.Baseline.Flaky
	out.Candidates = []testerCandidateJSON{}
	for _, c := range r.Candidates {
		names := []string{}
		for _, t := range c.Regressions {
			names = append(names, t.Name)
		}
		out.Candidates = append(out.Candidates, testerCandidateJSON{ID: c.ID, Kept: c.Kept, Regressions: names, Error: c.Error})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func writeTesterText(w io.Writer, r *tester.Report, took time.Duration) {
	if len(r.Suites) > 0 {
		fmt.Fprintln(w, "tests:")
		for _, s := range r.Suites {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
	for _, d := range r.Dropped {
		fmt.Fprintf(w, "not run (failed on the base): %s\n  %s\n", d.Suite, firstLine(d.Error))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	b := r.Baseline
	fmt.Fprintf(w, "baseline: %d tests ran, %d passed twice, %d flaky", b.Run, b.Passed, len(b.Flaky))
	if len(b.Flaky) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(b.Flaky, ", "))
	}
	fmt.Fprintln(w)
	for _, c := range r.Candidates {
		switch {
		case c.Error != "":
			fmt.Fprintf(w, "%s: dropped: %s\n", c.ID, firstLine(c.Error))
		case c.Kept:
			fmt.Fprintf(w, "%s: kept: %d tests ran, none of the %d passing ones broke\n", c.ID, len(c.Tests), b.Passed)
		default:
			fmt.Fprintf(w, "%s: dropped: %d regressions of %d tests ran\n", c.ID, len(c.Regressions), len(c.Tests))
			for _, t := range c.Regressions {
				fmt.Fprintf(w, "    %s (%s): %s\n", t.Name, t.Outcome, telling(t.Log))
			}
		}
	}
	fmt.Fprintf(w, "took %s\n", took.Round(time.Second))
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// telling returns the last line of a failure's log that says something:
// not a runner's "--- FAIL", "FAIL" or "=== RUN" line, nor testify's
// "Test:" line.
func telling(log string) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l != "" && !strings.HasPrefix(l, "--- FAIL") && !strings.HasPrefix(l, "FAIL") &&
			!strings.HasPrefix(l, "=== ") && !strings.HasPrefix(l, "Test:") {
			return l
		}
	}
	return strings.TrimSpace(lines[len(lines)-1])
}
