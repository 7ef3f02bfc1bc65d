package tester

import (
	"encoding/json"
	"io"
	"strings"
)

// goEvent is one line of "go test -json" (cmd/test2json) output.
type goEvent struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // build-output and build-fail events
}

// goPackage is what the events of one package told so far.
type goPackage struct {
	log     tail               // package-level and build output
	logs    map[string]*tail   // each test's output
	order   []string           // tests in the order they started
	verdict map[string]Outcome // tests with a verdict
	done    bool               // the package has its own verdict
	outcome Outcome            // that verdict
}

// ParseGoTest reads the output of "go test -json" and returns each test's
// outcome with the tail of its output, in the order the tests started.
// Tests are named "<package>.<Test>" (subtests "<package>.<Test>/<sub>");
// each package also has an entry of its own, named by its path, that
// passes when the package built and all its tests passed and fails when
// it did not build or a test failed. A package with no test files is
// skipped. A test still running when its package failed (a panic, a
// timeout, os.Exit) fails; one still running when the output ends (the
// run was killed) is left out, as is a package with no verdict.
//
// Lines that are not JSON events (compiler output on a shared stream) are
// skipped. The output is untrusted: lines, names and logs are bounded (see
// [MaxLog], [MaxTests]).
func ParseGoTest(r io.Reader) ([]Test, error) {
	pkgs := map[string]*goPackage{}
	var order []string // packages in the order first seen
	get := func(path string) *goPackage {
		p, ok := pkgs[path]
		if !ok {
			p = &goPackage{logs: map[string]*tail{}, verdict: map[string]Outcome{}}
			pkgs[path] = p
			order = append(order, path)
		}
		return p
	}
	var ts tests
	// track starts a test the first time it is seen.
	track := func(p *goPackage, name string) bool {
		if _, ok := p.logs[name]; !ok {
			if len(p.logs) >= MaxTests {
				return false
			}
			p.logs[name] = &tail{}
			p.order = append(p.order, name)
		}
		return true
	}
	err := lines(r, func(line string) {
		if !strings.HasPrefix(line, "{") {
			return
		}
		var e goEvent
		if json.Unmarshal([]byte(line), &e) != nil {
			return
		}
		if e.Package == "" && e.ImportPath != "" {
			// "pkg [pkg.test]" names the package whose build failed.
			path, _, _ := strings.Cut(e.ImportPath, " ")
			if e.Action == "build-output" {
				get(path).log.WriteString(e.Output)
			}
			return
		}
		if e.Package == "" {
			return
		}
		p := get(e.Package)
		if e.Test == "" {
			switch e.Action {
			case "output":
				p.log.WriteString(e.Output)
			case "pass", "fail", "skip":
				p.done, p.outcome = true, Outcome(e.Action)
			}
			return
		}
		name := clip(e.Test, maxName)
		switch e.Action {
		case "run":
			track(p, name)
		case "output":
			if l, ok := p.logs[name]; ok {
				l.WriteString(e.Output)
			}
		case "pass", "fail", "skip":
			if track(p, name) {
				p.verdict[name] = Outcome(e.Action)
			}
		}
	})
	for _, path := range order {
		p := pkgs[path]
		if !p.done {
			for _, name := range p.order {
				if o, ok := p.verdict[name]; ok {
					ts.add(path+"."+name, o, logFor(o, p.logs[name]))
				}
			}
			continue
		}
		pkgLog := ""
		if p.outcome == Fail {
			pkgLog = strings.TrimSpace(p.log.String())
		}
		ts.add(path, p.outcome, pkgLog)
		for _, name := range p.order {
			o, ok := p.verdict[name]
			if !ok {
				if p.outcome != Fail {
					continue
				}
				o = Fail // running when the package failed: it crashed or hung
			}
			log := logFor(o, p.logs[name])
			if !ok && log == "" {
				log = pkgLog
			}
			ts.add(path+"."+name, o, log)
		}
	}
	return ts.result(err)
}

// logFor returns a failed test's log; passing tests keep none.
func logFor(o Outcome, l *tail) string {
	if o != Fail || l == nil {
		return ""
	}
	return strings.TrimSpace(l.String())
}
