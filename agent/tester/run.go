package tester

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/conclave-dev/conclave/internal/proc"
	"github.com/conclave-dev/conclave/tools"
)

// maxStream is how much of each output stream of a test command is kept
// (on disk, not in memory); the rest is dropped.
const maxStream = 64 << 20

// ReportDirEnv names the environment variable holding the directory where
// a Command suite may write JUnit XML reports.
const ReportDirEnv = "CONCLAVE_JUNIT_DIR"

// runner runs suites in trees.
type runner struct {
	python    string
	workspace func(dir string) (tools.Workspace, error)
}

// run runs s in the tree at root and returns the tests s counts. An error
// means the suite gave no usable result: it could not start, it was
// stopped (ctx), or it ran no test and failed.
func (r *runner) run(ctx context.Context, root string, s Suite) ([]Test, error) {
	ws, err := r.workspace(root)
	if err != nil {
		return nil, fmt.Errorf("tester: workspace for %s: %w", root, err)
	}
	reports, err := os.MkdirTemp(root, ".conclave-reports-")
	if err != nil {
		return nil, fmt.Errorf("tester: %w", err)
	}
	defer os.RemoveAll(reports)
	// The command sees the tree at ws.Root(), which may differ from root
	// (a container): name the report directory as it sees it.
	seenReports := path.Join(filepath.ToSlash(ws.Root()), filepath.Base(reports))
	stdout, err := newStream()
	if err != nil {
		return nil, err
	}
	defer stdout.close()
	stderr, err := newStream()
	if err != nil {
		return nil, err
	}
	defer stderr.close()

	name, args := r.commandLine(s, seenReports)
	env := []string{"PYTHONDONTWRITEBYTECODE=1", ReportDirEnv + "=" + seenReports}
	if s.Kind == Pytest || s.Kind == Unittest {
		env = append(env, "PYTHONPATH="+pythonPath(ws.Root(), s.PythonPath))
	}
	cmd := ws.Command(ctx, env, name, args...) // its environment is scrubbed of credentials
	cmd.Stdin = nil
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	sess, err := proc.Start(cmd)
	if err != nil {
		return nil, fmt.Errorf("tester: starting %s: %w", s, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var runErr error
	select {
	case runErr = <-done:
	case <-ctx.Done():
		sess.Kill()
		runErr = <-done
	}
	// What the tests left running (a server, a stray child) ends too.
	sess.Kill()
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("tester: %s stopped after %s: %w", s, time.Since(start).Round(time.Second), err)
	}
	var exit *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exit) {
		return nil, fmt.Errorf("tester: running %s: %w", s, runErr)
	}

	ts, parseErr := r.results(s, root, reports, stdout, stderr, cmd.ProcessState.ExitCode())
	if len(ts) == 0 && (runErr != nil || parseErr != nil) {
		why := errors.Join(runErr, parseErr)
		return nil, fmt.Errorf("tester: %s ran no test (%v); its output ends with:\n%s", s, why, outputTail(stdout, stderr))
	}
	kept := ts[:0]
	for _, t := range ts {
		if s.counts(t.Name) {
			kept = append(kept, t)
		}
	}
	return kept, nil
}

// commandLine returns the program and arguments that run s; reports is
// where a report may be written, as the command sees it.
func (r *runner) commandLine(s Suite, reports string) (string, []string) {
	var args []string
	switch s.Kind {
	case GoTest:
		if s.Dir != "" {
			args = append(args, "-C", s.Dir)
		}
		args = append(args, "test", "-json", "-count=1")
		return "go", append(args, s.Targets...) // Validate refused targets like options
	case Pytest:
		args = []string{"-m", "pytest", "-p", "no:cacheprovider", "-q", "--continue-on-collection-errors",
			"-o", "junit_family=xunit2", "--junitxml=" + path.Join(reports, "pytest.xml"), "--"}
		return inDir(s.Dir, r.python, append(args, s.Targets...))
	case Unittest:
		return inDir(s.Dir, r.python, append([]string{"-m", "unittest", "-v"}, s.Targets...))
	}
	return inDir(s.Dir, "sh", []string{"-c", s.Shell})
}

// inDir runs name with args in dir, relative to the workspace root.
func inDir(dir, name string, args []string) (string, []string) {
	if dir == "" {
		return name, args
	}
	return "sh", append([]string{"-c", `cd "$1" && shift && exec "$@"`, "sh", dir, name}, args...)
}

