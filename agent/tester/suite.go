package tester

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Kind is how a [Suite] runs and how its results are read.
type Kind string

const (
	// GoTest runs "go test -json -count=1" on Go packages (Targets:
	// import paths or ./relative patterns) in the module at Dir.
	GoTest Kind = "go"
	// Pytest runs "python -m pytest" with a JUnit report on Targets,
	// test files or node ids relative to the repository root.
	Pytest Kind = "pytest"
	// Unittest runs "python -m unittest -v" on Targets, dotted test
	// modules, classes or methods.
	Unittest Kind = "unittest"
	// Command runs Shell with sh -c in Dir. Its results are read from
	// its output when it is "go test -json" or unittest's verbose text,
	// and from the JUnit reports it writes to $CONCLAVE_JUNIT_DIR,
	// target/surefire-reports or build/test-results; a command with
	// none of these is one test, named after it, that passes when it
	// exits with status 0 (status 126 or 127, a command the shell cannot
	// run, is an error).
	Command Kind = "command"
)

// Suite is one test command the tester runs on the original code and on
// every candidate, each time in a fresh worktree.
type Suite struct {
	Kind Kind `json:"kind"`
	// Dir is where it runs, a slash path relative to the repository
	// root; "" is the root. For GoTest, the module's directory.
	Dir     string   `json:"dir,omitempty"`
	Targets []string `json:"targets,omitempty"`
	// Shell is the command line of a Command suite.
	Shell string `json:"shell,omitempty"`
	// PythonPath are directories, relative to the repository root, put
	// first on the import path of Pytest and Unittest suites.
	PythonPath []string `json:"python_path,omitempty"`
	// Tests, when not empty, are the only results of the suite that
	// count, by name as [Test] names them (a pytest node id such as
	// "tests/test_a.py::TestA::test_b" is also understood); a name also
	// selects its subtests and parametrisations.
	Tests []string `json:"tests,omitempty"`
}

// Validate checks that s can run: a known kind, paths inside the
// repository, targets that cannot pass for options, a command line for
// Command alone.
func (s Suite) Validate() error {
	switch s.Kind {
	case GoTest, Pytest, Unittest:
		if s.Shell != "" {
			return fmt.Errorf("tester: a %s suite takes targets, not a shell command; use kind %q for a command line", s.Kind, Command)
		}
		if len(s.Targets) == 0 {
			return fmt.Errorf("tester: a %s suite needs targets: the packages, files or tests to run", s.Kind)
		}
	case Command:
		if strings.TrimSpace(s.Shell) == "" {
			return fmt.Errorf("tester: a command suite needs shell, the command line to run")
		}
		if len(s.Targets) > 0 {
			return fmt.Errorf("tester: a command suite takes its targets in shell, not in targets")
		}
	default:
		return fmt.Errorf("tester: unknown suite kind %q; use go, pytest, unittest or command", s.Kind)
	}
	for _, d := range append([]string{s.Dir}, s.PythonPath...) {
		if !insideRepo(d) {
			return fmt.Errorf("tester: directory %q is not a relative path inside the repository", d)
		}
	}
	for _, t := range s.Targets {
		if t == "" || strings.HasPrefix(t, "-") || strings.ContainsAny(t, "\x00\n") {
			return fmt.Errorf("tester: target %q is not a package, file or test name", t)
		}
	}
	return nil
}

// insideRepo reports whether d is "" or a clean relative slash path that
// stays inside the repository.
func insideRepo(d string) bool {
	return d == "" || d == path.Clean(d) && !path.IsAbs(d) && d != ".." && !strings.HasPrefix(d, "../") && !strings.Contains(d, "\\")
}

// String is the suite as a command line, for people reading a report.
func (s Suite) String() string {
	var b strings.Builder
	if s.Dir != "" {
		fmt.Fprintf(&b, "(in %s) ", s.Dir)
	}
	switch s.Kind {
	case GoTest:
		b.WriteString("go test -json -count=1 ")
	case Pytest:
		b.WriteString("python -m pytest ")
	case Unittest:
		b.WriteString("python -m unittest -v ")
	case Command:
		b.WriteString(s.Shell)
	}
	b.WriteString(strings.Join(s.Targets, " "))
	return strings.TrimSpace(b.String())
}

// key identifies a suite's command, to merge equal suites found twice.
func (s Suite) key() string {
	return fmt.Sprintf("%s\x00%s\x00%s\x00%q\x00%q", s.Kind, s.Dir, s.Shell, s.Targets, s.PythonPath)
}

// counts reports whether the result named name is one the suite keeps.
func (s Suite) counts(name string) bool {
	if len(s.Tests) == 0 {
		return true
	}
	for _, t := range s.Tests {
		t = dottedNodeID(t)
		if name == t || strings.HasPrefix(name, t) && len(name) > len(t) && strings.ContainsRune("/[", rune(name[len(t)])) {
			return true
		}
	}
	return false
}

// dottedNodeID turns a pytest node id ("tests/test_a.py::TestA::test_b")
// into the dotted name the JUnit report gives the test
// ("tests.test_a.TestA.test_b"); other names are returned as they are.
func dottedNodeID(id string) string {
	file, rest, ok := strings.Cut(id, "::")
	if !ok || !strings.HasSuffix(file, ".py") {
		return id
	}
	mod := strings.ReplaceAll(strings.TrimSuffix(file, ".py"), "/", ".")
	return mod + "." + strings.ReplaceAll(rest, "::", ".")
}

// merge returns the union of suites, equal ones merged: a merged suite
// keeps every test any of them counted, or all when one counts all.
func merge(groups ...[]Suite) []Suite {
	var out []Suite
	index := map[string]int{}
	for _, g := range groups {
		for _, s := range g {
			k := s.key()
			i, ok := index[k]
			if !ok {
				index[k] = len(out)
				s.Tests = slices.Clone(s.Tests)
				out = append(out, s)
				continue
			}
			switch {
			case len(out[i].Tests) == 0:
			case len(s.Tests) == 0:
				out[i].Tests = nil
			default:
				for _, t := range s.Tests {
					if !slices.Contains(out[i].Tests, t) {
						out[i].Tests = append(out[i].Tests, t)
					}
				}
			}
		}
	}
	return out
}
