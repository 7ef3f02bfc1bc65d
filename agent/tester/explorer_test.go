package tester_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/conclave-dev/conclave/agent"
	"github.com/conclave-dev/conclave/agent/tester"
	"github.com/conclave-dev/conclave/internal/gittest"
	"github.com/conclave-dev/conclave/llm/llmtest"
	"github.com/conclave-dev/conclave/tools/ckg"
)

// A scripted explorer tries to write (refused), looks a name up in the
// code knowledge graph, then proposes a test the deterministic rules do
// not find; the two discoveries merge.
func TestExplorerComposes(t *testing.T) {
	repo, _ := gittest.Repo(t, goModule)
	fix := patchOf(t, repo, map[string]string{
		"stats/stats.go": strings.Replace(goModule["stats/stats.go"], "return Sum(xs) / len(xs) }",
			"if len(xs) == 0 {\n\t\treturn 0\n\t}\n\treturn Sum(xs) / len(xs) }", 1),
	})
	model := llmtest.NewScript(
		llmtest.CallTools("str_replace_editor", `{"command":"create","path":"new_test.go","file_text":"package x"}`),
		llmtest.CallTools("ckg", `{"command":"find_references","identifier":"Sum"}`),
		llmtest.CallTools("propose_tests", `{"suites":[{"kind":"go","targets":["example.com/stats/other"],"tests":["example.com/stats/other.TestOther"]}],"reason":"other runs quickly"}`),
	)
	graphs := &ckg.Shared{}
	explorer := &tester.Explorer{Agent: agent.Agent{Model: model, ModelName: "scripted"}, Graphs: graphs}
	tst := &tester.Tester{Repo: repo, WorktreeDir: t.TempDir(), Discover: []tester.Discoverer{explorer, tester.Deterministic{}}}
	plan, err := tst.Plan(t.Context(), "Average panics on an empty slice", []string{fix})
	require.NoError(t, err)

	assert.Equal(t, []tester.Suite{
		{Kind: tester.GoTest, Targets: []string{"example.com/stats/other"}, Tests: []string{"example.com/stats/other.TestOther"}},
		{Kind: tester.GoTest, Targets: []string{"example.com/stats/report", "example.com/stats/stats"}},
	}, plan.Suites)
	assert.Contains(t, plan.Baseline.Kept, "example.com/stats/other.TestOther")
	assert.NotContains(t, plan.Baseline.Kept, "example.com/stats/other", "the explorer counted only the test it named")

	reqs := model.Requests()
	require.Len(t, reqs, 3)
	var results []string
	for _, m := range reqs[2].Messages {
		for _, p := range m.Parts {
			if p.ToolResult != nil {
				results = append(results, p.ToolResult.Content)
			}
		}
	}
	require.Len(t, results, 2)
	assert.Contains(t, results[0], "read-only")
	assert.Contains(t, results[1], "report/report.go", "ckg sees who uses Sum")
	assert.Contains(t, reqs[0].Messages[0].Parts[0].Text, "stats/stats.go", "the task names the changed files")
}

func TestExplorerWithoutProposal(t *testing.T) {
	repo, _ := gittest.Repo(t, goModule)
	model := llmtest.NewScript(llmtest.Say("I think the tests are fine."))
	explorer := &tester.Explorer{Agent: agent.Agent{Model: model, MaxNudges: -1}}
	// Alone, a failing explorer fails the plan; beside the deterministic
	// rules, it is a note.
	_, err := (&tester.Tester{Repo: repo, WorktreeDir: t.TempDir(), Discover: []tester.Discoverer{explorer}}).Plan(t.Context(), "", nil)
	require.ErrorContains(t, err, "without proposing tests")

	model = llmtest.NewScript(llmtest.Say("I think the tests are fine."))
	explorer = &tester.Explorer{Agent: agent.Agent{Model: model, MaxNudges: -1}}
	plan, err := (&tester.Tester{Repo: repo, WorktreeDir: t.TempDir(), Discover: []tester.Discoverer{explorer, tester.Deterministic{}}}).Plan(t.Context(), "", nil)
	require.NoError(t, err)
	require.NotEmpty(t, plan.Notes)
	assert.Contains(t, plan.Notes[0], "without proposing tests")
}
