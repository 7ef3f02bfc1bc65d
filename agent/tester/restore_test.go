package tester_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/selector"
)

// A plan written as JSON and restored checks candidates as the original
// did, without discovery or a baseline: the command counts its runs.
func TestRestore(t *testing.T) {
	repo, _ := gittest.Repo(t, map[string]string{"value.txt": "1\n"})
	runs := t.TempDir() + "/runs"
	command := `echo run >> ` + runs + `; test "$(cat value.txt)" = 1`
	tst := &tester.Tester{Repo: repo, WorktreeDir: t.TempDir(), Command: command}
	plan, err := tst.Plan(t.Context(), "", nil)
	require.NoError(t, err)
	saved, err := json.Marshal(plan)
	require.NoError(t, err)

	var read tester.Plan
	require.NoError(t, json.Unmarshal(saved, &read))
	restored, err := tst.Restore(&read)
	require.NoError(t, err)
	assert.Equal(t, plan.Baseline, restored.Baseline)
	assert.Equal(t, plan.Suites, restored.Suites)

	breaker := selector.Candidate{ID: "breaker", Patch: patchOf(t, repo, map[string]string{"value.txt": "2\n"})}
	results := restored.Check(t.Context(), []selector.Candidate{breaker})
	require.Len(t, results[0].Regressions, 1)
	assert.Equal(t, 3, strings.Count(readFile(t, runs), "run"), "two baseline runs, then the candidate's only")

	got, err := restored.TestResults(results[0])
	require.NoError(t, err)
	want, err := restored.RunTests(t.Context(), breaker.Patch)
	require.NoError(t, err)
	assert.Equal(t, want, got, "a kept result answers as RunTests does")
	assert.Equal(t, selector.TestResults{"command: " + command: false}, got)
	original, err := restored.RunTests(t.Context(), "")
	require.NoError(t, err)
	assert.Equal(t, selector.TestResults{"command: " + command: true}, original)

	_, err = restored.TestResults(tester.Result{ID: "x", Error: "the patch does not apply"})
	assert.EqualError(t, err, "the patch does not apply")
	_, err = tst.Restore(nil)
	assert.Error(t, err)
	_, err = tst.Restore(&tester.Plan{Suites: []tester.Suite{{Kind: "cobol"}}})
	assert.ErrorContains(t, err, "tester: Restore:")
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}
