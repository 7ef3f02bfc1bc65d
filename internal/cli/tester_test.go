package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/internal/gitx"
)

// testerRepo is a Go module whose Sum is used by a second package.
var testerRepo = map[string]string{
	"go.mod":            "module example.com/calc\n\ngo 1.22\n",
	"calc/calc.go":      "package calc\n\nfunc Sum(a, b int) int { return a + b }\n",
	"calc/calc_test.go": "package calc\n\nimport \"testing\"\n\nfunc TestSum(t *testing.T) {\n\tif Sum(2, 3) != 5 {\n\t\tt.Fatal(\"Sum(2, 3) is not 5\")\n\t}\n}\n",
	"app/app.go":        "package app\n\nimport \"example.com/calc/calc\"\n\nfunc Twice(a int) int { return calc.Sum(a, a) }\n",
	"app/app_test.go":   "package app\n\nimport \"testing\"\n\nfunc TestTwice(t *testing.T) {\n\tif Twice(2) != 4 {\n\t\tt.Fatal(\"Twice(2) is not 4\")\n\t}\n}\n",
}

func newTesterRepo(t *testing.T) string {
	t.Helper()
	dir, _ := gittest.Repo(t, testerRepo)
	return dir
}

func sumPatch(from, to string) string {
	return "diff --git a/calc/calc.go b/calc/calc.go\n--- a/calc/calc.go\n+++ b/calc/calc.go\n@@ -1,3 +1,3 @@\n package calc\n \n" +
		"-func Sum(a, b int) int { return " + from + " }\n+func Sum(a, b int) int { return " + to + " }\n"
}

func TestTesterCommand(t *testing.T) {
	repo := newTesterRepo(t)
	status := func() string {
		out, err := gitx.Git(t.Context(), repo, "status", "--porcelain", "--untracked-files=all")
		require.NoError(t, err)
		stash, err := gitx.Git(t.Context(), repo, "stash", "list")
		require.NoError(t, err)
		list, err := gitx.Git(t.Context(), repo, "worktree", "list")
		require.NoError(t, err)
		return out + stash + list
	}
	before := status()
	patches := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(patches, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		return p
	}
	same := write("same.diff", sumPatch("a + b", "b + a"))
	breaker := write("breaker.patch", sumPatch("a + b", "a - b"))
	stale := write("stale.diff", sumPatch("a - b", "a + b"))
	worktrees := t.TempDir()

	code, out, errOut := run(t, "tester", "--repo", repo, "--worktree-dir", worktrees, "--patch", same, breaker, stale, "--json")
	require.Equal(t, 0, code, errOut)
	var got testerJSON
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assert.Equal(t, 4, got.Baseline.Run)
	assert.Equal(t, 4, got.Baseline.Passed)
	assert.Equal(t, []string{}, got.Baseline.Flaky)
	require.Len(t, got.Candidates, 3)
	assert.Equal(t, testerCandidateJSON{ID: "same", Kept: true, Regressions: []string{}}, got.Candidates[0])
	assert.Equal(t, testerCandidateJSON{ID: "breaker", Regressions: []string{
		"example.com/calc/app", "example.com/calc/app.TestTwice", "example.com/calc/calc", "example.com/calc/calc.TestSum",
	}}, got.Candidates[1])
	assert.Equal(t, "stale", got.Candidates[2].ID)
	assert.False(t, got.Candidates[2].Kept)
	assert.Contains(t, got.Candidates[2].Error, "the patch does not apply")
	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &raw))
	assert.ElementsMatch(t, []string{"id", "kept", "regressions", "error"}, keys(raw["candidates"].([]any)[0].(map[string]any)))

	code, out, errOut = run(t, "tester", "--repo", repo, "--worktree-dir", worktrees, "--patch", same, "--patch", breaker)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "go test -json -count=1 example.com/calc/app example.com/calc/calc")
	assert.Contains(t, out, "baseline: 4 tests ran, 4 passed twice, 0 flaky")
	assert.Contains(t, out, "same: kept")
	assert.Contains(t, out, "breaker: dropped: 4 regressions")
	assert.Contains(t, out, "example.com/calc/calc.TestSum (fail): calc_test.go:7: Sum(2, 3) is not 5")

	assert.Equal(t, before, status(), "the repository is as it was")
	entries, err := os.ReadDir(worktrees)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestTesterCommandUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"tester", "--repo", "."}, "give at least one --patch FILE"},
		{[]string{"tester", "stray"}, "unexpected arguments: stray"},
		{[]string{"tester", "--patch", "a/x.diff", "b/x.patch"}, `would both be named "x"`},
		{[]string{"tester", "--patch", "x.diff", "--timeout", "0s"}, "--timeout must be positive"},
	} {
		code, _, errOut := run(t, c.args...)
		assert.Equal(t, 2, code, strings.Join(c.args, " "))
		assert.Contains(t, errOut, c.want)
	}
	code, _, errOut := run(t, "tester", "--patch", filepath.Join(t.TempDir(), "missing.diff"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "reading the patch")
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
