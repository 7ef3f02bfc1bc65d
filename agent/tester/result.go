package tester

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Outcome is how one test ended.
type Outcome string

const (
	Pass Outcome = "pass"
	// Fail is a failure or an error: an assertion, a crash, a test that
	// could not be collected, a run cut short while the test ran, or a
	// test expected to fail that passed.
	Fail Outcome = "fail"
	// Skip is a test that did not run to a verdict: skipped, or expected
	// to fail and failing. A skipped test is never kept as a regression
	// test.
	Skip Outcome = "skip"
	// Missing is a test that passed on the original code and did not run
	// with a candidate; only a [Verdict]'s regressions hold it.
	Missing Outcome = "missing"
)

// rank orders outcomes when one test is reported twice: a failure
// anywhere is a failure.
func (o Outcome) rank() int {
	switch o {
	case Fail:
		return 2
	case Pass:
		return 1
	}
	return 0
}

// Test is one test's result in a run.
type Test struct {
	// Name identifies the test across runs: "pkg/path.TestName/sub" for
	// Go (the package path alone for the package's own result: it fails
	// when the package does not build), "module.Class.method" for Python
	// and for JUnit reports "classname.name".
	Name    string  `json:"name"`
	Outcome Outcome `json:"outcome"`
	// Log is the end of what the test printed or its report says about a
	// failure, at most [MaxLog] bytes.
	Log string `json:"log,omitempty"`
}

// Bounds on what a test run may make the tester hold in memory: its
// output is untrusted.
const (
	// MaxLog is the most of a test's log kept: the tail.
	MaxLog = 4 << 10
	// MaxTests is the most tests one run may report.
	MaxTests = 1 << 20
	// maxName is the longest test name kept; longer names are cut.
	maxName = 1 << 10
	// maxLine is the longest line of output read whole; longer lines
	// are cut.
	maxLine = 1 << 20
)

// ErrTooManyTests is wrapped by a parser's error when a run reports more
// than [MaxTests] tests.
var ErrTooManyTests = errors.New("tester: more than 1,048,576 tests in one run")

// tests collects the tests of a run in the order first seen, merging a
// test reported twice: the worse outcome wins and the logs join.
type tests struct {
	list  []Test
	index map[string]int
	err   error
}

func (ts *tests) add(name string, o Outcome, log string) {
	if ts.index == nil {
		ts.index = map[string]int{}
	}
	name = clip(name, maxName)
	i, ok := ts.index[name]
	if !ok {
		if len(ts.list) >= MaxTests {
			ts.err = ErrTooManyTests
			return
		}
		ts.index[name] = len(ts.list)
		ts.list = append(ts.list, Test{Name: name, Outcome: o, Log: tailOf(log)})
		return
	}
	t := &ts.list[i]
	if o.rank() > t.Outcome.rank() {
		t.Outcome = o
	}
	if log != "" && !strings.Contains(t.Log, log) {
		t.Log = tailOf(strings.TrimSpace(t.Log + "\n" + log))
	}
}

// result returns the tests and the first error met.
func (ts *tests) result(err error) ([]Test, error) {
	return ts.list, errors.Join(ts.err, err)
}

// tail keeps the last MaxLog bytes written to it.
type tail struct{ b []byte }

func (t *tail) WriteString(s string) {
	if len(s) >= MaxLog {
		t.b = append(t.b[:0], s[len(s)-MaxLog:]...)
		return
	}
	if over := len(t.b) + len(s) - MaxLog; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	t.b = append(t.b, s...)
}

func (t *tail) String() string { return validUTF8(string(t.b)) }

// tailOf returns the last MaxLog bytes of s, cut at a rune boundary.
func tailOf(s string) string {
	if len(s) <= MaxLog {
		return validUTF8(s)
	}
	return validUTF8(s[len(s)-MaxLog:])
}

// clip cuts s to n bytes at a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return validUTF8(s)
	}
	return validUTF8(s[:n])
}

// validUTF8 drops broken runes at either end (a cut) and replaces any
// other invalid byte.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	for len(s) > 0 {
		if r, n := utf8.DecodeRuneInString(s); r != utf8.RuneError || n != 1 {
			break
		}
		s = s[1:]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// lines calls fn with each line of r, without its line ending; a line
// longer than maxLine is cut there and the rest of it skipped.
func lines(r io.Reader, fn func(line string)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	for {
		chunk, err := br.ReadSlice('\n')
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			if len(long) < maxLine {
				long = append(long, chunk[:min(len(chunk), maxLine-len(long))]...)
			}
			continue
		case len(long) > 0:
			if len(long) < maxLine {
				long = append(long, chunk[:min(len(chunk), maxLine-len(long))]...)
			}
			fn(strings.TrimRight(string(long), "\r\n"))
			long = long[:0]
		case len(chunk) > 0:
			fn(strings.TrimRight(string(chunk), "\r\n"))
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("tester: reading test output: %w", err)
		}
	}
}
