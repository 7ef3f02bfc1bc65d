package tester_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/selector"
)

// goModule is a small Go module with a bug (Average of nothing divides by
// zero), the tests that pass on it and one that always fails, a package
// importing the buggy one, a package nothing touches, and a test that
// fails every other run in one tree (it keeps a marker file): flaky.
var goModule = map[string]string{
	"go.mod": "module example.com/stats\n\ngo 1.22\n",
	"stats/stats.go": `package stats

// Sum adds xs.
func Sum(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

// Average is the mean of xs.
func Average(xs []int) int { return Sum(xs) / len(xs) }
`,
	"stats/stats_test.go": `package stats

import "testing"

func TestSum(t *testing.T) {
	if Sum([]int{1, 2, 3}) != 6 {
		t.Fatal("Sum is wrong")
	}
}

func TestAverage(t *testing.T) {
	if got := Average([]int{2, 4}); got != 3 {
		t.Fatalf("Average = %d, want 3", got)
	}
}
`,
	"stats/flaky_test.go": `package stats

import (
	"os"
	"testing"
)

// TestFlaky fails when its marker is missing and passes when it is there,
// flipping it each time.
func TestFlaky(t *testing.T) {
	if _, err := os.Stat("flaky.marker"); err == nil {
		os.Remove("flaky.marker")
		return
	}
	os.WriteFile("flaky.marker", nil, 0o644)
	t.Fatal("flaked")
}

func TestKnownBroken(t *testing.T) { t.Fatal("broken before any patch") }
`,
	"report/report.go": `package report

import (
	"fmt"

	"example.com/stats/stats"
)

// Line reports the total of xs.
func Line(xs []int) string { return fmt.Sprintf("total %d", stats.Sum(xs)) }
`,
	"report/report_test.go": `package report

import "testing"

func TestLine(t *testing.T) {
	if got := Line([]int{1, 2}); got != "total 3" {
		t.Fatalf("Line = %q", got)
	}
}
`,
	"other/other.go":      "package other\n\nfunc Other() int { return 1 }\n",
	"other/other_test.go": "package other\n\nimport \"testing\"\n\nfunc TestOther(t *testing.T) {}\n",
	"stats/old.go":        "package stats\n\nfunc old() {}\n",
}

func TestTesterGoModule(t *testing.T) {
	repo, _ := gittest.Repo(t, goModule)
	before := repoState(t, repo)
	worktrees := t.TempDir()

	fix := patchOf(t, repo, map[string]string{
		"stats/stats.go": strings.Replace(goModule["stats/stats.go"],
			"func Average(xs []int) int { return Sum(xs) / len(xs) }",
			"func Average(xs []int) int {\n\tif len(xs) == 0 {\n\t\treturn 0\n\t}\n\treturn Sum(xs) / len(xs)\n}", 1),
		"stats/empty_test.go": "package stats\n\nimport \"testing\"\n\nfunc TestAverageEmpty(t *testing.T) {\n\tif Average(nil) != 0 {\n\t\tt.Fatal(\"want 0\")\n\t}\n}\n",
		"stats/old.go":        "",
	})
	breaker := patchOf(t, repo, map[string]string{
		"stats/stats.go": strings.Replace(goModule["stats/stats.go"], "s += x", "s += x * x", 1),
	})
	stale := strings.ReplaceAll(fix, "return Sum(xs) / len(xs) }", "return Sum(xs) / len(xs) + 0 }")
	hangs := patchOf(t, repo, map[string]string{
		"stats/stats.go": strings.Replace(goModule["stats/stats.go"], "s := 0\n", "s := 0\n\tfor len(xs) > 0 {\n\t}\n", 1),
	})
	candidates := []selector.Candidate{
		{ID: "fix", Patch: fix},
		{ID: "breaker", Patch: breaker},
		{ID: "stale", Patch: stale},
		{ID: "hangs", Patch: hangs},
	}

	tst := &tester.Tester{Repo: repo, WorktreeDir: worktrees, Parallel: 2, Timeout: 30 * time.Second}
	report, err := tst.Check(t.Context(), "Average panics on an empty slice", candidates)
	require.NoError(t, err)

	require.Len(t, report.Suites, 1)
	assert.Equal(t, tester.Suite{Kind: tester.GoTest, Targets: []string{"example.com/stats/report", "example.com/stats/stats"}}, report.Suites[0],
		"the changed package and its importer, not the untouched one")
	assert.Equal(t, []string{"example.com/stats/stats.TestFlaky"}, report.Baseline.Flaky)
	assert.Equal(t, []string{"example.com/stats/stats", "example.com/stats/stats.TestKnownBroken"}, report.Baseline.Failed)
	assert.Equal(t, []string{"example.com/stats/report", "example.com/stats/report.TestLine",
		"example.com/stats/stats.TestAverage", "example.com/stats/stats.TestSum"}, report.Baseline.Kept)
	assert.Equal(t, 7, report.Baseline.Run)
	assert.Equal(t, 4, report.Baseline.Passed)

	byID := map[string]tester.Result{}
	for _, v := range report.Candidates {
		byID[v.ID] = v
	}
	assert.True(t, byID["fix"].Kept, "%+v", byID["fix"])
	assert.Empty(t, byID["fix"].Error)
	assert.Empty(t, byID["fix"].Regressions, "the flaky test is not blamed on the fix")

	assert.False(t, byID["breaker"].Kept)
	var names []string
	for _, r := range byID["breaker"].Regressions {
		names = append(names, r.Name)
	}
	assert.Equal(t, []string{"example.com/stats/report", "example.com/stats/report.TestLine",
		"example.com/stats/stats.TestAverage", "example.com/stats/stats.TestSum"}, names)
	assert.Contains(t, logOf(byID["breaker"].Regressions, "example.com/stats/report.TestLine"), `Line = "total 5"`)

	assert.False(t, byID["stale"].Kept)
	assert.Contains(t, byID["stale"].Error, "does not apply")

	assert.False(t, byID["hangs"].Kept)
	assert.Contains(t, byID["hangs"].Error, "time limit")

	assert.Equal(t, before, repoState(t, repo), "the user's repository is as it was")
	emptyDir(t, worktrees)
	checkNoProcessIn(t, worktrees)
}

