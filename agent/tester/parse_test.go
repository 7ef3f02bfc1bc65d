package tester_test

import (
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent/tester"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// outcomes maps each test's name to its outcome.
func outcomes(ts []tester.Test) map[string]tester.Outcome {
	m := map[string]tester.Outcome{}
	for _, t := range ts {
		m[t.Name] = t.Outcome
	}
	return m
}

func logOf(ts []tester.Test, name string) string {
	for _, t := range ts {
		if t.Name == name {
			return t.Log
		}
	}
	return ""
}

// golden compares got with testdata/name.golden.json, rewriting it with
// -update.
func golden(t *testing.T, name string, got []tester.Test) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden.json")
	data, err := json.MarshalIndent(got, "", "  ")
	require.NoError(t, err)
	data = append(data, '\n')
	if *update {
		require.NoError(t, os.WriteFile(path, data, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to write the golden file")
	assert.Equal(t, string(want), string(data))
}

// Each fixture under testdata is the real output of the tool named,
// made on this project's machines (see the test's comment).
func parseFile(t *testing.T, parse func(io.Reader) ([]tester.Test, error), name string) []tester.Test {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	require.NoError(t, err)
	defer f.Close()
	ts, err := parse(f)
	require.NoError(t, err)
	golden(t, strings.TrimSuffix(name, filepath.Ext(name)), ts)
	return ts
}

// go test -json -count=1 ./... (Go 1.26) on a module with passing,
// failing, skipped, parallel and table tests, a package that does not
// build, one without tests and one whose test panics.
func TestParseGoTestMixed(t *testing.T) {
	ts := parseFile(t, tester.ParseGoTest, "gotest-mixed.jsonl")
	const m = "example.com/sample/"
	assert.Equal(t, map[string]tester.Outcome{
		m + "broken":                      tester.Fail,
		m + "calc":                        tester.Fail,
		m + "calc.TestAdd":                tester.Pass,
		m + "calc.TestTable":              tester.Fail,
		m + "calc.TestTable/one_plus_one": tester.Pass,
		m + "calc.TestTable/wrong":        tester.Fail,
		m + "calc.TestSkipped":            tester.Skip,
		m + "calc.TestParallel":           tester.Pass,
		m + "notests":                     tester.Skip,
		m + "panics":                      tester.Fail,
		m + "panics.TestFine":             tester.Pass,
		m + "panics.TestBoom":             tester.Fail,
	}, outcomes(ts))
	assert.Contains(t, logOf(ts, m+"broken"), `cannot use "x" (untyped string constant) as int value`)
	assert.Contains(t, logOf(ts, m+"calc.TestTable/wrong"), "Add(1, 1) = 2, want 3")
	assert.Contains(t, logOf(ts, m+"panics.TestBoom"), "assignment to entry in nil map")
	assert.Empty(t, logOf(ts, m+"calc.TestAdd"), "a passing test keeps no log")
}

// go test -json -count=1 -timeout 2s on a test that hangs and one that
// calls os.Exit: neither gets a verdict event; both fail with their
// package.
func TestParseGoTestTimeoutAndExit(t *testing.T) {
	ts := parseFile(t, tester.ParseGoTest, "gotest-timeout-exit.jsonl")
	o := outcomes(ts)
	assert.Equal(t, tester.Pass, o["example.com/slow/slow.TestQuick"])
	assert.Equal(t, tester.Fail, o["example.com/slow/slow.TestHangs"])
	assert.Equal(t, tester.Fail, o["example.com/slow/exits.TestExits"])
	assert.Contains(t, logOf(ts, "example.com/slow/slow.TestHangs"), "panic: test timed out after 2s")
}

func TestParseGoTestCutShort(t *testing.T) {
	// A run killed mid-way: the running test and its package have no
	// verdict and are left out, so they count as missing, never as passing.
	out := `{"Action":"start","Package":"m/a"}
{"Action":"run","Package":"m/a","Test":"TestDone"}
{"Action":"pass","Package":"m/a","Test":"TestDone"}
{"Action":"run","Package":"m/a","Test":"TestRunning"}
not json at all
{"Action":"output","Package":"m/a","Test":"TestRunning","Output":"half`
	ts, err := tester.ParseGoTest(strings.NewReader(out))
	require.NoError(t, err)
	assert.Equal(t, []tester.Test{{Name: "m/a.TestDone", Outcome: tester.Pass}}, ts)
}

// python3 -m pytest --junitxml (pytest 7.2, default xunit2 family) with
// --continue-on-collection-errors, over unittest and pytest tests:
// parametrised, failing, skipped, xfail, a fixture error and a module
// that does not import.
func TestParseJUnitPytest(t *testing.T) {
	ts := parseFile(t, tester.ParseJUnit, "pytest-xunit2.xml")
	o := outcomes(ts)
	assert.Equal(t, tester.Fail, o["tests.test_broken"], "a collection error")
	assert.Equal(t, tester.Pass, o["tests.test_calc.TestCalc.test_add"])
	assert.Equal(t, tester.Fail, o["tests.test_calc.TestCalc.test_wrong"])
	assert.Equal(t, tester.Skip, o["tests.test_calc.TestCalc.test_expected"], "xfail")
	assert.Equal(t, tester.Fail, o["tests.test_calc.TestCalc.test_unexpected"])
	assert.Equal(t, tester.Pass, o["tests.test_py.test_param[1-1-2]"])
	assert.Equal(t, tester.Fail, o["tests.test_py.test_param[2-2-5]"])
	assert.Equal(t, tester.Fail, o["tests.test_py.test_fixture_error"])
	assert.Equal(t, tester.Pass, o["tests.test_py.TestK.test_method"])
	assert.Contains(t, logOf(ts, "tests.test_calc.TestCalc.test_wrong"), "AssertionError: 2 != 3")
	assert.Contains(t, logOf(ts, "tests.test_py.test_output"), `print("captured <stdout> & more")`)

	xunit1 := parseFile(t, tester.ParseJUnit, "pytest-xunit1.xml")
	assert.Equal(t, tester.Fail, outcomes(xunit1)["tests.test_py.test_param[2-2-5]"])
}

// mvn test with maven-surefire-plugin 2.22 and JUnit 4 (its properties
// block cut out): a pass, a failure, an error and an ignored test.
func TestParseJUnitSurefire(t *testing.T) {
	ts := parseFile(t, tester.ParseJUnit, "surefire.xml")
	assert.Equal(t, map[string]tester.Outcome{
		"calc.CalcTest.adds":        tester.Pass,
		"calc.CalcTest.wrong":       tester.Fail,
		"calc.CalcTest.throwsError": tester.Fail,
		"calc.CalcTest.ignored":     tester.Skip,
	}, outcomes(ts))
	assert.Contains(t, logOf(ts, "calc.CalcTest.wrong"), "expected:<3> but was:<2>")
}

// jest 29 with jest-junit 16: class name and name are both the full title.
func TestParseJUnitJest(t *testing.T) {
	ts := parseFile(t, tester.ParseJUnit, "jest-junit.xml")
	assert.Equal(t, map[string]tester.Outcome{
		"add adds small numbers":  tester.Pass,
		"add is wrong on purpose": tester.Fail,
		"add skipped one":         tester.Skip,
		"add nested throws":       tester.Fail,
	}, outcomes(ts))
	assert.Contains(t, logOf(ts, "add nested throws"), "Error: boom")
}

func TestParseJUnitBroken(t *testing.T) {
	cut := `<testsuites><testsuite><testcase classname="a" name="ok"/><testcase classname="a" name="bad"><failure message="m">trace`
	ts, err := tester.ParseJUnit(strings.NewReader(cut))
	require.Error(t, err)
	assert.Equal(t, map[string]tester.Outcome{"a.ok": tester.Pass, "a.bad": tester.Fail}, outcomes(ts))

	latin := "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><testsuite><testcase classname=\"caf\xe9\" name=\"t\"/></testsuite>"
	ts, err = tester.ParseJUnit(strings.NewReader(latin))
	require.NoError(t, err)
	assert.Equal(t, []tester.Test{{Name: "café.t", Outcome: tester.Pass}}, ts)
}

// python -m unittest -v, stderr, on Python 3.8, 3.11 and 3.13: the
// same tests, three layouts of the verbose lines.
func TestParseUnittest(t *testing.T) {
	want := map[string]tester.Outcome{
		"tests.test_calc.TestCalc.test_add":        tester.Pass,
		"tests.test_calc.TestCalc.test_doc":        tester.Pass,
		"tests.test_calc.TestCalc.test_error":      tester.Fail,
		"tests.test_calc.TestCalc.test_expected":   tester.Skip,
		"tests.test_calc.TestCalc.test_skipped":    tester.Skip,
		"tests.test_calc.TestCalc.test_sub":        tester.Fail,
		"tests.test_calc.TestCalc.test_unexpected": tester.Fail,
		"tests.test_calc.TestCalc.test_wrong":      tester.Fail,
		"tests.test_calc.TestOther.test_fine":      tester.Pass,
		"unittest.loader._FailedTest.test_broken":  tester.Fail,
	}
	for _, file := range []string{"unittest-py38.txt", "unittest-py311.txt", "unittest-py313.txt"} {
		t.Run(file, func(t *testing.T) {
			ts := parseFile(t, tester.ParseUnittest, file)
			assert.Equal(t, want, outcomes(ts))
			assert.Contains(t, logOf(ts, "tests.test_calc.TestCalc.test_wrong"), "AssertionError: 2 != 3")
			assert.Contains(t, logOf(ts, "unittest.loader._FailedTest.test_broken"), "No module named 'calc.missing'")
		})
	}
}

func TestParseUnittestInterleaved(t *testing.T) {
	// stdout and stderr on one stream: what a test prints splits its
	// verdict from its name; a run cut short leaves the last test out.
	out := "test_a (m.T.test_a) ... hello from the test\n" +
		"more output\n" +
		"ok\n" +
		"test_b (m.T.test_b) ... FAIL\n" +
		"test_c (m.T.test_c) ... "
	ts, err := tester.ParseUnittest(strings.NewReader(out))
	require.NoError(t, err)
	assert.Equal(t, []tester.Test{
		{Name: "m.T.test_a", Outcome: tester.Pass},
		{Name: "m.T.test_b", Outcome: tester.Fail},
	}, ts)
}
