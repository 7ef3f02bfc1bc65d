package tester

import (
	"io"
	"regexp"
	"strings"
)

var (
	// utHeader is a test as unittest's verbose runner names it, at the
	// end of a text: "test_x (pkg.mod.Class.test_x)" (Python 3.11 and
	// later) or "test_x (pkg.mod.Class)", with a subtest's parameters
	// after it.
	utHeader = regexp.MustCompile(`(^|\s)(\w+) \(([A-Za-z_][\w.]*)\)( \(.*\)| \[.*\])?$`)
	// utOutcome is a verdict at the end of a text, after whatever the
	// test itself printed on that line.
	utOutcome = regexp.MustCompile(`(?:^|\s)(ok|FAIL|ERROR|expected failure|unexpected success|skipped\b.*)$`)
	// utBlock starts a failure's report: "FAIL: test_x (pkg.mod.Class.test_x)".
	utBlock = regexp.MustCompile(`^(FAIL|ERROR|UNEXPECTED SUCCESS): (\w+) \(([A-Za-z_][\w.]*)\)`)
)

// unittestID returns the dotted id of a test from its method name and
// what its verbose line shows in parentheses.
func unittestID(method, paren string) string {
	if strings.HasSuffix(paren, "."+method) {
		return paren
	}
	return paren + "." + method
}

// ParseUnittest reads the output of Python's unittest run verbosely
// ("python -m unittest -v", which writes to stderr) and returns each
// test's outcome by its dotted id ("pkg.mod.Class.test_x"), in the order
// run, with the traceback of each failure as its log. It reads the
// formats of Python 3.8 to 3.13: docstrings on their own line, output a
// test printed before its verdict, subtests (a failing subtest fails its
// test), and a module that fails to import (a test of
// unittest.loader._FailedTest). An expected failure is skipped; an
// unexpected success fails.
func ParseUnittest(r io.Reader) ([]Test, error) {
	var ts tests
	outcome := map[string]Outcome{}
	logs := map[string]*tail{}
	var order []string
	open := "" // the test whose verdict is awaited
	set := func(id string, o Outcome) {
		if _, ok := outcome[id]; !ok {
			order = append(order, id)
		}
		if o.rank() >= outcome[id].rank() {
			outcome[id] = o
		}
	}
	start := func(method, paren string) {
		open = unittestID(method, paren)
		if _, ok := outcome[open]; !ok && len(order) < MaxTests {
			order = append(order, open)
			outcome[open] = ""
		}
	}
	verdict := func(text string) bool {
		m := utOutcome.FindStringSubmatch(strings.TrimSpace(text))
		if m == nil || open == "" {
			return false
		}
		set(open, verdictOf(m[1]))
		open = ""
		return true
	}
	inReports := false // past the verbose lines, in the failure reports
	var block *tail
	sep := strings.Repeat("=", 70)
	err := lines(r, func(line string) {
		if line == sep {
			inReports, block = true, nil
			return
		}
		if inReports {
			if m := utBlock.FindStringSubmatch(line); m != nil && block == nil {
				id := unittestID(m[2], m[3])
				set(id, Fail)
				if logs[id] == nil {
					logs[id] = &tail{}
				}
				block = logs[id]
				block.WriteString(line + "\n")
				return
			}
			if strings.HasPrefix(line, "Ran ") && strings.Contains(line, " test") {
				block = nil
			}
			if block != nil && line != strings.Repeat("-", 70) {
				block.WriteString(line + "\n")
			}
			return
		}
		if strings.HasPrefix(line, "Ran ") && strings.Contains(line, " test") {
			inReports = true
			return
		}
		// A subtest's failure, indented under its test (3.11+).
		if trimmed := strings.TrimLeft(line, " "); len(trimmed) < len(line) {
			seg := strings.Split(trimmed, " ... ")
			if len(seg) == 2 {
				if m := utHeader.FindStringSubmatch(seg[0]); m != nil && m[4] != "" {
					if o := utOutcome.FindStringSubmatch(seg[1]); o != nil && verdictOf(o[1]) == Fail {
						set(unittestID(m[2], m[3]), Fail)
					}
					return
				}
			}
		}
		segs := strings.Split(line, " ... ")
		if len(segs) == 1 {
			if m := utHeader.FindStringSubmatch(line); m != nil && m[1] == "" && m[4] == "" {
				start(m[2], m[3]) // its docstring and verdict follow on the next line
				return
			}
			verdict(line) // a verdict after output the test printed on lines of its own
			return
		}
		for i, seg := range segs {
			last := i == len(segs)-1
			if i > 0 {
				if last {
					verdict(seg)
					break
				}
				// The verdict, then the next test: "ok test_y (m.C.test_y)";
				// in 3.8 a test whose subtest failed has no verdict here.
				m := utHeader.FindStringSubmatchIndex(seg)
				if m == nil {
					continue
				}
				verdict(seg[:m[0]])
				start(seg[m[4]:m[5]], seg[m[6]:m[7]])
				continue
			}
			if m := utHeader.FindStringSubmatch(seg); m != nil {
				start(m[2], m[3])
			}
			// Otherwise seg is the docstring of the open test.
		}
	})
	for _, id := range order {
		o := outcome[id]
		if o == "" {
			continue // no verdict: the run ended before it
		}
		log := ""
		if l := logs[id]; l != nil && o == Fail {
			log = strings.TrimSpace(l.String())
		}
		ts.add(id, o, log)
	}
	return ts.result(err)
}

func verdictOf(word string) Outcome {
	switch {
	case word == "ok":
		return Pass
	case word == "expected failure" || strings.HasPrefix(word, "skipped"):
		return Skip
	}
	return Fail
}