// pythonPath returns PYTHONPATH with dirs (relative to root) first, then
// the one the environment had.
func pythonPath(root string, dirs []string) string {
	var parts []string
	for _, d := range dirs {
		parts = append(parts, path.Join(filepath.ToSlash(root), d))
	}
	if old := os.Getenv("PYTHONPATH"); old != "" {
		parts = append(parts, old)
	}
	return strings.Join(parts, string(os.PathListSeparator))
}

// results reads the tests of a finished run of s.
func (r *runner) results(s Suite, root, reports string, stdout, stderr *stream, exitCode int) ([]Test, error) {
	switch s.Kind {
	case GoTest:
		return stdout.parse(ParseGoTest)
	case Unittest:
		return stderr.parse(ParseUnittest)
	case Pytest:
		return parseReports([]string{filepath.Join(reports, "pytest.xml")})
	}
	var ts tests
	var errs []error
	add := func(list []Test, err error) {
		errs = append(errs, err)
		for _, t := range list {
			ts.add(t.Name, t.Outcome, t.Log)
		}
	}
	add(stdout.parse(ParseGoTest))
	add(stderr.parse(ParseGoTest))
	add(stderr.parse(ParseUnittest))
	dir := filepath.Join(root, filepath.FromSlash(s.Dir))
	var files []string
	for _, pattern := range []string{
		filepath.Join(reports, "*.xml"),
		filepath.Join(dir, "target", "surefire-reports", "TEST-*.xml"),
		filepath.Join(dir, "build", "test-results", "*", "TEST-*.xml"),
	} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	add(parseReports(files))
	if len(ts.list) == 0 {
		if exitCode == 126 || exitCode == 127 {
			return nil, fmt.Errorf("tester: the shell could not run the command (status %d)", exitCode)
		}
		// Nothing to read: the command is one test, passing when it exits 0.
		o := Pass
		log := ""
		if exitCode != 0 {
			o, log = Fail, outputTail(stdout, stderr)
		}
		return []Test{{Name: "command: " + clip(s.Shell, 200), Outcome: o, Log: log}}, nil
	}
	return ts.result(errors.Join(errs...))
}

// parseReports reads JUnit XML files, merging their tests.
func parseReports(files []string) ([]Test, error) {
	var ts tests
	var errs []error
	for _, f := range files {
		file, err := os.Open(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("tester: the JUnit report: %w", err))
			continue
		}
		list, err := ParseJUnit(file)
		file.Close()
		errs = append(errs, err)
		for _, t := range list {
			ts.add(t.Name, t.Outcome, t.Log)
		}
	}
	return ts.result(errors.Join(errs...))
}

// stream is one output stream of a test command, kept in a temporary file
// up to maxStream bytes.
type stream struct {
	f *os.File
	n int64
}

func newStream() (*stream, error) {
	f, err := os.CreateTemp("", "conclave-test-output-")
	if err != nil {
		return nil, fmt.Errorf("tester: %w", err)
	}
	return &stream{f: f}, nil
}

// Write keeps the first maxStream bytes and drops the rest, never
// failing, so the command is never stopped by a full pipe.
func (s *stream) Write(p []byte) (int, error) {
	if room := maxStream - s.n; room > 0 {
		n, err := s.f.Write(p[:min(int64(len(p)), room)])
		s.n += int64(n)
		if err != nil {
			return len(p), nil // a full disk loses output, not the run
		}
	}
	return len(p), nil
}

func (s *stream) parse(parse func(io.Reader) ([]Test, error)) ([]Test, error) {
	return parse(io.NewSectionReader(s.f, 0, s.n))
}

// tail returns the last n bytes written.
func (s *stream) tail(n int64) string {
	off := max(0, s.n-n)
	buf := make([]byte, s.n-off)
	k, _ := s.f.ReadAt(buf, off)
	return validUTF8(string(buf[:k]))
}

func (s *stream) close() {
	s.f.Close()
	os.Remove(s.f.Name())
}

// outputTail is the end of a command's output, stdout then stderr.
func outputTail(stdout, stderr *stream) string {
	out := strings.TrimSpace(stdout.tail(MaxLog / 2))
	if e := strings.TrimSpace(stderr.tail(MaxLog / 2)); e != "" {
		out = strings.TrimSpace(out + "\n[stderr]\n" + e)
	}
	return out
}
