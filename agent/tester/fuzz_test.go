package tester_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/conclave-dev/conclave/agent/tester"
)

// checkParsed holds for whatever a parser makes of any input: known
// outcomes, one entry per name, logs bounded and valid UTF-8.
func checkParsed(t *testing.T, ts []tester.Test) {
	t.Helper()
	seen := map[string]bool{}
	for _, x := range ts {
		switch x.Outcome {
		case tester.Pass, tester.Fail, tester.Skip:
		default:
			t.Fatalf("test %q has outcome %q", x.Name, x.Outcome)
		}
		if seen[x.Name] {
			t.Fatalf("test %q reported twice", x.Name)
		}
		seen[x.Name] = true
		if len(x.Log) > tester.MaxLog || !utf8.ValidString(x.Log) || !utf8.ValidString(x.Name) {
			t.Fatalf("test %q: log of %d bytes, or invalid UTF-8", x.Name, len(x.Log))
		}
		if x.Outcome != tester.Fail && x.Log != "" {
			t.Fatalf("test %q %s with a log", x.Name, x.Outcome)
		}
	}
}

func fuzzParser(f *testing.F, parse func(io.Reader) ([]tester.Test, error), seeds ...string) {
	for _, name := range seeds {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, _ := parse(bytes.NewReader(data))
		checkParsed(t, ts)
	})
}

func FuzzParseGoTest(f *testing.F) {
	f.Add([]byte(`{"Action":"fail","Package":"p","Test":"T"}` + "\n" + `{"Action":"fail","Package":"p"}`))
	fuzzParser(f, tester.ParseGoTest, "gotest-mixed.jsonl", "gotest-timeout-exit.jsonl")
}

func FuzzParseJUnit(f *testing.F) {
	f.Add([]byte(`<testsuite><testcase name="a"><skipped/><failure/></testcase><testcase name="a"/></testsuite>`))
	fuzzParser(f, tester.ParseJUnit, "pytest-xunit2.xml", "surefire.xml", "jest-junit.xml")
}

func FuzzParseUnittest(f *testing.F) {
	f.Add([]byte("a (m.C.a) ... b (m.C.b) ... ok\n" + "======================================================================\nFAIL: a (m.C.a)\n"))
	fuzzParser(f, tester.ParseUnittest, "unittest-py38.txt", "unittest-py311.txt", "unittest-py313.txt")
}
