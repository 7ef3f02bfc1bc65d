package tester

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/bluekeyes/go-gitdiff/gitdiff"

	"github.com/conclave-dev/conclave/tools"
)

// Request is what a [Discoverer] is given to find the tests to run.
type Request struct {
	// Dir is a checkout of the base commit. Discovery may read it and
	// run commands in it; what it changes is thrown away.
	Dir string
	// Tree is the git tree id of the base commit: the key of its code
	// knowledge graph in a ckg.Shared.
	Tree string
	// Issue is the issue the candidates address ("" when unknown).
	Issue string
	// Changed are the files the candidates change, slash paths relative
	// to the repository root, sorted.
	Changed []string
	// Python is the Python interpreter the tests run with.
	Python string
	// Command is the test command the user configured, "" for none.
	Command string
}

// Discoverer finds the suites that test what the candidates change.
// Discover must honour ctx and must not return a suite that fails
// [Suite.Validate].
type Discoverer interface {
	Discover(ctx context.Context, req Request) ([]Suite, error)
}

// DiscovererFunc adapts a function to [Discoverer].
type DiscovererFunc func(ctx context.Context, req Request) ([]Suite, error)

// Discover calls f.
func (f DiscovererFunc) Discover(ctx context.Context, req Request) ([]Suite, error) {
	return f(ctx, req)
}

// Deterministic finds tests without a model:
//
//   - with a user command (Request.Command), that command alone;
//   - Go: in each module holding a changed file, the packages of the
//     changed files and the packages importing them (their tests
//     included), as "go list" tells, those with test files, run with
//     "go test -json"; a changed go.mod or go.sum selects the whole
//     module;
//   - Python: the test modules that import a changed module (or its
//     package, or are named test_<module>.py or <module>_test.py), run
//     with pytest by file when the interpreter has pytest, else with
//     unittest by dotted module name.
//
// Other languages need a user command or an [Explorer].
type Deterministic struct{}

// Discover implements [Discoverer].
func (Deterministic) Discover(ctx context.Context, req Request) ([]Suite, error) {
	if strings.TrimSpace(req.Command) != "" {
		return []Suite{{Kind: Command, Shell: req.Command}}, nil
	}
	goSuites, goErr := discoverGo(ctx, req)
	pySuites, pyErr := discoverPython(ctx, req)
	suites := merge(goSuites, pySuites)
	if err := errors.Join(goErr, pyErr); err != nil && len(suites) == 0 {
		return nil, err
	}
	return suites, nil
}

// changedFiles returns the files patches change, old and new paths,
// sorted and without repeats. Patches that do not parse are skipped:
// their run reports that they do not apply.
func changedFiles(patches []string) []string {
	var files []string
	for _, p := range patches {
		parsed, _, err := gitdiff.Parse(strings.NewReader(p))
		if err != nil {
			continue
		}
		for _, f := range parsed {
			for _, name := range []string{f.OldName, f.NewName} {
				if name != "" && insideRepo(name) {
					files = append(files, name)
				}
			}
		}
	}
	slices.Sort(files)
	return slices.Compact(files)
}

// command runs a discovery command (go list, python -c) in dir with a
// time limit and returns its standard output; its own process group is
// killed on timeout.
func command(ctx context.Context, dir string, limit time.Duration, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = tools.ScrubEnv(os.Environ(), nil)
	cmd.WaitDelay = 5 * time.Second
	var stderr strings.Builder
	cmd.Stderr = &limitedWriter{w: &stderr, n: 8 << 10}
	out, err := cmd.Output()
	if err != nil {
		if ctxErr := context.Cause(ctx); ctxErr != nil {
			return nil, fmt.Errorf("tester: %s: %w", name, ctxErr)
		}
		return out, fmt.Errorf("tester: %s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// limitedWriter keeps the first n bytes written to w.
type limitedWriter struct {
	w interface{ WriteString(string) (int, error) }
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.WriteString(string(p[:k]))
		l.n -= k
	}
	return len(p), nil
}