// The tester as the selector's regression stage: the breaker is dropped
// from a full selection, the flaky test blames nobody.
func TestTesterInSelection(t *testing.T) {
	repo, _ := gittest.Repo(t, goModule)
	fix := patchOf(t, repo, map[string]string{
		"stats/stats.go": strings.Replace(goModule["stats/stats.go"], "return Sum(xs) / len(xs) }",
			"if len(xs) == 0 {\n\t\treturn 0\n\t}\n\treturn Sum(xs) / len(xs) }", 1),
	})
	breaker := patchOf(t, repo, map[string]string{
		"stats/stats.go": strings.Replace(goModule["stats/stats.go"], "s += x", "s -= x", 1),
	})
	// Without the tests, two models agreeing on the breaker would win
	// the syntax vote.
	candidates := []selector.Candidate{
		{ID: "breaker", Source: "model-b", Patch: breaker},
		{ID: "fix", Source: "model-a", Patch: fix},
		{ID: "breaker-again", Source: "model-c", Patch: breaker},
	}
	tst := &tester.Tester{Repo: repo, WorktreeDir: t.TempDir(), Parallel: 2}
	plan, err := tst.Plan(t.Context(), "", []string{breaker, fix, breaker})
	require.NoError(t, err)

	stages := []selector.Stage{selector.ContentFilter{}, selector.ApplyCheck{}, selector.Regression{Runner: plan, Parallel: 2},
		selector.SyntaxCluster{}, selector.SyntaxVote{}}
	for _, withTests := range []bool{false, true} {
		s := stages
		if !withTests {
			s = slices.Delete(slices.Clone(stages), 2, 3)
		}
		pool, err := selector.NewPool("Average panics on an empty slice", os.DirFS(repo), slices.Clone(candidates))
		require.NoError(t, err)
		d, err := selector.Selector{Stages: s}.Run(t.Context(), pool)
		require.NoError(t, err)
		if !withTests {
			assert.Equal(t, "breaker", d.Winner, "the control: agreement alone picks the breaker")
			continue
		}
		assert.Equal(t, "fix", d.Winner)
		var dropped []string
		for _, step := range d.Steps {
			if step.Stage == "regression" {
				for _, drop := range step.Dropped {
					dropped = append(dropped, drop.Candidate)
				}
			}
		}
		assert.Equal(t, []string{"breaker", "breaker-again"}, dropped)
	}
}
